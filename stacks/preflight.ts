import * as pulumi from "@pulumi/pulumi";
import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import {
  type ExistingNodesPoolArgs,
  type SageMakerPoolArgs,
  existingNodesPoolContract,
  sagemakerPoolContract,
} from "../components/gpu-node-pool/pool-contract";
import { type GkeGpuNodePoolArgs, planGkeGpuPool } from "../components/gpu-node-pool/gke";
import { type PlainKueueGpuPoolArgs, planKueueGpuPool } from "../components/gpu-node-pool/kueue";
import { validatePipelineAgainstPool } from "../pipelines/validate";
import { resolveGpuConfig, type ResolvedGpuConfig } from "./config/driver-stack";
import type { ResolvedGpuPool } from "./config/gpu-pools";
import { ConfigError, type Problem } from "./config/errors";
import type { KitConfig } from "./config/schema";

/** Everything the stacks decide before creating the first resource. */
export interface Preflight {
  gpu: ResolvedGpuConfig;
  /** Planned contract of each pool by name: what the stack's pool (and Kueue) components output. */
  plannedPools: Map<string, GpuPoolContract>;
}

/** The `GkeGpuNodePool` arguments of a configured pool (the gcp stack passes exactly these; cluster is the config's). */
export function gkePoolArgs(cfg: KitConfig, p: ResolvedGpuPool): GkeGpuNodePoolArgs {
  const g = cfg.gcp!;
  return {
    cluster: g.cluster.name,
    location: g.region,
    project: g.project,
    nodeLocations: g.zones,
    poolName: p.name,
    gpuType: p.gpuType,
    gpusPerNode: p.gpusPerNode,
    machineType: p.instanceTypes[0],
    capacity: p.capacity,
    onDemandFallback: p.onDemandFallback,
    minNodes: p.minNodes,
    maxNodes: p.maxNodes,
    fallbackMaxNodes: p.fallbackMaxNodes,
    queuedProvisioning: p.provisioner === "gke-queued-provisioning",
    gpuDriverVersion: cfg.driverStack.gkeDriverVersion,
    gpuSharing: p.gpuSharing,
    migProfile: p.mig?.profile,
    diskGiB: p.diskGiB,
  };
}

/** The `existingNodesPoolContract` arguments of a configured pool (bare Kubernetes). */
export function existingNodesPoolArgs(p: ResolvedGpuPool): ExistingNodesPoolArgs {
  return {
    name: p.name,
    gpuType: p.gpuType,
    gpusPerNode: p.gpusPerNode,
    maxNodes: p.maxNodes,
    capacity: p.capacity,
    onDemandFallback: p.onDemandFallback,
    nodeLabels: Object.keys(p.nodeLabels).length ? p.nodeLabels : undefined,
    migProfile: p.mig?.profile,
  };
}

/** The `sagemakerPoolContract` arguments of a configured pool. */
export function sagemakerPoolArgs(p: ResolvedGpuPool): SageMakerPoolArgs {
  return {
    name: p.name,
    gpuType: p.gpuType,
    gpusPerNode: p.gpusPerNode,
    instanceType: p.instanceTypes[0],
    capacity: p.capacity,
    onDemandFallback: p.onDemandFallback,
    maxNodes: p.maxNodes,
  };
}

/** The `KueueGpuPool` arguments of a configured pool on top of its node pool's contract (`kueue` is the stack's install). */
export function kueuePoolArgs(p: ResolvedGpuPool, pool: GpuPoolContract, namespace: string): PlainKueueGpuPoolArgs {
  return {
    pool,
    namespace,
    cohort: p.queue.cohort,
    preemption: { withinClusterQueue: p.queue.withinClusterQueue, reclaimWithinCohort: p.queue.reclaimWithinCohort },
    nodesByCapacity: { spot: p.maxNodes, "on-demand": p.fallbackMaxNodes },
    cpuPerNode: p.queue.cpuPerNode,
    memoryGiBPerNode: p.queue.memoryGiBPerNode,
  };
}

/** A planner's problems as config problems of pool `p` (`gpuPools[<i>].<argument>`); none for a config the schema accepted. */
function poolProblems(p: ResolvedGpuPool, problems: Problem[]): Problem[] {
  return problems.map((x) => ({ ...x, path: `gpuPools[${p.index}].${x.path}` }));
}

/**
 * The contract a pool will have, from the same planners and arguments the stack's components use (so `plan`
 * and `up` cannot disagree): the node pool's planner (GKE), the existing-nodes or SageMaker contract, then
 * Kueue's planner on Kubernetes platforms. Returns the problems instead when a planner rejects the arguments.
 */
export function plannedPoolContract(
  cfg: KitConfig,
  p: ResolvedGpuPool,
  platform: GpuPoolContract["platform"],
): { problems: Problem[]; contract?: GpuPoolContract } {
  try {
    if (platform === "sagemaker") return { problems: [], contract: sagemakerPoolContract(sagemakerPoolArgs(p)) };
    let base: GpuPoolContract;
    let namespace: string;
    if (platform === "gke") {
      const planned = planGkeGpuPool(`${cfg.name}-${p.name}`, gkePoolArgs(cfg, p));
      if (!planned.plan) return { problems: poolProblems(p, planned.problems) };
      base = planned.plan.contract;
      namespace = cfg.gcp!.namespace;
    } else if (platform === "kubernetes") {
      base = existingNodesPoolContract(existingNodesPoolArgs(p));
      namespace = cfg.kubernetes!.namespace;
    } else {
      return { problems: [{ path: `gpuPools[${p.index}]`, message: `no stack creates ${platform} pools (use the ${platform} pool component's planner)` }] };
    }
    const queued = planKueueGpuPool(kueuePoolArgs(p, base, namespace));
    return queued.plan ? { problems: [], contract: queued.plan.contract } : { problems: poolProblems(p, queued.problems) };
  } catch (e) {
    if (!pulumi.InputPropertiesError.isInstance(e)) throw e;
    return {
      problems: poolProblems(
        p,
        e.errors.map((x) => ({ path: x.propertyPath, message: x.reason })),
      ),
    };
  }
}

/**
 * Runs every check that needs more than one config section — GPU × driver × CUDA compatibility, target rules
 * of the pools, each pipeline against its pool (nodes, GPUs, memory), plus the stack's own `extra` problems —
 * and throws ONE ConfigError listing all of them. Nothing has been created when it throws.
 */
export function preflight(cfg: KitConfig, platform: GpuPoolContract["platform"], extra: Problem[] = []): Preflight {
  const problems: Problem[] = [...extra];
  let gpu: ResolvedGpuConfig | undefined;
  try {
    gpu = resolveGpuConfig(cfg);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const plannedPools = new Map<string, GpuPoolContract>();
  if (gpu) {
    for (const p of gpu.pools) {
      const planned = plannedPoolContract(cfg, p, platform);
      problems.push(...planned.problems);
      if (planned.contract) plannedPools.set(p.name, planned.contract);
    }
    cfg.pipelines.forEach((spec, i) => {
      const pool = plannedPools.get(spec.compute.pool);
      if (pool) problems.push(...validatePipelineAgainstPool(spec, pool, i));
    });
  }
  if (problems.length || !gpu) {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const k = `${p.path}\u0000${p.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    throw new ConfigError(unique.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  }
  return { gpu, plannedPools };
}
