/**
 * pipelines/spec-types.generated.ts against the zod schema it is written from: tsc checks that each generated
 * type and the schema's inferred type are assignable both ways (a mismatch is a compile error; the planted fault
 * is `@ts-expect-error`), vitest checks that the file is what the generator writes today.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { InferredMethodSpec, InferredPipelineSpec, InferredPipelineSpecInput, InferredThresholdSpec } from "../../pipelines/spec-schema";
import type { FineTuningPipelineSpec, FineTuningPipelineSpecInput, MethodSpec, ThresholdSpec } from "../../pipelines/spec";
import { renderSpecTypes, SPEC_TYPES_FILE } from "../../plan/spec-types";

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const outputEqual: Mutual<FineTuningPipelineSpec, InferredPipelineSpec> = true;
export const inputEqual: Mutual<FineTuningPipelineSpecInput, InferredPipelineSpecInput> = true;
export const methodEqual: Mutual<MethodSpec, InferredMethodSpec> = true;
export const thresholdEqual: Mutual<ThresholdSpec, InferredThresholdSpec> = true;
// Planted fault: a generated type that lost a field no longer matches.
// @ts-expect-error training.epochs missing
export const plantedFault: Mutual<
  Omit<FineTuningPipelineSpec, "training"> & { training: Omit<FineTuningPipelineSpec["training"], "epochs"> },
  InferredPipelineSpec
> = true;

describe("pipelines/spec-types.generated.ts", () => {
  it("is what plan/spec-types.ts writes from the schema today (rewrite it with `npx tsx plan/spec-types.ts`)", async () => {
    expect(fs.readFileSync(SPEC_TYPES_FILE, "utf8")).toBe(await renderSpecTypes());
  }, 120_000);

  it("names no zod type and imports nothing", () => {
    const text = fs.readFileSync(SPEC_TYPES_FILE, "utf8").replace(/^\/\/.*$/gm, "");
    expect(text).not.toMatch(/\bimport\b|\bzod\b|\bz\.|\$Zod/);
    expect([...text.matchAll(/^export type (\w+)/gm)].map((m) => m[1])).toEqual([
      "FineTuningPipelineSpec",
      "FineTuningPipelineSpecInput",
      "MethodSpec",
      "ThresholdSpec",
    ]);
  });
});
