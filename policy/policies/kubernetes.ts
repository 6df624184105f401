/**
 * Kubernetes policies: Pod Security Standards "restricted" for every pod template outside the GPU Operator
 * namespace, no hostPath, GPU containers with requests/limits, default-deny NetworkPolicies in pipeline
 * namespaces, namespace PSS labels, pinned images and charts.
 */
import { Level, PolicyGroup, resourcePolicy, stackPolicy, type CheckedResource, type KitPolicy } from "../kit-policy";
import { chartName, describeRelease, HELM_TYPES, releaseNamespace, releaseValues } from "../lib/helm";
import { gpuResourcesOf, isKind, isWorkloadType, kubeObjectOf, namespaceOf, podRefsOf, type PodRef } from "../lib/kubernetes";
import { arr, isRecord, isUnknown, list, num, rec, str, type JsonObject } from "../lib/values";

/** Namespace the GPU Operator runs in by default: the one namespace allowed privileged pods. */
export const GPU_OPERATOR_NAMESPACE = "gpu-operator";

interface PrivilegedConfig {
  privilegedNamespaces: string[];
}

const privilegedConfig = {
  privilegedNamespaces: {
    type: "array" as const,
    items: { type: "string" as const },
    default: [GPU_OPERATOR_NAMESPACE],
    description: "Namespaces exempt from Pod Security Standards restricted (the GPU Operator's namespace).",
  },
};

/** Pods of a resource that must meet PSS restricted (outside privileged namespaces). */
function restrictedPods(r: CheckedResource, config: PrivilegedConfig): PodRef[] {
  const obj = kubeObjectOf(r.type, r.props);
  if (!obj) return [];
  return podRefsOf(obj).filter((p) => !config.privilegedNamespaces.includes(p.namespace ?? "default"));
}

type PodCheck = (p: PodRef, report: (message: string) => void) => void;

/** One PSS-restricted control as a policy over every pod template. */
function pssPolicy(name: string, description: string, remediation: string, check: PodCheck): KitPolicy {
  return resourcePolicy<PrivilegedConfig>({
    name,
    description,
    enforcementLevel: Level.Mandatory,
    group: PolicyGroup.Kubernetes,
    remediation,
    config: privilegedConfig,
    appliesTo: isWorkloadType,
    appliesToLabel: "Kubernetes workloads (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, JobSets, Argo Workflows)",
    check(r, report, config) {
      for (const p of restrictedPods(r, config)) check(p, report);
    },
  });
}

const sc = (o: JsonObject): JsonObject => rec(o.securityContext);
const EXEMPT_NOTE = "only the GPU Operator namespace may run privileged pods";

const pssPrivileged = pssPolicy(
  "pss-no-privileged",
  "No container runs privileged (Pod Security Standards restricted).",
  "Remove securityContext.privileged: true from every container; privileged pods belong only in the GPU Operator namespace.",
  (p, report) => {
    for (const c of p.containers) {
      if (sc(c.container).privileged === true)
        report(`${p.where}: container "${c.name}" is privileged (set ${c.path}.securityContext.privileged: false; ${EXEMPT_NOTE})`);
    }
  },
);

const pssHostNamespaces = pssPolicy(
  "pss-no-host-namespaces",
  "No pod shares the host's network, PID or IPC namespace or binds host ports (Pod Security Standards restricted).",
  "Remove hostNetwork, hostPID, hostIPC and containers[].ports[].hostPort.",
  (p, report) => {
    const on = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => p.spec[k] === true);
    if (on.length) report(`${p.where} shares the host's namespaces (${on.join(", ")}) (remove ${on.map((k) => `${p.specPath}.${k}`).join(", ")})`);
    for (const c of p.containers) {
      arr(c.container.ports).forEach((port, i) => {
        const hp = num(rec(port).hostPort);
        if (hp) report(`${p.where}: container "${c.name}" binds host port ${hp} (remove ${c.path}.ports[${i}].hostPort and expose it through a Service)`);
      });
    }
  },
);

