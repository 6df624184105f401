import type { ArtifactStoreContract } from "../../../core/contracts/artifact-store";
import type { DriverStackContract } from "../../../core/contracts/driver-stack";
import type { GpuPoolContract } from "../../../core/contracts/gpu-pool";
import type { ModelCacheContract } from "../../../core/contracts/model-cache";
import { ncclPodSettings, type NcclPodSettings } from "../../../core/nccl-env";
import { LOCAL } from "../../commands";
import { hubTokenSecretOf, type FineTuningPipelineSpec } from "../../spec";
import { pipelineMetricsEnv } from "../metrics-env";
import { SCRIPTS, CONFIG, type Ctx, type EnvVar, type KubernetesPipelineInput, type PipelineObjectNames, type stageImages } from "./context";
import { ENV } from "../../contract";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../../core/kubernetes";

/**
 * The pod and container preamble every kit pod shares: security contexts (Pod Security Standards restricted),
 * environment (paths, run identity, metrics contract, object store), volumes and mounts, the tools init
 * container, GPU placement and resources. Pure: no Pulumi.
 */

const RUN_AS = 1000;

/** Stage pods: PSS restricted, as uid/gid 1000. */
export const POD_SECURITY_CONTEXT = restrictedPodSecurity(RUN_AS);
/** Trainer, evaluator and server containers write under their image's paths: a writable root. */
export const CONTAINER_SECURITY_CONTEXT = restrictedContainerSecurity(false);
/** Step and helper containers: a read-only root. */
export const READ_ONLY_SECURITY_CONTEXT = restrictedContainerSecurity(true);

/** rclone configuration of the `store` remote from the artifact-store contract (env_auth: IRSA, Workload Identity or keys). */
export function storeEnv(store: ArtifactStoreContract): { env: EnvVar[]; envFrom: unknown[] } {
  const env: EnvVar[] = [
    { name: ENV.rclone, value: "/tools/rclone" },
    { name: ENV.rcloneRemote, value: "store" },
    { name: "RCLONE_CONFIG", value: "/tmp/rclone.conf" },
  ];
  if (store.scheme === "gs") {
    env.push(
      { name: "RCLONE_CONFIG_STORE_TYPE", value: "google cloud storage" },
      { name: "RCLONE_CONFIG_STORE_ENV_AUTH", value: "true" },
      { name: "RCLONE_CONFIG_STORE_BUCKET_POLICY_ONLY", value: "true" },
    );
  } else {
    env.push({ name: "RCLONE_CONFIG_STORE_TYPE", value: "s3" }, { name: "RCLONE_CONFIG_STORE_ENV_AUTH", value: "true" });
    if (store.s3Endpoint) {
      env.push(
        { name: "RCLONE_CONFIG_STORE_PROVIDER", value: "Other" },
        { name: "RCLONE_CONFIG_STORE_ENDPOINT", value: store.s3Endpoint },
        { name: "RCLONE_CONFIG_STORE_FORCE_PATH_STYLE", value: "true" },
      );
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
 * `trainingMetricsEnv(contract)` plus metric names and log keys, see ../metrics-env).
 */
export function commonEnv(spec: FineTuningPipelineSpec, input: KubernetesPipelineInput, runId: string): EnvVar[] {
  return [
    { name: "HOME", value: "/tmp" },
    { name: "PYTHONPATH", value: SCRIPTS },
    { name: "PYTHONUNBUFFERED", value: "1" },
    { name: "HF_HOME", value: `${LOCAL.workspace}/.cache/huggingface` },
    ...pipelineMetricsEnv(input.monitoring, spec.name, runId),
    ...storeEnv(input.store).env,
  ];
}

/** The hub token from its Secret, for gated models. */
export function hubTokenEnv(spec: FineTuningPipelineSpec): EnvVar[] {
  if (!spec.baseModel.gated) return [];
  const ref = hubTokenSecretOf(spec);
  return [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } }];
}

