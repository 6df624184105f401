export { KubernetesFineTuningPipeline, type KubernetesFineTuningPipelineArgs, type ArtifactStoreContractArg, type ApiServerEndpoint } from "./kubernetes";
export type { ServiceAccountIdentity } from "../../core/contracts/pipeline-identity";
export { SageMakerFineTuningPipeline, executionRolePolicy, toAwsCron, accountAndRegion, type SageMakerFineTuningPipelineArgs } from "./sagemaker";
export { loadStageScripts, stageScriptsDir, STAGE_SCRIPTS } from "./scripts";
export { throwIfProblems, type Problem } from "../../core/problem";
