import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PIPELINE_CHARTS } from "../../core/versions";
import type { KueueContract } from "../../core/contracts/gpu-pool";
import { throwIfProblems, type Problem } from "../../core/problem";
import { argoWorkflowsValues, jobsetValues } from "./values";
import { checkInputProblems, isKnown, unknownViewError, type InputOwner } from "../validation";
import { MANAGED_BY, RESTRICTED_NAMESPACE_LABELS, DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

export { argoWorkflowsValues, jobsetValues } from "./values";

/** Arguments of {@link KubernetesPipelinePlatform}. */
export interface KubernetesPipelinePlatformArgs {
  /**
   * Namespaces whose workflows the Argo controller runs (the pipelines' namespaces, e.g. `PipelineNamespace.name`).
   * Each may be an output; the list itself is plain, because its length decides the controller's mode (one:
   * namespaced, several: cluster-wide).
   */
  workflowNamespaces: pulumi.Input<string>[];
  /**
   * Namespace of the controllers; created by the component with PSS `restricted` labels. Plain: the component
   * creates it (its name is chosen here, not taken from another resource) and the contract carries it to monitoring.
   * @default "finetune-system"
   */
  namespace?: string;
  /** Install the Argo Workflows controller and CRDs; false when the cluster already has them. @default true */
  installArgoWorkflows?: boolean;
  /** Install the JobSet controller and CRD; false when the cluster already has them. @default true */
  installJobSet?: boolean;
  /** Run the Argo server (UI/API, client-token auth). @default false */
  argoServer?: boolean;
  /** Helm timeout in seconds. @default 600 */
  timeoutSeconds?: number;
  /**
   * Namespace of an Argo Workflows controller the cluster already runs (only read when `installArgoWorkflows` is false).
   * @default - unknown: the contract names no Argo namespace and monitoring does not scrape Argo
   */
  existingArgoNamespace?: string;
  /**
   * Namespace of a JobSet controller the cluster already runs (only read when `installJobSet` is false).
   * @default - unknown: the contract names no JobSet namespace and monitoring does not scrape JobSet
   */
  existingJobSetNamespace?: string;
  /**
   * Contract of the cluster's Kueue installation ({@link KueueContract}), passed on so that consumers (monitoring)
   * learn Kueue's namespace from the platform (`KueueInstall.contract`, or its `contractOutput`: the platform's
   * `contract` is then read from `contractOutput`). @default - no Kueue named: monitoring does not scrape Kueue
   */
  kueue?: pulumi.Input<KueueContract>;
}

/** The arguments of {@link KubernetesPipelinePlatform} typed `pulumi.Input`. */
export const PLATFORM_INPUT_ARGS = ["workflowNamespaces", "kueue"] as const satisfies readonly (keyof KubernetesPipelinePlatformArgs)[];

/** The arguments of {@link KubernetesPipelinePlatform} that stay plain, and why. */
export const PLATFORM_PLAIN_ARGS: Record<string, string> = {
  namespace: "the contract's argoNamespace / jobsetNamespace, which monitoring reads as plain values to decide which monitors exist",
  installArgoWorkflows: "a flag: decides whether the Argo Workflows release exists",
  installJobSet: "a flag: decides whether the JobSet release exists",
  argoServer: "a flag of the Argo chart",
  timeoutSeconds: "a Helm timeout chosen with the kit",
  existingArgoNamespace: "names the contract's argoNamespace (plain, see namespace) when Argo is not installed here",
  existingJobSetNamespace: "names the contract's jobsetNamespace (plain, see namespace) when JobSet is not installed here",
};

/**
 * What the platform tells the pipelines and monitoring: where each controller runs, so that ServiceMonitors and
 * NetworkPolicies look in the namespaces the controllers were really installed in.
 */
export interface PipelinePlatformContract {
  /** Namespace of the controllers the component installs. */
  namespace: string;
  argoWorkflows: boolean;
  jobset: boolean;
  /** Namespaces whose workflows the Argo controller runs (outputs where the arguments were). */
  workflowNamespaces: pulumi.Input<string>[];
  /** Namespace of the Argo Workflows controller; absent when unknown. */
  argoNamespace?: string;
  /** Namespace of the JobSet controller; absent when unknown. */
  jobsetNamespace?: string;
  /** Namespace of the Kueue controller; absent when no Kueue contract was given. */
  kueueNamespace?: string;
}

/**
 * The shared Kubernetes pipeline platform, one per cluster: Argo Workflows and JobSet controllers from pinned
 * charts (core/versions.ts `PIPELINE_CHARTS`), every pod PSS-restricted, in their own namespace. Either
 * install can be skipped when the cluster already runs it. Pipelines depend on `ready`.
 */
export class KubernetesPipelinePlatform extends pulumi.ComponentResource {
  /**
   * Where each controller runs, as plain values. Reading it throws when `kueue` was passed as an Output: read
   * {@link contractOutput} then (PrometheusMonitoring's `platform` takes either).
   */
  get contract(): PipelinePlatformContract {
    const v = PLATFORM_VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set; resolves to {@link contract} when `kueue` is known). */
  readonly contractOutput: pulumi.Output<PipelinePlatformContract>;
  /** Resources pipelines should depend on (the releases that install the CRDs). */
  readonly ready: pulumi.Resource[];
  readonly namespace?: k8s.core.v1.Namespace;
  readonly argoWorkflows?: k8s.helm.v3.Release;
  readonly jobset?: k8s.helm.v3.Release;

  constructor(name: string, args: KubernetesPipelinePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const ns = args.namespace ?? "finetune-system";
    const installArgo = args.installArgoWorkflows ?? true;
    const installJobSet = args.installJobSet ?? true;
    const problems: Problem[] = [];
    if (!DNS_LABEL.test(ns)) problems.push({ path: "namespace", message: `"${ns}" is not a DNS label (use lowercase letters, digits and '-')` });
    if (installArgo && args.workflowNamespaces.length === 0)
      problems.push({ path: "workflowNamespaces", message: "is empty (list the namespaces the pipelines run in)" });
    const workflowNamespaces = args.workflowNamespaces.map((w, i) => {
      const checked = checkInputProblems("KubernetesPipelinePlatform", name, w, (v) =>
        DNS_LABEL.test(v) ? [] : [{ path: `workflowNamespaces[${i}]`, message: `"${v}" is not a DNS label` }],
      );
      problems.push(...checked.problems);
      return checked.output;
    });
    for (const key of ["existingArgoNamespace", "existingJobSetNamespace"] as const) {
      const v = args[key];
      if (v !== undefined && !DNS_LABEL.test(v)) problems.push({ path: key, message: `"${v}" is not a DNS label (use lowercase letters, digits and '-')` });
    }
    // The Kueue contract: checked now when known, inside apply (same message) when an Output.
    const kueueChecked =
      args.kueue === undefined
        ? undefined
        : checkInputProblems("KubernetesPipelinePlatform", name, args.kueue, (k: KueueContract) =>
            DNS_LABEL.test(k.namespace) ? [] : [{ path: "kueue.namespace", message: `"${k.namespace}" is not a DNS label (pass KueueInstall.contract)` }],
          );
    problems.push(...(kueueChecked?.problems ?? []));
    throwIfProblems("KubernetesPipelinePlatform", name, problems);
    super(componentToken("KubernetesPipelinePlatform"), name, {}, withLegacyAlias("KubernetesPipelinePlatform", opts));

    this.ready = [];
    if (installArgo || installJobSet) {
      this.namespace = new k8s.core.v1.Namespace(
        `${name}-namespace`,
        {
          metadata: {
            name: ns,
            labels: {
              ...RESTRICTED_NAMESPACE_LABELS,
              ...MANAGED_BY,
            },
          },
        },
        { parent: this },
      );
    }
    const timeout = args.timeoutSeconds ?? 600;
    if (installArgo) {
      const pin = PIPELINE_CHARTS.argoWorkflows;
      this.argoWorkflows = new k8s.helm.v3.Release(
        `${name}-argo-workflows`,
        {
          name: "argo-workflows",
          chart: pin.chart,
          version: pin.version,
          repositoryOpts: { repo: pin.repo },
          namespace: ns,
          // Plain namespaces: the values now; outputs among them: once they resolve (checked as above).
          values: args.workflowNamespaces.every((w) => isKnown(w))
            ? argoWorkflowsValues({
                workflowNamespaces: args.workflowNamespaces as string[],
                server: args.argoServer ?? false,
                release: "argo-workflows",
                namespace: ns,
              })
            : pulumi
                .all(workflowNamespaces)
                .apply((wns) => argoWorkflowsValues({ workflowNamespaces: wns, server: args.argoServer ?? false, release: "argo-workflows", namespace: ns })),
          atomic: true,
          timeout,
        },
        { parent: this, dependsOn: this.namespace ? [this.namespace] : [] },
      );
      this.ready.push(this.argoWorkflows);
    }
    if (installJobSet) {
      const pin = PIPELINE_CHARTS.jobset;
      this.jobset = new k8s.helm.v3.Release(
        `${name}-jobset`,
        {
          name: "jobset",
          chart: `${pin.repo}/${pin.chart}`,
          version: pin.version,
          namespace: ns,
          values: jobsetValues(),
          atomic: true,
          timeout,
        },
        { parent: this, dependsOn: this.namespace ? [this.namespace] : [] },
      );
      this.ready.push(this.jobset);
    }
    const kueue = args.kueue;
    const known = kueue === undefined || isKnown(kueue);
    const contract = known ? pipelinePlatformContract(ns, args as PipelinePlatformContractArgs) : undefined;
    PLATFORM_VIEWS.set(this, { owner: { component: "KubernetesPipelinePlatform", name }, contract });
    this.contractOutput = contract ? pulumi.output(contract) : kueueChecked!.output.apply((k) => pipelinePlatformContract(ns, { ...args, kueue: k }));
    this.registerOutputs({ contractOutput: this.contractOutput });
  }
}

/** Each platform's contract when known at construction (the `contract` view). */
const PLATFORM_VIEWS = new WeakMap<KubernetesPipelinePlatform, { owner: InputOwner; contract?: PipelinePlatformContract }>();

/** The platform's arguments with the Kueue contract known. */
export type PipelinePlatformContractArgs = Omit<KubernetesPipelinePlatformArgs, "kueue"> & { kueue?: KueueContract };

/** The contract of a platform with these arguments (controllers' namespace `namespace`). Pure. */
export function pipelinePlatformContract(namespace: string, args: PipelinePlatformContractArgs): PipelinePlatformContract {
  const installArgo = args.installArgoWorkflows ?? true;
  const installJobSet = args.installJobSet ?? true;
  const contract: PipelinePlatformContract = { namespace, argoWorkflows: installArgo, jobset: installJobSet, workflowNamespaces: [...args.workflowNamespaces] };
  const argoNamespace = installArgo ? namespace : args.existingArgoNamespace;
  const jobsetNamespace = installJobSet ? namespace : args.existingJobSetNamespace;
  if (argoNamespace !== undefined) contract.argoNamespace = argoNamespace;
  if (jobsetNamespace !== undefined) contract.jobsetNamespace = jobsetNamespace;
  if (args.kueue) contract.kueueNamespace = args.kueue.namespace;
  return contract;
}
