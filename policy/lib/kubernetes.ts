/**
 * Kubernetes facts for policies: which recorded resources are Kubernetes objects, every pod template inside
 * them (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, JobSets, LeaderWorkerSets,
 * Argo Workflows / WorkflowTemplates / ClusterWorkflowTemplates / CronWorkflows including the manifests of
 * their `resource` templates), and the spot / GPU / training classification of a pod.
 */
import { parse as parseYaml } from "yaml";
import { arr, isRecord, num, rec, str, type JsonObject } from "./values";

/** A Kubernetes object as the provider applies it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject;
  [field: string]: unknown;
}

/** Type tokens of the Kubernetes provider that are not objects (Helm, YAML groups, kustomize, the provider). */
const NON_OBJECT_PREFIXES = ["kubernetes:helm.sh/", "kubernetes:yaml", "kubernetes:kustomize", "pulumi:providers:kubernetes"];

/** True for a type token of a plain Kubernetes object or custom resource. */
export function isKubernetesType(type: string): boolean {
  return type.startsWith("kubernetes:") && !NON_OBJECT_PREFIXES.some((p) => type.startsWith(p));
}

/** `kubernetes:apps/v1:Deployment` → `{ apiVersion: "apps/v1", kind: "Deployment" }` (`core/v1` → `v1`). */
export function gvkOfType(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:(.+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1], kind: m[2] };
}

// Every policy looks at the same objects: parse each props object, manifest text and pod list once.
// The cached values are shared between policies and must be treated as read-only.
const objectCache = new WeakMap<JsonObject, Map<string, KubeObject | undefined>>();
const manifestCache = new Map<string, KubeObject | undefined>();
const MANIFEST_CACHE_LIMIT = 4096;
const podCache = new WeakMap<KubeObject, PodRef[]>();

/** The Kubernetes object a resource applies, or undefined for other resources. */
export function kubeObjectOf(type: string, props: JsonObject): KubeObject | undefined {
  let byType = objectCache.get(props);
  if (!byType) objectCache.set(props, (byType = new Map()));
  if (!byType.has(type)) byType.set(type, computeKubeObject(type, props));
  return byType.get(type);
}

function computeKubeObject(type: string, props: JsonObject): KubeObject | undefined {
  if (!isKubernetesType(type)) return undefined;
  const gvk = gvkOfType(type);
  const apiVersion = str(props.apiVersion) ?? gvk?.apiVersion;
  const kind = str(props.kind) ?? gvk?.kind;
  if (!apiVersion || !kind) return undefined;
  return { ...props, apiVersion, kind, metadata: rec(props.metadata) };
}

/** API group of an apiVersion (`""` for the core group). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

/** True when `obj` is `<group>` `<kind>` (any version). */
export function isKind(obj: KubeObject | undefined, group: string, ...kinds: string[]): boolean {
  return obj !== undefined && groupOf(obj.apiVersion) === group && kinds.includes(obj.kind);
}

/** `obj` when it is `<group>` `<kind>` (any version), else undefined. */
export function asKind(obj: KubeObject | undefined, group: string, ...kinds: string[]): KubeObject | undefined {
  return isKind(obj, group, ...kinds) ? obj : undefined;
}

/** `Job "train" in namespace ml`. */
export function describeObject(obj: KubeObject): string {
  const name = str(obj.metadata.name) ?? "(generated name)";
  const ns = str(obj.metadata.namespace);
  return `${obj.kind} "${name}"${ns ? ` in namespace ${ns}` : ""}`;
}

/** A container and the path to it inside the resource's inputs. */
export interface ContainerRef {
  container: JsonObject;
  path: string;
  name: string;
}

