import { isGpuType } from "../core/gpu-catalog";
import { idleCost, pipelineCost, PRICE_PLATFORM, type IdleCost, type PipelineCost } from "../pipelines/cost/estimate";
import { gpuHourPrice, PRICES_ENTERED } from "../pipelines/cost/prices";
import { servingGpus, sizePipeline } from "../pipelines/sizing";
import { preflight } from "../stacks/preflight";
import type { KitConfig } from "../stacks/config/schema";

/** cost.json: per-pipeline cost and time of one run, and the stack's monthly idle cost. */
export interface CostReport {
  pricesEntered: string;
  pipelines: PipelineCost[];
  idle: IdleCost;
}

/** Object storage the idle estimate assumes (models, checkpoints, datasets). */
export const ASSUMED_STORAGE_GB = 500;

/** Pool platform of each target (the contracts the stacks build). */
export const POOL_PLATFORM = { kubernetes: "kubernetes", gcp: "gke", "aws-sagemaker": "sagemaker" } as const;

/** The cost report of a stack's config (same pool contracts the sizing uses). */
export function costReport(config: KitConfig): CostReport {
  const platform = POOL_PLATFORM[config.target];
  const { plannedPools } = preflight(config, platform);
  const pipelines: PipelineCost[] = [];
  const endpoints: { gpus: number; onDemandPerGpuHour: number }[] = [];
  for (const spec of config.pipelines) {
    const pool = plannedPools.get(spec.compute.pool);
    if (!pool) continue;
    const sizing = sizePipeline(spec, pool);
    pipelines.push(pipelineCost(spec, sizing, pool.gpuType, pool.platform));
    const price = isGpuType(pool.gpuType) ? gpuHourPrice(pool.gpuType, PRICE_PLATFORM[pool.platform] ?? "kubernetes") : undefined;
    if (spec.deployment.enabled && sizing.arch && price) {
      endpoints.push({
        gpus: spec.deployment.replicas * servingGpus(sizing.arch, pool.gpuMemoryGiB, spec.deployment.gpusPerReplica),
        onDemandPerGpuHour: price.onDemand,
      });
    }
  }
  return { pricesEntered: PRICES_ENTERED, pipelines, idle: idleCost(PRICE_PLATFORM[platform] ?? "kubernetes", endpoints, ASSUMED_STORAGE_GB) };
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;

/** Summary lines of the plan: one per pipeline, then the idle cost. */
export function costLines(r: CostReport): string[] {
  const lines = r.pipelines.map((p) => {
    if (!p.estimate) return `${p.pipeline}: no estimate (${p.reason})`;
    const e = p.estimate;
    return `${p.pipeline}: ${(e.trainingTokens / 1e6).toFixed(1)}M tokens, ${e.trainingFlops.toExponential(2)} FLOPs, ~${e.tokensPerSecondPerGpu} tokens/s per ${p.gpuType} (MFU ${e.mfu}), ${e.gpuHours} GPU-hours, ${e.wallHours} h on ${p.gpus} GPU${p.gpus === 1 ? "" : "s"}, ${usd(e.usd.onDemand)} on-demand / ${usd(e.usd.spot)} spot (${p.platform} ${p.region}; tokens ${p.tokensFrom})`;
  });
  lines.push(
    `idle stack per month: ${usd(r.idle.total)} (control plane ${usd(r.idle.controlPlane)}, endpoints ${usd(r.idle.endpoints)}, storage ${usd(r.idle.storage)}; ${r.idle.assumptions.join(", ")})`,
  );
  return lines;
}

/** The README table: every example stack's pipelines with their layout, tokens, GPU-hours, wall time and dollars. */
export function exampleCostTable(load: (stack: string) => KitConfig): string {
  const rows = [
    "| stack | pipeline | GPUs | layout | training tokens | tokens/s per GPU | GPU-hours | wall time | on-demand | spot |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const idle: string[] = [];
  for (const stack of ["gcp", "aws-sagemaker", "kubernetes"]) {
    const r = costReport(load(stack));
    for (const p of r.pipelines) {
      const e = p.estimate;
      rows.push(
        e
          ? `| ${stack} | ${p.pipeline} | ${p.gpus} × ${p.gpuType} | ${p.layout} | ${(e.trainingTokens / 1e6).toFixed(1)}M | ${e.tokensPerSecondPerGpu} | ${e.gpuHours} | ${e.wallHours} h | ${usd(e.usd.onDemand)} | ${usd(e.usd.spot)} |`
          : `| ${stack} | ${p.pipeline} | - | - | - | - | - | - | ${p.reason} | |`,
      );
    }
    idle.push(
      `${stack} ${usd(r.idle.total)}/month (control plane ${usd(r.idle.controlPlane)}, endpoints ${usd(r.idle.endpoints)}, storage ${usd(r.idle.storage)})`,
    );
  }
  return [...rows, "", `Idle: ${idle.join("; ")}. Prices: ${PRICES_ENTERED}; kubernetes runs on your own nodes (no price).`].join("\n");
}
