import { describe, expect, it } from "vitest";
import { runWithMocks } from "../../plan/mock-engine";
import { expectValidManifests } from "../validators/kubernetes";
import { mandatory, manifestsOf, manifestsOfKind, notOnProvider, packageOf, providerUrn } from "./helpers";

// The same example with `provisioner: node-group`: EKS managed node groups instead of Karpenter (own file: the
// example is a module whose top level is the program, so it runs once per process).
const PROJECT = "eks-karpenter-pipeline";

describe("examples/eks-karpenter-pipeline (provisioner node-group)", () => {
  const run = runWithMocks(async () => ({ ...(await import("../../examples/eks-karpenter-pipeline/index")) }), {
    project: PROJECT,
    config: {
      [`${PROJECT}:clusterName`]: "prod",
      [`${PROJECT}:region`]: "us-east-1",
      [`${PROJECT}:accountId`]: "123456789012",
      [`${PROJECT}:provisioner`]: "node-group",
      [`${PROJECT}:subnetIds`]: JSON.stringify(["subnet-0private1", "subnet-0private2"]),
      [`${PROJECT}:maxNodes`]: "3",
    },
  });

  it("creates a spot node group and an on-demand fallback from zero in the configured subnets, and no Karpenter objects", async () => {
    const { resources, outputs } = await run;
    expect(resources.some((r) => r.type === "finetune-kit:index:EksGpuNodePool")).toBe(true);
    expect(resources.some((r) => r.type.startsWith("finetune-kit:index:Karpenter"))).toBe(false);
    expect(manifestsOfKind(resources, "NodePool")).toEqual([]);
    const groups = resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
    expect(groups.map((g) => g.inputs.capacityType).sort()).toEqual(["ON_DEMAND", "SPOT"]);
    for (const g of groups) {
      expect(g.inputs.clusterName).toBe("prod");
      expect(g.inputs.subnetIds).toEqual(["subnet-0private1", "subnet-0private2"]);
      expect(g.inputs.scalingConfig).toMatchObject({ minSize: 0, maxSize: 3 });
    }
    expect(outputs.karpenterHelmValues).toBeUndefined();
  });

  it("grants the node group's role ECR pull on the registry's repositories", async () => {
    const { resources } = await run;
    const pull = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "gpu-nodes-ecr-pull")!;
    const role = resources.find((r) => r.type === "aws:iam/role:Role" && r.name.startsWith("gpu-") && r.name.endsWith("node-role"))!;
    expect(pull.inputs.role).toBe(String(role.state.arn).split("/").pop());
  });

  it("keeps the user's providers, valid objects and zero mandatory violations", async () => {
    const { resources } = await run;
    const byPkg = { aws: providerUrn(resources, "aws"), kubernetes: providerUrn(resources, "kubernetes") };
    expect(notOnProvider(resources, (r) => byPkg[packageOf(r.type) as keyof typeof byPkg])).toEqual([]);
    expect(manifestsOfKind(resources, "LocalQueue")[0].metadata).toMatchObject({ name: "l4-spot", namespace: "ml-pipelines" });
    expectValidManifests(manifestsOf(resources));
    expect(mandatory(resources, PROJECT)).toEqual([]);
  });
});