const pssRunAsNonRoot = pssPolicy(
  "pss-run-as-non-root",
  "Every container runs as a non-root user (runAsNonRoot: true, never runAsUser: 0).",
  "Set securityContext.runAsNonRoot: true on the pod (or every container) and use a non-zero runAsUser.",
  (p, report) => {
    const podSc = rec(p.spec.securityContext);
    const podPath = p.argoTemplate ? `${p.specPath}.securityContext (or spec.securityContext)` : `${p.specPath}.securityContext`;
    if (num(podSc.runAsUser) === 0) report(`${p.where} runs as root (runAsUser: 0) (set ${podPath}.runAsUser to a non-zero uid)`);
    const missing: string[] = [];
    for (const c of p.containers) {
      const csc = sc(c.container);
      if (num(csc.runAsUser) === 0)
        report(`${p.where}: container "${c.name}" runs as root (runAsUser: 0) (set ${c.path}.securityContext.runAsUser to a non-zero uid)`);
      const nonRoot = csc.runAsNonRoot ?? podSc.runAsNonRoot;
      if (nonRoot === false)
        report(`${p.where}: container "${c.name}" allows running as root (runAsNonRoot: false) (set ${c.path}.securityContext.runAsNonRoot: true)`);
      else if (nonRoot !== true && !isUnknown(nonRoot)) missing.push(c.name);
    }
    if (missing.length) report(`${p.where} does not require a non-root user for ${list(missing.map((n) => `"${n}"`))} (set ${podPath}.runAsNonRoot: true)`);
  },
);

const pssPrivilegeEscalation = pssPolicy(
  "pss-no-privilege-escalation",
  "Every container sets allowPrivilegeEscalation: false.",
  "Set securityContext.allowPrivilegeEscalation: false on every container, init container and sidecar.",
  (p, report) => {
    for (const c of p.containers) {
      const v = sc(c.container).allowPrivilegeEscalation;
      if (v !== false && !isUnknown(v))
        report(`${p.where}: container "${c.name}" may escalate privileges (set ${c.path}.securityContext.allowPrivilegeEscalation: false)`);
    }
  },
);

const pssCapabilities = pssPolicy(
  "pss-drop-all-capabilities",
  "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
  "Set securityContext.capabilities: {drop: [ALL]} on every container; add nothing but NET_BIND_SERVICE.",
  (p, report) => {
    for (const c of p.containers) {
      const caps = rec(sc(c.container).capabilities);
      if (!arr(caps.drop).includes("ALL"))
        report(`${p.where}: container "${c.name}" keeps default capabilities (set ${c.path}.securityContext.capabilities.drop: [ALL])`);
      const added = arr(caps.add)
        .map(String)
        .filter((x) => x !== "NET_BIND_SERVICE");
      if (added.length)
        report(`${p.where}: container "${c.name}" adds capabilities ${added.join(", ")} (remove them from ${c.path}.securityContext.capabilities.add)`);
    }
  },
);

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

const pssSeccomp = pssPolicy(
  "pss-seccomp-runtime-default",
  "Every pod runs with seccomp profile RuntimeDefault (or Localhost), never Unconfined.",
  "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or every container).",
  (p, report) => {
    const podType = str(rec(rec(p.spec.securityContext).seccompProfile).type);
    const podPath = p.argoTemplate ? `${p.specPath}.securityContext (or spec.securityContext)` : `${p.specPath}.securityContext`;
    const missing: string[] = [];
    for (const c of p.containers) {
      const t = str(rec(sc(c.container).seccompProfile).type) ?? podType;
      if (t === "Unconfined")
        report(`${p.where}: container "${c.name}" runs without seccomp (Unconfined) (set ${c.path}.securityContext.seccompProfile.type: RuntimeDefault)`);
      else if (!t || !SECCOMP_OK.includes(t)) missing.push(c.name);
    }
    if (missing.length)
      report(`${p.where} has no seccomp profile for ${list(missing.map((n) => `"${n}"`))} (set ${podPath}.seccompProfile.type: RuntimeDefault)`);
  },
);

