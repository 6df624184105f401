/**
 * Labels, taints and tolerations every GPU pool uses, and the node label that tells spot from on-demand on each
 * platform. Facts in tables; pure data (no Pulumi imports).
 */
import { CapacityType, type GpuPoolContract, type Toleration } from "../../core/contracts/gpu-pool";

/** Label keys the kit puts on the GPU nodes it creates (and asks admins to put on existing nodes). */
export const KIT_LABEL = {
  /** GPU catalog key, e.g. `a100-80gb`. */
  gpuType: "finetune.dev/gpu-type",
  /** Pool name from config. */
  pool: "finetune.dev/pool",
  /** `spot` or `on-demand`. */
  capacityType: "finetune.dev/capacity-type",
} as const;

/** The taint every GPU node carries, so that only pods that asked for GPUs land there. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" } as const;

/** The toleration for {@link GPU_TAINT}. */
export const GPU_TOLERATION: Toleration = { key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect };

/** The EKS / GKE API spelling of a taint effect. */
export const CLOUD_TAINT_EFFECT = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" } as const;

/** Annotation that keeps Karpenter from voluntarily disrupting a node while the pod runs. */
export const KARPENTER_DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";

/** Node label (key, and value per capacity type) that tells spot from on-demand nodes, per platform. */
export const CAPACITY_LABEL: Record<GpuPoolContract["platform"], { key: string; values: Record<CapacityType, string> }> = {
  // The kit labels the node groups / node pools it creates.
  eks: { key: KIT_LABEL.capacityType, values: { spot: "spot", "on-demand": "on-demand" } },
  gke: { key: KIT_LABEL.capacityType, values: { spot: "spot", "on-demand": "on-demand" } },
  // One Karpenter NodePool spans both capacity types; Karpenter sets this well-known label on each node.
  karpenter: { key: "karpenter.sh/capacity-type", values: { spot: "spot", "on-demand": "on-demand" } },
  // Existing nodes: the cluster admin labels them (documented in the kubernetes stack example).
  kubernetes: { key: KIT_LABEL.capacityType, values: { spot: "spot", "on-demand": "on-demand" } },
  sagemaker: { key: KIT_LABEL.capacityType, values: { spot: "spot", "on-demand": "on-demand" } },
};

/** The node labels selecting a pool's nodes on every capacity type (the Kueue flavor adds the capacity label). */
export function poolSelector(poolName: string, gpuType: string): Record<string, string> {
  return { [KIT_LABEL.pool]: poolName, [KIT_LABEL.gpuType]: gpuType };
}

/** Node labels of one capacity type of a pool the kit creates (EKS node group, GKE node pool). */
export function poolNodeLabels(poolName: string, gpuType: string, capacity: CapacityType, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...poolSelector(poolName, gpuType), [KIT_LABEL.capacityType]: capacity };
}

/** Node label that makes the GPU Operator's MIG manager partition a node (`all-<profile>` configs of mig-parted). */
export function migConfigLabel(profile: string | undefined): Record<string, string> {
  return profile ? { "nvidia.com/mig.config": `all-${profile}` } : {};
}

/** Capacity types in preference order for a pool. */
export function capacityOrder(capacity: CapacityType, onDemandFallback: boolean): CapacityType[] {
  if (capacity === CapacityType.OnDemand) return [CapacityType.OnDemand];
  return onDemandFallback ? [CapacityType.Spot, CapacityType.OnDemand] : [CapacityType.Spot];
}
