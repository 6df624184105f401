import { stringify } from "yaml";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import type { MonitoringContract } from "../../core/contracts/monitoring";
import { SERVING_METRICS_PORT, SERVING_POD_LABELS } from "../../core/kubernetes";
import { problemText, type Problem } from "../../core/problem";
import { imageRef, PIPELINE_IMAGES } from "../../core/versions";
import {
  checkpointSyncCommand,
  dataPrepCommand,
  evaluationSteps,
  gateCommand,
  LOCAL,
  modelInitCommand,
  parameterCheckCommand,
  parameterEnvName,
  probeCommand,
  runStepsCommand,
  servedName,
  trainCommand,
  trainingSetupCommand,
  vllmArgs,
  type CheckedParameter,
} from "../commands";
import { runLayout, type RunLayout } from "../layout";
import type { ModelArchitecture } from "../models";
import { servingGpus, sizePipeline, type Placement, type SizingResult } from "../sizing";
import { hubTokenSecretOf, monitoringEnabled, type FineTuningPipelineSpec } from "../spec";
import { runStages } from "../stages";
import { renderSizingRecord, renderThresholds, renderTrainerConfig, tokensPerStep } from "../trainer-config";
import { validatePipelineAgainstPool } from "../validate";
import { pipelineMetricsEnv } from "./metrics-env";

/**
 * Pure renderer: pipeline spec + contracts → the Kubernetes objects of one pipeline (Argo WorkflowTemplate and
 * CronWorkflows, JobSets for the GPU stages admitted by Kueue, vLLM serving, RBAC, NetworkPolicies, config).
 * No Pulumi: plain objects in, plain objects out.
 */

/** A Kubernetes object. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

/** Inputs of the renderer. */
export interface KubernetesPipelineInput {
  spec: FineTuningPipelineSpec;
  pool: GpuPoolContract;
  store: ArtifactStoreContract;
  /** Namespace the pipeline runs in (created by the stack). */
  namespace: string;
  monitoring?: MonitoringContract;
  driver?: DriverStackContract;
  /** API-server egress for Argo's executor (NetworkPolicies cannot select the API server by label). @default { cidrs: ["0.0.0.0/0"], ports: [443, 6443] } */
  apiServer?: { cidrs: string[]; ports: number[] };
  /** CIDRs of the model hub (huggingface.co is served from a CDN). @default ["0.0.0.0/0"] on 443 */
  hubCidrs?: string[];
  /** Namespaces whose pods may call the serving endpoint (besides the pipeline's own pods). @default [] */
  servingClientNamespaces?: string[];
}

/** Names of the objects the renderer emits (the component creates them under these names). */
export interface PipelineObjectNames {
  serviceAccount: string;
  role: string;
  scriptsConfigMap: string;
  configConfigMap: string;
  hubTokenSecret: string;
  workflowTemplate: string;
  scheduleCron: string;
  monitorCron: string;
  serving: string;
}

export interface KubernetesPipelineRender {
  names: PipelineObjectNames;
  sizing: SizingResult & { placement: Placement; arch: ModelArchitecture };
  /** Objects to create, in dependency order. */
  objects: Manifest[];
  workflowTemplate: Manifest;
  cronWorkflows: Manifest[];
  /** The training JobSet the workflow creates (with the Argo placeholder `{{workflow.name}}` in names). */
  trainingJobSet: Manifest;
  evaluationJobSet: Manifest;
  /** Files of the config ConfigMap (trainer.json, sizing.json, thresholds.json). */
  configFiles: Record<string, string>;
}

/** Thrown when the spec does not fit the contracts: every problem with its config key. */
export class PipelineRenderError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`pipeline cannot be rendered:\n  ${problems.map((p) => `${p.path}: ${problemText(p)}`).join("\n  ")}`);
    this.name = "PipelineRenderError";
  }
}

/** Argo's run id: unique per workflow, stable across retries and JobSet restarts. */
export const ARGO_RUN_ID = "{{workflow.name}}";
const SCRIPTS = "/scripts";
/** The store CLI (pipelines/scripts/ftkit_store.py) as argv. */
const STORE = ["python3", `${SCRIPTS}/ftkit_store.py`];
/** The base-model revision as Argo substitutes it: only ever an argv element or env value, checked first. */
const REVISION_PARAMETER = "{{workflow.parameters.base-model-revision}}";
/** Workflow parameters the stages read, and what each must be (checked by the first step of every run). */
const WORKFLOW_PARAMETERS: CheckedParameter[] = [
  { name: "dataset-uri", kind: "object-uri" },
  { name: "base-model-revision", kind: "revision" },
];
/** Name of the DAG task that checks the workflow parameters; every root stage depends on it. */
export const CHECK_PARAMETERS_TASK = "check-parameters";
const CONFIG = "/config";
const SERVING_PORT = 8000;
const RUN_AS = 1000;

export const POD_SECURITY_CONTEXT = { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: "RuntimeDefault" } };
export const CONTAINER_SECURITY_CONTEXT = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const READ_ONLY_SECURITY_CONTEXT = { ...CONTAINER_SECURITY_CONTEXT, readOnlyRootFilesystem: true };

export function objectNames(spec: FineTuningPipelineSpec): PipelineObjectNames {
  const n = spec.name;
  return {
    serviceAccount: `${n}-pipeline`,
    role: `${n}-pipeline`,
    scriptsConfigMap: `${n}-scripts`,
    configConfigMap: `${n}-config`,
    hubTokenSecret: hubTokenSecretOf(spec).name,
    workflowTemplate: n,
    scheduleCron: n,
    monitorCron: `${n}-monitor`,
    serving: `${n}-serving`,
  };
}

