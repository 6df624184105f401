export * from "./spec";
export * from "./mermaid";
export * from "./models";
export * from "./sizing";
export * from "./stages";
export * from "./layout";
export * from "./trainer-config";
export { validatePipelineAgainstPool } from "./validate";
export {
  renderKubernetesPipeline,
  renderScriptsConfigMap,
  objectNames,
  pipelineLabels,
  PipelineRenderError,
  ARGO_RUN_ID,
  type KubernetesPipelineInput,
  type KubernetesPipelineRender,
} from "./render/kubernetes";
export { renderSageMakerPipeline, type SageMakerPipelineInput, type SageMakerPipelineRender } from "./render/sagemaker";
