/**
 * `npm run bench`: the offline plan of each stack against a baseline that only loads the same provider SDKs
 * under mocks, and the kubernetes plan with 1, 10 and 100 pipelines. Each case runs in a fresh process,
 * `RUNS` times (median time, max peak RSS). Prints a table and writes bench/results/plan-bench.json.
 * Targets: each stack's plan within 1.2× of the baseline; 100 pipelines within 3× of one pipeline.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

interface Sample {
  case: string;
  ms: number;
  peakRssMiB: number;
  resources: number;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function measure(args: string[]): Sample {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(tsx, [path.join(root, "bench", "run-one.ts"), ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const line = out
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .pop();
    if (!line) throw new Error(`no result from run-one ${args.join(" ")}`);
    samples.push(JSON.parse(line) as Sample);
  }
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { ...samples[0], ms, peakRssMiB: Math.max(...samples.map((s) => s.peakRssMiB)) };
}

function main(): void {
  const baseline = measure(["baseline"]);
  const stacks = ["kubernetes", "gcp", "aws-sagemaker"].map((s) => measure(["plan", s]));
  const scale = [1, 10, 100].map((n) => measure(["plan", "kubernetes", String(n)]));
  // What the Pulumi runtime alone costs for as many registrations as the largest plans (no kit code at all).
  const floors = [stacks[0].resources, scale[2].resources].map((n) => measure(["floor", String(n)]));
  const rows = [baseline, ...stacks, ...scale, ...floors];
  const ratio = (a: Sample, b: Sample) => Math.round((a.ms / b.ms) * 100) / 100;
  const checks = [
    ...stacks.map((s) => ({ check: `${s.case} time / baseline ≤ 1.2`, value: ratio(s, baseline), ok: ratio(s, baseline) <= 1.2 })),
    { check: "100 pipelines / 1 pipeline time ≤ 3", value: ratio(scale[2], scale[0]), ok: ratio(scale[2], scale[0]) <= 3 },
  ];
  const context = [
    `${stacks[0].case} / SDK floor with as many objects: ${ratio(stacks[0], floors[0])}`,
    `${scale[2].case} / SDK floor with as many objects: ${ratio(scale[2], floors[1])}`,
  ];
  const lines = [
    `runs per case: ${RUNS} (median time, max peak RSS), node ${process.version}`,
    "",
    `${"case".padEnd(40)} ${"time ms".padStart(8)} ${"peak MiB".padStart(9)} ${"resources".padStart(10)}`,
    ...rows.map((r) => `${r.case.padEnd(40)} ${String(r.ms).padStart(8)} ${String(r.peakRssMiB).padStart(9)} ${String(r.resources).padStart(10)}`),
    "",
    ...checks.map((c) => `${c.ok ? "PASS" : "MISS"}  ${c.check}: ${c.value}`),
    "",
    "context (not targets):",
    ...context.map((c) => `  ${c}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const dir = path.join(root, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "plan-bench.json"), `${JSON.stringify({ runs: RUNS, node: process.version, rows, checks, context }, null, 2)}\n`);
}

main();
