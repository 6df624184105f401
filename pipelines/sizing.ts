import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import { GPU_CATALOG, isGpuType, machineShapes, type CatalogPlatform } from "../core/gpu-catalog";
import { resolveArchitecture, type ModelArchitecture } from "./models";
import type { FineTuningMethod, FineTuningPipelineSpec, MethodSpec, Optimizer } from "./spec";

/**
 * GPU and host memory sizing of the trainer the kit renders (Axolotl, pipelines/trainer-config.ts), and the
 * choice of GPUs per node, nodes and layout from a pool contract. Pure arithmetic, no Pulumi. Every term, with
 * its source, is listed in the README ("Sizing, throughput and cost") and held against published figures by
 * test/pipeline/sizing-calibration.test.ts (pipelines/sizing-calibration.json).
 *
 * Model states (bytes per parameter), following the rendered trainer's precision ({@link TrainerProfile}):
 *  - full, pure bf16 (Axolotl `bf16: auto` on a bf16 GPU loads the model in bf16; torch AdamW keeps its two
 *    moments in the parameters' dtype): 2 weights + 2 gradients + 4 Adam m, v = 8 (LLaMA-Factory's
 *    "pure_bf16" row: 8x GB). 8-bit AdamW (bitsandbytes): 2 + 2 + 2 = 6.
 *  - full, fp16 mixed precision (GPUs without bf16, e.g. T4): fp32 weights, gradients and states = 16
 *    (ZeRO paper, Rajbhandari et al. 2020, "16Ψ bytes").
 *  - lora: frozen bf16 weights, 2 B/param; adapters in fp32 (PEFT's `autocast_adapter_dtype` upcasts them):
 *    4 + 4 gradient + 8 Adam = 16 B per adapter parameter.
 *  - qlora: NF4 weights 0.5 B/param + quantization constants (double quantization 0.127 bit/param, plain
 *    0.5 bit/param; Dettmers et al. 2023 §3) for the linear layers; embeddings and LM head stay bf16.
 *  - paged optimizers (`paged_adamw_*`) keep their states in unified memory evicted to the host: they are
 *    counted in host memory, not on the GPU.
 * Activations per GPU, per token: with gradient checkpointing each layer's input (2h B) plus one layer's
 * working set, without it every layer's working set. Working set = 22h + 8i bytes (Korthikanti et al. 2022
 * Table 2 with flash attention: attention 11h + norms 4h + MLP input 2h; SwiGLU MLP 4 × 2i; +5h for the RoPE'd
 * q/k copies and fp32 norm inputs, calibrated against LitGPT's measured table); eager attention adds
 * 5·heads·sequence (Korthikanti's 5as²b).
 * Logits per token: plain loss 12 × vocab (bf16 logits 2 + fp32 upcast 4 + fp32 log-softmax 4 + bf16 gradient
 * 2), chunked loss (LitGPT) 4 × vocab (bf16 logits + gradient), fused/chunked kernels (Liger FLCE, Cut
 * Cross-Entropy) never materialise the logits: 4 × hidden per token for the chunk in flight.
 * Overhead per GPU: CUDA context and NCCL buffers (1 GiB) plus 8% allocator fragmentation; an accept also
 * leaves {@link SAFETY_MARGIN} of the driver-reported memory free.
 * FSDP shards the model states across GPUs, plus the all-gather buffers of two decoder layers in the weights'
 * own dtype (0.5 B/param + constants for 4-bit weights); with CPU offload only the gather buffers stay on
 * the GPU and the states live in host memory.
 */

export const GiB = 1024 ** 3;

