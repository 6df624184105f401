import { describe, expect, it } from "vitest";
import {
  pushgatewayGroupPath,
  SAGEMAKER_METRIC_NAMES,
  sageMakerMetricDefinitions,
  trainingLogLine,
  trainingMetricsEnv,
} from "../../pipelines/training-metrics";

/** What SageMaker does with a definition: the first capture group of the regex, as a float. */
function extract(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of sageMakerMetricDefinitions()) {
    const m = new RegExp(d.Regex).exec(line);
    if (m) out[d.Name] = Number(m[1]);
  }
  return out;
}

describe("training metrics", () => {
  it("SageMaker metric definitions are valid (1-255 char names, 1-500 char regexes with one group, at most 40)", () => {
    const defs = sageMakerMetricDefinitions();
    expect(defs.length).toBeLessThanOrEqual(40);
    expect(new Set(defs.map((d) => d.Name)).size).toBe(defs.length);
    for (const d of defs) {
      expect(d.Name.length).toBeGreaterThan(0);
      expect(d.Name.length).toBeLessThanOrEqual(255);
      expect(d.Regex.length).toBeLessThanOrEqual(500);
      expect(new RegExp(`${d.Regex}|`).exec("")!.length - 1).toBe(1);
    }
    expect(defs.map((d) => d.Name)).toEqual(Object.values(SAGEMAKER_METRIC_NAMES));
  });

  it("each definition picks exactly its value from the trainer's log line", () => {
    const line = trainingLogLine({
      step: 1200,
      loss: 0.4321,
      validationLoss: 0.51,
      tokensPerSecond: 15342.5,
      checkpointAgeSeconds: 312,
      lossIsFinite: 1,
      secondsSinceProgress: 2.5,
      resumes: 2,
    });
    expect(line).toBe(
      "[finetune-metrics] finetune_training_step=1200 finetune_training_loss=0.4321 finetune_validation_loss=0.51 finetune_training_tokens_per_second=15342.5 finetune_checkpoint_age_seconds=312 finetune_training_loss_is_finite=1 finetune_training_seconds_since_progress=2.5 finetune_training_resumes_total=2",
    );
    expect(extract(line)).toEqual({
      finetune_training_step: 1200,
      finetune_training_loss: 0.4321,
      finetune_validation_loss: 0.51,
      finetune_training_tokens_per_second: 15342.5,
      finetune_checkpoint_age_seconds: 312,
      finetune_training_loss_is_finite: 1,
      finetune_training_seconds_since_progress: 2.5,
      finetune_training_resumes_total: 2,
    });
  });

  it("a non-finite loss is reported through loss_is_finite, never as a bogus number", () => {
    const line = trainingLogLine({ step: 7, loss: Number.NaN, lossIsFinite: 0 });
    expect(line).toBe("[finetune-metrics] finetune_training_step=7 finetune_training_loss=nan finetune_training_loss_is_finite=0");
    expect(extract(line)).toEqual({ finetune_training_step: 7, finetune_training_loss_is_finite: 0 });
    expect(extract("[finetune-metrics] finetune_training_loss=1.5e-3")).toEqual({ finetune_training_loss: 0.0015 });
  });

  it("Pushgateway grouping keys and trainer environment follow the contract", () => {
    expect(pushgatewayGroupPath("chat-sft", "r-42")).toBe("/metrics/job/finetune-training/pipeline/chat-sft/run_id/r-42");
    expect(pushgatewayGroupPath("a/b", "")).toBe("/metrics/job/finetune-training/pipeline@base64/YS9i/run_id@base64/=");
    expect(trainingMetricsEnv({ pushgatewayUrl: "http://pg.monitoring.svc:9091" })).toEqual([
      { name: "FTKIT_METRICS_MODE", value: "pushgateway" },
      { name: "FTKIT_PUSHGATEWAY_URL", value: "http://pg.monitoring.svc:9091" },
      { name: "FTKIT_PUSHGATEWAY_JOB", value: "finetune-training" },
      { name: "FTKIT_METRICS_HEARTBEAT_SECONDS", value: "60" },
    ]);
    expect(trainingMetricsEnv({})).toEqual([
      { name: "FTKIT_METRICS_MODE", value: "log" },
      { name: "FTKIT_METRICS_HEARTBEAT_SECONDS", value: "60" },
    ]);
  });
});
