/**
 * The seven stages of the fine-tuning pipeline as data: ids, titles, and the DAG edges both renderers and the
 * Mermaid diagram use. `evaluation-gate` is the evaluation stage's decision node: deployment depends on it and
 * on nothing else, so no deployment is reachable without the gate passing. Monitoring runs on its own schedule
 * against the live endpoint.
 */

export const StageId = {
  DataPrep: "data-prep",
  ModelInit: "model-init",
  TrainingSetup: "training-setup",
  Training: "training",
  Evaluation: "evaluation",
  EvaluationGate: "evaluation-gate",
  Deployment: "deployment",
  Monitoring: "monitoring",
} as const;
export type StageId = (typeof StageId)[keyof typeof StageId];

/** One node of the run DAG. */
export interface StageInfo {
  id: StageId;
  /** Title shown in diagrams and step descriptions. */
  title: string;
  /** Stages that must succeed first. */
  dependsOn: StageId[];
  /** Which of the seven standard stages this node belongs to (1-7). */
  stage: number;
}

/** The run DAG in topological order (monitoring is scheduled separately and not part of a run). */
export const RUN_STAGES: readonly StageInfo[] = [
  { id: "data-prep", title: "Data preparation: validate, de-duplicate, split", dependsOn: [], stage: 1 },
  { id: "model-init", title: "Model initialization: snapshot the pinned base model", dependsOn: [], stage: 2 },
  { id: "training-setup", title: "Training setup: trainer config and sizing check", dependsOn: ["data-prep", "model-init"], stage: 3 },
  { id: "training", title: "Training: checkpointed, resumable, spot-tolerant", dependsOn: ["training-setup"], stage: 4 },
  { id: "evaluation", title: "Evaluation: task, general-capability and safety suites", dependsOn: ["training"], stage: 5 },
  { id: "evaluation-gate", title: "Evaluation gate: thresholds and regression vs deployed", dependsOn: ["evaluation"], stage: 5 },
  { id: "deployment", title: "Deployment: register, promote, roll out (rollback on failure)", dependsOn: ["evaluation-gate"], stage: 6 },
];

/** The monitoring stage (stage 7), a scheduled probe of the live endpoint. */
export const MONITORING_STAGE: StageInfo = { id: "monitoring", title: "Monitoring: scheduled probe of the live endpoint", dependsOn: [], stage: 7 };

/** Run stages of a spec: deployment only when enabled. */
export function runStages(deploymentEnabled: boolean): StageInfo[] {
  return RUN_STAGES.filter((s) => deploymentEnabled || s.id !== "deployment");
}
