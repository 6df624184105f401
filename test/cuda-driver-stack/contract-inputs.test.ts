import { describe, expect, it } from "vitest";
import { GpuSmokeTest } from "../../components/cuda-driver-stack/smoke-test";
import { GPU_TOLERATION } from "../../components/gpu-node-pool/labels";
import { buildPoolContract, existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, type Wrap } from "../components/inputs-helpers";

const driver: DriverStackContract = { mode: "gpu-operator", driverVersion: "580.95.05", maxCudaVersion: "13.0", dcgmExporter: true };
const l4Pool = (): GpuPoolContract => ({ ...existingNodesPoolContract({ name: "l4", gpuType: "l4", gpusPerNode: 2, maxNodes: 2 }), localQueueName: "l4" });
const efaPool = (): GpuPoolContract => ({
  ...buildPoolContract({
    name: "p5",
    platform: "karpenter",
    gpuType: "h100",
    gpusPerNode: 8,
    capacityTypes: ["spot"],
    maxNodes: 4,
    nodeSelector: { "finetune.dev/pool": "p5" },
    tolerations: [GPU_TOLERATION],
    karpenter: true,
    instanceType: "p5.48xlarge",
    localQueueName: "p5",
  }),
  interconnect: { kind: "efa", offered: "efa", devicesPerNode: 32, compactPlacement: true, resourceName: "vpc.amazonaws.com/efa" },
});

describe("GpuSmokeTest takes its pool and driver contracts as Inputs", () => {
  it("Outputs give the same Jobs, ConfigMaps, Service and NetworkPolicies (NCCL test on)", async () => {
    const rs = await expectSameResources(
      (w: Wrap) => new GpuSmokeTest("smoke", { pool: w(l4Pool()), driver: w(driver), namespace: w("finetune"), ncclTest: true }),
    );
    expect(rs.map((r) => r.name).sort()).toEqual([
      "smoke",
      "smoke-job",
      "smoke-nccl-dns",
      "smoke-nccl-job",
      "smoke-nccl-mesh",
      "smoke-nccl-peers",
      "smoke-nccl-script",
      "smoke-script",
    ]);
    expect(rs.find((r) => r.name === "smoke-job")!.inputs.metadata.name).toBe("gpu-smoke-l4");
  });

  it("without ncclTest the pool decides: an EFA pool as an Output gets the NCCL test created once it resolves (same resources)", async () => {
    const rs = await expectSameResources((w: Wrap) => new GpuSmokeTest("smoke", { pool: w(efaPool()), driver: w(driver), namespace: "finetune" }));
    expect(rs.some((r) => r.name === "smoke-nccl-job")).toBe(true);
    // …and a pool without an interconnect gets none.
    const none = await expectSameResources((w: Wrap) => new GpuSmokeTest("smoke", { pool: w(l4Pool()), driver: w(driver), namespace: "finetune" }));
    expect(none.some((r) => r.name.includes("nccl"))).toBe(false);
  });

  it("jobName / ncclJobName: plain when the pool is known; from jobNameOutput / ncclJobNameOutput when it is an Output", async () => {
    let known: GpuSmokeTest | undefined;
    let unknown: GpuSmokeTest | undefined;
    const { outputs } = await runWithMocks(() => {
      known = new GpuSmokeTest("a", { pool: efaPool(), driver, namespace: "finetune" });
      unknown = new GpuSmokeTest("b", { pool: later(efaPool()), driver: later(driver), namespace: "finetune" });
      return { job: unknown.jobNameOutput, nccl: unknown.ncclJobNameOutput };
    });
    expect([known!.jobName, known!.ncclJobName]).toEqual(["gpu-smoke-p5", "nccl-smoke-p5"]);
    expect([outputs.job, outputs.nccl]).toEqual(["gpu-smoke-p5", "nccl-smoke-p5"]);
    expect(() => unknown!.jobName).toThrow(
      'GpuSmokeTest "b": jobName derives from arguments passed as Outputs and is not known at construction (read jobNameOutput, a pulumi.Output, instead)',
    );
  });

  it("a SageMaker pool: at construction when known, inside apply (same message) when an Output", async () => {
    const sagemaker = { ...l4Pool(), platform: "sagemaker" as const };
    await expectSameFailureInApply(
      "pool.platform",
      () => new GpuSmokeTest("smoke", { pool: sagemaker, driver, namespace: "finetune" }),
      () => new GpuSmokeTest("smoke", { pool: later(sagemaker), driver, namespace: "finetune" }),
    );
  });

  it("a driver too old for the EFA NCCL image: at construction when known, inside apply (same message) when an Output", async () => {
    const old = { ...driver, driverVersion: "550.127.08", maxCudaVersion: "12.4" };
    await expectSameFailureInApply(
      "ncclTest",
      () => new GpuSmokeTest("smoke", { pool: efaPool(), driver: old, namespace: "finetune" }),
      () => new GpuSmokeTest("smoke", { pool: efaPool(), driver: later(old), namespace: "finetune" }),
    );
  });
});
