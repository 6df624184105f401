import { describe, expect, it } from "vitest";
import { lookupModel, resolveArchitecture } from "../../pipelines/models";
import { adapterParameters, bytesPerGpu, describeSizing, estimateMemory, GiB, servingGpus, sizePipeline, type SizingInput } from "../../pipelines/sizing";
import type { MethodSpec } from "../../pipelines/spec";
import { validatePipelineAgainstPool } from "../../pipelines/validate";
import { example, h100Pool, l4Pool, spec } from "./fixtures";

const qlora = (rank: number, optimizer: MethodSpec["optimizer"] = "paged_adamw_8bit"): MethodSpec => ({ type: "qlora", rank, alpha: 16, dropout: 0.05, targetModules: ["all-linear"], quantization: { bits: 4, type: "nf4", doubleQuant: true }, optimizer });
const full: MethodSpec = { type: "full", optimizer: "adamw_torch" };
const input = (id: string, method: MethodSpec, sequenceLength: number, batchSize: number): SizingInput => ({ arch: lookupModel(id)!, method, sequenceLength, batchSize, gradientCheckpointing: true });
const singleGpuGB = (i: SizingInput) => bytesPerGpu(estimateMemory(i), i.arch, 1, "none") / 1e9;

describe("GPU memory estimates against published reference points", () => {
  // QLoRA paper (Dettmers et al. 2023), abstract: "finetune a 65B parameter model on a single 48GB GPU"
  // (r = 64 on all linear layers, paged optimizer). Tolerance: the estimate must fit 48 GB and lie within
  // 15% below it (the paper reports the fit, not an exact peak).
  it("QLoRA fits LLaMA-65B on one 48 GB GPU (r=64, all linear layers, paged AdamW)", () => {
    const gb = singleGpuGB(input("huggyllama/llama-65b", qlora(64), 512, 1));
    expect(gb).toBeLessThan(48);
    expect(gb).toBeGreaterThan(48 * 0.85);
  });

  // QLoRA paper / Hugging Face PEFT docs: 7B QLoRA fine-tunes on consumer 24 GB GPUs (e.g. one L4 / RTX 4090).
  it("QLoRA of a 7B model fits a 24 GB GPU with room to spare at sequence 2048", () => {
    const gb = singleGpuGB(input("huggyllama/llama-7b", qlora(64), 2048, 1));
    expect(gb).toBeLessThan(24);
    expect(gb).toBeGreaterThan(5); // 4-bit weights alone are ~3.9 GB
  });

  // ZeRO (Rajbhandari et al. 2020) §3.1: mixed-precision Adam holds 16 bytes per parameter of model states;
  // with activations and overhead the whole is 16–18 bytes per parameter for a short sequence.
  it("full fine-tuning needs 16 bytes/parameter of model states, 16–18 bytes/parameter in all", () => {
    const i = input("huggyllama/llama-7b", full, 512, 1);
    const e = estimateMemory(i);
    expect(e.bytesPerParameter).toBe(16);
    const perParam = bytesPerGpu(e, i.arch, 1, "none") / e.parameters;
    expect(perParam).toBeGreaterThanOrEqual(16);
    expect(perParam).toBeLessThanOrEqual(18);
  });

  // QLoRA paper §3: double quantization saves ~0.37 bits per parameter (0.5 → 0.127 bits of constants).
  it("double quantization saves ~0.37 bit per quantized parameter", () => {
    const a = lookupModel("huggyllama/llama-65b")!;
    const dq = estimateMemory({ arch: a, method: qlora(16), sequenceLength: 512, batchSize: 1, gradientCheckpointing: true });
    const plain = estimateMemory({ arch: a, method: { ...qlora(16), quantization: { bits: 4, type: "nf4", doubleQuant: false } } as MethodSpec, sequenceLength: 512, batchSize: 1, gradientCheckpointing: true });
    const bitsSaved = ((plain.weights - dq.weights) * 8) / (a.parameters - 2 * a.vocabSize * a.hiddenSize);
    expect(bitsSaved).toBeCloseTo(0.373, 3);
  });

  it("counts LoRA adapter parameters from the model shape (Llama-3.1-8B, r=16 on all linear layers ≈ 42M)", () => {
    const a = lookupModel("meta-llama/Llama-3.1-8B-Instruct")!;
    expect(adapterParameters(a, 16, ["all-linear"])).toBe(41_943_040);
    expect(adapterParameters(a, 8, ["q_proj", "v_proj"])).toBe(8 * (4096 + 4096 + 4096 + 1024) * 32);
  });

  it("gradient checkpointing cuts activation memory", () => {
    const on = estimateMemory(input("meta-llama/Llama-3.1-8B-Instruct", qlora(16), 4096, 4));
    const off = estimateMemory({ ...input("meta-llama/Llama-3.1-8B-Instruct", qlora(16), 4096, 4), gradientCheckpointing: false });
    expect(off.activations).toBeGreaterThan(on.activations * 3);
  });

  it("derives a shape for models not in the table from an explicit parameter count", () => {
    expect(resolveArchitecture("acme/private-13b")).toBeUndefined();
    const a = resolveArchitecture("acme/private-13b", { parameters: 13e9 })!;
    expect(a.parameters).toBe(13e9);
    expect(a.hiddenSize % 128).toBe(0);
    expect(12 * a.layers * a.hiddenSize ** 2).toBeGreaterThan(13e9 * 0.5);
    expect(12 * a.layers * a.hiddenSize ** 2).toBeLessThan(13e9 * 1.5);
  });
});

