/**
 * `finetune-kit/kubernetes`: the cloud-neutral part of the kit — contracts, the pipeline spec and its renderers, and
 * the components that need only a Kubernetes cluster (Kueue, CUDA driver stack, pipeline platform and namespaces,
 * Kubernetes pipelines, the model cache, the in-cluster artifact store, Prometheus monitoring). Peer SDKs: `@pulumi/pulumi` and
 * `@pulumi/kubernetes`; loads neither `@pulumi/aws` nor `@pulumi/gcp`. `finetune-kit/aws` and `finetune-kit/gcp`
 * re-export all of it.
 */
// Contracts and facts.
export * from "../core/contracts/artifact-store";
export * from "../core/contracts/driver-stack";
export * from "../core/contracts/gpu-pool";
export * from "../core/contracts/monitoring";
export type { ServiceAccountIdentity } from "../core/contracts/pipeline-identity";
export * from "../core/gpu-catalog";
export * from "../core/interconnect";
export * from "../core/store-layout";
export { GPU_STACK_CHARTS, PIPELINE_CHARTS } from "../core/versions";
export { ConfigError, problemText, throwIfProblems, type Problem } from "../core/problem";
export { RESTRICTED_NAMESPACE_LABELS, SERVING_METRICS_PORT, SERVING_POD_LABELS, type K8sObject } from "../core/kubernetes";
export {
  artifactStoreContractFromStack,
  contractFromStackReference,
  contractShapeProblems,
  ContractKind,
  gpuPoolContractFromStack,
  stackContractError,
  REQUIRED_CONTRACT_FIELDS,
  type ContractOfKind,
} from "../components/contracts-from-stack";

// Pipeline spec, sizing and renderers (pure).
export * from "../pipelines";

// GPU pools on any cluster: labels, pool contracts, Kueue.
export {
  KIT_LABEL,
  GPU_TAINT,
  GPU_TOLERATION,
  CAPACITY_LABEL,
  KARPENTER_DO_NOT_DISRUPT,
  poolSelector,
  poolNodeLabels,
  capacityOrder,
} from "../components/gpu-node-pool/labels";
export {
  buildPoolContract,
  sagemakerPoolContract,
  existingNodesPoolContract,
  poolShapeProblems,
  POOL_DEFAULTS,
} from "../components/gpu-node-pool/pool-contract";
export type { SageMakerPoolArgs, ExistingNodesPoolArgs, PoolContractInput } from "../components/gpu-node-pool/pool-contract";
export { KueueWithinClusterQueue, KueueReclaimWithinCohort } from "../components/gpu-node-pool/kueue-render";
export type { KueuePreemption, NodesByCapacity } from "../components/gpu-node-pool/kueue-render";
export { KueueInstall, KueueGpuPool, KUEUE_API_VERSION, flavorName, renderKueueGpuPool, renderKueueValues } from "../components/gpu-node-pool/kueue";
export type { KueueInstallArgs, KueueGpuPoolArgs } from "../components/gpu-node-pool/kueue";
export { renderKueueTopology, TOPOLOGY_LEVELS } from "../components/gpu-node-pool/node-render";

// CUDA driver stack and GPU smoke tests.
export * from "../components/cuda-driver-stack";

// Artifact store: contract, layout, model cards, the in-cluster (MinIO / external S3) store.
export * from "../components/artifact-registry/contract-input";
export * from "../components/artifact-registry/model-card";
export * from "../components/artifact-registry/defaults";
export * from "../components/artifact-registry/protection";
export * from "../components/artifact-registry/minio-values";
export * from "../components/artifact-registry/kubernetes";

// Monitoring on Prometheus.
export {
  PrometheusMonitoring,
  PrometheusMode,
  resolvePrometheusMonitoring,
  renderPrometheusMonitoringObjects,
  prometheusRulesOf,
  prometheusContractOf,
} from "../components/monitoring/prometheus";
export type { PrometheusMonitoringArgs, ResolvedPrometheusMonitoring } from "../components/monitoring/prometheus";
export { renderAlerts, alertSources, COLLECTOR_LABELS, Severity } from "../components/monitoring/alerts";
export type { AlertDefinition, AlertScope, CollectorLabels } from "../components/monitoring/alerts";
export { renderPrometheusRules } from "../components/monitoring/prometheus-rules";
export type { RuleFile, RuleGroup, AlertingRule, RecordingRule } from "../components/monitoring/prometheus-rules";
export { DEFAULT_THRESHOLDS, THRESHOLD_LIMITS, thresholdProblems, withDefaultThresholds, durationSeconds } from "../components/monitoring/thresholds";
export type { AlertThresholds } from "../components/monitoring/thresholds";
export {
  KIT_METRICS,
  DCGM_METRICS,
  KUEUE_METRICS,
  JOBSET_METRICS,
  ARGO_METRICS,
  VLLM_METRICS,
  KSM_METRICS,
  RECORDING_RULES,
  metricNamesIn,
  MetricSource,
} from "../components/monitoring/metrics";
export { GRAFANA_DASHBOARDS } from "../components/monitoring/dashboards";
export { pushgatewayUrl, renderPushgateway } from "../components/monitoring/kubernetes-manifests";
export {
  trainingLogLine,
  trainingMetricsEnv,
  pushgatewayGroupPath,
  TRAINING_PUSH_JOB,
  TRAINING_LOG_KEYS,
  TRAINING_LOG_PREFIX,
  TRAINING_METRICS_ENV,
} from "../pipelines/training-metrics";
export type { TrainingLogValues } from "../pipelines/training-metrics";

// Pipelines on Kubernetes and their platform.
export {
  KubernetesFineTuningPipeline,
  type KubernetesFineTuningPipelineArgs,
  type ArtifactStoreContractArg,
  type ApiServerEndpoint,
} from "../components/pipeline/kubernetes";
export { loadStageScripts, stageScriptsDir, STAGE_SCRIPTS } from "../components/pipeline/scripts";
export * from "../components/platform";
export { PipelineNamespace, renderPipelineNamespace, type PipelineNamespaceArgs } from "../components/platform/pipeline-namespace";

// Model cache: one copy of each base-model snapshot per cluster (GCS FUSE, Mountpoint for S3 or a ReadWriteMany claim).
export * from "../components/model-cache";
