import { z } from "zod";
import {
  GPU_CATALOG,
  type CatalogPlatform,
  type GpuType,
  gpuCountsOffered,
  gpuSpec,
  isGpuType,
  machineShapes,
  platformsOffering,
  unknownGpuTypeMessage,
} from "../../core/gpu-catalog";
import { ConfigError, type Problem, keyOf } from "./errors";
import { DNS_LABEL, LABEL_KEY } from "../../core/kubernetes";

/** How a pool's nodes come to exist. Each target offers its own choices (see {@link PROVISIONERS_BY_TARGET}). */
export const GpuPoolProvisioner = {
  /** GKE node pool (spot by default) with an optional on-demand fallback pool. */
  GkeNodePool: "gke-node-pool",
  /** GKE node pool with queued provisioning (Dynamic Workload Scheduler, flex-start capacity). */
  GkeQueuedProvisioning: "gke-queued-provisioning",
  /** Nodes that already exist in the cluster, selected by labels (bare Kubernetes). */
  ExistingNodes: "existing-nodes",
  /** SageMaker managed (spot) training: no node pool resources. */
  SageMaker: "sagemaker",
} as const;
export type GpuPoolProvisioner = (typeof GpuPoolProvisioner)[keyof typeof GpuPoolProvisioner];

/** Provisioners each target offers; the first is the default. (EKS managed node groups and Karpenter are importable components.) */
export const PROVISIONERS_BY_TARGET: Record<"kubernetes" | "gcp" | "aws-sagemaker", readonly GpuPoolProvisioner[]> = {
  kubernetes: [GpuPoolProvisioner.ExistingNodes],
  gcp: [GpuPoolProvisioner.GkeNodePool, GpuPoolProvisioner.GkeQueuedProvisioning],
  "aws-sagemaker": [GpuPoolProvisioner.SageMaker],
};

/** Catalog platform whose machine shapes a target uses (bare Kubernetes: none, nodes exist). */
const CATALOG_PLATFORM: Record<keyof typeof PROVISIONERS_BY_TARGET, CatalogPlatform | undefined> = {
  kubernetes: undefined,
  gcp: "gcp",
  "aws-sagemaker": "sagemaker",
};

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Kueue preemption settings of a pool's ClusterQueue. */
const QueueSchema = z.strictObject({
  /** Kueue cohort the ClusterQueue joins (queues in a cohort borrow each other's unused quota). @default - no cohort */
  cohort: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lowercase letters, digits, '-')").max(63).optional(),
  /** Preemption within the ClusterQueue. @default "LowerPriority" */
  withinClusterQueue: z.enum(["Never", "LowerPriority", "LowerOrNewerEqualPriority"]).default("LowerPriority"),
  /** Reclaiming quota lent to the cohort. @default "Any" */
  reclaimWithinCohort: z.enum(["Never", "LowerPriority", "Any"]).default("Any"),
  /** CPU quota per node; existing nodes only. @default - from the GPU catalog (vCPUs per GPU × gpusPerNode) */
  cpuPerNode: z.number().positive().optional(),
  /** Memory quota per node in GiB; existing nodes only. @default - from the GPU catalog */
  memoryGiBPerNode: z.number().positive().optional(),
});

