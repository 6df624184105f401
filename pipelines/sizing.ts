import type { GpuPoolContract } from "../components/gpu-node-pool/contract";
import { resolveArchitecture, type ModelArchitecture } from "./models";
import type { FineTuningMethod, FineTuningPipelineSpec, MethodSpec, Optimizer } from "./spec";

/**
 * GPU memory sizing for full fine-tuning, LoRA and QLoRA, and the choice of GPUs per node and nodes from a
 * pool contract. Pure arithmetic, no Pulumi.
 *
 * Model states (bytes per parameter, mixed precision):
 *  - full, AdamW: 2 (bf16 weights) + 2 (bf16 gradients) + 4 (fp32 master) + 4 + 4 (fp32 Adam m, v) = 16
 *    (ZeRO paper, Rajbhandari et al. 2020: "16Ψ bytes"); 8-bit AdamW: 2 + 2 + 4 + 1 + 1 = 10.
 *  - lora: frozen bf16 weights, 2 B/param; adapters train like full parameters (16 B/adapter param).
 *  - qlora: NF4 weights 0.5 B/param + quantization constants (double quantization: 0.127 bit/param, plain:
 *    0.5 bit/param; Dettmers et al. 2023 §3) for the linear layers, embeddings and LM head stay bf16; adapters
 *    in bf16 with bf16 gradients. Paged optimizers keep their states in unified memory that is evicted to the
 *    host under pressure, so their states are counted on the host, not the GPU.
 * Activations per GPU: sequence × micro-batch × hidden × layers × 2 B with gradient checkpointing (only each
 * layer's input is kept) plus one layer's working set (× 34 B, Korthikanti et al. 2022 with flash attention);
 * without checkpointing every layer keeps its working set (× 34 B). Logits: sequence × micro-batch × vocabulary
 * × 8 B (bf16 logits, fp32 upcast for the loss, gradient).
 * Overhead per GPU: CUDA context and NCCL buffers (1 GiB) plus 8% allocator fragmentation.
 * FSDP/ZeRO-3 shards the model states across GPUs; activations, logits and overhead stay per GPU, plus the
 * all-gather buffers of two decoder layers in bf16.
 */

export const GiB = 1024 ** 3;

/** Fixed per-GPU overhead: CUDA context, cuBLAS workspaces, NCCL buffers. */
export const CUDA_CONTEXT_BYTES = 1 * GiB;
/** Allocator fragmentation and temporary buffers, as a fraction of everything else. */
export const FRAGMENTATION = 0.08;

/** Bytes per parameter of the optimizer step for trainable parameters: fp32 master copy + states. */
const OPTIMIZER_BYTES: Record<Optimizer, { master: number; states: number; paged: boolean }> = {
  adamw_torch_fused: { master: 4, states: 8, paged: false },
  adamw_torch: { master: 4, states: 8, paged: false },
  adamw_bnb_8bit: { master: 4, states: 2, paged: false },
  paged_adamw_8bit: { master: 4, states: 2, paged: true },
  paged_adamw_32bit: { master: 4, states: 8, paged: true },
};

/** Base-weight bytes per parameter by method (linear layers). */
const BASE_WEIGHT_BYTES: Record<FineTuningMethod, number> = { full: 2, lora: 2, qlora: 0.5 };
/** Quantization-constant bytes per parameter (QLoRA): double quantization 0.127 bit, otherwise 32 bit per 64 weights. */
const QUANT_CONSTANT_BYTES = { doubleQuant: 0.127 / 8, plain: 0.5 / 8 } as const;
/** Activation bytes per token per hidden unit: a layer's input (bf16) and a layer's full working set. */
const ACT_LAYER_INPUT_BYTES = 2;
const ACT_LAYER_WORKING_BYTES = 34;
const LOGIT_BYTES = 8;

/** Inputs of the memory estimate (a subset of the spec, so that tests and tools can ask directly). */
export interface SizingInput {
  arch: ModelArchitecture;
  method: MethodSpec;
  sequenceLength: number;
  batchSize: number;
  gradientCheckpointing: boolean;
}

