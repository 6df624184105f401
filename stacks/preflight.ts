import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import { buildPoolContract } from "../components/gpu-node-pool/pool-contract";
import { GPU_TOLERATION, capacityOrder, poolSelector } from "../components/gpu-node-pool/labels";
import { validatePipelineAgainstPool } from "../pipelines/validate";
import { resolveGpuConfig, type ResolvedGpuConfig } from "./config/driver-stack";
import type { ResolvedGpuPool } from "./config/gpu-pools";
import { ConfigError, type Problem } from "./config/errors";
import type { KitConfig } from "./config/schema";

/** Everything the stacks decide before creating the first resource. */
export interface Preflight {
  gpu: ResolvedGpuConfig;
  /** Planned contract of each pool by name (the pool components produce the same shape). */
  plannedPools: Map<string, GpuPoolContract>;
}

/** The contract a pool will have, computed from config alone (for checks that must run before any resource). */
export function plannedPoolContract(pool: ResolvedGpuPool, platform: GpuPoolContract["platform"]): GpuPoolContract {
  return buildPoolContract({
    name: pool.name,
    platform,
    gpuType: pool.gpuType,
    gpusPerNode: pool.gpusPerNode,
    capacityTypes: capacityOrder(pool.capacity, pool.onDemandFallback),
    maxNodes: pool.maxNodes,
    nodeSelector: platform === "sagemaker" ? {} : poolSelector(pool.name, pool.gpuType),
    tolerations: platform === "sagemaker" ? [] : [GPU_TOLERATION],
    instanceType: pool.instanceTypes[0],
    // KueueGpuPool's default LocalQueue name is the pool name.
    localQueueName: platform === "sagemaker" ? undefined : pool.name,
  });
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
    for (const p of gpu.pools) plannedPools.set(p.name, plannedPoolContract(p, platform));
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
