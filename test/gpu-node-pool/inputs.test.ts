import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GkeGpuNodePool, type GkeGpuNodePoolArgs } from "../../components/gpu-node-pool/gke";
import { KarpenterGpuNodePool, type KarpenterGpuNodePoolArgs } from "../../components/gpu-node-pool/karpenter";
import { checkInput } from "../../components/validation";
import { one, ofType, runWithMocks } from "../harness";
import { KarpenterInterruptionQueue } from "../../components/gpu-node-pool/karpenter-interruption";
import { EksGpuNodePool } from "../../components/gpu-node-pool/eks";
import { expectSameResources } from "../components/inputs-helpers";
import { constructionError, problemLines } from "./helpers";

/** Resolves an Output's value (rejects when its apply throws). */
function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T> {
  return (pulumi.output(o) as unknown as { promise(): Promise<T> }).promise();
}

describe("checkInput", () => {
  const check = (v: string) => (v.startsWith("ok") ? undefined : `"${v}" is not ok (start it with ok)`);
  it("a known bad value is a problem now; a known good one passes unchanged; undefined is not checked", () => {
    expect(checkInput("C", "n", "bad", "a.b", check)).toEqual({ problems: [{ path: "a.b", message: '"bad" is not ok (start it with ok)' }], value: "bad" });
    expect(checkInput("C", "n", "ok1", "a.b", check)).toEqual({ problems: [], value: "ok1" });
    expect(checkInput<pulumi.Input<string> | undefined>("C", "n", undefined, "a.b", check)).toEqual({ problems: [], value: undefined });
  });
  it("an Output is not checked now; a good one resolves to its value through the apply", async () => {
    await runWithMocks(async () => {
      const good = checkInput("C", "n", pulumi.output("ok2"), "a.b", check);
      expect(good.problems).toEqual([]);
      expect(await valueOf(good.value)).toBe("ok2");
      // A bad Output is not reported now; its apply throws the same InputPropertiesError (under runWithMocks that
      // surfaces as an unhandled rejection, which the mock engine does not capture yet: see the report).
    });
  });
  it("a list holding an Output is checked inside apply on the resolved list", async () => {
    await runWithMocks(async () => {
      const r = checkInput("C", "n", [pulumi.output("ok"), "x"], "l", (v: string[]) => (v.length === 2 ? undefined : "two"));
      expect(r.problems).toEqual([]);
      expect(await valueOf(r.value)).toEqual(["ok", "x"]);
    });
  });
});

const gkeBase: GkeGpuNodePoolArgs = { cluster: "c", location: "us-central1", project: "p", gpuType: "l4" };

describe("GkeGpuNodePool Input arguments", () => {
  it("cluster, location, project, nodeLocations, serviceAccountEmail and bootDiskKmsKey as Outputs reach the node pools", async () => {
    const kms = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k";
    const { resources } = await runWithMocks(() => {
      new GkeGpuNodePool(
        "l4",
        {
          ...gkeBase,
          cluster: pulumi.output("my-cluster"),
          location: pulumi.output("us-central1"),
          project: pulumi.output("proj-1"),
          nodeLocations: pulumi.output(["us-central1-a"]),
          serviceAccountEmail: pulumi.output("nodes@proj-1.iam.gserviceaccount.com"),
          bootDiskKmsKey: pulumi.output(kms),
        },
        { provider: new gcp.Provider("gcp", { project: "proj-1" }) },
      );
    });
    const pools = ofType(resources, "gcp:container/nodePool:NodePool");
    expect(pools).toHaveLength(2);
    for (const p of pools) {
      expect(p.inputs).toMatchObject({ cluster: "my-cluster", location: "us-central1", project: "proj-1", nodeLocations: ["us-central1-a"] });
      expect(p.inputs.nodeConfig).toMatchObject({ serviceAccount: "nodes@proj-1.iam.gserviceaccount.com", bootDiskKmsKey: kms });
    }
    expect(ofType(resources, "gcp:serviceaccount/account:Account")).toEqual([]);
  });

  it("a known bad serviceAccountEmail fails at construction (an Output is checked in apply: see checkInput)", async () => {
    const sa = "123-compute@developer.gserviceaccount.com";
    const expected = `serviceAccountEmail: "${sa}" is the default compute service account (Editor on the project); omit it and the pool creates a least-privilege account`;
    const e = await constructionError(() => new GkeGpuNodePool("l4", { ...gkeBase, serviceAccountEmail: sa }));
    expect(problemLines(e)).toEqual([expected]);
  });

  it("location and bootDiskKmsKey: known bad values are problems now", async () => {
    const e = await constructionError(() => new GkeGpuNodePool("l4", { ...gkeBase, location: "Central", bootDiskKmsKey: "key-1" }));
    expect(problemLines(e)).toEqual([
      'location: "Central" is not a GCP region or zone (e.g. us-central1 or us-central1-a)',
      'bootDiskKmsKey: "key-1" is not a Cloud KMS key id (use projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>)',
    ]);
  });

  it("compact placement: two known zones fail now; one zone as an Output gives a COMPACT placement policy", async () => {
    const args: GkeGpuNodePoolArgs = { ...gkeBase, gpuType: "h100", gpusPerNode: 8, compactPlacement: true };
    const e = await constructionError(() => new GkeGpuNodePool("h", { ...args, nodeLocations: ["us-central1-a", "us-central1-b"] }));
    const expected = "compactPlacement: compact placement keeps nodes in one zone, but nodeLocations lists 2 (give nodeLocations exactly one zone)";
    expect(problemLines(e)).toEqual([expected]);
    const { resources } = await runWithMocks(() => new GkeGpuNodePool("h", { ...args, nodeLocations: pulumi.output(["us-central1-a"]) }));
    expect(ofType(resources, "gcp:container/nodePool:NodePool")[0].inputs.placementPolicy).toEqual({ type: "COMPACT" });
  });

  it("a name-deciding argument given as an Output is a clear error (poolName stays plain)", async () => {
    const e = await constructionError(() => new GkeGpuNodePool("l4", { ...gkeBase, poolName: pulumi.output("x") as unknown as string }));
    expect(problemLines(e)[0]).toMatch(/^poolName: is a pulumi.Output \(or Promise\), but this argument needs a plain value/);
  });
});