export const mounts = {
  scripts: { name: "scripts", mountPath: SCRIPTS, readOnly: true },
  config: { name: "config", mountPath: CONFIG, readOnly: true },
  tools: { name: "tools", mountPath: "/tools" },
  workspace: { name: "workspace", mountPath: LOCAL.workspace },
  tmp: { name: "tmp", mountPath: "/tmp" },
  dshm: { name: "dshm", mountPath: "/dev/shm" },
  models: { name: "models", mountPath: "/models" },
};

/** The scripts ConfigMap volume. */
export function scriptsVolume(names: PipelineObjectNames): object {
  return { name: "scripts", configMap: { name: names.scriptsConfigMap, defaultMode: 0o444 } };
}
/** The tools emptyDir (rclone). */
export const TOOLS_VOLUME = { name: "tools", emptyDir: { sizeLimit: "256Mi" } };
/** The writable /tmp emptyDir. */
export const TMP_VOLUME = { name: "tmp", emptyDir: { sizeLimit: "4Gi" } };
/** NCCL / vLLM shared memory: a memory-backed emptyDir, never a hostPath. */
export function dshmVolume(sizeGiB: number): object {
  return { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${sizeGiB}Gi` } };
}

/** Volumes of a stage pod: scripts, config (unless `config: false`), tools, workspace, tmp, then `extra`. */
export function volumes(names: PipelineObjectNames, workspaceGiB: number, extra: object[] = [], config = true): object[] {
  return [
    scriptsVolume(names),
    ...(config ? [{ name: "config", configMap: { name: names.configConfigMap, defaultMode: 0o444 } }] : []),
    TOOLS_VOLUME,
    { name: "workspace", emptyDir: { sizeLimit: `${workspaceGiB}Gi` } },
    TMP_VOLUME,
    ...extra,
  ];
}

/** Init container that copies the static rclone binary into /tools for the stage scripts. */
export function toolsInit(images: ReturnType<typeof stageImages>): object {
  return {
    name: "tools",
    image: images.storage,
    command: ["cp", "/usr/local/bin/rclone", "/tools/rclone"],
    volumeMounts: [mounts.tools],
    resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    securityContext: READ_ONLY_SECURITY_CONTEXT,
  };
}

/** A CPU helper container (fetches before the main container): the common env, read-only root. */
export function helperContainer(c: Ctx, name: string, command: string[], volumeMounts: object[]): object {
  return {
    name,
    image: c.images.python,
    command,
    env: c.env,
    envFrom: c.envFrom,
    volumeMounts,
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
    securityContext: READ_ONLY_SECURITY_CONTEXT,
  };
}

export function gpuResources(pool: GpuPoolContract, gpus: number, cpuPerGpu: number, memGiBPerGpu: number, ephemeralGiB: number): object {
  const r = {
    [pool.gpuResourceName]: String(gpus),
    cpu: String(gpus * cpuPerGpu),
    memory: `${gpus * memGiBPerGpu}Gi`,
    "ephemeral-storage": `${ephemeralGiB}Gi`,
  };
  return { requests: r, limits: { [pool.gpuResourceName]: String(gpus), memory: `${gpus * memGiBPerGpu}Gi`, "ephemeral-storage": `${ephemeralGiB}Gi` } };
}

/** vLLM serving a model on `gpus` GPUs (evaluation sidecar and serving Deployment). */
export function vllmResources(pool: GpuPoolContract, gpus: number): object {
  return gpuResources(pool, gpus, 4, 32, 50);
}

/**
 * Pod-level placement on the GPU pool: nodeSelector, tolerations, runtime class. Written in one canonical order
 * (selector keys sorted, toleration fields as the Kubernetes API lists them) so that the manifests are the same
 * text whether the pool contract came straight from TypeScript or crossed the provider host's wire as a protobuf
 * Struct (which sorts keys): switching a stack from TypeScript to Python shows no diff.
 */
export function gpuPodPlacement(pool: GpuPoolContract, driver?: DriverStackContract): Record<string, unknown> {
  return {
    nodeSelector: Object.fromEntries(Object.entries(pool.nodeSelector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    tolerations: pool.tolerations.map((t) => ({
      key: t.key,
      operator: t.operator,
      ...(t.value === undefined ? {} : { value: t.value }),
      effect: t.effect,
    })),
    ...(driver?.runtimeClassName ? { runtimeClassName: driver.runtimeClassName } : {}),
  };
}

/** The store's image pull secret, where it has one. */
export function pullSecrets(store: ArtifactStoreContract): { imagePullSecrets?: { name: string }[] } {
  return store.imagePullSecretName ? { imagePullSecrets: [{ name: store.imagePullSecretName }] } : {};
}

/** Who a pod runs as: the pipeline's service account, restricted pod security context. */
export function podIdentity(c: Ctx): { serviceAccountName: string; securityContext: typeof POD_SECURITY_CONTEXT } {
  return { serviceAccountName: c.names.serviceAccount, securityContext: POD_SECURITY_CONTEXT };
}

/** Where a GPU pod runs and what it may pull: pool placement, runtime class, pull secret. */
export function gpuPodScheduling(c: Ctx): Record<string, unknown> {
  return { ...gpuPodPlacement(c.input.pool, c.input.driver), ...pullSecrets(c.input.store) };
}

export function podAnnotations(pool: GpuPoolContract): Record<string, string> {
  return pool.karpenter ? { "karpenter.sh/do-not-disrupt": "true" } : {};
}

// ---- Model cache (core/contracts/model-cache) --------------------------------------------------------------

/** Volume name of the read-only model cache. */
export const MODEL_CACHE_VOLUME = "model-cache";
/** Volume name of the model cache as model-init writes it (fill `model-init`). */
export const MODEL_CACHE_WRITER_VOLUME = "model-cache-writer";

/** The read-only cache volume of a reading pod (none without a cache). */
export function modelCacheVolumes(cache: ModelCacheContract | undefined): object[] {
  return cache ? [{ name: MODEL_CACHE_VOLUME, persistentVolumeClaim: { claimName: cache.claimName, readOnly: true } }] : [];
}

/** The read-only mount of the cache (none without a cache). */
export function modelCacheMounts(cache: ModelCacheContract | undefined): object[] {
  return cache ? [{ name: MODEL_CACHE_VOLUME, mountPath: cache.mountPath, readOnly: true }] : [];
}

/** Tells the fetch code where the cache is and which store prefix it mirrors (ftkit_store.py `cached_snapshot`). */
export function modelCacheEnv(cache: ModelCacheContract | undefined): EnvVar[] {
  return cache
    ? [
        { name: ENV.modelCacheDir, value: cache.mountPath },
        { name: ENV.modelCacheUri, value: cache.modelsUri },
      ]
    : [];
}

/** Pod annotations the cache's backend needs (GKE: the FUSE sidecar injection). */
export function modelCacheAnnotations(cache: ModelCacheContract | undefined): Record<string, string> {
  return cache ? { ...cache.podAnnotations } : {};
}

/** The writer volume and mount of model-init, where the cache is filled by model-init (fill `model-init`). */
export function modelCacheWriter(cache: ModelCacheContract | undefined): { volumes: object[]; mounts: object[]; cacheDir?: string } {
  if (!cache || cache.fill !== "model-init" || !cache.writerClaimName) return { volumes: [], mounts: [] };
  return {
    volumes: [{ name: MODEL_CACHE_WRITER_VOLUME, persistentVolumeClaim: { claimName: cache.writerClaimName } }],
    mounts: [{ name: MODEL_CACHE_WRITER_VOLUME, mountPath: cache.mountPath }],
    cacheDir: cache.mountPath,
  };
}

// ---- NCCL over the pool's interconnect (core/nccl-env) ----------------------------------------------------------

/** NCCL env, extended resources and annotations of a training pod on `nodes` nodes of the pool. */
export function ncclSettings(pool: GpuPoolContract, nodes: number): NcclPodSettings {
  return ncclPodSettings(pool.interconnect, nodes, pool.instanceType);
}

/** `gpuResources` plus extra extended resources (EFA interfaces, huge pages) in requests and limits. */
export function withExtendedResources(resources: object, extra: Record<string, string>): object {
  const r = resources as { requests: Record<string, string>; limits: Record<string, string> };
  return { requests: { ...r.requests, ...extra }, limits: { ...r.limits, ...extra } };
}
