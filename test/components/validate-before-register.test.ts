import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  CudaDriverStack,
  EksGpuNodePool,
  GkeGpuNodePool,
  GpuSmokeTest,
  KarpenterGpuNodePool,
  KarpenterInterruptionQueue,
  KubernetesArtifactStore,
  PipelineNamespace,
  sagemakerPoolContract,
  existingNodesPoolContract,
  AwsArtifactRegistry,
  GcpArtifactRegistry,
  KueueGpuPool,
  KueueInstall,
  PrometheusMonitoring,
  type DriverStackContract,
} from "../../index";
import { PLAIN_VALUE_REASON } from "../../components/validation";
import { runWithMocks, type RecordedResource } from "../harness";

/** Constructs under mocks, catching what the constructor throws; returns the error and what was registered. */
async function attempt(construct: () => unknown): Promise<{ error: pulumi.InputPropertiesError; resources: RecordedResource[] }> {
  let caught: unknown;
  const run = await runWithMocks(() => {
    try {
      construct();
    } catch (e) {
      caught = e;
    }
  });
  expect(pulumi.InputPropertiesError.isInstance(caught), `expected an InputPropertiesError, got ${String(caught)}`).toBe(true);
  return { error: caught as pulumi.InputPropertiesError, resources: run.resources };
}

const driver: DriverStackContract = {
  mode: "gpu-operator",
  driverVersion: "580.105.08",
  maxCudaVersion: "13.0",
  dcgmExporter: true,
  runtimeClassName: "nvidia",
};
const lines = (e: pulumi.InputPropertiesError) => e.errors.map((x) => `${x.propertyPath}: ${x.reason}`);
const out = <T>(v: T) => pulumi.output(v) as unknown as T;

describe("components validate before they register (nothing is created for invalid arguments)", () => {
  const cases: [string, () => unknown, string[]][] = [
    [
      "GkeGpuNodePool",
      () => new GkeGpuNodePool("p", { cluster: "c", location: "us-central1", gpuType: "l4", queuedProvisioning: true, diskGiB: 50 }),
      [
        'queuedProvisioning: queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand")',
        "diskGiB: 50 GiB is below 100 (CUDA images and model weights need ≥ 100 GiB)",
      ],
    ],
    [
      // Only the Output is reported: the other checks would otherwise read its toString text.
      "GkeGpuNodePool (Output)",
      () => new GkeGpuNodePool("p", { cluster: out("c"), location: "us-central1", gpuType: "l4", machineType: out("g2-standard-8"), diskGiB: 50 }),
      [`machineType: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "KarpenterGpuNodePool",
      () => new KarpenterGpuNodePool("p", { clusterName: out("c"), gpuType: "l4", capacityTypes: [], rootVolumeGiB: 20 }),
      ['capacityTypes: is empty (use ["spot", "on-demand"])', "rootVolumeGiB: 20 GiB is below 100 (model weights and CUDA images need ≥ 100 GiB)"],
    ],
    [
      "EksGpuNodePool",
      () => new EksGpuNodePool("p", { clusterName: "c", subnetIds: ["s"], gpuType: "l4", labels: { team: out("ml") } }),
      [`labels.team: ${PLAIN_VALUE_REASON}`],
    ],
    // KarpenterInterruptionQueue takes every argument as an Input: nothing to reject (test/gpu-node-pool/inputs.test.ts).
    ["CudaDriverStack", () => new CudaDriverStack("d", { platform: "kubernetes", driverVersion: out("580") }), [`driverVersion: ${PLAIN_VALUE_REASON}`]],
    [
      "GpuSmokeTest",
      () => new GpuSmokeTest("s", { pool: sagemakerPoolContract({ name: "sm", gpuType: "a10g", instanceType: "ml.g5.2xlarge" }), driver, namespace: "ml" }),
      ["pool.platform: SageMaker pools have no Kubernetes nodes to test"],
    ],
    [
      "KubernetesArtifactStore",
      () =>
        new KubernetesArtifactStore("a", {
          pipelineNamespace: out("finetune"),
          containerRegistry: "harbor.example.com/ml",
          endpoint: out("https://s3") as unknown as string,
        }),
      [`endpoint: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "PipelineNamespace",
      () => new PipelineNamespace("n", { namespace: "Fine_Tune" }),
      ["namespace: \"Fine_Tune\" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)"],
    ],
    // PipelineNamespace takes its namespace as an Input (test/platform/inputs.test.ts checks an unknown one in apply).
    [
      "KueueInstall",
      () => new KueueInstall("k", { waitForPodsReadyTimeout: "ten minutes" }),
      ['waitForPodsReadyTimeout: "ten minutes" is not a duration (e.g. 10m)'],
    ],
    [
      "KueueInstall (Output)",
      () => new KueueInstall("k", { waitForPodsReadyTimeout: out("10m") as unknown as string }),
      [`waitForPodsReadyTimeout: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "KueueGpuPool (Output)",
      () => new KueueGpuPool("q", { pool: existingNodesPoolContract({ name: "l4", gpuType: "l4" }), namespace: "ml", cpuPerNode: out(4) as unknown as number }),
      [`cpuPerNode: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "AwsArtifactRegistry (Output)",
      () =>
        new AwsArtifactRegistry("r", {
          region: out("us-east-1"),
          accountId: out("123456789012"),
          bucketName: "b-artifacts",
          identityRoleArn: out("arn:aws:iam::123456789012:role/x"),
        }),
      [`region: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "GcpArtifactRegistry (Output)",
      () => new GcpArtifactRegistry("r", { project: out("my-proj-123"), region: "us-central1", kubernetesNamespace: "finetune" }),
      [`project: ${PLAIN_VALUE_REASON}`],
    ],
    [
      "PrometheusMonitoring (Output)",
      () => new PrometheusMonitoring("m", { namespace: out("monitoring"), retention: out("31d"), trainingNamespaces: ["finetune"] }),
      [`retention: ${PLAIN_VALUE_REASON}`],
    ],
  ];

  it.each(cases)("%s: every problem at once, zero resources registered", async (_name, construct, expected) => {
    const { error, resources } = await attempt(construct);
    expect(lines(error)).toEqual(expected);
    expect(resources).toEqual([]);
    expect(error.message).not.toContain("Calling [toString]");
  });

  it("an Output where an Input is declared is accepted (the check spares Input arguments)", async () => {
    const run = await runWithMocks(() => new KarpenterInterruptionQueue("q", { kmsKeyId: out("alias/k") }));
    expect(run.resources.map((r) => r.type)).toContain("aws:sqs/queue:Queue");
  });
});