const kBase: KarpenterGpuNodePoolArgs = { clusterName: "c", gpuType: "l4" };

describe("KarpenterGpuNodePool Input arguments", () => {
  it("clusterName, nodeRoleName, kmsKeyArn and the selector tags as Outputs reach the EC2NodeClass", async () => {
    const kms = "arn:aws:kms:us-east-1:123456789012:key/abc";
    const { resources } = await runWithMocks(() => {
      new KarpenterGpuNodePool("k", {
        ...kBase,
        clusterName: pulumi.output("prod"),
        nodeRoleName: pulumi.output("gpu-nodes"),
        kmsKeyArn: pulumi.output(kms),
        subnetSelectorTags: { tier: pulumi.output("private") },
      });
    });
    const nc = resources.find((r) => r.name === "k-nodeclass")!;
    expect(nc.inputs.spec.role).toBe("gpu-nodes");
    expect(nc.inputs.spec.subnetSelectorTerms).toEqual([{ tags: { tier: "private" } }]);
    expect(nc.inputs.spec.securityGroupSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": "prod" } }]);
    expect(nc.inputs.spec.blockDeviceMappings[0].ebs.kmsKeyID).toBe(kms);
  });

  it("clusterName as an Output reaches the node role's access entry", async () => {
    const { resources } = await runWithMocks(() => new KarpenterGpuNodePool("k", { ...kBase, clusterName: pulumi.output("prod") }));
    expect(one(resources, "aws:eks/accessEntry:AccessEntry").inputs.clusterName).toBe("prod");
  });

  it("a bad nodeRoleName (an ARN) fails at construction", async () => {
    const arn = "arn:aws:iam::123456789012:role/gpu";
    const expected = `nodeRoleName: "${arn}" is not an IAM role name (give the name, not the ARN: 1-64 of letters, digits and +=,.@_-)`;
    expect(problemLines(await constructionError(() => new KarpenterGpuNodePool("k", { ...kBase, nodeRoleName: arn })))).toEqual([expected]);
  });
});

describe("KarpenterInterruptionQueue and EksGpuNodePool take tags as Inputs", () => {
  it("tag values given as Outputs reach the queue and its rules, and the node groups, as plain values do", async () => {
    const queue = await expectSameResources((w) => new KarpenterInterruptionQueue("q", { kmsKeyId: w("alias/k"), tags: { team: w("ml") } }));
    expect(queue.find((r) => r.type === "aws:sqs/queue:Queue")!.inputs.tags).toEqual({ team: "ml" });
    const pool = await expectSameResources((w) => new EksGpuNodePool("p", { clusterName: "c", subnetIds: ["s"], gpuType: "l4", tags: { team: w("ml") } }));
    for (const g of ofType(pool, "aws:eks/nodeGroup:NodeGroup")) expect(g.inputs.tags).toMatchObject({ team: "ml" });
  });
});
