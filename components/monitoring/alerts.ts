import { TRAINING_METRICS } from "../../core/contracts/monitoring";
import { ARGO_METRICS, DCGM_METRICS, JOBSET_METRICS, KIT_METRICS, KUEUE_METRICS, MetricSource, metricNamesIn, RECORDING_RULES, VLLM_METRICS } from "./metrics";
import { AlertThresholds, durationSeconds } from "./thresholds";

/**
 * The kit's alert catalog as pure data: one list, rendered from thresholds and scope, consumed by the
 * PrometheusRule renderer (Kubernetes) and by the Cloud Monitoring alert policies (GCP, PromQL on Managed
 * Service for Prometheus). No Pulumi here.
 */

/** Alert severities (Alertmanager `severity` label). */
export const Severity = { Critical: "critical", Warning: "warning" } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

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
}

/** What the alerts look at. */
export interface AlertScope {
  /** Namespaces training runs (Argo workflows, JobSets, trainer pods) live in. */
  trainingNamespaces: string[];
  /** Namespaces vLLM serving runs in. */
  servingNamespaces: string[];
  /** Label names that differ between collectors (see {@link COLLECTOR_LABELS}). */
  labels: CollectorLabels;
}

/** Label names of series whose own `pod`/`namespace` label collides with the scrape target's. */
export interface CollectorLabels {
  /** Pod using a GPU, on DCGM exporter series. */
  gpuPod: string;
  /** Namespace of the pod using a GPU, on DCGM exporter series. */
  gpuNamespace: string;
  /** Namespace of the workflow/JobSet on Argo and JobSet controller series. */
  workloadNamespace: string;
}

/**
 * Per collector: the kit's ServiceMonitors set `honorLabels: true` on exporters that report on other pods, so the
 * series keep `pod`/`namespace`; Managed Service for Prometheus protects `pod`/`namespace` as target labels, so the
 * exporter's own labels arrive as `exported_pod`/`exported_namespace`.
 */
