/**
 * finetune-kit public API: `import { GkeGpuNodePool, KubernetesFineTuningPipeline, ... } from "finetune-kit"`.
 */
export * from "./components/gpu-node-pool";
export * from "./components/cuda-driver-stack";
export * from "./components/artifact-registry";
export * from "./components/monitoring";
export * from "./components/pipeline";
export * from "./components/platform";
export * from "./components/model-cache";
export { PipelineNamespace, renderPipelineNamespace, type PipelineNamespaceArgs } from "./components/platform/pipeline-namespace";
export {
  artifactStoreContractFromStack,
  contractFromStackReference,
  contractShapeProblems,
  ContractKind,
  gpuPoolContractFromStack,
  stackContractError,
  REQUIRED_CONTRACT_FIELDS,
  type ContractOfKind,
} from "./components/contracts-from-stack";
export * from "./pipelines";
export { GPU_STACK_CHARTS, PIPELINE_CHARTS } from "./core/versions";
export { ConfigError, problemText, type Problem } from "./core/problem";
export { RESTRICTED_NAMESPACE_LABELS, SERVING_METRICS_PORT, SERVING_POD_LABELS, type K8sObject } from "./core/kubernetes";