/** GPU memory estimate, bytes. */
export interface MemoryEstimate {
  method: FineTuningMethod;
  parameters: number;
  /** Trainable parameters (all for full, adapters for lora/qlora). */
  trainableParameters: number;
  /** Model weights on the GPU (base model, quantized for qlora). */
  weights: number;
  /** Gradients of trainable parameters. */
  gradients: number;
  /** Optimizer states + fp32 master copy on the GPU (0 when paged to the host). */
  optimizer: number;
  /** Adapter weights (lora/qlora). */
  adapters: number;
  /** Activations + logits of one micro-batch. */
  activations: number;
  /** Bytes FSDP can shard across GPUs (weights, gradients, optimizer, adapters). */
  shardable: number;
  /** Bytes each GPU needs regardless of sharding (activations). */
  perGpu: number;
  /** Model-state bytes per parameter (shardable / parameters). */
  bytesPerParameter: number;
}

/** Adapter shape (in, out) of each module per decoder layer. */
function moduleShapes(a: ModelArchitecture): Record<string, [number, number]> {
  const h = a.hiddenSize;
  return {
    q_proj: [h, h],
    k_proj: [h, a.kvDim],
    v_proj: [h, a.kvDim],
    o_proj: [h, h],
    gate_proj: [h, a.intermediateSize],
    up_proj: [h, a.intermediateSize],
    down_proj: [a.intermediateSize, h],
  };
}

/** LoRA adapter parameters: rank × (in + out) per targeted module per layer. */
export function adapterParameters(a: ModelArchitecture, rank: number, targetModules: readonly string[]): number {
  const shapes = moduleShapes(a);
  const modules = targetModules.includes("all-linear") ? Object.keys(shapes) : targetModules;
  const perLayer = modules.reduce((sum, m) => {
    const [i, o] = shapes[m] ?? [a.hiddenSize, a.hiddenSize];
    return sum + rank * (i + o);
  }, 0);
  return perLayer * a.layers;
}

/** Embedding + LM head parameters (not quantized by QLoRA). */
function embeddingParameters(a: ModelArchitecture): number {
  return a.vocabSize * a.hiddenSize * (a.tiedEmbeddings ? 1 : 2);
}

/** Memory estimate of one training configuration, before placement. */
export function estimateMemory(input: SizingInput): MemoryEstimate {
  const { arch: a, method: m } = input;
  const P = a.parameters;
  const opt = OPTIMIZER_BYTES[m.optimizer];
  let weights: number;
  let gradients: number;
  let optimizer: number;
  let adapters = 0;
  let trainable: number;
  if (m.type === "full") {
    trainable = P;
    weights = P * BASE_WEIGHT_BYTES.full;
    gradients = P * 2;
    optimizer = opt.paged ? 0 : P * (opt.master + opt.states);
  } else {
    trainable = adapterParameters(a, m.rank, m.targetModules);
    if (m.type === "lora") {
      weights = P * BASE_WEIGHT_BYTES.lora;
      adapters = trainable * 2;
      gradients = trainable * 2;
      optimizer = opt.paged ? 0 : trainable * (opt.master + opt.states);
    } else {
      const emb = embeddingParameters(a);
      const constants = m.quantization.doubleQuant ? QUANT_CONSTANT_BYTES.doubleQuant : QUANT_CONSTANT_BYTES.plain;
      weights = (P - emb) * (BASE_WEIGHT_BYTES.qlora + constants) + emb * 2;
      adapters = trainable * 2;
      gradients = trainable * 2;
      optimizer = opt.paged ? 0 : trainable * (opt.master + opt.states);
    }
  }
  const tokens = input.sequenceLength * input.batchSize;
  const layerActs = input.gradientCheckpointing
    ? tokens * a.hiddenSize * a.layers * ACT_LAYER_INPUT_BYTES + tokens * a.hiddenSize * ACT_LAYER_WORKING_BYTES
    : tokens * a.hiddenSize * a.layers * ACT_LAYER_WORKING_BYTES;
  const activations = layerActs + tokens * a.vocabSize * LOGIT_BYTES;
  const shardable = weights + gradients + optimizer + adapters;
  return {
    method: m.type,
    parameters: P,
    trainableParameters: trainable,
    weights,
    gradients,
    optimizer,
    adapters,
    activations,
    shardable,
    perGpu: activations,
    bytesPerParameter: shardable / P,
  };
}

