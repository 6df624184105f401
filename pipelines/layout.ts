import type { ArtifactStoreContract } from "../core/contracts/artifact-store";
import type { FineTuningPipelineSpec } from "./spec";
import type { StageId } from "./stages";

/**
 * Where a run reads and writes, under the artifact store's prefixes (ArtifactStoreContract):
 *   stage outputs   <runsUri>/<pipeline>/<run-id>/<stage>/
 *   checkpoints     <checkpointsUri>/<pipeline>/<run-id>/
 *   base model      <modelsUri>/<hub-id>@<revision>/
 *   registry        <registryUri>/<pipeline>/<version>/   (version = run id), deployed.json beside the versions
 * `runId` is a platform placeholder: `{{workflow.name}}` on Argo, a token the SageMaker renderer turns into
 * `ExecutionVariables.PipelineExecutionId`.
 */
export interface RunLayout {
  runPrefix: string;
  stage(id: StageId): string;
  checkpoints: string;
  /** Base-model snapshot for a revision (the revision may be a pipeline-parameter placeholder). */
  baseModel(revision: string): string;
  /** The pipeline's model in the registry (versions below it). */
  registryModel: string;
  /** Pointer to the deployed version. */
  deployedPointer: string;
  /** Scripts/config published for platforms that read them from the store (SageMaker). */
  codePrefix: string;
}

function join(...parts: string[]): string {
  return parts
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, "") : p.replace(/^\/+|\/+$/g, "")))
    .filter((p) => p !== "")
    .join("/");
}

export function runLayout(spec: FineTuningPipelineSpec, store: ArtifactStoreContract, runId: string): RunLayout {
  const runPrefix = join(store.runsUri, spec.name, runId);
  const registryModel = join(store.registryUri, spec.name);
  return {
    runPrefix,
    stage: (id) => join(runPrefix, id),
    checkpoints: join(store.checkpointsUri, spec.name, runId),
    baseModel: (revision) => join(store.modelsUri, `${spec.baseModel.id}@${revision}`),
    registryModel,
    deployedPointer: join(registryModel, "deployed.json"),
    codePrefix: join(store.runsUri, spec.name, "_code"),
  };
}

export { join as joinUri };
