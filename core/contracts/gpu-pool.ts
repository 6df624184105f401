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

/** Platforms a GPU pool can live on. */
export const PoolPlatform = {
  Eks: "eks",
  Karpenter: "karpenter",
  Gke: "gke",
  Kubernetes: "kubernetes",
  SageMaker: "sagemaker",
} as const;
export type PoolPlatform = (typeof PoolPlatform)[keyof typeof PoolPlatform];

/** How a toleration matches a taint's value. */
export const TolerationOperator = {
  Equal: "Equal",
  Exists: "Exists",
} as const;
export type TolerationOperator = (typeof TolerationOperator)[keyof typeof TolerationOperator];

/** The taint effect a toleration tolerates. */
export const TolerationEffect = {
  NoSchedule: "NoSchedule",
  PreferNoSchedule: "PreferNoSchedule",
  NoExecute: "NoExecute",
} as const;
export type TolerationEffect = (typeof TolerationEffect)[keyof typeof TolerationEffect];

/** A Kubernetes toleration as the pipeline writes it into pod specs. */
export interface Toleration {
  /** Taint key. */
  key: string;
  /** How the value is matched. */
  operator: TolerationOperator;
  /** Taint value (with `Equal`). */
  value?: string;
  /** Taint effect tolerated. */
  effect: TolerationEffect;
}

/** The plain, typed description of a GPU pool that other capabilities consume. */
export interface GpuPoolContract {
  /** Pool name as the user wrote it in config (`finetune:gpuPools[].name`). */
  name: string;
  /** Platform the pool lives on. */
  platform: PoolPlatform;
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
  /** Fast inter-node network of the pool (EKS, Karpenter, GKE pools set it). @default - none known (SageMaker, existing nodes) */
  interconnect?: PoolInterconnect;
  /** Local NVMe / Local SSD the nodes carry and what uses it. @default - none known */
  localStorage?: PoolLocalStorage;
  /** How container images reach the nodes ahead of a pull. @default - plain pulls */
  imageCache?: PoolImageCache;
}

/** Fast inter-node interconnects a GPU pool can offer to NCCL. */
export const InterconnectKind = {
  None: "none",
  /** AWS Elastic Fabric Adapter (libfabric; pods request `vpc.amazonaws.com/efa`). */
  Efa: "efa",
  /** GCP GPUDirect-TCPX (A3 High). */
  Tcpx: "tcpx",
  /** GCP GPUDirect-TCPXO (A3 Mega). */
  Tcpxo: "tcpxo",
  /** GCP GPUDirect RDMA over RoCE (A3 Ultra, A4). */
  Rdma: "rdma",
} as const;
export type InterconnectKind = (typeof InterconnectKind)[keyof typeof InterconnectKind];

/** The interconnect a pool offers and what pods need to use it. */
export interface PoolInterconnect {
  /** What the pool's nodes are configured with (`none` when the machine offers nothing or it was turned off). */
  kind: InterconnectKind;
  /** What the machine type offers (differs from `kind` when the pool leaves it off). */
  offered: InterconnectKind;
  /** Fast NICs per node (0 with `none`). */
  devicesPerNode: number;
  /** Extended resource a pod requests per NIC (EFA: `vpc.amazonaws.com/efa`); absent when there is none. */
  resourceName?: string;
  /** Nodes are placed close together (EC2 cluster placement group, GKE compact placement). */
  compactPlacement: boolean;
}

/** Local disks of a pool's nodes. */
export interface PoolLocalStorage {
  /** GB of NVMe instance store / Local SSD per node (0: none). */
  nvmeGB: number;
  /** True when containerd, kubelet and `emptyDir` scratch live on it (RAID0 of the NVMe disks). */
  ephemeralOnNvme: boolean;
}

/** Ways images are ready on a node before a pull. */
export const ImagePreload = {
  None: "none",
  /** GKE secondary boot disk in `CONTAINER_IMAGE_CACHE` mode. */
  GkeSecondaryBootDisk: "gke-secondary-boot-disk",
  /** Bottlerocket data volume restored from an EBS snapshot that holds the pulled images. */
  EbsSnapshot: "ebs-snapshot",
} as const;
export type ImagePreload = (typeof ImagePreload)[keyof typeof ImagePreload];

/** How a pool gets images onto its nodes. */
export interface PoolImageCache {
  /** GKE image streaming (lazy pulls of Artifact Registry images). */
  streaming: boolean;
  /** Images already on the node's disk at boot. */
  preload: ImagePreload;
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
