import { describe, expect, it } from "vitest";
import { CudaDriverStack } from "../../components/cuda-driver-stack/driver-stack";
import { GpuSmokeTest } from "../../components/cuda-driver-stack/smoke-test";
import { existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, settle } from "../components/inputs-helpers";

describe("CudaDriverStack takes its namespace and the ServiceMonitor labels as Inputs", () => {
  it("Outputs give the same namespace, operator release and DCGM ServiceMonitor as plain values", async () => {
    const rs = await expectSameResources(
      (w) =>
        new CudaDriverStack("gpu", { platform: "kubernetes", namespace: w("gpu-ops"), serviceMonitorLabels: { release: w("prom") }, timeSlicingReplicas: 4 }),
    );
    const sm = rs.find((r) => r.name === "gpu-dcgm-servicemonitor")!;
    expect(sm.inputs.metadata).toMatchObject({ namespace: "gpu-ops", labels: { release: "prom" } });
    expect(sm.inputs.spec.namespaceSelector).toEqual({ matchNames: ["gpu-ops"] });
  });

  it("the contract names the Output namespace as the DCGM namespace through contractOutput; the plain view throws", async () => {
    let stack: CudaDriverStack | undefined;
    await runWithMocks(() => {
      stack = new CudaDriverStack("gpu", { platform: "kubernetes", namespace: later("gpu-ops") });
    });
    expect((await settle(stack!.contractOutput)).dcgmNamespace).toBe("gpu-ops");
    expect(() => stack!.contract).toThrow('CudaDriverStack "gpu": contract derives from arguments passed as Outputs');
    let plain: CudaDriverStack | undefined;
    await runWithMocks(() => {
      plain = new CudaDriverStack("gpu", { platform: "kubernetes", namespace: "gpu-ops" });
    });
    expect(await settle(stack!.contractOutput)).toEqual(plain!.contract);
  });

  it("a bad namespace: at construction when known, inside apply (same message) when an Output", async () => {
    await expectSameFailureInApply(
      "namespace",
      () => new CudaDriverStack("gpu", { platform: "kubernetes", namespace: "GPU_Ops" }),
      () => new CudaDriverStack("gpu", { platform: "kubernetes", namespace: later("GPU_Ops") }),
    );
  });

  it("the driver pin stays plain (it decides the contract's CUDA ceiling): an Output is a clear error", () => {
    expect(() => new CudaDriverStack("gpu", { platform: "kubernetes", driverVersion: later("580.95.05") as unknown as string })).toThrow(
      /driverVersion: is a pulumi.Output \(or Promise\), but this argument needs a plain value/,
    );
  });
});

describe("GpuSmokeTest takes its namespace as an Input", () => {
  const pool = () => ({ ...existingNodesPoolContract({ name: "l4", gpuType: "l4", gpusPerNode: 2, maxNodes: 2 }), localQueueName: "l4" });
  const driver = { mode: "gpu-operator" as const, driverVersion: "580.95.05", maxCudaVersion: "13.0", dcgmExporter: true };

  it("an Output namespace gives the same Jobs, ConfigMaps, Service and NetworkPolicies (NCCL test on)", async () => {
    const rs = await expectSameResources((w) => new GpuSmokeTest("smoke", { pool: pool(), driver, namespace: w("finetune"), ncclTest: true }));
    expect(rs.find((r) => r.name === "smoke-job")!.inputs.metadata.namespace).toBe("finetune");
    expect(rs.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(2);
  });

  it("a bad namespace: at construction when known, inside apply (same message) when an Output", async () => {
    await expectSameFailureInApply(
      "namespace",
      () => new GpuSmokeTest("smoke", { pool: pool(), driver, namespace: "Fine_Tune" }),
      () => new GpuSmokeTest("smoke", { pool: pool(), driver, namespace: later("Fine_Tune") }),
    );
  });
});
