import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesPipelinePlatform } from "../../components/platform";
import { PipelineNamespace, pipelineNamespaceProblems } from "../../components/platform/pipeline-namespace";
import { checkInputProblems } from "../../components/validation";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";

const later = <T>(v: T): pulumi.Output<T> => pulumi.output(new Promise<T>((resolve) => setTimeout(() => resolve(v), 5))) as unknown as pulumi.Output<T>;
/**
 * The value of an Output. A failed apply rejects every promise the Output holds (value, isKnown, isSecret): the
 * test awaits the value and marks the others handled, as the engine does when it awaits a resource's inputs.
 */
const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => {
  const inner = o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
  for (const p of [inner.isKnown, inner.isSecret]) p.catch(() => undefined);
  return inner.promise();
};
const shape = (rs: RecordedResource[]) =>
  rs
    .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs }))
    .sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));
const BAD = "namespace: \"Fine_Tune\" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)";

describe("checkInput", () => {
  it("returns a known value's problems now, and fails an unknown one when it resolves with the same text", async () => {
    expect(checkInputProblems("PipelineNamespace", "n", "Fine_Tune", pipelineNamespaceProblems).problems.map((p) => `${p.path}: ${p.message}`)).toEqual([BAD]);
    const unknown = checkInputProblems("PipelineNamespace", "n", later("Fine_Tune"), pipelineNamespaceProblems);
    expect(unknown.problems).toEqual([]);
    await expect(valueOf(unknown.output)).rejects.toThrow(`PipelineNamespace "n" has invalid arguments (1 problem):\n  ${BAD}`);
    await expect(valueOf(checkInputProblems("PipelineNamespace", "n", later("finetune"), pipelineNamespaceProblems).output)).resolves.toBe("finetune");
  });
});

describe("PipelineNamespace and KubernetesPipelinePlatform take namespaces as Inputs", () => {
  it("PipelineNamespace: the same resources from an output as from a plain name; a bad plain name fails at once", async () => {
    const plain = await runWithMocks(() => new PipelineNamespace("ft", { namespace: "finetune" }));
    const output = await runWithMocks(() => new PipelineNamespace("ft", { namespace: later("finetune") }));
    expect(plain.resources.map((r) => r.name).sort()).toEqual(["ft", "ft-default-deny", "ft-namespace"]);
    expect(shape(output.resources)).toEqual(shape(plain.resources));
    expect(() => new PipelineNamespace("n", { namespace: "Fine_Tune" })).toThrow(BAD);
  });

  it("KubernetesPipelinePlatform: workflow namespaces as outputs give the same Argo values", async () => {
    const plain = await runWithMocks(() => new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune", "research"] }));
    const output = await runWithMocks(() => new KubernetesPipelinePlatform("platform", { workflowNamespaces: [later("finetune"), "research"] }));
    expect(output.resources.find((r) => r.name === "platform-argo-workflows")!.inputs.values).toEqual(
      plain.resources.find((r) => r.name === "platform-argo-workflows")!.inputs.values,
    );
    expect(shape(output.resources)).toEqual(shape(plain.resources));
  });
});