/** A pod (template) found inside an object. */
export interface PodRef {
  /** Human description of where the pod is, e.g. `JobSet "sft" replicatedJob "trainer"`. */
  where: string;
  /** Path of the pod spec fields (securityContext, volumes, ...) inside the resource's inputs. */
  specPath: string;
  /** Path of the pod's metadata (labels, annotations). */
  metadataPath: string;
  /** Effective pod spec (Argo templates: workflow-level defaults merged in). */
  spec: JsonObject;
  /** Pod labels and annotations (for JobSets and Argo, merged with those of the owning object). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Every container, init container, ephemeral container and Argo sidecar. */
  containers: ContainerRef[];
  /** Namespace the pod runs in, when known. */
  namespace?: string;
  /** Names that describe the pod's job (object, replicated job, Argo template, containers). */
  names: string[];
  /** The batch Job spec that runs this pod, with its path (Jobs, CronJobs, JobSets). */
  job?: { spec: JsonObject; path: string };
  /** The Argo template that runs this pod directly, with its path. */
  argoTemplate?: { template: JsonObject; path: string };
  /** The top-level kind that holds this pod (`Job`, `JobSet`, `WorkflowTemplate`, ...). */
  ownerKind: string;
  /** The object that holds this pod directly (a JobSet inside an Argo manifest, ...) and its path prefix. */
  owner: KubeObject;
  ownerPath: string;
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) if (typeof x === "string") out[k] = x;
  return out;
}

function containersOf(spec: JsonObject, specPath: string): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    arr(spec[field]).forEach((c, i) => {
      if (isRecord(c)) out.push({ container: c, path: `${specPath}.${field}[${i}]`, name: str(c.name) ?? `${field}[${i}]` });
    });
  }
  return out;
}

interface Ctx {
  prefix: string;
  pathPrefix: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  names: string[];
}

function pod(
  ctx: Ctx & { owner: KubeObject },
  ownerKind: string,
  where: string,
  spec: JsonObject,
  meta: JsonObject,
  specPath: string,
  metadataPath: string,
  extra: Partial<PodRef> = {},
): PodRef {
  return {
    where: `${ctx.prefix}${where}`,
    specPath: `${ctx.pathPrefix}${specPath}`,
    metadataPath: `${ctx.pathPrefix}${metadataPath}`,
    spec,
    labels: { ...ctx.labels, ...strings(meta.labels) },
    annotations: { ...strings(meta.annotations) },
    containers: containersOf(spec, `${ctx.pathPrefix}${specPath}`),
    namespace: ctx.namespace,
    names: [...ctx.names, ...arr(spec.containers).map((c) => str(rec(c).name) ?? "")].filter(Boolean),
    ownerKind,
    owner: ctx.owner,
    ownerPath: ctx.pathPrefix,
    ...extra,
  };
}

/** Pod templates of a JobSet's replicated jobs. */
function jobSetPods(obj: KubeObject, ctx: Ctx & { owner: KubeObject }, owner: string): PodRef[] {
  return arr(rec(obj.spec).replicatedJobs).flatMap((rj, i) => {
    const r = rec(rj);
    const jobPath = `spec.replicatedJobs[${i}].template.spec`;
    const jobSpec = rec(rec(r.template).spec);
    const tpl = rec(jobSpec.template);
    const rjName = str(r.name) ?? `[${i}]`;
    return [
      pod(
        { ...ctx, names: [...ctx.names, rjName] },
        obj.kind,
        `${owner} replicatedJob "${rjName}"`,
        rec(tpl.spec),
        rec(tpl.metadata),
        `${jobPath}.template.spec`,
        `${jobPath}.template.metadata`,
        {
          job: { spec: jobSpec, path: `${ctx.pathPrefix}${jobPath}` },
        },
      ),
    ];
  });
}

