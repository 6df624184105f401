import { describe, expect, it } from "vitest";
import { lookupModel, resolveArchitecture } from "../../pipelines/models";
import {
  adapterParameters,
  allocatedPerGpu,
  bytesPerGpu,
  describeSizing,
  estimateMemory,
  GiB,
  HOST_BYTES_PER_PROCESS,
  hostBytesPerNode,
  KIT_TRAINER,
  servingGpus,
  sizePipeline,
  type SizingInput,
} from "../../pipelines/sizing";
import type { MethodSpec } from "../../pipelines/spec";
import { renderTrainerConfig } from "../../pipelines/trainer-config";
import { validatePipelineAgainstPool } from "../../pipelines/validate";
import { example, h100Pool, l4Pool, spec } from "./fixtures";

const qlora = (rank: number, optimizer: MethodSpec["optimizer"] = "paged_adamw_8bit"): MethodSpec => ({
  type: "qlora",
  rank,
  alpha: 16,
  dropout: 0.05,
  targetModules: ["all-linear"],
  quantization: { bits: 4, type: "nf4", doubleQuant: true },
  optimizer,
});
const full: MethodSpec = { type: "full", optimizer: "adamw_torch" };
const input = (id: string, method: MethodSpec, sequenceLength: number, batchSize: number): SizingInput => ({
  arch: lookupModel(id)!,
  method,
  sequenceLength,
  batchSize,
  gradientCheckpointing: true,
});
const singleGpuGB = (i: SizingInput) => bytesPerGpu(estimateMemory(i), 1, "none") / 1e9;

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

  // The trainer the kit renders (Axolotl, bf16: auto) keeps weights, gradients and AdamW moments in bf16:
  // 8 bytes/parameter (LLaMA-Factory's "pure_bf16" row: 8x GB). fp16 mixed precision on GPUs without bf16
  // keeps fp32 weights and states: 16 bytes/parameter (ZeRO, Rajbhandari et al. 2020: "16Ψ bytes").
  it("full fine-tuning: 8 bytes/parameter in pure bf16, 16 in fp16 mixed precision; 8-bit AdamW 6", () => {
    const i = input("huggyllama/llama-7b", full, 512, 1);
    expect(estimateMemory(i).bytesPerParameter).toBe(8);
    expect(estimateMemory({ ...i, trainer: { ...KIT_TRAINER, precision: "fp16-mixed" } }).bytesPerParameter).toBe(16);
    expect(estimateMemory({ ...i, method: { type: "full", optimizer: "adamw_bnb_8bit" } }).bytesPerParameter).toBe(6);
  });

  it("paged optimizers keep their states in host memory, counted per node", () => {
    const e = estimateMemory(input("meta-llama/Llama-3.1-8B-Instruct", qlora(16, "paged_adamw_32bit"), 2048, 1));
    expect(e.optimizer).toBe(0);
    expect(e.optimizerHost).toBe(e.trainableParameters * 8);
    expect(hostBytesPerNode(e, 2, 1, "ddp")).toBe(2 * HOST_BYTES_PER_PROCESS + 2 * e.optimizerHost);
    expect(hostBytesPerNode(e, 2, 2, "fsdp")).toBe(2 * HOST_BYTES_PER_PROCESS + e.optimizerHost / 2 + e.weights);
  });

  it("the loss kernel decides the logits term: plain 12 B × vocabulary per token, fused 4 B × hidden", () => {
    const i = input("meta-llama/Llama-3.1-8B-Instruct", qlora(16), 2048, 2);
    expect(estimateMemory({ ...i, trainer: { ...KIT_TRAINER, loss: "plain" } }).logits).toBe(4096 * 128256 * 12);
    expect(estimateMemory({ ...i, trainer: { ...KIT_TRAINER, loss: "chunked" } }).logits).toBe(4096 * 128256 * 4);
    expect(estimateMemory(i).logits).toBe(4096 * 4096 * 4);
  });

  it("FSDP gather buffers hold two layers in the weights' own dtype (4-bit for QLoRA)", () => {
    const a = lookupModel("meta-llama/Llama-3.1-70B-Instruct")!;
    const layer = (a.parameters - 2 * a.vocabSize * a.hiddenSize) / a.layers;
    const q = estimateMemory({ ...input("meta-llama/Llama-3.1-70B-Instruct", qlora(16), 2048, 1) });
    expect(q.layerWeightBytes).toBeCloseTo(layer * (0.5 + 0.127 / 8), 0);
    expect(allocatedPerGpu(q, 4, "fsdp") - q.shardable / 4 - q.perGpu).toBeCloseTo(2 * layer * (0.5 + 0.127 / 8), 0);
    const f = estimateMemory(input("meta-llama/Llama-3.1-70B-Instruct", full, 2048, 1));
    expect(allocatedPerGpu(f, 16, "fsdp-offload")).toBeCloseTo(2 * layer * 2 + f.perGpu, 0);
  });

  // QLoRA paper §3: double quantization saves ~0.37 bits per parameter (0.5 → 0.127 bits of constants).
  it("double quantization saves ~0.37 bit per quantized parameter", () => {
    const a = lookupModel("huggyllama/llama-65b")!;
    const dq = estimateMemory({ arch: a, method: qlora(16), sequenceLength: 512, batchSize: 1, gradientCheckpointing: true });
    const plain = estimateMemory({
      arch: a,
      method: { ...qlora(16), quantization: { bits: 4, type: "nf4", doubleQuant: false } } as MethodSpec,
      sequenceLength: 512,
      batchSize: 1,
      gradientCheckpointing: true,
    });
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
  it("puts QLoRA of an 8B model on one L4, against the driver-reported 22.5 GiB less the 5% margin", () => {
    const r = sizePipeline(spec(), l4Pool);
    expect(r.problems).toEqual([]);
    expect(r.placement).toMatchObject({ gpusPerNode: 1, nodes: 1, sharding: "none", gpuBytes: 23034 * 1024 ** 2 });
    expect(describeSizing(spec(), r)).toBe("support: qlora 8.0B on l4-spot: 1 node × 1 GPU (single GPU), ~10 of 21.4 GiB usable per GPU, ~7 GiB host per node");
  });

  it("fits a full fine-tune of an 8B model on one 80 GB H100 (pure bf16, 8 bytes/parameter)", () => {
    const r = sizePipeline(spec({ method: { type: "full" }, compute: { pool: "h100-spot" } }), h100Pool);
    expect(r.placement).toMatchObject({ gpusPerNode: 1, nodes: 1, totalGpus: 1, sharding: "none" });
    expect(r.placement!.bytesPerGpu).toBeLessThanOrEqual(81559 * 1024 ** 2 * 0.95);
  });

  it("puts the 70B full example on 2 nodes × 8 H100 (was 3 with 16 bytes/parameter)", () => {
    const r = sizePipeline(example("multi-node-full"), h100Pool);
    expect(r.placement).toMatchObject({ gpusPerNode: 8, nodes: 2, totalGpus: 16, sharding: "fsdp" });
    const auto = example("multi-node-full");
    auto.compute.nodes = undefined;
    expect(sizePipeline(auto, h100Pool).placement).toMatchObject({ gpusPerNode: 8, nodes: 2 });
  });

  it("refuses 8B LoRA with the plain loss on an L4: it fits the marketing 24 GB, not the 22.5 GiB the driver reports less the margin", () => {
    const s = spec({ method: { type: "lora" }, training: { batchSize: 1, lossKernel: "plain", cpuOffload: "never" }, compute: { pool: "l4-spot", nodes: 1 } });
    const r = sizePipeline(s, l4Pool);
    expect(r.placement).toBeUndefined();
    expect(r.problems.map((p) => p.path)).toEqual(["compute.pool"]);
    // Left to choose, the sizing shards it over two L4 nodes instead.
    expect(sizePipeline(spec({ method: { type: "lora" }, training: { batchSize: 1, lossKernel: "plain" } }), l4Pool).placement).toMatchObject({
      nodes: 2,
      sharding: "fsdp",
    });
    const need = bytesPerGpu(r.estimate!, 1, "none");
    // The planted fault (the catalog's marketing GB taken as usable GiB, no margin) would have accepted it.
    expect(need).toBeLessThan(24 * GiB);
    expect(need).toBeGreaterThan(23034 * 1024 ** 2 * 0.95);
    // The fused loss (the default) fits.
    expect(sizePipeline(spec({ method: { type: "lora" }, training: { batchSize: 1 } }), l4Pool).placement).toMatchObject({ sharding: "none" });
  });

  it("refuses 70B QLoRA on one L40S (45 GiB as the driver reports it) and says what would fit", () => {
    const q70 = spec({ baseModel: { id: "meta-llama/Llama-3.1-70B-Instruct", revision: "v1" } });
    expect(sizePipeline(q70, { ...l4Pool, name: "l40s", gpuType: "l40s", gpuMemoryGiB: 48, maxNodes: 1 }).problems).toEqual([
      {
        path: "compute.pool",
        message:
          'qlora of 71B parameters needs ~50 GiB of GPU memory (model states ~39 GiB, activations ~7 GiB per GPU); pool "l40s" has 42.7 GiB usable (45.0 GiB per GPU as the driver reports it, less 5% margin) × 1 GPU per node × 1 node (a pool with at least 2 GPUs of this type (FSDP-sharded) or GPUs with more memory)',
      },
    ]);
  });

  it("refuses a full fine-tune of 8B on one L4 node and says what would fit", () => {
    const problems = validatePipelineAgainstPool(
      spec({ method: { type: "full" }, compute: { pool: "l4-spot", nodes: 1 }, training: { cpuOffload: "never" } }),
      l4Pool,
      0,
    );
    expect(problems).toEqual([
      {
        path: "finetune:pipelines[0].compute.pool",
        message:
          'full fine-tuning of 8.0B parameters needs ~68 GiB of GPU memory (model states ~60 GiB, activations ~2 GiB per GPU) with compute.gpusPerNode auto × compute.nodes 1; pool "l4-spot" has 21.4 GiB usable (22.5 GiB per GPU as the driver reports it, less 5% margin) × 1 GPU per node × 4 nodes (use qlora (~10 GiB per GPU on 1 GPU), a pool with at least 4 GPUs of this type (FSDP-sharded) or GPUs with more memory or more compute.gpusPerNode/nodes)',
      },
    ]);
  });

  it("chooses FSDP with CPU offload only when no GPU-only layout fits, and never when cpuOffload is never", () => {
    const big = spec({ method: { type: "full" }, compute: { pool: "l4-spot", nodes: 2 } });
    const r = sizePipeline(big, l4Pool);
    expect(r.placement).toMatchObject({ nodes: 2, gpusPerNode: 1, sharding: "fsdp-offload" });
    expect(
      sizePipeline(spec({ method: { type: "full" }, compute: { pool: "l4-spot", nodes: 2 }, training: { cpuOffload: "never" } }), l4Pool).placement,
    ).toBeUndefined();
  });

  it("refuses a pod memory limit below the host memory the layout needs (fix names the value)", () => {
    const problems = validatePipelineAgainstPool(spec({ method: { type: "full" }, compute: { pool: "l4-spot", nodes: 2, memoryGiBPerGpu: 16 } }), l4Pool, 0);
    expect(problems).toEqual([
      {
        path: "finetune:pipelines[0].compute.memoryGiBPerGpu",
        message:
          "is 16, but the training pod needs ~51 GiB of host memory per node (6 GiB per process, CPU-offloaded model states, the bf16 state dict rank 0 loads) and its memory limit is 16 GiB × 1 GPU (raise it to at least 51, the node has 128 GiB)",
      },
    ]);
  });

  it("refuses more nodes or GPUs per node than the pool allows, naming the keys", () => {
    const problems = validatePipelineAgainstPool(spec({ compute: { pool: "l4-spot", nodes: 6, gpusPerNode: 2 } }), l4Pool, 2);
    expect(problems).toEqual([
      {
        path: "finetune:pipelines[2].compute.gpusPerNode",
        message: 'is 2, more than the 1 GPU a node of pool "l4-spot" has (lower it to 1 or less, or use a pool with bigger nodes)',
      },
      {
        path: "finetune:pipelines[2].compute.nodes",
        message: 'is 6, more than pool "l4-spot" allows (maxNodes 4) (lower it to 4 or less, or raise the pool\'s maxNodes)',
      },
    ]);
  });

  it("refuses an explicit placement that is too small", () => {
    const problems = validatePipelineAgainstPool(
      spec({
        method: { type: "full" },
        baseModel: { id: "meta-llama/Llama-3.1-70B-Instruct", revision: "v1" },
        compute: { pool: "h100-spot", gpusPerNode: 1, nodes: 1 },
        training: { cpuOffload: "never" },
      }),
      h100Pool,
      0,
    );
    expect(problems.map((p) => p.path)).toEqual(["finetune:pipelines[0].compute.pool"]);
    expect(problems[0].message).toContain("with compute.gpusPerNode 1 × compute.nodes 1");
    expect(problems[0].message).toMatch(/\(use qlora .* or more compute\.gpusPerNode\/nodes\)$/);
  });

  it("asks for a parameter count when the model is unknown", () => {
    expect(validatePipelineAgainstPool(spec({ baseModel: { id: "acme/secret-model", revision: "v1.0" } }), l4Pool, 1)).toEqual([
      {
        path: "finetune:pipelines[1].baseModel.parameters",
        message: `model "acme/secret-model" is not in the kit's model table (set baseModel.parameters, e.g. 8.03e9, and baseModel.architecture for an accurate estimate)`,
      },
    ]);
  });

  it("checks platform requirements: Kueue queue on Kubernetes, instance type and endpoint target on SageMaker", () => {
    expect(validatePipelineAgainstPool(spec(), { ...l4Pool, localQueueName: undefined }, 0)).toEqual([
      {
        path: "finetune:pipelines[0].compute.pool",
        message: `pool "l4-spot" has no Kueue LocalQueue (training JobSets are admitted by Kueue: give the pool a queue)`,
      },
    ]);
    const sm = { ...l4Pool, platform: "sagemaker" as const, localQueueName: undefined };
    const withVllm = spec({ deployment: { enabled: true, target: "vllm" }, evaluation: { thresholds: [{ suite: "task", metric: "exact_match", min: 0.5 }] } });
    expect(validatePipelineAgainstPool(withVllm, sm, 0)).toEqual([
      {
        path: "finetune:pipelines[0].compute.pool",
        message: `pool "l4-spot" has no SageMaker instance type (set the pool's instance type, e.g. ml.g5.2xlarge)`,
      },
      { path: "finetune:pipelines[0].deployment.target", message: `is "vllm" but pool "l4-spot" is a SageMaker pool (use "auto" or "sagemaker-endpoint")` },
    ]);
  });

  it("needs enough GPUs on one node to serve the model for evaluation", () => {
    expect(servingGpus(lookupModel("meta-llama/Llama-3.1-8B-Instruct")!, 24)).toBe(1);
    expect(servingGpus(lookupModel("meta-llama/Llama-3.1-70B-Instruct")!, 80)).toBe(2);
    const problems = validatePipelineAgainstPool(
      spec({ baseModel: { id: "meta-llama/Llama-3.1-70B-Instruct", revision: "v1" } }),
      { ...l4Pool, gpuMemoryGiB: 48, maxNodes: 1 },
      0,
    );
    expect(problems.map((p) => p.message)).toContain(
      `serving the 70.6B model in bf16 for evaluation needs 4 GPUs of 48 GiB on one node, pool "l4-spot" has 1 per node (use a pool with bigger nodes or larger GPUs)`,
    );
  });
});

