/** Platforms the kit's monitoring runs on. */
export const MonitoringPlatform = {
  /** kube-prometheus-stack in the cluster. */
  Prometheus: "prometheus",
  /** Amazon CloudWatch. */
  CloudWatch: "cloudwatch",
  /** Google Cloud Monitoring (with Managed Prometheus). */
  CloudMonitoring: "cloud-monitoring",
} as const;
export type MonitoringPlatform = (typeof MonitoringPlatform)[keyof typeof MonitoringPlatform];

/** What monitoring tells the other capabilities. */
export interface MonitoringContract {
  /** Platform the monitoring runs on. */
  platform: MonitoringPlatform;
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
  /**
   * Namespaces whose pods scrape metrics endpoints (Prometheus, or GKE Managed Prometheus' collectors in
   * `gmp-system`): NetworkPolicies must admit them to the ports they scrape. @default - `[namespace]`
   */
  scraperNamespaces?: string[];
}

/**
 * Metrics the training stage exports (pushed to the Pushgateway on Kubernetes, emitted as SageMaker metric
 * definitions on AWS). Labels on every series: `pipeline`, `run_id`. Alerts and dashboards use these names.
 */
export const TRAINING_METRICS = {
  /** Gauge: optimizer step reached. */
  step: "finetune_training_step",
  /** Gauge: latest training loss. */
  loss: "finetune_training_loss",
  /** Gauge: latest validation loss. */
  validationLoss: "finetune_validation_loss",
  /** Gauge: training throughput in tokens per second. */
  tokensPerSecond: "finetune_training_tokens_per_second",
  /** Gauge: unix time of the last checkpoint written to the object store. */
  lastCheckpoint: "finetune_checkpoint_last_success_timestamp_seconds",
  /** Gauge: unix time of the last push (staleness tells a stalled trainer from a finished one). */
  lastPush: "finetune_training_last_push_timestamp_seconds",
  /** Counter: restarts of the training job resumed from a checkpoint (spot preemptions and failures). */
  resumes: "finetune_training_resumes_total",
  /** Gauge: evaluation metric value, label `metric`, `suite` (task | general | safety). */
  evalScore: "finetune_eval_score",
  /** Gauge: 1 when the evaluation gate passed, 0 when it failed. */
  evalGatePassed: "finetune_eval_gate_passed",
} as const;