/** Fixed per-GPU overhead: CUDA context, cuBLAS workspaces, NCCL buffers. */
export const CUDA_CONTEXT_BYTES = 1 * GiB;
/** Allocator fragmentation and temporary buffers, as a fraction of everything else. */
export const FRAGMENTATION = 0.08;
/** Share of the driver-reported GPU memory an accepted layout leaves free (allocator spikes, NCCL growth). */
export const SAFETY_MARGIN = 0.05;
/** Host memory per training process: Python, CUDA/NCCL host buffers, tokenizer, data-loader workers (assumption). */
export const HOST_BYTES_PER_PROCESS = 6 * GiB;
/** Share of a node's memory pods may use (kubelet and system reservations). */
export const NODE_ALLOCATABLE = 0.9;

/** Optimizer states: bytes per trainable parameter (`perParamByte`: multiples of the parameter's own size). */
const OPTIMIZER_STATES: Record<Optimizer, { perParamByte?: number; fixed?: number; paged: boolean }> = {
  adamw_torch_fused: { perParamByte: 2, paged: false },
  adamw_torch: { perParamByte: 2, paged: false },
  adamw_bnb_8bit: { fixed: 2, paged: false },
  paged_adamw_8bit: { fixed: 2, paged: true },
  paged_adamw_32bit: { fixed: 8, paged: true },
};

/** Quantization-constant bytes per parameter (QLoRA): double quantization 0.127 bit, otherwise 32 bit per 64 weights. */
const QUANT_CONSTANT_BYTES = { doubleQuant: 0.127 / 8, plain: 0.5 / 8 } as const;
/** Activation bytes per token: a layer's input (bf16), and a layer's working set as a × hidden + b × intermediate. */
const ACT_LAYER_INPUT_BYTES = 2;
const ACT_WORKING_HIDDEN = 22;
const ACT_WORKING_INTERMEDIATE = 8;
/** Eager attention: 5 bytes per head per token per key (Korthikanti et al. 2022: 5as²b per layer). */
const EAGER_ATTENTION_BYTES = 5;
/** Logit bytes per token per vocabulary entry, per loss implementation (fused: per hidden unit instead). */
const LOGIT_BYTES = { plain: 12, chunked: 4 } as const;
const FUSED_LOSS_BYTES_PER_HIDDEN = 4;

/** Precision, loss and attention of the trainer the estimate is for. */
export interface TrainerProfile {
  /** `bf16`: pure bf16 (weights, gradients, optimizer states); `fp16-mixed`: fp32 weights and states, fp16 compute. */
  precision: "bf16" | "fp16-mixed";
  /** Bytes of an adapter parameter (4: PEFT's fp32 adapters; 2: trainers that keep them in bf16). */
  adapterBytes: 2 | 4;
  /** `plain` cross-entropy, `chunked` (bf16 logits, chunk-wise upcast), `fused` (Liger FLCE / Cut Cross-Entropy). */
  loss: "plain" | "chunked" | "fused";
  /** `flash` (FlashAttention / SDPA, O(sequence) memory) or `eager` (O(sequence²)). */
  attention: "flash" | "eager";
}

/** The kit's trainer on a bf16 GPU with its defaults. */
export const KIT_TRAINER: TrainerProfile = { precision: "bf16", adapterBytes: 4, loss: "fused", attention: "flash" };