/** Volume types PSS restricted allows. */
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const pssVolumeTypes = pssPolicy(
  "pss-volume-types",
  "Pods use only the volume types PSS restricted allows (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret).",
  "Replace other volume types (nfs, iscsi, ...) with a PersistentVolumeClaim; hostPath is covered by no-host-path.",
  (p, report) => {
    for (const v of arr(p.spec.volumes)) {
      const vol = rec(v);
      const kinds = Object.keys(vol).filter((k) => k !== "name" && k !== "hostPath" && !RESTRICTED_VOLUME_TYPES.includes(k));
      if (kinds.length)
        report(
          `${p.where}: volume "${str(vol.name) ?? "?"}" uses ${kinds.join(", ")}, which PSS restricted forbids (mount the data through a persistentVolumeClaim instead; see ${p.specPath}.volumes)`,
        );
    }
  },
);

const noHostPath = pssPolicy(
  "no-host-path",
  "No pod mounts a hostPath volume (NCCL shared memory comes from an emptyDir with medium: Memory, never hostPath /dev/shm).",
  "Replace hostPath volumes: /dev/shm with emptyDir {medium: Memory, sizeLimit}, data with a PersistentVolumeClaim or the object store.",
  (p, report) => {
    for (const v of arr(p.spec.volumes)) {
      const vol = rec(v);
      if (!isRecord(vol.hostPath)) continue;
      const path = str(vol.hostPath.path) ?? "?";
      const name = str(vol.name) ?? "?";
      if (path.replace(/\/+$/, "") === "/dev/shm") {
        report(
          `${p.where} mounts hostPath /dev/shm as volume "${name}" (replace it in ${p.specPath}.volumes with emptyDir: {medium: Memory, sizeLimit: <shared memory size>})`,
        );
      } else {
        report(
          `${p.where} mounts hostPath ${path} as volume "${name}" (replace it in ${p.specPath}.volumes with a persistentVolumeClaim, emptyDir or configMap)`,
        );
      }
    }
  },
);

const gpuContainerResources = resourcePolicy({
  name: "gpu-container-resources",
  description: "Every container that uses GPUs sets GPU limits and CPU/memory requests and a memory limit.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Kubernetes,
  remediation: 'On each GPU container set resources.limits["nvidia.com/gpu"], resources.requests.cpu, resources.requests.memory and resources.limits.memory.',
  appliesTo: isWorkloadType,
  appliesToLabel: "Kubernetes workloads",
  check(r, report) {
    const obj = kubeObjectOf(r.type, r.props);
    if (!obj) return;
    for (const p of podRefsOf(obj)) {
      for (const c of p.containers) {
        const gpus = gpuResourcesOf(c.container);
        if (!gpus.length) continue;
        const res = rec(c.container.resources);
        const limits = rec(res.limits);
        const requests = rec(res.requests);
        const missing = [
          ...gpus.filter((g) => limits[g] === undefined).map((g) => `limits["${g}"]`),
          ...(requests.cpu === undefined ? ["requests.cpu"] : []),
          ...(requests.memory === undefined ? ["requests.memory"] : []),
          ...(limits.memory === undefined ? ["limits.memory"] : []),
        ];
        if (missing.length)
          report(`${p.where}: GPU container "${c.name}" lacks ${missing.join(", ")} (set ${missing.map((m) => `${c.path}.resources.${m}`).join(", ")})`);
      }
    }
  },
});

// ---- namespaces and network policy ---------------------------------------------------------------

const PSS_ENFORCE = "pod-security.kubernetes.io/enforce";

const namespacePodSecurity = resourcePolicy<PrivilegedConfig>({
  name: "namespace-pod-security-labels",
  description: "Every namespace the stack creates enforces Pod Security Standards restricted; only the GPU Operator namespace may be privileged.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Kubernetes,
  remediation: "Label the namespace pod-security.kubernetes.io/enforce: restricted (privileged only for the GPU Operator namespace).",
  config: privilegedConfig,
  appliesTo: ["kubernetes:core/v1:Namespace"],
  check(r, report, config) {
    const obj = kubeObjectOf(r.type, r.props);
    if (!obj) return;
    const name = str(obj.metadata.name) ?? r.name;
    if (config.privilegedNamespaces.includes(name)) return;
    const level = rec(obj.metadata.labels)[PSS_ENFORCE];
    if (isUnknown(level)) return;
    if (level === undefined) report(`Namespace "${name}" does not enforce Pod Security Standards (set metadata.labels["${PSS_ENFORCE}"]: restricted)`);
    else if (level !== "restricted")
      report(`Namespace "${name}" enforces "${String(level)}" instead of restricted (set metadata.labels["${PSS_ENFORCE}"]: restricted; ${EXEMPT_NOTE})`);
  },
});

