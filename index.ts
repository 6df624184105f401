/**
 * finetune-kit public API: `import { GkeGpuNodePool, KubernetesFineTuningPipeline, ... } from "finetune-kit"`.
 */
export * from "./components/gpu-node-pool";
export * from "./components/cuda-driver-stack";
export * from "./components/artifact-registry";
export * from "./components/monitoring";
export * from "./components/pipeline";
export * from "./components/platform";
export { PipelineNamespace, renderPipelineNamespace, RESTRICTED_NAMESPACE_LABELS, type PipelineNamespaceArgs } from "./components/platform/pipeline-namespace";
export * from "./pipelines";
export { GPU_STACK_CHARTS, PIPELINE_CHARTS } from "./components/versions";
export { ConfigError, type ConfigProblem } from "./stacks/config/errors";
export { KitConfigSchema, type KitConfig, type KitConfigInput, Target } from "./stacks/config/schema";
export { parseKitConfig } from "./stacks/config/load";
