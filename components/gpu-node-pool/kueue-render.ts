/**
 * Pure renderers of the Kueue objects of a GPU pool (`kueue.x-k8s.io/v1beta2`, the storage version in Kueue
 * v0.19) and of the Kueue Helm values. Plain objects in, plain objects out.
 */
import { stringify } from "yaml";
import { GPU_STACK_IMAGES } from "../../core/versions";
import { findShape, gpuSpec } from "../../core/gpu-catalog";
import { CapacityType, type GpuPoolContract } from "../../core/contracts/gpu-pool";
import { CAPACITY_LABEL } from "./labels";
import { MANAGED_BY, restrictedPodSecurity } from "../../core/kubernetes";

export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

/** ClusterQueue `preemption.withinClusterQueue` policies. */
export const KueueWithinClusterQueue = { Never: "Never", LowerPriority: "LowerPriority", LowerOrNewerEqualPriority: "LowerOrNewerEqualPriority" } as const;
export type KueueWithinClusterQueue = (typeof KueueWithinClusterQueue)[keyof typeof KueueWithinClusterQueue];

/** ClusterQueue `preemption.reclaimWithinCohort` policies. */
export const KueueReclaimWithinCohort = { Never: "Never", LowerPriority: "LowerPriority", Any: "Any" } as const;
export type KueueReclaimWithinCohort = (typeof KueueReclaimWithinCohort)[keyof typeof KueueReclaimWithinCohort];

/** Preemption policy of a ClusterQueue. */
export interface KueuePreemption {
  /** @default "LowerPriority" */
  withinClusterQueue?: KueueWithinClusterQueue;
  /** @default "Any" */
  reclaimWithinCohort?: KueueReclaimWithinCohort;
}

/** Nodes per capacity type (keys are {@link CapacityType} values). */
export interface NodesByCapacity {
  /** Spot nodes. */
  spot?: number;
  /** On-demand nodes. */
  "on-demand"?: number;
}

/** Plain inputs of {@link renderKueueGpuPool}. */
export interface KueuePoolRenderInput {
  pool: GpuPoolContract;
  /** Namespace of the pipeline's LocalQueue. */
  namespace: string;
  clusterQueueName: string;
  localQueueName: string;
  /** Nodes per capacity type (quota = nodes × per-node resources). */
  nodesByCapacity: NodesByCapacity;
  /** Per-node CPU and memory used for quotas. */
  cpuPerNode: number;
  memoryGiBPerNode: number;
  cohort?: string;
  preemption?: KueuePreemption;
}

/** Name of a pool's ResourceFlavor for a capacity type. */
export function flavorName(poolName: string, capacity: CapacityType): string {
  return `${poolName}-${capacity}`;
}

/**
 * Per-node CPU / memory the quota counts: 90% of the vCPUs and 85% of the memory (allocatable after system
 * reservations) of the pool's instance type, or of the catalog's per-GPU host share when the shape is unknown.
 */
export function nodeResources(pool: GpuPoolContract): { cpu: number; memoryGiB: number } {
  const platform = pool.platform === "gke" ? "gcp" : pool.platform === "sagemaker" ? undefined : "aws";
  const shape = pool.instanceType && platform ? findShape(platform, pool.instanceType)?.shape : undefined;
  const spec = gpuSpec(pool.gpuType);
  const vcpus = shape?.vcpus || spec.hostPerGpu.vcpus * pool.gpusPerNode;
  const mem = shape?.memoryGiB || spec.hostPerGpu.memoryGiB * pool.gpusPerNode;
  return { cpu: Math.floor(vcpus * 0.9), memoryGiB: Math.floor(mem * 0.85) };
}

