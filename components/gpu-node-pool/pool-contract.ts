/**
 * Shared pool logic: argument checks every pool component makes, and the builders of {@link GpuPoolContract}
 * (one function; every platform goes through it). No Pulumi resources here.
 */
import { CapacityType, type GpuPoolContract, type Toleration } from "../../core/contracts/gpu-pool";
import {
  type CatalogPlatform,
  GPU_TYPES,
  gpuCountsOffered,
  gpuSpec,
  isGpuType,
  machineShapes,
  platformsOffering,
  sagemakerInstanceType,
  unknownGpuTypeMessage,
} from "../../core/gpu-catalog";
import { GPU_TOLERATION, capacityOrder, poolSelector } from "./labels";
import { type Problem, throwIfProblems } from "../../core/problem";

/** Size and shape arguments every pool takes. */
export interface PoolShapeArgs {
  gpuType: string;
  gpusPerNode?: number;
  minNodes?: number;
  maxNodes?: number;
  /** Instance / machine types (override of the catalog list). */
  instanceTypes?: string[];
  migProfile?: string;
}

/** What a planner returns: every problem of the arguments, and the plan when there are none. */
export interface PoolPlanResult<P> {
  problems: Problem[];
  /** Undefined when `problems` is not empty. */
  plan?: P;
}

/** Defaults of every pool. */
export const POOL_DEFAULTS = { minNodes: 0, maxNodes: 2, diskGiB: 500 } as const;

/**
 * Problems of the shape arguments on a catalog platform: unknown GPU, GPU not offered, GPU count no machine
 * carries, instance types that do not carry the GPU × count, min > max, MIG profile the GPU lacks.
 */
export function poolShapeProblems(args: PoolShapeArgs, platform: CatalogPlatform | undefined): Problem[] {
  const problems: Problem[] = [];
  const min = args.minNodes ?? POOL_DEFAULTS.minNodes;
  const max = args.maxNodes ?? POOL_DEFAULTS.maxNodes;
  if (!Number.isInteger(min) || min < 0) problems.push({ path: "minNodes", message: `${min} is not a whole number ≥ 0 (use 0 to scale to zero)` });
  if (!Number.isInteger(max) || max < 1) problems.push({ path: "maxNodes", message: `${max} is not a whole number ≥ 1 (raise it)` });
  if (min > max) problems.push({ path: "minNodes", message: `${min} is more than maxNodes ${max} (lower minNodes or raise maxNodes)` });
  if (!isGpuType(args.gpuType)) {
    problems.push({ path: "gpuType", message: unknownGpuTypeMessage(args.gpuType) });
    return problems;
  }
  const spec = gpuSpec(args.gpuType);
  if (args.migProfile !== undefined && !spec.migProfiles.includes(args.migProfile)) {
    problems.push({
      path: "migProfile",
      message: spec.migProfiles.length
        ? `"${args.migProfile}" is not a MIG profile of ${spec.displayName} (use one of ${spec.migProfiles.join(", ")})`
        : `${spec.displayName} does not support MIG (remove migProfile)`,
    });
  }
  if (!platform) return problems;
  const offered = gpuCountsOffered(args.gpuType, platform);
  if (offered.length === 0) {
    const here = GPU_TYPES.filter((k) => machineShapes(k, platform).length);
    problems.push({
      path: "gpuType",
      message: `${spec.displayName} is not offered on ${platform} (it is on ${platformsOffering(args.gpuType).join(", ")}; use one of ${here.join(", ")})`,
    });
    return problems;
  }
  const gpus = args.gpusPerNode ?? offered[0];
  if (!offered.includes(gpus)) {
    problems.push({ path: "gpusPerNode", message: `no ${platform} machine carries ${gpus} × ${spec.displayName} (use one of ${offered.join(", ")})` });
  }
  const shapes = machineShapes(args.gpuType, platform);
  (args.instanceTypes ?? []).forEach((t, i) => {
    const s = shapes.find((x) => x.name === t);
    const fitting = shapes.filter((x) => x.gpus === gpus).map((x) => x.name);
    if (!s)
      problems.push({
        path: `instanceTypes[${i}]`,
        message: `"${t}" does not carry ${spec.displayName} (use one of ${(fitting.length ? fitting : shapes.map((x) => x.name)).join(", ")})`,
      });
    else if (s.gpus !== gpus) {
      const alt = fitting.length ? `use one of ${fitting.join(", ")}, or set gpusPerNode to ${s.gpus}` : `set gpusPerNode to ${s.gpus}`;
      problems.push({ path: `instanceTypes[${i}]`, message: `"${t}" carries ${s.gpus} GPUs, not gpusPerNode ${gpus} (${alt})` });
    }
  });
  return problems;
}

/** Inputs of {@link buildPoolContract}. */
export interface PoolContractInput {
  name: string;
  platform: GpuPoolContract["platform"];
  gpuType: string;
  gpusPerNode: number;
  capacityTypes: CapacityType[];
  maxNodes: number;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  karpenter?: boolean;
  instanceType?: string;
  gpuResourceName?: string;
  localQueueName?: string;
  localQueueNamespace?: string;
  flavors?: string[];
}