/** Labels every object and pod of the pipeline carries; NetworkPolicies select on them. */
export function pipelineLabels(spec: FineTuningPipelineSpec, component?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "finetune-pipeline",
    "app.kubernetes.io/instance": spec.name,
    "app.kubernetes.io/managed-by": "finetune-kit",
    "finetune.dev/pipeline": spec.name,
    ...(component ? { "finetune.dev/component": component } : {}),
  };
}

/** Stage images: the spec's override, else the pin. */
export function stageImages(spec: FineTuningPipelineSpec) {
  return {
    python: imageRef(PIPELINE_IMAGES.python),
    storage: imageRef(PIPELINE_IMAGES.storage),
    dataPrep: spec.stages.dataPrep.image ?? imageRef(PIPELINE_IMAGES.python),
    modelInit: spec.stages.modelInit.image ?? imageRef(PIPELINE_IMAGES.trainer),
    trainingSetup: spec.stages.trainingSetup.image ?? imageRef(PIPELINE_IMAGES.python),
    trainer: spec.stages.training.image ?? imageRef(PIPELINE_IMAGES.trainer),
    evaluator: spec.evaluation.evaluator.image ?? imageRef(PIPELINE_IMAGES.evaluator),
    serving: spec.deployment.serving.image ?? imageRef(PIPELINE_IMAGES.serving),
    deployment: spec.stages.deployment.image ?? imageRef(PIPELINE_IMAGES.python),
    monitoring: spec.stages.monitoring.image ?? imageRef(PIPELINE_IMAGES.python),
  };
}

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

/** rclone configuration of the `store` remote from the artifact-store contract (env_auth: IRSA, Workload Identity or keys). */
export function storeEnv(store: ArtifactStoreContract): { env: EnvVar[]; envFrom: unknown[] } {
  const env: EnvVar[] = [
    { name: "FTKIT_RCLONE", value: "/tools/rclone" },
    { name: "FTKIT_RCLONE_REMOTE", value: "store" },
    { name: "RCLONE_CONFIG", value: "/tmp/rclone.conf" },
  ];
  if (store.scheme === "gs") {
    env.push({ name: "RCLONE_CONFIG_STORE_TYPE", value: "google cloud storage" }, { name: "RCLONE_CONFIG_STORE_ENV_AUTH", value: "true" }, { name: "RCLONE_CONFIG_STORE_BUCKET_POLICY_ONLY", value: "true" });
  } else {
    env.push({ name: "RCLONE_CONFIG_STORE_TYPE", value: "s3" }, { name: "RCLONE_CONFIG_STORE_ENV_AUTH", value: "true" });
    if (store.s3Endpoint) {
      env.push({ name: "RCLONE_CONFIG_STORE_PROVIDER", value: "Other" }, { name: "RCLONE_CONFIG_STORE_ENDPOINT", value: store.s3Endpoint }, { name: "RCLONE_CONFIG_STORE_FORCE_PATH_STYLE", value: "true" });
    } else {
      env.push({ name: "RCLONE_CONFIG_STORE_PROVIDER", value: "AWS" });
    }
    if (store.kmsKeyId && !store.s3Endpoint) {
      env.push({ name: "RCLONE_CONFIG_STORE_SERVER_SIDE_ENCRYPTION", value: "aws:kms" }, { name: "RCLONE_CONFIG_STORE_SSE_KMS_KEY_ID", value: store.kmsKeyId });
    }
  }
  const envFrom = store.credentialsSecretName ? [{ secretRef: { name: store.credentialsSecretName } }] : [];
  return { env, envFrom };
}

/**
 * Environment every kit container gets: paths, run identity, and the metrics contract (monitoring's
 * `trainingMetricsEnv(contract)` plus metric names and log keys, see ./metrics-env).
 */
function commonEnv(spec: FineTuningPipelineSpec, input: KubernetesPipelineInput, runId: string): EnvVar[] {
  return [
    { name: "HOME", value: "/tmp" },
    { name: "PYTHONPATH", value: SCRIPTS },
    { name: "PYTHONUNBUFFERED", value: "1" },
    { name: "HF_HOME", value: `${LOCAL.workspace}/.cache/huggingface` },
    ...pipelineMetricsEnv(input.monitoring, spec.name, runId),
    ...storeEnv(input.store).env,
  ];
}

const mounts = {
  scripts: { name: "scripts", mountPath: SCRIPTS, readOnly: true },
  config: { name: "config", mountPath: CONFIG, readOnly: true },
  tools: { name: "tools", mountPath: "/tools" },
  workspace: { name: "workspace", mountPath: LOCAL.workspace },
  tmp: { name: "tmp", mountPath: "/tmp" },
  dshm: { name: "dshm", mountPath: "/dev/shm" },
  models: { name: "models", mountPath: "/models" },
};

function volumes(names: PipelineObjectNames, workspaceGiB: number, extra: object[] = []): object[] {
  return [
    { name: "scripts", configMap: { name: names.scriptsConfigMap, defaultMode: 0o444 } },
    { name: "config", configMap: { name: names.configConfigMap, defaultMode: 0o444 } },
    { name: "tools", emptyDir: { sizeLimit: "256Mi" } },
    { name: "workspace", emptyDir: { sizeLimit: `${workspaceGiB}Gi` } },
    { name: "tmp", emptyDir: { sizeLimit: "4Gi" } },
    ...extra,
  ];
}