/** Argo workflow spec (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow.workflowSpec). */
function argoPods(wf: JsonObject, specField: string, ctx: Ctx & { owner: KubeObject }, owner: string, kind: string): PodRef[] {
  const out: PodRef[] = [];
  const podMeta = rec(wf.podMetadata);
  arr(wf.templates).forEach((t0, i) => {
    const t = rec(t0);
    const tName = str(t.name) ?? `[${i}]`;
    const tPath = `${specField}.templates[${i}]`;
    const containers: JsonObject[] = [];
    const containerPaths: string[] = [];
    if (isRecord(t.container)) {
      containers.push(t.container);
      containerPaths.push(`${tPath}.container`);
    }
    if (isRecord(t.script)) {
      containers.push({ name: "main", ...t.script });
      containerPaths.push(`${tPath}.script`);
    }
    arr(rec(t.containerSet).containers).forEach((c, j) => {
      if (isRecord(c)) {
        containers.push(c);
        containerPaths.push(`${tPath}.containerSet.containers[${j}]`);
      }
    });
    if (containers.length) {
      const spec: JsonObject = {
        containers,
        initContainers: t.initContainers,
        volumes: [...arr(wf.volumes), ...arr(t.volumes)],
        securityContext: t.securityContext ?? wf.securityContext,
        nodeSelector: t.nodeSelector ?? wf.nodeSelector,
        tolerations: t.tolerations ?? wf.tolerations,
        affinity: t.affinity ?? wf.affinity,
        hostNetwork: wf.hostNetwork,
        automountServiceAccountToken: t.automountServiceAccountToken ?? wf.automountServiceAccountToken,
      };
      const meta = {
        labels: { ...strings(podMeta.labels), ...strings(rec(t.metadata).labels) },
        annotations: { ...strings(podMeta.annotations), ...strings(rec(t.metadata).annotations) },
      };
      const ref = pod({ ...ctx, names: [...ctx.names, tName] }, kind, `${owner} template "${tName}"`, spec, meta, tPath, `${tPath}.metadata`, {
        argoTemplate: { template: t, path: `${ctx.pathPrefix}${tPath}` },
      });
      // Containers of an Argo template live at their own paths, sidecars included.
      ref.containers = [
        ...arr(t.initContainers).map((c, j) => ({
          container: rec(c),
          path: `${ctx.pathPrefix}${tPath}.initContainers[${j}]`,
          name: str(rec(c).name) ?? `init[${j}]`,
        })),
        ...containers.map((c, j) => ({ container: c, path: `${ctx.pathPrefix}${containerPaths[j]}`, name: str(c.name) ?? tName })),
        ...arr(t.sidecars).map((c, j) => ({ container: rec(c), path: `${ctx.pathPrefix}${tPath}.sidecars[${j}]`, name: str(rec(c).name) ?? `sidecar[${j}]` })),
      ];
      out.push(ref);
    }
    const manifest = rec(t.resource).manifest;
    const inner = manifestObject(manifest);
    if (inner) {
      out.push(
        ...podsOf(inner, {
          prefix: `${ctx.prefix}${owner} template "${tName}" resource `,
          pathPrefix: `${ctx.pathPrefix}${tPath}.resource.manifest → `,
          namespace: str(inner.metadata.namespace) ?? ctx.namespace,
          labels: {},
          annotations: {},
          names: [...ctx.names, tName],
        }),
      );
    }
  });
  return out;
}

/** Parses an Argo `resource.manifest` (YAML or JSON text, or an object) into a Kubernetes object. */
export function manifestObject(manifest: unknown): KubeObject | undefined {
  if (typeof manifest !== "string") return parseManifest(manifest);
  if (!manifestCache.has(manifest)) {
    if (manifestCache.size >= MANIFEST_CACHE_LIMIT) manifestCache.clear();
    manifestCache.set(manifest, parseManifest(manifest));
  }
  return manifestCache.get(manifest);
}

function parseManifest(manifest: unknown): KubeObject | undefined {
  let doc: unknown = manifest;
  if (typeof manifest === "string") {
    try {
      doc = parseYaml(manifest);
    } catch {
      return undefined;
    }
  }
  const o = rec(doc);
  const apiVersion = str(o.apiVersion);
  const kind = str(o.kind);
  if (!apiVersion || !kind) return undefined;
  return { ...o, apiVersion, kind, metadata: rec(o.metadata) };
}

