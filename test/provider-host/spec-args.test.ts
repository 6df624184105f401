/**
 * pipelines/spec-args.ts (the spec as named interfaces the provider host's analyzer reads) against the zod schema
 * it mirrors: tsc checks the type-level assertions (a mismatch is a compile error, the planted faults are
 * `@ts-expect-error`), vitest checks that values typed with the interfaces parse.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { FineTuningPipelineSpecSchema, type MethodSchema } from "../../pipelines/spec-schema";
import type { FineTuningPipelineSpecArgs, PipelineMethodArgs } from "../../pipelines/spec-args";

/** `true` when A and B are assignable to each other. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Every key of every member of a union. */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

type SpecInput = z.input<typeof FineTuningPipelineSpecSchema>;
/** zod's `method` input is `unknown` (a preprocess step runs first); its shape is the union's output variants. */
type MethodVariants = z.output<typeof MethodSchema>;

// The interfaces and z.input agree on every field but `method`, both ways, nested objects and enums included.
export const specMutual: Mutual<Omit<FineTuningPipelineSpecArgs, "method">, Omit<SpecInput, "method">> = true;
// `method`: the interfaces are accepted where zod takes its input …
export const methodAccepted: [FineTuningPipelineSpecArgs] extends [SpecInput] ? true : false = true;
// … every variant zod produces fits the one interface, and the interface has no key no variant has.
export const variantsFit: [MethodVariants] extends [PipelineMethodArgs] ? true : false = true;
export const noExtraMethodKeys: Exclude<keyof PipelineMethodArgs, KeysOfUnion<MethodVariants>> = undefined as never;

// Planted faults: each must fail to compile.
// @ts-expect-error a required field zod does not require breaks the agreement
export const extraRequired: Mutual<Omit<FineTuningPipelineSpecArgs, "method"> & { extra: string }, Omit<SpecInput, "method">> = true;
// @ts-expect-error a field of another type breaks it
export const wrongType: Mutual<Omit<FineTuningPipelineSpecArgs, "method" | "schedule"> & { schedule?: number }, Omit<SpecInput, "method">> = true;
// @ts-expect-error a required field made optional breaks it (`compute` is required by zod)
export const madeOptional: Mutual<
  Omit<FineTuningPipelineSpecArgs, "method" | "compute"> & { compute?: FineTuningPipelineSpecArgs["compute"] },
  Omit<SpecInput, "method">
> = true;

describe("FineTuningPipelineSpecArgs", () => {
  it("a spec written against the interfaces parses with the schema (lora with every optional block)", () => {
    const spec: FineTuningPipelineSpecArgs = {
      name: "support",
      baseModel: { id: "meta-llama/Llama-3.1-8B-Instruct", revision: "0e9e39f249a16976918f6564b8830bc894c89659", gated: true, hubTokenSecret: { name: "hf" } },
      dataset: { uri: "s3://bucket/datasets/support.jsonl", format: "chat", split: { train: 0.9, validation: 0.05, test: 0.05 } },
      method: { type: "lora", rank: 32, targetModules: ["all-linear"] },
      training: { lossKernel: "liger", cpuOffload: "never", lrScheduler: "linear" },
      compute: { pool: "l4" },
      evaluation: { taskMetrics: ["exact_match", "chrf"], thresholds: [{ suite: "task", metric: "exact_match", min: 0.8 }] },
      deployment: { enabled: true, target: "vllm", autoscaling: { enabled: true, maxReplicas: 2 } },
      stages: { training: { image: "registry.example.com/team/trainer:1.2" } },
    };
    const parsed = FineTuningPipelineSpecSchema.parse(spec);
    expect(parsed.method).toEqual({ type: "lora", rank: 32, alpha: 32, dropout: 0.05, targetModules: ["all-linear"], optimizer: "adamw_torch_fused" });
    expect(parsed.baseModel.hubTokenSecret).toEqual({ name: "hf", key: "HF_TOKEN" });
  });

  it("the one method interface still meets the schema's per-method rules (quantization is refused on lora)", () => {
    const method: PipelineMethodArgs = { type: "lora", quantization: { bits: 4 } };
    const r = FineTuningPipelineSpecSchema.safeParse({
      name: "x",
      baseModel: { id: "a/b", revision: "v1" },
      dataset: { uri: "s3://bucket/d.jsonl", format: "chat" },
      method,
      compute: { pool: "l4" },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.code}`)).toEqual(["method: unrecognized_keys"]);
  });
});