/** Init container that copies the static rclone binary into /tools for the stage scripts. */
function toolsInit(images: ReturnType<typeof stageImages>): object {
  return {
    name: "tools",
    image: images.storage,
    command: ["cp", "/usr/local/bin/rclone", "/tools/rclone"],
    volumeMounts: [mounts.tools],
    resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    securityContext: READ_ONLY_SECURITY_CONTEXT,
  };
}

function hubTokenEnv(spec: FineTuningPipelineSpec): EnvVar[] {
  if (!spec.baseModel.gated) return [];
  const ref = hubTokenSecretOf(spec);
  return [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } }];
}

function gpuResources(pool: GpuPoolContract, gpus: number, cpuPerGpu: number, memGiBPerGpu: number, ephemeralGiB: number): object {
  const r = { [pool.gpuResourceName]: String(gpus), cpu: String(gpus * cpuPerGpu), memory: `${gpus * memGiBPerGpu}Gi`, "ephemeral-storage": `${ephemeralGiB}Gi` };
  return { requests: r, limits: { [pool.gpuResourceName]: String(gpus), memory: `${gpus * memGiBPerGpu}Gi`, "ephemeral-storage": `${ephemeralGiB}Gi` } };
}

/** Pod-level placement on the GPU pool: nodeSelector, tolerations, runtime class. */
function gpuPodPlacement(pool: GpuPoolContract, driver?: DriverStackContract): Record<string, unknown> {
  return {
    nodeSelector: { ...pool.nodeSelector },
    tolerations: pool.tolerations.map((t) => ({ ...t })),
    ...(driver?.runtimeClassName ? { runtimeClassName: driver.runtimeClassName } : {}),
  };
}

function podAnnotations(pool: GpuPoolContract): Record<string, string> {
  return pool.karpenter ? { "karpenter.sh/do-not-disrupt": "true" } : {};
}

interface Ctx {
  input: KubernetesPipelineInput;
  spec: FineTuningPipelineSpec;
  names: PipelineObjectNames;
  images: ReturnType<typeof stageImages>;
  layout: RunLayout;
  placement: Placement;
  arch: ModelArchitecture;
  env: EnvVar[];
  envFrom: unknown[];
}

const JOBSET_API = "jobset.x-k8s.io/v1alpha2";
const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
/** Exit code of train_launcher.py for inputs a retry cannot fix. */
export const NON_RETRIABLE_EXIT_CODE = 42;

