import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import {
  GPU_CATALOG,
  GPU_TYPES,
  awsInstanceTypes,
  driverMemoryBytes,
  findShape,
  gcpMachineType,
  gpuCountsOffered,
  gpuSpec,
  sagemakerInstanceType,
} from "../../core/gpu-catalog";
import { EksGpuNodePool } from "../../components/gpu-node-pool/eks";
import { GkeGpuNodePool } from "../../components/gpu-node-pool/gke";
import { existingNodesPoolContract, sagemakerPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { ARCHITECTURE_MIN_CUDA } from "../../components/cuda-driver-stack/versions";
import { parseKitConfig } from "../../stacks/config/load";
import { resolveGpuPools } from "../../stacks/config/gpu-pools";
import { ofType, runWithMocks } from "../harness";

describe("GPU catalog", () => {
  it("knows the nine GPU types with memory, architecture and compute capability", () => {
    expect(GPU_TYPES).toEqual(["t4", "a10g", "l4", "l40s", "a100-40gb", "a100-80gb", "h100", "h200", "b200"]);
    expect(GPU_TYPES.map((k) => [k, GPU_CATALOG[k].memoryGiB, GPU_CATALOG[k].architecture, GPU_CATALOG[k].computeCapability])).toEqual([
      ["t4", 16, "turing", "7.5"],
      ["a10g", 24, "ampere", "8.6"],
      ["l4", 24, "ada", "8.9"],
      ["l40s", 48, "ada", "8.9"],
      ["a100-40gb", 40, "ampere", "8.0"],
      ["a100-80gb", 80, "ampere", "8.0"],
      ["h100", 80, "hopper", "9.0"],
      ["h200", 141, "hopper", "9.0"],
      ["b200", 180, "blackwell", "10.0"],
    ]);
    for (const k of GPU_TYPES) expect(ARCHITECTURE_MIN_CUDA[GPU_CATALOG[k].architecture], k).toBeDefined();
  });

  // nvidia-smi totals (MiB) as published in public nvidia-smi output; the sizing checks against these, not the
  // marketing GB (an L4 is 22.5 GiB, not 24).
  it("knows each GPU's memory as the driver reports it, its dense bf16 peak and whether it computes in bf16", () => {
    expect(Object.fromEntries(GPU_TYPES.map((k) => [k, [GPU_CATALOG[k].memoryMiB, GPU_CATALOG[k].peakDenseTflops, GPU_CATALOG[k].bf16]]))).toEqual({
      t4: [15360, 65, false],
      a10g: [23028, 70, true],
      l4: [23034, 121, true],
      l40s: [46068, 362, true],
      "a100-40gb": [40960, 312, true],
      "a100-80gb": [81920, 312, true],
      h100: [81559, 989, true],
      h200: [143771, 989, true],
      b200: [183359, 2250, true],
    });
    expect(driverMemoryBytes("l4") / 1024 ** 3).toBeCloseTo(22.49, 2);
    for (const k of GPU_TYPES) {
      expect(GPU_CATALOG[k].memoryMiB / 1024, k).toBeLessThanOrEqual(GPU_CATALOG[k].memoryGiB);
      expect(GPU_CATALOG[k].bf16, k).toBe(Number(GPU_CATALOG[k].computeCapability) >= 8);
    }
  });

  it("maps GPUs to GCP accelerator names and machine types", () => {
    expect(Object.fromEntries(GPU_TYPES.map((k) => [k, gpuSpec(k).gcp?.acceleratorType ?? null]))).toEqual({
      t4: "nvidia-tesla-t4",
      a10g: null,
      l4: "nvidia-l4",
      l40s: null,
      "a100-40gb": "nvidia-tesla-a100",
      "a100-80gb": "nvidia-a100-80gb",
      h100: "nvidia-h100-80gb",
      h200: "nvidia-h200-141gb",
      b200: "nvidia-b200",
    });
    expect(gcpMachineType("a100-80gb", 8)?.name).toBe("a2-ultragpu-8g");
    expect(gcpMachineType("h100", 8)?.name).toBe("a3-highgpu-8g");
    expect(gpuCountsOffered("l4", "gcp")).toEqual([1, 2, 4, 8]);
  });

  it("maps GPUs to EC2 instance types (with GPUs per instance) and SageMaker ml.* types", () => {
    expect(awsInstanceTypes("a10g", 4).map((s) => s.name)).toEqual(["g5.12xlarge", "g5.24xlarge"]);
    expect(awsInstanceTypes("h200", 8).map((s) => s.name)).toEqual(["p5e.48xlarge", "p5en.48xlarge"]);
    expect(awsInstanceTypes("b200", 8).map((s) => s.name)).toEqual(["p6-b200.48xlarge"]);
    expect(sagemakerInstanceType("a100-40gb", 8)).toBe("ml.p4d.24xlarge");
    expect(sagemakerInstanceType("l40s", 1)).toBe("ml.g6e.xlarge");
    expect(findShape("aws", "p4de.24xlarge")).toMatchObject({ gpuType: "a100-80gb", shape: { gpus: 8, vcpus: 96 } });
  });

  it("every shape name belongs to exactly one GPU and every shape has sane numbers", () => {
    for (const platform of ["aws", "gcp", "sagemaker"] as const) {
      const names = GPU_TYPES.flatMap((k) =>
        platform === "sagemaker"
          ? gpuSpec(k).sagemaker.map((s) => s.name)
          : platform === "aws"
            ? (gpuSpec(k).aws?.instanceTypes ?? []).map((s) => s.name)
            : (gpuSpec(k).gcp?.machineTypes ?? []).map((s) => s.name),
      );
      expect(new Set(names).size, platform).toBe(names.length);
    }
    for (const k of GPU_TYPES) {
      for (const s of [...(gpuSpec(k).aws?.instanceTypes ?? []), ...(gpuSpec(k).gcp?.machineTypes ?? [])]) {
        expect(s.gpus >= 1 && s.vcpus >= 4 && s.memoryGiB >= 16, `${k} ${s.name}`).toBe(true);
      }
      for (const s of gpuSpec(k).sagemaker) expect(s.name.startsWith("ml."), s.name).toBe(true);
    }
    expect(() => gpuSpec("v100")).toThrow('"v100" is not a GPU type the kit knows (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)');
  });
});

describe("SageMaker and existing-node contracts", () => {
  it("builds a SageMaker pool contract with the ml.* instance type and no Kubernetes fields", () => {
    expect(sagemakerPoolContract({ name: "a100", gpuType: "a100-80gb" })).toEqual({
      name: "a100",
      platform: "sagemaker",
      gpuType: "a100-80gb",
      gpusPerNode: 8,
      gpuMemoryGiB: 80,
      computeCapability: "8.0",
      architecture: "ampere",
      capacityTypes: ["spot", "on-demand"],
      maxNodes: 2,
      nodeSelector: {},
      tolerations: [],
      karpenter: false,
      instanceType: "ml.p4de.24xlarge",
      gpuResourceName: "nvidia.com/gpu",
    });
    expect(sagemakerPoolContract({ name: "g", gpuType: "a10g", gpusPerNode: 4, instanceType: "ml.g5.24xlarge", capacity: "on-demand" })).toMatchObject({
      instanceType: "ml.g5.24xlarge",
      capacityTypes: ["on-demand"],
      gpusPerNode: 4,
    });
    expect(() => sagemakerPoolContract({ name: "x", gpuType: "h100", gpusPerNode: 2, instanceType: "ml.g5.xlarge" })).toThrow(
      'sagemakerPoolContract "x" has invalid arguments (2 problems):\n  gpusPerNode: no sagemaker machine carries 2 × NVIDIA H100 80GB (use one of 8)\n  instanceTypes[0]: "ml.g5.xlarge" does not carry NVIDIA H100 80GB (use one of ml.p5.48xlarge)',
    );
  });

  it("builds an existing-nodes contract selecting kit labels by default", () => {
    const c = existingNodesPoolContract({ name: "dgx", gpuType: "h100", gpusPerNode: 8 });
    expect(c).toMatchObject({
      platform: "kubernetes",
      nodeSelector: { "finetune.dev/pool": "dgx", "finetune.dev/gpu-type": "h100" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
    });
    expect(c.localQueueName).toBeUndefined();
    expect(() => existingNodesPoolContract({ name: "x", gpuType: "h100", gpusPerNode: 17 })).toThrow(
      "gpusPerNode: 17 is not a GPU count a node carries (use 1 to 16)",
    );
  });
});

describe("defaults cost nothing when idle: every pool the kit creates by default has min 0", () => {
  it("config: every GPU type on every target resolves to minNodes 0", () => {
    const targets = [
      { target: "kubernetes", kubernetes: { context: "c" } },
      { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" } },
      { target: "aws-sagemaker", aws: { region: "us-east-1" } },
    ] as const;
    for (const t of targets) {
      const offered = GPU_TYPES.filter((k) => t.target === "kubernetes" || gpuCountsOffered(k, t.target === "gcp" ? "gcp" : "sagemaker").length > 0);
      const cfg = parseKitConfig({ ...t, gpuPools: offered.map((k) => ({ name: `p-${k}`, gpuType: k })) });
      for (const p of resolveGpuPools(cfg.target, cfg.gpuPools)) expect(p.minNodes, `${t.target} ${p.gpuType}`).toBe(0);
    }
  });

  it("components: EKS node groups and GKE node pools (spot and fallback) start at and scale to 0 for every GPU type", async () => {
    const { resources } = await runWithMocks(() => {
      const awsP = new aws.Provider("aws", { region: "us-east-1" });
      const gcpP = new gcp.Provider("gcp", { project: "p-123456" });
      for (const k of GPU_TYPES) {
        if (gpuSpec(k).aws) new EksGpuNodePool(`eks-${k}`, { clusterName: "c", subnetIds: ["s"], gpuType: k }, { provider: awsP });
        if (gpuSpec(k).gcp) new GkeGpuNodePool(`gke-${k}`, { cluster: "c", location: "us-central1", gpuType: k }, { provider: gcpP });
      }
    });
    const eks = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
    const gke = ofType(resources, "gcp:container/nodePool:NodePool");
    expect(eks).toHaveLength(18);
    expect(gke).toHaveLength(14);
    for (const g of eks) expect([g.name, g.inputs.scalingConfig.minSize, g.inputs.scalingConfig.desiredSize]).toEqual([g.name, 0, 0]);
    for (const p of gke) expect([p.name, p.inputs.autoscaling.totalMinNodeCount, p.inputs.initialNodeCount]).toEqual([p.name, 0, 0]);
  });
});
