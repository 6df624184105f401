import * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import { GKE_NODE_SA_ROLES, GkeGpuNodePool, nodeServiceAccountId } from "../../components/gpu-node-pool/gke";
import { one, ofType, runWithMocks } from "../harness";
import { constructionError, problemLines } from "./helpers";

const base = { cluster: "finetune", location: "us-central1", project: "my-proj-123" };

async function run(args: Partial<ConstructorParameters<typeof GkeGpuNodePool>[1]> = {}) {
  let pool: GkeGpuNodePool | undefined;
  const result = await runWithMocks(() => {
    const provider = new gcp.Provider("gcp", { project: "my-proj-123" });
    pool = new GkeGpuNodePool("l4", { ...base, gpuType: "l4", ...args }, { provider });
  });
  return { ...result, pool: pool! };
}

describe("GkeGpuNodePool defaults", () => {
  it("a spot node pool from 0 with the L4 attached, DEFAULT driver, shielded nodes, GKE_METADATA, kit labels and taint", async () => {
    const { resources } = await run();
    const pools = ofType(resources, "gcp:container/nodePool:NodePool");
    expect(pools.map((p) => p.inputs.name)).toEqual(["l4-spot", "l4-on-demand"]);
    const spot = pools[0].inputs;
    expect(spot.cluster).toBe("finetune");
    expect(spot.initialNodeCount).toBe(0);
    expect(spot.autoscaling).toEqual({ totalMinNodeCount: 0, totalMaxNodeCount: 2, locationPolicy: "ANY" });
    const nc = spot.nodeConfig;
    expect(nc.spot).toBe(true);
    expect(nc.machineType).toBe("g2-standard-4");
    expect(nc.guestAccelerators).toEqual([{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }]);
    expect(nc.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableIntegrityMonitoring: true });
    expect(nc.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
    expect(nc.labels).toEqual({ "finetune.dev/pool": "l4", "finetune.dev/gpu-type": "l4", "finetune.dev/capacity-type": "spot" });
    expect(nc.taints).toEqual([{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }]);
    expect(nc.diskSizeGb).toBe(500);
    expect(nc.metadata).toEqual({ "disable-legacy-endpoints": "true" });
    expect(spot.management).toEqual({ autoRepair: true, autoUpgrade: true });
    expect(spot.upgradeSettings).toEqual({ strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 });
    expect(spot.queuedProvisioning).toBeUndefined();
    expect(pools[0].ignoreChanges).toEqual(["initialNodeCount"]);
    const od = pools[1].inputs;
    expect(od.nodeConfig.spot).toBe(false);
    expect(od.autoscaling.totalMinNodeCount).toBe(0);
    expect(od.nodeConfig.labels["finetune.dev/capacity-type"]).toBe("on-demand");
  });

  it("creates a dedicated node service account with only logging / monitoring writer roles (never the default compute SA)", async () => {
    const { resources } = await run();
    const sa = one(resources, "gcp:serviceaccount/account:Account");
    expect(sa.inputs.accountId).toBe("gpu-l4");
    expect(nodeServiceAccountId("a")).toBe("gpu-a-nodes");
    const members = ofType(resources, "gcp:projects/iAMMember:IAMMember");
    expect(members.map((m) => m.inputs.role)).toEqual([
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
      "roles/stackdriver.resourceMetadata.writer",
    ]);
    expect([...GKE_NODE_SA_ROLES]).toEqual(members.map((m) => m.inputs.role));
    for (const m of members) expect(m.inputs).toMatchObject({ project: "my-proj-123", member: sa.state.member });
    for (const p of ofType(resources, "gcp:container/nodePool:NodePool")) {
      expect(p.inputs.nodeConfig.serviceAccount).toBe(sa.state.email);
      expect(p.inputs.nodeConfig.serviceAccount).not.toMatch(/compute@developer/);
    }
    expect(nodeServiceAccountId("a-very-long-pool-name-for-h100-training")).toBe("gpu-a-very-long-pool-name-for");
  });

  it("uses the catalog's Hyperdisk boot disk for A3 Ultra (H200) and the caller's provider for every child", async () => {
    const { resources, pool } = await run({ gpuType: "h200", gpusPerNode: 8, bootDiskKmsKey: "projects/p/locations/us/keyRings/r/cryptoKeys/k" });
    const p = ofType(resources, "gcp:container/nodePool:NodePool")[0];
    expect(p.inputs.nodeConfig.machineType).toBe("a3-ultragpu-8g");
    expect(p.inputs.nodeConfig.diskType).toBe("hyperdisk-balanced");
    expect(p.inputs.nodeConfig.bootDiskKmsKey).toBe("projects/p/locations/us/keyRings/r/cryptoKeys/k");
    expect(p.inputs.nodeConfig.guestAccelerators[0]).toMatchObject({ type: "nvidia-h200-141gb", count: 8 });
    for (const r of resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers"))) expect(r.provider, r.type).toMatch(/::gcp$/);
    expect(pool.contract).toMatchObject({
      platform: "gke",
      gpuType: "h200",
      gpusPerNode: 8,
      gpuMemoryGiB: 141,
      instanceType: "a3-ultragpu-8g",
      karpenter: false,
    });
  });
});

describe("GkeGpuNodePool options", () => {
  it("LATEST driver, time-sharing, a given service account, no fallback", async () => {
    const { resources } = await run({
      gpuDriverVersion: "LATEST",
      gpuSharing: { strategy: "time-sharing", maxClientsPerGpu: 4 },
      serviceAccountEmail: "gpu@my-proj-123.iam.gserviceaccount.com",
      onDemandFallback: false,
    });
    const pools = ofType(resources, "gcp:container/nodePool:NodePool");
    expect(pools).toHaveLength(1);
    expect(pools[0].inputs.nodeConfig.guestAccelerators[0]).toEqual({
      type: "nvidia-l4",
      count: 1,
      gpuDriverInstallationConfig: { gpuDriverVersion: "LATEST" },
      gpuSharingConfig: { gpuSharingStrategy: "TIME_SHARING", maxSharedClientsPerGpu: 4 },
    });
    expect(pools[0].inputs.nodeConfig.serviceAccount).toBe("gpu@my-proj-123.iam.gserviceaccount.com");
    expect(ofType(resources, "gcp:serviceaccount/account:Account")).toHaveLength(0);
  });

  it("MPS and MIG partitions on an A100", async () => {
    const { resources } = await run({ gpuType: "a100-80gb", migProfile: "1g.10gb", gpuSharing: { strategy: "mps" } });
    const acc = ofType(resources, "gcp:container/nodePool:NodePool")[0].inputs.nodeConfig.guestAccelerators[0];
    expect(acc.gpuPartitionSize).toBe("1g.10gb");
    expect(acc.gpuSharingConfig).toEqual({ gpuSharingStrategy: "MPS", maxSharedClientsPerGpu: 2 });
    expect(ofType(resources, "gcp:container/nodePool:NodePool")[0].inputs.nodeConfig.machineType).toBe("a2-ultragpu-1g");
  });

  it("queued provisioning (DWS): one on-demand pool, NO_RESERVATION, location policy ANY, no auto-repair, min 0", async () => {
    const { resources, pool } = await run({ gpuType: "h100", gpusPerNode: 8, capacity: "on-demand", queuedProvisioning: true, maxNodes: 4 });
    const pools = ofType(resources, "gcp:container/nodePool:NodePool");
    expect(pools.map((p) => p.inputs.name)).toEqual(["l4-dws"]);
    const p = pools[0].inputs;
    expect(p.queuedProvisioning).toEqual({ enabled: true });
    expect(p.nodeConfig.reservationAffinity).toEqual({ consumeReservationType: "NO_RESERVATION" });
    expect(p.nodeConfig.spot).toBe(false);
    expect(p.autoscaling).toEqual({ totalMinNodeCount: 0, totalMaxNodeCount: 4, locationPolicy: "ANY" });
    expect(p.management.autoRepair).toBe(false);
    expect(pool.contract.capacityTypes).toEqual(["on-demand"]);
  });

  it("reports every bad argument at once", async () => {
    const e = await constructionError(
      () =>
        new GkeGpuNodePool("bad", {
          ...base,
          gpuType: "a10g",
          queuedProvisioning: true,
          gpuSharing: { strategy: "time-sharing", maxClientsPerGpu: 99 },
          serviceAccountEmail: "123456789012-compute@developer.gserviceaccount.com",
          diskGiB: 10,
        }),
    );
    expect(problemLines(e)).toEqual([
      "gpuType: NVIDIA A10G is not offered on gcp (it is on aws, sagemaker; use one of t4, l4, a100-40gb, a100-80gb, h100, h200, b200)",
      'queuedProvisioning: queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand")',
      "gpuSharing.maxClientsPerGpu: 99 is outside 2..48",
      'serviceAccountEmail: "123456789012-compute@developer.gserviceaccount.com" is the default compute service account (Editor on the project); omit it and the pool creates a least-privilege account',
      "diskGiB: 10 GiB is below 100 (CUDA images and model weights need ≥ 100 GiB)",
    ]);
    const counts = await constructionError(
      () => new GkeGpuNodePool("c", { ...base, gpuType: "h100", gpusPerNode: 3, machineType: "a3-highgpu-8g", migProfile: "1g.5gb" }),
    );
    expect(problemLines(counts)).toEqual([
      'migProfile: "1g.5gb" is not a MIG profile of NVIDIA H100 80GB (use one of 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb)',
      "gpusPerNode: no gcp machine carries 3 × NVIDIA H100 80GB (use one of 1, 2, 4, 8)",
      'instanceTypes[0]: "a3-highgpu-8g" carries 8 GPUs, not gpusPerNode 3 (set gpusPerNode to 8)',
    ]);
  });
});

describe("GkeGpuNodePool images, Local SSD, placement and GPU networks", () => {
  const nodePools = (r: Awaited<ReturnType<typeof run>>["resources"]) => ofType(r, "gcp:container/nodePool:NodePool");

  it("default: image streaming on COS containerd with gVNIC, Local SSD ephemeral storage on G2, no placement policy, no extra networks", async () => {
    const { resources, pool } = await run();
    for (const p of nodePools(resources)) {
      const nc = p.inputs.nodeConfig;
      expect(nc.imageType).toBe("COS_CONTAINERD");
      expect(nc.gcfsConfig).toEqual({ enabled: true });
      expect(nc.gvnic).toEqual({ enabled: true });
      expect(nc.secondaryBootDisks).toBeUndefined();
      // g2-standard-4 bundles one 375 GB Local SSD; count 0 = every bundled disk.
      expect(nc.ephemeralStorageLocalSsdConfig).toEqual({ localSsdCount: 0 });
      expect(p.inputs.placementPolicy).toBeUndefined();
      expect(p.inputs.networkConfig).toBeUndefined();
    }
    expect(pool.contract.imageCache).toEqual({ streaming: true, preload: "none" });
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 375, ephemeralOnNvme: true });
    expect(pool.contract.interconnect).toEqual({ kind: "none", offered: "none", devicesPerNode: 0, compactPlacement: false });
  });

  it("a secondary boot disk of cached images in CONTAINER_IMAGE_CACHE mode; no Local SSD on a machine without it", async () => {
    const { resources, pool } = await run({ gpuType: "a100-40gb", imageCacheDiskImage: "projects/my-proj-123/global/images/ftkit-images-v1" });
    const nc = nodePools(resources)[0].inputs.nodeConfig;
    expect(nc.machineType).toBe("a2-highgpu-1g");
    expect(nc.secondaryBootDisks).toEqual([{ diskImage: "projects/my-proj-123/global/images/ftkit-images-v1", mode: "CONTAINER_IMAGE_CACHE" }]);
    expect(nc.gcfsConfig).toEqual({ enabled: true });
    expect(nc.ephemeralStorageLocalSsdConfig).toBeUndefined();
    expect(pool.contract.imageCache).toEqual({ streaming: true, preload: "gke-secondary-boot-disk" });
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 0, ephemeralOnNvme: false });
  });

  it("multi-node A3 High in one zone: compact placement by default, 4 TCPX networks in NIC order, contract says tcpx", async () => {
    const additional = [1, 2, 3, 4].map((i) => ({ network: `gpu-net-${i}`, subnetwork: `gpu-sub-${i}` }));
    const { resources, pool } = await run({ gpuType: "h100", gpusPerNode: 8, maxNodes: 3, nodeLocations: ["us-central1-a"], gpuNetworks: { additional } });
    for (const p of nodePools(resources)) {
      expect(p.inputs.placementPolicy).toEqual({ type: "COMPACT" });
      expect(p.inputs.networkConfig).toEqual({ additionalNodeNetworkConfigs: additional });
      expect(p.inputs.nodeConfig.ephemeralStorageLocalSsdConfig).toEqual({ localSsdCount: 0 });
    }
    expect(pool.contract.interconnect).toEqual({ kind: "tcpx", offered: "tcpx", devicesPerNode: 4, compactPlacement: true });
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 6000, ephemeralOnNvme: true });
  });

  it("A3 Ultra with GKE-managed accelerator networks; no compact placement when the zones are not one known zone", async () => {
    const { resources, pool } = await run({ gpuType: "h200", gpusPerNode: 8, maxNodes: 2, gpuNetworks: { auto: true } });
    const p = nodePools(resources)[0].inputs;
    expect(p.networkConfig).toEqual({ acceleratorNetworkProfile: "auto" });
    expect(p.placementPolicy).toBeUndefined();
    expect(pool.contract.interconnect).toEqual({ kind: "rdma", offered: "rdma", devicesPerNode: 8, compactPlacement: false });
  });

  it("a multi-node RDMA pool without GPU networks offers rdma but configures none (what the interconnect policy flags)", async () => {
    const { pool } = await run({ gpuType: "b200", gpusPerNode: 8, maxNodes: 2, nodeLocations: ["us-central1-b"], imageStreaming: false });
    expect(pool.contract.interconnect).toEqual({ kind: "none", offered: "rdma", devicesPerNode: 0, compactPlacement: true });
    expect(pool.contract.imageCache).toEqual({ streaming: false, preload: "none" });
  });

  it("reports invalid combinations with their fixes", async () => {
    const e = await constructionError(
      () =>
        new GkeGpuNodePool("bad", {
          ...base,
          gpuType: "a100-40gb",
          imageStreaming: false,
          imageCacheDiskImage: "projects/p/global/images/i",
          localSsdEphemeralStorage: true,
          compactPlacement: true,
          nodeLocations: ["us-central1-a", "us-central1-b"],
          gpuNetworks: { auto: true },
        }),
    );
    expect(problemLines(e)).toEqual([
      "imageCacheDiskImage: a secondary boot disk of cached images needs image streaming (GKE serves the images through it; remove imageStreaming: false or the disk image)",
      "localSsdEphemeralStorage: a2-highgpu-1g bundles no Local SSD (use an A2 Ultra, A3, A4 or G2 machine, or remove localSsdEphemeralStorage)",
      "compactPlacement: compact placement keeps nodes in one zone, but nodeLocations lists 2 (give nodeLocations exactly one zone)",
      "gpuNetworks: a2-highgpu-1g has no GPU NICs (GPUDirect-TCPX/TCPXO/RDMA need a3-highgpu-8g, a3-megagpu-8g, a3-ultragpu-8g or a4-highgpu-8g; remove gpuNetworks)",
    ]);
    const nets = await constructionError(
      () =>
        new GkeGpuNodePool("n", {
          ...base,
          gpuType: "h100",
          gpusPerNode: 8,
          compactPlacement: true,
          gpuNetworks: { additional: [{ network: "a", subnetwork: "b" }] },
        }),
    );
    expect(problemLines(nets)).toEqual([
      "compactPlacement: compact placement needs nodeLocations set to exactly one zone (set nodeLocations)",
      "gpuNetworks.additional: a3-highgpu-8g (tcpx) needs 4 additional node networks, got 1",
    ]);
    const both = await constructionError(
      () => new GkeGpuNodePool("x", { ...base, gpuType: "h200", gpusPerNode: 8, gpuNetworks: { auto: true, additional: [] } }),
    );
    expect(problemLines(both)).toEqual(["gpuNetworks: auto and additional are exclusive (GKE creates the networks with auto; give one of them)"]);
  });
});
