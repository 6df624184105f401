/**
 * The one catalog of pinned versions: Helm charts, container images and API versions the kit deploys.
 * Each entry carries the date it was checked against upstream. Change versions here and nowhere else.
 */

/** A pinned Helm chart. */
export interface ChartPin {
  /** Chart name in the repository. */
  chart: string;
  /** Chart version (not the app version). */
  version: string;
  /** Helm repository URL (or `oci://` registry). */
  repo: string;
  /** Date the pin was checked against upstream releases (YYYY-MM-DD). */
  checked: string;
}

/** A pinned container image. */
export interface ImagePin {
  /** Repository without tag, e.g. `nvcr.io/nvidia/cuda`. */
  repository: string;
  /** Tag (never `latest`). */
  tag: string;
  /** Date checked (YYYY-MM-DD). */
  checked: string;
}

/** Full `repository:tag` reference of an image pin. */
export function imageRef(pin: ImagePin): string {
  return `${pin.repository}:${pin.tag}`;
}

// ---- GPU node pools and CUDA driver stack (Kueue, GPU Operator, DCGM, Karpenter) ----
export const GPU_STACK_CHARTS = {} as const satisfies Record<string, ChartPin>;
export const GPU_STACK_IMAGES = {} as const satisfies Record<string, ImagePin>;

// ---- Pipeline platform and stage images (Argo Workflows, JobSet, trainer, evaluator, vLLM) ----
export const PIPELINE_CHARTS = {} as const satisfies Record<string, ChartPin>;
export const PIPELINE_IMAGES = {} as const satisfies Record<string, ImagePin>;

// ---- Artifact registry (MinIO) ----
// MinIO's official chart (source: github.com/minio/minio helm/minio, 5.4.0 is its last release). MinIO stopped
// publishing community images in October 2025; quay.io/minio still serves the archived ones (Docker Hub's
// minio/minio was removed in September 2026). Mirror them, or use a bring-your-own S3-compatible store.
export const REGISTRY_CHARTS = {
  minio: { chart: "minio", version: "5.4.0", repo: "https://charts.min.io/", checked: "2026-11-29" },
} as const satisfies Record<string, ChartPin>;
export const REGISTRY_IMAGES = {
  /** MinIO server: the last community image published to quay.io. */
  minio: { repository: "quay.io/minio/minio", tag: "RELEASE.2025-09-07T16-13-09Z", checked: "2026-11-29" },
  /** MinIO client for the chart's bucket/user/policy job. */
  mc: { repository: "quay.io/minio/mc", tag: "RELEASE.2025-08-13T08-35-41Z", checked: "2026-11-29" },
} as const satisfies Record<string, ImagePin>;

// ---- Monitoring (kube-prometheus-stack, Pushgateway) ----
export const MONITORING_CHARTS = {
  /** Prometheus Operator, Prometheus, Alertmanager, Grafana (dashboard sidecar), kube-state-metrics. */
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "84.5.0", repo: "https://prometheus-community.github.io/helm-charts", checked: "2026-11-29" },
} as const satisfies Record<string, ChartPin>;
export const MONITORING_IMAGES = {
  /** Prometheus Pushgateway: where training pods push step/loss/throughput/checkpoint metrics. */
  pushgateway: { repository: "quay.io/prometheus/pushgateway", tag: "v1.11.0", checked: "2026-11-29" },
} as const satisfies Record<string, ImagePin>;
