import { AlertDefinition, alertSources, AlertScope, renderAlerts } from "./alerts";
import { DCGM_METRICS, MetricSource, VLLM_METRICS } from "./metrics";
import { TRAINING_METRICS } from "../../core/contracts/monitoring";
import { AlertThresholds, durationSeconds } from "./thresholds";

/**
 * Pure renderers for Cloud Monitoring (GCP): alert policies with PromQL conditions over Managed Service for
 * Prometheus (the same alert catalog as the PrometheusRules), and the dashboard JSON. Plain objects shaped like
 * the Pulumi `gcp.monitoring.AlertPolicy` inputs / the Dashboard API message; no Pulumi here.
 */

/** Metric sources Managed Service for Prometheus has on a kit GKE cluster: GKE-managed DCGM, the Pushgateway, Argo, vLLM. */
export const MANAGED_PROMETHEUS_SOURCES: readonly MetricSource[] = ["dcgm", "training", "pushgateway", "argo", "vllm"];

/** Cloud Monitoring severity of each kit severity. */
const SEVERITY = { critical: "CRITICAL", warning: "WARNING" } as const;

/** An alert policy as plain `gcp.monitoring.AlertPolicyArgs` (without `notificationChannels`, which are outputs). */
export interface AlertPolicySpec {
  /** Suffix of the resource name. */
  id: string;
  displayName: string;
  combiner: "OR";
  severity: "CRITICAL" | "WARNING";
  userLabels: Record<string, string>;
  documentation: { subject: string; content: string; mimeType: "text/markdown" };
  alertStrategy: { autoClose: string };
  conditions: Array<{
    displayName: string;
    conditionPrometheusQueryLanguage: {
      query: string;
      duration: string;
      evaluationInterval: string;
      alertRule: string;
      ruleGroup: string;
      labels: Record<string, string>;
    };
  }>;
}

/** Prometheus alert templates → Cloud Monitoring documentation variables (`{{ $labels.x }}` → `${metric.label.x}`). */
export function toCloudMonitoringTemplate(text: string): string {
  return text.replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, "$${metric.label.$1}").replace(/\{\{\s*\$value[^}]*\}\}/g, "the observed value");
}

