import { TRAINING_METRICS } from "./contract";
import { ARGO_METRICS, DCGM_METRICS, JOBSET_METRICS, KUEUE_METRICS, RECORDING_RULES, VLLM_METRICS } from "./metrics";
import { AlertThresholds, durationSeconds } from "./thresholds";

/**
 * The kit's alert catalog as pure data: one list, rendered from thresholds and scope, consumed by the
 * PrometheusRule renderer (Kubernetes) and by the Cloud Monitoring alert policies (GCP, PromQL on Managed
 * Service for Prometheus). No Pulumi here.
 */

/** Alert severities (Alertmanager `severity` label). */
export const Severity = { Critical: "critical", Warning: "warning" } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Where the alert's data lives: `"all"` Prometheus-compatible backends, or in-cluster Prometheus only (needs a recording rule). */
export const AlertBackend = { All: "all", PrometheusOnly: "prometheus-only" } as const;
export type AlertBackend = (typeof AlertBackend)[keyof typeof AlertBackend];

/** One alert. */
export interface AlertDefinition {
  /** Alert name (`alert:` of the rule). */
  name: string;
  /** PromQL expression; a non-empty result means firing. */
  expr: string;
  /** How long the expression must hold; omitted means fire at once. */
  for?: string;
  severity: Severity;
  /** One line for the notification title. */
  summary: string;
  /** Details, with Go template references to labels/value (`{{ $labels.pod }}`, `{{ $value }}`). */
  description: string;
  backend: AlertBackend;
}

/** What the alerts look at. */
export interface AlertScope {
  /** Namespaces training runs (Argo workflows, JobSets, trainer pods) live in. */
  trainingNamespaces: string[];
  /** Namespaces vLLM serving runs in. */
  servingNamespaces: string[];
  /**
   * Label names the DCGM exporter series carry for the pod/namespace that uses the GPU: `pod`/`namespace` when the
   * scrape honours the exporter's labels (the kit's ServiceMonitor does), `exported_pod`/`exported_namespace`
   * when the collector protects `namespace`/`pod` (Managed Service for Prometheus).
   */
  dcgmWorkloadLabels: { pod: string; namespace: string };
}

/** Label names of DCGM workload attribution per collector. */
export const DCGM_WORKLOAD_LABELS = {
  prometheus: { pod: "pod", namespace: "namespace" },
  managedPrometheus: { pod: "exported_pod", namespace: "exported_namespace" },
} as const;

/** Evaluation interval of the GPU-hours recording rule group (the budget alert divides by it). */
export const RECORDING_INTERVAL_SECONDS = 60;

/** `["a", "b.c"]` → `a|b\\.c` for a `=~` matcher (regex-escaped, anchored by PromQL). */
export function namespaceRegex(namespaces: string[]): string {
  return namespaces.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")).join("|");
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}

