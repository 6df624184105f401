/**
 * The model card written with every registered model version (`registry/<model>/<version>/model-card.md`).
 * Pure. Markdown with a YAML front matter in the layout Hugging Face model cards use, so that the card is
 * readable by people and parseable by tools (the register stage writes it; the deploy stage reads
 * `evaluation.gatePassed` before it serves a version).
 *
 * Why a layout in the bucket and not Vertex AI Model Registry on GCP: model versions are created by pipeline
 * runs, not by `pulumi up`, so they are not Pulumi resources on any platform; a folder per version with a card
 * works the same on S3, GCS and MinIO and survives a move between them. On AWS the SageMaker Model Package Group
 * is used in addition (SageMaker endpoints deploy from it), each package pointing at the same folder.
 */
import { stringify } from "yaml";
import { modelCardKey, modelPrefix, registryVersionPrefix } from "../../core/store-layout";

/** One evaluation result of the gate. */
export interface EvalResult {
  /** `task` (the target task), `general` (regression set for catastrophic forgetting) or `safety`. */
  suite: "task" | "general" | "safety";
  metric: string;
  value: number;
  /** The gate's threshold for this metric. */
  threshold: number;
  /** Whether higher values are better (true) or lower (false). */
  higherIsBetter: boolean;
}

/** What a model card records. */
export interface ModelCard {
  model: string;
  version: string;
  baseModel: { hubId: string; revision: string };
  method: "lora" | "qlora" | "full";
  datasets: Array<{ name: string; version: string }>;
  run: { pipeline: string; runId: string };
  /** ISO-8601 time of registration. */
  createdAt: string;
  evaluation: EvalResult[];
  license?: string;
  intendedUse?: string;
  limitations?: string;
}

/** True when the result meets its threshold. */
export function evalPassed(r: EvalResult): boolean {
  return r.higherIsBetter ? r.value >= r.threshold : r.value <= r.threshold;
}

/** True when every suite has at least one result and every result passed. */
export function gatePassed(results: EvalResult[]): boolean {
  const suites = new Set(results.map((r) => r.suite));
  return (["task", "general", "safety"] as const).every((s) => suites.has(s)) && results.every(evalPassed);
}

/** The card as Markdown with YAML front matter. */
export function renderModelCard(card: ModelCard): string {
  const front = {
    model: card.model,
    version: card.version,
    base_model: card.baseModel.hubId,
    base_model_revision: card.baseModel.revision,
    base_model_path: modelPrefix(card.baseModel.hubId, card.baseModel.revision),
    method: card.method,
    datasets: card.datasets.map((d) => `${d.name}@${d.version}`),
    pipeline: card.run.pipeline,
    run_id: card.run.runId,
    created_at: card.createdAt,
    license: card.license ?? "other",
    evaluation: {
      gatePassed: gatePassed(card.evaluation),
      results: card.evaluation.map((r) => ({ ...r, passed: evalPassed(r) })),
    },
    artifacts: `${registryVersionPrefix(card.model, card.version)}artifacts/`,
  };
  const rows = card.evaluation.map(
    (r) => `| ${r.suite} | ${r.metric} | ${r.value} | ${r.higherIsBetter ? "≥" : "≤"} ${r.threshold} | ${evalPassed(r) ? "yes" : "no"} |`,
  );
  return [
    "---",
    stringify(front).trimEnd(),
    "---",
    `# ${card.model} ${card.version}`,
    "",
    `Fine-tuned from \`${card.baseModel.hubId}\` at revision \`${card.baseModel.revision}\` with ${card.method.toUpperCase()} by run \`${card.run.runId}\` of pipeline \`${card.run.pipeline}\`.`,
    "",
    "## Evaluation gate",
    "",
    "| suite | metric | value | threshold | passed |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `Gate: **${gatePassed(card.evaluation) ? "passed" : "failed"}**.`,
    "",
    "## Intended use",
    "",
    card.intendedUse ?? "Not stated.",
    "",
    "## Limitations",
    "",
    card.limitations ?? "Not stated.",
    "",
  ].join("\n");
}

/** Where the card of a version is written. */
export function modelCardLocation(card: Pick<ModelCard, "model" | "version">): string {
  return modelCardKey(card.model, card.version);
}
