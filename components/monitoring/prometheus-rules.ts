import { AlertDefinition, AlertScope, gpuAllocationRecordingExpr, RECORDING_INTERVAL_SECONDS, renderAlerts } from "./alerts";
import { RECORDING_RULES } from "./metrics";
import { AlertThresholds } from "./thresholds";

/**
 * Pure renderer of the kit's Prometheus rule file: `{ groups: [...] }`, exactly the `spec` of the
 * PrometheusRule object and a file `promtool check rules` accepts. No Pulumi here.
 */

/** One alerting rule as Prometheus writes it. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One recording rule. */
export interface RecordingRule {
  record: string;
  expr: string;
}

/** A rule group. */
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<AlertingRule | RecordingRule>;
}

/** A rule file (`groups:` document). */
export interface RuleFile {
  groups: RuleGroup[];
}

/** Which group each alert belongs to (facts in a table). */
const GROUP_OF: Record<string, string> = {
  FinetuneGpuIdleDuringTraining: "finetune.gpu",
  FinetuneGpuXidError: "finetune.gpu",
  FinetuneGpuEccDoubleBitError: "finetune.gpu",
  FinetuneGpuOverTemperature: "finetune.gpu",
  FinetuneTrainingStalled: "finetune.training",
  FinetuneTrainingLossNotFinite: "finetune.training",
  FinetuneCheckpointStale: "finetune.training",
  FinetuneSpotPreemptionsHigh: "finetune.training",
  FinetunePipelineFailed: "finetune.pipeline",
  FinetuneTrainingJobFailed: "finetune.pipeline",
  FinetuneKueueBacklog: "finetune.pipeline",
  FinetuneServingLatencyHigh: "finetune.serving",
  FinetuneServingErrorRateHigh: "finetune.serving",
  FinetuneGpuHoursOverBudget: "finetune.budget",
};

/** Options of {@link renderPrometheusRules}. */
export interface RenderRulesOptions {
  thresholds: AlertThresholds;
  scope: AlertScope;
  /** Extra labels on every alert (routing in Alertmanager). @default {} */
  extraLabels?: Record<string, string>;
}

/** An alert as a Prometheus alerting rule. */
export function toAlertingRule(a: AlertDefinition, extraLabels: Record<string, string> = {}): AlertingRule {
  const rule: AlertingRule = {
    alert: a.name,
    expr: a.expr,
    labels: { ...extraLabels, severity: a.severity, kit: "finetune" },
    annotations: { summary: a.summary, description: a.description },
  };
  if (a.for !== undefined) return { alert: rule.alert, expr: rule.expr, for: a.for, labels: rule.labels, annotations: rule.annotations };
  return rule;
}

/** The kit's rule file for these thresholds and scope. */
export function renderPrometheusRules(opts: RenderRulesOptions): RuleFile {
  const alerts = renderAlerts(opts.thresholds, opts.scope);
  const groups = new Map<string, RuleGroup>();
  const group = (name: string): RuleGroup => {
    let g = groups.get(name);
    if (!g) {
      g = { name, rules: [] };
      groups.set(name, g);
    }
    return g;
  };
  // Always recorded: the gpu-fleet dashboard's "GPUs allocated" panel reads it, with or without a GPU-hours budget.
  const budget = group("finetune.budget");
  budget.interval = `${RECORDING_INTERVAL_SECONDS}s`;
  budget.rules.push({ record: RECORDING_RULES.gpusAllocated, expr: gpuAllocationRecordingExpr(opts.scope) });
  for (const a of alerts) {
    const name = GROUP_OF[a.name];
    if (!name) throw new Error(`alert ${a.name} has no rule group (add it to GROUP_OF in components/monitoring/prometheus-rules.ts)`);
    group(name).rules.push(toAlertingRule(a, opts.extraLabels));
  }
  const order = ["finetune.gpu", "finetune.training", "finetune.pipeline", "finetune.serving", "finetune.budget"];
  return { groups: order.filter((n) => groups.has(n)).map((n) => groups.get(n) as RuleGroup) };
}
