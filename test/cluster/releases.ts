import { runWithMocks, type MockRunResult, type RecordedResource } from "../../plan/mock-engine";
import { runStack, STACKS } from "../harness";
import { helmTemplate, type RenderedObject } from "../validators/helm";

/**
 * Every Helm release the kit installs, rendered for real: the pinned upstream chart (`../shared/charts/`)
 * through `helm template --include-crds --skip-tests` with exactly the release name, namespace and values the
 * kit passes. Other cluster-level tests build on this:
 *
 * ```ts
 * const run = await runStack("kubernetes");
 * for (const r of renderedReleases(run)) r.objects;   // what `pulumi up` would install for that release
 * ```
 */

/** Helm release resource type of `@pulumi/kubernetes`. */
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One Helm release as the kit creates it (inputs of a `kubernetes:helm.sh/v3:Release`). */
export interface KitRelease {
  /** Logical name of the Pulumi resource (`platform-argo-workflows`, …). */
  resourceName: string;
  /** Helm release name (`inputs.name`). */
  release: string;
  /** Chart as the kit passes it (`argo-workflows`, `oci://…/kueue`, …). */
  chart: string;
  /** Pinned chart version the kit asks for (shared/charts may hold a stand-in, see its README). */
  version: string;
  /** Release namespace. */
  namespace: string;
  /** Values exactly as the kit passes them. */
  values: Record<string, unknown>;
}

/** A release and the objects its chart renders (namespaced objects without a namespace get the release's). */
export interface RenderedRelease extends KitRelease {
  objects: RenderedObject[];
}

/** Kinds that are cluster-scoped in the charts and objects the kit installs (others: namespaced, unless a CRD in the release says so). */
export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "PersistentVolume",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "ResourceFlavor",
  "ClusterQueue",
  "Cohort",
  "ClusterPodMonitoring",
  "ClusterPolicy",
  "NVIDIADriver",
  "RuntimeClass",
  "IngressClass",
  "CSIDriver",
  "NodeFeatureRule",
  "ClusterRules",
  "ClusterNodeMonitoring",
  "WorkloadPriorityClass",
  "Topology",
  "AdmissionCheck",
  "MultiKueueCluster",
  "MultiKueueConfig",
  "ProvisioningRequestConfig",
]);

/** The Helm releases of a run, in creation order. */
export function releasesOf(result: MockRunResult): KitRelease[] {
  return result.resources.filter((r) => r.type === HELM_RELEASE_TYPE).map(releaseOf);
}

function releaseOf(r: RecordedResource): KitRelease {
  const i = r.inputs as { name?: string; chart?: string; version?: string; namespace?: string; values?: Record<string, unknown> };
  if (!i.chart || !i.version || !i.namespace) throw new Error(`Helm release ${r.name} has no chart, version or namespace in its inputs`);
  return { resourceName: r.name, release: i.name ?? r.name, chart: i.chart, version: i.version, namespace: i.namespace, values: i.values ?? {} };
}

/** Cluster-scoped kinds of a rendered release: the fixed list plus CRDs it ships with `scope: Cluster`. */
function clusterScopedKinds(objects: RenderedObject[]): Set<string> {
  const kinds = new Set(CLUSTER_SCOPED);
  for (const o of objects) {
    const spec = o.spec as { scope?: string; names?: { kind?: string } } | undefined;
    if (o.kind === "CustomResourceDefinition" && spec?.scope === "Cluster" && spec.names?.kind) kinds.add(spec.names.kind);
  }
  return kinds;
}

/** Renders one release (cached per input by `helmTemplate`). Objects are copies: callers may not share mutations. */
export function renderRelease(release: KitRelease): RenderedRelease {
  const rendered = helmTemplate({ release: release.release, chart: release.chart, namespace: release.namespace, values: release.values });
  const objects = structuredClone(rendered);
  const clusterScoped = clusterScopedKinds(objects);
  for (const o of objects) {
    if (!o.metadata.namespace && !clusterScoped.has(o.kind)) o.metadata.namespace = release.namespace;
  }
  return { ...release, objects };
}

/** Every Helm release of a run with the objects its pinned chart renders from the kit's values. */
export function renderedReleases(result: MockRunResult): RenderedRelease[] {
  return releasesOf(result).map(renderRelease);
}

/** A kit program whose releases are checked: a stack with its example config, or an example. */
export interface KitProgram {
  /** `stack kubernetes`, `example gke-spot-pipeline`, … */
  name: string;
  run: () => Promise<MockRunResult>;
}

/** The examples' configs, as their own tests run them (test/examples/*.test.ts). */
const EXAMPLES: KitProgram[] = [
  {
    name: "example eks-karpenter-pipeline",
    run: () =>
      runWithMocks(async () => ({ ...(await import("../../examples/eks-karpenter-pipeline/index")) }), {
        project: "eks-karpenter-pipeline",
        config: {
          "eks-karpenter-pipeline:clusterName": "prod",
          "eks-karpenter-pipeline:region": "us-east-1",
          "eks-karpenter-pipeline:accountId": "123456789012",
          "eks-karpenter-pipeline:bucketName": "acme-prod-finetune-artifacts",
        },
      }),
  },
  {
    name: "example gke-spot-pipeline",
    run: () =>
      runWithMocks(async () => ({ ...(await import("../../examples/gke-spot-pipeline/index")) }), {
        project: "gke-spot-pipeline",
        config: {
          "gke-spot-pipeline:project": "acme-ml-prod",
          "gke-spot-pipeline:region": "us-central1",
          "gke-spot-pipeline:clusterName": "prod",
          "gke-spot-pipeline:zones": JSON.stringify(["us-central1-a", "us-central1-b"]),
        },
      }),
  },
];

/**
 * The three stacks (example configs) and the examples that create Helm releases. An example module runs once
 * per process (ES module cache), so each appears once, in its default configuration; the eks example's
 * `provisioner: node-group` variant installs the same releases with the same values.
 */
export const KIT_PROGRAMS: readonly KitProgram[] = [...STACKS.map((s) => ({ name: `stack ${s}`, run: () => runStack(s) })), ...EXAMPLES];

/** A program's releases, rendered. */
export interface ProgramReleases {
  program: string;
  releases: RenderedRelease[];
}

let all: Promise<ProgramReleases[]> | undefined;

/** Every program of {@link KIT_PROGRAMS}, run once per process, with its releases rendered. */
export function allRenderedReleases(): Promise<ProgramReleases[]> {
  all ??= (async () => {
    const out: ProgramReleases[] = [];
    for (const p of KIT_PROGRAMS) out.push({ program: p.name, releases: renderedReleases(await p.run()) });
    return out;
  })();
  return all;
}
