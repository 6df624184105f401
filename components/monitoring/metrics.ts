import { TRAINING_METRICS } from "../../core/contracts/monitoring";

/**
 * Every metric the kit's alerts and dashboards read, with where it comes from. Dashboards and rules may only
 * reference names in {@link KIT_METRICS} (a test parses every panel and rule to enforce it), so a renamed
 * upstream metric shows up here, in one place.
 *
 * Sources (checked 2026-11-29):
 * - DCGM exporter (NVIDIA): `DCGM_FI_*` gauges/counters, labels `gpu`, `UUID`, `Hostname`, `modelName`, and with
 *   Kubernetes pod mapping `pod`, `namespace`, `container` of the workload using the GPU.
 * - Kueue controller: `kueue_*`, label `cluster_queue` (and `status` on pending workloads: active | inadmissible).
 * - JobSet controller: `jobset_failed_total`, `jobset_completed_total`, labels `jobset_name`, `namespace`.
 * - Argo Workflows controller (3.6+/4.x OpenTelemetry names): `argo_workflows_gauge{phase}`,
 *   `argo_workflows_total_count{phase,namespace}`, `argo_workflows_pods_total_count{phase,namespace}`.
 * - vLLM OpenAI server: `vllm:*` (label `model_name`) and the HTTP middleware's `http_requests_total{handler,status}`
 *   (status grouped as `2xx`/`4xx`/`5xx`).
 * - kube-state-metrics: `kube_pod_container_resource_requests{resource="nvidia_com_gpu"}`, `kube_pod_status_phase`.
 * - The training stage: {@link TRAINING_METRICS} (through the Pushgateway), plus the Pushgateway's own `push_time_seconds`.
 */

/** Where a metric comes from. */
export const MetricSource = {
  Dcgm: "dcgm",
  Kueue: "kueue",
  Jobset: "jobset",
  Argo: "argo",
  Vllm: "vllm",
  KubeStateMetrics: "kube-state-metrics",
  Training: "training",
  Pushgateway: "pushgateway",
  RecordingRule: "recording-rule",
  Prometheus: "prometheus",
} as const;
export type MetricSource = (typeof MetricSource)[keyof typeof MetricSource];

/** DCGM exporter fields the kit uses. */
export const DCGM_METRICS = {
  gpuUtil: "DCGM_FI_DEV_GPU_UTIL",
  memCopyUtil: "DCGM_FI_DEV_MEM_COPY_UTIL",
  fbUsed: "DCGM_FI_DEV_FB_USED",
  fbFree: "DCGM_FI_DEV_FB_FREE",
  gpuTemp: "DCGM_FI_DEV_GPU_TEMP",
  powerUsage: "DCGM_FI_DEV_POWER_USAGE",
  xidErrors: "DCGM_FI_DEV_XID_ERRORS",
  eccDbeVolatile: "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
  tensorActive: "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
} as const;

/** Kueue controller metrics. */
export const KUEUE_METRICS = {
  pendingWorkloads: "kueue_pending_workloads",
  admittedActiveWorkloads: "kueue_admitted_active_workloads",
  evictedWorkloads: "kueue_evicted_workloads_total",
  admissionWaitTimeBucket: "kueue_admission_wait_time_seconds_bucket",
} as const;

/** JobSet controller metrics. */
export const JOBSET_METRICS = {
  failed: "jobset_failed_total",
  completed: "jobset_completed_total",
} as const;

/** Argo Workflows controller metrics. */
export const ARGO_METRICS = {
  workflowsByPhase: "argo_workflows_gauge",
  workflowPhaseTransitions: "argo_workflows_total_count",
  podPhaseTransitions: "argo_workflows_pods_total_count",
} as const;

/** vLLM serving metrics. */
export const VLLM_METRICS = {
  e2eLatencyBucket: "vllm:e2e_request_latency_seconds_bucket",
  ttftBucket: "vllm:time_to_first_token_seconds_bucket",
  requestsRunning: "vllm:num_requests_running",
  requestsWaiting: "vllm:num_requests_waiting",
  kvCacheUsage: "vllm:kv_cache_usage_perc",
  generationTokens: "vllm:generation_tokens_total",
  requestSuccess: "vllm:request_success_total",
  httpRequests: "http_requests_total",
} as const;

/** kube-state-metrics series the kit uses. */
export const KSM_METRICS = {
  containerResourceRequests: "kube_pod_container_resource_requests",
  podStatusPhase: "kube_pod_status_phase",
} as const;

/** Recording rules the kit defines (see prometheus-rules.ts). */
export const RECORDING_RULES = {
  /** GPUs requested by running pods in the training namespaces, sampled every minute. */
  gpusAllocated: "finetune:gpus_allocated:sum",
} as const;

/** Every metric name the kit's rules and dashboards may reference, with its source. */
export const KIT_METRICS: ReadonlyMap<string, MetricSource> = new Map<string, MetricSource>([
  ...Object.values(DCGM_METRICS).map((m) => [m, "dcgm"] as [string, MetricSource]),
  ...Object.values(KUEUE_METRICS).map((m) => [m, "kueue"] as [string, MetricSource]),
  ...Object.values(JOBSET_METRICS).map((m) => [m, "jobset"] as [string, MetricSource]),
  ...Object.values(ARGO_METRICS).map((m) => [m, "argo"] as [string, MetricSource]),
  ...Object.values(VLLM_METRICS).map((m) => [m, "vllm"] as [string, MetricSource]),
  ...Object.values(KSM_METRICS).map((m) => [m, "kube-state-metrics"] as [string, MetricSource]),
  ...Object.values(TRAINING_METRICS).map((m) => [m, "training"] as [string, MetricSource]),
  ["push_time_seconds", "pushgateway"],
  ["up", "prometheus"],
  ...Object.values(RECORDING_RULES).map((m) => [m, "recording-rule"] as [string, MetricSource]),
]);

const PROMQL_KEYWORDS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "group",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
  "atan2",
  "rate",
  "irate",
  "increase",
  "delta",
  "idelta",
  "deriv",
  "changes",
  "resets",
  "abs",
  "ceil",
  "floor",
  "round",
  "clamp",
  "clamp_min",
  "clamp_max",
  "time",
  "timestamp",
  "vector",
  "scalar",
  "histogram_quantile",
  "label_replace",
  "label_join",
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "sum_over_time",
  "count_over_time",
  "last_over_time",
  "quantile_over_time",
  "stddev_over_time",
  "absent",
  "absent_over_time",
  "present_over_time",
  "sort",
  "sort_desc",
  "Inf",
  "NaN",
  "inf",
  "nan",
  "le",
]);

/**
 * Metric names a PromQL expression references (identifiers outside label matchers, strings and durations that
 * are not functions, keywords, or label names in `by (...)`). Good enough to check the kit's own queries.
 */
export function metricNamesIn(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const noMatchers = noStrings.replace(/\{[^}]*\}/g, "{}");
  const noGrouping = noMatchers.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1()");
  const noRanges = noGrouping.replace(/\[[^\]]*\]/g, "[]");
  const names = new Set<string>();
  for (const m of noRanges.matchAll(/(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])/g)) {
    const word = m[1];
    const after = noRanges.slice((m.index ?? 0) + word.length).trimStart();
    if (PROMQL_KEYWORDS.has(word) && (after.startsWith("(") || !/^[{[]/.test(after))) continue;
    if (after.startsWith("(")) continue;
    names.add(word);
  }
  return [...names];
}
