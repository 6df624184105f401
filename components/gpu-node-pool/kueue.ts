import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_CHARTS } from "../../core/versions";
import { isGpuType, unknownGpuTypeMessage } from "../../core/gpu-catalog";
import { type GpuPoolContract, type KueueContract } from "../../core/contracts/gpu-pool";
import {
  type KueuePreemption,
  type NodesByCapacity,
  KUEUE_API_VERSION,
  flavorName,
  nodeResources,
  renderKueueGpuPool,
  renderKueueValues,
} from "./kueue-render";
import { throwIfProblems, type Problem } from "../../core/problem";
import type { PoolPlanResult } from "./pool-contract";
import {
  checkInput,
  isKnown,
  isPlainDeep,
  knownProblems,
  outputProblems,
  unknownViewError,
  validatedName,
  withPlaceholders,
  type InputOwner,
} from "../validation";
import { MANAGED_BY, RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

export { KUEUE_API_VERSION, flavorName, renderKueueGpuPool, renderKueueValues } from "./kueue-render";

/** Arguments of {@link KueueInstall}. */
export interface KueueInstallArgs {
  /** Namespace Kueue runs in (created, PSS `restricted`). @default "kueue-system" */
  namespace?: pulumi.Input<string>;
  /** Requeue a workload whose pods are not all ready after this long. @default "10m" */
  waitForPodsReadyTimeout?: string;
  /** Let the chart create Kueue's ServiceMonitor (prometheus-operator must be installed). @default false */
  enablePrometheus?: boolean;
}

/** The arguments of {@link KueueInstall} typed `pulumi.Input`. */
export const KUEUE_INSTALL_INPUT_ARGS = ["namespace"] as const satisfies readonly (keyof KueueInstallArgs)[];

/** The arguments of {@link KueueInstall} that stay plain, and why. */
export const KUEUE_INSTALL_PLAIN_ARGS: Record<string, string> = {
  waitForPodsReadyTimeout: "Kueue tuning rendered into the chart's manager configuration; nobody reads it from another resource",
  enablePrometheus: "a flag: decides whether the chart creates a ServiceMonitor",
};

/** Everything decided about a Kueue installation before any resource exists. */
export interface KueueInstallPlan {
  namespace: string;
  waitForPodsReadyTimeout: string;
  /** Helm values of the pinned chart. */
  values: Record<string, unknown>;
}

/** Validates a `KueueInstall`'s arguments and resolves its defaults and chart values (pure). */
export function planKueueInstall(args: pulumi.Unwrap<KueueInstallArgs>): PoolPlanResult<KueueInstallPlan> {
  const outputs = outputProblems(args);
  if (outputs.length > 0) return { problems: outputs };
  const problems: Problem[] = [];
  const timeout = args.waitForPodsReadyTimeout ?? "10m";
  if (!/^([0-9]+(\.[0-9]+)?(s|m|h))+$/.test(timeout)) problems.push({ path: "waitForPodsReadyTimeout", message: `"${timeout}" is not a duration (e.g. 10m)` });
  const namespace = args.namespace ?? "kueue-system";
  problems.push(...kueueNamespaceProblems(namespace));
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
export function kueueInstallProblems(args: pulumi.Unwrap<KueueInstallArgs>): Problem[] {
  return planKueueInstall(args).problems;
}

/**
 * Kueue, installed once per cluster from the pinned Helm chart into a PSS-restricted namespace. Pass its
 * `contract` to every {@link KueueGpuPool} (`kueue`): the queues then wait for the CRDs, and monitoring learns
 * the controller's namespace from the same contract.
 */
export class KueueInstall extends pulumi.ComponentResource {
  /** The namespace Kueue runs in (an Output: `namespace` may be one). */
  readonly namespace: pulumi.Output<string>;
  /** The Helm release (for `dependsOn`). */
  readonly release: k8s.helm.v3.Release;
  readonly chartVersion: string = GPU_STACK_CHARTS.kueue.version;
  /**
   * What the installation tells the queues and monitoring, as plain values. Reading it throws when `namespace` was
   * passed as an Output: read {@link contractOutput} then (KueueGpuPool's `kueue` takes either).
   */
  get contract(): KueueContract {
    const v = INSTALL_VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set). */
  readonly contractOutput: pulumi.Output<KueueContract>;

  constructor(name: string, args: KueueInstallArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("KueueInstall", name, outputProblems(args, KUEUE_INSTALL_INPUT_ARGS));
    // Plan now with a placeholder for an Output namespace (its problem is dropped and checked in apply instead).
    const planned = planKueueInstall(withPlaceholders(args as pulumi.Unwrap<KueueInstallArgs>, "kueue-system"));
    super(
      componentToken("KueueInstall"),
      validatedName("KueueInstall", name, knownProblems(args, planned.problems)),
      {},
      withLegacyAlias("KueueInstall", opts),
    );
    const plan = planned.plan!;
    const namespace = checkInput("KueueInstall", name, args.namespace ?? plan.namespace, "namespace", (v) => kueueNamespaceProblems(v)[0]?.message).value;
    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: namespace,
          labels: { ...RESTRICTED_NAMESPACE_LABELS, ...MANAGED_BY },
        },
      },
      { parent: this },
    );
    this.namespace = pulumi.output(namespace);
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
    const contractOf = (n: string): KueueContract => ({ namespace: n, chartVersion: this.chartVersion, ready: [this.release] });
    INSTALL_VIEWS.set(this, { owner: { component: "KueueInstall", name }, contract: isKnown(namespace) ? contractOf(namespace) : undefined });
    this.contractOutput = this.namespace.apply(contractOf);
    this.registerOutputs({ namespace: this.namespace, chartVersion: this.chartVersion });
  }
}

