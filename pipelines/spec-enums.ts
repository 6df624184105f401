import { PIPELINE_IMAGES } from "../core/versions";

/**
 * The fine-tuning pipeline spec: one entry of `finetune:pipelines`. Everything a run needs that is not a
 * platform fact (pool, store, monitoring come in as contracts). Cross-field rules are refinements whose
 * messages read `<what is wrong> (<how to fix>)`; checks that need the pool contract live in
 * `validatePipelineAgainstPool` (pipelines/validate.ts).
 */

/** Fine-tuning methods. */
export const FineTuningMethod = {
  Full: "full",
  Lora: "lora",
  Qlora: "qlora",
} as const;
export type FineTuningMethod = (typeof FineTuningMethod)[keyof typeof FineTuningMethod];

/** Dataset row formats the data-prep stage understands. */
export const DatasetFormat = {
  /** `{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}` */
  Chat: "chat",
  /** `{"instruction": "...", "input": "..."?, "output": "..."}` */
  Instruction: "instruction",
  /** `{"prompt": "...", "completion": "..."}` */
  Completion: "completion",
} as const;
export type DatasetFormat = (typeof DatasetFormat)[keyof typeof DatasetFormat];

/** Evaluation suites the gate knows. */
export const EvalSuite = {
  /** Task metrics on the held-out test split. */
  Task: "task",
  /** General-capability regression (catastrophic forgetting). */
  General: "general",
  /** Safety regression. */
  Safety: "safety",
} as const;
export type EvalSuite = (typeof EvalSuite)[keyof typeof EvalSuite];

/** Optimizers the sizing knows the state size of (Axolotl `optimizer` values). */
export const Optimizer = {
  AdamWTorchFused: "adamw_torch_fused",
  AdamWTorch: "adamw_torch",
  AdamW8bit: "adamw_bnb_8bit",
  PagedAdamW8bit: "paged_adamw_8bit",
  PagedAdamW32bit: "paged_adamw_32bit",
} as const;
export type Optimizer = (typeof Optimizer)[keyof typeof Optimizer];

/** CUDA version of the pinned trainer image, read from its tag (`…-cu128-…` → `12.8`). */
export function cudaVersionOfTag(tag: string): string | undefined {
  const m = /cu(\d{2})(\d)/.exec(tag);
  return m ? `${Number(m[1])}.${m[2]}` : undefined;
}
/** Default `compute.cudaVersion`: the CUDA version of `PIPELINE_IMAGES.trainer`. */
export const DEFAULT_TRAINER_CUDA_VERSION = cudaVersionOfTag(PIPELINE_IMAGES.trainer.tag) ?? "12.8";

/**
 * Patterns (matched whole) of the values a stage script receives from the spec or a workflow parameter. The
 * scripts check the same bodies at run time (pipelines/scripts/ftkit_store.py `PATTERNS`; a test holds them
 * equal), so a value `argo submit -p` passes is held to the rule the spec's value was.
 */
export const VALUE_PATTERNS = {
  /** A commit sha (40 hex digits) or a tag-like name; never a ref (`refs/heads/main`: no `/`). */
  revision: "[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
  /** `s3://` or `gs://` bucket (S3/GCS bucket-name rules: 3-63 of a-z 0-9 . - _) and a key of safe characters. */
  "object-uri": "(s3|gs)://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/[A-Za-z0-9._~/=+@,:%-]*)?",
  /**
   * `org/name` as the Hugging Face Hub allows: each part 1-96 of A-Z a-z 0-9 . _ -, starting and ending with a
   * letter or digit (huggingface_hub `validate_repo_id`; `--` and `..` are refused separately).
   */
  "hub-id": "[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?",
  /** An lm-evaluation-harness task name (`mmlu`, `arc_easy`, `truthfulqa_mc2`, `leaderboard_bbh`). */
  "lm-eval-task": "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
} as const;
/** A kind of value with a pattern in {@link VALUE_PATTERNS}. */
export type ValueKind = keyof typeof VALUE_PATTERNS;

/** The whole-value regular expression of a kind. */
export function valuePattern(kind: ValueKind): RegExp {
  return new RegExp(`^(?:${VALUE_PATTERNS[kind]})$`);
}

/** A value as it is safe to echo in a message: JSON-quoted (control characters escaped), cut to 60 characters. */
export function shownValue(value: string): string {
  const text = JSON.stringify(value);
  return text.length <= 60 ? text : `${text.slice(0, 60)}… (${value.length} characters)`;
}