describe("throughput by default: features the sizing resolves and the trainer config renders", () => {
  const paths = { baseModel: "/m", dataDir: "/d", outputDir: "/o" };
  const render = (s: ReturnType<typeof spec>, pool = l4Pool) => {
    const r = sizePipeline(s, pool);
    return { r, cfg: renderTrainerConfig(s, r.arch!, r.placement!, paths, r.trainer) };
  };

  it("packs samples, uses flash attention and Liger's fused loss on a bf16 GPU", () => {
    const { r, cfg } = render(spec());
    expect(r.trainer).toEqual({ samplePacking: true, attention: "flash", loss: "liger", profile: KIT_TRAINER, notes: [] });
    expect(cfg).toMatchObject({
      sample_packing: true,
      pad_to_sequence_len: true,
      flash_attention: true,
      liger_rope: true,
      liger_rms_norm: true,
      liger_glu_activation: true,
      liger_fused_linear_cross_entropy: true,
      plugins: ["ftkit_trainer_plugin.FinetuneKitPlugin", "axolotl.integrations.liger.LigerPlugin"],
    });
  });

  it("on a T4 (no bf16, no FlashAttention 2): SDPA, no packing, fp16 mixed precision, and says why", () => {
    const { r, cfg } = render(spec(), { ...l4Pool, gpuType: "t4", gpuMemoryGiB: 16 });
    expect(r.trainer).toMatchObject({
      samplePacking: false,
      attention: "sdpa",
      profile: { precision: "fp16-mixed" },
      notes: ["flash attention needs Ampere or newer: PyTorch SDPA instead", "sample packing needs flash attention: off"],
    });
    expect(cfg).toMatchObject({ sample_packing: false, flash_attention: false, sdp_attention: true });
  });

  it("each feature is switchable: eager attention costs memory, plain loss counts the logits, CCE renders its plugin", () => {
    const on = sizePipeline(spec(), l4Pool).estimate!;
    const eager = sizePipeline(spec({ training: { flashAttention: false, lossKernel: "plain" } }), l4Pool);
    expect(eager.trainer).toMatchObject({ samplePacking: false, attention: "eager", loss: "plain" });
    expect(eager.estimate!.activations).toBeGreaterThan(on.activations * 3);
    const { cfg } = render(spec({ training: { lossKernel: "cut-cross-entropy", samplePacking: false } }));
    expect(cfg).toMatchObject({
      sample_packing: false,
      cut_cross_entropy: true,
      plugins: ["ftkit_trainer_plugin.FinetuneKitPlugin", "axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin"],
    });
    expect(cfg).not.toHaveProperty("liger_fused_linear_cross_entropy");
  });

  it("falls back to plain cross-entropy for models Liger does not patch", () => {
    const s = spec({ baseModel: { id: "acme/private-13b", revision: "v1", parameters: 1.3e9, architecture: { decoderLayerClass: "FalconDecoderLayer" } } });
    expect(sizePipeline(s, l4Pool).trainer).toMatchObject({ loss: "plain", notes: ["Liger does not patch FalconDecoderLayer: plain cross-entropy"] });
  });

  it("renders FSDP CPU offload when the sizing chose it", () => {
    const { r, cfg } = render(spec({ method: { type: "full" }, compute: { pool: "l4-spot", nodes: 2 } }));
    expect(r.placement!.sharding).toBe("fsdp-offload");
    expect(cfg).toMatchObject({ fsdp_version: 2, fsdp_config: { offload_params: true } });
    expect(render(spec({ method: { type: "full" } }), { ...l4Pool, gpuType: "h100", gpusPerNode: 8 }).cfg).not.toHaveProperty("fsdp_config");
  });
});
