import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesFineTuningPipeline } from "../../components/pipeline/kubernetes";
import { SageMakerFineTuningPipeline, toAwsCron } from "../../components/pipeline/sagemaker";
import { STAGE_SCRIPTS } from "../../components/pipeline/scripts";
import { argoWorkflowsValues, KubernetesPipelinePlatform } from "../../components/platform";
import { PIPELINE_CHARTS } from "../../core/versions";
import { manifestsOf } from "../../plan/manifests";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { expectValidManifests } from "../validators/kubernetes";
import { validateSageMakerDefinition } from "../validators/sagemaker";
import { awsStore, example, l4Pool, minioStore, prometheusMonitoring, SAGEMAKER_POOLS, spec } from "./fixtures";

type Obj = Record<string, any>;
const ofType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
/** Construction errors are thrown before the component registers anything, so no runtime is needed. */
const errorOf = async (construct: () => unknown): Promise<pulumi.InputPropertiesError> => {
  try {
    construct();
  } catch (e) {
    if (pulumi.InputPropertiesError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected an InputPropertiesError");
};

describe("KubernetesFineTuningPipeline", () => {
  it("creates the namespace-scoped objects, all children of the component, and every manifest validates", async () => {
    const { resources } = await runWithMocks(() => {
      const p = new KubernetesFineTuningPipeline("support", {
        spec: example("support-assistant"),
        pool: l4Pool,
        store: minioStore,
        namespace: "finetune",
        monitoring: prometheusMonitoring,
        hubToken: pulumi.secret("hf_test_token"),
      });
      return { submit: p.submitCommand, gpus: p.placement.totalGpus };
    });
    const component = resources.find((r) => r.type === "finetune-kit:index:KubernetesFineTuningPipeline")!;
    expect(component.name).toBe("support");
    const children = resources.filter((r) => r.custom);
    for (const c of children) {
      expect(c.parent, c.name).toBe(component.urn);
      expect(c.name.startsWith("support-"), c.name).toBe(true);
    }
    expect(children.map((c) => `${c.inputs.kind}/${c.inputs.metadata.name}`).sort()).toEqual(
      [
        "ConfigMap/support-assistant-config",
        "ConfigMap/support-assistant-scripts",
        "CronWorkflow/support-assistant",
        "CronWorkflow/support-assistant-monitor",
        "Deployment/support-assistant-serving",
        "HorizontalPodAutoscaler/support-assistant-serving",
        "NetworkPolicy/support-assistant-allow-dns",
        "NetworkPolicy/support-assistant-allow-egress",
        "NetworkPolicy/support-assistant-allow-serving",
        "NetworkPolicy/support-assistant-allow-to-serving",
        "NetworkPolicy/support-assistant-allow-training-mesh",
        "NetworkPolicy/support-assistant-default-deny",
        "Role/support-assistant-pipeline",
        "RoleBinding/support-assistant-pipeline",
        "Secret/support-assistant-hub-token",
        "Service/support-assistant-serving",
        "ServiceAccount/support-assistant-pipeline",
        "WorkflowTemplate/support-assistant",
      ].sort(),
    );
    expectValidManifests(manifestsOf(resources));
    const scripts = children.find((c) => c.inputs.metadata.name === "support-assistant-scripts")!;
    expect(Object.keys(scripts.inputs.data).sort()).toEqual([...STAGE_SCRIPTS].sort());
    const secret = children.find((c) => c.inputs.kind === "Secret")!;
    expect(secret.inputs.stringData).toEqual({ HF_TOKEN: "hf_test_token" });
    expect(secret.redactedInputs.stringData).toBe("[secret]");
    const deployment = children.find((c) => c.inputs.kind === "Deployment")!;
    expect(deployment.inputs.spec.replicas).toBe(0);
    expect(deployment.ignoreChanges).toEqual(["spec.replicas", 'spec.template.metadata.annotations["finetune.dev/model-version"]']);
    const wf = children.find((c) => c.inputs.kind === "WorkflowTemplate")!;
    const before = children.filter((c) => ["ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding"].includes(c.inputs.kind)).map((c) => c.urn);
    for (const urn of before) expect(wf.dependsOn).toContain(urn);
  });

  it("refuses a gated model without a hub token and a model that cannot fit, listing every problem", async () => {
    const e = await errorOf(
      () =>
        new KubernetesFineTuningPipeline("big", {
          spec: spec({
            baseModel: { id: "meta-llama/Llama-3.1-8B-Instruct", revision: "v1", gated: true },
            method: { type: "full" },
            training: { cpuOffload: "never" },
            compute: { pool: "l4-spot", nodes: 1 },
          }),
          pool: l4Pool,
          store: minioStore,
          namespace: "Finetune",
          index: 3,
        }),
    );
    expect(e.errors.map((x) => x.propertyPath)).toEqual(["hubToken", "namespace", "finetune:pipelines[3].compute.pool"]);
    expect(e.message).toContain('KubernetesFineTuningPipeline "big" has invalid arguments (3 problems):');
    expect(e.message).toContain(
      "hubToken: is required because meta-llama/Llama-3.1-8B-Instruct is gated (pulumi config set --secret finetune:hubToken <token>, or name an existing Secret in baseModel.hubTokenSecret)",
    );
    expect(e.message).toContain("finetune:pipelines[3].compute.pool: full fine-tuning of 8.0B parameters needs ~68 GiB");
  });

  it("refuses a namespace other than the pool's LocalQueue's (Kueue admits only workloads of the queue's namespace)", async () => {
    const pool = { ...l4Pool, localQueueName: "l4-spot", localQueueNamespace: "finetune" };
    const e = await errorOf(
      () =>
        new KubernetesFineTuningPipeline("support", {
          spec: example("support-assistant"),
          pool,
          store: minioStore,
          namespace: "research",
          hubToken: pulumi.secret("hf_test"),
        }),
    );
    expect(e.message).toBe(
      'KubernetesFineTuningPipeline "support" has invalid arguments (1 problem):\n' +
        '  namespace: "research" is not the namespace of pool l4-spot\'s LocalQueue "l4-spot" ("finetune"), and a LocalQueue admits only workloads of its own namespace (run the pipeline in "finetune", or create a KueueGpuPool for this pool in "research")',
    );
    // The same pool in its own namespace is accepted.
    const { resources } = await runWithMocks(
      () =>
        new KubernetesFineTuningPipeline("ok", {
          spec: example("support-assistant"),
          pool,
          store: minioStore,
          namespace: "finetune",
          hubToken: pulumi.secret("hf_test"),
        }),
    );
    expect(resources.find((r) => r.inputs.kind === "WorkflowTemplate")?.inputs.metadata.namespace).toBe("finetune");
  });
});

describe("KubernetesPipelinePlatform", () => {
  it("its contract names where Argo, JobSet and Kueue run (installed here, existing elsewhere, or unknown)", async () => {
    const kueue = { namespace: "kueue-system", chartVersion: "0.19.2", ready: [] };
    let installed: KubernetesPipelinePlatform["contract"] | undefined;
    let existing: KubernetesPipelinePlatform["contract"] | undefined;
    await runWithMocks(() => {
      installed = new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune"], namespace: "ml-system", kueue }).contract;
      existing = new KubernetesPipelinePlatform("other", {
        workflowNamespaces: ["finetune"],
        installArgoWorkflows: false,
        installJobSet: false,
        existingArgoNamespace: "argo",
      }).contract;
    });
    expect(installed).toEqual({
      namespace: "ml-system",
      argoWorkflows: true,
      jobset: true,
      workflowNamespaces: ["finetune"],
      argoNamespace: "ml-system",
      jobsetNamespace: "ml-system",
      kueueNamespace: "kueue-system",
    });
    expect(existing).toEqual({ namespace: "finetune-system", argoWorkflows: false, jobset: false, workflowNamespaces: ["finetune"], argoNamespace: "argo" });
    const e = await errorOf(
      () => new KubernetesPipelinePlatform("p", { workflowNamespaces: ["finetune"], installJobSet: false, existingJobSetNamespace: "JobSet" }),
    );
    expect(e.errors).toEqual([{ propertyPath: "existingJobSetNamespace", reason: "\"JobSet\" is not a DNS label (use lowercase letters, digits and '-')" }]);
  });

  it("installs Argo Workflows and JobSet from the pinned charts with restricted security contexts in a restricted namespace", async () => {
    const { resources } = await runWithMocks(() => new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune"] }));
    const [ns] = ofType(resources, "kubernetes:core/v1:Namespace");
    expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const releases = ofType(resources, "kubernetes:helm.sh/v3:Release").sort((a, b) => a.name.localeCompare(b.name));
    expect(releases.map((r) => [r.name, r.inputs.chart, r.inputs.version])).toEqual([
      ["platform-argo-workflows", "argo-workflows", PIPELINE_CHARTS.argoWorkflows.version],
      ["platform-jobset", "oci://registry.k8s.io/jobset/charts/jobset", PIPELINE_CHARTS.jobset.version],
    ]);
    const argo = releases[0].inputs;
    expect(argo.repositoryOpts.repo).toBe("https://argoproj.github.io/argo-helm");
    // One pipeline namespace: the controller runs namespaced and manages only it, with a Role there.
    expect(argo.values.singleNamespace).toBe(true);
    expect(argo.values.controller.extraArgs).toEqual(["--managed-namespace", "finetune"]);
    expect(argo.values.controller.workflowNamespaces).toBeUndefined();
    expect(
      argo.values.extraObjects.map(
        (o: { kind: string; metadata: { name: string; namespace: string } }) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      ),
    ).toEqual(["Role finetune/argo-workflows-workflow-controller", "RoleBinding finetune/argo-workflows-workflow-controller"]);
    expect(argo.values.extraObjects[1].subjects).toEqual([
      { kind: "ServiceAccount", name: "argo-workflows-workflow-controller", namespace: "finetune-system" },
    ]);
    // Pipelines in the controller's own namespace: the chart's Role is enough, no second Role of the same name.
    expect(argoWorkflowsValues({ workflowNamespaces: ["finetune-system"], server: false, namespace: "finetune-system" }).extraObjects).toBeUndefined();
    for (const sc of [argo.values.controller.securityContext, argo.values.executor.securityContext, releases[1].inputs.values.controller.securityContext]) {
      expect(sc).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
    }
    // The server is off, and its settings are written only when it runs (no dead values).
    expect(argo.values.server).toEqual({ enabled: false });
    expect(argoWorkflowsValues({ workflowNamespaces: ["finetune"], server: true }).server).toMatchObject({
      enabled: true,
      authModes: ["client"],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    });
    expect(releases.every((r) => r.dependsOn.includes(ns.urn))).toBe(true);
  });

  it("skips what the cluster already has", async () => {
    const { resources } = await runWithMocks(
      () => new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune"], installArgoWorkflows: false, installJobSet: false }),
    );
    expect(resources.filter((r) => r.custom)).toEqual([]);
    const e = await errorOf(() => new KubernetesPipelinePlatform("p", { workflowNamespaces: [], namespace: "Bad_NS" }));
    expect(e.errors).toEqual([
      { propertyPath: "namespace", reason: "\"Bad_NS\" is not a DNS label (use lowercase letters, digits and '-')" },
      { propertyPath: "workflowNamespaces", reason: "is empty (list the namespaces the pipelines run in)" },
    ]);
  });
});

describe("SageMakerFineTuningPipeline", () => {
  const run = () =>
    runWithMocks(() => {
      const p = new SageMakerFineTuningPipeline("support", {
        spec: example("support-assistant"),
        pool: SAGEMAKER_POOLS["l4-spot"],
        store: awsStore,
        subnetIds: ["subnet-0a"],
        securityGroupIds: ["sg-01"],
        hubToken: pulumi.secret("hf_test"),
      });
      return { arn: p.pipeline.arn };
    });

  it("creates the pipeline with the rendered definition, the scripts and config in S3, and a schedule", async () => {
    const { resources } = await run();
    const [pipeline] = ofType(resources, "aws:sagemaker/pipeline:Pipeline");
    expect(pipeline.inputs.pipelineName).toBe("support-assistant");
    const def = JSON.parse(pipeline.inputs.pipelineDefinition);
    expect(def.Version).toBe("2020-12-01");
    const [role] = ofType(resources, "aws:iam/role:Role").filter((r) => r.name === "support-execution");
    expect(pipeline.inputs.roleArn).toBe(role.state.arn);
    expect(def.Steps[0].Arguments.RoleArn).toBe(role.state.arn);
    const codeUri = def.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri as string;
    expect(codeUri).toMatch(/^s3:\/\/acme-finetune-artifacts\/runs\/support-assistant\/_code\/[0-9a-f]{12}$/);
    const objects = ofType(resources, "aws:s3/bucketObjectv2:BucketObjectv2");
    expect(
      objects
        .filter((o) => `s3://${o.inputs.bucket}/${o.inputs.key}`.startsWith(codeUri))
        .map((o) => o.inputs.key.split("/").pop())
        .sort(),
    ).toEqual([...STAGE_SCRIPTS].sort());
    expect(objects.every((o) => o.inputs.serverSideEncryption === "aws:kms" && o.inputs.kmsKeyId === awsStore.kmsKeyId)).toBe(true);
    const pointer = objects.find((o) => o.inputs.key === "registry/support-assistant/deployed.json")!;
    expect(pointer.retainOnDelete).toBe(true);
    expect(pointer.ignoreChanges).toEqual(["content", "source"]);
    const [schedule] = ofType(resources, "aws:scheduler/schedule:Schedule");
    expect(schedule.inputs.scheduleExpression).toBe("cron(0 3 ? * 2 *)");
    expect(schedule.inputs.target.sagemakerPipelineParameters.pipelineParameters).toEqual([
      { name: "DatasetUri", value: "s3://acme-finetune-artifacts/datasets/support/transcripts-2026-11.jsonl" },
      { name: "BaseModelRevision", value: "0e9e39f249a16976918f6564b8830bc894c89659" },
    ]);
    const [secretVersion] = ofType(resources, "aws:secretsmanager/secretVersion:SecretVersion");
    expect(secretVersion.redactedInputs.secretString).toBe("[secret]");
    expect(def.Steps[1].Arguments.Environment.HF_TOKEN_SECRET_ARN).toBeDefined();
    expect(validateSageMakerDefinition({ ...def, Steps: [] })).toEqual([]);
  });

  it("scopes the execution role to exact actions on the store's prefixes, ECR, KMS, the model package group and the endpoint", async () => {
    const { resources } = await run();
    const policy = JSON.parse(ofType(resources, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "support-execution")!.inputs.policy);
    const statements: Obj[] = policy.Statement;
    for (const s of statements) for (const a of s.Action) expect(a, s.Sid).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadWriteRunData.Resource).toEqual([
      "arn:aws:s3:::acme-finetune-artifacts/runs/support-assistant/*",
      "arn:aws:s3:::acme-finetune-artifacts/models/*",
      "arn:aws:s3:::acme-finetune-artifacts/registry/support-assistant/*",
    ]);
    expect(bySid.Checkpoints).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: ["arn:aws:s3:::acme-finetune-artifacts/checkpoints/support-assistant/*"],
    });
    expect(bySid.EcrPull.Resource).toEqual(["arn:aws:ecr:us-east-1:123456789012:repository/finetune/*"]);
    expect(bySid.Kms.Resource).toEqual([awsStore.kmsKeyId]);
    expect(bySid.ModelRegistryAndEndpoint.Resource).toEqual([
      "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/finetune-models",
      "arn:aws:sagemaker:us-east-1:123456789012:model-package/finetune-models/*",
      "arn:aws:sagemaker:us-east-1:123456789012:model/*",
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/*",
      "arn:aws:sagemaker:us-east-1:123456789012:endpoint/support-assistant",
    ]);
    expect(bySid.PassRoleToJobs.Condition).toEqual({ StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
    expect(bySid.HubToken.Action).toEqual(["secretsmanager:GetSecretValue"]);
    // "*" resources only where AWS offers no resource-level permission
    expect(statements.filter((s) => s.Resource.includes("*")).map((s) => s.Sid)).toEqual(["EcrAuth", "Metrics", "VpcDescribe"]);
  });

  it("refuses a Kubernetes pool or store", async () => {
    const e = await errorOf(() => new SageMakerFineTuningPipeline("x", { spec: spec(), pool: l4Pool, store: minioStore }));
    expect(e.errors.map((x) => x.propertyPath)).toEqual(["store", "pool", "store.containerRegistry"]);
  });

  it("translates cron to EventBridge's six-field form", () => {
    expect(toAwsCron("0 3 * * 1")).toBe("0 3 ? * 2 *");
    expect(toAwsCron("30 2 1 * *")).toBe("30 2 1 * ? *");
    expect(toAwsCron("0 */6 * * *")).toBe("0 */6 * * ? *");
  });
});
