import { describe, expect, it } from "vitest";
import { manifestsOf, runStack, STACKS, type MockRunResult } from "../harness";
import { mandatoryViolations, runPolicies } from "../../policy/engine";
import { policies as allPolicies } from "../../policy/policies";
import { validateKubernetesObject } from "../validators/kubernetes";
import { validateClusterPodMonitoring } from "../monitoring/gmp-schema";
import { validateSageMakerDefinition } from "../validators/sagemaker";
import { orphans, STATEFUL_TYPES, withoutStackProvider } from "./helpers";

const runs = new Map<string, Promise<MockRunResult>>();
/** Each stack's example config (stacks/Pulumi.<stack>.yaml as it is), run once per file. */
function run(stack: string): Promise<MockRunResult> {
  if (!runs.has(stack)) runs.set(stack, runStack(stack));
  return runs.get(stack)!;
}

describe.each(STACKS)("stack %s with its example config", (stack) => {
  it("has zero mandatory policy violations", async () => {
    const { resources } = await run(stack);
    const violations = runPolicies(resources, { "pulumi:project": "finetune", "pulumi:stack": stack });
    expect(mandatoryViolations(violations).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
  });

  it("puts every resource under a component and on the stack's own provider", async () => {
    const { resources } = await run(stack);
    expect(orphans(resources)).toEqual([]);
    expect(withoutStackProvider(resources)).toEqual([]);
  });

  it("protects every stateful resource", async () => {
    const { resources } = await run(stack);
    const stateful = resources.filter((r) => (STATEFUL_TYPES as readonly string[]).includes(r.type));
    expect(stateful.length).toBeGreaterThan(0);
    expect(stateful.filter((r) => !r.protect).map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("emits only objects the upstream validators accept", async () => {
    const { resources } = await run(stack);
    const errors: string[] = [];
    for (const m of manifestsOf(resources)) {
      const e = m.apiVersion === "monitoring.googleapis.com/v1" ? validateClusterPodMonitoring(m) : validateKubernetesObject(m);
      errors.push(...e);
    }
    for (const r of resources.filter((x) => x.type === "aws:sagemaker/pipeline:Pipeline")) {
      errors.push(...validateSageMakerDefinition(JSON.parse(String(r.inputs.pipelineDefinition))).map((e) => `${r.name}: ${e}`));
    }
    expect(errors).toEqual([]);
  });
});

describe("defaults cost nothing when idle and never deploy without an evaluation gate", () => {
  it("gcp: every GPU node pool the stack creates (spot and on-demand fallback) scales from 0", async () => {
    const { resources } = await run("gcp");
    const pools = resources.filter((r) => r.type === "gcp:container/nodePool:NodePool" && r.inputs.nodeConfig?.guestAccelerators);
    expect(pools.length).toBe(4); // l4-spot + h100-spot, each with an on-demand fallback
    for (const p of pools) {
      const a = p.inputs.autoscaling ?? {};
      expect([a.minNodeCount, a.totalMinNodeCount].filter((v) => v !== undefined).every((v) => v === 0)).toBe(true);
      expect(p.inputs.initialNodeCount ?? 0).toBe(0);
    }
  });

  it.each(["kubernetes", "gcp", "aws-sagemaker"])("%s: every pipeline's deployment is behind the evaluation gate", async (stack) => {
    const { resources } = await run(stack);
    const pipelines = resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate" || r.type === "aws:sagemaker/pipeline:Pipeline");
    expect(pipelines.length).toBe(stack === "aws-sagemaker" ? 2 : 3);
    const gate = (rs: typeof resources) => runPolicies(rs, {}, { policies: allPolicies.filter((p) => p.name === "evaluation-gate-before-deploy") });
    expect(gate(pipelines)).toEqual([]);
    // The check is live on the stack's real output: cut the gate out of one pipeline and it is caught.
    const deploys = (r: (typeof resources)[number]) =>
      r.type === "aws:sagemaker/pipeline:Pipeline"
        ? String(r.inputs.pipelineDefinition).includes('"Type":"Endpoint"')
        : JSON.stringify(r.inputs.spec).includes('"name":"deployment"');
    const cut = structuredClone(pipelines.find(deploys)!);
    if (cut.type === "aws:sagemaker/pipeline:Pipeline") {
      const def = JSON.parse(String(cut.inputs.pipelineDefinition));
      const gateStep = def.Steps.find((s: { Type: string }) => s.Type === "Condition");
      // Everything the gate's passing branch held now runs unconditionally.
      def.Steps.push(...gateStep.Arguments.IfSteps);
      gateStep.Arguments.IfSteps = [];
      cut.inputs.pipelineDefinition = JSON.stringify(def);
    } else {
      const dag = cut.inputs.spec.templates.find((t: { dag?: unknown }) => t.dag).dag;
      for (const t of dag.tasks) {
        if (t.name === "deployment") {
          delete t.depends;
          t.dependencies = ["training"];
          delete t.when;
        }
      }
    }
    expect(gate([cut]).length).toBeGreaterThan(0);
  });
});

describe("serving metrics can be scraped through the default-deny namespace", () => {
  it.each([
    ["kubernetes", "monitoring"],
    ["gcp", "gmp-system"],
  ])("%s: the serving NetworkPolicy admits the scrapers' namespace %s", async (stack, scraper) => {
    const { resources } = await run(stack);
    const serving = manifestsOf(resources).filter((m) => m.kind === "NetworkPolicy" && String(m.metadata.name).endsWith("-allow-serving"));
    expect(serving.length).toBeGreaterThan(0);
    for (const p of serving) {
      const from = JSON.stringify((p.spec as { ingress: unknown[] }).ingress);
      expect(from).toContain(`"kubernetes.io/metadata.name":"${scraper}"`);
    }
  });
});

describe("another finetune:name", () => {
  it.each(["kubernetes", "gcp", "aws-sagemaker"])("%s: prefixes every component and still passes the validators and the pack", async (stack) => {
    const fs = await import("node:fs");
    const { parse } = await import("yaml");
    const { stackConfigPath } = await import("../../plan/stack-config");
    const cfg = (parse(fs.readFileSync(stackConfigPath(stack), "utf8")) as { config: Record<string, unknown> }).config;
    const { resources } = await runStack(stack, { ...cfg, "finetune:name": "acme-ft" });
    const components = resources.filter((r) => !r.custom && (r.type.startsWith("finetune-kit:index:") || r.type.startsWith("finetune:infra:")));
    expect(components.length).toBeGreaterThanOrEqual(5);
    expect(components.filter((r) => !r.name.startsWith("acme-ft")).map((r) => r.name)).toEqual([]);
    expect(mandatoryViolations(runPolicies(resources, {})).map((v) => v.message)).toEqual([]);
    expect(
      manifestsOf(resources).flatMap((m) => (m.apiVersion === "monitoring.googleapis.com/v1" ? validateClusterPodMonitoring(m) : validateKubernetesObject(m))),
    ).toEqual([]);
  });
});