/** One entry of `finetune:gpuPools`. */
export const GpuPoolConfigSchema = z
  .strictObject({
    /** Pool name: names the node pool, Kueue queues and flavors. */
    name: z
      .string()
      .regex(
        /^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/,
        "must be 1-30 lowercase letters, digits or '-', starting with a letter and not ending with '-' (it names node pools and queues)",
      ),
    /** GPU catalog key (t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200). */
    gpuType: z.string(),
    /** GPUs per node. @default - the smallest count the platform offers for the GPU type (1 where offered) */
    gpusPerNode: z.number().int().min(1).max(16).optional(),
    /** Capacity the pool prefers. @default "spot" */
    capacity: z.enum(["spot", "on-demand"]).default("spot"),
    /** With spot capacity: also create / admit to on-demand capacity when spot is short. @default true */
    onDemandFallback: z.boolean().default(true),
    /** Fewest nodes (0 = scale to zero, nothing paid when idle). @default 0 */
    minNodes: z.number().int().min(0).default(0),
    /** Most nodes (the budget: quota = maxNodes × gpusPerNode GPUs). @default 2 */
    maxNodes: z.number().int().min(1).max(1000).default(2),
    /** Most nodes of the on-demand fallback. @default - maxNodes */
    fallbackMaxNodes: z.number().int().min(1).max(1000).optional(),
    /** Instance / machine types (override of the catalog's list; all must carry gpusPerNode GPUs of gpuType). @default - from the GPU catalog */
    instanceTypes: z.array(z.string().min(1)).min(1).optional(),
    /** How the pool's nodes are provisioned. @default - the target's first choice (gke-node-pool, existing-nodes, sagemaker) */
    provisioner: z
      .enum([GpuPoolProvisioner.GkeNodePool, GpuPoolProvisioner.GkeQueuedProvisioning, GpuPoolProvisioner.ExistingNodes, GpuPoolProvisioner.SageMaker])
      .optional(),
    /** Existing nodes: labels that select this pool's nodes (capacity label `finetune.dev/capacity-type` is added per flavor). @default {"finetune.dev/gpu-type": <gpuType>} */
    nodeLabels: z
      .record(
        z.string().regex(LABEL_KEY, "must be a Kubernetes label key (use [prefix/]name: up to 63 letters, digits, '-', '_' or '.')"),
        z
          .string()
          .regex(labelValue, "must be a Kubernetes label value (use up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"),
      )
      .optional(),
    /** GKE GPU sharing (time-sharing or MPS) on this pool's nodes. @default - none */
    gpuSharing: z
      .strictObject({
        /** Sharing strategy. */
        strategy: z.enum(["time-sharing", "mps"]),
        /** Containers that may share one GPU. @default 2 */
        maxClientsPerGpu: z.number().int().min(2).max(48).default(2),
      })
      .optional(),
    /** MIG partitioning of this pool's GPUs (A100, H100, H200, B200). @default - no MIG */
    mig: z.strictObject({ /** MIG profile, e.g. `1g.10gb`. */ profile: z.string() }).optional(),
    /** Root / boot disk per node in GiB (model weights, images). @default 500 */
    diskGiB: z.number().int().min(100).max(16000).default(500),
    /** Kueue ClusterQueue settings. @default {} */
    queue: QueueSchema.prefault({}),
  })
  .superRefine(
    (p, ctx) => {
      // Runs even when other fields of the pool are invalid (report every problem at once): guard each type.
      if (typeof p.gpuType !== "string") return;
      if (!isGpuType(p.gpuType)) {
        ctx.addIssue({ code: "custom", path: ["gpuType"], message: unknownGpuTypeMessage(p.gpuType) });
        return;
      }
      const spec = gpuSpec(p.gpuType);
      if (typeof p.minNodes === "number" && typeof p.maxNodes === "number" && p.minNodes > p.maxNodes) {
        ctx.addIssue({ code: "custom", path: ["minNodes"], message: `${p.minNodes} is more than maxNodes ${p.maxNodes} (lower minNodes or raise maxNodes)` });
      }
      if (p.mig && typeof p.mig.profile === "string") {
        if (spec.migProfiles.length === 0) {
          const migGpus = Object.values(GPU_CATALOG)
            .filter((s) => s.migProfiles.length)
            .map((s) => s.key);
          ctx.addIssue({
            code: "custom",
            path: ["mig", "profile"],
            message: `${spec.displayName} does not support MIG (remove mig, or use one of ${migGpus.join(", ")})`,
          });
        } else if (!spec.migProfiles.includes(p.mig.profile)) {
          ctx.addIssue({
            code: "custom",
            path: ["mig", "profile"],
            message: `"${p.mig.profile}" is not a MIG profile of ${spec.displayName} (use one of ${spec.migProfiles.join(", ")})`,
          });
        }
      }
      if (p.capacity === "on-demand" && p.fallbackMaxNodes !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["fallbackMaxNodes"],
          message: `only applies to spot pools with an on-demand fallback (remove it, or set capacity to "spot")`,
        });
      }
      if (typeof p.gpusPerNode === "number") {
        const offered = [...new Set((["aws", "gcp", "sagemaker"] as const).flatMap((pl) => gpuCountsOffered(p.gpuType, pl)))].sort((a, b) => a - b);
        if (!offered.includes(p.gpusPerNode)) {
          ctx.addIssue({
            code: "custom",
            path: ["gpusPerNode"],
            message: `no machine carries ${p.gpusPerNode} × ${spec.displayName} (use one of ${offered.join(", ")})`,
          });
        }
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );

