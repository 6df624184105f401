/**
 * The policy fixtures are objects a cluster and SageMaker would accept: every Kubernetes object (and the
 * JobSet inside the Argo template's resource manifest) passes the strict upstream schemas, and the SageMaker
 * definitions pass AWS's pipeline-definition schema. Policies are judged on real shapes, not on invented ones.
 */
import { describe, expect, it } from "vitest";
import type { PolicyResource } from "../../policy/engine";
import { CASES } from "./cases";
import { CLOUD_CASES } from "./cases-cloud";
import { pipelineTemplate, sagemakerDefinition } from "./fixtures";
import { validateKubernetesObject } from "../validators/kubernetes";
import { validateSageMakerDefinition } from "../validators/sagemaker";

const all: PolicyResource[] = [...CASES, ...CLOUD_CASES].flatMap((c) => [...c.compliant, ...c.violating]);
const kubernetesObjects = all.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"));
const unique = [...new Map(kubernetesObjects.map((r) => [JSON.stringify(r.inputs), r])).values()];

describe("policy fixtures", () => {
  it.each(unique.map((r) => [`${r.type} ${r.name}`, r] as const))("%s is a valid Kubernetes object", (_label, r) => {
    expect(validateKubernetesObject(r.inputs)).toEqual([]);
  });

  it("the JobSet in the Argo template's resource manifest is valid", () => {
    const manifest = JSON.parse((pipelineTemplate().inputs as any).spec.templates[2].resource.manifest);
    expect(validateKubernetesObject(manifest)).toEqual([]);
  });

  it("the SageMaker definition is valid", () => {
    expect(validateSageMakerDefinition(sagemakerDefinition())).toEqual([]);
  });
});
