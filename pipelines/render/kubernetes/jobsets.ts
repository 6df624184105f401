import { checkpointSyncCommand, evaluationSteps, LOCAL, runStepsCommand, storeFetchCommand, storePutCommand, trainCommand, vllmArgs } from "../../commands";
import { servingGpus } from "../../sizing";
import { trainerRuntimeEnv } from "../shared";
import { ARGO_RUN_ID, pipelineLabels, REVISION_PARAMETER, SCRIPTS, SERVING_PORT, type Ctx, type KubernetesPipelineInput } from "./context";
import {
  CONTAINER_SECURITY_CONTEXT,
  dshmVolume,
  gpuPodScheduling,
  gpuResources,
  helperContainer,
  hubTokenEnv,
  modelCacheAnnotations,
  modelCacheEnv,
  modelCacheMounts,
  modelCacheVolumes,
  mounts,
  ncclSettings,
  podAnnotations,
  podIdentity,
  toolsInit,
  vllmResources,
  volumes,
  withExtendedResources,
} from "./pods";
import { ENV, EXIT_CODES } from "../../contract";
import { type K8sObject } from "../../../core/kubernetes";

/**
 * The JobSets the workflow creates for the GPU stages (training, evaluation), admitted by Kueue. Rendered once
 * per call ({@link renderJobSets}); the workflow embeds the same objects. Pure: no Pulumi.
 */

const JOBSET_API = "jobset.x-k8s.io/v1alpha2";
const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
/** Exit code of the stage scripts for inputs a retry cannot fix (ftkit_contract.json `exitCodes.badInput`). */
export const NON_RETRIABLE_EXIT_CODE = EXIT_CODES.badInput;

/** The training and evaluation JobSets of one run. */
export interface PipelineJobSets {
  training: K8sObject;
  evaluation: K8sObject;
}

export function renderJobSets(c: Ctx): PipelineJobSets {
  return { training: trainingJobSet(c), evaluation: evaluationJobSet(c) };
}

/** The training JobSet: one indexed Job with a pod per node, admitted by Kueue, preemption-tolerant. */
function trainingJobSet(c: Ctx): K8sObject {
  const { spec, input, placement: p, layout: l } = c;
  const name = `${ARGO_RUN_ID}-train`;
  const leader = `${name}-node-0-0.${name}`;
  const cache = input.modelCache;
  // Multi-node training talks NCCL over the pool's fast interconnect (EFA, GKE RDMA) where the pool has one.
  const nccl = ncclSettings(input.pool, p.nodes);
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
    ...trainerRuntimeEnv(spec, p, [
      { name: ENV.nodeRank, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]),
    { name: "NCCL_DEBUG", value: "WARN" },
    { name: "TORCH_NCCL_ASYNC_ERROR_HANDLING", value: "1" },
    ...nccl.env,
    ...modelCacheEnv(cache),
  ];
  const pod = {
    metadata: { labels, annotations: { ...podAnnotations(input.pool), ...modelCacheAnnotations(cache), ...nccl.annotations } },
    spec: {
      restartPolicy: "Never",
      ...podIdentity(c),
      terminationGracePeriodSeconds: 120,
      ...gpuPodScheduling(c),
      initContainers: [
        toolsInit(c.images),
        {
          name: "checkpoint-sync",
          image: c.images.trainer,
          restartPolicy: "Always",
          command: checkpointSyncCommand(spec, p, SCRIPTS, l.checkpoints, `$(${ENV.nodeRank})`),
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
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp, mounts.dshm, ...modelCacheMounts(cache)],
          resources: withExtendedResources(
            gpuResources(input.pool, p.gpusPerNode, spec.compute.cpuPerGpu, spec.compute.memoryGiBPerGpu, spec.compute.ephemeralStorageGiB),
            nccl.resources,
          ),
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      volumes: volumes(c.names, spec.compute.ephemeralStorageGiB, [dshmVolume(spec.compute.sharedMemoryGiB), ...modelCacheVolumes(input.modelCache)], false),
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
function evaluationJobSet(c: Ctx): K8sObject {
  const { spec, input, layout: l } = c;
  const name = `${ARGO_RUN_ID}-eval`;
  const labels = { ...pipelineLabels(spec, "evaluation"), "finetune.dev/run-id": ARGO_RUN_ID };
  const gpus = servingGpus(c.arch, input.pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const evalDir = LOCAL.evalOut;
  const steps = evaluationSteps(spec, {
    scripts: SCRIPTS,
    endpoint: `http://localhost:${SERVING_PORT}/v1`,
    evalFile: `${LOCAL.data}/eval.jsonl`,
    out: evalDir,
    tokenizer: LOCAL.model,
  });
  const fetch = storeFetchCommand(SCRIPTS, [
    [l.baseModel(REVISION_PARAMETER), LOCAL.model],
    [l.stage("training"), LOCAL.adapter],
    [l.stage("data-prep"), LOCAL.data],
  ]);
  const cache = input.modelCache;
  const pod = {
    metadata: { labels, annotations: { ...podAnnotations(input.pool), ...modelCacheAnnotations(cache) } },
    spec: {
      restartPolicy: "Never",
      ...podIdentity(c),
      ...gpuPodScheduling(c),
      initContainers: [
        toolsInit(c.images),
        {
          ...helperContainer(c, "fetch", fetch, [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp, ...modelCacheMounts(cache)]),
          env: [...c.env, ...modelCacheEnv(cache)],
        },
        {
          name: "vllm",
          image: c.images.serving,
          restartPolicy: "Always",
          command: ["vllm"],
          args: vllmArgs(spec, LOCAL.model, LOCAL.adapter, SERVING_PORT, gpus),
          env: [
            { name: "HOME", value: "/tmp" },
            { name: "HF_HUB_OFFLINE", value: "1" },
            { name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "false" },
          ],
          ports: [{ name: "http", containerPort: SERVING_PORT }],
          startupProbe: { httpGet: { path: "/health", port: SERVING_PORT }, periodSeconds: 10, failureThreshold: 180 },
          // The model directory may be a link into the cache: vLLM mounts it at the same path.
          volumeMounts: [mounts.workspace, mounts.tmp, mounts.dshm, ...modelCacheMounts(cache)],
          resources: vllmResources(input.pool, gpus),
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      containers: [
        {
          name: "evaluator",
          image: c.images.evaluator,
          command: runStepsCommand(SCRIPTS, [...steps, { run: storePutCommand(SCRIPTS, evalDir, l.stage("evaluation")) }]),
          env: [...c.env, { name: "HF_DATASETS_CACHE", value: `${LOCAL.workspace}/.cache/datasets` }],
          envFrom: c.envFrom,
          volumeMounts: [mounts.scripts, mounts.tools, mounts.workspace, mounts.tmp],
          resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "32Gi" } },
          securityContext: CONTAINER_SECURITY_CONTEXT,
        },
      ],
      volumes: volumes(c.names, spec.compute.ephemeralStorageGiB, [dshmVolume(spec.compute.sharedMemoryGiB), ...modelCacheVolumes(input.modelCache)], false),
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
    failOnExit: { containerName: "evaluator", codes: [NON_RETRIABLE_EXIT_CODE] },
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
function queuedJobSet(input: KubernetesPipelineInput, j: QueuedJobSet): K8sObject {
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
