/**
 * Plain PolicyResource fixtures for the policy tests: a compliant baseline per resource kind, and `patch`
 * to derive a violating variant. Every Kubernetes object here is also checked against the upstream schemas
 * (policies-fixtures-valid test) so the fixtures are objects a cluster would accept.
 */
import type { PolicyResource } from "../../policy/engine";

export const PROJECT = "finetune";
export const STACK = "dev";

/** Deep clone. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export interface ResOptions {
  protect?: boolean;
  parent?: string;
  dependsOn?: string[];
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

/** A resource as the mock engine records it. */
export function res(type: string, name: string, inputs: Record<string, unknown>, opts: ResOptions = {}): PolicyResource {
  return {
    type,
    name,
    urn: urnOf(type, name),
    inputs,
    protect: opts.protect ?? false,
    retainOnDelete: false,
    parent: opts.parent,
    dependsOn: opts.dependsOn ?? [],
  };
}

/** Type token the Kubernetes provider registers an object under (`v1` → `core/v1`). */
export function k8sType(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

/** A Kubernetes object as a resource (logical name = metadata.name). */
export function k8s(obj: Obj, opts: ResOptions = {}): PolicyResource {
  return res(k8sType(obj.apiVersion, obj.kind), obj.metadata.name, obj as unknown as Record<string, unknown>, opts);
}

/** Copy of `r` with `mutate` applied to a clone of its inputs. */
export function patch(r: PolicyResource, mutate: (inputs: any) => void, opts: ResOptions = {}): PolicyResource {
  const inputs = clone(r.inputs);
  mutate(inputs);
  return { ...r, inputs, protect: opts.protect ?? r.protect };
}

// ---- pods --------------------------------------------------------------------------------------

export const NS = "finetune";

export const restrictedContainerSc = () => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
});

export const restrictedPodSc = () => ({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });

export const trainerContainer = () => ({
  name: "trainer",
  image: "nvcr.io/nvidia/pytorch:25.01-py3",
  args: ["--output-dir", "/workspace/out"],
  env: [{ name: "CHECKPOINT_URI", value: "s3://finetune-data/checkpoints/sft" }],
  resources: { limits: { "nvidia.com/gpu": 1, memory: "64Gi" }, requests: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": 1 } },
  securityContext: restrictedContainerSc(),
  volumeMounts: [{ name: "shm", mountPath: "/dev/shm" }],
});

export const gpuTolerations = () => [
  { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
  { key: "karpenter.sh/capacity-type", operator: "Equal", value: "spot", effect: "NoSchedule" },
];

export const trainingPodSpec = () => ({
  restartPolicy: "Never",
  securityContext: restrictedPodSc(),
  nodeSelector: { "karpenter.sh/capacity-type": "spot" },
  tolerations: gpuTolerations(),
  containers: [trainerContainer()],
  volumes: [{ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } }],
});

export const ignoreDisruption = () => ({ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] });

/** A compliant spot GPU training Job. */
export const trainingJob = (name = "sft-train") =>
  k8s({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: NS },
    spec: {
      backoffLimit: 3,
      podFailurePolicy: { rules: [ignoreDisruption()] },
      template: { metadata: { annotations: { "karpenter.sh/do-not-disrupt": "true" } }, spec: trainingPodSpec() },
    },
  });

/** A compliant JobSet (leader + workers) queued through Kueue. */
export const trainingJobSet = (name = "sft") =>
  k8s({
    apiVersion: "jobset.x-k8s.io/v1alpha2",
    kind: "JobSet",
    metadata: { name, namespace: NS, labels: { "kueue.x-k8s.io/queue-name": "gpu" } },
    spec: {
      failurePolicy: { maxRestarts: 3 },
      replicatedJobs: [
        {
          name: "trainer",
          replicas: 1,
          template: {
            spec: {
              parallelism: 2,
              completions: 2,
              backoffLimit: 0,
              podFailurePolicy: { rules: [ignoreDisruption()] },
              template: {
                metadata: { annotations: { "karpenter.sh/do-not-disrupt": "true" } },
                spec: { ...trainingPodSpec(), nodeSelector: {}, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
              },
            },
          },
        },
      ],
    },
  });

/** A compliant CPU Deployment (no GPU). */
export const webDeployment = () =>
  k8s({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "model-card", namespace: NS },
    spec: {
      selector: { matchLabels: { app: "card" } },
      template: {
        metadata: { labels: { app: "card" } },
        spec: {
          securityContext: restrictedPodSc(),
          containers: [
            {
              name: "web",
              image: "nginxinc/nginx-unprivileged:1.27",
              securityContext: restrictedContainerSc(),
              resources: { requests: { cpu: "100m", memory: "64Mi" } },
            },
          ],
        },
      },
    },
  });

// ---- Argo --------------------------------------------------------------------------------------

