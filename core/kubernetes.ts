/**
 * Kubernetes conventions every layer shares: the object shape the pure renderers emit, the name patterns, the
 * labels the kit puts on what it creates, Pod Security Standards `restricted` security contexts and namespace
 * labels, and the serving metrics port the pipeline opens and monitoring scrapes. Pure data, no Pulumi.
 */

/** A Kubernetes object as the kit's pure renderers emit it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** RFC 1123 DNS label (namespaces, most object names), without the length limit: see {@link isDnsLabel}. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest DNS label (RFC 1123). */
export const DNS_LABEL_MAX = 63;

/** True when `s` is an RFC 1123 DNS label of at most 63 characters. */
export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s) && s.length <= DNS_LABEL_MAX;
}

/** Label key, `[prefix/]name` (Kubernetes `metadata.labels` keys). */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Labels on every Kubernetes object the kit creates. */
export const KIT_LABELS = { "app.kubernetes.io/part-of": "finetune-kit", "app.kubernetes.io/managed-by": "finetune-kit" } as const;
/** The managed-by label alone (objects whose part-of label says something else). */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "finetune-kit" } as const;

/** Pod Security Standards labels of a namespace at `level` (enforce, audit and warn alike). */
export function podSecurityLabels(level: "restricted" | "baseline" | "privileged"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": level,
    "pod-security.kubernetes.io/warn": level,
  };
}

/** Pod Security Standards `restricted` labels of every workload namespace the kit creates. */
export const RESTRICTED_NAMESPACE_LABELS: Readonly<Record<string, string>> = podSecurityLabels("restricted");

/**
 * PSS-restricted pod security context; with `uid`, the pod runs as that user and group (and fsGroup).
 * @param uid User id. @default - the image's user (must be non-root)
 * @param gid Group id and fsGroup. @default - `uid`
 */
export function restrictedPodSecurity(uid?: number, gid: number | undefined = uid): Record<string, unknown> {
  return uid === undefined
    ? { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }
    : { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * PSS-restricted container security context.
 * @param readOnlyRootFilesystem Root filesystem read-only. @default true
 */
export function restrictedContainerSecurity(readOnlyRootFilesystem = true): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    ...(readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Labels the pipeline puts on vLLM pods (and a container port named `http`) so the kit scrapes them. Training
 * pods need no label: they push to the Pushgateway.
 */
export const SERVING_POD_LABELS = { "finetune.dev/metrics": "vllm" } as const;

/** Container port name of the vLLM OpenAI server that serves `/metrics`. */
export const SERVING_METRICS_PORT = "http";