/** The training JobSet: one indexed Job with a pod per node, admitted by Kueue, preemption-tolerant. */
function trainingJobSet(c: Ctx): Manifest {
  const { spec, input, placement: p, layout: l } = c;
  const name = `${ARGO_RUN_ID}-train`;
  const leader = `${name}-node-0-0.${name}`;
  const labels = { ...pipelineLabels(spec, "training"), "finetune.dev/run-id": ARGO_RUN_ID };
  const train = trainCommand(spec, p, SCRIPTS, {
    config: `${l.stage("training-setup")}/trainer.json`,
    checkpoints: l.checkpoints,
    finalOutput: l.stage("training"),
    fetch: [
      [l.baseModel(REVISION_PARAMETER), LOCAL.model],
      [l.stage("data-prep"), LOCAL.data],
    ],
    leader,
    runId: ARGO_RUN_ID,
  });
  const env = [
    ...c.env,
    ...hubTokenEnv(spec),
    { name: "FTKIT_NODES", value: String(p.nodes) },
    { name: "FTKIT_NODE_RANK", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    { name: "FTKIT_CHECKPOINT_INTERVAL_SECONDS", value: String(spec.checkpointing.intervalMinutes * 60) },
    { name: "FTKIT_TOKENS_PER_STEP", value: String(tokensPerStep(spec, p)) },
    { name: "NCCL_DEBUG", value: "WARN" },
    { name: "TORCH_NCCL_ASYNC_ERROR_HANDLING", value: "1" },
  ];
  const pod = {
    metadata: { labels, annotations: podAnnotations(input.pool) },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: c.names.serviceAccount,
      securityContext: POD_SECURITY_CONTEXT,
      terminationGracePeriodSeconds: 120,
      ...gpuPodPlacement(input.pool, input.driver),
      ...(input.store.imagePullSecretName ? { imagePullSecrets: [{ name: input.store.imagePullSecretName }] } : {}),
      initContainers: [
        toolsInit(c.images),
        {
          name: "checkpoint-sync",
          image: c.images.trainer,
          restartPolicy: "Always",
          command: [...checkpointSyncCommand(spec, p, SCRIPTS, l.checkpoints), "--node-rank", "$(FTKIT_NODE_RANK)"],
          env,
          envFrom: c.envFrom,
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp],
          resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      containers: [
        {
          name: "trainer",
          image: c.images.trainer,
          command: train,
          env,
          envFrom: c.envFrom,
          ports: [{ name: "rendezvous", containerPort: 29500 }],
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp, mounts.dshm],
          resources: gpuResources(input.pool, p.gpusPerNode, spec.compute.cpuPerGpu, spec.compute.memoryGiBPerGpu, spec.compute.ephemeralStorageGiB),
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      volumes: volumes(c.names, spec.compute.ephemeralStorageGiB, [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${spec.compute.sharedMemoryGiB}Gi` } }]).filter((v) => (v as { name: string }).name !== "config"),
    },
  };
  return queuedJobSet(input, {
    name,
    labels,
    failurePolicy: { maxRestarts: spec.compute.maxRestarts, restartStrategy: "Recreate" },
    network: { enableDNSHostnames: true, publishNotReadyAddresses: true },
    job: "node",
    nodes: p.nodes,
    indexed: true,
    activeDeadlineSeconds: Math.round(spec.compute.maxRuntimeHours * 3600),
    failOnExit: { containerName: "trainer", codes: [NON_RETRIABLE_EXIT_CODE] },
    pod,
  });
}

/** The evaluation JobSet: vLLM serves base + candidate (native sidecar), the evaluator scores it. */
function evaluationJobSet(c: Ctx): Manifest {
  const { spec, input, layout: l } = c;
  const name = `${ARGO_RUN_ID}-eval`;
  const labels = { ...pipelineLabels(spec, "evaluation"), "finetune.dev/run-id": ARGO_RUN_ID };
  const gpus = servingGpus(c.arch, input.pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const evalDir = LOCAL.evalOut;
  const steps = evaluationSteps(spec, { scripts: SCRIPTS, endpoint: `http://localhost:${SERVING_PORT}/v1`, evalFile: `${LOCAL.data}/eval.jsonl`, out: evalDir, tokenizer: LOCAL.model });
  const pod = {
    metadata: { labels, annotations: podAnnotations(input.pool) },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: c.names.serviceAccount,
      securityContext: POD_SECURITY_CONTEXT,
      ...gpuPodPlacement(input.pool, input.driver),
      ...(input.store.imagePullSecretName ? { imagePullSecrets: [{ name: input.store.imagePullSecretName }] } : {}),
      initContainers: [
        toolsInit(c.images),
        {
          name: "fetch",
          image: c.images.python,
          command: [...STORE, "fetch", l.baseModel(REVISION_PARAMETER), LOCAL.model, l.stage("training"), LOCAL.adapter, l.stage("data-prep"), LOCAL.data],
          env: c.env,
          envFrom: c.envFrom,
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp],
          resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
          securityContext: READ_ONLY_SECURITY_CONTEXT,
        },
        {
          name: "vllm",
          image: c.images.serving,
          restartPolicy: "Always",
          command: ["vllm"],
          args: vllmArgs(spec, LOCAL.model, LOCAL.adapter, SERVING_PORT, gpus),
          env: [{ name: "HOME", value: "/tmp" }, { name: "HF_HUB_OFFLINE", value: "1" }, { name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "false" }],
          ports: [{ name: "http", containerPort: SERVING_PORT }],
          startupProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10, failureThreshold: 180 },
          volumeMounts: [mounts.workspace, mounts.tmp, mounts.dshm],
          resources: gpuResources(input.pool, gpus, 4, 32, 50),
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      containers: [
        {
          name: "evaluator",
          image: c.images.evaluator,
          command: runStepsCommand(SCRIPTS, [...steps, { run: [...STORE, "put", evalDir, l.stage("evaluation")] }]),
          env: [...c.env, { name: "HF_DATASETS_CACHE", value: `${LOCAL.workspace}/.cache/datasets` }],
          envFrom: c.envFrom,
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp],
          resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "32Gi" } },
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      volumes: volumes(c.names, spec.compute.ephemeralStorageGiB, [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${spec.compute.sharedMemoryGiB}Gi` } }]).filter((v) => (v as { name: string }).name !== "config"),
    },
  };
  return queuedJobSet(input, {
    name,
    labels,
    failurePolicy: { maxRestarts: 3 },
    job: "evaluate",
    nodes: 1,
    indexed: false,
    activeDeadlineSeconds: 12 * 3600,
    failOnExit: { containerName: "evaluator", codes: [2] },
    pod,
  });
}

/** What differs between the kit's JobSets (training, evaluation). */
interface QueuedJobSet {
  name: string;
  labels: Record<string, string>;
  /** JobSet restarts (spot preemptions do not count: the Job ignores DisruptionTarget). */
  failurePolicy: { maxRestarts: number; restartStrategy?: "Recreate" | "BlockingRecreate" };
  network?: { enableDNSHostnames: boolean; publishNotReadyAddresses: boolean };
  /** Name of the single replicated job. */
  job: string;
  /** Pods of the Job (one per node). */
  nodes: number;
  /** Indexed completion (each pod knows its node rank, as torchrun needs). */
  indexed: boolean;
  activeDeadlineSeconds: number;
  /** Exit codes of a container that mean bad inputs: fail at once instead of retrying. */
  failOnExit: { containerName: string; codes: number[] };
  pod: object;
}

/**
 * A JobSet admitted by Kueue (queue label from the pool contract) with the kit's failure semantics: a pod
 * evicted by a disruption (spot preemption, node drain) is ignored by the Job's podFailurePolicy and the JobSet
 * restarts from the newest checkpoint; a "bad inputs" exit code fails the JobSet without retries.
 */
function queuedJobSet(input: KubernetesPipelineInput, j: QueuedJobSet): Manifest {
  const queue: Record<string, string> = input.pool.localQueueName ? { [QUEUE_LABEL]: input.pool.localQueueName } : {};
  return {
    apiVersion: JOBSET_API,
    kind: "JobSet",
    metadata: { name: j.name, namespace: input.namespace, labels: { ...j.labels, ...queue } },
    spec: {
      failurePolicy: { ...j.failurePolicy, rules: [{ name: "fail-on-bad-inputs", action: "FailJobSet", onJobFailureReasons: ["PodFailurePolicy"] }] },
      successPolicy: { operator: "All", targetReplicatedJobs: [j.job] },
      ...(j.network ? { network: j.network } : {}),
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      replicatedJobs: [
        {
          name: j.job,
          replicas: 1,
          template: {
            metadata: { labels: j.labels },
            spec: {
              parallelism: j.nodes,
              completions: j.nodes,
              ...(j.indexed ? { completionMode: "Indexed" } : {}),
              backoffLimit: 0,
              activeDeadlineSeconds: j.activeDeadlineSeconds,
              podFailurePolicy: {
                rules: [
                  { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
                  { action: "FailJob", onExitCodes: { containerName: j.failOnExit.containerName, operator: "In", values: j.failOnExit.codes } },
                ],
              },
              template: j.pod,
            },
          },
        },
      ],
    },
  };
}

/** Namespaces whose pods scrape the serving metrics (the monitoring contract's scrapers, else its namespace). */
function scrapers(m: MonitoringContract | undefined): string[] {
  if (!m) return [];
  return m.scraperNamespaces ?? (m.namespace ? [m.namespace] : []);
}

/** A container template for the light (CPU) stages. */
function stageTemplate(c: Ctx, name: string, image: string, command: string[], opts: { cpu?: string; memory?: string; hubToken?: boolean; readOnly?: boolean; retries?: number; deadline?: number; component?: string; env?: EnvVar[] } = {}): object {
  return {
    name,
    metadata: { labels: pipelineLabels(c.spec, opts.component ?? "stage") },
    initContainers: [toolsInit(c.images)],
    container: {
      name: "main",
      image,
      command,
      env: [...c.env, ...(opts.hubToken ? hubTokenEnv(c.spec) : []), ...(opts.env ?? [])],
      envFrom: c.envFrom,
      volumeMounts: [mounts.scripts, mounts.config, mounts.tools, mounts.workspace, mounts.tmp],
      resources: { requests: { cpu: opts.cpu ?? "500m", memory: opts.memory ?? "1Gi" }, limits: { memory: opts.memory ?? "1Gi" } },
      securityContext: opts.readOnly === false ? CONTAINER_SECURITY_CONTEXT : READ_ONLY_SECURITY_CONTEXT,
    },
    retryStrategy: { limit: String(opts.retries ?? 2), retryPolicy: "OnError", backoff: { duration: "30s", factor: "2" } },
    activeDeadlineSeconds: String(opts.deadline ?? 3600),
  };
}

/** A resource template that creates a JobSet and waits for its terminal state. */
function jobSetTemplate(name: string, jobset: Manifest, deadlineSeconds: number): object {
  return {
    name,
    resource: {
      action: "create",
      setOwnerReference: true,
      successCondition: "status.terminalState == Completed",
      failureCondition: "status.terminalState == Failed",
      manifest: stringify(jobset, { lineWidth: 0 }),
    },
    activeDeadlineSeconds: String(deadlineSeconds),
  };
}

function servingEndpoint(c: Ctx): string {
  return `http://${c.names.serving}.${c.input.namespace}.svc:${SERVING_PORT}/v1`;
}

/** The deployment stage: register → promote → roll out → verify; rollback when roll-out or verification fails. */
function deploymentTemplates(c: Ctx): object[] {
  const { spec, layout: l } = c;
  const reg = (args: string[]) => ["python3", `${SCRIPTS}/register_model.py`, ...args];
  const provenance = JSON.stringify({ pipeline: spec.name, baseModel: spec.baseModel.id, method: spec.method.type, run: ARGO_RUN_ID });
  const patch = (version: string) =>
    stringify(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: c.names.serving, namespace: c.input.namespace },
        spec: { replicas: spec.deployment.replicas, template: { metadata: { annotations: { "finetune.dev/model-version": version } } } },
      },
      { lineWidth: 0 },
    );
  return [
    {
      name: "deployment",
      dag: {
        tasks: [
          { name: "register", template: "register" },
          { name: "promote", template: "promote", depends: "register.Succeeded" },
          { name: "rollout", template: "rollout", depends: "promote.Succeeded" },
          { name: "verify", template: "verify", depends: "rollout.Succeeded" },
          { name: "rollback", template: "rollback", depends: "rollout.Failed || verify.Failed" },
          { name: "rollback-rollout", template: "rollback-rollout", depends: "rollback.Succeeded" },
        ],
      },
    },
    stageTemplate(c, "register", c.images.deployment, spec.stages.deployment.command ?? reg(["register", "--registry", l.registryModel, "--version", ARGO_RUN_ID, "--source", l.stage("training"), "--evaluation", l.stage("evaluation"), "--probe", `${l.stage("data-prep")}/probe.jsonl`, "--provenance", provenance]), { memory: "2Gi", deadline: 7200, component: "deployment" }),
    stageTemplate(c, "promote", c.images.deployment, reg(["promote", "--registry", l.registryModel, "--version", ARGO_RUN_ID]), { component: "deployment" }),
    { name: "rollout", resource: { action: "patch", mergeStrategy: "merge", manifest: patch(ARGO_RUN_ID) } },
    stageTemplate(
      c,
      "verify",
      c.images.deployment,
      runStepsCommand(SCRIPTS, [
        { run: ["python3", `${SCRIPTS}/evaluate.py`, "wait-version", "--endpoint", servingEndpoint(c), "--model", servedName(spec), "--version", ARGO_RUN_ID, "--timeout", "3600"] },
        { run: probeCommand(spec, SCRIPTS, { evalFile: `${l.stage("data-prep")}/probe.jsonl`, endpoint: servingEndpoint(c), out: `${l.stage("deployment")}/smoke-test.json` }) },
      ]),
      { deadline: 5400, component: "deployment" },
    ),
    stageTemplate(c, "rollback", c.images.deployment, reg(["rollback", "--registry", l.registryModel]), { component: "deployment" }),
    { name: "rollback-rollout", resource: { action: "patch", mergeStrategy: "merge", manifest: patch(`rollback-${ARGO_RUN_ID}`) } },
  ];
}

function renderWorkflowTemplate(c: Ctx): Manifest {
  const { spec, input, layout: l, names } = c;
  const stages = runStages(spec.deployment.enabled);
  const runHours = spec.compute.maxWaitHours + 12;
  const templates: object[] = [
    {
      name: "pipeline",
      dag: {
        tasks: [
          { name: CHECK_PARAMETERS_TASK, template: CHECK_PARAMETERS_TASK },
          ...stages.map((s) => ({
            name: s.id,
            template: s.id,
            depends: (s.dependsOn.length ? s.dependsOn : [CHECK_PARAMETERS_TASK]).map((d) => `${d}.Succeeded`).join(" && "),
          })),
        ],
      },
    },
    // Argo substitutes parameters textually (into argv, env and the JobSet manifests alike): they are checked
    // first, read from the environment, before any stage sees them.
    stageTemplate(c, CHECK_PARAMETERS_TASK, c.images.python, parameterCheckCommand(SCRIPTS, WORKFLOW_PARAMETERS), {
      cpu: "100m",
      memory: "128Mi",
      retries: 0,
      deadline: 300,
      component: "stage",
      env: WORKFLOW_PARAMETERS.map((p) => ({ name: parameterEnvName(p.name), value: `{{workflow.parameters.${p.name}}}` })),
    }),
    stageTemplate(
      c,
      "data-prep",
      c.images.dataPrep,
      dataPrepCommand(spec, SCRIPTS, { input: "{{workflow.parameters.dataset-uri}}", output: l.stage("data-prep"), validationInput: spec.dataset.validationUri, testInput: spec.dataset.testUri }),
      { cpu: "2", memory: "8Gi", deadline: 4 * 3600, component: "data-prep" },
    ),
    stageTemplate(c, "model-init", c.images.modelInit, modelInitCommand(spec, SCRIPTS, { revision: REVISION_PARAMETER, dest: l.baseModel(REVISION_PARAMETER) }), {
      cpu: "2",
      memory: "8Gi",
      hubToken: true,
      readOnly: false,
      deadline: 6 * 3600,
      component: "model-init",
    }),
    stageTemplate(c, "training-setup", c.images.trainingSetup, trainingSetupCommand(spec, SCRIPTS, { trainerConfig: `${CONFIG}/trainer.json`, sizing: `${CONFIG}/sizing.json`, stats: `${l.stage("data-prep")}/stats.json`, output: l.stage("training-setup") }), { component: "training-setup" }),
    jobSetTemplate("training", trainingJobSet(c), Math.round(spec.compute.maxWaitHours * 3600)),
    jobSetTemplate("evaluation", evaluationJobSet(c), 24 * 3600),
    stageTemplate(c, "evaluation-gate", c.images.python, gateCommand(spec, SCRIPTS, { metrics: `${l.stage("evaluation")}/metrics.json`, thresholds: `${CONFIG}/thresholds.json`, deployed: l.deployedPointer, out: `${l.stage("evaluation")}/gate.json` }), { retries: 1, component: "evaluation-gate" }),
    ...(spec.deployment.enabled ? deploymentTemplates(c) : []),
  ];
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: { name: names.workflowTemplate, namespace: input.namespace, labels: pipelineLabels(spec), ...(spec.description ? { annotations: { "workflows.argoproj.io/description": spec.description } } : {}) },
    spec: {
      entrypoint: "pipeline",
      serviceAccountName: names.serviceAccount,
      arguments: {
        parameters: [
          { name: "dataset-uri", value: spec.dataset.uri, description: "Object-store URI of the raw JSONL dataset" },
          { name: "base-model-revision", value: spec.baseModel.revision, description: `Pinned revision of ${spec.baseModel.id}` },
        ],
      },
      securityContext: POD_SECURITY_CONTEXT,
      podMetadata: { labels: pipelineLabels(spec, "stage") },
      workflowMetadata: { labels: pipelineLabels(spec) },
      ...(input.store.imagePullSecretName ? { imagePullSecrets: [{ name: input.store.imagePullSecretName }] } : {}),
      volumes: volumes(names, spec.compute.ephemeralStorageGiB),
      activeDeadlineSeconds: runHours * 3600,
      ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
      podGC: { strategy: "OnPodSuccess" },
      templates,
    },
  };
}

function renderCronWorkflows(c: Ctx): Manifest[] {
  const { spec, input, names, layout: l } = c;
  const out: Manifest[] = [];
  if (spec.schedule) {
    out.push({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name: names.scheduleCron, namespace: input.namespace, labels: pipelineLabels(spec) },
      spec: {
        schedules: [spec.schedule],
        timezone: "UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        workflowMetadata: { labels: pipelineLabels(spec) },
        workflowSpec: { workflowTemplateRef: { name: names.workflowTemplate } },
      },
    });
  }
  if (monitoringEnabled(spec)) {
    const probeRun = "{{workflow.name}}";
    out.push({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name: names.monitorCron, namespace: input.namespace, labels: pipelineLabels(spec, "monitoring") },
      spec: {
        schedules: [spec.monitoring.schedule],
        timezone: "UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        workflowMetadata: { labels: pipelineLabels(spec, "monitoring") },
        workflowSpec: {
          entrypoint: "probe",
          serviceAccountName: names.serviceAccount,
          securityContext: POD_SECURITY_CONTEXT,
          podMetadata: { labels: pipelineLabels(spec, "monitoring") },
          volumes: volumes(names, 5),
          activeDeadlineSeconds: 3600,
          ttlStrategy: { secondsAfterCompletion: 2 * 24 * 3600 },
          podGC: { strategy: "OnPodSuccess" },
          templates: [
            stageTemplate(c, "probe", c.images.monitoring, probeCommand(spec, SCRIPTS, { evalFile: `${l.registryModel}/probe.jsonl`, endpoint: servingEndpoint(c), out: `${input.store.runsUri}/${spec.name}/monitoring/${probeRun}/probe.json` }), { retries: 1, component: "monitoring" }),
          ],
        },
      },
    });
  }
  return out;
}

/** vLLM serving: Deployment (scaled up by the deployment stage on first promotion), Service, optional HPA. */
function renderServing(c: Ctx): Manifest[] {
  const { spec, input, names, layout: l } = c;
  const labels = pipelineLabels(spec, "serving");
  const gpus = servingGpus(c.arch, input.pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const adapterDir = "/models/adapters";
  // register_model.py fetch points <dest>/active at the deployed version: vLLM gets a fixed path, no shell.
  const args = vllmArgs(spec, "/models/base", `${adapterDir}/active`, SERVING_PORT, gpus);
  const fetchInit = (name: string, command: string[]) => ({
    name,
    image: c.images.python,
    command,
    env: c.env,
    envFrom: c.envFrom,
    volumeMounts: [mounts.scripts, mounts.tools, mounts.models, mounts.tmp],
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
    securityContext: READ_ONLY_SECURITY_CONTEXT,
  });
  const out: Manifest[] = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { ...labels, ...SERVING_POD_LABELS }, annotations: { "finetune.dev/model-version": "none" } },
          spec: {
            serviceAccountName: names.serviceAccount,
            securityContext: POD_SECURITY_CONTEXT,
            ...gpuPodPlacement(input.pool, input.driver),
            ...(input.store.imagePullSecretName ? { imagePullSecrets: [{ name: input.store.imagePullSecretName }] } : {}),
            initContainers: [
              toolsInit(c.images),
              fetchInit("fetch", ["python3", `${SCRIPTS}/register_model.py`, "fetch", "--registry", l.registryModel, "--dest", adapterDir]),
              fetchInit("fetch-base-model", [...STORE, "fetch", l.baseModel(spec.baseModel.revision), "/models/base"]),
            ],
            containers: [
              {
                name: "vllm",
                image: c.images.serving,
                command: ["vllm"],
                args,
                env: [{ name: "HOME", value: "/tmp" }, { name: "HF_HUB_OFFLINE", value: "1" }],
                ports: [{ name: SERVING_METRICS_PORT, containerPort: SERVING_PORT, protocol: "TCP" }],
                startupProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10, failureThreshold: 180 },
                readinessProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 30, failureThreshold: 5 },
                volumeMounts: [mounts.models, mounts.tmp, mounts.dshm],
                resources: gpuResources(input.pool, gpus, 4, 32, 50),
                securityContext: CONTAINER_SECURITY_CONTEXT,
              },
            ],
            volumes: [
              { name: "scripts", configMap: { name: names.scriptsConfigMap, defaultMode: 0o444 } },
              { name: "tools", emptyDir: { sizeLimit: "256Mi" } },
              { name: "models", emptyDir: { sizeLimit: `${spec.compute.ephemeralStorageGiB}Gi` } },
              { name: "tmp", emptyDir: { sizeLimit: "4Gi" } },
              { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "8Gi" } },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: { type: "ClusterIP", selector: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" }, ports: [{ name: SERVING_METRICS_PORT, port: SERVING_PORT, targetPort: SERVING_METRICS_PORT, protocol: "TCP" }] },
    },
  ];
  const a = spec.deployment.autoscaling;
  if (a.enabled) {
    out.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: names.serving, namespace: input.namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names.serving },
        minReplicas: spec.deployment.replicas,
        maxReplicas: a.maxReplicas,
        metrics: [{ type: "Pods", pods: { metric: { name: "vllm_num_requests_waiting" }, target: { type: "AverageValue", averageValue: String(a.targetRequestsWaiting) } } }],
      },
    });
  }
  return out;
}