/** ResourceFlavors (one per capacity type), the ClusterQueue and the LocalQueue of a GPU pool. */
export function renderKueueGpuPool(i: KueuePoolRenderInput): {
  flavors: Record<string, unknown>[];
  clusterQueue: Record<string, unknown>;
  localQueue: Record<string, unknown>;
} {
  const capacityLabel = CAPACITY_LABEL[i.pool.platform];
  const labels = { ...MANAGED_BY, "finetune.dev/pool": i.pool.name };
  const flavors = i.pool.capacityTypes.map((c) => ({
    apiVersion: KUEUE_API_VERSION,
    kind: "ResourceFlavor",
    metadata: { name: flavorName(i.pool.name, c), labels },
    spec: {
      // Kueue adds these to the pod's nodeSelector when it admits a workload to this flavor.
      nodeLabels: { ...i.pool.nodeSelector, [capacityLabel.key]: capacityLabel.values[c] },
      // …and these tolerations, so admitted pods reach the tainted GPU nodes.
      tolerations: i.pool.tolerations.map((t) => ({ ...t })),
    },
  }));
  const quota = (c: CapacityType) => {
    const nodes = i.nodesByCapacity[c] ?? i.pool.maxNodes;
    return [
      { name: "cpu", nominalQuota: String(nodes * i.cpuPerNode) },
      { name: "memory", nominalQuota: `${nodes * i.memoryGiBPerNode}Gi` },
      { name: i.pool.gpuResourceName, nominalQuota: String(nodes * i.pool.gpusPerNode) },
    ];
  };
  const clusterQueue = {
    apiVersion: KUEUE_API_VERSION,
    kind: "ClusterQueue",
    metadata: { name: i.clusterQueueName, labels },
    spec: {
      ...(i.cohort ? { cohortName: i.cohort } : {}),
      // Only the pipeline namespace may submit to this queue.
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": i.namespace } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory", i.pool.gpuResourceName],
          // Order is preference: spot first, on-demand when spot quota is used up.
          flavors: i.pool.capacityTypes.map((c) => ({ name: flavorName(i.pool.name, c), resources: quota(c) })),
        },
      ],
      flavorFungibility: { whenCanBorrow: "MayStopSearch", whenCanPreempt: "TryNextFlavor" },
      preemption: {
        withinClusterQueue: i.preemption?.withinClusterQueue ?? "LowerPriority",
        reclaimWithinCohort: i.preemption?.reclaimWithinCohort ?? "Any",
        borrowWithinCohort: { policy: "Never" },
      },
      stopPolicy: "None",
    },
  };
  const localQueue = {
    apiVersion: KUEUE_API_VERSION,
    kind: "LocalQueue",
    metadata: { name: i.localQueueName, namespace: i.namespace, labels },
    spec: { clusterQueue: i.clusterQueueName, stopPolicy: "None" },
  };
  return { flavors, clusterQueue, localQueue };
}

/** Kueue integrations the kit enables (Jobs, JobSets, Kubeflow TrainJobs, plain pods for Argo steps, LWS). */
export const KUEUE_INTEGRATIONS = [
  "batch/job",
  "jobset.x-k8s.io/jobset",
  "trainer.kubeflow.org/trainjob",
  "kubeflow.org/pytorchjob",
  "pod",
  "leaderworkerset.x-k8s.io/leaderworkerset",
] as const;

/** Inputs of {@link renderKueueValues}. */
export interface KueueValuesInput {
  /** Evict and requeue a workload whose pods are not all ready after this long (releases quota held by pods waiting on spot capacity). */
  waitForPodsReadyTimeout: string;
  /** Create Kueue's own ServiceMonitor (needs prometheus-operator CRDs). */
  enablePrometheus: boolean;
}

/**
 * Helm values of the Kueue chart: the pinned image, PSS-restricted pods, and the manager configuration with
 * `waitForPodsReady` on (a workload whose spot nodes never arrive is requeued instead of holding quota forever).
 */
export function renderKueueValues(i: KueueValuesInput): Record<string, unknown> {
  const managerConfig = {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    metrics: { bindAddress: ":8443" },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 5,
        "LocalQueue.kueue.x-k8s.io": 1,
        "ClusterQueue.kueue.x-k8s.io": 1,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 50, burst: 100 },
    waitForPodsReady: {
      timeout: i.waitForPodsReadyTimeout,
      blockAdmission: false,
      requeuingStrategy: { timestamp: "Eviction", backoffBaseSeconds: 60, backoffMaxSeconds: 3600 },
    },
    integrations: { frameworks: [...KUEUE_INTEGRATIONS] },
  };
  return {
    enablePrometheus: i.enablePrometheus,
    controllerManager: {
      manager: {
        image: { repository: GPU_STACK_IMAGES.kueue.repository, tag: GPU_STACK_IMAGES.kueue.tag, pullPolicy: "IfNotPresent" },
        podSecurityContext: restrictedPodSecurity(),
        containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      },
      replicas: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    },
    managerConfig: { controllerManagerConfigYaml: stringify(managerConfig) },
  };
}