/** Kinds whose namespace is a pipeline namespace. */
const PIPELINE_KINDS: ReadonlyArray<[string, string]> = [
  ["argoproj.io", "WorkflowTemplate"],
  ["argoproj.io", "Workflow"],
  ["argoproj.io", "CronWorkflow"],
  ["jobset.x-k8s.io", "JobSet"],
  ["batch", "Job"],
  ["kueue.x-k8s.io", "LocalQueue"],
];

/** Which traffic directions a NetworkPolicy denies by default for all pods of its namespace. */
function defaultDenies(np: JsonObject): Set<string> {
  const spec = rec(np.spec);
  const out = new Set<string>();
  const selector = rec(spec.podSelector);
  if (Object.keys(rec(selector.matchLabels)).length || arr(selector.matchExpressions).length) return out;
  const types = arr(spec.policyTypes).map(String);
  const effective = types.length ? types : spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"];
  const wideOpen = (rules: unknown): boolean => arr(rules).some((x) => Object.keys(rec(x)).length === 0);
  if (effective.includes("Ingress") && !wideOpen(spec.ingress)) out.add("Ingress");
  if (effective.includes("Egress") && !wideOpen(spec.egress)) out.add("Egress");
  return out;
}

const pipelineDefaultDeny = stackPolicy<PrivilegedConfig>({
  name: "pipeline-namespace-default-deny",
  description:
    "Every namespace that runs pipelines (Argo workflows, JobSets, Jobs, Kueue LocalQueues) has default-deny NetworkPolicies for ingress and egress.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Kubernetes,
  remediation:
    "Create a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] in the namespace, then allow only the egress pipelines need (DNS, object store, model hub, API server).",
  config: privilegedConfig,
  check(stack, report, config) {
    const namespaces = new Map<string, string>();
    const denies = new Map<string, Set<string>>();
    for (const r of stack.resources) {
      const obj = kubeObjectOf(r.type, r.props);
      if (!obj) continue;
      const ns = namespaceOf(obj);
      if (PIPELINE_KINDS.some(([g, k]) => isKind(obj, g, k)) && !namespaces.has(ns) && !config.privilegedNamespaces.includes(ns)) namespaces.set(ns, r.urn);
      if (isKind(obj, "networking.k8s.io", "NetworkPolicy")) {
        const set = denies.get(ns) ?? new Set<string>();
        defaultDenies(obj).forEach((d) => set.add(d));
        denies.set(ns, set);
      }
    }
    for (const [ns, urn] of namespaces) {
      const missing = ["Ingress", "Egress"].filter((d) => !denies.get(ns)?.has(d));
      if (missing.length) {
        report(
          `pipeline namespace "${ns}" has no default-deny NetworkPolicy for ${missing.join(" and ")} (add a NetworkPolicy in "${ns}" with podSelector: {} and policyTypes: [${missing.join(", ")}], then allow only DNS, the object store, the model hub and the API server)`,
          urn,
        );
      }
    }
  },
});

// ---- images and charts ---------------------------------------------------------------------------

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedImage(image: string): string | undefined {
  if (/\{\{.+\}\}|\$\(.+\)/.test(image)) return undefined;
  if (image.includes("@sha256:")) return undefined;
  const lastSegment = image.split("/").pop() ?? image;
  if (!lastSegment.includes(":")) return "has no tag (defaults to latest)";
  if (lastSegment.endsWith(":latest")) return "uses the latest tag";
  return undefined;
}

