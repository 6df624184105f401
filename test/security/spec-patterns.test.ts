import { describe, expect, it } from "vitest";
import { FineTuningPipelineSpecSchema, valuePattern } from "../../pipelines/spec";
import { ConfigError } from "../../stacks/config/errors";
import { parseKitConfig } from "../../stacks/config/load";
import { minimalSpec } from "../pipeline/fixtures";

/** The keyed problem lines a user sees for one pipeline entry with `overrides`. */
function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    parseKitConfig({ target: "kubernetes", kubernetes: { context: "c" }, gpuPools: [{ name: "l4-spot", gpuType: "l4" }], pipelines: [minimalSpec(overrides)] });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const P = "finetune:pipelines[0]";
const model = (extra: Record<string, unknown>) => ({
  baseModel: { id: "meta-llama/Llama-3.1-8B-Instruct", revision: "0e9e39f249a16976918f6564b8830bc894c89659", ...extra },
});
const evaluation = (extra: Record<string, unknown>) => ({ evaluation: extra });

describe("spec fields that name things have strict patterns (exact messages)", () => {
  it("revision: a commit sha or a tag, never a ref, never shell text; long values are cut", () => {
    expect(problemsOf(model({ revision: "v1.0; rm -rf /*" }))).toEqual([
      `${P}.baseModel.revision: "v1.0; rm -rf /*" is not a commit sha or tag (use the 40-hex commit sha from the model's "Files and versions" page, or a tag of letters, digits, '.', '_', '-', at most 128 characters)`,
    ]);
    expect(problemsOf(model({ revision: "refs/heads/main" }))).toEqual([
      `${P}.baseModel.revision: "refs/heads/main" is a git ref, which moves (pin a commit sha or release tag from the model's "Files and versions" page)`,
    ]);
    expect(problemsOf(model({ revision: "x".repeat(5_000_000) }))).toEqual([
      `${P}.baseModel.revision: "${"x".repeat(59)}… (5000000 characters) is not a commit sha or tag (use the 40-hex commit sha from the model's "Files and versions" page, or a tag of letters, digits, '.', '_', '-', at most 128 characters)`,
    ]);
    expect(problemsOf(model({ revision: "v1.0" }))).toEqual([]);
    expect(problemsOf(model({ revision: "0e9e39f249a16976918f6564b8830bc894c89659" }))).toEqual([]);
  });

  it("model id: org/name as the hub allows", () => {
    expect(problemsOf(model({ id: "meta-llama/$(id)" }))).toEqual([
      `${P}.baseModel.id: "meta-llama/$(id)" must be a hub id such as org/model: letters, digits, '.', '_', '-', each part at most 96 characters (copy it from the model page)`,
    ]);
    expect(problemsOf(model({ id: "meta--llama/x" }))).toEqual([
      `${P}.baseModel.id: must not contain '--' or '..' (the hub refuses such ids: copy the id from the model page)`,
    ]);
    expect(problemsOf(model({ id: `org/${"a".repeat(97)}` }))).toHaveLength(1);
    expect(problemsOf(model({ id: "Qwen/Qwen2.5-7B-Instruct" }))).toEqual([]);
  });

  it("hub-token Secret name and key", () => {
    expect(problemsOf(model({ gated: true, hubTokenSecret: { name: "Hub_Token", key: "HF TOKEN;id" } }))).toEqual([
      `${P}.baseModel.hubTokenSecret.key: "HF TOKEN;id" must be a Secret key: 1-253 letters, digits, '-', '_', '.' (e.g. HF_TOKEN)`,
      `${P}.baseModel.hubTokenSecret.name: "Hub_Token" must be a DNS label: lowercase letters, digits and '-', starting with a letter (name the Secret so)`,
    ]);
  });

  it("lm-eval task names and metric names", () => {
    expect(problemsOf(evaluation({ generalTasks: ["mmlu", "arc_easy;id"], safetyTasks: ["`id`"] }))).toEqual([
      `${P}.evaluation.generalTasks[1]: "arc_easy;id" must be an lm-evaluation-harness task name: letters, digits, '_', '.', '-', at most 128 characters (see \`lm_eval --tasks list\`)`,
      `${P}.evaluation.safetyTasks[0]: "\`id\`" must be an lm-evaluation-harness task name: letters, digits, '_', '.', '-', at most 128 characters (see \`lm_eval --tasks list\`)`,
    ]);
    expect(problemsOf(evaluation({ thresholds: [{ suite: "general", metric: "mmlu/acc $(id)", min: 0.5 }] }))).toEqual([
      `${P}.evaluation.thresholds[0].metric: "mmlu/acc $(id)" must be a metric name such as exact_match, or <task>/<metric> such as mmlu/acc: letters, digits, '_', '.', '-' (use a name evaluate.py reports)`,
    ]);
    expect(
      problemsOf(evaluation({ generalTasks: ["leaderboard_bbh", "mmlu_pro"], thresholds: [{ suite: "general", metric: "mmlu_pro/exact_match", min: 0.3 }] })),
    ).toEqual([]);
  });

  it("image references (distribution/reference grammar)", () => {
    expect(
      problemsOf({ stages: { training: { image: "registry.example.com/ml/trainer:1.2;id" } }, evaluation: { evaluator: { image: "Trainer:latest" } } }),
    ).toEqual([
      `${P}.evaluation.evaluator.image: "Trainer:latest" must be an image reference such as registry.example.com/team/trainer:1.2 or …@sha256:<64 hex digits>, without spaces or shell characters (copy it from your registry)`,
      `${P}.stages.training.image: "registry.example.com/ml/trainer:1.2;id" must be an image reference such as registry.example.com/team/trainer:1.2 or …@sha256:<64 hex digits>, without spaces or shell characters (copy it from your registry)`,
    ]);
    expect(
      problemsOf({
        stages: { training: { image: `localhost:5000/ml/axolotl:0.12.2-cu128@sha256:${"a".repeat(64)}` } },
        deployment: { serving: { image: "vllm/vllm-openai:v0.11.0" } },
      }),
    ).toEqual([]);
  });

  it("dataset URIs: s3:// or gs:// with safe key characters", () => {
    expect(
      problemsOf({
        dataset: { uri: "s3://bucket/data $(id).jsonl", format: "chat", testUri: "gs://b/t'.jsonl", split: { train: 0.95, validation: 0.05, test: 0 } },
      }),
    ).toEqual([
      `${P}.dataset.testUri: "gs://b/t'.jsonl" must be an object-store URI (s3://… or gs://…) without spaces, quotes or shell characters (rename the object)`,
      `${P}.dataset.uri: "s3://bucket/data $(id).jsonl" must be an object-store URI such as s3://bucket/datasets/support.jsonl, without spaces, quotes or shell characters (upload the dataset to the artifact store)`,
    ]);
  });

  it("pool, instance type, LoRA target modules, decoder layer class", () => {
    expect(
      problemsOf({
        compute: { pool: "L4 Spot" },
        deployment: { instanceType: "ml.g5.2xlarge; id" },
        method: { type: "lora", targetModules: ["q_proj", "v-proj"] },
        baseModel: { ...model({}).baseModel, architecture: { decoderLayerClass: "Llama Layer" } },
      }),
    ).toEqual([
      `${P}.baseModel.architecture.decoderLayerClass: "Llama Layer" must be a Python class name such as LlamaDecoderLayer (copy it from the model's modeling file)`,
      `${P}.compute.pool: "L4 Spot" must name a pool of finetune:gpuPools: 1-30 lowercase letters, digits or '-' (copy the pool's name)`,
      `${P}.compute.pool: no GPU pool named "L4 Spot" (use one of finetune:gpuPools[].name: l4-spot)`,
      `${P}.deployment.instanceType: "ml.g5.2xlarge; id" must be a SageMaker instance type such as ml.g5.2xlarge (see the SageMaker pricing page)`,
      `${P}.method.targetModules[1]: "v-proj" must be "all-linear" or a module name such as q_proj: letters, digits, '_', '.' (copy it from the model's named_modules())`,
    ]);
  });

  it("planted fault: the pre-fix schema accepted each of these; valuePattern anchors the whole value", () => {
    for (const kind of ["revision", "object-uri", "hub-id", "lm-eval-task"] as const) {
      expect(valuePattern(kind).test("a\n$(id)")).toBe(false);
      expect(valuePattern(kind).test("")).toBe(false);
    }
    expect(FineTuningPipelineSpecSchema.safeParse(minimalSpec(model({ revision: "v1.0\nid" }))).success).toBe(false);
  });
});
