import { stringify } from "yaml";
import { COLLECTOR_LABELS } from "../../components/monitoring/alerts";
import { renderPrometheusRules, RuleFile } from "../../components/monitoring/prometheus-rules";
import { withDefaultThresholds } from "../../components/monitoring/thresholds";

/**
 * The "rule test profile" the promtool unit tests in components/monitoring/rules/tests/ are written against:
 * default thresholds plus a 10 GPU-hour budget, training namespace `finetune`, serving namespace
 * `finetune-serving`, labels as the kit's own Prometheus collects them.
 */
export const RULE_TEST_PROFILE = {
  thresholds: withDefaultThresholds({ gpuHoursBudget: 10 }),
  scope: { trainingNamespaces: ["finetune"], servingNamespaces: ["finetune-serving"], labels: COLLECTOR_LABELS.prometheus },
};

/** The rule file of the profile. */
export function profileRules(): RuleFile {
  return renderPrometheusRules(RULE_TEST_PROFILE);
}

/** A rule file as promtool reads it. */
export function rulesYaml(rules: RuleFile): string {
  return stringify(rules, { lineWidth: 0 });
}