export const argoContainer = (name: string, image = "ghcr.io/example/stage:1.0.0") => ({
  image,
  command: ["python", "-m", name],
  securityContext: restrictedContainerSc(),
});

/** A compliant WorkflowTemplate: prepare → train (JobSet resource) → evaluate → gate → register → deploy. */
export const pipelineTemplate = () =>
  k8s({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: { name: "sft-pipeline", namespace: NS },
    spec: {
      entrypoint: "main",
      serviceAccountName: "finetune-pipeline",
      securityContext: restrictedPodSc(),
      templates: [
        {
          name: "main",
          dag: {
            tasks: [
              { name: "prepare", template: "prepare" },
              { name: "train", template: "train", dependencies: ["prepare"] },
              { name: "evaluate", template: "evaluate", dependencies: ["train"] },
              { name: "gate", template: "gate", depends: "evaluate.Succeeded" },
              { name: "register", template: "register", dependencies: ["gate"] },
              { name: "deploy", template: "deploy", depends: "register", when: "{{tasks.gate.outputs.result}} == pass" },
            ],
          },
        },
        { name: "prepare", container: argoContainer("prepare") },
        {
          name: "train",
          resource: {
            action: "create",
            successCondition: "status.terminalState == Completed",
            failureCondition: "status.terminalState == Failed",
            manifest: JSON.stringify(clone(trainingJobSet("sft-{{workflow.uid}}").inputs)),
          },
        },
        { name: "evaluate", container: argoContainer("evaluate") },
        { name: "gate", script: { image: "python:3.12-slim", command: ["python"], source: "print('pass')", securityContext: restrictedContainerSc() } },
        { name: "register", container: argoContainer("register") },
        { name: "deploy", container: argoContainer("deploy") },
      ],
    },
  });

/** Sets the DAG tasks of the pipeline template. */
export function withTasks(r: PolicyResource, tasks: unknown[]): PolicyResource {
  return patch(r, (i) => {
    i.spec.templates[0].dag.tasks = tasks;
  });
}

// ---- SageMaker ---------------------------------------------------------------------------------

export const trainingStep = () => ({
  Name: "Train",
  Type: "Training",
  Arguments: {
    AlgorithmSpecification: { TrainingImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune/trainer:1.0.0", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/finetune-sagemaker",
    OutputDataConfig: { S3OutputPath: "s3://finetune-data/runs/sft", KmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" },
    ResourceConfig: { InstanceCount: 1, InstanceType: "ml.g5.2xlarge", VolumeSizeInGB: 200, VolumeKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" },
    StoppingCondition: { MaxRuntimeInSeconds: { Get: "Parameters.MaxRuntime" }, MaxWaitTimeInSeconds: 172800 },
    EnableManagedSpotTraining: true,
    CheckpointConfig: { S3Uri: "s3://finetune-data/checkpoints/sft", LocalPath: "/opt/ml/checkpoints" },
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    VpcConfig: { Subnets: ["subnet-0a", "subnet-0b"], SecurityGroupIds: ["sg-0a"] },
  },
});

export const registerStep = () => ({
  Name: "Register",
  Type: "RegisterModel",
  Arguments: {
    ModelPackageGroupName: "finetune-models",
    InferenceSpecification: {
      Containers: [{ Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune/serve:1.0.0" }],
      SupportedContentTypes: ["application/json"],
      SupportedResponseMIMETypes: ["application/json"],
    },
  },
});

export const sagemakerDefinition = () => ({
  Version: "2020-12-01",
  Parameters: [{ Name: "MaxRuntime", Type: "Integer", DefaultValue: 86400 }],
  Steps: [
    trainingStep(),
    { Name: "Evaluate", Type: "Processing", Arguments: {} },
    {
      Name: "Gate",
      Type: "Condition",
      Arguments: {
        Conditions: [
          { Type: "GreaterThanOrEqualTo", LeftValue: { Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['metrics'].S3Output.S3Uri" }, RightValue: 0.8 },
        ],
        IfSteps: [registerStep()],
        ElseSteps: [{ Name: "Reject", Type: "Fail", Arguments: { ErrorMessage: "evaluation below threshold" } }],
      },
    },
  ],
});

/** Minimal GPU Operator ClusterPolicy spec (the CRD requires every component section). */
export const clusterPolicySpec = (driver: Record<string, unknown>) => ({
  operator: {},
  daemonsets: {},
  driver,
  toolkit: { enabled: true },
  devicePlugin: { enabled: true },
  dcgm: { enabled: false },
  dcgmExporter: { enabled: true },
  gfd: { enabled: true },
  nodeStatusExporter: { enabled: false },
});

export const sagemakerPipeline = (definition: unknown = sagemakerDefinition()) =>
  res("aws:sagemaker/pipeline:Pipeline", "sft", {
    pipelineName: "sft",
    pipelineDisplayName: "sft",
    roleArn: "arn:aws:iam::123456789012:role/x",
    pipelineDefinition: JSON.stringify(definition),
  });