function podsOf(obj: KubeObject, ctx: Ctx): PodRef[] {
  const owner = describeObjectShort(obj);
  const spec = rec(obj.spec);
  const c: Ctx & { owner: KubeObject } = {
    ...ctx,
    owner: obj,
    names: [...ctx.names, str(obj.metadata.name) ?? ""].filter(Boolean),
    labels: { ...ctx.labels, ...strings(obj.metadata.labels) },
  };
  const group = groupOf(obj.apiVersion);
  if (group === "" && obj.kind === "Pod") return [pod(c, obj.kind, owner, spec, obj.metadata, "spec", "metadata")];
  if (group === "" && obj.kind === "PodTemplate") {
    const tpl = rec(obj.template);
    return [pod(c, obj.kind, owner, rec(tpl.spec), rec(tpl.metadata), "template.spec", "template.metadata")];
  }
  if (
    (group === "apps" && ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(obj.kind)) ||
    (group === "" && obj.kind === "ReplicationController")
  ) {
    const tpl = rec(spec.template);
    return [pod(c, obj.kind, owner, rec(tpl.spec), rec(tpl.metadata), "spec.template.spec", "spec.template.metadata")];
  }
  if (group === "batch" && obj.kind === "Job") {
    const tpl = rec(spec.template);
    return [
      pod(c, obj.kind, owner, rec(tpl.spec), rec(tpl.metadata), "spec.template.spec", "spec.template.metadata", {
        job: { spec, path: `${ctx.pathPrefix}spec` },
      }),
    ];
  }
  if (group === "batch" && obj.kind === "CronJob") {
    const jobSpec = rec(rec(spec.jobTemplate).spec);
    const tpl = rec(jobSpec.template);
    return [
      pod(c, obj.kind, owner, rec(tpl.spec), rec(tpl.metadata), "spec.jobTemplate.spec.template.spec", "spec.jobTemplate.spec.template.metadata", {
        job: { spec: jobSpec, path: `${ctx.pathPrefix}spec.jobTemplate.spec` },
      }),
    ];
  }
  if (group === "jobset.x-k8s.io" && obj.kind === "JobSet") return jobSetPods(obj, c, owner);
  if (group === "leaderworkerset.x-k8s.io" && obj.kind === "LeaderWorkerSet") {
    const lwt = rec(spec.leaderWorkerTemplate);
    return (["leaderTemplate", "workerTemplate"] as const)
      .filter((k) => isRecord(lwt[k]))
      .map((k) =>
        pod(
          c,
          obj.kind,
          `${owner} ${k}`,
          rec(rec(lwt[k]).spec),
          rec(rec(lwt[k]).metadata),
          `spec.leaderWorkerTemplate.${k}.spec`,
          `spec.leaderWorkerTemplate.${k}.metadata`,
        ),
      );
  }
  if (group === "argoproj.io" && ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"].includes(obj.kind))
    return argoPods(spec, "spec", c, owner, obj.kind);
  if (group === "argoproj.io" && obj.kind === "CronWorkflow") return argoPods(rec(spec.workflowSpec), "spec.workflowSpec", c, owner, obj.kind);
  return [];
}

function describeObjectShort(obj: KubeObject): string {
  return `${obj.kind} "${str(obj.metadata.name) ?? "(generated name)"}"`;
}

/** Every pod (template) an object runs, however deeply nested. */
export function podRefsOf(obj: KubeObject): PodRef[] {
  let pods = podCache.get(obj);
  if (!pods)
    podCache.set(obj, (pods = podsOf(obj, { prefix: "", pathPrefix: "", namespace: str(obj.metadata.namespace), labels: {}, annotations: {}, names: [] })));
  return pods;
}

/** Kinds that carry pod templates (used by `appliesTo`). */
export const WORKLOAD_KINDS: ReadonlyArray<[group: string, kind: string]> = [
  ["", "Pod"],
  ["", "PodTemplate"],
  ["", "ReplicationController"],
  ["apps", "Deployment"],
  ["apps", "StatefulSet"],
  ["apps", "DaemonSet"],
  ["apps", "ReplicaSet"],
  ["batch", "Job"],
  ["batch", "CronJob"],
  ["jobset.x-k8s.io", "JobSet"],
  ["leaderworkerset.x-k8s.io", "LeaderWorkerSet"],
  ["argoproj.io", "Workflow"],
  ["argoproj.io", "WorkflowTemplate"],
  ["argoproj.io", "ClusterWorkflowTemplate"],
  ["argoproj.io", "CronWorkflow"],
];

/** True for type tokens of objects that hold pod templates. */
export function isWorkloadType(type: string): boolean {
  if (!isKubernetesType(type)) return false;
  const gvk = gvkOfType(type);
  if (!gvk) return false;
  const group = groupOf(gvk.apiVersion);
  return WORKLOAD_KINDS.some(([g, k]) => g === group && k === gvk.kind);
}

// ---- classification ---------------------------------------------------------------------------

/** Extended resources that are GPUs. */
export const GPU_RESOURCE = /^(nvidia\.com\/(gpu|mig-[\w.-]+)|amd\.com\/gpu|gpu\.intel\.com\/[\w.-]+)$/;

/** The GPU resource names a container asks for (limits or requests, non-zero). */
export function gpuResourcesOf(container: JsonObject): string[] {
  const res = rec(container.resources);
  const names = new Set<string>();
  for (const bag of [rec(res.limits), rec(res.requests)]) {
    for (const [k, v] of Object.entries(bag)) if (GPU_RESOURCE.test(k) && num(v) !== 0) names.add(k);
  }
  return [...names];
}

export function podUsesGpu(p: PodRef): boolean {
  return p.containers.some((c) => gpuResourcesOf(c.container).length > 0);
}

/** Node labels (and taint keys) that put a pod on spot / preemptible capacity, with the value meaning spot. */
export const SPOT_NODE_LABELS: Readonly<Record<string, string>> = {
  "karpenter.sh/capacity-type": "spot",
  "eks.amazonaws.com/capacityType": "SPOT",
  "cloud.google.com/gke-spot": "true",
  "cloud.google.com/gke-preemptible": "true",
  "kubernetes.azure.com/scalesetpriority": "spot",
  "node.kubernetes.io/lifecycle": "spot",
};

/** Pod label that submits a workload to Kueue (whose flavors put it on spot first in this kit). */
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

/** Why a pod may run on spot capacity, or undefined when it cannot. */
export function spotReason(p: PodRef): string | undefined {
  for (const [k, v] of Object.entries(strings(p.spec.nodeSelector))) {
    if (SPOT_NODE_LABELS[k] !== undefined && SPOT_NODE_LABELS[k].toLowerCase() === v.toLowerCase()) return `nodeSelector ${k}: ${v}`;
  }
  const terms = arr(rec(rec(rec(p.spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms);
  for (const term of terms) {
    for (const e of arr(rec(term).matchExpressions)) {
      const key = str(rec(e).key) ?? "";
      const values = arr(rec(e).values).map(String);
      if (SPOT_NODE_LABELS[key] !== undefined && str(rec(e).operator) === "In" && values.some((v) => v.toLowerCase() === SPOT_NODE_LABELS[key].toLowerCase())) {
        return `node affinity ${key} In [${values.join(", ")}]`;
      }
    }
  }
  for (const t of arr(p.spec.tolerations)) {
    const key = str(rec(t).key) ?? "";
    if (SPOT_NODE_LABELS[key] !== undefined) return `toleration for ${key}`;
  }
  if (p.labels[KUEUE_QUEUE_LABEL]) return `Kueue queue "${p.labels[KUEUE_QUEUE_LABEL]}" (spot flavors first)`;
  return undefined;
}

/** True when the pod's names match the training pattern (case-insensitive). */
export function looksLikeTraining(p: PodRef, pattern: string): boolean {
  const re = new RegExp(pattern, "i");
  return p.names.some((n) => re.test(n)) || Object.entries(p.labels).some(([k, v]) => /stage|component/.test(k) && re.test(v));
}

/** Namespace of an object, with the Kubernetes provider's default. */
export function namespaceOf(obj: KubeObject): string {
  return str(obj.metadata.namespace) ?? "default";
}