/** ServiceAccount, Role (JobSets, the serving Deployment, Argo task results) and RoleBinding. */
function renderAccess(c: Ctx): Manifest[] {
  const { spec, input, names } = c;
  const rules: object[] = [
    // Argo 4.x resource templates: the action verb, and `get` to poll success/failure conditions (workflow/executor/resource.go).
    { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get"] },
    { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
  ];
  if (spec.deployment.enabled) rules.push({ apiGroups: ["apps"], resources: ["deployments"], resourceNames: [names.serving], verbs: ["get", "patch"] });
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: names.serviceAccount, namespace: input.namespace, labels: pipelineLabels(spec), annotations: { ...input.store.serviceAccountAnnotations } },
      ...(input.store.imagePullSecretName ? { imagePullSecrets: [{ name: input.store.imagePullSecretName }] } : {}),
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: names.role, namespace: input.namespace, labels: pipelineLabels(spec) }, rules },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: names.role, namespace: input.namespace, labels: pipelineLabels(spec) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.role },
      subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: input.namespace }],
    },
  ];
}

function portOf(url: string): number {
  const m = /^\w+:\/\/[^/:]+:(\d+)/.exec(url);
  return m ? Number(m[1]) : url.startsWith("https:") ? 443 : 80;
}

/** Default-deny for the pipeline's pods plus the egress/ingress the stages need. */
function renderNetworkPolicies(c: Ctx): Manifest[] {
  const { spec, input } = c;
  const sel = { matchLabels: { "finetune.dev/pipeline": spec.name } };
  const meta = (suffix: string) => ({ name: `${spec.name}-${suffix}`, namespace: input.namespace, labels: pipelineLabels(spec) });
  const api = input.apiServer ?? { cidrs: ["0.0.0.0/0"], ports: [443, 6443] };
  const hub = input.hubCidrs ?? ["0.0.0.0/0"];
  const tcp = (port: number) => ({ protocol: "TCP", port });
  const egress: object[] = [
    { to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: api.ports.map(tcp) },
    { to: hub.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443)] },
  ];
  const e = input.store.egress;
  if (e.ports.length) {
    const cidrs = e.cidrs.length ? e.cidrs : ["0.0.0.0/0"];
    egress.push({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: e.ports.map(tcp) });
    // An in-cluster store (`<service>.<namespace>.svc` host) also by namespace: ipBlocks do not match pod IPs on every CNI (Cilium).
    const storeNs = [...new Set(e.hosts.map((h) => /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(h)?.[1]).filter((n): n is string => !!n))];
    if (storeNs.length) egress.push({ to: storeNs.map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } })), ports: e.ports.map(tcp) });
  }
  const m = input.monitoring;
  if (m?.pushgatewayUrl) {
    egress.push({ to: [m.namespace ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": m.namespace } } } : { ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(portOf(m.pushgatewayUrl))] });
  }
  const policies: Manifest[] = [
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("default-deny"), spec: { podSelector: sel, policyTypes: ["Ingress", "Egress"] } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-dns"),
      spec: {
        podSelector: sel,
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
          },
        ],
      },
    },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("allow-egress"), spec: { podSelector: sel, policyTypes: ["Egress"], egress } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-training-mesh"),
      spec: {
        podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } } }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "training" } } }] }],
      },
    },
  ];
  if (spec.deployment.enabled) {
    const clients: object[] = [{ podSelector: sel }, ...(input.servingClientNamespaces ?? []).map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }))];
    policies.push(
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("allow-serving"),
        spec: {
          podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } },
          policyTypes: ["Ingress"],
          ingress: [
            { from: clients, ports: [tcp(SERVING_PORT)] },
            // Prometheus scrapes /metrics on the same port (the PodMonitor selects SERVING_POD_LABELS, port SERVING_METRICS_PORT).
            ...scrapers(m).map((ns) => ({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }], ports: [tcp(SERVING_PORT)] })),
          ],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("allow-to-serving"),
        spec: { podSelector: sel, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { "finetune.dev/pipeline": spec.name, "finetune.dev/component": "serving" } } }], ports: [tcp(SERVING_PORT)] }] },
      },
    );
  }
  return policies;
}