/** Inputs of the memory estimate (a subset of the spec, so that tests and tools can ask directly). */
export interface SizingInput {
  arch: ModelArchitecture;
  method: MethodSpec;
  sequenceLength: number;
  batchSize: number;
  gradientCheckpointing: boolean;
  /** @default KIT_TRAINER */
  trainer?: TrainerProfile;
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
  /** Optimizer states on the GPU (0 when paged to the host). */
  optimizer: number;
  /** Optimizer states a paged optimizer keeps in host memory. */
  optimizerHost: number;
  /** Adapter weights (lora/qlora). */
  adapters: number;
  /** Activations + logits of one micro-batch. */
  activations: number;
  /** Of which logits / loss buffers. */
  logits: number;
  /** Bytes FSDP can shard across GPUs (weights, gradients, optimizer, adapters). */
  shardable: number;
  /** Bytes each GPU needs regardless of sharding (activations). */
  perGpu: number;
  /** Model-state bytes per parameter (shardable / parameters). */
  bytesPerParameter: number;
  /** Bytes of one decoder layer's weights (FSDP all-gather buffer). */
  layerWeightBytes: number;
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

/** Optimizer-state bytes of `n` trainable parameters of `paramBytes` each. */
function optimizerBytes(optimizer: Optimizer, n: number, paramBytes: number): number {
  const o = OPTIMIZER_STATES[optimizer];
  return n * (o.fixed ?? (o.perParamByte ?? 0) * paramBytes);
}

/** Memory estimate of one training configuration, before placement. */
export function estimateMemory(input: SizingInput): MemoryEstimate {
  const { arch: a, method: m } = input;
  const t = input.trainer ?? KIT_TRAINER;
  const P = a.parameters;
  const emb = embeddingParameters(a);
  const paged = OPTIMIZER_STATES[m.optimizer].paged;
  let weights: number;
  let gradients: number;
  let states: number;
  let adapters = 0;
  let trainable: number;
  let weightBytesPerParam: number;
  if (m.type === "full") {
    trainable = P;
    weightBytesPerParam = t.precision === "bf16" ? 2 : 4;
    weights = P * weightBytesPerParam;
    gradients = P * weightBytesPerParam;
    states = optimizerBytes(m.optimizer, P, weightBytesPerParam);
  } else {
    trainable = adapterParameters(a, m.rank, m.targetModules);
    adapters = trainable * t.adapterBytes;
    gradients = trainable * t.adapterBytes;
    states = optimizerBytes(m.optimizer, trainable, t.adapterBytes);
    if (m.type === "lora") {
      weightBytesPerParam = 2;
      weights = P * 2;
    } else {
      const constants = m.quantization.doubleQuant ? QUANT_CONSTANT_BYTES.doubleQuant : QUANT_CONSTANT_BYTES.plain;
      weightBytesPerParam = 0.5 + constants;
      weights = (P - emb) * weightBytesPerParam + emb * 2;
    }
  }
  const tokens = input.sequenceLength * input.batchSize;
  const h = a.hiddenSize;
  const heads = Math.max(1, Math.round(h / 128));
  const working =
    ACT_WORKING_HIDDEN * h +
    ACT_WORKING_INTERMEDIATE * a.intermediateSize +
    (t.attention === "eager" ? EAGER_ATTENTION_BYTES * heads * input.sequenceLength : 0);
  const layerActs = input.gradientCheckpointing ? tokens * (h * a.layers * ACT_LAYER_INPUT_BYTES + working) : tokens * working * a.layers;
  const logits = t.loss === "fused" ? tokens * h * FUSED_LOSS_BYTES_PER_HIDDEN : tokens * a.vocabSize * LOGIT_BYTES[t.loss];
  const activations = layerActs + logits;
  const optimizer = paged ? 0 : states;
  const shardable = weights + gradients + optimizer + adapters;
  return {
    method: m.type,
    parameters: P,
    trainableParameters: trainable,
    weights,
    gradients,
    optimizer,
    optimizerHost: paged ? states : 0,
    adapters,
    activations,
    logits,
    shardable,
    perGpu: activations,
    bytesPerParameter: shardable / P,
    layerWeightBytes: ((P - emb) / a.layers) * weightBytesPerParam,
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
  /** FSDP with parameters, gradients and optimizer states offloaded to host memory (`offload_params: true`). */
  FsdpOffload: "fsdp-offload",
} as const;
export type Sharding = (typeof Sharding)[keyof typeof Sharding];

/** Bytes one GPU allocates at peak (what `torch.cuda.max_memory_allocated` reports), before overheads. */
export function allocatedPerGpu(e: MemoryEstimate, gpus: number, sharding: Sharding): number {
  const gather = 2 * e.layerWeightBytes;
  const states = sharding === "fsdp" ? e.shardable / gpus + gather : sharding === "fsdp-offload" ? gather : e.shardable;
  return states + e.perGpu;
}

/** Bytes one GPU needs, with fragmentation and the CUDA context, when the states are spread over `gpus` GPUs with `sharding`. */
export function bytesPerGpu(e: MemoryEstimate, gpus: number, sharding: Sharding): number {
  return allocatedPerGpu(e, gpus, sharding) * (1 + FRAGMENTATION) + CUDA_CONTEXT_BYTES;
}

/**
 * Host memory one node's training pod needs: a baseline per process, paged optimizer states (per rank: sharded
 * under FSDP, whole under DDP), offloaded model states (this node's share), and under FSDP the bf16 state dict
 * rank 0 loads before sharding it (`cpu_ram_efficient_loading`).
 */
export function hostBytesPerNode(e: MemoryEstimate, gpusPerNode: number, nodes: number, sharding: Sharding): number {
  const total = gpusPerNode * nodes;
  const sharded = sharding === "fsdp" || sharding === "fsdp-offload";
  const paged = sharded ? (e.optimizerHost / total) * gpusPerNode : e.optimizerHost * gpusPerNode;
  const offloaded = sharding === "fsdp-offload" ? (e.shardable / total) * gpusPerNode : 0;
  const loading = sharded ? e.weights : 0;
  return gpusPerNode * HOST_BYTES_PER_PROCESS + paged + offloaded + loading;
}

/** Where training runs. */
export interface Placement {
  gpusPerNode: number;
  nodes: number;
  totalGpus: number;
  sharding: Sharding;
  /** Estimated bytes per GPU (with fragmentation and CUDA context). */
  bytesPerGpu: number;
  /** Memory of one GPU as the driver reports it, bytes. */
  gpuBytes: number;
  /** Bytes an accept may use: gpuBytes less the safety margin. */
  usableBytes: number;
  /** Host memory the training pod of one node needs, bytes. */
  hostBytesPerNode: number;
  /** Host memory of one node, bytes (the machine shape's, else the catalog's per-GPU figure × GPUs). */
  nodeHostBytes: number;
}

/** Throughput features of the rendered trainer, resolved from the spec, the model and the GPU. */
export interface TrainerFeatures {
  /** Axolotl `sample_packing`. */
  samplePacking: boolean;
  /** Attention kernel: FlashAttention 2 (Ampere and newer), PyTorch SDPA (older GPUs), or eager. */
  attention: "flash" | "sdpa" | "eager";
  /** Loss kernel. */
  loss: "liger" | "cut-cross-entropy" | "plain";
  /** The memory profile the sizing used. */
  profile: TrainerProfile;
  /** Why a requested feature is off. */
  notes: string[];
}

/** Decoder layers Liger Kernel patches (its `apply_liger_kernel_to_*` functions: llama, mistral, qwen2, gemma2, phi3). */
const LIGER_DECODER_LAYERS: ReadonlySet<string> = new Set([
  "LlamaDecoderLayer",
  "MistralDecoderLayer",
  "Qwen2DecoderLayer",
  "Gemma2DecoderLayer",
  "Phi3DecoderLayer",
]);

/** Compute capability of the pool's GPU (catalog first), as a number. */
function computeCapabilityOf(pool: PoolSize): number {
  if (pool.gpuType && isGpuType(pool.gpuType)) return Number(GPU_CATALOG[pool.gpuType].computeCapability);
  return Number(pool.computeCapability ?? "8.0");
}

/** The trainer features and memory profile the kit renders for `spec` on `pool`. */
export function trainerFeaturesOf(spec: FineTuningPipelineSpec, arch: ModelArchitecture, pool: PoolSize): TrainerFeatures {
  const t = spec.training;
  const notes: string[] = [];
  const ampere = computeCapabilityOf(pool) >= 8;
  const attention = !t.flashAttention ? "eager" : ampere ? "flash" : "sdpa";
  if (t.flashAttention && !ampere) notes.push("flash attention needs Ampere or newer: PyTorch SDPA instead");
  const samplePacking = t.samplePacking && attention === "flash";
  if (t.samplePacking && !samplePacking) notes.push("sample packing needs flash attention: off");
  const loss = t.lossKernel === "auto" ? (LIGER_DECODER_LAYERS.has(arch.decoderLayerClass) ? "liger" : "plain") : t.lossKernel;
  if (t.lossKernel === "auto" && loss === "plain") notes.push(`Liger does not patch ${arch.decoderLayerClass}: plain cross-entropy`);
  return {
    samplePacking,
    attention,
    loss,
    profile: {
      precision: ampere ? "bf16" : "fp16-mixed",
      adapterBytes: 4,
      loss: loss === "plain" ? "plain" : "fused",
      attention: attention === "eager" ? "eager" : "flash",
    },
    notes,
  };
}

/** Outcome of sizing a pipeline against a pool. */
export interface SizingResult {
  /** Architecture used, when the model is known or described. */
  arch?: ModelArchitecture;
  estimate?: MemoryEstimate;
  /** Throughput features and memory profile of the rendered trainer. */
  trainer?: TrainerFeatures;
  /** Chosen placement, when one fits. */
  placement?: Placement;
  /** Problems as `{ key: path under the pipeline, message }` (the caller prefixes `finetune:pipelines[i].`). */
  problems: { path: string; message: string }[];
}

/** The pool facts the sizing reads (a pool contract has them all). */
export type PoolSize = Pick<GpuPoolContract, "name" | "gpuMemoryGiB" | "gpusPerNode" | "maxNodes"> &
  Partial<Pick<GpuPoolContract, "gpuType" | "platform" | "instanceType" | "computeCapability">>;

/** GPU memory of the pool as the driver reports it (catalog `memoryMiB`), else the contract's GiB. */
export function driverGpuBytes(pool: PoolSize): number {
  return pool.gpuType && isGpuType(pool.gpuType) ? GPU_CATALOG[pool.gpuType].memoryMiB * 1024 ** 2 : pool.gpuMemoryGiB * GiB;
}

const CATALOG_PLATFORM: Record<GpuPoolContract["platform"], CatalogPlatform | undefined> = {
  eks: "aws",
  karpenter: "aws",
  gke: "gcp",
  sagemaker: "sagemaker",
  kubernetes: undefined,
};

/** Host memory of one node of the pool with `gpusPerNode` GPUs: its machine shape, else the catalog's per-GPU figure. */
export function nodeHostBytes(pool: PoolSize, gpusPerNode: number): number {
  if (!pool.gpuType || !isGpuType(pool.gpuType)) return Number.POSITIVE_INFINITY;
  const spec = GPU_CATALOG[pool.gpuType];
  const platform = pool.platform ? CATALOG_PLATFORM[pool.platform] : undefined;
  const name = pool.instanceType?.replace(/^ml\./, "");
  const shapes =
    platform && platform !== "sagemaker" ? machineShapes(pool.gpuType, platform) : platform === "sagemaker" ? machineShapes(pool.gpuType, "aws") : [];
  const named = name ? shapes.find((s) => s.name === name && s.gpus === gpusPerNode) : undefined;
  const largest = shapes.filter((s) => s.gpus === gpusPerNode).reduce((m, s) => Math.max(m, s.memoryGiB), 0);
  const gib = named?.memoryGiB ?? (largest || spec.hostPerGpu.memoryGiB * gpusPerNode);
  return gib * GiB;
}

/** Layouts to try for `total` GPUs, cheapest first. */
function layouts(total: number, offload: boolean): Sharding[] {
  if (total === 1) return offload ? ["none", "fsdp-offload"] : ["none"];
  return offload ? ["ddp", "fsdp", "fsdp-offload"] : ["ddp", "fsdp"];
}

/** A placement of `gpusPerNode × nodes` with a given sharding. */
function placementWith(e: MemoryEstimate, pool: PoolSize, gpusPerNode: number, nodes: number, sharding: Sharding): Placement {
  const total = gpusPerNode * nodes;
  const gpuBytes = driverGpuBytes(pool);
  return {
    gpusPerNode,
    nodes,
    totalGpus: total,
    sharding,
    bytesPerGpu: bytesPerGpu(e, total, sharding),
    gpuBytes,
    usableBytes: gpuBytes * (1 - SAFETY_MARGIN),
    hostBytesPerNode: hostBytesPerNode(e, gpusPerNode, nodes, sharding),
    nodeHostBytes: nodeHostBytes(pool, gpusPerNode),
  };
}

/** True when the placement fits the GPUs with the margin and the node's host memory. */
export function fitsPlacement(p: Placement): boolean {
  return p.bytesPerGpu <= p.usableBytes && p.hostBytesPerNode <= p.nodeHostBytes * NODE_ALLOCATABLE;
}

/**
 * Placement of `gpusPerNode × nodes`, with the cheapest layout that fits (none/ddp, then fsdp, then fsdp with
 * CPU offload when `offload`); the last one tried when none fits.
 */
export function placementOf(e: MemoryEstimate, pool: PoolSize, gpusPerNode: number, nodes: number, offload = false): Placement {
  const tries = layouts(gpusPerNode * nodes, offload).map((s) => placementWith(e, pool, gpusPerNode, nodes, s));
  return tries.find(fitsPlacement) ?? tries.filter((p) => p.sharding !== "fsdp-offload").pop() ?? tries[tries.length - 1];
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

/** The first candidate that fits: every GPU-only layout of every candidate before any CPU-offload layout. */
function firstFit(e: MemoryEstimate, pool: PoolSize, offload: boolean, fixedGpus?: number, fixedNodes?: number): Placement | undefined {
  const cands = candidates(pool, fixedGpus, fixedNodes);
  const gpuOnly = cands.map(([g, n]) => placementOf(e, pool, g, n)).find(fitsPlacement);
  if (gpuOnly || !offload) return gpuOnly;
  return cands.map(([g, n]) => placementWith(e, pool, g, n, "fsdp-offload")).find(fitsPlacement);
}

/** The fewest GPUs of `gpuBytes` (driver-reported) that would fit the estimate FSDP-sharded, or undefined if none. */
export function minimumGpus(e: MemoryEstimate, gpuBytes: number, limit = 1024): number | undefined {
  const usable = gpuBytes * (1 - SAFETY_MARGIN);
  const fits = (k: number) => bytesPerGpu(e, k, k === 1 ? "none" : "fsdp") <= usable;
  for (let n = 1; n <= limit; n *= 2) {
    if (fits(n)) {
      for (let k = Math.max(1, n / 2 + 1); k <= n; k++) if (fits(k)) return k;
      return n;
    }
  }
  return undefined;
}

const gib = (bytes: number) => Math.ceil(bytes / GiB);
const gib1 = (bytes: number) => (Math.round((bytes / GiB) * 10) / 10).toFixed(1);
const billions = (p: number) => `${(p / 1e9).toFixed(p < 1e10 ? 1 : 0)}B`;

/** Sizing inputs of a spec (undefined when the model is unknown and no parameter count is given). */
export function sizingInputOf(spec: FineTuningPipelineSpec, trainer?: TrainerProfile): SizingInput | undefined {
  const arch = resolveArchitecture(spec.baseModel.id, { parameters: spec.baseModel.parameters, ...spec.baseModel.architecture });
  if (!arch) return undefined;
  return {
    arch,
    method: spec.method,
    sequenceLength: spec.training.sequenceLength,
    batchSize: spec.training.batchSize,
    gradientCheckpointing: spec.training.gradientCheckpointing,
    ...(trainer ? { trainer } : {}),
  };
}

/** A cheaper method with default LoRA settings, to suggest when the requested one does not fit. */
function alternative(type: "lora" | "qlora", m: MethodSpec): MethodSpec {
  const lora =
    m.type === "full"
      ? { rank: 16, alpha: 32, dropout: 0.05, targetModules: ["all-linear"] }
      : { rank: m.rank, alpha: m.alpha, dropout: m.dropout, targetModules: m.targetModules };
  return type === "lora"
    ? { type: "lora", ...lora, optimizer: "adamw_torch_fused" }
    : { type: "qlora", ...lora, quantization: { bits: 4, type: "nf4", doubleQuant: true }, optimizer: "paged_adamw_8bit" };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Sizes `spec` against `pool`: the memory estimate of the rendered trainer, and the placement (explicit
 * `compute.gpusPerNode`/`nodes` when given, otherwise the fewest GPUs that fit, GPU-only layouts before CPU
 * offload). Then checks host memory against the pod's limit. Problems carry the spec path they are about.
 */
export function sizePipeline(spec: FineTuningPipelineSpec, pool: PoolSize): SizingResult {
  const problems: SizingResult["problems"] = [];
  const base = sizingInputOf(spec);
  if (!base) {
    problems.push({
      path: "baseModel.parameters",
      message: `model "${spec.baseModel.id}" is not in the kit's model table (set baseModel.parameters, e.g. 8.03e9, and baseModel.architecture for an accurate estimate)`,
    });
    return { problems };
  }
  const trainer = trainerFeaturesOf(spec, base.arch, pool);
  const input: SizingInput = { ...base, trainer: trainer.profile };
  const { gpusPerNode, nodes } = spec.compute;
  if (gpusPerNode !== undefined && gpusPerNode > pool.gpusPerNode) {
    problems.push({
      path: "compute.gpusPerNode",
      message: `is ${gpusPerNode}, more than the ${pool.gpusPerNode} GPU${pool.gpusPerNode === 1 ? "" : "s"} a node of pool "${pool.name}" has (lower it to ${pool.gpusPerNode} or less, or use a pool with bigger nodes)`,
    });
  }
  if (nodes !== undefined && nodes > pool.maxNodes) {
    problems.push({
      path: "compute.nodes",
      message: `is ${nodes}, more than pool "${pool.name}" allows (maxNodes ${pool.maxNodes}) (lower it to ${pool.maxNodes} or less, or raise the pool's maxNodes)`,
    });
  }
  const estimate = estimateMemory(input);
  const result = { arch: input.arch, estimate, trainer };
  if (problems.length) return { ...result, problems };

  const offload = spec.training.cpuOffload === "auto";
  const fits = firstFit(estimate, pool, offload, gpusPerNode, nodes);
  if (fits) {
    const limit = spec.compute.memoryGiBPerGpu * fits.gpusPerNode * GiB;
    if (fits.hostBytesPerNode > limit) {
      const need = Math.ceil(fits.hostBytesPerNode / GiB / fits.gpusPerNode);
      problems.push({
        path: "compute.memoryGiBPerGpu",
        message: `is ${spec.compute.memoryGiBPerGpu}, but the training pod needs ~${gib(fits.hostBytesPerNode)} GiB of host memory per node (${hostParts(estimate, fits)}) and its memory limit is ${spec.compute.memoryGiBPerGpu} GiB × ${plural(fits.gpusPerNode, "GPU")} (raise it to at least ${need}, the node has ${gib(fits.nodeHostBytes)} GiB)`,
      });
    }
    return { ...result, placement: fits, problems };
  }

  const usable = driverGpuBytes(pool) * (1 - SAFETY_MARGIN);
  const single = bytesPerGpu(estimate, 1, "none");
  const what = spec.method.type === "full" ? "full fine-tuning" : spec.method.type;
  const poolText = `pool "${pool.name}" has ${gib1(usable)} GiB usable (${gib1(driverGpuBytes(pool))} GiB per GPU as the driver reports it, less ${SAFETY_MARGIN * 100}% margin) × ${plural(pool.gpusPerNode, "GPU")} per node × ${plural(pool.maxNodes, "node")}`;
  const fixed = gpusPerNode !== undefined || nodes !== undefined ? ` with compute.gpusPerNode ${gpusPerNode ?? "auto"} × compute.nodes ${nodes ?? "auto"}` : "";
  const fixes: string[] = [];
  const order: ("lora" | "qlora")[] = spec.method.type === "full" ? ["qlora", "lora"] : spec.method.type === "lora" ? ["qlora"] : [];
  for (const type of order) {
    const alt = estimateMemory({ ...input, method: alternative(type, spec.method) });
    const p = firstFit(alt, pool, false);
    if (p) {
      fixes.push(`use ${type} (~${gib(p.bytesPerGpu)} GiB per GPU on ${plural(p.totalGpus, "GPU")})`);
      break;
    }
  }
  const need = minimumGpus(estimate, driverGpuBytes(pool));
  if (need !== undefined) {
    fixes.push(`a pool with at least ${need} GPUs of this type (FSDP-sharded) or GPUs with more memory`);
  } else {
    fixes.push(`lower training.sequenceLength or training.batchSize (activations alone need ~${gib(estimate.perGpu)} GiB per GPU)`);
  }
  if (fixed) fixes.push("more compute.gpusPerNode/nodes");
  problems.push({
    path: "compute.pool",
    message: `${what} of ${billions(estimate.parameters)} parameters needs ~${gib(single)} GiB of GPU memory (model states ~${gib(estimate.shardable)} GiB, activations ~${gib(estimate.activations)} GiB per GPU)${fixed}; ${poolText} (${fixes.length > 1 ? `${fixes.slice(0, -1).join(", ")} or ${fixes[fixes.length - 1]}` : fixes[0]})`,
  });
  return { ...result, problems };
}

/** What the host memory of a node holds, for messages. */
function hostParts(e: MemoryEstimate, p: Placement): string {
  const parts = [`${HOST_BYTES_PER_PROCESS / GiB} GiB per process`];
  if (e.optimizerHost > 0) parts.push("paged optimizer states");
  if (p.sharding === "fsdp-offload") parts.push("CPU-offloaded model states");
  if (p.sharding === "fsdp" || p.sharding === "fsdp-offload") parts.push("the bf16 state dict rank 0 loads");
  return parts.join(", ");
}

/** Layout names for summaries. */
export const LAYOUT_NAMES: Record<Sharding, string> = {
  none: "single GPU",
  ddp: "DDP replicas",
  fsdp: "FSDP-sharded",
  "fsdp-offload": "FSDP with CPU offload",
};

/** One-line summary for the offline plan: `qlora 8.0B on l4-spot: 1 node × 1 GPU (single GPU), ~9 of 21.4 GiB usable per GPU`. */
export function describeSizing(spec: FineTuningPipelineSpec, result: SizingResult): string {
  if (!result.placement || !result.estimate) return `${spec.name}: does not fit (${result.problems.map((p) => p.message).join("; ")})`;
  const p = result.placement;
  return `${spec.name}: ${spec.method.type} ${billions(result.estimate.parameters)} on ${spec.compute.pool}: ${plural(p.nodes, "node")} × ${plural(p.gpusPerNode, "GPU")} (${LAYOUT_NAMES[p.sharding]}), ~${gib(p.bytesPerGpu)} of ${gib1(p.usableBytes)} GiB usable per GPU, ~${gib(p.hostBytesPerNode)} GiB host per node`;
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
