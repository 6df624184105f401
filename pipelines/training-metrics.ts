import { MonitoringContract, TRAINING_METRICS } from "../core/contracts/monitoring";
import { ENV } from "./contract";

/**
 * # How the training stage exports its metrics (every platform)
 *
 * The trainer reports the same facts everywhere — optimizer step, training/validation loss, tokens per second,
 * checkpoint age and resumes — so that "training stalled", "loss not finite", "checkpoint stale" and "spot
 * preemptions" alerts have data on every platform. Only the transport differs:
 *
 * | platform | transport | who scrapes / reads it |
 * |---|---|---|
 * | Kubernetes (bare) | rank 0 POSTs the {@link TRAINING_METRICS} gauges (POST, not PUT: a heartbeat that carries only `last_push` must not wipe the other gauges of the group) to the Pushgateway at `contract.pushgatewayUrl` under the grouping key `job=finetune-training/pipeline=<pipeline>/run_id=<run id>` (see {@link pushgatewayGroupPath}) every logging step **and** every 60 s from a heartbeat thread | Prometheus, via the kit's ServiceMonitor on the Pushgateway (`honorLabels: true`) |
 * | GKE (gcp stack) | the same Pushgateway push | Managed Service for Prometheus (the kit's PodMonitoring on the Pushgateway), or the in-cluster Prometheus when the stack runs kube-prometheus-stack |
 * | AWS SageMaker | rank 0 prints one log line per logging step (and per heartbeat) in the format of {@link trainingLogLine}; SageMaker extracts values with {@link sageMakerMetricDefinitions} (the pipeline renderer puts them in the training step's `AlgorithmSpecification.MetricDefinitions`) | CloudWatch, namespace `/aws/sagemaker/TrainingJobs`, dimension `TrainingJobName`, metric names as in {@link SAGEMAKER_METRIC_NAMES} |
 *
 * Rules for the trainer (the pipeline's training step implements them; {@link trainingMetricsEnv} gives it the
 * settings):
 * 1. `finetune_training_step` and `finetune_training_last_push_timestamp_seconds` are pushed at every logging
 *    step; the heartbeat thread re-pushes `last_push` (not the step) every 60 s while the process lives, so a
 *    hung training loop shows as "step unchanged" and a dead process as "push stale".
 * 2. A non-finite loss is pushed as `NaN`/`+Inf` (Prometheus) and logged as `finetune_training_loss_is_finite=0` (SageMaker, where
 *    CloudWatch cannot store NaN).
 * 3. `finetune_checkpoint_last_success_timestamp_seconds` is the unix time of the last checkpoint upload that
 *    completed; on SageMaker the trainer logs its age in seconds (`finetune_checkpoint_age_seconds`).
 * 4. `finetune_training_resumes_total` is the number of times this run restarted from a checkpoint (JobSet's
 *    restart attempt, or SageMaker's spot restarts); it only grows within a run.
 * 5. On exit — success or final failure — rank 0 DELETEs its Pushgateway group, so a finished run never looks
 *    stalled. A group left by a killed trainer keeps the stalled alert firing until someone deletes it (that is
 *    the point: nobody restarted the run).
 * 6. Every series carries the labels `pipeline` and `run_id` (from the grouping key); evaluation gauges add
 *    `suite` and `metric`.
 */

/** Pushgateway `job` of every training push. */
export const TRAINING_PUSH_JOB = "finetune-training";

/** Path of a run's Pushgateway group: `/metrics/job/finetune-training/pipeline/<pipeline>/run_id/<runId>`. */
export function pushgatewayGroupPath(pipeline: string, runId: string): string {
  // The Pushgateway's URL rules: a value with "/" is base64url-encoded (`<label>@base64/<value>`); an empty value is `@base64/=`.
  const enc = (k: string, v: string): string =>
    v === "" ? `${k}@base64/=` : v.includes("/") ? `${k}@base64/${Buffer.from(v).toString("base64url")}` : `${k}/${encodeURIComponent(v)}`;
  return `/metrics/job/${TRAINING_PUSH_JOB}/${enc("pipeline", pipeline)}/${enc("run_id", runId)}`;
}

/**
 * Log-line keys on SageMaker, per training metric: the contract's {@link TRAINING_METRICS} names plus the
 * SageMaker-only facts CloudWatch needs (loss finiteness, progress age, checkpoint age). No key is followed by
 * `=` inside another key, so each regex matches one key only.
 */
