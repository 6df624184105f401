import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_CHARTS } from "../../core/versions";
import { isGpuType, unknownGpuTypeMessage } from "../../core/gpu-catalog";
import { type GpuPoolContract, type KueueContract } from "../../core/contracts/gpu-pool";
import { type KueuePreemption, type NodesByCapacity, flavorName, nodeResources, renderKueueGpuPool, renderKueueValues } from "./kueue-render";
import { type Problem } from "../../core/problem";
import type { PoolPlanResult } from "./pool-contract";
import { outputProblems, validatedName } from "../validation";
import { MANAGED_BY, RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

export { KUEUE_API_VERSION, flavorName, renderKueueGpuPool, renderKueueValues } from "./kueue-render";

/** Arguments of {@link KueueInstall}. */
export interface KueueInstallArgs {
  /** Namespace Kueue runs in (created, PSS `restricted`). @default "kueue-system" */
  namespace?: string;
  /** Requeue a workload whose pods are not all ready after this long. @default "10m" */
  waitForPodsReadyTimeout?: string;
  /** Let the chart create Kueue's ServiceMonitor (prometheus-operator must be installed). @default false */
  enablePrometheus?: boolean;
}

/** Everything decided about a Kueue installation before any resource exists. */
export interface KueueInstallPlan {
  namespace: string;
  waitForPodsReadyTimeout: string;
  /** Helm values of the pinned chart. */
  values: Record<string, unknown>;
}

/** Validates a `KueueInstall`'s arguments and resolves its defaults and chart values (pure). */
export function planKueueInstall(args: KueueInstallArgs): PoolPlanResult<KueueInstallPlan> {
  const outputs = outputProblems(args);
  if (outputs.length > 0) return { problems: outputs };
  const problems: Problem[] = [];
  const timeout = args.waitForPodsReadyTimeout ?? "10m";
  if (!/^([0-9]+(\.[0-9]+)?(s|m|h))+$/.test(timeout)) problems.push({ path: "waitForPodsReadyTimeout", message: `"${timeout}" is not a duration (e.g. 10m)` });
  const namespace = args.namespace ?? "kueue-system";
  if (!DNS_LABEL.test(namespace)) problems.push({ path: "namespace", message: `"${namespace}" is not a DNS-1123 label` });
  if (problems.length > 0) return { problems };
  return {
    problems,
    plan: {
      namespace,
      waitForPodsReadyTimeout: timeout,
      values: renderKueueValues({ waitForPodsReadyTimeout: timeout, enablePrometheus: args.enablePrometheus ?? false }),
    },
  };
}

/** Every problem of a `KueueInstall`'s arguments (pure; the component throws them before it registers). */
export function kueueInstallProblems(args: KueueInstallArgs): Problem[] {
  return planKueueInstall(args).problems;
}

/**
 * Kueue, installed once per cluster from the pinned Helm chart into a PSS-restricted namespace. Pass its
 * `contract` to every {@link KueueGpuPool} (`kueue`): the queues then wait for the CRDs, and monitoring learns
 * the controller's namespace from the same contract.
 */
export class KueueInstall extends pulumi.ComponentResource {
  readonly namespace: string;
  /** The Helm release (for `dependsOn`). */
  readonly release: k8s.helm.v3.Release;
  readonly chartVersion: string = GPU_STACK_CHARTS.kueue.version;
  /** What the installation tells the queues and monitoring. */
  readonly contract: KueueContract;

  constructor(name: string, args: KueueInstallArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const planned = planKueueInstall(args);
    super(componentToken("KueueInstall"), validatedName("KueueInstall", name, planned.problems), {}, withLegacyAlias("KueueInstall", opts));
    const plan = planned.plan!;
    this.namespace = plan.namespace;
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: this.namespace,
          labels: { ...RESTRICTED_NAMESPACE_LABELS, ...MANAGED_BY },
        },
      },
      { parent: this },
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-chart`,
      {
        name: "kueue",
        chart: GPU_STACK_CHARTS.kueue.chart,
        version: GPU_STACK_CHARTS.kueue.version,
        namespace: ns.metadata.name,
        createNamespace: false,
        atomic: true,
        timeout: 600,
        values: plan.values,
      },
      { parent: this },
    );
    this.contract = { namespace: this.namespace, chartVersion: this.chartVersion, ready: [this.release] };
    this.registerOutputs({ namespace: this.namespace, chartVersion: this.chartVersion });
  }
}

/** Arguments of {@link KueueGpuPool}. */
export interface KueueGpuPoolArgs {
  /** The pool's contract (from a pool component, or `existingNodesPoolContract` on bare Kubernetes). */
  pool: GpuPoolContract;
  /**
   * Namespace of the pipeline; the LocalQueue is created there (the namespace must exist) and the contract names
   * it (`localQueueNamespace`): a pipeline in any other namespace is an argument error.
   */
  namespace: string;
  /**
   * Contract of the Kueue installation ({@link KueueInstall}`.contract`): every queue object waits for its release.
   * @default - none: Kueue's CRDs and webhooks must already be in the cluster
   */
  kueue?: KueueContract;
  /** @default - the pool name */
  clusterQueueName?: string;
  /** @default - the pool name */
  localQueueName?: string;
  /** Cohort to join (borrow / lend unused quota). @default - none */
  cohort?: string;
  /** Preemption policy. @default { withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Any" } */
  preemption?: KueuePreemption;
  /** Nodes per capacity type counted in the quota. @default - pool.maxNodes for each capacity type */
  nodesByCapacity?: NodesByCapacity;
  /** CPU per node counted in the quota. @default - from the instance type, or the catalog's host share per GPU */
  cpuPerNode?: number;
  /** Memory (GiB) per node counted in the quota. @default - from the instance type, or the catalog's host share per GPU */
  memoryGiBPerNode?: number;
}

/** Everything decided about a pool's Kueue objects before any resource exists. */
export interface KueueGpuPoolPlan {
  clusterQueueName: string;
  localQueueName: string;
  cpuPerNode: number;
  memoryGiBPerNode: number;
  /** The ResourceFlavors, ClusterQueue and LocalQueue (one flavor per capacity type, in the pool's order). */
  rendered: ReturnType<typeof renderKueueGpuPool>;
  /** The pool's contract plus `localQueueName`, `localQueueNamespace` and `flavors`. */
  contract: GpuPoolContract;
}

/** Validates a `KueueGpuPool`'s arguments, resolves its defaults, renders its objects and decides its contract (pure). */
export function planKueueGpuPool(args: KueueGpuPoolArgs): PoolPlanResult<KueueGpuPoolPlan> {
  const outputs = outputProblems(args);
  if (outputs.length > 0) return { problems: outputs };
  const problems: Problem[] = [];
  if (!isGpuType(args.pool.gpuType)) problems.push({ path: "pool.gpuType", message: unknownGpuTypeMessage(args.pool.gpuType) });
  if (args.pool.platform === "sagemaker")
    problems.push({ path: "pool.platform", message: "SageMaker pools have no Kubernetes nodes (use the contract directly)" });
  if (args.pool.capacityTypes.length === 0) problems.push({ path: "pool.capacityTypes", message: "is empty (a pool needs spot and/or on-demand)" });
  if (!DNS_LABEL.test(args.namespace)) problems.push({ path: "namespace", message: `"${args.namespace}" is not a DNS-1123 label` });
  for (const [c, n] of Object.entries(args.nodesByCapacity ?? {})) {
    if (!Number.isInteger(n) || (n as number) < 0) problems.push({ path: `nodesByCapacity.${c}`, message: `${n} is not a whole number ≥ 0` });
  }
  for (const key of ["cpuPerNode", "memoryGiBPerNode"] as const) {
    const v = args[key];
    if (v !== undefined && !(v > 0)) problems.push({ path: key, message: `${v} must be > 0` });
  }
  if (problems.length > 0) return { problems };
  const clusterQueueName = args.clusterQueueName ?? args.pool.name;
  const localQueueName = args.localQueueName ?? args.pool.name;
  const res = nodeResources(args.pool);
  const cpuPerNode = args.cpuPerNode ?? res.cpu;
  const memoryGiBPerNode = args.memoryGiBPerNode ?? res.memoryGiB;
  const rendered = renderKueueGpuPool({
    pool: args.pool,
    namespace: args.namespace,
    clusterQueueName,
    localQueueName,
    nodesByCapacity: args.nodesByCapacity ?? {},
    cpuPerNode,
    memoryGiBPerNode,
    cohort: args.cohort,
    preemption: args.preemption,
  });
  const contract: GpuPoolContract = {
    ...args.pool,
    localQueueName,
    localQueueNamespace: args.namespace,
    flavors: args.pool.capacityTypes.map((c) => flavorName(args.pool.name, c)),
  };
  return { problems, plan: { clusterQueueName, localQueueName, cpuPerNode, memoryGiBPerNode, rendered, contract } };
}

/**
 * Kueue queueing for a GPU pool: ResourceFlavors for spot and on-demand (node labels + tolerations), a ClusterQueue
 * with `nvidia.com/gpu` (and cpu/memory) quota that prefers spot, a preemption policy and optional cohort, and a
 * LocalQueue in the pipeline namespace. Its `contract` is the pool's contract plus `localQueueName` and `flavors`.
 */
export class KueueGpuPool extends pulumi.ComponentResource {
  readonly contract: GpuPoolContract;
  readonly clusterQueueName: string;
  readonly localQueueName: string;

  constructor(name: string, args: KueueGpuPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan (validate) first: invalid arguments register nothing.
    const planned = planKueueGpuPool(args);
    super(componentToken("KueueGpuPool"), validatedName("KueueGpuPool", name, planned.problems), {}, withLegacyAlias("KueueGpuPool", opts));
    const plan = planned.plan!;
    const rendered = plan.rendered;
    this.clusterQueueName = plan.clusterQueueName;
    this.localQueueName = plan.localQueueName;
    const kueueReady = args.kueue ? [...args.kueue.ready] : [];
    const flavors = rendered.flavors.map(
      (f, i) =>
        new k8s.apiextensions.CustomResource(`${name}-flavor-${args.pool.capacityTypes[i]}`, f as k8s.apiextensions.CustomResourceArgs, {
          parent: this,
          dependsOn: kueueReady,
        }),
    );
    const cq = new k8s.apiextensions.CustomResource(`${name}-cluster-queue`, rendered.clusterQueue as k8s.apiextensions.CustomResourceArgs, {
      parent: this,
      dependsOn: flavors,
    });
    new k8s.apiextensions.CustomResource(`${name}-local-queue`, rendered.localQueue as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [cq] });

    this.contract = plan.contract;
    this.registerOutputs({ contract: this.contract, clusterQueueName: this.clusterQueueName, localQueueName: this.localQueueName });
  }
}