export const GpuPoolsConfigSchema = z.array(GpuPoolConfigSchema);
export type GpuPoolConfig = z.infer<typeof GpuPoolConfigSchema>;
export type GpuPoolsConfig = z.infer<typeof GpuPoolsConfigSchema>;

/** A pool with every default resolved for its target: what the stacks hand to the pool components. */
export interface ResolvedGpuPool {
  /** Index in `finetune:gpuPools` (for error keys). */
  index: number;
  name: string;
  gpuType: GpuType;
  gpusPerNode: number;
  capacity: "spot" | "on-demand";
  /** True when an on-demand fallback exists next to spot. */
  onDemandFallback: boolean;
  minNodes: number;
  maxNodes: number;
  fallbackMaxNodes: number;
  provisioner: GpuPoolProvisioner;
  /** Instance / machine types (empty for existing nodes). */
  instanceTypes: string[];
  /** Existing nodes: labels that select the pool's nodes. */
  nodeLabels: Record<string, string>;
  gpuSharing?: { strategy: "time-sharing" | "mps"; maxClientsPerGpu: number };
  mig?: { profile: string };
  diskGiB: number;
  queue: GpuPoolConfig["queue"];
}

type Target = keyof typeof PROVISIONERS_BY_TARGET;

interface Issue {
  path: (string | number)[];
  message: string;
}

/**
 * Problems of `finetune:gpuPools` that depend on the target (which platform offers the GPU, instance types,
 * provisioners). Paths are relative to the config root, e.g. `["gpuPools", 0, "instanceTypes", 1]`.
 * The kit schema's cross-section refinement may call this; {@link resolveGpuPools} always does.
 */
