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
    expect(lines(v)).toEqual(["budget-exists: the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)"]);
  });

  it("GcpArtifactRegistry: no violations", async () => {
    const v = await violationsOf(() => {
      const provider = new gcp.Provider("gcp", { project: "my-proj-123", region: "us-central1" });
      new GcpArtifactRegistry("finetune", { project: "my-proj-123", region: "us-central1", kubernetesNamespace: "finetune" }, { providers: [provider] });
    });
    expect(lines(mandatoryViolations(v))).toEqual([]);
    expect(lines(v)).toEqual(["budget-exists: the stack creates Google Cloud resources but no budget (add gcp.billing.Budget on the billing account with threshold rules)"]);
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
});
