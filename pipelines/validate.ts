import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import type { Problem } from "../core/problem";
import { cronFieldRestricted, cronFields, cronProblems, hasCronShape } from "./cron";
import { servingGpus, sizePipeline, sizingInputOf } from "./sizing";
import { valuePattern, type FineTuningPipelineSpec } from "./spec";

/**
 * Checks of a pipeline that need its GPU pool's contract: explicit GPUs per node and nodes within the pool,
 * a model that fits (sizing), and platform-specific requirements. The stacks call this before creating any
 * resource and throw `ConfigError` with every problem. Keys name the field a user typed:
 * `finetune:pipelines[<index>].compute.nodes`.
 */
export function validatePipelineAgainstPool(spec: FineTuningPipelineSpec, pool: GpuPoolContract, index: number): Problem[] {
  const key = (path: string) => `finetune:pipelines[${index}].${path}`;
  const problems: Problem[] = [];
  if (spec.compute.pool !== pool.name) {
    problems.push({
      path: key("compute.pool"),
      message: `is "${spec.compute.pool}" but the pool contract given is "${pool.name}" (pass the contract of the pool the pipeline names)`,
    });
  }
  for (const p of sizePipeline(spec, pool).problems) problems.push({ path: key(p.path), message: p.message });

  const sagemaker = pool.platform === "sagemaker";
  if (sagemaker && !pool.instanceType) {
    problems.push({
      path: key("compute.pool"),
      message: `pool "${pool.name}" has no SageMaker instance type (set the pool's instance type, e.g. ml.g5.2xlarge)`,
    });
  }
  if (!sagemaker && !pool.localQueueName) {
    problems.push({
      path: key("compute.pool"),
      message: `pool "${pool.name}" has no Kueue LocalQueue (training JobSets are admitted by Kueue: give the pool a queue)`,
    });
  }
  const target = spec.deployment.target;
  if (spec.deployment.enabled && sagemaker && target === "vllm") {
    problems.push({ path: key("deployment.target"), message: `is "vllm" but pool "${pool.name}" is a SageMaker pool (use "auto" or "sagemaker-endpoint")` });
  }
  if (spec.deployment.enabled && !sagemaker && target === "sagemaker-endpoint") {
    problems.push({ path: key("deployment.target"), message: `is "sagemaker-endpoint" but pool "${pool.name}" runs on Kubernetes (use "auto" or "vllm")` });
  }
  if (spec.deployment.enabled && !sagemaker && spec.deployment.gpusPerReplica > pool.gpusPerNode) {
    problems.push({
      path: key("deployment.gpusPerReplica"),
      message: `is ${spec.deployment.gpusPerReplica}, more than the ${pool.gpusPerNode} GPUs a node of pool "${pool.name}" has (lower it to ${pool.gpusPerNode})`,
    });
  }
  const input = sizingInputOf(spec);
  if (input && !sagemaker) {
    const gpus = servingGpus(input.arch, pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
    if (gpus > pool.gpusPerNode) {
      problems.push({
        path: key("compute.pool"),
        message: `serving the ${(input.arch.parameters / 1e9).toFixed(1)}B model in bf16 for evaluation needs ${gpus} GPUs of ${pool.gpuMemoryGiB} GiB on one node, pool "${pool.name}" has ${pool.gpusPerNode} per node (use a pool with bigger nodes or larger GPUs)`,
      });
    }
  }
  return problems;
}

// ---- Checks of a pipeline against its target (no pool needed) ----------------------------------------------

/** One problem of a pipeline, with a path relative to the pipeline (`["checkpointing", "intervalMinutes"]`). */
export interface PipelineIssue {
  path: (string | number)[];
  message: string;
}

/** The targets a pipeline can run on (`finetune:target`). */
export type PipelineTarget = "kubernetes" | "gcp" | "aws-sagemaker";

const CRON_FIX =
  'write minute hour day-of-month month day-of-week with minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC, weekday 0-6 or SUN-SAT, e.g. "0 3 * * 1" for Mondays 03:00 UTC';

/** Problems of one cron field value (`schedule`, `monitoring.schedule`), each with its fix. */
export function cronIssues(expr: string, path: (string | number)[], target: PipelineTarget): PipelineIssue[] {
  // The spec schema reports an expression without the 5-field shape itself: one line per mistake, not two.
  if (!hasCronShape(expr)) return [];
  const problems = cronProblems(expr);
  if (problems.length) return problems.map((p) => ({ path, message: `"${expr}" is not a valid cron expression: ${p} (${CRON_FIX})` }));
  // EventBridge Scheduler (aws-sagemaker) needs '?' in one of the day fields: it cannot run "on the 1st AND on Mondays"
  // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based).
  const [, , dom, , dow] = cronFields(expr);
  if (target === "aws-sagemaker" && cronFieldRestricted(dom) && cronFieldRestricted(dow)) {
    return [
      {
        path,
        message: `"${expr}" restricts both day-of-month and day-of-week, which EventBridge Scheduler cannot express (set one of the two day fields to *)`,
      },
    ];
  }
  if (target === "aws-sagemaker" && dow.includes("/")) {
    return [
      {
        path,
        message: `"${expr}" steps through weekdays, which EventBridge's 1-7 weekday numbering does not map to (list the weekdays instead, e.g. MON,WED,FRI)`,
      },
    ];
  }
  return [];
}

/** Object-store scheme each target's pipelines read from: S3 on AWS and bare Kubernetes (MinIO or an S3-compatible store), GCS on GKE. */
const URI_SCHEME: Record<PipelineTarget, { scheme: string; store: string }> = {
  "aws-sagemaker": { scheme: "s3", store: "the stack's S3 bucket" },
  gcp: { scheme: "gs", store: "the stack's Cloud Storage bucket" },
  kubernetes: { scheme: "s3", store: "the S3-compatible store (MinIO or your own)" },
};

/** Problems of a dataset URI on a target: the scheme must be the one the target's store speaks. */
function uriIssue(uri: string | undefined, path: (string | number)[], target: PipelineTarget): PipelineIssue[] {
  // A URI the spec's pattern already refuses has its own message; don't add a second one.
  if (uri === undefined || !valuePattern("object-uri").test(uri)) return [];
  const { scheme, store } = URI_SCHEME[target];
  const got = uri.split("://")[0];
  if (got === scheme) return [];
  return [{ path, message: `"${uri}" uses ${got}:// but target ${target} reads datasets from ${store} (upload the file there and use its ${scheme}:// URI)` }];
}

/**
 * Range of a gate metric, or undefined when the kit does not know it. Task metrics are the kit's own
 * (pipelines/scripts/evaluate.py: exact_match, json_valid and json_field_accuracy are fractions of examples,
 * chrf is the character F-score in [0, 1], not sacrebleu's 0-100). lm-evaluation-harness accuracy-like metrics
 * (acc, acc_norm, mc1, mc2, exact_match, em, f1, brier_score) are fractions in [0, 1]; perplexities are ≥ 1 and
 * bits_per_byte ≥ 0 (lm-evaluation-harness `lm_eval/api/metrics.py`).
 */
export function metricRange(suite: string, metric: string): { min: number; max: number } | undefined {
  if (suite === "task") return { min: 0, max: 1 };
  const name = metric.split("/").slice(1).join("/").split(",")[0];
  if (["acc", "acc_norm", "mc1", "mc2", "exact_match", "em", "f1", "brier_score"].includes(name)) return { min: 0, max: 1 };
  if (["perplexity", "word_perplexity", "byte_perplexity"].includes(name)) return { min: 1, max: Infinity };
  if (name === "bits_per_byte") return { min: 0, max: Infinity };
  return undefined;
}

/** Problems of the evaluation gate's thresholds: a bound outside its metric's range can never (or always) pass. */
function thresholdIssues(spec: FineTuningPipelineSpec): PipelineIssue[] {
  const issues: PipelineIssue[] = [];
  spec.evaluation.thresholds.forEach((t, i) => {
    const range = metricRange(t.suite, t.metric);
    if (!range) return;
    const span = range.max === Infinity ? `≥ ${range.min}` : `in [${range.min}, ${range.max}]`;
    for (const bound of ["min", "max"] as const) {
      const v = t[bound];
      if (v === undefined || (v >= range.min && v <= range.max)) continue;
      const scaled = range.max === 1 && v > 1 && v <= 100 ? `; for ${v} % write ${v / 100}` : "";
      const neverPasses = bound === "min" ? v > range.max : v < range.min;
      const effect = neverPasses ? "the gate can never pass" : "the bound never rejects a model";
      issues.push({
        path: ["evaluation", "thresholds", i, bound],
        message: `is ${v} but ${t.suite}/${t.metric} lies ${span}, so ${effect} (set a ${bound} ${span}${scaled})`,
      });
    }
  });
  return issues;
}

/**
 * Checks of one pipeline that depend on the target but not on its pool: cron syntax of both schedules, dataset
 * URI schemes, checkpoints that are written before the run's deadline, gate thresholds within each metric's range.
 * Paths are relative to the pipeline; the kit schema prefixes `pipelines[<i>]`.
 */
export function pipelineTargetIssues(spec: FineTuningPipelineSpec, target: PipelineTarget): PipelineIssue[] {
  const issues: PipelineIssue[] = [];
  if (spec.schedule !== undefined) issues.push(...cronIssues(spec.schedule, ["schedule"], target));
  issues.push(...cronIssues(spec.monitoring.schedule, ["monitoring", "schedule"], target));
  issues.push(...uriIssue(spec.dataset.uri, ["dataset", "uri"], target));
  issues.push(...uriIssue(spec.dataset.validationUri, ["dataset", "validationUri"], target));
  issues.push(...uriIssue(spec.dataset.testUri, ["dataset", "testUri"], target));
  const runtimeMinutes = spec.compute.maxRuntimeHours * 60;
  if (spec.checkpointing.intervalMinutes >= runtimeMinutes) {
    issues.push({
      path: ["checkpointing", "intervalMinutes"],
      message: `is ${spec.checkpointing.intervalMinutes} min, not shorter than compute.maxRuntimeHours (${runtimeMinutes} min), so no checkpoint is written before the run is stopped (lower it below ${runtimeMinutes}, e.g. 10)`,
    });
  }
  issues.push(...thresholdIssues(spec));
  return issues;
}