/** `AlertName` → `alert-name`. */
function kebab(name: string): string {
  return name
    .replace(/^Finetune/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

/** Options of {@link renderAlertPolicies}. */
export interface AlertPolicyOptions {
  thresholds: AlertThresholds;
  scope: AlertScope;
  /** Metric sources that reach Cloud Monitoring; alerts needing others are left out. */
  sources: readonly MetricSource[];
}

/** The alerts that can run on these sources. */
export function alertsFor(o: AlertPolicyOptions): AlertDefinition[] {
  return renderAlerts(o.thresholds, o.scope).filter((a) => alertSources(a).every((s) => o.sources.includes(s)));
}

/** One alert policy per alert whose data reaches Cloud Monitoring. */
export function renderAlertPolicies(o: AlertPolicyOptions): AlertPolicySpec[] {
  return alertsFor(o).map((a) => ({
    id: kebab(a.name),
    displayName: `Fine-tuning: ${a.summary}`,
    combiner: "OR",
    severity: SEVERITY[a.severity],
    userLabels: { kit: "finetune", severity: a.severity },
    documentation: { subject: `[finetune] ${a.summary}`, content: toCloudMonitoringTemplate(a.description), mimeType: "text/markdown" },
    alertStrategy: { autoClose: "1800s" },
    conditions: [
      {
        displayName: a.summary,
        conditionPrometheusQueryLanguage: {
          query: a.expr,
          duration: `${durationSeconds(a.for ?? "0s") ?? 0}s`,
          evaluationInterval: "60s",
          alertRule: a.name,
          ruleGroup: "finetune",
          labels: { severity: a.severity },
        },
      },
    ],
  }));
}

/** Options of {@link renderCloudMonitoringDashboard}. */
export interface CloudMonitoringDashboardOptions {
  scope: AlertScope;
  thresholds: AlertThresholds;
}

/** The Cloud Monitoring dashboard (Dashboard API JSON, mosaic layout of 48 columns) over Managed Prometheus. */
export function renderCloudMonitoringDashboard(o: CloudMonitoringDashboardOptions): Record<string, unknown> {
  const { gpuPod, gpuNamespace, workloadNamespace } = o.scope.labels;
  const trainNs = o.scope.trainingNamespaces.join("|");
  const serveNs = o.scope.servingNamespaces.join("|");
  const chart = (title: string, queries: string[], unit: string, threshold?: number) => ({
    title,
    xyChart: {
      dataSets: queries.map((q) => ({ timeSeriesQuery: { prometheusQuery: q, unitOverride: unit }, plotType: "LINE", targetAxis: "Y1" })),
      yAxis: { label: unit, scale: "LINEAR" },
      chartOptions: { mode: "COLOR" },
      ...(threshold !== undefined ? { thresholds: [{ value: threshold, color: "YELLOW", direction: "ABOVE", targetAxis: "Y1" }] } : {}),
    },
  });
  const widgets: Array<Record<string, unknown>> = [
    {
      title: "Fine-tuning",
      text: {
        content:
          "GPU fleet, training runs (Pushgateway), pipelines (Argo) and serving (vLLM), from Managed Service for Prometheus. Alert thresholds: `finetune:monitoring.thresholds`.",
        format: "MARKDOWN",
      },
    },
    chart(
      "GPU utilisation of training pods (%)",
      [`avg by (${gpuNamespace}, ${gpuPod}) (${DCGM_METRICS.gpuUtil}{${gpuNamespace}=~"${trainNs}"})`],
      "%",
      undefined,
    ),
    chart("GPU memory used (MiB)", [`sum by (Hostname) (${DCGM_METRICS.fbUsed})`], "MiBy"),
    chart("GPU temperature (°C)", [`max by (Hostname) (${DCGM_METRICS.gpuTemp})`], "Cel", o.thresholds.gpuTemperatureCelsius),
    chart("Training loss", [`max by (pipeline, run_id) (${TRAINING_METRICS.loss})`, `max by (pipeline, run_id) (${TRAINING_METRICS.validationLoss})`], "1"),
    chart("Training throughput (tokens/s)", [`sum by (pipeline, run_id) (${TRAINING_METRICS.tokensPerSecond})`], "1/s"),
    chart(
      "Checkpoint age (s)",
      [`time() - max by (pipeline, run_id) (${TRAINING_METRICS.lastCheckpoint})`],
      "s",
      durationSeconds(o.thresholds.checkpointMaxAge),
    ),
    chart("Failed workflows (1h)", [`sum by (${workloadNamespace}) (increase(argo_workflows_total_count{phase=~"Failed|Error"}[1h]))`], "1"),
    chart(
      "Serving p95 latency (s)",
      [`histogram_quantile(0.95, sum by (le, model_name) (rate(${VLLM_METRICS.e2eLatencyBucket}{namespace=~"${serveNs}"}[5m])))`],
      "s",
      o.thresholds.servingP95LatencySeconds,
    ),
    chart(
      "Serving 5xx (%)",
      [
        `100 * sum by (namespace) (rate(${VLLM_METRICS.httpRequests}{namespace=~"${serveNs}", status="5xx"}[5m])) / sum by (namespace) (rate(${VLLM_METRICS.httpRequests}{namespace=~"${serveNs}"}[5m]))`,
      ],
      "%",
      o.thresholds.servingErrorRatePercent,
    ),
  ];
  const tiles = widgets.map((widget, i) =>
    i === 0
      ? { xPos: 0, yPos: 0, width: 48, height: 4, widget }
      : { xPos: ((i - 1) % 2) * 24, yPos: 4 + Math.floor((i - 1) / 2) * 16, width: 24, height: 16, widget },
  );
  return { displayName: "Fine-tuning", mosaicLayout: { columns: 48, tiles }, labels: { finetune: "" } };
}