/** Sharding strategy of a placement. */
export const Sharding = {
  /** One GPU. */
  None: "none",
  /** Data parallel: every GPU holds the whole model (DDP). */
  DataParallel: "ddp",
  /** Fully sharded model states (FSDP / ZeRO-3). */
  Fsdp: "fsdp",
} as const;
export type Sharding = (typeof Sharding)[keyof typeof Sharding];

/** Bytes one GPU needs when the model states are spread over `gpus` GPUs with `sharding`. */
export function bytesPerGpu(e: MemoryEstimate, a: ModelArchitecture, gpus: number, sharding: Sharding): number {
  const layerParams = (e.parameters - embeddingParameters(a)) / a.layers;
  const states = sharding === "fsdp" ? e.shardable / gpus + 2 * layerParams * 2 : e.shardable;
  return (states + e.perGpu) * (1 + FRAGMENTATION) + CUDA_CONTEXT_BYTES;
}

/** Where training runs. */
export interface Placement {
  gpusPerNode: number;
  nodes: number;
  totalGpus: number;
  sharding: Sharding;
  /** Estimated bytes per GPU. */
  bytesPerGpu: number;
  /** Memory of one GPU of the pool, bytes. */
  gpuBytes: number;
}

/** Outcome of sizing a pipeline against a pool. */
export interface SizingResult {
  /** Architecture used, when the model is known or described. */
  arch?: ModelArchitecture;
  estimate?: MemoryEstimate;
  /** Chosen placement, when one fits. */
  placement?: Placement;
  /** Problems as `{ key: path under the pipeline, message }` (the caller prefixes `finetune:pipelines[i].`). */
  problems: { path: string; message: string }[];
}

/** The pool facts the sizing reads. */
export type PoolSize = Pick<GpuPoolContract, "name" | "gpuMemoryGiB" | "gpusPerNode" | "maxNodes">;

/** Placement of `gpusPerNode × nodes`, with the cheapest sharding that fits (none/ddp before fsdp). */
export function placementOf(e: MemoryEstimate, a: ModelArchitecture, pool: PoolSize, gpusPerNode: number, nodes: number): Placement {
  const total = gpusPerNode * nodes;
  const gpuBytes = pool.gpuMemoryGiB * GiB;
  const replicated = bytesPerGpu(e, a, total, total === 1 ? "none" : "ddp");
  if (replicated <= gpuBytes || total === 1) {
    return { gpusPerNode, nodes, totalGpus: total, sharding: total === 1 ? "none" : "ddp", bytesPerGpu: replicated, gpuBytes };
  }
  return { gpusPerNode, nodes, totalGpus: total, sharding: "fsdp", bytesPerGpu: bytesPerGpu(e, a, total, "fsdp"), gpuBytes };
}

/** Candidate (gpusPerNode, nodes) pairs, cheapest first: one node with 1..g GPUs, then 2..maxNodes full nodes. */
function candidates(pool: PoolSize, fixedGpus?: number, fixedNodes?: number): [number, number][] {
  const out: [number, number][] = [];
  const nodesRange = fixedNodes !== undefined ? [fixedNodes] : Array.from({ length: Math.max(1, pool.maxNodes) }, (_, i) => i + 1);
  for (const n of nodesRange) {
    const gpusRange = fixedGpus !== undefined ? [fixedGpus] : n === 1 ? Array.from({ length: pool.gpusPerNode }, (_, i) => i + 1) : [pool.gpusPerNode];
    for (const g of gpusRange) out.push([g, n]);
  }
  return out;
}

