/**
 * Property: random structural mutations of each stack's example config (dropped keys, wrong types, wrong nesting,
 * extra keys, huge strings, non-printable text) never crash the offline plan. Each run goes through the CLI's own
 * code path (`planCommand`, what `plan/cli.ts` runs) and ends in a clean plan (exit 0; 3 when a mutation turns off a
 * protection the policy pack requires) or a config rejection (exit 2) whose every line is
 * `finetune:<key>: <what is wrong> (<how to fix>)`. Seeded, so a failure replays.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../plan/cli-run";
import { stackConfigPath } from "../../plan/stack-config";

const STACKS = ["kubernetes", "gcp", "aws-sagemaker"] as const;
/** A problem line of a rejected config. */
export const PROBLEM_LINE = /^finetune:[^:]+: .+ \(.+\)$/;
const HEADER = /^Invalid finetune-kit configuration \(\d+ problems?\):$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Seg = string | number;

function example(stack: string): Record<string, Json> {
  return (parse(fs.readFileSync(stackConfigPath(stack), "utf8")) as { config: Record<string, Json> }).config;
}

/** Every path into the config tree (objects, lists, leaves). */
function pathsOf(node: Json, at: Seg[] = []): Seg[][] {
  const out: Seg[][] = at.length ? [at] : [];
  if (Array.isArray(node)) node.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

const NASTY_STRINGS = [
  "x".repeat(200_000),
  "line one\nline two\r\n\u0000\u0007\u001b[31mred\u001b[0m",
  "\u0000\u0001\u0002\u0003\u007f\u0085\u2028",
  "a: b # c",
  "$(rm -rf /); `id`; 'q' \"qq\"",
  "",
  " ",
  "Fine_Tune",
  "\ud83d",
  "é🚀中文",
];

/** Values of the wrong type or shape. */
const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 42, [], {}, [[]], { a: {} }, ...NASTY_STRINGS),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);

type Mutation =
  | { op: "drop"; pick: number }
  | { op: "replace"; pick: number; value: Json }
  | { op: "wrap"; pick: number; inList: boolean }
  | { op: "unwrap"; pick: number }
  | { op: "extra"; pick: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant("wrap" as const), pick: fc.nat(), inList: fc.boolean() }),
  fc.record({ op: fc.constant("unwrap" as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant("extra" as const),
    pick: fc.nat(),
    key: fc.oneof(
      fc.constantFrom("banana", "namespace", "finetune:extra", "a:b", "x".repeat(500), "\u001b[2J", "name "),
      fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
    ),
    value: wrongValue,
  }),
);

function parentOf(root: Record<string, Json>, p: Seg[]): { parent: Json; last: Seg } {
  let node: Json = root;
  for (const seg of p.slice(0, -1)) node = (node as Record<string, Json>)[seg as string];
  return { parent: node, last: p[p.length - 1] };
}

/** Applies mutations to a deep copy of the config. */
function mutate(config: Record<string, Json>, mutations: Mutation[]): Record<string, Json> {
  const root = structuredClone(config);
  for (const m of mutations) {
    const paths = pathsOf(root);
    if (!paths.length) break;
    const p = paths[m.pick % paths.length];
    const { parent, last } = parentOf(root, p);
    const container = parent as Record<string | number, Json>;
    const current = container[last];
    if (m.op === "drop") {
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else delete container[last];
    } else if (m.op === "replace") container[last] = m.value;
    else if (m.op === "wrap") container[last] = m.inList ? [current] : { value: current };
    else if (m.op === "unwrap") {
      // Wrong nesting: the value's children move up one level (a list becomes its first item).
      if (Array.isArray(current)) container[last] = current[0] ?? null;
      else if (current && typeof current === "object" && !Array.isArray(parent)) {
        delete container[last];
        Object.assign(container, current);
      } else container[last] = { [String(last)]: current };
    } else {
      const target = current && typeof current === "object" && !Array.isArray(current) ? current : (parent as Json);
      if (target && typeof target === "object" && !Array.isArray(target)) (target as Record<string, Json>)[m.key] = m.value;
    }
  }
  return root;
}

/** Runs the plan command in-process on a config map; returns the exit code and what it printed. */
async function planOf(stack: string, config: Record<string, Json>, dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = path.join(dir, "config.yaml");
  fs.writeFileSync(file, stringify({ config }, { lineWidth: 0 }));
  let stdout = "";
  let stderr = "";
  const code = await planCommand(["--stack", stack, "--config", file, "--out", path.join(dir, "out")], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/** Lines of a rejection that break the `finetune:<key>: <what> (<fix>)` form. */
function badLines(stderr: string): string[] {
  const lines = stderr.trimEnd().split("\n");
  const [header, ...rest] = lines;
  const bad = HEADER.test(header) ? [] : [header];
  for (const l of rest.map((x) => x.replace(/^ {2}/, ""))) {
    // eslint-disable-next-line no-control-regex
    if (!PROBLEM_LINE.test(l) || l.length > 1200 || /[\u0000-\u001f\u007f]/.test(l)) bad.push(l.slice(0, 300));
  }
  return bad;
}

describe("structural mutations of the example configs: exit 0 or a keyed config error, never a crash", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-mutation-"));

  it.each(STACKS)(
    "%s",
    async (stack) => {
      const base = example(stack);
      const outcomes = { ok: 0, rejected: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const { code, stderr } = await planOf(stack, mutate(base, mutations), dir);
          expect([0, 2, 3]).toContain(code);
          if (code === 2) {
            outcomes.rejected++;
            expect(badLines(stderr)).toEqual([]);
          } else outcomes.ok++;
        }),
        { seed: 11_2026, numRuns: Number(process.env.FTK_MUTATION_RUNS ?? 100), endOnFailure: true },
      );
      // The generator must reach both outcomes, or it tests nothing.
      expect(outcomes.rejected).toBeGreaterThan(0);
      expect(outcomes.ok).toBeGreaterThan(0);
    },
    120_000,
  );

  it("a planted fault is caught: a line without its (fix) part", () => {
    expect(badLines('Invalid finetune-kit configuration (1 problem):\n  finetune:gcp.region: "x" must be a GCP region')).toEqual([
      'finetune:gcp.region: "x" must be a GCP region',
    ]);
    expect(badLines("Invalid finetune-kit configuration (1 problem):\n  finetune:gcp.region: is not a region (use us-central1)")).toEqual([]);
    expect(badLines("TypeError: Cannot read properties of undefined")).toEqual(["TypeError: Cannot read properties of undefined"]);
  });
});
