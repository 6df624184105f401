import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { lookupModel, type ModelArchitecture } from "../../pipelines/models";
import { allocatedPerGpu, bytesPerGpu, estimateMemory, SAFETY_MARGIN, type Sharding, type TrainerProfile } from "../../pipelines/sizing";
import type { MethodSpec } from "../../pipelines/spec";

/** One published reference point (pipelines/sizing/calibration.json). */
interface ReferencePoint {
  source: string;
  model: string;
  modelId?: string;
  arch?: ModelArchitecture;
  method: MethodSpec;
  rank: number | null;
  batchSize: number;
  sequenceLength: number;
  gradientCheckpointing: boolean;
  optimizer: string;
  gpu: string;
  gpuMiB?: number;
  gpus: number;
  layout: Sharding;
  trainer: TrainerProfile;
  measure: "allocated" | "device";
  outcome: "runs" | "oom";
  figureGB?: number;
  note?: string;
  /** Why the kit refuses a configuration the source ran (documented exception to the no-wrong-rejection rule). */
  kitRejectsBecause?: string;
}

const data = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "pipelines", "sizing", "calibration.json"), "utf8")) as {
  checked: string;
  points: ReferencePoint[];
};

function estimateOf(p: ReferencePoint): { compared: number; perGpu: number } {
  const arch = p.arch ?? lookupModel(p.modelId ?? "");
  if (!arch) throw new Error(`no architecture for ${p.model}`);
  const e = estimateMemory({
    arch,
    method: p.method,
    sequenceLength: p.sequenceLength,
    batchSize: p.batchSize,
    gradientCheckpointing: p.gradientCheckpointing,
    trainer: p.trainer,
  });
  const perGpu = bytesPerGpu(e, p.gpus, p.layout);
  return { compared: p.measure === "allocated" ? allocatedPerGpu(e, p.gpus, p.layout) : perGpu, perGpu };
}

/** The kit's accept rule: the estimate leaves the safety margin of the driver-reported memory. */
const accepts = (p: ReferencePoint) => estimateOf(p).perGpu <= (p.gpuMiB ?? 0) * 1024 ** 2 * (1 - SAFETY_MARGIN);

describe("sizing calibration against published reference points", () => {
  it("holds at least 25 points from at least 3 independent sources, each fully described", () => {
    expect(data.points.length).toBeGreaterThanOrEqual(25);
    const origins = new Set(data.points.map((p) => p.source.split(" ")[0]));
    expect([...origins].sort()).toEqual(["Dettmers", "LLaMA-Factory", "LitGPT"]);
    for (const p of data.points) {
      expect(p.source, p.model).toMatch(/https:\/\//);
      expect(p.batchSize * p.sequenceLength * p.gpus, p.model).toBeGreaterThan(0);
      expect(p.optimizer, p.model).toBe(p.method.optimizer);
      expect(p.gpu.length, p.model).toBeGreaterThan(0);
      expect(p.outcome === "oom" || p.figureGB !== undefined || p.gpuMiB !== undefined, p.model).toBe(true);
    }
  });

  it("estimates the published figures with a median |error| of at most 15 %", () => {
    const errors = data.points.filter((p) => p.figureGB !== undefined).map((p) => Math.abs(estimateOf(p).compared / 1e9 - p.figureGB!) / p.figureGB!);
    expect(errors.length).toBeGreaterThanOrEqual(18);
    const sorted = [...errors].sort((a, b) => a - b);
    const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    expect(median).toBeLessThanOrEqual(0.15);
    if (process.env.SIZING_CALIBRATION_REPORT) {
      for (const p of data.points.filter((x) => x.figureGB !== undefined))
        process.stdout.write(`${p.model} ${p.method.type} mb${p.batchSize}: est ${(estimateOf(p).compared / 1e9).toFixed(2)} vs ${p.figureGB}\n`);
      process.stdout.write(`median ${median}\n`);
    }
  });

  it("never accepts a configuration a source reports out of memory", () => {
    const oom = data.points.filter((p) => p.outcome === "oom");
    expect(oom.length).toBeGreaterThanOrEqual(5);
    expect(oom.filter(accepts).map((p) => `${p.model} mb${p.batchSize} on ${p.gpu}`)).toEqual([]);
  });

  it("never rejects a configuration a source reports running on its GPU", () => {
    const runs = data.points.filter((p) => p.outcome === "runs" && p.gpuMiB !== undefined);
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expect(runs.filter((p) => !accepts(p) && !p.kitRejectsBecause).map((p) => `${p.model} mb${p.batchSize} on ${p.gpu}`)).toEqual([]);
    // A documented exception must still be a rejection (otherwise the note is stale).
    for (const p of runs.filter((x) => x.kitRejectsBecause)) expect(accepts(p), p.model).toBe(false);
  });

  it("a planted fault is caught: counting full fine-tuning at 16 bytes/parameter (mixed precision) breaks the pure-bf16 rows", () => {
    const pure = data.points.filter((p) => p.note?.startsWith("row pure_bf16"));
    expect(pure).toHaveLength(3);
    for (const p of pure) {
      const wrong = estimateOf({ ...p, trainer: { ...p.trainer, precision: "fp16-mixed" } }).compared / 1e9;
      expect(Math.abs(wrong - p.figureGB!) / p.figureGB!, p.model).toBeGreaterThan(0.5);
      expect(Math.abs(estimateOf(p).compared / 1e9 - p.figureGB!) / p.figureGB!, p.model).toBeLessThan(0.15);
    }
  });
});
