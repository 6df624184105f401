import { GPU_CATALOG, isGpuType } from "../../core/gpu-catalog";
import type { FineTuningPipelineSpec } from "../spec";
import type { SizingResult } from "../sizing";
import { gpuHourPrice, PRICE_REGIONS, PRICES_ENTERED, STANDING, type PricePlatform } from "./prices";

/**
 * Cost and time of a training run before it starts. Pure arithmetic:
 *  - training tokens = tokens of the training split × epochs;
 *  - FLOPs per token = 6·N for full fine-tuning (Kaplan et al. 2020: 2N forward + 4N backward); 4·N for LoRA
 *    and QLoRA (no weight gradients of the frozen base: 2N forward + 2N for activation gradients; Hu et al.
 *    2021 §4.2 reports the saving); + 2·N with gradient checkpointing (one more forward);
 *  - tokens/s per GPU = dense bf16 peak (GPU catalog, NVIDIA datasheets) × MFU ÷ FLOPs per token, with MFU
 *    {@link MFU}: 0.40 (Llama 3 paper, Dubey et al. 2024, Table 4: 38–43% BF16 MFU on H100), × 0.6 for 4-bit
 *    weights (dequantization in every matmul), × 0.6 without sample packing (padding), × 0.3 with CPU offload
 *    — the three factors are assumptions;
 *  - GPU-hours = training tokens ÷ (tokens/s per GPU × 3600); wall time = GPU-hours ÷ GPUs;
 *  - $ = GPU-hours × the pinned on-demand / spot price per GPU-hour (pipelines/cost/prices.ts).
 */

/** Model FLOPs utilisation and its factors. */
export const MFU = { base: 0.4, quantized: 0.6, noPacking: 0.6, cpuOffload: 0.3 } as const;

/** Inputs of {@link estimateCost}, so that tests can fix them. */
export interface CostInput {
  parameters: number;
  method: "full" | "lora" | "qlora";
  gradientCheckpointing: boolean;
  samplePacking: boolean;
  cpuOffload: boolean;
  /** Tokens in the training split. */
  datasetTokens: number;
  epochs: number;
  totalGpus: number;
  /** Dense bf16 peak of one GPU, TFLOPS. */
  peakTflops: number;
  /** USD per GPU-hour. */
  price: { onDemand: number; spot: number };
}

/** The estimate of one run. */
export interface CostEstimate {
  trainingTokens: number;
  flopsPerToken: number;
  trainingFlops: number;
  mfu: number;
  tokensPerSecondPerGpu: number;
  gpuHours: number;
  wallHours: number;
  usd: { onDemand: number; spot: number };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function estimateCost(i: CostInput): CostEstimate {
  const trainingTokens = i.datasetTokens * i.epochs;
  const flopsPerToken = (i.method === "full" ? 6 : 4) * i.parameters + (i.gradientCheckpointing ? 2 * i.parameters : 0);
  const mfu = MFU.base * (i.method === "qlora" ? MFU.quantized : 1) * (i.samplePacking ? 1 : MFU.noPacking) * (i.cpuOffload ? MFU.cpuOffload : 1);
  const tokensPerSecondPerGpu = (i.peakTflops * 1e12 * mfu) / flopsPerToken;
  const gpuHours = trainingTokens / tokensPerSecondPerGpu / 3600;
  return {
    trainingTokens,
    flopsPerToken,
    trainingFlops: trainingTokens * flopsPerToken,
    mfu: round(mfu, 3),
    tokensPerSecondPerGpu: round(tokensPerSecondPerGpu, 0),
    gpuHours: round(gpuHours),
    wallHours: round(gpuHours / i.totalGpus),
    usd: { onDemand: round(gpuHours * i.price.onDemand), spot: round(gpuHours * i.price.spot) },
  };
}

/** Price platform of a pool platform. */
export const PRICE_PLATFORM: Record<string, PricePlatform> = { eks: "aws", karpenter: "aws", gke: "gcp", sagemaker: "sagemaker", kubernetes: "kubernetes" };

/** One pipeline's row of cost.json. */
export interface PipelineCost {
  pipeline: string;
  gpuType: string;
  platform: PricePlatform;
  region: string;
  gpus: number;
  layout: string;
  /** How the token count was obtained. */
  tokensFrom: "training.datasetTokens" | "assumed: dataset.minExamples × sequenceLength / 2";
  estimate?: CostEstimate;
  /** Why there is no estimate. */
  reason?: string;
}

/** Cost and time of one pipeline on the placement its sizing chose. */
export function pipelineCost(spec: FineTuningPipelineSpec, sizing: SizingResult, gpuType: string, poolPlatform: string): PipelineCost {
  const platform = PRICE_PLATFORM[poolPlatform] ?? "kubernetes";
  const tokensFrom = spec.training.datasetTokens !== undefined ? "training.datasetTokens" : "assumed: dataset.minExamples × sequenceLength / 2";
  const p = sizing.placement;
  const base = {
    pipeline: spec.name,
    gpuType,
    platform,
    region: PRICE_REGIONS[platform],
    gpus: p?.totalGpus ?? 0,
    layout: p?.sharding ?? "none",
    tokensFrom,
  } as const;
  const price = isGpuType(gpuType) ? gpuHourPrice(gpuType, platform) : undefined;
  if (!p || !sizing.estimate || !sizing.trainer || !isGpuType(gpuType) || !price) {
    return { ...base, reason: !p ? "does not fit its pool" : `no price for ${gpuType} on ${platform}` };
  }
  const estimate = estimateCost({
    parameters: sizing.estimate.parameters,
    method: spec.method.type,
    gradientCheckpointing: spec.training.gradientCheckpointing,
    samplePacking: sizing.trainer.samplePacking,
    cpuOffload: p.sharding === "fsdp-offload",
    datasetTokens: spec.training.datasetTokens ?? (spec.dataset.minExamples * spec.training.sequenceLength) / 2,
    epochs: spec.training.epochs,
    totalGpus: p.totalGpus,
    peakTflops: GPU_CATALOG[gpuType].peakDenseTflops,
    price,
  });
  return { ...base, estimate };
}

/** Monthly cost of a stack standing idle: control plane, serving endpoints kept up, object storage. */
export interface IdleCost {
  platform: PricePlatform;
  controlPlane: number;
  endpoints: number;
  storage: number;
  total: number;
  assumptions: string[];
}

/** Idle cost per month; `endpointGpuHours` = GPUs kept serving (replicas × GPUs) with their on-demand price per GPU-hour. */
export function idleCost(platform: PricePlatform, endpoints: { gpus: number; onDemandPerGpuHour: number }[], storageGb: number): IdleCost {
  const h = STANDING.hoursPerMonth;
  const controlPlane = round(STANDING.controlPlanePerHour[platform] * h);
  const endpointCost = round(endpoints.reduce((s, e) => s + e.gpus * e.onDemandPerGpuHour * h, 0));
  const storage = round(storageGb * STANDING.storagePerGbMonth[platform]);
  return {
    platform,
    controlPlane,
    endpoints: endpointCost,
    storage,
    total: round(controlPlane + endpointCost + storage),
    assumptions: [`${h} hours a month`, `${storageGb} GB in the artifact store`, `prices entered ${PRICES_ENTERED}`],
  };
}