/** The one builder of a pool contract: GPU facts come from the catalog. */
export function buildPoolContract(i: PoolContractInput): GpuPoolContract {
  const spec = gpuSpec(i.gpuType);
  const contract: GpuPoolContract = {
    name: i.name,
    platform: i.platform,
    gpuType: spec.key,
    gpusPerNode: i.gpusPerNode,
    gpuMemoryGiB: spec.memoryGiB,
    computeCapability: spec.computeCapability,
    architecture: spec.architecture,
    capacityTypes: [...i.capacityTypes],
    maxNodes: i.maxNodes,
    nodeSelector: { ...i.nodeSelector },
    tolerations: i.tolerations.map((t) => ({ ...t })),
    karpenter: i.karpenter ?? false,
    gpuResourceName: i.gpuResourceName ?? "nvidia.com/gpu",
  };
  if (i.instanceType !== undefined) contract.instanceType = i.instanceType;
  if (i.localQueueName !== undefined) contract.localQueueName = i.localQueueName;
  if (i.localQueueNamespace !== undefined) contract.localQueueNamespace = i.localQueueNamespace;
  if (i.flavors !== undefined) contract.flavors = [...i.flavors];
  return contract;
}

/** Arguments of {@link sagemakerPoolContract}. */
export interface SageMakerPoolArgs {
  /** Pool name from config. */
  name: string;
  gpuType: string;
  /** @default - the smallest count SageMaker offers for the GPU type */
  gpusPerNode?: number;
  /** `ml.*` instance type. @default - the catalog's smallest instance with gpusPerNode GPUs */
  instanceType?: string;
  /** @default "spot" (SageMaker managed spot training) */
  capacity?: CapacityType;
  /** On-demand retry when spot capacity is short. @default true */
  onDemandFallback?: boolean;
  /** Most instances a training job may use. @default 2 */
  maxNodes?: number;
}

/**
 * The contract of a SageMaker pool. The aws-sagemaker stack creates no node pool resources, but the pipeline
 * still needs GPU facts and the `ml.*` instance type; no Kubernetes fields (empty selector, no tolerations,
 * no queue). Throws `InputPropertiesError` on bad input.
 */
export function sagemakerPoolContract(args: SageMakerPoolArgs): GpuPoolContract {
  const problems = poolShapeProblems(
    { gpuType: args.gpuType, gpusPerNode: args.gpusPerNode, maxNodes: args.maxNodes, instanceTypes: args.instanceType ? [args.instanceType] : undefined },
    "sagemaker",
  );
  throwIfProblems("sagemakerPoolContract", args.name, problems);
  const gpus = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "sagemaker")[0];
  return buildPoolContract({
    name: args.name,
    platform: "sagemaker",
    gpuType: args.gpuType,
    gpusPerNode: gpus,
    capacityTypes: capacityOrder(args.capacity ?? CapacityType.Spot, args.onDemandFallback ?? true),
    maxNodes: args.maxNodes ?? POOL_DEFAULTS.maxNodes,
    nodeSelector: {},
    tolerations: [],
    instanceType: args.instanceType ?? sagemakerInstanceType(args.gpuType, gpus),
  });
}

/** Arguments of {@link existingNodesPoolContract} (bare Kubernetes: the nodes already exist). */
export interface ExistingNodesPoolArgs {
  /** Pool name from config. */
  name: string;
  gpuType: string;
  /** GPUs per node. @default 1 */
  gpusPerNode?: number;
  /** Nodes the pool may use at most (the Kueue quota is maxNodes × gpusPerNode). @default 2 */
  maxNodes?: number;
  /** @default "spot" */
  capacity?: CapacityType;
  /** @default true */
  onDemandFallback?: boolean;
  /** Labels that select the pool's nodes. @default {"finetune.dev/pool": name, "finetune.dev/gpu-type": gpuType} */
  nodeLabels?: Record<string, string>;
  /** Tolerations for the nodes' taints. @default [nvidia.com/gpu=present:NoSchedule] */
  tolerations?: Toleration[];
  /** MIG profile the nodes are partitioned into (checked against the GPU). @default - no MIG */
  migProfile?: string;
}

/** The contract of a pool of existing nodes (platform `kubernetes`). Throws `InputPropertiesError` on bad input. */
export function existingNodesPoolContract(args: ExistingNodesPoolArgs): GpuPoolContract {
  const problems = poolShapeProblems({ gpuType: args.gpuType, maxNodes: args.maxNodes, migProfile: args.migProfile }, undefined);
  if (args.gpusPerNode !== undefined && (!Number.isInteger(args.gpusPerNode) || args.gpusPerNode < 1 || args.gpusPerNode > 16)) {
    problems.push({ path: "gpusPerNode", message: `${args.gpusPerNode} is not a GPU count a node carries (use 1 to 16)` });
  }
  throwIfProblems("existingNodesPoolContract", args.name, problems);
  return buildPoolContract({
    name: args.name,
    platform: "kubernetes",
    gpuType: args.gpuType,
    gpusPerNode: args.gpusPerNode ?? 1,
    capacityTypes: capacityOrder(args.capacity ?? CapacityType.Spot, args.onDemandFallback ?? true),
    maxNodes: args.maxNodes ?? POOL_DEFAULTS.maxNodes,
    nodeSelector: args.nodeLabels && Object.keys(args.nodeLabels).length ? args.nodeLabels : poolSelector(args.name, args.gpuType),
    tolerations: args.tolerations ?? [GPU_TOLERATION],
  });
}
