/**
 * The kit's own components, run under mocks exactly as a stack would create them, produce no mandatory
 * violation of the pack; the advisory findings are listed so that a change in them is a conscious one.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsArtifactRegistry } from "../../components/artifact-registry/aws";
import { GcpArtifactRegistry } from "../../components/artifact-registry/gcp";
import { KubernetesArtifactStore } from "../../components/artifact-registry/kubernetes";
import { CudaDriverStack } from "../../components/cuda-driver-stack/driver-stack";
import { GpuSmokeTest } from "../../components/cuda-driver-stack/smoke-test";
import { EksGpuNodePool } from "../../components/gpu-node-pool/eks";
import { GkeGpuNodePool } from "../../components/gpu-node-pool/gke";
import { KarpenterGpuNodePool } from "../../components/gpu-node-pool/karpenter";
import { KueueGpuPool, KueueInstall } from "../../components/gpu-node-pool/kueue";
import { existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import { CloudWatchMonitoring } from "../../components/monitoring/cloudwatch";
import { PrometheusMonitoring } from "../../components/monitoring/prometheus";
import { runWithMocks } from "../../plan/mock-engine";
import { mandatoryViolations, runPolicies, type PolicyViolation } from "../../policy/engine";

const TAGS = { "pulumi:project": "finetune", "pulumi:stack": "dev" };

async function violationsOf(program: () => void): Promise<PolicyViolation[]> {
  const { resources } = await runWithMocks(program);
  return runPolicies(resources, TAGS);
}

const lines = (vs: PolicyViolation[]): string[] => vs.map((v) => `${v.policy}: ${v.message}`);

describe("the kit's components against finetune-guard", () => {
  it("AwsArtifactRegistry: no violations", async () => {
    const v = await violationsOf(() => {
      const provider = new aws.Provider("aws", { region: "us-east-1" });
      new AwsArtifactRegistry("finetune", { region: "us-east-1", bucketName: "acme-ft-artifacts" }, { providers: [provider] });
    });
    expect(lines(mandatoryViolations(v))).toEqual([]);
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)",
    ]);
  });

  it("GcpArtifactRegistry: no violations", async () => {
    const v = await violationsOf(() => {
      const provider = new gcp.Provider("gcp", { project: "my-proj-123", region: "us-central1" });
      new GcpArtifactRegistry("finetune", { project: "my-proj-123", region: "us-central1", kubernetesNamespace: "finetune" }, { providers: [provider] });
    });
    expect(lines(mandatoryViolations(v))).toEqual([]);
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates Google Cloud resources but no budget (add gcp.billing.Budget on the billing account with threshold rules)",
    ]);
  });

  it("KubernetesArtifactStore (embedded MinIO): no violations", async () => {
    const v = await violationsOf(() => {
      const provider = new k8s.Provider("k8s", { context: "gpu-cluster" });
      new KubernetesArtifactStore(
        "finetune",
        {
          pipelineNamespace: "finetune",
          containerRegistry: "registry.example.com/ml",
          imagePullSecret: "regcred",
          rootPassword: pulumi.secret("root-password-123"),
          pipelineSecretKey: pulumi.secret("pipeline-secret-456"),
          provisioner: "ebs.csi.aws.com",
          storageParameters: { type: "gp3", encrypted: "true" },
          storageSize: "500Gi",
        },
        { provider },
      );
    });
    expect(lines(mandatoryViolations(v))).toEqual([]);
    expect(lines(v)).toEqual([]);
  });

  it("PrometheusMonitoring (kube-prometheus-stack): no violations", async () => {
    const v = await violationsOf(() => {
      new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], thresholds: { gpuHoursBudget: 5000 } });
    });
    expect(lines(mandatoryViolations(v))).toEqual([]);
    expect(lines(v)).toEqual([]);
  });

  it("EksGpuNodePool: no violations (tainted, bounded, scale-to-zero, IMDSv2 launch template, no SSH)", async () => {
    const v = await violationsOf(() => {
      new EksGpuNodePool("gpu", { clusterName: "finetune", subnetIds: ["subnet-0a", "subnet-0b"], gpuType: "l4" });
    });
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)",
    ]);
  });

  it("GkeGpuNodePool: no violations (shielded, GKE metadata server, dedicated service account, pinned driver)", async () => {
    const v = await violationsOf(() => {
      new GkeGpuNodePool("gpu", { cluster: "finetune", location: "us-central1", gpuType: "l4" });
    });
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates Google Cloud resources but no budget (add gcp.billing.Budget on the billing account with threshold rules)",
    ]);
  });

  it("KarpenterGpuNodePool with its interruption queue: no violations", async () => {
    const v = await violationsOf(() => {
      new KarpenterGpuNodePool("gpu", { clusterName: "finetune", gpuType: "l4" });
    });
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)",
    ]);
  });

  it("KarpenterGpuNodePool without creating the interruption queue is flagged", async () => {
    const v = await violationsOf(() => {
      new KarpenterGpuNodePool("gpu", { clusterName: "finetune", gpuType: "l4", createInterruptionQueue: false });
    });
    expect(mandatoryViolations(v).map((x) => x.policy)).toEqual(["karpenter-interruption-queue"]);
  });

  const pool = () => existingNodesPoolContract({ name: "a100", gpuType: "a100-80gb", gpusPerNode: 8, maxNodes: 3 });
  /** The pipeline namespace's default-deny policy, which the pipeline component owns. */
  const NAMESPACE_ONLY = [
    `pipeline-namespace-default-deny: pipeline namespace "finetune" has no default-deny NetworkPolicy for Ingress and Egress (add a NetworkPolicy in "finetune" with podSelector: {} and policyTypes: [Ingress, Egress], then allow only DNS, the object store, the model hub and the API server)`,
  ];

  it("KueueInstall + KueueGpuPool: only the pipeline namespace's NetworkPolicy is missing (the pipeline creates it)", async () => {
    const v = await violationsOf(() => {
      const kueue = new KueueInstall("kueue", {});
      new KueueGpuPool("a100-queue", { pool: pool(), namespace: "finetune" }, { dependsOn: [kueue] });
    });
    expect(lines(v)).toEqual(NAMESPACE_ONLY);
  });

  it("CudaDriverStack (GPU Operator) + GpuSmokeTest: privileged only in the GPU Operator namespace", async () => {
    const v = await violationsOf(() => {
      const driver = new CudaDriverStack("cuda", { platform: "kubernetes" });
      new GpuSmokeTest("smoke", { pool: pool(), driver: driver.contract, namespace: "finetune" });
    });
    expect(lines(v)).toEqual(NAMESPACE_ONLY);
  });

  it("CloudWatchMonitoring: no violations", async () => {
    const v = await violationsOf(() => {
      new CloudWatchMonitoring("mon", { region: "us-east-1", accountId: "123456789012" });
    });
    expect(lines(v)).toEqual([
      "budget-exists: the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)",
    ]);
  });
});