/** Plain views of each installation, kept off the instance so the provider host does not take them for outputs. */
const INSTALL_VIEWS = new WeakMap<KueueInstall, { owner: InputOwner; contract?: KueueContract }>();

/** Arguments of {@link KueueGpuPool}. */
export interface KueueGpuPoolArgs {
  /**
   * The pool's contract (from a pool component, or `existingNodesPoolContract` on bare Kubernetes; another stack's or
   * language's contract arrives as an Output).
   */
  pool: pulumi.Input<GpuPoolContract>;
  /**
   * Namespace of the pipeline; the LocalQueue is created there (the namespace must exist) and the contract names
   * it (`localQueueNamespace`): a pipeline in any other namespace is an argument error.
   */
  namespace: pulumi.Input<string>;
  /**
   * Contract of the Kueue installation (`KueueInstall.contract`): every queue object waits for its release.
   * @default - none: Kueue's CRDs and webhooks must already be in the cluster
   */
  kueue?: pulumi.Input<KueueContract>;
  /** Name of the ClusterQueue. @default - the pool name */
  clusterQueueName?: pulumi.Input<string>;
  /** Name of the LocalQueue. @default - the pool name */
  localQueueName?: pulumi.Input<string>;
  /** Cohort to join (borrow / lend unused quota). @default - none */
  cohort?: pulumi.Input<string>;
  /** Preemption policy. @default { withinClusterQueue: "LowerPriority", reclaimWithinCohort: "Any" } */
  preemption?: KueuePreemption;
  /** Nodes per capacity type counted in the quota. @default - pool.maxNodes for each capacity type */
  nodesByCapacity?: NodesByCapacity;
  /** CPU per node counted in the quota. @default - from the instance type, or the catalog's host share per GPU */
  cpuPerNode?: number;
  /** Memory (GiB) per node counted in the quota. @default - from the instance type, or the catalog's host share per GPU */
  memoryGiBPerNode?: number;
}

/** The arguments of {@link KueueGpuPool} typed `pulumi.Input`: contracts and names a user may take from another resource or stack. */
export const KUEUE_GPU_POOL_INPUT_ARGS = [
  "pool",
  "namespace",
  "kueue",
  "clusterQueueName",
  "localQueueName",
  "cohort",
] as const satisfies readonly (keyof KueueGpuPoolArgs)[];

/** The arguments of {@link KueueGpuPool} that stay plain, and why. */
export const KUEUE_GPU_POOL_PLAIN_ARGS: Record<string, string> = {
  preemption: "queue policy chosen with the kit (a pair of enums), never read from another resource",
  nodesByCapacity: "quota tuning (node counts) chosen with the kit, never read from another resource",
  cpuPerNode: "quota tuning chosen with the kit (defaults from the GPU catalog), never read from another resource",
  memoryGiBPerNode: "quota tuning chosen with the kit (defaults from the GPU catalog), never read from another resource",
};

