import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import type { ModelArchitecture } from "../models";
import { sizePipeline, type Placement, type SizingResult } from "../sizing";
import type { FineTuningPipelineSpec } from "../spec";
import { renderSizingRecord, renderThresholds, renderTrainerConfig, tokensPerStep, type TrainerPaths } from "../trainer-config";
import { validatePipelineAgainstPool } from "../validate";
import { ENV } from "../contract";
import { problemText, type Problem } from "../../core/problem";

/**
 * What the Kubernetes and SageMaker renderers share: the fit check and sizing, the config files both publish
 * (trainer.json, sizing.json, thresholds.json) and the trainer's run-time environment. Pure: no Pulumi.
 */

/** Thrown when the spec does not fit the contracts: every problem with its config key. */
export class PipelineRenderError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`pipeline cannot be rendered:\n  ${problems.map((p) => `${p.path}: ${problemText(p)}`).join("\n  ")}`);
    this.name = "PipelineRenderError";
  }
}

/** A pipeline that fits its pool: the sizing with a placement and a known architecture. */
export interface SizedPipeline {
  sizing: SizingResult;
  placement: Placement;
  arch: ModelArchitecture;
}

/** Checks the spec against the pool and sizes it; throws {@link PipelineRenderError} listing every problem. */
export function sizeOrThrow(spec: FineTuningPipelineSpec, pool: GpuPoolContract, index: number): SizedPipeline {
  const problems = validatePipelineAgainstPool(spec, pool, index);
  const sizing = sizePipeline(spec, pool);
  if (problems.length || !sizing.placement || !sizing.arch) throw new PipelineRenderError(problems);
  return { sizing, placement: sizing.placement, arch: sizing.arch };
}

/** The config files of a pipeline (file name → JSON text); `paths` are where the trainer finds model, data and output. */
export function renderConfigFiles(spec: FineTuningPipelineSpec, sized: SizedPipeline, paths: TrainerPaths): Record<string, string> {
  return {
    "trainer.json": JSON.stringify(renderTrainerConfig(spec, sized.arch, sized.placement, paths, sized.sizing.trainer), null, 2),
    "sizing.json": JSON.stringify(renderSizingRecord(spec, sized.sizing), null, 2),
    "thresholds.json": JSON.stringify(renderThresholds(spec), null, 2),
  };
}

/** An environment variable with a plain value. */
export interface PlainEnvVar {
  name: string;
  value: string;
}

/**
 * The trainer's run-time settings (node count, checkpoint interval, tokens per step) read by train_launcher.py and
 * the trainer plugin; `nodeRank` (the platform's way of giving the rank) follows the node count.
 */
export function trainerRuntimeEnv<E = PlainEnvVar>(spec: FineTuningPipelineSpec, placement: Placement, nodeRank: E[] = []): (PlainEnvVar | E)[] {
  return [
    { name: ENV.nodes, value: String(placement.nodes) },
    ...nodeRank,
    { name: ENV.checkpointIntervalSeconds, value: String(spec.checkpointing.intervalMinutes * 60) },
    { name: ENV.tokensPerStep, value: String(tokensPerStep(spec, placement)) },
  ];
}
