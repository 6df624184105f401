import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import type { MemoryEstimate, SizingResult } from "./sizing";
import type { FineTuningPipelineSpec } from "./spec";
import {
  DISK_MBPS,
  GZIP_PULL_MBPS,
  IMAGE_COMPRESSED_GB,
  IMAGE_FIXED_SECONDS,
  INIT_SECONDS,
  MODEL_SOURCE_MBPS,
  NODE_READY_SECONDS,
  WEIGHT_BYTES_PER_PARAMETER,
  type ColdStartPlatform,
  type ImageDelivery,
  type ModelSource,
  type NodeDisk,
} from "./coldstart/figures";

export type { ColdStartPlatform, ImageDelivery, ModelSource, NodeDisk } from "./coldstart/figures";

/**
 * Time to first step after a spot preemption: node, image, model, checkpoint, framework init. Pure arithmetic over
 * the sourced figures of pipelines/coldstart/figures.ts. The phases run one after another (the pod starts when
 * the node is Ready and its image is there; the trainer fetches the model and the newest checkpoint, then starts):
 *  - node: {@link NODE_READY_SECONDS} of the platform when a new node is needed, else 0;
 *  - image: pulled = compressed GB ÷ min(gzip unpack rate, disk write rate); streamed / preloaded: a fixed figure;
 *  - model: weight bytes ÷ min(source rate, disk write rate); a warm cache reads at its own rate;
 *  - checkpoint: checkpoint bytes (one node's share under FSDP) ÷ min(object-store rate, disk write rate);
 *  - init: imports, CUDA/NCCL start, dataset from cache.
 * The inputs "model source" and "image delivery" are where a shared model cache (GCS FUSE, Mountpoint for S3,
 * an RWX volume) and SageMaker FastFile / warm pools plug in: they pick a source and give its rate.
 */
export interface ColdStartInput {
  platform: ColdStartPlatform;
  /** A new node must be provisioned (spot replacement). @default - true except on `kubernetes` (existing nodes) */
  newNode?: boolean;
  /** Disk containerd and the trainer write to. */
  disk: NodeDisk;
  image: {
    /** Compressed size, GB. */
    compressedGB: number;
    delivery: ImageDelivery;
  };
  model: {
    /** Bytes of the weights the trainer fetches. */
    bytes: number;
    source: ModelSource;
    /** Read rate of a warm cache, MB/s. @default - the node disk's rate */
    cacheMBps?: number;
  };
  /** Bytes of the newest checkpoint restored from the object store (0 on a first start). */
  checkpointBytes: number;
  /** Framework start, seconds. @default INIT_SECONDS.trainer */
  initSeconds?: number;
}

/** The estimate, seconds per phase, rounded to whole seconds. */
export interface ColdStartEstimate {
  node: number;
  image: number;
  model: number;
  checkpoint: number;
  init: number;
  total: number;
}

const MB = 1e6;

/** Seconds to move `bytes` at `mbps`. */
function seconds(bytes: number, mbps: number): number {
  return bytes / (mbps * MB);
}

/** The cold-start estimate of one restart. */
export function estimateColdStart(i: ColdStartInput): ColdStartEstimate {
  const diskMBps = DISK_MBPS[i.disk].value;
  const newNode = i.newNode ?? i.platform !== "kubernetes";
  const node = newNode ? NODE_READY_SECONDS[i.platform].value : 0;
  const image =
    i.image.delivery === "pulled" ? seconds(i.image.compressedGB * 1e9, Math.min(GZIP_PULL_MBPS.value, diskMBps)) : IMAGE_FIXED_SECONDS[i.image.delivery].value;
  const sourceMBps = i.model.source === "cache-warm" ? (i.model.cacheMBps ?? diskMBps) : Math.min(MODEL_SOURCE_MBPS[i.model.source].value, diskMBps);
  const model = seconds(i.model.bytes, sourceMBps);
  const checkpoint = seconds(i.checkpointBytes, Math.min(MODEL_SOURCE_MBPS["object-store"].value, diskMBps));
  const init = i.initSeconds ?? INIT_SECONDS.trainer.value;
  const parts = { node, image, model, checkpoint, init };
  const r = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round(v)])) as Omit<ColdStartEstimate, "total">;
  return { ...r, total: r.node + r.image + r.model + r.checkpoint + r.init };
}

