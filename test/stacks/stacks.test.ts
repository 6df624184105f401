import { describe, expect, it } from "vitest";
import { manifestsOf, runStack, STACKS, type MockRunResult } from "../harness";
import { mandatoryViolations, runPolicies } from "../../policy/engine";
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
