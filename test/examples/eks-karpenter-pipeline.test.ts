import { describe, expect, it } from "vitest";
import { runWithMocks, type MockRunResult, type RecordedResource } from "../../plan/mock-engine";
import { expectValidManifests } from "../validators/kubernetes";
import { mandatory, manifestsOf, manifestsOfKind, notOnProvider, packageOf, providerUrn } from "./helpers";

const PROJECT = "eks-karpenter-pipeline";
const BASE = {
  [`${PROJECT}:clusterName`]: "prod",
  [`${PROJECT}:region`]: "us-east-1",
  [`${PROJECT}:accountId`]: "123456789012",
  [`${PROJECT}:bucketName`]: "acme-prod-finetune-artifacts",
};

/** Runs the example as `pulumi up` would (the module's top level is the program; its exports are the outputs). */
async function runExample(extra: Record<string, string> = {}): Promise<MockRunResult> {
  return runWithMocks(async () => ({ ...(await import("../../examples/eks-karpenter-pipeline/index")) }), { project: PROJECT, config: { ...BASE, ...extra } });
}

function types(resources: RecordedResource[]): string[] {
  return [...new Set(resources.map((r) => r.type))].sort();
}

describe("examples/eks-karpenter-pipeline (karpenter)", () => {
  const run = runExample();

  it("creates the kit's components on the user's cluster", async () => {
    const { resources } = await run;
    expect(types(resources)).toEqual(
      expect.arrayContaining([
        "finetune-kit:index:KarpenterGpuNodePool",
        "finetune-kit:index:KarpenterInterruptionQueue",
        "finetune-kit:index:CudaDriverStack",
        "finetune-kit:index:KueueInstall",
        "finetune-kit:index:KueueGpuPool",
        "finetune-kit:index:AwsArtifactRegistry",
        "finetune-kit:index:KubernetesPipelinePlatform",
        "finetune-kit:index:PipelineNamespace",
        "finetune-kit:index:KubernetesFineTuningPipeline",
        "aws:sqs/queue:Queue",
        "aws:s3/bucket:Bucket",
        "aws:iam/role:Role",
      ]),
    );
    expect(types(resources)).not.toContain("finetune-kit:index:EksGpuNodePool");
    // Exactly one interruption queue: the pool does not create a second one.
    expect(resources.filter((r) => r.type === "aws:sqs/queue:Queue")).toHaveLength(1);
  });

  it("puts every custom resource on the user's own aws / kubernetes provider", async () => {
    const { resources } = await run;
    const byPkg = { aws: providerUrn(resources, "aws"), kubernetes: providerUrn(resources, "kubernetes") };
    expect(notOnProvider(resources, (r) => byPkg[packageOf(r.type) as keyof typeof byPkg])).toEqual([]);
  });

  it("renders a Karpenter NodePool with a GPU limit and spot-first requirements for the pipeline's pool", async () => {
    const { resources } = await run;
    const [nodePool] = manifestsOfKind(resources, "NodePool");
    expect(nodePool.metadata.name).toBe("l4-spot");
    const spec = nodePool.spec as {
      limits: Record<string, string>;
      template: { spec: { requirements: Array<{ key: string; operator: string; values: string[] }> } };
    };
    // maxNodes 2 × 1 L4 per node (g6.xlarge).
    expect(spec.limits).toEqual({ "nvidia.com/gpu": "2" });
    const req = Object.fromEntries(spec.template.spec.requirements.map((r) => [r.key, r.values]));
    expect(req["karpenter.sh/capacity-type"]).toEqual(["spot", "on-demand"]);
    expect(req["karpenter.k8s.aws/instance-gpu-name"]).toEqual(["l4"]);
    expect(req["karpenter.k8s.aws/instance-gpu-count"]).toEqual(["1"]);
    const [nodeClass] = manifestsOfKind(resources, "EC2NodeClass");
    expect((nodeClass.spec as { subnetSelectorTerms: unknown[] }).subnetSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": "prod" } }]);
  });

  it("exports the interruption queue as the Karpenter chart value settings.interruptionQueue", async () => {
    const { resources, outputs } = await run;
    const queue = resources.find((r) => r.type === "aws:sqs/queue:Queue")!;
    const queueName = queue.state.name as string;
    expect(queueName).toBeTruthy();
    expect(outputs.karpenterHelmValues).toEqual({ settings: { interruptionQueue: queueName } });
    const policy = JSON.parse(outputs.karpenterControllerQueuePolicy as string) as { Statement: Array<{ Action: string[]; Resource: string }> };
    expect(policy.Statement[0].Action).toEqual(["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]);
    expect(policy.Statement[0].Resource).toBe(queue.state.arn);
  });

  it("runs the driver stack in EKS preinstalled mode (no driver container)", async () => {
    const { resources } = await run;
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const gpuOperator = releases.find((r) => r.inputs.chart === "gpu-operator" || String(r.inputs.chart).endsWith("/gpu-operator"));
    expect(gpuOperator, releases.map((r) => r.inputs.chart).join(", ")).toBeDefined();
    expect((gpuOperator!.inputs.values as { driver: { enabled: boolean } }).driver.enabled).toBe(false);
  });

  it("creates the LocalQueue in the pipeline namespace and points the WorkflowTemplate's GPU stages at it", async () => {
    const { resources, outputs } = await run;
    const [localQueue] = manifestsOfKind(resources, "LocalQueue");
    expect(localQueue.metadata).toMatchObject({ name: "l4-spot", namespace: "ml-pipelines" });
    expect(outputs.localQueue).toBe("l4-spot");
    const [template] = manifestsOfKind(resources, "WorkflowTemplate");
    expect(template.metadata).toMatchObject({ name: "doc-classifier", namespace: "ml-pipelines" });
    expect(JSON.stringify(template.spec)).toContain("kueue.x-k8s.io/queue-name");
    expect(outputs.submit).toBe("argo submit --from workflowtemplate/doc-classifier -n ml-pipelines");
  });

  it("gives the pipeline's ServiceAccount the IRSA role, trusted only for that ServiceAccount", async () => {
    const { resources, outputs } = await run;
    const sa = manifestsOfKind(resources, "ServiceAccount").find((m) => m.metadata.name === "doc-classifier-pipeline")!;
    expect(sa.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/prod-doc-classifier-pipeline" });
    const role = resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "pipeline-irsa")!;
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as { Statement: Array<{ Condition: { StringEquals: Record<string, string> } }> };
    expect(Object.values(trust.Statement[0].Condition.StringEquals)).toEqual([
      "system:serviceaccount:ml-pipelines:doc-classifier-pipeline",
      "sts.amazonaws.com",
    ]);
    expect(outputs.bucket).toBe("s3://acme-prod-finetune-artifacts");
    expect(outputs.containerRegistry).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune");
  });

  it("protects the registry's stateful resources (bucket, key, ECR repositories, model package group)", async () => {
    const { resources } = await run;
    const stateful = resources.filter((r) =>
      ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:ecr/repository:Repository", "aws:sagemaker/modelPackageGroup:ModelPackageGroup"].includes(r.type),
    );
    expect(stateful).toHaveLength(8); // bucket, key, model package group, 4 stage repositories + the python pin's mirror repository
    expect(stateful.filter((r) => !r.protect).map((r) => r.name)).toEqual([]);
  });

  it("creates the default-deny pipeline namespace", async () => {
    const { resources } = await run;
    const deny = manifestsOfKind(resources, "NetworkPolicy").find((m) => m.metadata.name === "default-deny-all")!;
    expect(deny.metadata.namespace).toBe("ml-pipelines");
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("emits only Kubernetes objects the upstream validators accept", async () => {
    const { resources } = await run;
    const objs = manifestsOf(resources);
    expect(objs.length).toBeGreaterThan(10);
    expectValidManifests(objs);
  });

  it("has zero mandatory policy violations", async () => {
    const { resources } = await run;
    expect(mandatory(resources, PROJECT)).toEqual([]);
  });
});