/**
 * Bytes of a resumable checkpoint: adapters (LoRA/QLoRA) or full weights, plus optimizer states (on the GPU or
 * paged to the host) — what Axolotl's `save_steps` checkpoint holds (`adapter_model.safetensors` or the model
 * shards, `optimizer.pt`).
 */
export function checkpointBytes(e: MemoryEstimate): number {
  const weights = e.method === "full" ? e.weights : e.adapters;
  return weights + e.optimizer + e.optimizerHost;
}

/** Disk the trainer writes to on a pool (NVMe when ephemeral storage is on it, else the platform's boot disk). */
export function poolDisk(pool: Pick<GpuPoolContract, "platform" | "localStorage">): NodeDisk {
  if (pool.localStorage?.ephemeralOnNvme) return "nvme";
  return pool.platform === "gke" ? "pd-balanced" : "gp3";
}

/** How the trainer image reaches a node of the pool. */
export function poolImageDelivery(pool: Pick<GpuPoolContract, "imageCache">): ImageDelivery {
  if (pool.imageCache && pool.imageCache.preload !== "none") return "preloaded";
  return pool.imageCache?.streaming ? "streamed" : "pulled";
}

/** One pipeline's cold-start estimate beside its checkpoint interval. */
export interface PipelineColdStart {
  pipeline: string;
  platform: ColdStartPlatform;
  /** Inputs chosen from the spec and the pool contract. */
  assumptions: {
    disk: NodeDisk;
    imageDelivery: ImageDelivery;
    modelSource: ModelSource;
    imageGB: number;
    modelGB: number;
    checkpointGB: number;
    nodes: number;
  };
  estimate: ColdStartEstimate;
  checkpointIntervalSeconds: number;
  /** Expected work lost to one preemption: half the checkpoint interval. */
  expectedLostWorkSeconds: number;
  /** True when one preemption loses more time to the cold start than to lost work. */
  coldStartDominates: boolean;
}

const GB = (n: number) => Math.round((n / 1e9) * 10) / 10;

/** The cold start of `spec` on `pool` with its sizing (undefined without a known model size). */
export function pipelineColdStart(
  spec: FineTuningPipelineSpec,
  sizing: SizingResult,
  pool: Pick<GpuPoolContract, "platform" | "localStorage" | "imageCache">,
  modelSource: ModelSource = "object-store",
): PipelineColdStart | undefined {
  if (!sizing.arch || !sizing.estimate) return undefined;
  const disk = poolDisk(pool);
  const imageDelivery = poolImageDelivery(pool);
  const modelBytes = sizing.arch.parameters * WEIGHT_BYTES_PER_PARAMETER.value;
  // FSDP checkpoints are sharded: each node restores its own share; DDP and single-GPU runs restore the whole.
  const sharded = sizing.placement && (sizing.placement.sharding === "fsdp" || sizing.placement.sharding === "fsdp-offload");
  const ckpt = checkpointBytes(sizing.estimate) / (sharded ? (sizing.placement?.nodes ?? 1) : 1);
  const imageGB = IMAGE_COMPRESSED_GB.trainer.value;
  const estimate = estimateColdStart({
    platform: pool.platform,
    disk,
    image: { compressedGB: imageGB, delivery: imageDelivery },
    model: { bytes: modelBytes, source: modelSource },
    checkpointBytes: ckpt,
  });
  const interval = spec.checkpointing.intervalMinutes * 60;
  const lost = interval / 2;
  return {
    pipeline: spec.name,
    platform: pool.platform,
    assumptions: { disk, imageDelivery, modelSource, imageGB, modelGB: GB(modelBytes), checkpointGB: GB(ckpt), nodes: sizing.placement?.nodes ?? 1 },
    estimate,
    checkpointIntervalSeconds: interval,
    expectedLostWorkSeconds: lost,
    coldStartDominates: estimate.total > lost,
  };
}
