/**
 * `finetune-kit/aws`: everything in `finetune-kit/kubernetes` plus the AWS components — EKS GPU node groups,
 * Karpenter pools and its interruption queue, the EFA device plugin, the S3/ECR/KMS artifact registry and EKS
 * workload identity (IRSA / Pod Identity), CloudWatch monitoring and SageMaker pipelines. Peer SDKs:
 * `@pulumi/pulumi`, `@pulumi/kubernetes` and `@pulumi/aws`; never loads `@pulumi/gcp`.
 */
export * from "./kubernetes";

// GPU node pools on EKS.
export { EKS_NODE_MANAGED_POLICIES } from "../components/gpu-node-pool/aws-node-role";
export { EksGpuNodePool, EksGpuAmiType, planEksGpuPool, clusterAutoscalerNodeTemplateTags } from "../components/gpu-node-pool/eks";
export type { EksGpuNodePoolArgs, EksGpuPoolPlan } from "../components/gpu-node-pool/eks";
export { KarpenterGpuNodePool, KARPENTER_AMI, renderKarpenterGpuPool, KarpenterAmiFamily } from "../components/gpu-node-pool/karpenter";
export type { KarpenterGpuNodePoolArgs, KarpenterRenderInput } from "../components/gpu-node-pool/karpenter";
export {
  KarpenterInterruptionQueue,
  KARPENTER_INTERRUPTION_QUEUE_VALUE,
  KARPENTER_INTERRUPTION_EVENTS,
} from "../components/gpu-node-pool/karpenter-interruption";
export type { KarpenterInterruptionQueueArgs, KarpenterHelmValues, KarpenterHelmSettings } from "../components/gpu-node-pool/karpenter-interruption";
export { EfaDevicePlugin, efaDevicePluginValues } from "../components/gpu-node-pool/efa-device-plugin";
export type { EfaDevicePluginArgs } from "../components/gpu-node-pool/efa-device-plugin";
export { al2023LocalStorageUserData, bottlerocketLocalStorageUserData, efaNetworkInterfaces } from "../components/gpu-node-pool/node-render";

// Artifact registry on S3, ECR and KMS; pipeline identities on EKS.
export * from "../components/artifact-registry/bucket-names";
export * from "../components/artifact-registry/aws-policies";
export * from "../components/artifact-registry/aws";
export * from "../components/artifact-registry/aws-workload-identity";

// Monitoring on CloudWatch.
export { CloudWatchMonitoring, cloudWatchArgProblems } from "../components/monitoring/cloudwatch";
export type { CloudWatchMonitoringArgs, BudgetCostTag } from "../components/monitoring/cloudwatch";
export {
  renderCloudWatchDashboard,
  renderAlarms,
  FAILURE_EVENT_PATTERNS,
  monitoringKeyPolicy,
  alertTopicPolicy,
} from "../components/monitoring/cloudwatch-render";
export { CLOUDWATCH_LOG_RETENTION_DAYS, logRetentionProblem, SAGEMAKER_CLOUDWATCH } from "../components/monitoring/cloudwatch-facts";
export { sageMakerMetricDefinitions, SAGEMAKER_METRIC_NAMES, type SageMakerMetricDefinition } from "../pipelines/training-metrics";

// Pipelines on SageMaker.
export {
  SageMakerFineTuningPipeline,
  executionRolePolicy,
  toAwsCron,
  accountAndRegion,
  type SageMakerFineTuningPipelineArgs,
} from "../components/pipeline/sagemaker";