/** The fewest GPUs of `gpuMemoryGiB` that would fit the estimate (ignoring node limits), or undefined if none. */
export function minimumGpus(e: MemoryEstimate, a: ModelArchitecture, gpuMemoryGiB: number, limit = 1024): number | undefined {
  const gpuBytes = gpuMemoryGiB * GiB;
  for (let n = 1; n <= limit; n *= 2) {
    const sharding: Sharding = n === 1 ? "none" : "fsdp";
    if (bytesPerGpu(e, a, n, sharding) <= gpuBytes) {
      // refine within (n/2, n]
      for (let k = Math.max(1, n / 2 + 1); k <= n; k++) if (bytesPerGpu(e, a, k, k === 1 ? "none" : "fsdp") <= gpuBytes) return k;
      return n;
    }
  }
  return undefined;
}

const gib = (bytes: number) => Math.ceil(bytes / GiB);
const billions = (p: number) => `${(p / 1e9).toFixed(p < 1e10 ? 1 : 0)}B`;

/** Sizing inputs of a spec (undefined when the model is unknown and no parameter count is given). */
export function sizingInputOf(spec: FineTuningPipelineSpec): SizingInput | undefined {
  const arch = resolveArchitecture(spec.baseModel.id, { parameters: spec.baseModel.parameters, ...spec.baseModel.architecture });
  if (!arch) return undefined;
  return {
    arch,
    method: spec.method,
    sequenceLength: spec.training.sequenceLength,
    batchSize: spec.training.batchSize,
    gradientCheckpointing: spec.training.gradientCheckpointing,
  };
}

/** A cheaper method with default LoRA settings, to suggest when the requested one does not fit. */
function alternative(type: "lora" | "qlora", m: MethodSpec): MethodSpec {
  const lora = m.type === "full" ? { rank: 16, alpha: 32, dropout: 0.05, targetModules: ["all-linear"] } : { rank: m.rank, alpha: m.alpha, dropout: m.dropout, targetModules: m.targetModules };
  return type === "lora"
    ? { type: "lora", ...lora, optimizer: "adamw_torch_fused" }
    : { type: "qlora", ...lora, quantization: { bits: 4, type: "nf4", doubleQuant: true }, optimizer: "paged_adamw_8bit" };
}

/**
 * Sizes `spec` against `pool`: the memory estimate, and the placement (explicit `compute.gpusPerNode`/`nodes`
 * when given, otherwise the fewest GPUs that fit). Problems carry the spec path they are about.
 */