export function gpuPoolTargetIssues(target: Target, pools: GpuPoolsConfig): Issue[] {
  const issues: Issue[] = [];
  const choices = PROVISIONERS_BY_TARGET[target];
  const platform = CATALOG_PLATFORM[target];
  pools.forEach((p, i) => {
    const at = (...rest: (string | number)[]) => ["gpuPools", i, ...rest];
    if (!isGpuType(p.gpuType)) return; // reported by the pool schema
    const spec = gpuSpec(p.gpuType);
    if (p.provisioner && !choices.includes(p.provisioner)) {
      issues.push({
        path: at("provisioner"),
        message: `"${p.provisioner}" is not available on target ${target} (use one of ${choices.map((c) => `"${c}"`).join(", ")})`,
      });
      return;
    }
    const provisioner = p.provisioner ?? choices[0];
    if (platform) {
      const offered = gpuCountsOffered(p.gpuType, platform);
      if (offered.length === 0) {
        const elsewhere = platformsOffering(p.gpuType);
        const here = Object.values(GPU_CATALOG)
          .filter((s) => machineShapes(s.key, platform).length)
          .map((s) => s.key);
        issues.push({
          path: at("gpuType"),
          message: `${spec.displayName} is not offered on ${target} (it is on ${elsewhere.join(", ")}; use one of ${here.join(", ")})`,
        });
        return;
      }
      const gpus = p.gpusPerNode ?? offered[0];
      if (!offered.includes(gpus)) {
        issues.push({ path: at("gpusPerNode"), message: `no ${target} machine carries ${gpus} × ${spec.displayName} (use one of ${offered.join(", ")})` });
      }
      if (p.instanceTypes) {
        const shapes = machineShapes(p.gpuType, platform);
        p.instanceTypes.forEach((t, j) => {
          const s = shapes.find((x) => x.name === t);
          if (!s)
            issues.push({
              path: at("instanceTypes", j),
              message: `"${t}" does not carry ${spec.displayName} on ${target} (use one of ${
                shapes
                  .filter((x) => x.gpus === gpus)
                  .map((x) => x.name)
                  .join(", ") || shapes.map((x) => x.name).join(", ")
              })`,
            });
          else if (s.gpus !== gpus)
            issues.push({
              path: at("instanceTypes", j),
              message: `"${t}" carries ${s.gpus} GPUs, not gpusPerNode ${gpus} (use one of ${shapes
                .filter((x) => x.gpus === gpus)
                .map((x) => x.name)
                .join(", ")}, or set gpusPerNode to ${s.gpus})`,
            });
        });
        if (p.instanceTypes.length > 1 && target !== "kubernetes") {
          issues.push({ path: at("instanceTypes"), message: `${target} pools use one machine type per node pool, got ${p.instanceTypes.length} (keep one)` });
        }
      }
    } else if (p.instanceTypes) {
      issues.push({ path: at("instanceTypes"), message: `existing-nodes pools do not create machines (remove it; select nodes with nodeLabels)` });
    }
    if (p.gpuSharing && provisioner !== GpuPoolProvisioner.GkeNodePool && provisioner !== GpuPoolProvisioner.GkeQueuedProvisioning) {
      issues.push({
        path: at("gpuSharing"),
        message: `GPU sharing per pool is a GKE feature (remove it; on bare Kubernetes use finetune:driverStack.timeSlicing)`,
      });
    }
    if (p.nodeLabels && provisioner !== GpuPoolProvisioner.ExistingNodes) {
      issues.push({ path: at("nodeLabels"), message: `only existing-nodes pools select nodes by label; the kit labels the nodes it creates (remove it)` });
    }
    if (provisioner === GpuPoolProvisioner.GkeQueuedProvisioning && p.capacity === "spot") {
      issues.push({
        path: at("capacity"),
        message: `queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand", or use provisioner "gke-node-pool")`,
      });
    }
    if (provisioner === GpuPoolProvisioner.SageMaker && p.mig) {
      issues.push({ path: at("mig"), message: `SageMaker training instances do not offer MIG (remove it)` });
    }
  });
  return issues;
}

/**
 * Resolves every pool's defaults for the target (GPUs per node, instance types, provisioner, fallback size)
 * and checks what depends on the target. Throws one {@link ConfigError} listing every problem.
 */
export function resolveGpuPools(target: Target, pools: GpuPoolsConfig): ResolvedGpuPool[] {
  const issues = gpuPoolTargetIssues(target, pools);
  if (issues.length) {
    const problems: Problem[] = issues.map((i) => ({ path: keyOf(i.path), message: i.message }));
    throw new ConfigError(problems);
  }
  const platform = CATALOG_PLATFORM[target];
  return pools.map((p, index) => {
    const gpuType = p.gpuType as GpuType;
    const gpusPerNode = p.gpusPerNode ?? (platform ? gpuCountsOffered(gpuType, platform)[0] : 1);
    const catalogTypes = platform
      ? machineShapes(gpuType, platform)
          .filter((s) => s.gpus === gpusPerNode)
          .map((s) => s.name)
      : [];
    const instanceTypes = p.instanceTypes ?? (platform === "aws" ? catalogTypes : catalogTypes.slice(0, 1));
    const provisioner = p.provisioner ?? PROVISIONERS_BY_TARGET[target][0];
    return {
      index,
      name: p.name,
      gpuType,
      gpusPerNode,
      capacity: p.capacity,
      onDemandFallback: p.capacity === "spot" && p.onDemandFallback,
      minNodes: p.minNodes,
      maxNodes: p.maxNodes,
      fallbackMaxNodes: p.fallbackMaxNodes ?? p.maxNodes,
      provisioner,
      instanceTypes,
      nodeLabels: p.nodeLabels ?? {},
      gpuSharing: p.gpuSharing,
      mig: p.mig,
      diskGiB: p.diskGiB,
      queue: p.queue,
    };
  });
}
