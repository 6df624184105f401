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
export const GPU_STACK_CHARTS = {
  /** NVIDIA GPU Operator (driver, container toolkit, device plugin, DCGM exporter, GFD/NFD, MIG manager, validator). */
  gpuOperator: { chart: "gpu-operator", version: "v26.3.2", repo: "https://helm.ngc.nvidia.com/nvidia", checked: "2026-11-29" },
  /** Kueue (job queueing, quotas, spot → on-demand flavors). Chart versions carry no `v`. */
  kueue: { chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2", repo: "oci://registry.k8s.io/kueue/charts", checked: "2026-11-29" },
  /**
   * AWS EFA Kubernetes device plugin (advertises `vpc.amazonaws.com/efa`), from aws/eks-charts. eks-charts release
   * v0.0.244 (2026-09-10) bumped it to app v0.5.21-eksbuild.13; the chart's own version follows the app (`v0.5.x`).
   */
  efaDevicePlugin: { chart: "aws-efa-k8s-device-plugin", version: "v0.5.21", repo: "https://aws.github.io/eks-charts", checked: "2026-12-01" },
} as const satisfies Record<string, ChartPin>;
export const GPU_STACK_IMAGES = {
  /** Kueue controller manager, same release as the chart. */
  kueue: { repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2", checked: "2026-11-29" },
  /**
   * NVIDIA data center driver container for the GPU Operator (R580 LTSB; the operator appends `-<os><version>`).
   * CUDA 13.0 Update 2 needs >= 580.95.05, so this driver runs CUDA up to 13.0.x.
   */
  nvidiaDriver: { repository: "nvcr.io/nvidia/driver", tag: "580.105.08", checked: "2026-11-29" },
  /** GPU smoke test: PyTorch runtime image (CUDA 12.8, needs driver >= 570.26; see SMOKE_TEST_CUDA_VERSION). */
  gpuSmokeTest: { repository: "docker.io/pytorch/pytorch", tag: "2.9.1-cuda12.8-cudnn9-runtime", checked: "2026-11-29" },
  /**
   * Two-node NCCL all-reduce smoke test on EFA pools: AWS Deep Learning Container for PyTorch on EC2/EKS (PyTorch
   * 2.11, CUDA 13.0, NCCL, EFA 1.47 with the AWS OFI NCCL plugin, `all_reduce_perf` pre-installed), from
   * aws/deep-learning-containers docs "PyTorch Training" images table (EC2 / EKS GPU row). CUDA 13.0: needs a driver
   * that runs CUDA >= 13.0 (R580). Non-EFA pools use `gpuSmokeTest` (its pip NCCL has no EFA plugin).
   */
  ncclSmokeEfa: { repository: "public.ecr.aws/deep-learning-containers/pytorch", tag: "2.11-cu130-amzn2023", checked: "2026-12-02" },
} as const satisfies Record<string, ImagePin>;

// ---- Pipeline platform and stage images (Argo Workflows, JobSet, trainer, evaluator, vLLM) ----
export const PIPELINE_CHARTS = {
  /** Argo Workflows controller (+ optional server) and CRDs; app v4.1.x, matching the v4.1.2 CRDs the tests validate against. */
  argoWorkflows: { chart: "argo-workflows", version: "1.1.1", repo: "https://argoproj.github.io/argo-helm", checked: "2026-11-29" },
  /** JobSet controller and CRD (`jobset.x-k8s.io/v1alpha2`), v0.12.0. */
  jobset: { chart: "jobset", version: "0.12.0", repo: "oci://registry.k8s.io/jobset/charts", checked: "2026-11-29" },
} as const satisfies Record<string, ChartPin>;
export const PIPELINE_IMAGES = {
  /** Training (Axolotl on PyTorch; torchrun, accelerate, hf CLI, python3). The tag's `cuXYZ` is the CUDA version the GPU stack must support. */
  trainer: { repository: "axolotlai/axolotl", tag: "0.12.2-py3.11-cu128-2.8.0", checked: "2026-11-29" },
  /** Evaluation: EleutherAI lm-evaluation-harness (NVIDIA eval-factory build, python3 + lm_eval). */
  evaluator: { repository: "nvcr.io/nvidia/eval-factory/lm-evaluation-harness", tag: "25.04", checked: "2026-11-29" },
  /** Serving: vLLM OpenAI-compatible server (LoRA adapters via --lora-modules). Also serves the model under evaluation. */
  serving: { repository: "vllm/vllm-openai", tag: "v0.11.0", checked: "2026-11-29" },
  /** Stage scripts (python3 standard library only). */
  python: { repository: "python", tag: "3.12.12-slim-bookworm", checked: "2026-11-29" },
  /** Object-store I/O: a static rclone binary copied into each stage pod (S3, GCS, S3-compatible; IRSA / Workload Identity via env_auth). */
  storage: { repository: "rclone/rclone", tag: "1.71.2", checked: "2026-11-29" },
} as const satisfies Record<string, ImagePin>;

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