/** {@link KueueGpuPoolArgs} with every `pulumi.Input` resolved: what the pure planner reads. */
export type PlainKueueGpuPoolArgs = pulumi.Unwrap<KueueGpuPoolArgs>;

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

/** Problems of the pool contract a `KueueGpuPool` queues (pure). */
function kueuePoolContractProblems(pool: GpuPoolContract): Problem[] {
  const problems: Problem[] = [];
  if (!isGpuType(pool.gpuType)) problems.push({ path: "pool.gpuType", message: unknownGpuTypeMessage(pool.gpuType) });
  if (pool.platform === "sagemaker") problems.push({ path: "pool.platform", message: "SageMaker pools have no Kubernetes nodes (use the contract directly)" });
  if (pool.capacityTypes.length === 0) problems.push({ path: "pool.capacityTypes", message: "is empty (a pool needs spot and/or on-demand)" });
  return problems;
}

/** Problem of the LocalQueue's namespace (pure). */
function kueueNamespaceProblems(namespace: string): Problem[] {
  return DNS_LABEL.test(namespace) ? [] : [{ path: "namespace", message: `"${namespace}" is not a DNS-1123 label` }];
}

/** Problems of the plain quota arguments (pure). */
function kueueQuotaProblems(args: PlainKueueGpuPoolArgs): Problem[] {
  const problems: Problem[] = [];
  for (const [c, n] of Object.entries(args.nodesByCapacity ?? {})) {
    if (!Number.isInteger(n) || (n as number) < 0) problems.push({ path: `nodesByCapacity.${c}`, message: `${n} is not a whole number ≥ 0` });
  }
  for (const key of ["cpuPerNode", "memoryGiBPerNode"] as const) {
    const v = args[key];
    if (v !== undefined && !(v > 0)) problems.push({ path: key, message: `${v} must be > 0` });
  }
  return problems;
}

