import { stageImageUri } from "../../../core/images";
import { runLayout } from "../../layout";
import { renderConfigFiles, sizeOrThrow } from "../shared";
import {
  dataPrepStep,
  deploymentSteps,
  evaluationStep,
  gateStep,
  modelInitStep,
  TRAINING,
  trainingSetupStep,
  trainingStep,
  type SageMakerPipelineInput,
  type Step,
  type StepContext,
} from "./steps";
import { RUN_TOKEN } from "./values";

/**
 * Pure renderer: pipeline spec + contracts → a SageMaker Model Building Pipeline definition
 * (`"Version": "2020-12-01"`). Steps: DataPrep, ModelInit (cached per model@revision), TrainingSetup
 * (Processing), Training (managed spot, checkpoints to S3, metric definitions), Evaluation (Processing with
 * the `EvaluationReport` property file), EvaluationGate (Condition) → RegisterVersion + RegisterModel, or
 * GateFailed (Fail with the gate's reason); CreateModel → EndpointConfig → Endpoint behind the gate.
 * Stage outputs are run-scoped with `Std:Join` on `Execution.PipelineExecutionId`.
 * One builder per step kind in ./steps.ts; run/revision tokens in ./values.ts.
 */

export type { SageMakerPipelineInput } from "./steps";

export interface SageMakerPipelineRender {
  definition: Record<string, unknown>;
  /** Files to publish under `configUri`. */
  configFiles: Record<string, string>;
  /** Step names in the order they appear. */
  stepNames: string[];
}

export function renderSageMakerPipeline(input: SageMakerPipelineInput, index = 0): SageMakerPipelineRender {
  const { spec, pool, store } = input;
  const sized = sizeOrThrow(spec, pool, index);
  const c: StepContext = {
    input,
    spec,
    sized,
    layout: runLayout(spec, store, RUN_TOKEN),
    images: {
      python: input.images?.python ?? stageImageUri(store, "python"),
      trainer: spec.stages.training.image ?? input.images?.trainer ?? stageImageUri(store, "trainer"),
      evaluator: spec.evaluation.evaluator.image ?? input.images?.evaluator ?? stageImageUri(store, "evaluator"),
      serving: spec.deployment.serving.image ?? input.images?.serving ?? stageImageUri(store, "serving"),
    },
    cpuInstance: input.processingInstanceType ?? "ml.m5.xlarge",
    gpuInstance: pool.instanceType as string,
    kms: store.kmsKeyId,
    tags: [
      { Key: "finetune:pipeline", Value: spec.name },
      { Key: "finetune:managed-by", Value: "finetune-kit" },
    ],
  };
  const steps: Step[] = [
    dataPrepStep(c),
    modelInitStep(c),
    trainingSetupStep(c),
    trainingStep(c),
    evaluationStep(c),
    gateStep(c),
    ...(spec.deployment.enabled ? deploymentSteps(c) : []),
  ];
  const definition = {
    Version: "2020-12-01",
    Metadata: { pipeline: spec.name, generator: "finetune-kit" },
    Parameters: [
      { Name: "DatasetUri", Type: "String", DefaultValue: spec.dataset.uri, Description: "S3 URI of the raw JSONL dataset" },
      { Name: "BaseModelRevision", Type: "String", DefaultValue: spec.baseModel.revision, Description: `Pinned revision of ${spec.baseModel.id}` },
    ],
    Steps: steps,
  };
  const configFiles = renderConfigFiles(spec, sized, {
    baseModel: `${TRAINING.channels}/model`,
    dataDir: `${TRAINING.channels}/data`,
    outputDir: TRAINING.checkpoints,
  });
  const stepNames = steps.flatMap((s) => {
    const branches = s.Arguments as { IfSteps?: { Name: string }[]; ElseSteps?: { Name: string }[] } | undefined;
    return [s.Name, ...(branches?.IfSteps ?? []).map((x) => x.Name), ...(branches?.ElseSteps ?? []).map((x) => x.Name)];
  });
  return { definition, configFiles, stepNames };
}