const imageTagPinned = resourcePolicy({
  name: "image-tag-pinned",
  description: "Container images are pinned to a version tag or digest, never latest or untagged.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.Kubernetes,
  remediation: "Reference images by an explicit version tag (from core/versions.ts) or by digest.",
  appliesTo: isWorkloadType,
  appliesToLabel: "Kubernetes workloads",
  check(r, report) {
    const obj = kubeObjectOf(r.type, r.props);
    if (!obj) return;
    for (const p of podRefsOf(obj)) {
      for (const c of p.containers) {
        const image = str(c.container.image);
        const why = image ? unpinnedImage(image) : undefined;
        if (why) report(`${p.where}: container "${c.name}" image ${image} ${why} (pin ${c.path}.image to a version tag or digest)`);
      }
    }
  },
});

const helmChartPinned = resourcePolicy({
  name: "helm-chart-pinned",
  description: "Helm charts are installed at an exact chart version.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.Kubernetes,
  remediation: "Set version to an exact chart version (the catalog in core/versions.ts), not a range or latest.",
  appliesTo: HELM_TYPES,
  check(r, report) {
    const v = r.props.version;
    if (isUnknown(v)) return;
    const version = str(v);
    if (!version)
      report(`${describeRelease(r.name, r.props)} has no chart version, so each install takes the newest chart (set version to an exact chart version)`);
    else if (version === "latest" || /[\^~*xX><=| ]/.test(version))
      report(`${describeRelease(r.name, r.props)} uses chart version "${version}", which is not exact (set version to an exact chart version)`);
  },
});

/** Values keys that weaken pod security wherever they appear in a chart's values. */
function insecureValues(values: unknown, path: string, out: string[]): void {
  if (Array.isArray(values)) {
    values.forEach((v, i) => insecureValues(v, `${path}[${i}]`, out));
    return;
  }
  if (!isRecord(values)) return;
  for (const [k, v] of Object.entries(values)) {
    const p = path ? `${path}.${k}` : k;
    if ((k === "privileged" || k === "allowPrivilegeEscalation") && v === true) out.push(`${p}: true`);
    else if (k === "runAsNonRoot" && v === false) out.push(`${p}: false`);
    else if (k === "runAsUser" && v === 0) out.push(`${p}: 0`);
    else if (["hostNetwork", "hostPID", "hostIPC"].includes(k) && v === true) out.push(`${p}: true`);
    else if (k === "seccompProfile" && str(rec(v).type) === "Unconfined") out.push(`${p}.type: Unconfined`);
    else insecureValues(v, p, out);
  }
}

const helmValuesPodSecurity = resourcePolicy<PrivilegedConfig>({
  name: "helm-values-pod-security",
  description:
    "Helm values never weaken pod security (privileged, privilege escalation, root, host namespaces, Unconfined seccomp) outside the GPU Operator namespace.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Kubernetes,
  remediation:
    "Remove the listed values (or set them to their restricted setting: privileged/allowPrivilegeEscalation false, runAsNonRoot true, hostNetwork/hostPID/hostIPC false, seccomp RuntimeDefault).",
  config: privilegedConfig,
  appliesTo: HELM_TYPES,
  check(r, report, config) {
    if (chartName(r.props) === "gpu-operator" || config.privilegedNamespaces.includes(releaseNamespace(r.props))) return;
    const found: string[] = [];
    insecureValues(releaseValues(r.props), "", found);
    if (found.length)
      report(
        `${describeRelease(r.name, r.props)} in namespace ${releaseNamespace(r.props)} sets ${found.join(", ")} (remove these values or set them to the PSS restricted setting)`,
      );
  },
});

export const kubernetesPolicies: KitPolicy[] = [
  pssPrivileged,
  pssHostNamespaces,
  pssRunAsNonRoot,
  pssPrivilegeEscalation,
  pssCapabilities,
  pssSeccomp,
  pssVolumeTypes,
  noHostPath,
  gpuContainerResources,
  namespacePodSecurity,
  pipelineDefaultDeny,
  imageTagPinned,
  helmChartPinned,
  helmValuesPodSecurity,
];
