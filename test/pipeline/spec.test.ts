import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { parseKitConfig } from "../../stacks/config/load";
import { cudaVersionOfTag, DEFAULT_TRAINER_CUDA_VERSION, FineTuningPipelineSpecSchema, learningRateOf, monitoringEnabled } from "../../pipelines/spec";
import { PIPELINE_IMAGES } from "../../core/versions";
import { exampleInputs, minimalSpec } from "./fixtures";

/** The problem lines `parseKitConfig` reports for one pipeline entry, as the user sees them. */
function problemsOf(pipeline: object): string[] {
  try {
    parseKitConfig({ target: "kubernetes", kubernetes: { context: "c" }, gpuPools: [{ name: "l4-spot", gpuType: "l4" }], pipelines: [pipeline] });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe("finetune:pipelines spec", () => {
  it("accepts a minimal pipeline and fills every default", () => {
    const cfg = parseKitConfig({
      target: "kubernetes",
      kubernetes: { context: "c" },
      gpuPools: [{ name: "l4-spot", gpuType: "l4" }],
      pipelines: [minimalSpec()],
    });
    const p = cfg.pipelines[0];
    expect(p.method).toEqual({
      type: "qlora",
      rank: 16,
      alpha: 32,
      dropout: 0.05,
      targetModules: ["all-linear"],
      quantization: { bits: 4, type: "nf4", doubleQuant: true },
      optimizer: "paged_adamw_8bit",
    });
    expect(p.dataset).toMatchObject({ split: { train: 0.9, validation: 0.05, test: 0.05 }, minExamples: 1000, deduplicate: true, seed: 42 });
    expect(p.training).toMatchObject({
      epochs: 3,
      batchSize: 2,
      gradientAccumulationSteps: 8,
      sequenceLength: 2048,
      gradientCheckpointing: true,
      earlyStoppingPatience: 3,
    });
    expect(p.checkpointing).toEqual({ intervalMinutes: 10, keepLast: 3 });
    expect(p.compute).toMatchObject({
      pool: "l4-spot",
      cudaVersion: "12.8",
      maxRestarts: 10,
      maxRuntimeHours: 24,
      maxWaitHours: 48,
      spot: true,
      sharedMemoryGiB: 16,
    });
    expect(p.compute.gpusPerNode).toBeUndefined();
    expect(p.evaluation).toMatchObject({
      taskMetrics: ["exact_match"],
      generalTasks: ["mmlu", "arc_easy", "hellaswag"],
      safetyTasks: ["truthfulqa_mc2", "toxigen"],
      thresholds: [],
      compareWithDeployed: true,
      maxRegression: 0.02,
    });
    expect(p.deployment).toMatchObject({ enabled: false, target: "auto", replicas: 1 });
    expect(p.monitoring.schedule).toBe("0 */6 * * *");
    expect(p.baseModel.gated).toBe(false);
    expect(learningRateOf(p)).toBe(2e-4);
    expect(monitoringEnabled(p)).toBe(false);
  });

  it("defaults compute.cudaVersion to the trainer image's CUDA version", () => {
    expect(PIPELINE_IMAGES.trainer.tag).toContain("cu128");
    expect(DEFAULT_TRAINER_CUDA_VERSION).toBe("12.8");
    expect(cudaVersionOfTag("2.5.1-cuda12.4")).toBeUndefined();
    expect(cudaVersionOfTag("0.9-py3.11-cu124-2.5")).toBe("12.4");
  });

  it("reports an unknown method with its value and the allowed ones", () => {
    expect(problemsOf(minimalSpec({ method: { type: "dpo" } }))).toEqual([
      `finetune:pipelines[0].method.type: "dpo" is not a fine-tuning method (use one of "full", "lora", "qlora")`,
    ]);
  });

  it("reports a LoRA rank of zero or less", () => {
    expect(problemsOf(minimalSpec({ method: { type: "lora", rank: 0 } }))).toEqual([
      "finetune:pipelines[0].method.rank: is 0, must be > 0 (the LoRA rank is the adapters' inner dimension; typical values are 8–64)",
    ]);
    expect(problemsOf(minimalSpec({ method: { type: "qlora", rank: -8 } }))).toEqual([
      "finetune:pipelines[0].method.rank: is -8, must be > 0 (the LoRA rank is the adapters' inner dimension; typical values are 8–64)",
    ]);
  });

  it("reports splits that do not sum to 1", () => {
    expect(
      problemsOf(minimalSpec({ dataset: { uri: "s3://acme-finetune-artifacts/d.jsonl", format: "chat", split: { train: 0.8, validation: 0.1, test: 0.2 } } })),
    ).toEqual(["finetune:pipelines[0].dataset.split: train 0.8 + validation 0.1 + test 0.2 = 1.1, must sum to 1 (adjust the ratios so that they add up to 1)"]);
  });

  it("requires evaluation thresholds when deployment is enabled", () => {
    expect(problemsOf(minimalSpec({ deployment: { enabled: true } }))).toEqual([
      "finetune:pipelines[0].evaluation.thresholds: is empty but deployment.enabled is true (add at least one threshold, e.g. { suite: task, metric: exact_match, min: 0.8 }, so that no model is deployed without passing the evaluation gate)",
    ]);
  });

  it("requires 4-bit quantization for QLoRA", () => {
    expect(problemsOf(minimalSpec({ method: { type: "qlora", quantization: { bits: 8 } } }))).toEqual([
      `finetune:pipelines[0].method.quantization.bits: is 8 but QLoRA quantizes the base model to 4 bits (set it to 4, or use method.type "lora" to train on 16-bit weights)`,
    ]);
  });

  it("rejects LoRA fields on a full fine-tune and unknown keys", () => {
    expect(problemsOf(minimalSpec({ method: { type: "full", rank: 16 } }))).toEqual(["finetune:pipelines[0].method.rank: unknown key (remove it)"]);
  });

  it("reports every cross-field problem at once", () => {
    const lines = problemsOf(
      minimalSpec({
        baseModel: { id: "meta-llama/Llama-3.1-8B-Instruct", revision: "main" },
        dataset: { uri: "s3://acme-finetune-artifacts/d.jsonl", format: "chat", split: { train: 1, validation: 0, test: 0 } },
        evaluation: {
          thresholds: [
            { suite: "general", metric: "mmlu" },
            { suite: "task", metric: "bleu", min: 0.2 },
          ],
        },
        monitoring: { enabled: true, schedule: "every hour" },
        compute: { pool: "l4-spot", maxRuntimeHours: 30, maxWaitHours: 10 },
        schedule: "0 3 * *",
      }),
    );
    expect(lines).toEqual([
      `finetune:pipelines[0].baseModel.revision: "main" is a moving branch (pin a commit sha or release tag from the model's "Files and versions" page, so every run trains on the same weights)`,
      "finetune:pipelines[0].compute.maxWaitHours: is 10, below maxRuntimeHours 30 (set it to at least 30: it covers waiting for spot capacity plus the run)",
      "finetune:pipelines[0].dataset.split.test: is 0 and there is no dataset.testUri (hold out a test split, e.g. 0.05, or set dataset.testUri: the evaluation gate needs unseen examples)",
      "finetune:pipelines[0].evaluation.thresholds[0]: has neither min nor max (set min for scores where higher is better, max for losses/perplexities)",
      `finetune:pipelines[0].evaluation.thresholds[0].metric: "mmlu" does not name a task of the general suite (write <task>/<metric> with a task from evaluation.generalTasks, e.g. mmlu/acc)`,
      `finetune:pipelines[0].evaluation.thresholds[1].metric: "bleu" is not computed by the task suite (use one of evaluation.taskMetrics: exact_match, or add it there)`,
      "finetune:pipelines[0].monitoring.enabled: is true but deployment.enabled is false (the probe evaluates the live endpoint: enable deployment or set monitoring.enabled to false)",
      `finetune:pipelines[0].monitoring.schedule: "every hour" is not a 5-field cron expression (write minute hour day-of-month month day-of-week, e.g. "0 */6 * * *")`,
      `finetune:pipelines[0].schedule: "0 3 * *" is not a 5-field cron expression (write minute hour day-of-month month day-of-week, e.g. "0 3 * * 1" for Mondays 03:00 UTC)`,
    ]);
  });

  it("names the pool cross-check of the root config", () => {
    expect(problemsOf(minimalSpec({ compute: { pool: "a100" } }))).toEqual([
      `finetune:pipelines[0].compute.pool: no GPU pool named "a100" (use one of finetune:gpuPools[].name: l4-spot)`,
    ]);
  });

  it("parses every example", () => {
    const inputs = exampleInputs();
    expect(Object.keys(inputs)).toEqual(["document-classifier", "multi-node-full", "support-assistant"]);
    for (const [name, input] of Object.entries(inputs)) {
      const r = FineTuningPipelineSpecSchema.safeParse(input);
      expect(r.success, `${name}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
    const support = FineTuningPipelineSpecSchema.parse(inputs["support-assistant"]);
    expect(support.method.type).toBe("qlora");
    expect(support.baseModel.id).toBe("meta-llama/Llama-3.1-8B-Instruct");
    expect(FineTuningPipelineSpecSchema.parse(inputs["document-classifier"]).evaluation.taskMetrics).toContain("json_valid");
    expect(FineTuningPipelineSpecSchema.parse(inputs["multi-node-full"]).compute).toMatchObject({ nodes: 2, gpusPerNode: 8 });
  });
});