/**
 * Renders every Kubernetes object of a pipeline. Throws {@link PipelineRenderError} when the spec does not fit
 * the pool (validatePipelineAgainstPool), listing every problem.
 */
export function renderKubernetesPipeline(input: KubernetesPipelineInput, index = 0): KubernetesPipelineRender {
  const { spec, pool, store } = input;
  const problems = validatePipelineAgainstPool(spec, pool, index);
  const sizing = sizePipeline(spec, pool);
  if (problems.length || !sizing.placement || !sizing.arch) throw new PipelineRenderError(problems);
  const names = objectNames(spec);
  const layout = runLayout(spec, store, ARGO_RUN_ID);
  const { envFrom } = storeEnv(store);
  const c: Ctx = { input, spec, names, images: stageImages(spec), layout, placement: sizing.placement, arch: sizing.arch, env: [], envFrom };
  c.env = commonEnv(spec, input, ARGO_RUN_ID);

  const trainer = renderTrainerConfig(spec, sizing.arch, sizing.placement, { baseModel: LOCAL.model, dataDir: LOCAL.data, outputDir: LOCAL.output }, sizing.trainer);
  const configFiles = {
    "trainer.json": JSON.stringify(trainer, null, 2),
    "sizing.json": JSON.stringify(renderSizingRecord(spec, sizing), null, 2),
    "thresholds.json": JSON.stringify(renderThresholds(spec), null, 2),
  };
  const configMap: Manifest = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: names.configConfigMap, namespace: input.namespace, labels: pipelineLabels(spec) }, data: configFiles };
  const workflowTemplate = renderWorkflowTemplate(c);
  const cronWorkflows = renderCronWorkflows(c);
  const objects: Manifest[] = [...renderAccess(c), ...renderNetworkPolicies(c), configMap, ...(spec.deployment.enabled ? renderServing(c) : []), workflowTemplate, ...cronWorkflows];
  return {
    names,
    sizing: { ...sizing, placement: sizing.placement, arch: sizing.arch },
    objects,
    workflowTemplate,
    cronWorkflows,
    trainingJobSet: trainingJobSet(c),
    evaluationJobSet: evaluationJobSet(c),
    configFiles,
  };
}

/** The scripts ConfigMap (file name → content); contents come from `loadStageScripts()`. */
export function renderScriptsConfigMap(spec: FineTuningPipelineSpec, namespace: string, files: Record<string, string>): Manifest {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: objectNames(spec).scriptsConfigMap, namespace, labels: pipelineLabels(spec) }, data: { ...files } };
}

/** The hub-token Secret's shape (its value is a Pulumi secret the component fills in). */
export function hubTokenSecretRef(spec: FineTuningPipelineSpec): { name: string; key: string } {
  return hubTokenSecretOf(spec);
}