describe("placement from the pool contract", () => {
  it("puts QLoRA of an 8B model on one L4", () => {
    const r = sizePipeline(spec(), l4Pool);
    expect(r.problems).toEqual([]);
    expect(r.placement).toMatchObject({ gpusPerNode: 1, nodes: 1, sharding: "none" });
    expect(describeSizing(spec(), r)).toMatch(/^support: qlora 8\.0B on l4-spot: 1 node × 1 GPU \(single GPU\), ~\d+ GiB of 24 GiB per GPU$/);
  });

  it("shards a full fine-tune of an 8B model with FSDP across the fewest H100s that fit", () => {
    const r = sizePipeline(spec({ method: { type: "full" }, compute: { pool: "h100-spot" } }), h100Pool);
    expect(r.placement).toMatchObject({ gpusPerNode: 2, nodes: 1, totalGpus: 2, sharding: "fsdp" });
    expect(r.placement!.bytesPerGpu).toBeLessThanOrEqual(80 * GiB);
  });

  it("spreads the multi-node example over 3 nodes × 8 GPUs", () => {
    const r = sizePipeline(example("multi-node-full"), h100Pool);
    expect(r.placement).toMatchObject({ gpusPerNode: 8, nodes: 3, totalGpus: 24, sharding: "fsdp" });
  });

  it("refuses a full fine-tune of 8B on one L4 and says what would fit", () => {
    const problems = validatePipelineAgainstPool(spec({ method: { type: "full" } }), l4Pool, 0);
    expect(problems).toEqual([
      {
        key: "finetune:pipelines[0].compute.pool",
        message:
          'full fine-tuning of 8.0B parameters needs ~137 GiB of GPU memory (model states ~120 GiB, activations ~6 GiB per GPU); pool "l4-spot" has 24 GiB × 1 GPU per node × 4 nodes; use qlora (~13 GiB per GPU on 1 GPU) or a pool with at least 8 GPUs of 24 GiB (FSDP-sharded) or GPUs with more memory',
      },
    ]);
  });

  it("refuses more nodes or GPUs per node than the pool allows, naming the keys", () => {
    const problems = validatePipelineAgainstPool(spec({ compute: { pool: "l4-spot", nodes: 6, gpusPerNode: 2 } }), l4Pool, 2);
    expect(problems).toEqual([
      { key: "finetune:pipelines[2].compute.gpusPerNode", message: 'is 2, more than the 1 GPU a node of pool "l4-spot" has (lower it to 1 or less, or use a pool with bigger nodes)' },
      { key: "finetune:pipelines[2].compute.nodes", message: 'is 6, more than pool "l4-spot" allows (maxNodes 4) (lower it to 4 or less, or raise the pool\'s maxNodes)' },
    ]);
  });

  it("refuses an explicit placement that is too small", () => {
    const problems = validatePipelineAgainstPool(spec({ method: { type: "full" }, compute: { pool: "h100-spot", gpusPerNode: 1, nodes: 1 } }), h100Pool, 0);
    expect(problems.map((p) => p.key)).toEqual(["finetune:pipelines[0].compute.pool"]);
    expect(problems[0].message).toContain("with compute.gpusPerNode 1 × compute.nodes 1");
    expect(problems[0].message).toMatch(/use qlora .* or more compute\.gpusPerNode\/nodes$/);
  });

  it("asks for a parameter count when the model is unknown", () => {
    expect(validatePipelineAgainstPool(spec({ baseModel: { id: "acme/secret-model", revision: "v1.0" } }), l4Pool, 1)).toEqual([
      { key: "finetune:pipelines[1].baseModel.parameters", message: `model "acme/secret-model" is not in the kit's model table (set baseModel.parameters, e.g. 8.03e9, and baseModel.architecture for an accurate estimate)` },
    ]);
  });

  it("checks platform requirements: Kueue queue on Kubernetes, instance type and endpoint target on SageMaker", () => {
    expect(validatePipelineAgainstPool(spec(), { ...l4Pool, localQueueName: undefined }, 0)).toEqual([
      { key: "finetune:pipelines[0].compute.pool", message: `pool "l4-spot" has no Kueue LocalQueue (training JobSets are admitted by Kueue: give the pool a queue)` },
    ]);
    const sm = { ...l4Pool, platform: "sagemaker" as const, localQueueName: undefined };
    const withVllm = spec({ deployment: { enabled: true, target: "vllm" }, evaluation: { thresholds: [{ suite: "task", metric: "exact_match", min: 0.5 }] } });
    expect(validatePipelineAgainstPool(withVllm, sm, 0)).toEqual([
      { key: "finetune:pipelines[0].compute.pool", message: `pool "l4-spot" has no SageMaker instance type (set the pool's instance type, e.g. ml.g5.2xlarge)` },
      { key: "finetune:pipelines[0].deployment.target", message: `is "vllm" but pool "l4-spot" is a SageMaker pool (use "auto" or "sagemaker-endpoint")` },
    ]);
  });

  it("needs enough GPUs on one node to serve the model for evaluation", () => {
    expect(servingGpus(lookupModel("meta-llama/Llama-3.1-8B-Instruct")!, 24)).toBe(1);
    expect(servingGpus(lookupModel("meta-llama/Llama-3.1-70B-Instruct")!, 80)).toBe(2);
    const problems = validatePipelineAgainstPool(spec({ baseModel: { id: "meta-llama/Llama-3.1-70B-Instruct", revision: "v1" } }), { ...l4Pool, gpuMemoryGiB: 48, maxNodes: 1 }, 0);
    expect(problems.map((p) => p.message)).toContain(`serving the 70.6B model in bf16 for evaluation needs 4 GPUs of 48 GiB on one node, pool "l4-spot" has 1 per node (use a pool with bigger nodes or larger GPUs)`);
  });
});
