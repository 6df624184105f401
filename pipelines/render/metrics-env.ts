import { TRAINING_METRICS, type MonitoringContract } from "../../core/contracts/monitoring";
import { TRAINING_LOG_KEYS, TRAINING_LOG_PREFIX, trainingMetricsEnv } from "../training-metrics";
import { ENV } from "../contract";

/**
 * The metrics contract between monitoring and the stage scripts, as environment variables. Monitoring owns every
 * name (metric names, SageMaker log keys, transport settings); the renderers put them in the environment and the
 * Python scripts read them from there, so no name is spelled twice (the variable names themselves are in
 * pipelines/scripts/ftkit_contract.json, read by both sides):
 *
 * | variable | source | read by |
 * |---|---|---|
 * | `FTKIT_METRICS_MODE`, `FTKIT_PUSHGATEWAY_URL`, `FTKIT_PUSHGATEWAY_JOB`, `FTKIT_METRICS_HEARTBEAT_SECONDS` | monitoring's `trainingMetricsEnv(contract)` | push_metrics.settings() (trainer plugin, checkpoints.py, evaluate.py) |
 * | `FTKIT_PIPELINE`, `FTKIT_RUN_ID` | the pipeline (values of the `pipeline` / `run_id` grouping labels) | the same |
 * | `FTKIT_METRIC_<KEY>` (e.g. `FTKIT_METRIC_LAST_PUSH`) | the contract's `TRAINING_METRICS` | push_metrics.metric_name() |
 * | `FTKIT_METRICS_LOG_KEYS` (JSON object, ordered), `FTKIT_METRICS_LOG_PREFIX` | monitoring's `TRAINING_LOG_KEYS`, `TRAINING_LOG_PREFIX` | the trainer plugin's SageMaker log line |
 *
 * Pure: no Pulumi.
 */

/** An environment variable with a plain value. */
export interface MetricsEnvVar {
  name: string;
  value: string;
}

/** Variables naming the run (the Pushgateway grouping labels `pipeline` and `run_id`). */
export const RUN_IDENTITY_ENV = { pipeline: ENV.pipeline, runId: ENV.runId } as const;

/** Variable holding the SageMaker log keys (JSON object `{ <TrainingLogKey>: <key> }`, in line order). */
export const LOG_KEYS_ENV = ENV.metricsLogKeys;
/** Variable holding the log-line prefix. */
export const LOG_PREFIX_ENV = ENV.metricsLogPrefix;

/** `tokensPerSecond` → `TOKENS_PER_SECOND`. */
function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The variable carrying metric `key`'s name: `FTKIT_METRIC_<UPPER_SNAKE key>`. */
export function metricNameEnvVar(key: keyof typeof TRAINING_METRICS): string {
  return `${ENV.metricNamePrefix}${upperSnake(key)}`;
}

/** Metric names and SageMaker log keys, from monitoring's constants. */
export function metricNamesEnv(): MetricsEnvVar[] {
  return [
    ...(Object.keys(TRAINING_METRICS) as (keyof typeof TRAINING_METRICS)[]).map((k) => ({ name: metricNameEnvVar(k), value: TRAINING_METRICS[k] })),
    { name: LOG_KEYS_ENV, value: JSON.stringify(TRAINING_LOG_KEYS) },
    { name: LOG_PREFIX_ENV, value: TRAINING_LOG_PREFIX },
  ];
}

/** The run identity: the values of the `pipeline` and `run_id` grouping labels. */
export function runIdentityEnv(pipeline: string, runId?: string): MetricsEnvVar[] {
  return [{ name: RUN_IDENTITY_ENV.pipeline, value: pipeline }, ...(runId === undefined ? [] : [{ name: RUN_IDENTITY_ENV.runId, value: runId }])];
}

/**
 * Everything a kit container needs to report metrics: monitoring's transport settings
 * (`trainingMetricsEnv(contract)`: push mode with a Pushgateway, log mode without), the run identity, the
 * metric names and the log keys.
 */
export function pipelineMetricsEnv(monitoring: Pick<MonitoringContract, "pushgatewayUrl"> | undefined, pipeline: string, runId?: string): MetricsEnvVar[] {
  return [...trainingMetricsEnv(monitoring ?? {}), ...runIdentityEnv(pipeline, runId), ...metricNamesEnv()];
}
