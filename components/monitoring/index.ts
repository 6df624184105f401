export * from "../../core/contracts/monitoring";
export {
  PrometheusMonitoring,
  PrometheusMode,
  resolvePrometheusMonitoring,
  renderPrometheusMonitoringObjects,
  prometheusRulesOf,
  prometheusContractOf,
} from "./prometheus";
export type { PrometheusMonitoringArgs, ResolvedPrometheusMonitoring } from "./prometheus";
export { CloudWatchMonitoring, cloudWatchArgProblems } from "./cloudwatch";
export type { CloudWatchMonitoringArgs, BudgetCostTag } from "./cloudwatch";
export { CloudMonitoring, cloudMonitoringArgProblems } from "./cloud-monitoring";
export { NotificationChannelType, CLOUD_MONITORING_INPUT_ARGS, CLOUD_MONITORING_PLAIN_ARGS } from "./cloud-monitoring";
export type { CloudMonitoringArgs, NotificationChannelSpec } from "./cloud-monitoring";
export { renderAlerts, alertSources, COLLECTOR_LABELS, Severity } from "./alerts";
export type { AlertDefinition, AlertScope, CollectorLabels } from "./alerts";
export { renderPrometheusRules } from "./prometheus-rules";
export type { RuleFile, RuleGroup, AlertingRule, RecordingRule } from "./prometheus-rules";
export { DEFAULT_THRESHOLDS, THRESHOLD_LIMITS, thresholdProblems, withDefaultThresholds, durationSeconds } from "./thresholds";
export type { AlertThresholds } from "./thresholds";
export {
  KIT_METRICS,
  DCGM_METRICS,
  KUEUE_METRICS,
  JOBSET_METRICS,
  ARGO_METRICS,
  VLLM_METRICS,
  KSM_METRICS,
  RECORDING_RULES,
  metricNamesIn,
  MetricSource,
} from "./metrics";
export { GRAFANA_DASHBOARDS } from "./dashboards";
export { pushgatewayUrl, renderPushgateway } from "./kubernetes-manifests";
export { renderCloudWatchDashboard, renderAlarms, FAILURE_EVENT_PATTERNS, monitoringKeyPolicy, alertTopicPolicy } from "./cloudwatch-render";
export { renderAlertPolicies, renderCloudMonitoringDashboard, MANAGED_PROMETHEUS_SOURCES } from "./cloud-monitoring-render";
export { CLOUDWATCH_LOG_RETENTION_DAYS, logRetentionProblem, SAGEMAKER_CLOUDWATCH } from "./cloudwatch-facts";
export {
  sageMakerMetricDefinitions,
  trainingLogLine,
  trainingMetricsEnv,
  pushgatewayGroupPath,
  TRAINING_PUSH_JOB,
  TRAINING_LOG_KEYS,
  TRAINING_LOG_PREFIX,
  SAGEMAKER_METRIC_NAMES,
  TRAINING_METRICS_ENV,
} from "../../pipelines/training-metrics";
export type { SageMakerMetricDefinition, TrainingLogValues } from "../../pipelines/training-metrics";
