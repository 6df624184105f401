export { KubernetesFineTuningPipeline, type KubernetesFineTuningPipelineArgs, type ApiServerEndpoint } from "./kubernetes";
export { SageMakerFineTuningPipeline, executionRolePolicy, toAwsCron, accountAndRegion, type SageMakerFineTuningPipelineArgs } from "./sagemaker";
export { loadStageScripts, stageScriptsDir, STAGE_SCRIPTS } from "./scripts";
export { throwIfProblems, type Problem } from "../../core/problem";
