import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { EksGpuNodePool, eksPoolContract, planEksGpuPool } from "../../components/gpu-node-pool/eks";
import { GkeGpuNodePool, planGkeGpuPool } from "../../components/gpu-node-pool/gke";
import { KarpenterGpuNodePool, planKarpenterGpuPool } from "../../components/gpu-node-pool/karpenter";
import { KueueGpuPool, KueueInstall, planKueueGpuPool, planKueueInstall } from "../../components/gpu-node-pool/kueue";
import { existingNodesPoolContract, sagemakerPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { existingNodesPoolArgs, gkePoolArgs, kueuePoolArgs, preflight, sagemakerPoolArgs } from "../../stacks/preflight";
import { kitConfigOf } from "../../plan/plan";
import { loadStackConfigFile, stackConfigPath } from "../../plan/stack-config";
import { POOL_PLATFORM } from "../../plan/cost";
import { runWithMocks } from "../harness";

/** Constructs a component under mocks and returns its `contract` output. */
async function constructed(make: () => { contract: GpuPoolContract }): Promise<GpuPoolContract> {
  let contract: GpuPoolContract | undefined;
  await runWithMocks(() => {
    contract = make().contract;
  });
  return contract!;
}

const eks = { clusterName: "c", subnetIds: ["subnet-1"] };
const gke = { cluster: "c", location: "us-central1", project: "p" };

describe("each pool kind: the planner's contract is the contract the component outputs", () => {
  const cases: Array<[string, () => GpuPoolContract | undefined, () => { contract: GpuPoolContract }]> = [
    ["EKS l4 spot", () => eksPoolContract(planEksGpuPool("l4", { ...eks, gpuType: "l4" })), () => new EksGpuNodePool("l4", { ...eks, gpuType: "l4" })],
    [
      "EKS h100 x8 with EFA wiring",
      () => eksPoolContract(planEksGpuPool("h", { ...eks, gpuType: "h100", gpusPerNode: 8, vpcId: "vpc-1", clusterSecurityGroupId: "sg-1" })),
      () => new EksGpuNodePool("h", { ...eks, gpuType: "h100", gpusPerNode: 8, vpcId: "vpc-1", clusterSecurityGroupId: "sg-1" }),
    ],
    ["GKE l4 spot + fallback", () => planGkeGpuPool("l4", { ...gke, gpuType: "l4" }).plan?.contract, () => new GkeGpuNodePool("l4", { ...gke, gpuType: "l4" })],
    [
      "GKE h100 x8 one zone, queued",
      () =>
        planGkeGpuPool("h", { ...gke, gpuType: "h100", gpusPerNode: 8, nodeLocations: ["us-central1-a"], capacity: "on-demand", queuedProvisioning: true }).plan
          ?.contract,
      () =>
        new GkeGpuNodePool("h", { ...gke, gpuType: "h100", gpusPerNode: 8, nodeLocations: ["us-central1-a"], capacity: "on-demand", queuedProvisioning: true }),
    ],
    [
      "Karpenter h100 EFA",
      () => planKarpenterGpuPool("k", { clusterName: "c", gpuType: "h100", gpusPerNode: 8, efa: true }).plan?.contract,
      () => new KarpenterGpuNodePool("k", { clusterName: "c", gpuType: "h100", gpusPerNode: 8, efa: true }),
    ],
    [
      "Karpenter l4 defaults",
      () => planKarpenterGpuPool("k", { clusterName: "c", gpuType: "l4" }).plan?.contract,
      () => new KarpenterGpuNodePool("k", { clusterName: "c", gpuType: "l4" }),
    ],
  ];
  for (const [label, plan, make] of cases) {
    it(label, async () => {
      const planned = plan();
      expect(planned).toBeDefined();
      expect(await constructed(make)).toEqual(planned);
    });
  }

  it("Kueue on existing nodes: the planned contract adds the LocalQueue, its namespace and the flavors", async () => {
    const pool = existingNodesPoolContract({ name: "a100", gpuType: "a100-80gb", gpusPerNode: 4 });
    const args = { pool, namespace: "training", cohort: "gpus" };
    const planned = planKueueGpuPool(args).plan!.contract;
    expect(planned).toMatchObject({ localQueueName: "a100", localQueueNamespace: "training", flavors: ["a100-spot", "a100-on-demand"] });
    expect(await constructed(() => new KueueGpuPool("q", args))).toEqual(planned);
  });

  it("KueueInstall: the planned namespace and values are the installed ones; a bad namespace is one problem", async () => {
    expect(planKueueInstall({}).plan).toMatchObject({ namespace: "kueue-system", waitForPodsReadyTimeout: "10m" });
    expect(planKueueInstall({ namespace: "Kueue" }).problems).toEqual([{ path: "namespace", message: '"Kueue" is not a DNS-1123 label' }]);
    let ns: string | undefined;
    await runWithMocks(() => {
      ns = new KueueInstall("k", { namespace: "queues" }).contract.namespace;
    });
    expect(ns).toBe("queues");
  });
});

describe("example stack configs: preflight's planned contract is what the stack's components output", () => {
  for (const stack of ["kubernetes", "gcp", "aws-sagemaker"] as const) {
    it(stack, async () => {
      const cfg = kitConfigOf(loadStackConfigFile(stackConfigPath(stack)));
      const { gpu, plannedPools } = preflight(cfg, POOL_PLATFORM[cfg.target]);
      expect(gpu.pools.length).toBeGreaterThan(0);
      for (const p of gpu.pools) {
        let built: GpuPoolContract;
        if (stack === "aws-sagemaker") built = sagemakerPoolContract(sagemakerPoolArgs(p));
        else if (stack === "gcp")
          built = await constructed(() => {
            const node = new GkeGpuNodePool(`${cfg.name}-${p.name}`, gkePoolArgs(cfg, p), { provider: new gcp.Provider("gcp", { project: "p" }) });
            return new KueueGpuPool(`${cfg.name}-${p.name}-queue`, kueuePoolArgs(p, node.contract, cfg.gcp!.namespace));
          });
        else
          built = await constructed(
            () =>
              new KueueGpuPool(`${cfg.name}-${p.name}-queue`, kueuePoolArgs(p, existingNodesPoolContract(existingNodesPoolArgs(p)), cfg.kubernetes!.namespace)),
          );
        expect(plannedPools.get(p.name), p.name).toEqual(built);
      }
    });
  }
});

void pulumi;
