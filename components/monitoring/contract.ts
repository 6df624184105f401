/** What monitoring tells the other capabilities. */
export interface MonitoringContract {
  /** Platform the monitoring runs on. */
  platform: "prometheus" | "cloudwatch" | "cloud-monitoring";
  /** Labels a ServiceMonitor/PodMonitor/PrometheusRule must carry to be picked up (e.g. `release: kube-prometheus-stack`). */
  selectorLabels: Record<string, string>;
  /** Namespace where monitoring objects live. */
  namespace?: string;
  /** Where training pods push step/loss/tokens-per-second metrics (Pushgateway URL), when the platform uses one. */
  pushgatewayUrl?: string;
  /** Alert destination: SNS topic ARN, notification channel id, or Alertmanager receiver. */
  alertTarget?: string;
  /** Label Grafana's sidecar watches for dashboard ConfigMaps. */
  dashboardLabel?: Record<string, string>;
}
