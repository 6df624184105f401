import { describe, expect, it } from "vitest";
import { PIPELINES, PROJECT, roleOf, runExample } from "./eks-irsa-pipelines.shared";
import { mandatory, manifestsOfKind } from "./helpers";

describe("examples/eks-irsa-pipelines (EKS Pod Identity)", () => {
  it("associates each role with its pipeline's ServiceAccount and leaves the ServiceAccounts unannotated", async () => {
    const { resources } = await runExample({ [`${PROJECT}:identityMode`]: "pod-identity" });
    const associations = resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => r.inputs);
    expect(associations.map((a) => [a.clusterName, a.namespace, a.serviceAccount])).toEqual(PIPELINES.map((p) => ["prod", "ml-pipelines", `${p}-pipeline`]));
    for (const p of PIPELINES) {
      expect(associations.find((a) => a.serviceAccount === `${p}-pipeline`)!.roleArn).toBe(roleOf(resources, p).role.state.arn);
      expect(manifestsOfKind(resources, "ServiceAccount").find((m) => m.metadata.name === `${p}-pipeline`)!.metadata.annotations ?? {}).toEqual({});
    }
    expect(mandatory(resources, PROJECT)).toEqual([]);
  });
});