export const COLLECTOR_LABELS = {
  prometheus: { gpuPod: "pod", gpuNamespace: "namespace", workloadNamespace: "namespace" },
  managedPrometheus: { gpuPod: "exported_pod", gpuNamespace: "exported_namespace", workloadNamespace: "exported_namespace" },
} as const satisfies Record<string, CollectorLabels>;

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
  const { gpuPod: pod, gpuNamespace: namespace, workloadNamespace: wns } = scope.labels;
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
    },
    {
      name: "FinetuneGpuXidError",
      expr: `max by (${gpu}) (${DCGM_METRICS.xidErrors}) > 0`,
      severity: Severity.Critical,
      summary: "GPU reported an XID error",
      description:
        "GPU {{ $labels.gpu }} ({{ $labels.UUID }}) on {{ $labels.Hostname }} reported XID {{ $value }}. Check the NVIDIA XID catalogue; XIDs 48, 63, 64, 74, 79, 94, 95 usually mean draining the node and resetting the GPU.",
    },
    {
      name: "FinetuneGpuEccDoubleBitError",
      expr: `max by (${gpu}) (increase(${DCGM_METRICS.eccDbeVolatile}[10m])) > 0`,
      severity: Severity.Critical,
      summary: "GPU had uncorrectable (double-bit) ECC errors",
      description:
        "GPU {{ $labels.gpu }} ({{ $labels.UUID }}) on {{ $labels.Hostname }} had {{ $value }} double-bit ECC errors in 10 minutes. Training on it may be silently corrupt: drain the node.",
    },
    {
      name: "FinetuneGpuOverTemperature",
      expr: `max by (${gpu}) (${DCGM_METRICS.gpuTemp}) > ${num(t.gpuTemperatureCelsius)}`,
      for: t.gpuTemperatureFor,
      severity: Severity.Warning,
      summary: "GPU is running hot",
      description: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is at {{ $value }} °C (limit ${num(t.gpuTemperatureCelsius)} °C for ${t.gpuTemperatureFor}); it will throttle.`,
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
    },
    {
      name: "FinetuneTrainingLossNotFinite",
      expr: `max by (pipeline, run_id) ((${TRAINING_METRICS.loss} != ${TRAINING_METRICS.loss}) or (abs(${TRAINING_METRICS.loss}) == Inf))`,
      severity: Severity.Critical,
      summary: "Training loss is NaN or infinite",
      description:
        "Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} reports a non-finite loss: the run is diverging (learning rate, bad batch, fp16 overflow). Stop it and resume from the last good checkpoint.",
    },
    {
      name: "FinetuneCheckpointStale",
      expr: `time() - max by (pipeline, run_id) (${TRAINING_METRICS.lastCheckpoint}) > ${checkpointSeconds}`,
      for: "5m",
      severity: Severity.Warning,
      summary: "No recent checkpoint for a training run",
      description: `Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} last wrote a checkpoint {{ $value | humanizeDuration }} ago (limit ${t.checkpointMaxAge}); a spot preemption now would lose that work.`,
    },
    {
      name: "FinetuneSpotPreemptionsHigh",
      expr: `sum by (pipeline, run_id) (increase(${TRAINING_METRICS.resumes}[1h])) > ${num(t.preemptionsPerHour)}`,
      severity: Severity.Warning,
      summary: "Training run is preempted too often",
      description: `Run {{ $labels.run_id }} of pipeline {{ $labels.pipeline }} resumed {{ $value | humanize }} times in the last hour (limit ${num(t.preemptionsPerHour)}): spot capacity is scarce; consider the on-demand fallback or another zone.`,
    },
    {
      name: "FinetunePipelineFailed",
      expr:
        `(sum by (${wns}) (increase(${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", ${wns}=~"${trainNs}"}[15m])) > 0)` +
        ` or (sum by (${wns}) (${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", ${wns}=~"${trainNs}"} unless ${ARGO_METRICS.workflowPhaseTransitions}{phase=~"Failed|Error", ${wns}=~"${trainNs}"} offset 15m) > 0)`,
      severity: Severity.Critical,
      summary: "A fine-tuning pipeline failed",
      description: `An Argo workflow in namespace {{ $labels.${wns} }} ended Failed/Error in the last 15 minutes. \`argo list -n {{ $labels.${wns} }} --status Failed,Error\` shows which.`,
    },
    {
      name: "FinetuneTrainingJobFailed",
      expr:
        `(sum by (${wns}, jobset_name) (increase(${JOBSET_METRICS.failed}{${wns}=~"${trainNs}"}[15m])) > 0)` +
        ` or (sum by (${wns}, jobset_name) (${JOBSET_METRICS.failed}{${wns}=~"${trainNs}"} unless ${JOBSET_METRICS.failed}{${wns}=~"${trainNs}"} offset 15m) > 0)`,
      severity: Severity.Critical,
      summary: "A training JobSet failed",
      description: `JobSet {{ $labels.jobset_name }} in {{ $labels.${wns} }} failed after exhausting its restarts.`,
    },
    {
      name: "FinetuneKueueBacklog",
      expr: `sum by (cluster_queue) (${KUEUE_METRICS.pendingWorkloads}) >= ${num(t.kueuePendingWorkloads)}`,
      for: t.kueuePendingFor,
      severity: Severity.Warning,
      summary: "Workloads are waiting in a Kueue ClusterQueue",
      description: `ClusterQueue {{ $labels.cluster_queue }} has had {{ $value }} pending workloads for ${t.kueuePendingFor}: quota or spot capacity is short.`,
    },
    {
      name: "FinetuneServingLatencyHigh",
      expr: `histogram_quantile(0.95, sum by (le, namespace, model_name) (rate(${VLLM_METRICS.e2eLatencyBucket}{namespace=~"${serveNs}"}[5m]))) > ${num(t.servingP95LatencySeconds)}`,
      for: t.servingFor,
      severity: Severity.Warning,
      summary: "Serving p95 latency is above its objective",
      description: `Model {{ $labels.model_name }} in {{ $labels.namespace }} has p95 end-to-end latency {{ $value | humanizeDuration }} (objective ${num(t.servingP95LatencySeconds)} s).`,
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
    },
  ];
  if (t.gpuHoursBudget !== undefined) {
    alerts.push({
      name: "FinetuneGpuHoursOverBudget",
      expr: `sum_over_time(${RECORDING_RULES.gpusAllocated}[${t.gpuHoursBudgetWindow}]) * ${RECORDING_INTERVAL_SECONDS} / 3600 > ${num(t.gpuHoursBudget)}`,
      severity: Severity.Warning,
      summary: "GPU-hours over budget",
      description: `Training namespaces used {{ $value | humanize }} GPU-hours in the last ${t.gpuHoursBudgetWindow} (budget ${num(t.gpuHoursBudget)}).`,
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

/** Where an alert's data comes from (from the metric names its expression reads). */
export function alertSources(alert: AlertDefinition): MetricSource[] {
  const sources = new Set<MetricSource>();
  for (const name of metricNamesIn(alert.expr)) {
    const source = KIT_METRICS.get(name);
    if (!source) throw new Error(`alert ${alert.name} reads ${name}, which is not in KIT_METRICS (components/monitoring/metrics.ts)`);
    sources.add(source);
  }
  return [...sources].sort();
}