/** The alert catalog for these thresholds and scope. Order is stable (tests and plan output depend on it). */
export function renderAlerts(t: AlertThresholds, scope: AlertScope): AlertDefinition[] {
  const trainNs = namespaceRegex(scope.trainingNamespaces);
  const serveNs = namespaceRegex(scope.servingNamespaces);
  const { pod, namespace } = scope.dcgmWorkloadLabels;
  const stallSeconds = durationSeconds(t.trainingStalledAfter) ?? 1800;
  const checkpointSeconds = durationSeconds(t.checkpointMaxAge) ?? 7200;
  const gpu = `Hostname, gpu, UUID`;
  const alerts: AlertDefinition[] = [
    {
      name: "FinetuneGpuIdleDuringTraining",
      expr: `avg by (${namespace}, ${pod}) (${DCGM_METRICS.gpuUtil}{${namespace}=~"${trainNs}", ${pod}!=""}) < ${num(t.gpuIdleUtilizationPercent)}`,
      for: t.gpuIdleFor,
      severity: Severity.Warning,
      summary: "GPUs of a training pod are idle",
      description: `Pod {{ $labels.${namespace} }}/{{ $labels.${pod} }} holds GPUs averaging {{ $value | humanize }}% utilisation (< ${num(t.gpuIdleUtilizationPercent)}% for ${t.gpuIdleFor}): a stuck data loader, a hung collective, or a job that should release its GPUs.`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneGpuXidError",
      expr: `max by (${gpu}) (${DCGM_METRICS.xidErrors}) > 0`,
      severity: Severity.Critical,
      summary: "GPU reported an XID error",
      description: "GPU {{ $labels.gpu }} ({{ $labels.UUID }}) on {{ $labels.Hostname }} reported XID {{ $value }}. Check the NVIDIA XID catalogue; XIDs 48, 63, 64, 74, 79, 94, 95 usually mean draining the node and resetting the GPU.",
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneGpuEccDoubleBitError",
      expr: `max by (${gpu}) (increase(${DCGM_METRICS.eccDbeVolatile}[10m])) > 0`,
      severity: Severity.Critical,
      summary: "GPU had uncorrectable (double-bit) ECC errors",
      description: "GPU {{ $labels.gpu }} ({{ $labels.UUID }}) on {{ $labels.Hostname }} had {{ $value }} double-bit ECC errors in 10 minutes. Training on it may be silently corrupt: drain the node.",
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneGpuOverTemperature",
      expr: `max by (${gpu}) (${DCGM_METRICS.gpuTemp}) > ${num(t.gpuTemperatureCelsius)}`,
      for: t.gpuTemperatureFor,
      severity: Severity.Warning,
      summary: "GPU is running hot",
      description: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is at {{ $value }} °C (limit ${num(t.gpuTemperatureCelsius)} °C for ${t.gpuTemperatureFor}); it will throttle.`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneTrainingStalled",
      expr:
        `(time() - max by (pipeline, run_id) (${TRAINING_METRICS.lastPush}) > ${stallSeconds})` +
        ` or (max by (pipeline, run_id) (changes(${TRAINING_METRICS.step}[${t.trainingStalledAfter}])) == 0` +
        ` and on (pipeline, run_id) max by (pipeline, run_id) (${TRAINING_METRICS.step} offset ${t.trainingStalledAfter}))`,
      for: "5m",
      severity: Severity.Critical,
      summary: "Training run stopped making progress",
      description: `Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} has not advanced its step or reported metrics for ${t.trainingStalledAfter} (hung collective, dead trainer, or preempted and not resumed).`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneTrainingLossNotFinite",
      expr: `max by (pipeline, run_id) ((${TRAINING_METRICS.loss} != ${TRAINING_METRICS.loss}) or (abs(${TRAINING_METRICS.loss}) == Inf))`,
      severity: Severity.Critical,
      summary: "Training loss is NaN or infinite",
      description: "Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} reports a non-finite loss: the run is diverging (learning rate, bad batch, fp16 overflow). Stop it and resume from the last good checkpoint.",
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneCheckpointStale",
      expr: `time() - max by (pipeline, run_id) (${TRAINING_METRICS.lastCheckpoint}) > ${checkpointSeconds}`,
      for: "5m",
      severity: Severity.Warning,
      summary: "No recent checkpoint for a training run",
      description: `Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} last wrote a checkpoint {{ $value | humanizeDuration }} ago (limit ${t.checkpointMaxAge}); a spot preemption now would lose that work.`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneSpotPreemptionsHigh",
      expr: `sum by (pipeline, run_id) (increase(${TRAINING_METRICS.resumes}[1h])) > ${num(t.preemptionsPerHour)}`,
      severity: Severity.Warning,
      summary: "Training run is preempted too often",
      description: `Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} resumed {{ $value | humanize }} times in the last hour (limit ${num(t.preemptionsPerHour)}): spot capacity is scarce; consider the on-demand fallback or another zone.`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetunePipelineFailed",
      expr:
        `(sum by (namespace) (increase(${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", namespace=~"${trainNs}"}[15m])) > 0)` +
        ` or (sum by (namespace) (${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", namespace=~"${trainNs}"} unless ${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", namespace=~"${trainNs}"} offset 15m) > 0)`,
      severity: Severity.Critical,
      summary: "A fine-tuning pipeline failed",
      description: "An Argo workflow in namespace {{ $labels.namespace }} ended Failed/Error in the last 15 minutes. `argo list -n {{ $labels.namespace }} --status Failed,Error` shows which.",
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneTrainingJobFailed",
      expr:
        `(sum by (namespace, jobset_name) (increase(${JOBSET_METRICS.failed}{namespace=~"${trainNs}"}[15m])) > 0)` +
        ` or (sum by (namespace, jobset_name) (${JOBSET_METRICS.failed}{namespace=~"${trainNs}"} unless ${JOBSET_METRICS.failed}{namespace=~"${trainNs}"} offset 15m) > 0)`,
      severity: Severity.Critical,
      summary: "A training JobSet failed",
      description: "JobSet {{ $labels.jobset_name }} in {{ $labels.namespace }} failed after exhausting its restarts.",
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneKueueBacklog",
      expr: `sum by (cluster_queue) (${KUEUE_METRICS.pendingWorkloads}) >= ${num(t.kueuePendingWorkloads)}`,
      for: t.kueuePendingFor,
      severity: Severity.Warning,
      summary: "Workloads are waiting in a Kueue ClusterQueue",
      description: `ClusterQueue {{ $labels.cluster_queue }} has had {{ $value }} pending workloads for ${t.kueuePendingFor}: quota or spot capacity is short.`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneServingLatencyHigh",
      expr: `histogram_quantile(0.95, sum by (le, namespace, model_name) (rate(${VLLM_METRICS.e2eLatencyBucket}{namespace=~"${serveNs}"}[5m]))) > ${num(t.servingP95LatencySeconds)}`,
      for: t.servingFor,
      severity: Severity.Warning,
      summary: "Serving p95 latency is above its objective",
      description: `Model {{ $labels.model_name }} in {{ $labels.namespace }} has p95 end-to-end latency {{ $value | humanizeDuration }} (objective ${num(t.servingP95LatencySeconds)} s).`,
      backend: AlertBackend.All,
    },
    {
      name: "FinetuneServingErrorRateHigh",
      expr:
        `100 * sum by (namespace) (rate(${VLLM_METRICS.httpRequests}{namespace=~"${serveNs}", handler=~"/v1/.*", status="5xx"}[5m]))` +
        ` / sum by (namespace) (rate(${VLLM_METRICS.httpRequests}{namespace=~"${serveNs}", handler=~"/v1/.*"}[5m])) > ${num(t.servingErrorRatePercent)}`,
      for: t.servingFor,
      severity: Severity.Critical,
      summary: "Serving error rate is above its objective",
      description: `{{ $value | humanize }}% of requests to the model server in {{ $labels.namespace }} fail with 5xx (objective ${num(t.servingErrorRatePercent)}%).`,
      backend: AlertBackend.All,
    },
  ];
  if (t.gpuHoursBudget !== undefined) {
    alerts.push({
      name: "FinetuneGpuHoursOverBudget",
      expr: `sum_over_time(${RECORDING_RULES.gpusAllocated}[${t.gpuHoursBudgetWindow}]) * ${RECORDING_INTERVAL_SECONDS} / 3600 > ${num(t.gpuHoursBudget)}`,
      severity: Severity.Warning,
      summary: "GPU-hours over budget",
      description: `Training namespaces used {{ $value | humanize }} GPU-hours in the last ${t.gpuHoursBudgetWindow} (budget ${num(t.gpuHoursBudget)}).`,
      backend: AlertBackend.PrometheusOnly,
    });
  }
  return alerts;
}

/** The recording rule the GPU-hours budget alert reads: GPUs requested by running pods, per minute. */
export function gpuAllocationRecordingExpr(scope: AlertScope): string {
  const ns = namespaceRegex(scope.trainingNamespaces);
  return (
    `sum(kube_pod_container_resource_requests{resource="nvidia_com_gpu", namespace=~"${ns}"}` +
    ` * on (namespace, pod) group_left () (max by (namespace, pod) (kube_pod_status_phase{phase="Running", namespace=~"${ns}"}) == 1))`
  );
}