export function sizePipeline(spec: FineTuningPipelineSpec, pool: PoolSize): SizingResult {
  const problems: SizingResult["problems"] = [];
  const input = sizingInputOf(spec);
  if (!input) {
    problems.push({
      path: "baseModel.parameters",
      message: `model "${spec.baseModel.id}" is not in the kit's model table (set baseModel.parameters, e.g. 8.03e9, and baseModel.architecture for an accurate estimate)`,
    });
    return { problems };
  }
  const { gpusPerNode, nodes } = spec.compute;
  if (gpusPerNode !== undefined && gpusPerNode > pool.gpusPerNode) {
    problems.push({ path: "compute.gpusPerNode", message: `is ${gpusPerNode}, more than the ${pool.gpusPerNode} GPU${pool.gpusPerNode === 1 ? "" : "s"} a node of pool "${pool.name}" has (lower it to ${pool.gpusPerNode} or less, or use a pool with bigger nodes)` });
  }
  if (nodes !== undefined && nodes > pool.maxNodes) {
    problems.push({ path: "compute.nodes", message: `is ${nodes}, more than pool "${pool.name}" allows (maxNodes ${pool.maxNodes}) (lower it to ${pool.maxNodes} or less, or raise the pool's maxNodes)` });
  }
  const estimate = estimateMemory(input);
  if (problems.length) return { arch: input.arch, estimate, problems };

  const fits = candidates(pool, gpusPerNode, nodes)
    .map(([g, n]) => placementOf(estimate, input.arch, pool, g, n))
    .find((p) => p.bytesPerGpu <= p.gpuBytes);
  if (fits) return { arch: input.arch, estimate, placement: fits, problems };

  const single = bytesPerGpu(estimate, input.arch, 1, "none");
  const what = spec.method.type === "full" ? "full fine-tuning" : spec.method.type;
  const poolText = `pool "${pool.name}" has ${pool.gpuMemoryGiB} GiB × ${pool.gpusPerNode} GPU${pool.gpusPerNode === 1 ? "" : "s"} per node × ${pool.maxNodes} node${pool.maxNodes === 1 ? "" : "s"}`;
  const fixed = gpusPerNode !== undefined || nodes !== undefined ? ` with compute.gpusPerNode ${gpusPerNode ?? "auto"} × compute.nodes ${nodes ?? "auto"}` : "";
  const fixes: string[] = [];
  const order: ("lora" | "qlora")[] = spec.method.type === "full" ? ["qlora", "lora"] : spec.method.type === "lora" ? ["qlora"] : [];
  for (const type of order) {
    const alt = estimateMemory({ ...input, method: alternative(type, spec.method) });
    const p = candidates(pool).map(([g, n]) => placementOf(alt, input.arch, pool, g, n)).find((x) => x.bytesPerGpu <= x.gpuBytes);
    if (p) {
      fixes.push(`use ${type} (~${gib(p.bytesPerGpu)} GiB per GPU on ${p.totalGpus} GPU${p.totalGpus === 1 ? "" : "s"})`);
      break;
    }
  }
  const need = minimumGpus(estimate, input.arch, pool.gpuMemoryGiB);
  if (need !== undefined) {
    fixes.push(`a pool with at least ${need} GPUs of ${pool.gpuMemoryGiB} GiB (FSDP-sharded) or GPUs with more memory`);
  } else {
    fixes.push(`lower training.sequenceLength or training.batchSize (activations alone need ~${gib(estimate.perGpu)} GiB per GPU)`);
  }
  if (fixed) fixes.push("more compute.gpusPerNode/nodes");
  problems.push({
    path: "compute.pool",
    message: `${what} of ${billions(estimate.parameters)} parameters needs ~${gib(single)} GiB of GPU memory (model states ~${gib(estimate.shardable)} GiB, activations ~${gib(estimate.activations)} GiB per GPU)${fixed}; ${poolText}; ${fixes.length > 1 ? `${fixes.slice(0, -1).join(", ")} or ${fixes[fixes.length - 1]}` : fixes[0]}`,
  });
  return { arch: input.arch, estimate, problems };
}

/** One-line summary for the offline plan: `qlora 8.0B on l4-spot: 1 × 1 GPU (none), ~9 GiB of 24 GiB per GPU`. */
export function describeSizing(spec: FineTuningPipelineSpec, result: SizingResult): string {
  if (!result.placement || !result.estimate) return `${spec.name}: does not fit (${result.problems.map((p) => p.message).join("; ")})`;
  const p = result.placement;
  const how = { none: "single GPU", ddp: "DDP replicas", fsdp: "FSDP-sharded" }[p.sharding] ?? p.sharding;
  return `${spec.name}: ${spec.method.type} ${billions(result.estimate.parameters)} on ${spec.compute.pool}: ${p.nodes} node${p.nodes === 1 ? "" : "s"} × ${p.gpusPerNode} GPU${p.gpusPerNode === 1 ? "" : "s"} (${how}), ~${gib(p.bytesPerGpu)} GiB of ${gib(p.gpuBytes)} GiB per GPU`;
}

/**
 * GPUs one vLLM server needs to serve the model in bf16 (evaluation and serving): weights × 1.2 (KV cache and
 * CUDA graphs) + 2 GiB, over GPUs of the pool, rounded up to a power of two (tensor parallelism), at least
 * `minimum`.
 */
export function servingGpus(arch: ModelArchitecture, gpuMemoryGiB: number, minimum = 1): number {
  const need = (arch.parameters * 2 * 1.2 + 2 * GiB) / (gpuMemoryGiB * GiB);
  let n = 1;
  while (n < need) n *= 2;
  return Math.max(n, minimum);
}