/** Validates a `KueueGpuPool`'s (resolved) arguments, resolves its defaults, renders its objects and decides its contract (pure). */
export function planKueueGpuPool(args: PlainKueueGpuPoolArgs): PoolPlanResult<KueueGpuPoolPlan> {
  const outputs = outputProblems(args);
  if (outputs.length > 0) return { problems: outputs };
  const problems: Problem[] = [...kueuePoolContractProblems(args.pool), ...kueueNamespaceProblems(args.namespace), ...kueueQuotaProblems(args)];
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
 * The problems a `KueueGpuPool` can report at construction: those of every argument known now (an argument given
 * as an Output is checked inside `apply`, with the same messages, when it resolves).
 */
function knownKueueGpuPoolProblems(args: KueueGpuPoolArgs): Problem[] {
  return [
    ...(isPlainDeep(args.pool) ? kueuePoolContractProblems(args.pool as GpuPoolContract) : []),
    ...(isKnown(args.namespace) ? kueueNamespaceProblems(args.namespace) : []),
    ...kueueQuotaProblems(args as PlainKueueGpuPoolArgs),
  ];
}

/** Plain views of each queue, kept off the instance so the provider host does not take them for outputs. */
const KUEUE_VIEWS = new WeakMap<KueueGpuPool, { owner: InputOwner; contract?: GpuPoolContract }>();

/**
 * Kueue queueing for a GPU pool: ResourceFlavors for spot and on-demand (node labels + tolerations), a ClusterQueue
 * with `nvidia.com/gpu` (and cpu/memory) quota that prefers spot, a preemption policy and optional cohort, and a
 * LocalQueue in the pipeline namespace. Its `contract` is the pool's contract plus `localQueueName` and `flavors`.
 */
export class KueueGpuPool extends pulumi.ComponentResource {
  /**
   * The pool's contract plus the LocalQueue, its namespace and the flavors, as plain values. Reading it throws when
   * `pool`, `namespace` or a queue name was passed as an Output: read {@link contractOutput} then.
   */
  get contract(): GpuPoolContract {
    const v = KUEUE_VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set; resolves to {@link contract} when every argument is known). */
  readonly contractOutput: pulumi.Output<GpuPoolContract>;
  /** Name of the ClusterQueue. */
  readonly clusterQueueName: pulumi.Output<string>;
  /** Name of the LocalQueue (in `namespace`). */
  readonly localQueueName: pulumi.Output<string>;

  constructor(name: string, args: KueueGpuPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything: an Output where a plain value is needed, then every known argument's
    // problems. With every argument known the planner runs once, now; otherwise it runs inside apply on the
    // resolved arguments (their problems fail the deployment with the same messages).
    throwIfProblems("KueueGpuPool", name, outputProblems(args, KUEUE_GPU_POOL_INPUT_ARGS));
    const known = isPlainDeep(args);
    const planned = known ? planKueueGpuPool(args as PlainKueueGpuPoolArgs) : { problems: knownKueueGpuPoolProblems(args), plan: undefined };
    super(componentToken("KueueGpuPool"), validatedName("KueueGpuPool", name, planned.problems), {}, withLegacyAlias("KueueGpuPool", opts));
    const owner: InputOwner = { component: "KueueGpuPool", name };
    const real: pulumi.Output<KueueGpuPoolPlan> | undefined = known
      ? undefined
      : pulumi.output(args).apply((a) => {
          const p = planKueueGpuPool(a as PlainKueueGpuPoolArgs);
          throwIfProblems(owner.component, name, p.problems);
          return p.plan!;
        });
    // A value of the plan: plain when every argument is known, else an Output.
    const at = <T>(f: (p: KueueGpuPoolPlan) => T): pulumi.Input<T> => (real === undefined ? f(planned.plan!) : (real.apply(f) as pulumi.Output<T>));
    // Known: the rendered object. Unknown: apiVersion and kind (constants of the renderer), the rest from the real render.
    const objectArgs = (kind: string, pick: (r: KueueGpuPoolPlan["rendered"]) => Record<string, unknown>): k8s.apiextensions.CustomResourceArgs =>
      real === undefined
        ? (pick(planned.plan!.rendered) as k8s.apiextensions.CustomResourceArgs)
        : ({
            apiVersion: KUEUE_API_VERSION,
            kind,
            metadata: at((p) => pick(p.rendered).metadata),
            spec: at((p) => pick(p.rendered).spec),
          } as k8s.apiextensions.CustomResourceArgs);

    const kueueReady: pulumi.Input<pulumi.Resource[]> =
      args.kueue === undefined ? [] : isKnown(args.kueue) ? [...args.kueue.ready] : pulumi.output(args.kueue).apply((k) => [...(k.ready as pulumi.Resource[])]);
    const flavor = (capacity: string, i: number): k8s.apiextensions.CustomResource =>
      new k8s.apiextensions.CustomResource(
        `${name}-flavor-${capacity}`,
        objectArgs("ResourceFlavor", (r) => r.flavors[i]),
        {
          parent: this,
          dependsOn: kueueReady,
        },
      );
    // One ResourceFlavor per capacity type of the pool. A pool contract given as an Output decides how many only when
    // it resolves: the flavors are then created inside apply (same names, same objects; a preview with an unknown
    // pool does not show them).
    const flavors: pulumi.Input<pulumi.Resource[]> = isPlainDeep(args.pool)
      ? (args.pool as GpuPoolContract).capacityTypes.map(flavor)
      : pulumi.output(args.pool).apply((pool) => (pool as GpuPoolContract).capacityTypes.map(flavor));
    const cq = new k8s.apiextensions.CustomResource(
      `${name}-cluster-queue`,
      objectArgs("ClusterQueue", (r) => r.clusterQueue),
      {
        parent: this,
        dependsOn: flavors,
      },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-local-queue`,
      objectArgs("LocalQueue", (r) => r.localQueue),
      { parent: this, dependsOn: [cq] },
    );

    KUEUE_VIEWS.set(this, { owner, contract: planned.plan?.contract });
    this.contractOutput = pulumi.output(at((p) => p.contract)) as pulumi.Output<GpuPoolContract>;
    this.clusterQueueName = pulumi.output(at((p) => p.clusterQueueName));
    this.localQueueName = pulumi.output(at((p) => p.localQueueName));
    this.registerOutputs({ contract: this.contractOutput, clusterQueueName: this.clusterQueueName, localQueueName: this.localQueueName });
  }
}
