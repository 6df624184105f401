import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GPU_STACK_CHARTS, GPU_STACK_IMAGES } from "../../core/versions";
import { KueueGpuPool, KueueInstall } from "../../components/gpu-node-pool/kueue";
import { existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { buildPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { GPU_TOLERATION } from "../../components/gpu-node-pool/labels";
import { manifestsOf, one, ofType, runWithMocks } from "../harness";
import { expectValidManifests } from "../validators/kubernetes";
import { constructionError } from "./helpers";

const provider = () => new k8s.Provider("k8s", { context: "test", kubeconfig: "{}" });

describe("KueueInstall", () => {
  it("installs the pinned kueue chart into a PSS-restricted kueue-system namespace", async () => {
    const { resources } = await runWithMocks(() => {
      new KueueInstall("kueue", {}, { providers: [provider()] });
    });
    const ns = one(resources, "kubernetes:core/v1:Namespace");
    expect(ns.inputs.metadata.name).toBe("kueue-system");
    expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const rel = one(resources, "kubernetes:helm.sh/v3:Release");
    expect(rel.inputs.chart).toBe(GPU_STACK_CHARTS.kueue.chart);
    expect(rel.inputs.version).toBe("0.19.2");
    expect(rel.inputs.namespace).toBe("kueue-system");
    expect(rel.inputs.createNamespace).toBe(false);
    const v = rel.inputs.values;
    expect(v.controllerManager.manager.image).toEqual({ repository: GPU_STACK_IMAGES.kueue.repository, tag: "v0.19.2", pullPolicy: "IfNotPresent" });
    expect(v.controllerManager.manager.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(v.controllerManager.manager.containerSecurityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    const mgr = parse(v.managerConfig.controllerManagerConfigYaml);
    expect(mgr.apiVersion).toBe("config.kueue.x-k8s.io/v1beta2");
    expect(mgr.waitForPodsReady.timeout).toBe("10m");
    expect(mgr.integrations.frameworks).toEqual(expect.arrayContaining(["batch/job", "jobset.x-k8s.io/jobset", "pod"]));
    expect(rel.provider).toContain("k8s");
    expectValidManifests(manifestsOf(resources));
  });

  it("rejects a timeout that is not a duration", async () => {
    const e = await constructionError(() => new KueueInstall("kueue", { waitForPodsReadyTimeout: "ten minutes" }));
    expect(e.message).toBe('KueueInstall "kueue" has invalid arguments (1 problem):\n  waitForPodsReadyTimeout: "ten minutes" is not a duration (e.g. 10m)');
  });
});

describe("KueueGpuPool and the Kueue contract", () => {
  it("KueueInstall's contract names its namespace and release; the queues wait for that release, and the pool contract names the LocalQueue's namespace", async () => {
    const pool = existingNodesPoolContract({ name: "l4", gpuType: "l4" });
    let contract: KueueGpuPool["contract"] | undefined;
    let kueueNs: string | undefined;
    const { resources } = await runWithMocks(() => {
      const kueue = new KueueInstall("kueue", { namespace: "queues" });
      kueueNs = kueue.contract.namespace;
      contract = new KueueGpuPool("l4-queue", { pool, namespace: "ml", kueue: kueue.contract }).contract;
    });
    expect(kueueNs).toBe("queues");
    expect(contract).toMatchObject({ localQueueName: "l4", localQueueNamespace: "ml" });
    const release = one(resources, "kubernetes:helm.sh/v3:Release");
    const flavors = resources.filter((r) => r.type === "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor");
    expect(flavors.length).toBe(2);
    for (const f of flavors) expect(f.dependsOn).toContain(release.urn);
  });

  it("without a Kueue contract the queues depend on nothing but each other (Kueue is already installed)", async () => {
    const pool = existingNodesPoolContract({ name: "l4", gpuType: "l4" });
    const { resources } = await runWithMocks(() => new KueueGpuPool("l4-queue", { pool, namespace: "ml" }));
    const flavors = resources.filter((r) => r.type === "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor");
    for (const f of flavors) expect(f.dependsOn).toEqual([]);
  });
});

describe("KueueGpuPool", () => {
  const pool = existingNodesPoolContract({ name: "a100", gpuType: "a100-80gb", gpusPerNode: 8, maxNodes: 3 });

  async function run(args: Partial<ConstructorParameters<typeof KueueGpuPool>[1]> = {}) {
    let contract: KueueGpuPool["contract"] | undefined;
    const result = await runWithMocks(() => {
      contract = new KueueGpuPool("a100-queue", { pool, namespace: "finetune", ...args }).contract;
    });
    return { ...result, contract: contract! };
  }

  it("creates spot and on-demand flavors, a ClusterQueue preferring spot with a GPU quota, and a LocalQueue; all valid v1beta2", async () => {
    const { resources, contract } = await run();
    const objs = manifestsOf(resources);
    expectValidManifests(objs);
    expect(objs.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      "kueue.x-k8s.io/v1beta2 ResourceFlavor a100-spot",
      "kueue.x-k8s.io/v1beta2 ResourceFlavor a100-on-demand",
      "kueue.x-k8s.io/v1beta2 ClusterQueue a100",
      "kueue.x-k8s.io/v1beta2 LocalQueue a100",
    ]);
    const [spot, od, cq, lq] = objs as any[];
    expect(spot.spec.nodeLabels).toEqual({ "finetune.dev/pool": "a100", "finetune.dev/gpu-type": "a100-80gb", "finetune.dev/capacity-type": "spot" });
    expect(od.spec.nodeLabels["finetune.dev/capacity-type"]).toBe("on-demand");
    expect(spot.spec.tolerations).toEqual([GPU_TOLERATION]);
    const rg = cq.spec.resourceGroups[0];
    expect(rg.coveredResources).toEqual(["cpu", "memory", "nvidia.com/gpu"]);
    expect(rg.flavors.map((f: any) => f.name)).toEqual(["a100-spot", "a100-on-demand"]);
    // existing nodes: host share per GPU from the catalog (12 vCPU, 170 GiB per A100 80GB) × 8 GPUs × 3 nodes
    expect(rg.flavors[0].resources).toEqual([
      { name: "cpu", nominalQuota: String(3 * Math.floor(96 * 0.9)) },
      { name: "memory", nominalQuota: `${3 * Math.floor(1360 * 0.85)}Gi` },
      { name: "nvidia.com/gpu", nominalQuota: "24" },
    ]);
    expect(cq.spec.preemption).toEqual({ withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Any", borrowWithinCohort: { policy: "Never" } });
    expect(cq.spec.namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "finetune" } });
    expect(cq.spec.cohortName).toBeUndefined();
    expect(lq.metadata.namespace).toBe("finetune");
    expect(lq.spec.clusterQueue).toBe("a100");
    expect(contract.localQueueName).toBe("a100");
    expect(contract.flavors).toEqual(["a100-spot", "a100-on-demand"]);
    expect(contract.gpuType).toBe("a100-80gb");
    const cqRes = one(resources, "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue");
    expect(cqRes.dependsOn.length).toBeGreaterThanOrEqual(2);
  });

  it("takes cohort, preemption, per-capacity node counts and explicit per-node quotas", async () => {
    const { resources } = await run({
      cohort: "research",
      preemption: { withinClusterQueue: "Never", reclaimWithinCohort: "LowerPriority" },
      nodesByCapacity: { spot: 4, "on-demand": 1 },
      cpuPerNode: 90,
      memoryGiBPerNode: 1000,
    });
    const objs = manifestsOf(resources) as any[];
    expectValidManifests(objs);
    const cq = objs.find((o) => o.kind === "ClusterQueue");
    expect(cq.spec.cohortName).toBe("research");
    expect(cq.spec.preemption.withinClusterQueue).toBe("Never");
    expect(cq.spec.resourceGroups[0].flavors[0].resources).toEqual([
      { name: "cpu", nominalQuota: "360" },
      { name: "memory", nominalQuota: "4000Gi" },
      { name: "nvidia.com/gpu", nominalQuota: "32" },
    ]);
    expect(cq.spec.resourceGroups[0].flavors[1].resources[2]).toEqual({ name: "nvidia.com/gpu", nominalQuota: "8" });
  });

  it("uses Karpenter's capacity label for Karpenter pools and the instance shape for quotas", async () => {
    const kp = buildPoolContract({
      name: "h100",
      platform: "karpenter",
      gpuType: "h100",
      gpusPerNode: 8,
      capacityTypes: ["spot", "on-demand"],
      maxNodes: 2,
      nodeSelector: { "finetune.dev/pool": "h100" },
      tolerations: [GPU_TOLERATION],
      karpenter: true,
      instanceType: "p5.48xlarge",
    });
    const { resources } = await runWithMocks(() => new KueueGpuPool("h100-queue", { pool: kp, namespace: "ml" }));
    const objs = manifestsOf(resources) as any[];
    expectValidManifests(objs);
    expect(objs[0].spec.nodeLabels).toEqual({ "finetune.dev/pool": "h100", "karpenter.sh/capacity-type": "spot" });
    const cq = objs.find((o) => o.kind === "ClusterQueue");
    expect(cq.spec.resourceGroups[0].flavors[0].resources[0]).toEqual({ name: "cpu", nominalQuota: String(2 * Math.floor(192 * 0.9)) });
  });

  it("an on-demand-only pool has one flavor", async () => {
    const od = existingNodesPoolContract({ name: "l4", gpuType: "l4", capacity: "on-demand" });
    const { resources } = await runWithMocks(() => new KueueGpuPool("l4", { pool: od, namespace: "finetune" }));
    expect(ofType(resources, "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor").map((r) => r.inputs.metadata.name)).toEqual(["l4-on-demand"]);
  });

  it("reports every bad argument at once", async () => {
    const bad = { ...pool, gpuType: "v100", capacityTypes: [] };
    const e = await constructionError(() => new KueueGpuPool("q", { pool: bad, namespace: "Fine_Tune", cpuPerNode: 0, nodesByCapacity: { spot: -1 } }));
    expect(e.message).toBe(
      [
        'KueueGpuPool "q" has invalid arguments (5 problems):',
        '  pool.gpuType: "v100" is not a GPU type the kit knows (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)',
        "  pool.capacityTypes: is empty (a pool needs spot and/or on-demand)",
        '  namespace: "Fine_Tune" is not a DNS-1123 label',
        "  nodesByCapacity.spot: -1 is not a whole number ≥ 0",
        "  cpuPerNode: 0 must be > 0",
      ].join("\n"),
    );
  });
});
