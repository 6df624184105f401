/**
 * The fine-tuning pipeline spec: one entry of `finetune:pipelines`. Everything a run needs that is not a
 * platform fact (pool, store, monitoring come in as contracts).
 *
 * Public and zod-free: the validator is pipelines/spec-schema.ts (internal); its input and output types are
 * written out in pipelines/spec-types.generated.ts; the interfaces a component argument is typed with (named, for
 * Pulumi's component provider host) are pipelines/spec-args.ts. Every parse reports problems keyed by their path.
 */
import { problemsFromZod } from "../core/zod-problems";
import type { Problem } from "../core/problem";
import { FineTuningPipelineSpecSchema as SpecZodSchema } from "./spec-schema";
import type { FineTuningPipelineSpec } from "./spec-types.generated";

export * from "./spec-enums";
export type { FineTuningPipelineSpec, FineTuningPipelineSpecInput, MethodSpec, ThresholdSpec } from "./spec-types.generated";

/** One problem zod found in a spec: where (`["method", "rank"]`) and what. */
export interface SpecIssue {
  /** Path from the spec's root. */
  path: PropertyKey[];
  /** What is wrong, and how to fix it when the rule says. */
  message: string;
}

/** Result of {@link FineTuningPipelineSpecSchema}`.safeParse`. */
export type SpecParseResult =
  { success: true; data: FineTuningPipelineSpec; error?: undefined } | { success: false; data?: undefined; error: { issues: SpecIssue[] } };

/**
 * The spec's parser: `parse` returns the validated spec with defaults applied (throws the validator's error, whose
 * `issues` are {@link SpecIssue}s); `safeParse` returns a result instead of throwing. Components take the spec as
 * written ({@link FineTuningPipelineSpecArgs}) and parse it themselves; call this where you need the parsed spec
 * (object names, renderers).
 */
export const FineTuningPipelineSpecSchema: {
  parse(input: unknown): FineTuningPipelineSpec;
  safeParse(input: unknown): SpecParseResult;
} = {
  parse: (input) => SpecZodSchema.parse(input) as FineTuningPipelineSpec,
  safeParse: (input) => {
    const r = SpecZodSchema.safeParse(input);
    return r.success
      ? { success: true, data: r.data as FineTuningPipelineSpec }
      : { success: false, error: { issues: r.error.issues.map((i) => ({ path: [...i.path], message: i.message })) } };
  },
};

/** Parses one spec (throws the validator's error); for tests and tools that handle a single pipeline. */
export function parsePipelineSpec(input: unknown): FineTuningPipelineSpec {
  return FineTuningPipelineSpecSchema.parse(input);
}

/**
 * Validates a spec given as a component argument: the parsed spec, or every problem keyed `<argument>.<path>`
 * (`spec.method.rank`) with the same text the stack config reports under `finetune:pipelines[i]`.
 */
export function pipelineSpecProblems(input: unknown, argument = "spec"): { spec?: FineTuningPipelineSpec; problems: Problem[] } {
  const r = SpecZodSchema.safeParse(input);
  if (r.success) return { spec: r.data as FineTuningPipelineSpec, problems: [] };
  const problems = problemsFromZod(r.error, SpecZodSchema, "").map((p) => ({
    ...p,
    path: p.path === "" ? argument : p.path.startsWith("[") ? `${argument}${p.path}` : `${argument}.${p.path}`,
  }));
  return { problems };
}

/** Peak learning rate: the spec's, or the method's usual default. */
export function learningRateOf(spec: FineTuningPipelineSpec): number {
  return spec.training.learningRate ?? (spec.method.type === "full" ? 1e-5 : 2e-4);
}

/** Whether the monitoring stage runs. */
export function monitoringEnabled(spec: FineTuningPipelineSpec): boolean {
  return spec.monitoring.enabled ?? spec.deployment.enabled;
}

/** The hub-token Secret reference used when the model is gated. */
export function hubTokenSecretOf(spec: FineTuningPipelineSpec): { name: string; key: string } {
  return spec.baseModel.hubTokenSecret ?? { name: `${spec.name}-hub-token`, key: "HF_TOKEN" };
}
