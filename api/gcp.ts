/**
 * `finetune-kit/gcp`: everything in `finetune-kit/kubernetes` plus the Google Cloud components — GKE GPU node
 * pools, the GCS / Artifact Registry artifact registry and Cloud Monitoring. Peer SDKs: `@pulumi/pulumi`,
 * `@pulumi/kubernetes` and `@pulumi/gcp`; never loads `@pulumi/aws`.
 */
export * from "./kubernetes";

// GPU node pools on GKE.
export {
  GkeGpuNodePool,
  GkeGpuDriverVersion,
  GkeSharingStrategy,
  GKE_NODE_SA_ROLES,
  GKE_SHARING_STRATEGY,
  GKE_IMAGE_CACHE_MODE,
  gkeNodeFeatures,
} from "../components/gpu-node-pool/gke";
export type { GkeGpuNodePoolArgs, GkeGpuSharing, GkeGpuNetworks, GkeNodeNetwork, GkeNodeFeatures } from "../components/gpu-node-pool/gke";

// Artifact registry on GCS and Artifact Registry.
export * from "../components/artifact-registry/gcp";

// Monitoring on Cloud Monitoring.
export {
  CloudMonitoring,
  cloudMonitoringArgProblems,
  NotificationChannelType,
  CLOUD_MONITORING_INPUT_ARGS,
  CLOUD_MONITORING_PLAIN_ARGS,
} from "../components/monitoring/cloud-monitoring";
export type { CloudMonitoringArgs, NotificationChannelSpec } from "../components/monitoring/cloud-monitoring";
export { renderAlertPolicies, renderCloudMonitoringDashboard, MANAGED_PROMETHEUS_SOURCES } from "../components/monitoring/cloud-monitoring-render";