export const TRAINING_LOG_KEYS = {
  step: TRAINING_METRICS.step,
  loss: TRAINING_METRICS.loss,
  validationLoss: TRAINING_METRICS.validationLoss,
  tokensPerSecond: TRAINING_METRICS.tokensPerSecond,
  checkpointAgeSeconds: "finetune_checkpoint_age_seconds",
  lossIsFinite: "finetune_training_loss_is_finite",
  secondsSinceProgress: "finetune_training_seconds_since_progress",
  resumes: TRAINING_METRICS.resumes,
} as const;
export type TrainingLogKey = keyof typeof TRAINING_LOG_KEYS;

/** CloudWatch metric names SageMaker publishes for each log key (the key itself, as the pipeline renderer already names them). */
export const SAGEMAKER_METRIC_NAMES: { readonly [K in TrainingLogKey]: string } = { ...TRAINING_LOG_KEYS };

/** Prefix of every metrics log line. */
export const TRAINING_LOG_PREFIX = "[finetune-metrics]";

/** A SageMaker metric definition (`AlgorithmSpecification.MetricDefinitions[]`). */
export interface SageMakerMetricDefinition {
  Name: string;
  Regex: string;
}

const NUMBER = "([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)";

/**
 * The metric definitions the SageMaker training step declares so CloudWatch gets step, loss, tokens/s,
 * checkpoint age, loss finiteness, progress age and resumes from the trainer's log lines. Pure; stable order.
 */
export function sageMakerMetricDefinitions(): SageMakerMetricDefinition[] {
  return (Object.keys(TRAINING_LOG_KEYS) as TrainingLogKey[]).map((k) => ({
    Name: SAGEMAKER_METRIC_NAMES[k],
    Regex: `${TRAINING_LOG_KEYS[k]}=${NUMBER}`,
  }));
}

/** The values one metrics log line may carry. */
export type TrainingLogValues = Partial<Record<TrainingLogKey, number>>;

/**
 * One metrics log line, e.g. `[finetune-metrics] finetune_training_step=120 finetune_training_loss=0.4321 finetune_training_loss_is_finite=1`.
 * A non-finite loss is written as `finetune_training_loss=nan finetune_training_loss_is_finite=0` (the loss regex then does not match, and the
 * finiteness metric carries the alarm).
 */
export function trainingLogLine(values: TrainingLogValues): string {
  const parts = (Object.keys(TRAINING_LOG_KEYS) as TrainingLogKey[])
    .filter((k) => values[k] !== undefined)
    .map((k) => {
      const v = values[k] as number;
      return `${TRAINING_LOG_KEYS[k]}=${Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf"}`;
    });
  return [TRAINING_LOG_PREFIX, ...parts].join(" ");
}

/** Environment variable the training step reads. */
export const TRAINING_METRICS_ENV = {
  /** `pushgateway` (Kubernetes, GKE) or `log` (SageMaker). */
  mode: ENV.metricsMode,
  /** Pushgateway base URL (mode `pushgateway`). */
  pushgatewayUrl: ENV.pushgatewayUrl,
  /** Pushgateway `job` of the grouping key. */
  pushJob: ENV.pushgatewayJob,
  /** Heartbeat period in seconds. */
  heartbeatSeconds: ENV.metricsHeartbeatSeconds,
} as const;

/**
 * Environment for the training container, from the monitoring contract: push mode when the contract has a
 * Pushgateway, log mode otherwise. The pipeline adds `pipeline`/`run_id` itself (they name the grouping key).
 */
export function trainingMetricsEnv(contract: Pick<MonitoringContract, "pushgatewayUrl">): Array<{ name: string; value: string }> {
  if (contract.pushgatewayUrl) {
    return [
      { name: TRAINING_METRICS_ENV.mode, value: "pushgateway" },
      { name: TRAINING_METRICS_ENV.pushgatewayUrl, value: contract.pushgatewayUrl },
      { name: TRAINING_METRICS_ENV.pushJob, value: TRAINING_PUSH_JOB },
      { name: TRAINING_METRICS_ENV.heartbeatSeconds, value: "60" },
    ];
  }
  return [
    { name: TRAINING_METRICS_ENV.mode, value: "log" },
    { name: TRAINING_METRICS_ENV.heartbeatSeconds, value: "60" },
  ];
}

export { TRAINING_METRICS };
