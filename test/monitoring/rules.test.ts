import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertSources, COLLECTOR_LABELS, renderAlerts } from "../../components/monitoring/alerts";
import { KIT_METRICS, metricNamesIn } from "../../components/monitoring/metrics";
import { renderPrometheusRules } from "../../components/monitoring/prometheus-rules";
import { DEFAULT_THRESHOLDS, withDefaultThresholds } from "../../components/monitoring/thresholds";
import { promtoolCheckRules, promtoolTestRules, requirePromtool } from "../validators/promtool";
import { profileRules, RULE_TEST_PROFILE, rulesYaml } from "./rule-profile";

const TESTS_DIR = path.join(__dirname, "../../components/monitoring/rules/tests");
const testFiles = fs.readdirSync(TESTS_DIR).filter((f) => f.endsWith(".test.yaml"));

interface PromtoolCase {
  name: string;
  alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }>;
}

describe("Prometheus rules", () => {
  beforeAll(() => {
    requirePromtool();
  });

  it("the issue's alerts are all in the catalog", () => {
    const names = profileRules().groups.flatMap((g) => g.rules.map((r) => ("alert" in r ? r.alert : r.record)));
    expect(names).toEqual([
      "FinetuneGpuIdleDuringTraining",
      "FinetuneGpuXidError",
      "FinetuneGpuEccDoubleBitError",
      "FinetuneGpuOverTemperature",
      "FinetuneTrainingStalled",
      "FinetuneTrainingLossNotFinite",
      "FinetuneCheckpointStale",
      "FinetuneSpotPreemptionsHigh",
      "FinetunePipelineFailed",
      "FinetuneTrainingJobFailed",
      "FinetuneKueueBacklog",
      "FinetuneServingLatencyHigh",
      "FinetuneServingErrorRateHigh",
      "finetune:gpus_allocated:sum",
      "FinetuneGpuHoursOverBudget",
    ]);
  });

  it("passes promtool check rules with defaults, with the test profile and with custom thresholds", () => {
    const variants = [
      renderPrometheusRules({ ...RULE_TEST_PROFILE, thresholds: withDefaultThresholds({}) }),
      profileRules(),
      renderPrometheusRules({
        thresholds: withDefaultThresholds({
          gpuIdleUtilizationPercent: 2.5,
          gpuIdleFor: "1h30m",
          gpuTemperatureCelsius: 95,
          trainingStalledAfter: "2h",
          gpuHoursBudget: 5000,
          gpuHoursBudgetWindow: "7d",
        }),
        scope: { trainingNamespaces: ["team-a", "team-b"], servingNamespaces: ["serving"], labels: COLLECTOR_LABELS.managedPrometheus },
        extraLabels: { team: "ml-platform" },
      }),
    ];
    for (const v of variants) {
      const result = promtoolCheckRules(rulesYaml(v));
      expect(result.output).toContain("SUCCESS");
      expect(result.ok).toBe(true);
    }
  });

  it("promtool check rules rejects a broken expression (the check is real)", () => {
    const broken = profileRules();
    (broken.groups[0].rules[0] as { expr: string }).expr = "avg by (pod (DCGM_FI_DEV_GPU_UTIL)";
    expect(promtoolCheckRules(rulesYaml(broken)).ok).toBe(false);
  });

  it("every promtool unit test in rules/tests passes against the rendered rules", () => {
    expect(testFiles.length).toBeGreaterThan(0);
    for (const f of testFiles) {
      const result = promtoolTestRules(fs.readFileSync(path.join(TESTS_DIR, f), "utf8"), { "finetune.rules.yaml": rulesYaml(profileRules()) });
      expect(result.output).toContain("SUCCESS");
      expect(result.ok).toBe(true);
    }
  });

  it("every alert has a case that shows it firing and one that shows it not firing", () => {
    const cases = testFiles.flatMap((f) => (parse(fs.readFileSync(path.join(TESTS_DIR, f), "utf8")) as { tests: PromtoolCase[] }).tests);
    const alerts = profileRules().groups.flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [r.alert] : [])));
    const missing: string[] = [];
    for (const a of alerts) {
      const evals = cases.flatMap((c) => c.alert_rule_test ?? []).filter((t) => t.alertname === a);
      if (!evals.some((t) => (t.exp_alerts ?? []).length > 0)) missing.push(`${a}: no firing case`);
      if (!evals.some((t) => (t.exp_alerts ?? []).length === 0)) missing.push(`${a}: no not-firing case`);
    }
    expect(missing).toEqual([]);
  });

  it("the unit tests catch a wrong threshold (a changed rule fails its firing case)", () => {
    const changed = renderPrometheusRules({ ...RULE_TEST_PROFILE, thresholds: withDefaultThresholds({ gpuHoursBudget: 10, gpuTemperatureCelsius: 95 }) });
    const result = promtoolTestRules(fs.readFileSync(path.join(TESTS_DIR, "finetune-alerts.test.yaml"), "utf8"), { "finetune.rules.yaml": rulesYaml(changed) });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("FinetuneGpuOverTemperature");
  });

  it("thresholds from config land in the expressions", () => {
    const t = withDefaultThresholds({
      gpuIdleUtilizationPercent: 7,
      gpuIdleFor: "45m",
      gpuTemperatureCelsius: 92,
      servingP95LatencySeconds: 2.5,
      servingErrorRatePercent: 1,
      kueuePendingWorkloads: 4,
      kueuePendingFor: "2h",
      preemptionsPerHour: 6,
    });
    const byName = Object.fromEntries(renderAlerts(t, RULE_TEST_PROFILE.scope).map((a) => [a.name, a]));
    expect(byName.FinetuneGpuIdleDuringTraining.expr).toBe('avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{namespace=~"finetune", pod!=""}) < 7');
    expect(byName.FinetuneGpuIdleDuringTraining.for).toBe("45m");
    expect(byName.FinetuneGpuOverTemperature.expr).toBe("max by (Hostname, gpu, UUID) (DCGM_FI_DEV_GPU_TEMP) > 92");
    expect(byName.FinetuneServingLatencyHigh.expr).toMatch(/\) > 2\.5$/);
    expect(byName.FinetuneServingErrorRateHigh.expr).toMatch(/> 1$/);
    expect(byName.FinetuneKueueBacklog).toMatchObject({ expr: "sum by (cluster_queue) (kueue_pending_workloads) >= 4", for: "2h" });
    expect(byName.FinetuneSpotPreemptionsHigh.expr).toBe("sum by (pipeline, run_id) (increase(finetune_training_resumes_total[1h])) > 6");
    expect(byName.FinetuneGpuHoursOverBudget).toBeUndefined();
  });

  it("uses the exported_* labels under Managed Service for Prometheus", () => {
    const byName = Object.fromEntries(
      renderAlerts(DEFAULT_THRESHOLDS, { ...RULE_TEST_PROFILE.scope, labels: COLLECTOR_LABELS.managedPrometheus }).map((a) => [a.name, a]),
    );
    expect(byName.FinetuneGpuIdleDuringTraining.expr).toContain('exported_namespace=~"finetune", exported_pod!=""');
    expect(byName.FinetunePipelineFailed.expr).toContain("sum by (exported_namespace)");
  });

  it("every rule reads only metrics of the kit's metric list, with known sources", () => {
    for (const g of profileRules().groups) {
      for (const r of g.rules) {
        for (const m of metricNamesIn(r.expr)) expect(KIT_METRICS.has(m), `${"alert" in r ? r.alert : r.record} reads ${m}`).toBe(true);
      }
    }
    const sources = Object.fromEntries(renderAlerts(RULE_TEST_PROFILE.thresholds, RULE_TEST_PROFILE.scope).map((a) => [a.name, alertSources(a)]));
    expect(sources.FinetuneGpuXidError).toEqual(["dcgm"]);
    expect(sources.FinetuneTrainingStalled).toEqual(["training"]);
    expect(sources.FinetuneKueueBacklog).toEqual(["kueue"]);
    expect(sources.FinetuneGpuHoursOverBudget).toEqual(["recording-rule"]);
  });

  it("metricNamesIn finds metric names and skips functions, labels and keywords", () => {
    expect(metricNamesIn('sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket{namespace=~"a|b"}[5m])) > 1')).toEqual([
      "vllm:e2e_request_latency_seconds_bucket",
    ]);
    expect(metricNamesIn("time() - max by (pipeline) (finetune_training_last_push_timestamp_seconds) > 60 or abs(x) == Inf")).toEqual([
      "finetune_training_last_push_timestamp_seconds",
      "x",
    ]);
  });
});
