import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { parseKitConfig } from "../../stacks/config/load";
import { gpuPoolTargetIssues, resolveGpuPools } from "../../stacks/config/gpu-pools";
import { configProblems as problems } from "../config-problems";

const k8s = { target: "kubernetes", kubernetes: { context: "c" } };

function resolveProblems(target: "kubernetes" | "gcp" | "aws-sagemaker", pools: unknown[]): string[] {
  const platform =
    target === "kubernetes"
      ? k8s
      : target === "gcp"
        ? { target, gcp: { project: "my-proj-123", region: "us-central1" } }
        : { target, aws: { region: "us-east-1" } };
  try {
    // Target-dependent pool problems are reported by the root schema (parseKitConfig) and again by resolveGpuPools.
    const cfg = parseKitConfig({ ...platform, gpuPools: pools });
    resolveGpuPools(cfg.target, cfg.gpuPools);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error("expected the pools to be rejected");
}

describe("finetune:gpuPools schema", () => {
  it("applies defaults: spot, on-demand fallback, min 0, max 2, 500 GiB, LowerPriority preemption", () => {
    const cfg = parseKitConfig({ ...k8s, gpuPools: [{ name: "a100", gpuType: "a100-80gb" }] });
    expect(cfg.gpuPools[0]).toEqual({
      name: "a100",
      gpuType: "a100-80gb",
      capacity: "spot",
      onDemandFallback: true,
      minNodes: 0,
      maxNodes: 2,
      diskGiB: 500,
      queue: { withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Any" },
    });
  });

  const cases: Array<[string, unknown[], string[]]> = [
    [
      "unknown GPU type lists the known ones",
      [{ name: "p", gpuType: "v100" }],
      ['finetune:gpuPools[0].gpuType: "v100" is not a GPU type the kit knows (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)'],
    ],
    [
      "min > max",
      [{ name: "p", gpuType: "l4", minNodes: 3, maxNodes: 2 }],
      ["finetune:gpuPools[0].minNodes: 3 is more than maxNodes 2 (lower minNodes or raise maxNodes)"],
    ],
    [
      "MIG profile the GPU lacks",
      [{ name: "p", gpuType: "h100", mig: { profile: "1g.5gb" } }],
      ['finetune:gpuPools[0].mig.profile: "1g.5gb" is not a MIG profile of NVIDIA H100 80GB (use one of 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb)'],
    ],
    [
      "MIG on a GPU without MIG",
      [{ name: "p", gpuType: "l4", mig: { profile: "1g.10gb" } }],
      ["finetune:gpuPools[0].mig.profile: NVIDIA L4 does not support MIG (remove mig, or use one of a100-40gb, a100-80gb, h100, h200, b200)"],
    ],
    [
      "GPU count no machine carries",
      [{ name: "p", gpuType: "h200", gpusPerNode: 4 }],
      ["finetune:gpuPools[0].gpusPerNode: no machine carries 4 × NVIDIA H200 141GB (use one of 8)"],
    ],
    [
      "capacity misspelled",
      [{ name: "p", gpuType: "l4", capacity: "spots" }],
      ['finetune:gpuPools[0].capacity: "spots" is not allowed (use one of "spot", "on-demand"; did you mean "spot"?)'],
    ],
    [
      "fallback size on an on-demand pool",
      [{ name: "p", gpuType: "l4", capacity: "on-demand", fallbackMaxNodes: 2 }],
      ['finetune:gpuPools[0].fallbackMaxNodes: only applies to spot pools with an on-demand fallback (remove it, or set capacity to "spot")'],
    ],
    ["unknown key", [{ name: "p", gpuType: "l4", maxNode: 3 }], ['finetune:gpuPools[0].maxNode: unknown key (did you mean "maxNodes"?)']],
    ["negative minNodes", [{ name: "p", gpuType: "l4", minNodes: -1 }], ["finetune:gpuPools[0].minNodes: is number -1, must be ≥ 0 (raise it to at least 0)"]],
    [
      "bad pool name",
      [{ name: "GPU_Pool", gpuType: "l4" }],
      [
        "finetune:gpuPools[0].name: \"GPU_Pool\" must be 1-30 lowercase letters, digits or '-', starting with a letter and not ending with '-' (it names node pools and queues)",
      ],
    ],
    [
      "duplicate names",
      [
        { name: "p", gpuType: "l4" },
        { name: "p", gpuType: "t4" },
      ],
      ['finetune:gpuPools[1].name: "p" is already used by finetune:gpuPools[0] (give each pool a unique name)'],
    ],
  ];
  it.each(cases)("%s", (_t, pools, expected) => {
    expect(problems({ ...k8s, gpuPools: pools })).toEqual(expected);
  });

  it("reports every problem of every pool at once", () => {
    expect(
      problems({
        ...k8s,
        gpuPools: [
          { name: "a", gpuType: "x100" },
          { name: "b", gpuType: "l4", minNodes: 5, maxNodes: 1, gpuSharing: { strategy: "mig" } },
        ],
      }),
    ).toEqual([
      'finetune:gpuPools[0].gpuType: "x100" is not a GPU type the kit knows (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)',
      'finetune:gpuPools[1].gpuSharing.strategy: "mig" is not allowed (use one of "time-sharing", "mps"; did you mean "mps"?)',
      "finetune:gpuPools[1].minNodes: 5 is more than maxNodes 1 (lower minNodes or raise maxNodes)",
    ]);
  });
});

describe("finetune:gpuPools for a target (resolveGpuPools)", () => {
  it("gcp: defaults to a GKE node pool with the catalog machine; aws-sagemaker: the ml.* type; kubernetes: existing nodes", () => {
    const g = parseKitConfig({
      target: "gcp",
      gcp: { project: "my-proj-123", region: "us-central1" },
      gpuPools: [{ name: "h", gpuType: "h100", gpusPerNode: 8 }],
    });
    expect(resolveGpuPools("gcp", g.gpuPools)[0]).toMatchObject({
      provisioner: "gke-node-pool",
      instanceTypes: ["a3-highgpu-8g"],
      gpusPerNode: 8,
      onDemandFallback: true,
      fallbackMaxNodes: 2,
      minNodes: 0,
    });
    const a = parseKitConfig({ target: "aws-sagemaker", aws: { region: "us-east-1" }, gpuPools: [{ name: "g", gpuType: "a10g" }] });
    expect(resolveGpuPools("aws-sagemaker", a.gpuPools)[0]).toMatchObject({ provisioner: "sagemaker", instanceTypes: ["ml.g5.xlarge"], gpusPerNode: 1 });
    const k = parseKitConfig({
      ...k8s,
      gpuPools: [{ name: "k", gpuType: "b200", gpusPerNode: 8, capacity: "on-demand", nodeLabels: { "node.kubernetes.io/instance-type": "dgx-b200" } }],
    });
    expect(resolveGpuPools("kubernetes", k.gpuPools)[0]).toMatchObject({
      provisioner: "existing-nodes",
      instanceTypes: [],
      onDemandFallback: false,
      nodeLabels: { "node.kubernetes.io/instance-type": "dgx-b200" },
    });
  });

  it("rejects what the target cannot do, naming the key and the fix", () => {
    expect(resolveProblems("gcp", [{ name: "a", gpuType: "a10g" }])).toEqual([
      "finetune:gpuPools[0].gpuType: NVIDIA A10G is not offered on gcp (it is on aws, sagemaker; use one of t4, l4, a100-40gb, a100-80gb, h100, h200, b200)",
    ]);
    expect(resolveProblems("gcp", [{ name: "a", gpuType: "l4", instanceTypes: ["g2-standard-24"] }])).toEqual([
      'finetune:gpuPools[0].instanceTypes[0]: "g2-standard-24" carries 2 GPUs, not gpusPerNode 1 (use one of g2-standard-4, g2-standard-8, g2-standard-12, g2-standard-16, g2-standard-32, or set gpusPerNode to 2)',
    ]);
    expect(resolveProblems("gcp", [{ name: "a", gpuType: "h100", gpusPerNode: 8, provisioner: "gke-queued-provisioning" }])).toEqual([
      'finetune:gpuPools[0].capacity: queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand", or use provisioner "gke-node-pool")',
    ]);
    expect(resolveProblems("aws-sagemaker", [{ name: "a", gpuType: "h100", gpusPerNode: 1 }])).toEqual([
      "finetune:gpuPools[0].gpusPerNode: no aws-sagemaker machine carries 1 × NVIDIA H100 80GB (use one of 8)",
    ]);
    expect(resolveProblems("aws-sagemaker", [{ name: "a", gpuType: "l4", provisioner: "gke-node-pool", gpuSharing: { strategy: "mps" } }])).toEqual([
      'finetune:gpuPools[0].provisioner: "gke-node-pool" is not available on target aws-sagemaker (use one of "sagemaker")',
    ]);
    expect(resolveProblems("kubernetes", [{ name: "a", gpuType: "l4", instanceTypes: ["g6.xlarge"], gpuSharing: { strategy: "mps" } }])).toEqual([
      "finetune:gpuPools[0].gpuSharing: GPU sharing per pool is a GKE feature (remove it; on bare Kubernetes use finetune:driverStack.timeSlicing)",
      "finetune:gpuPools[0].instanceTypes: existing-nodes pools do not create machines (remove it; select nodes with nodeLabels)",
    ]);
    expect(resolveProblems("gcp", [{ name: "a", gpuType: "l4", nodeLabels: { a: "b" } }])).toEqual([
      "finetune:gpuPools[0].nodeLabels: only existing-nodes pools select nodes by label; the kit labels the nodes it creates (remove it)",
    ]);
    expect(resolveProblems("aws-sagemaker", [{ name: "a", gpuType: "a100-80gb", mig: { profile: "1g.10gb" } }])).toEqual([
      "finetune:gpuPools[0].mig: SageMaker training instances do not offer MIG (remove it)",
    ]);
  });

  it("exposes target issues as paths for a schema-level refinement", () => {
    const cfg = parseKitConfig({ ...k8s, gpuPools: [{ name: "a", gpuType: "l4" }] });
    expect(gpuPoolTargetIssues("kubernetes", [{ ...cfg.gpuPools[0], instanceTypes: ["x"] }])).toEqual([
      { path: ["gpuPools", 0, "instanceTypes"], message: "existing-nodes pools do not create machines (remove it; select nodes with nodeLabels)" },
    ]);
  });
});
