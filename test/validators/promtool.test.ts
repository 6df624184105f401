import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { promtoolCheckRules, promtoolTestRules, requirePromtool, rulesYamlOf } from "./promtool";

// The real promtool (Debian package prometheus 2.42). Missing promtool fails these tests with install steps.

const rules = `groups:
  - name: training
    rules:
      - alert: TrainingStalled
        expr: sum by (job) (rate(train_steps_total[5m])) == 0
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: "Training job {{ $labels.job }} made no progress for 10m"
      - record: job:train_steps:rate5m
        expr: sum by (job) (rate(train_steps_total[5m]))
`;

const unitTest = (expectedSeverity: string) => `rule_files:
  - training.rules.yaml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'train_steps_total{job="finetune"}'
        values: '0+10x10 100x30'
    alert_rule_test:
      - eval_time: 5m
        alertname: TrainingStalled
        exp_alerts: []
      - eval_time: 30m
        alertname: TrainingStalled
        exp_alerts:
          - exp_labels:
              severity: ${expectedSeverity}
              job: finetune
            exp_annotations:
              summary: "Training job finetune made no progress for 10m"
`;

describe("promtool", () => {
  it("is installed (otherwise: apt-get install -y prometheus)", () => {
    expect(requirePromtool()).toMatch(/promtool$/);
  });

  it("check rules accepts a good rule file", () => {
    const r = promtoolCheckRules(rules);
    expect(r.output).toContain("SUCCESS: 2 rules found");
    expect(r.ok).toBe(true);
  });

  it("check rules rejects a bad PromQL duration (5mm)", () => {
    const r = promtoolCheckRules(rules.replace("[5m])) == 0", "[5mm])) == 0"));
    expect(r.ok).toBe(false);
    expect(r.output).toContain("FAILED");
    expect(r.output).toContain('"TrainingStalled": could not parse expression: 1:38: parse error: bad duration syntax: "5mm"');
  });

  it("check rules rejects a rule without expr and an unknown rule field", () => {
    const r = promtoolCheckRules(`groups:\n  - name: g\n    rules:\n      - alert: A\n        exprr: up == 0\n`);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("field exprr not found");
  });

  it("checks a PrometheusRule object through its spec (rulesYamlOf)", () => {
    const obj = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "training" }, spec: parse(rules) };
    expect(promtoolCheckRules(rulesYamlOf(obj))).toMatchObject({ ok: true });
    obj.spec.groups[0].rules[1].expr = "sum by (job) (rate(train_steps_total[5m])";
    const r = promtoolCheckRules(rulesYamlOf(obj));
    expect(r.ok).toBe(false);
    expect(r.output).toContain("unclosed left parenthesis");
    expect(() => rulesYamlOf({ kind: "ConfigMap" })).toThrow('rulesYamlOf: expected a PrometheusRule with spec.groups (got kind "ConfigMap")');
  });

  it("test rules passes when the expected alert fires", () => {
    const r = promtoolTestRules(unitTest("warning"), { "training.rules.yaml": rules });
    expect(r.output).toContain("SUCCESS");
    expect(r.ok).toBe(true);
  });

  it("test rules fails when the expected alert is wrong (severity)", () => {
    const r = promtoolTestRules(unitTest("critical"), { "training.rules.yaml": rules });
    expect(r.ok).toBe(false);
    expect(r.output).toContain("FAILED");
    expect(r.output).toContain("alertname: TrainingStalled");
  });
});
