/**
 * One benchmark measurement in a fresh process (so peak memory is this case's alone).
 * `tsx bench/run-one.ts baseline` — load the provider SDKs and run an empty program under mocks.
 * `tsx bench/run-one.ts plan <stack> [pipelines]` — the offline plan of a stack (optionally with N pipelines).
 * `tsx bench/run-one.ts floor <n>` — the SDKs registering n plain Kubernetes objects (in n/8 components) under
 *   mocks and nothing else: the per-resource cost of the Pulumi runtime itself, for comparison with a plan.
 * Prints one JSON line: { case, ms, peakRssMiB, resources }.
 */
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

async function main(): Promise<void> {
  const [mode, stack, count] = process.argv.slice(2);
  const t0 = performance.now();
  let resources = 0;
  let label: string;
  if (mode === "baseline") {
    label = "baseline (SDKs + mocks, empty program)";
    await import("@pulumi/aws");
    await import("@pulumi/gcp");
    await import("@pulumi/kubernetes");
    const { runWithMocks } = await import("../plan/mock-engine");
    const r = await runWithMocks(() => ({}));
    resources = r.resources.length;
  } else if (mode === "plan") {
    const { planStack, writePlan } = await import("../plan/plan");
    const { loadStackConfigFile, stackConfigPath } = await import("../plan/stack-config");
    const { withPipelines } = await import("./scale");
    let engine = loadStackConfigFile(stackConfigPath(stack));
    label = `plan ${stack}`;
    if (count) {
      engine = withPipelines(engine, Number(count));
      label = `plan ${stack} × ${count} pipelines`;
    }
    const result = await planStack(stack, engine);
    writePlan(result, path.join(os.tmpdir(), "finetune-kit-bench"));
    resources = result.resources.length;
  } else if (mode === "floor") {
    const n = Number(stack);
    label = `SDK floor: ${n} plain objects`;
    await import("@pulumi/aws");
    await import("@pulumi/gcp");
    const k8s = await import("@pulumi/kubernetes");
    const pulumi = await import("@pulumi/pulumi");
    const { runWithMocks } = await import("../plan/mock-engine");
    const r = await runWithMocks(() => {
      const provider = new k8s.Provider("cluster", { context: "bench" });
      let parent: import("@pulumi/pulumi").ComponentResource | undefined;
      for (let i = 0; i < n; i++) {
        if (i % 8 === 0) {
          parent = new pulumi.ComponentResource("bench:floor:Group", `group-${i / 8}`, {}, {});
        }
        new k8s.core.v1.ConfigMap(
          `cm-${i}`,
          { metadata: { name: `cm-${i}`, namespace: "bench", labels: { app: "bench" } }, data: { "config.json": JSON.stringify({ i, pad: "x".repeat(512) }) } },
          { provider, parent },
        );
      }
    });
    resources = r.resources.length;
  } else {
    throw new Error(`unknown mode ${mode} (use baseline | plan <stack> [pipelines] | floor <n>)`);
  }
  const ms = performance.now() - t0;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ case: label, ms: Math.round(ms), peakRssMiB: Math.round(peakRssMiB), resources })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
