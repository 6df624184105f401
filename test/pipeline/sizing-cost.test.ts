import { describe, expect, it } from "vitest";
import { estimateCost, idleCost, MFU, pipelineCost } from "../../pipelines/cost/estimate";
import { gpuHourPrice, ON_DEMAND_PER_GPU_HOUR, SPOT_FRACTION } from "../../pipelines/cost/prices";
import { sizePipeline } from "../../pipelines/sizing";
import { GPU_TYPES } from "../../core/gpu-catalog";
import { costLines, costReport } from "../../plan/cost";
import { coldStartReport } from "../../plan/coldstart";
import { kitConfigOf, planFiles, summarize, type PlanResult } from "../../plan/plan";
import { loadStackConfigFile, stackConfigPath } from "../../plan/stack-config";
import { l4Pool, spec } from "./fixtures";

describe("cost and time of a run", () => {
  it("computes tokens, FLOPs, throughput, GPU-hours, wall time and dollars from fixed inputs", () => {
    // 1e9 parameters, LoRA with checkpointing: 4N + 2N = 6e9 FLOPs/token; 100 TFLOPS × 0.4 MFU = 4e13 FLOP/s
    // → 6666.67 tokens/s per GPU; 1e8 tokens × 2 epochs = 2e8 tokens → 30000 GPU-seconds = 8.33 GPU-hours.
    const e = estimateCost({
      parameters: 1e9,
      method: "lora",
      gradientCheckpointing: true,
      samplePacking: true,
      cpuOffload: false,
      datasetTokens: 1e8,
      epochs: 2,
      totalGpus: 4,
      peakTflops: 100,
      price: { onDemand: 2, spot: 0.7 },
    });
    expect(e).toEqual({
      trainingTokens: 2e8,
      flopsPerToken: 6e9,
      trainingFlops: 1.2e18,
      mfu: 0.4,
      tokensPerSecondPerGpu: 6667,
      gpuHours: 8.33,
      wallHours: 2.08,
      usd: { onDemand: 16.67, spot: 5.83 },
    });
  });

  it("full fine-tuning costs 6N per token, QLoRA and no packing lower the MFU, CPU offload lowers it most", () => {
    const base = {
      parameters: 1e9,
      gradientCheckpointing: false,
      samplePacking: true,
      cpuOffload: false,
      datasetTokens: 1e6,
      epochs: 1,
      totalGpus: 1,
      peakTflops: 100,
      price: { onDemand: 1, spot: 0.35 },
    } as const;
    expect(estimateCost({ ...base, method: "full" }).flopsPerToken).toBe(6e9);
    expect(estimateCost({ ...base, method: "qlora" }).mfu).toBe(MFU.base * MFU.quantized);
    expect(estimateCost({ ...base, method: "lora", samplePacking: false }).mfu).toBe(MFU.base * MFU.noPacking);
    expect(estimateCost({ ...base, method: "full", cpuOffload: true }).mfu).toBe(0.12);
  });

  it("prices every GPU the platform offers, spot at the stated fraction, zero on your own nodes", () => {
    for (const k of GPU_TYPES) for (const [platform, price] of Object.entries(ON_DEMAND_PER_GPU_HOUR[k])) expect(price, `${k} ${platform}`).toBeGreaterThan(0);
    expect(gpuHourPrice("l4", "gcp")).toEqual({ onDemand: 0.707, spot: Math.round(0.707 * SPOT_FRACTION.gcp * 1000) / 1000 });
    expect(gpuHourPrice("a10g", "gcp")).toBeUndefined();
    expect(gpuHourPrice("h100", "kubernetes")).toEqual({ onDemand: 0, spot: 0 });
  });

  it("idle cost: control plane, endpoints kept up and storage for a month", () => {
    expect(idleCost("aws", [{ gpus: 2, onDemandPerGpuHour: 1 }], 500)).toEqual({
      platform: "aws",
      controlPlane: 73,
      endpoints: 1460,
      storage: 11.5,
      total: 1544.5,
      assumptions: expect.any(Array),
    });
    expect(idleCost("kubernetes", [], 500).total).toBe(0);
  });

  it("a pipeline's estimate uses its sizing: GPUs, packing, the default token assumption and the pool's price", () => {
    const s = spec({ compute: { pool: "l4-spot" } });
    const c = pipelineCost(s, sizePipeline(s, l4Pool), "l4", "gke");
    expect(c).toMatchObject({
      pipeline: "support",
      gpuType: "l4",
      platform: "gcp",
      region: "us-central1",
      gpus: 1,
      layout: "none",
      tokensFrom: "assumed: dataset.minExamples × sequenceLength / 2",
    });
    expect(c.estimate!.trainingTokens).toBe(((1000 * 2048) / 2) * 3);
    const explicit = spec({ training: { datasetTokens: 5e6 } });
    expect(pipelineCost(explicit, sizePipeline(explicit, l4Pool), "l4", "gke").estimate!.trainingTokens).toBe(1.5e7);
  });

  it("plan's cost report lists every example pipeline with an estimate and the idle cost", () => {
    const r = costReport(kitConfigOf(loadStackConfigFile(stackConfigPath("gcp"))));
    expect(r.pipelines.map((p) => [p.pipeline, p.gpus, p.layout, p.estimate !== undefined])).toEqual([
      ["support-assistant", 1, "none", true],
      ["doc-classifier", 1, "none", true],
      ["legal-70b-full", 16, "fsdp", true],
    ]);
    expect(r.idle.controlPlane).toBe(73);
    expect(costLines(r)).toHaveLength(4);
  });

  it("plan writes cost.json and prints one cost line per pipeline plus the idle cost", () => {
    const config = kitConfigOf(loadStackConfigFile(stackConfigPath("gcp")));
    const cost = costReport(config);
    const result: PlanResult = {
      stack: "gcp",
      config,
      resources: [],
      outputs: {},
      manifests: [],
      violations: [],
      sizing: [],
      cost,
      coldStart: coldStartReport(config),
    };
    expect(JSON.parse(planFiles(result).get("cost.json")!)).toEqual(JSON.parse(JSON.stringify(cost)));
    const text = summarize(result);
    for (const line of costLines(cost)) expect(text).toContain(`  ${line}`);
    expect(costLines(cost)[2]).toMatch(
      /^legal-70b-full: 41\.0M tokens, .* on 16 GPUs, \$[\d,.]+ on-demand \/ \$[\d,.]+ spot \(gcp us-central1; tokens assumed: dataset\.minExamples × sequenceLength \/ 2\)$/,
    );
  });
});
