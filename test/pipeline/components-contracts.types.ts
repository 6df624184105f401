/**
 * Type-level test (checked by `npx tsc --noEmit -p .`, which includes test/**): every registry's contract is
 * accepted as `store` by the pipelines its platform allows, every pool's contract as `pool`, and a contract read
 * from another stack as well. The `refused` line is the control: were `store` or `pool` typed so loosely that
 * anything passes, its `false` entries would no longer type-check.
 */
import type { AwsArtifactRegistry, GcpArtifactRegistry, KubernetesArtifactStore } from "../../components/artifact-registry";
import type { artifactStoreContractFromStack, gpuPoolContractFromStack } from "../../components/contracts-from-stack";
import type {
  EksGpuNodePool,
  GkeGpuNodePool,
  KarpenterGpuNodePool,
  KueueGpuPool,
  sagemakerPoolContract,
  existingNodesPoolContract,
} from "../../components/gpu-node-pool";
import type { KubernetesFineTuningPipelineArgs } from "../../components/pipeline/kubernetes";
import type { SageMakerFineTuningPipelineArgs } from "../../components/pipeline/sagemaker";

/** `true` when every value of `T` may be passed where `U` is expected. */
type Accepts<T, U> = [T] extends [U] ? true : false;
type KubernetesStore = KubernetesFineTuningPipelineArgs["store"];
type SageMakerStore = SageMakerFineTuningPipelineArgs["store"];
type KubernetesPool = KubernetesFineTuningPipelineArgs["pool"];
type SageMakerPool = SageMakerFineTuningPipelineArgs["pool"];

export const storesOnKubernetes: [
  Accepts<AwsArtifactRegistry["contract"], KubernetesStore>,
  Accepts<GcpArtifactRegistry["contract"], KubernetesStore>,
  Accepts<KubernetesArtifactStore["contract"], KubernetesStore>,
  Accepts<ReturnType<typeof artifactStoreContractFromStack>, KubernetesStore>,
] = [true, true, true, true];

export const storesOnSageMaker: [
  Accepts<AwsArtifactRegistry["contract"], SageMakerStore>,
  Accepts<ReturnType<typeof artifactStoreContractFromStack>, SageMakerStore>,
] = [true, true];

export const pools: [
  Accepts<EksGpuNodePool["contract"], KubernetesPool>,
  Accepts<KarpenterGpuNodePool["contract"], KubernetesPool>,
  Accepts<GkeGpuNodePool["contract"], KubernetesPool>,
  Accepts<KueueGpuPool["contract"], KubernetesPool>,
  Accepts<ReturnType<typeof existingNodesPoolContract>, KubernetesPool>,
  Accepts<ReturnType<typeof sagemakerPoolContract>, SageMakerPool>,
  Accepts<KueueGpuPool["contractOutput"], KubernetesPool>,
  Accepts<ReturnType<typeof gpuPoolContractFromStack>, KubernetesPool>,
  Accepts<ReturnType<typeof gpuPoolContractFromStack>, SageMakerPool>,
] = [true, true, true, true, true, true, true, true, true];

// The negative controls: a plain string is no store, and no pool.
export const refused: [Accepts<string, KubernetesStore>, Accepts<string, KubernetesPool>] = [false, false];
