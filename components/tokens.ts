/**
 * Type tokens of the kit's components. A component registers `finetune-kit:index:<Class>`: the token the
 * component provider host serves (`pulumi package add`, PulumiPlugin.yaml) and the SDKs it generates send in
 * `Construct`. Until 0.x the kit registered `finetune:<module>:<Class>`; every component carries that token
 * as an alias, so stacks deployed with it see no replacement (children follow their parent's alias).
 */
import type * as pulumi from "@pulumi/pulumi";

/** The package name of the schema the host serves (package.json `name`, unscoped). */
export const COMPONENT_PACKAGE = "finetune-kit";

/** Every component's previous token, by class name: kept as an alias so existing stacks keep their state. */
export const LEGACY_COMPONENT_TOKENS = {
  GkeGpuNodePool: "finetune:gpu:GkeGpuNodePool",
  EksGpuNodePool: "finetune:gpu:EksGpuNodePool",
  KarpenterGpuNodePool: "finetune:gpu:KarpenterGpuNodePool",
  KarpenterInterruptionQueue: "finetune:gpu:KarpenterInterruptionQueue",
  EfaDevicePlugin: "finetune:gpu:EfaDevicePlugin",
  KueueInstall: "finetune:gpu:KueueInstall",
  KueueGpuPool: "finetune:gpu:KueueGpuPool",
  CudaDriverStack: "finetune:cuda:CudaDriverStack",
  GpuSmokeTest: "finetune:cuda:GpuSmokeTest",
  AwsArtifactRegistry: "finetune:registry:AwsArtifactRegistry",
  GcpArtifactRegistry: "finetune:registry:GcpArtifactRegistry",
  KubernetesArtifactStore: "finetune:registry:KubernetesArtifactStore",
  EksPipelineIdentity: "finetune:registry:EksPipelineIdentity",
  ModelCache: "finetune:registry:ModelCache",
  CloudWatchMonitoring: "finetune:monitoring:CloudWatchMonitoring",
  CloudMonitoring: "finetune:monitoring:CloudMonitoring",
  PrometheusMonitoring: "finetune:monitoring:PrometheusMonitoring",
  KubernetesPipelinePlatform: "finetune:pipeline:KubernetesPipelinePlatform",
  PipelineNamespace: "finetune:pipeline:PipelineNamespace",
  KubernetesFineTuningPipeline: "finetune:pipeline:KubernetesFineTuningPipeline",
  SageMakerFineTuningPipeline: "finetune:pipeline:SageMakerFineTuningPipeline",
} as const;

/** Class name of a kit component. */
export type KitComponent = keyof typeof LEGACY_COMPONENT_TOKENS;

/** The token a component registers: `finetune-kit:index:<Class>`. */
export function componentToken(component: KitComponent): string {
  return `${COMPONENT_PACKAGE}:index:${component}`;
}

/** `opts` with the component's legacy token added to its aliases (after the caller's own). */
export function withLegacyAlias(component: KitComponent, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: LEGACY_COMPONENT_TOKENS[component] }] };
}
