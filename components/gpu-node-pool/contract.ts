import type * as pulumi from "@pulumi/pulumi";

/**
 * What a GPU pool tells the rest of the kit. Every pool component (EKS, Karpenter, GKE, Kueue)
 * produces one; the pipeline renders pods against it and never looks at the pool's resources.
 */

/** Capacity types a pool can offer. */
export const CapacityType = {
  Spot: "spot",
  OnDemand: "on-demand",
} as const;
export type CapacityType = (typeof CapacityType)[keyof typeof CapacityType];

/** A Kubernetes toleration as the pipeline writes it into pod specs. */
export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** The plain, typed description of a GPU pool that other capabilities consume. */
export interface GpuPoolContract {
  /** Pool name as the user wrote it in config (`finetune:gpuPools[].name`). */
  name: string;
  /** Platform the pool lives on. */
  platform: "eks" | "karpenter" | "gke" | "kubernetes" | "sagemaker";
  /** GPU type key from the GPU catalog (e.g. `l4`, `a100-80gb`, `h100`). */
  gpuType: string;
  /** GPUs on one node of this pool. */
  gpusPerNode: number;
  /** Memory of one GPU in GiB. */
  gpuMemoryGiB: number;
  /** CUDA compute capability of the GPU, e.g. `8.9`. */
  computeCapability: string;
  /** GPU architecture, e.g. `ampere`, `hopper`. */
  architecture: string;
  /** Capacity types in the order the pool prefers them (spot first by default). */
  capacityTypes: CapacityType[];
  /** Most nodes the pool may grow to (the budget). */
  maxNodes: number;
  /** Node labels a pod must select to land on this pool. */
  nodeSelector: Record<string, string>;
  /** Tolerations a pod needs for the pool's taints. */
  tolerations: Toleration[];
  /** Kueue LocalQueue name pods submit to (label `kueue.x-k8s.io/queue-name`); absent on SageMaker. */
  localQueueName?: string;
  /**
   * Namespace of that LocalQueue (a LocalQueue only admits workloads of its own namespace, so a pipeline must run
   * here); absent on SageMaker and before Kueue queueing.
   */
  localQueueNamespace?: string;
  /** Kueue ResourceFlavor names in preference order. */
  flavors?: string[];
  /** True when the pool is managed by Karpenter (pods then carry `karpenter.sh/do-not-disrupt`). */
  karpenter: boolean;
  /** SageMaker / cloud instance type used for this pool where the platform needs one (e.g. `ml.g5.2xlarge`). */
  instanceType?: string;
  /** Extended resource name pods request for GPUs. @default "nvidia.com/gpu" */
  gpuResourceName: string;
}

/** What a Kueue installation tells the queues and the monitoring that depend on it. */
export interface KueueContract {
  /** Namespace the Kueue controller (and its metrics Service) runs in. */
  namespace: string;
  /** Kueue chart version installed. */
  chartVersion: string;
  /** Resources that must exist before any Kueue object is created (the release that installs the CRDs and webhooks). */
  ready: pulumi.Resource[];
}
