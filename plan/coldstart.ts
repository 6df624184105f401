import { pipelineColdStart, type PipelineColdStart } from "../pipelines/coldstart";
import { sizePipeline } from "../pipelines/sizing";
import { preflight } from "../stacks/preflight";
import type { KitConfig } from "../stacks/config/schema";
import { POOL_PLATFORM } from "./cost";

/** coldstart.json: per pipeline, the time from a spot preemption to the first training step again. */
export interface ColdStartReport {
  /** How to read the numbers. */
  note: string;
  pipelines: PipelineColdStart[];
  /** Pipelines with no estimate and why. */
  skipped: { pipeline: string; reason: string }[];
}

/** The cold-start report of a stack's config (the same planned pool contracts the sizing and cost use). */
export function coldStartReport(config: KitConfig): ColdStartReport {
  const { plannedPools } = preflight(config, POOL_PLATFORM[config.target]);
  const pipelines: PipelineColdStart[] = [];
  const skipped: { pipeline: string; reason: string }[] = [];
  for (const spec of config.pipelines) {
    const pool = plannedPools.get(spec.compute.pool);
    if (!pool) {
      skipped.push({ pipeline: spec.name, reason: `no pool "${spec.compute.pool}"` });
      continue;
    }
    const c = pipelineColdStart(spec, sizePipeline(spec, pool), pool);
    if (c) pipelines.push(c);
    else skipped.push({ pipeline: spec.name, reason: "model size unknown (set baseModel.parameters)" });
  }
  return {
    note: "Seconds from a spot preemption to the first step again (pipelines/coldstart.ts; figures and sources in pipelines/coldstart/figures.ts). Expected lost work per preemption is half the checkpoint interval.",
    pipelines,
    skipped,
  };
}

const dur = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`);

/** Summary lines of the plan: one per pipeline, and a warning where the cold start outweighs the lost work. */
export function coldStartLines(r: ColdStartReport): string[] {
  const lines: string[] = [];
  for (const p of r.pipelines) {
    const e = p.estimate;
    const a = p.assumptions;
    lines.push(
      `${p.pipeline}: cold start ~${dur(e.total)} (node ${dur(e.node)}, image ${dur(e.image)} ${a.imageDelivery} ${a.imageGB} GB on ${a.disk}, model ${dur(e.model)} ${a.modelGB} GB from ${a.modelSource}, checkpoint ${dur(e.checkpoint)} ${a.checkpointGB} GB${a.nodes > 1 ? " per node" : ""}, init ${dur(e.init)}) vs checkpoint every ${dur(p.checkpointIntervalSeconds)} (expected lost work ${dur(p.expectedLostWorkSeconds)})`,
    );
    if (p.coldStartDominates) {
      lines.push(
        `  WARNING ${p.pipeline}: one preemption loses more to the cold start (${dur(e.total)}) than to lost work (${dur(p.expectedLostWorkSeconds)}): cut the cold start (image streaming / preloaded images, local NVMe, a model cache) before shortening the checkpoint interval`,
      );
    }
  }
  for (const s of r.skipped) lines.push(`${s.pipeline}: no cold-start estimate (${s.reason})`);
  return lines;
}

/** The README table: every example stack's pipelines with the cold-start phases beside the checkpoint interval. */
export function exampleColdStartTable(load: (stack: string) => KitConfig): string {
  const rows = [
    "| stack | pipeline | node | image | model | checkpoint | init | total | checkpoint every | expected lost work | warning |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const stack of ["gcp", "aws-sagemaker", "kubernetes"]) {
    for (const p of coldStartReport(load(stack)).pipelines) {
      const e = p.estimate;
      const a = p.assumptions;
      rows.push(
        `| ${stack} | ${p.pipeline} | ${dur(e.node)} | ${dur(e.image)} (${a.imageDelivery}, ${a.disk}) | ${dur(e.model)} (${a.modelGB} GB, ${a.modelSource}) | ${dur(e.checkpoint)} (${a.checkpointGB} GB${a.nodes > 1 ? "/node" : ""}) | ${dur(e.init)} | ${dur(e.total)} | ${dur(p.checkpointIntervalSeconds)} | ${dur(p.expectedLostWorkSeconds)} | ${p.coldStartDominates ? "cold start > lost work" : ""} |`,
      );
    }
  }
  return rows.join("\n");
}
