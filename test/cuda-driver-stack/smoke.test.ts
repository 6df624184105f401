import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { GpuSmokeTest, SMOKE_EXIT_NO_GPU, smokeScript } from "../../components/cuda-driver-stack/smoke-test";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import { existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { buildPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { GPU_TOLERATION } from "../../components/gpu-node-pool/labels";
import { GPU_STACK_IMAGES } from "../../core/versions";
import { manifestsOf, one, runWithMocks } from "../harness";
import { expectValidManifests } from "../validators/kubernetes";
import { constructionError, problemLines } from "../gpu-node-pool/helpers";

const SCRIPT = path.join(__dirname, "..", "..", "components", "cuda-driver-stack", "smoke", "gpu_smoke.py");

/** Runs the script with python3 and a PATH holding only `binDir` (plus python3's own directory). */
function runScript(binDir: string, args: string[] = []) {
  // The real interpreter (not a version-manager shim, which needs the PATH this test takes away).
  const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
  const env = { PATH: [binDir, path.dirname(python)].join(":"), HOME: os.tmpdir() };
  return spawnSync(python, [SCRIPT, ...args], { env, encoding: "utf8", timeout: 60_000 });
}

function fakeBin(nvidiaSmi?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-"));
  if (nvidiaSmi !== undefined) {
    fs.writeFileSync(path.join(dir, "nvidia-smi"), `#!/bin/sh\n${nvidiaSmi}\n`, { mode: 0o755 });
  }
  return dir;
}

describe("gpu_smoke.py on a machine without a GPU (no device was available in this session)", () => {
  it("says 'NO GPU' clearly and exits 2 when there is no driver at all", () => {
    const r = runScript(fakeBin());
    expect(r.status).toBe(SMOKE_EXIT_NO_GPU);
    expect(r.stdout).toContain("driver version: not found");
    expect(r.stdout).toContain("GPUs visible:   0");
    expect(r.stderr).toContain("NO GPU: no NVIDIA GPU is visible to this container (nvidia-smi not found; driver: not found;");
    const last = r.stdout.trim().split("\n").pop()!;
    expect(last.startsWith("GPU_SMOKE_RESULT ")).toBe(true);
    expect(JSON.parse(last.slice("GPU_SMOKE_RESULT ".length))).toMatchObject({ status: "no-gpu", gpus_visible: 0, driver_version: null });
  });

  it("exits 2 when nvidia-smi exists but fails (driver not loaded)", () => {
    const r = runScript(fakeBin('echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." >&2; exit 9'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("NO GPU: no NVIDIA GPU is visible to this container (nvidia-smi found no GPU;");
  });

  it("with GPUs but neither torch nor cupy: reports driver and GPUs, skips the matmul, exits 0", () => {
    const r = runScript(fakeBin('echo "580.105.08, NVIDIA H100 80GB HBM3, 81559"; echo "580.105.08, NVIDIA H100 80GB HBM3, 81559"'), ["--expect-gpus", "2"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("driver version: 580.105.08");
    expect(r.stdout).toContain("GPUs visible:   2");
    expect(r.stdout).toContain("  - NVIDIA H100 80GB HBM3 (81559 MiB)");
    expect(r.stdout).toContain("matmul: skipped (neither torch nor cupy is installed");
  });

  it("fails with exit 3 when fewer GPUs are visible than expected", () => {
    const r = runScript(fakeBin('echo "580.105.08, NVIDIA L4, 23034"'), ["--expect-gpus", "8"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("TOO FEW GPUS: expected 8, see 1.");
  });
});

describe("GpuSmokeTest", () => {
  const driver: DriverStackContract = {
    mode: "gpu-operator",
    driverVersion: "580.105.08",
    maxCudaVersion: "13.0",
    dcgmExporter: true,
    runtimeClassName: "nvidia",
  };

  it("a PSS-restricted Job on the pool's queue, requesting one GPU, running the shipped script from a ConfigMap; all valid", async () => {
    const pool = {
      ...existingNodesPoolContract({ name: "a100", gpuType: "a100-80gb", gpusPerNode: 8 }),
      localQueueName: "a100",
      flavors: ["a100-spot", "a100-on-demand"],
    };
    const { resources } = await runWithMocks(
      () => new GpuSmokeTest("smoke-a100", { pool, driver, namespace: "finetune" }, { provider: new k8s.Provider("k8s", { context: "c", kubeconfig: "{}" }) }),
    );
    const objs = manifestsOf(resources) as any[];
    expectValidManifests(objs);
    const cm = objs.find((o) => o.kind === "ConfigMap");
    expect(cm.metadata).toMatchObject({ name: "gpu-smoke-a100-script", namespace: "finetune" });
    expect(cm.data["gpu_smoke.py"]).toBe(smokeScript());
    const job = objs.find((o) => o.kind === "Job");
    expect(job.metadata.name).toBe("gpu-smoke-a100");
    expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("a100");
    expect(job.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC).toBeUndefined();
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
    expect(pod.runtimeClassName).toBe("nvidia");
    expect(pod.nodeSelector).toEqual(pool.nodeSelector);
    expect(pod.tolerations).toEqual([GPU_TOLERATION]);
    const c = pod.containers[0];
    expect(c.image).toBe(`${GPU_STACK_IMAGES.gpuSmokeTest.repository}:${GPU_STACK_IMAGES.gpuSmokeTest.tag}`);
    expect(c.command).toEqual(["python3", "/opt/finetune-smoke/gpu_smoke.py"]);
    expect(c.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(job.spec.podFailurePolicy.rules).toEqual([
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "FailJob", onExitCodes: { containerName: "smoke", operator: "In", values: [2] } },
    ]);
    expect(one(resources, "kubernetes:batch/v1:Job").dependsOn).toContain(one(resources, "kubernetes:core/v1:ConfigMap").urn);
  });

  it("Karpenter pools get karpenter.sh/do-not-disrupt on the pod", async () => {
    const pool = buildPoolContract({
      name: "h100",
      platform: "karpenter",
      gpuType: "h100",
      gpusPerNode: 8,
      capacityTypes: ["spot"],
      maxNodes: 1,
      nodeSelector: {},
      tolerations: [GPU_TOLERATION],
      karpenter: true,
    });
    const { resources } = await runWithMocks(
      () => new GpuSmokeTest("s", { pool, driver: { ...driver, runtimeClassName: undefined }, namespace: "ml", gpus: 8 }),
    );
    const job = (manifestsOf(resources) as any[]).find((o) => o.kind === "Job");
    expectValidManifests([job]);
    expect(job.spec.template.metadata.annotations).toEqual({ "karpenter.sh/do-not-disrupt": "true" });
    expect(job.spec.template.spec.runtimeClassName).toBeUndefined();
    expect(job.spec.template.spec.containers[0].args).toEqual(["--expect-gpus", "8"]);
  });

  it("rejects SageMaker pools and GPU counts the node cannot carry", async () => {
    const sm = buildPoolContract({
      name: "sm",
      platform: "sagemaker",
      gpuType: "l4",
      gpusPerNode: 1,
      capacityTypes: ["spot"],
      maxNodes: 1,
      nodeSelector: {},
      tolerations: [],
    });
    const e = await constructionError(() => new GpuSmokeTest("s", { pool: sm, driver, namespace: "ml", gpus: 2 }));
    expect(problemLines(e)).toEqual(["pool.platform: SageMaker pools have no Kubernetes nodes to test", "gpus: 2 is outside 1..1 (GPUs per node of pool sm)"]);
  });
});
