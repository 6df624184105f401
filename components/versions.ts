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
export const REGISTRY_CHARTS = {} as const satisfies Record<string, ChartPin>;
export const REGISTRY_IMAGES = {} as const satisfies Record<string, ImagePin>;

// ---- Monitoring (kube-prometheus-stack, Pushgateway) ----
export const MONITORING_CHARTS = {} as const satisfies Record<string, ChartPin>;
export const MONITORING_IMAGES = {} as const satisfies Record<string, ImagePin>;
