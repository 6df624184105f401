import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { COLLECTOR_LABELS } from "../../components/monitoring/alerts";
import { CloudMonitoring, CloudMonitoringArgs } from "../../components/monitoring/cloud-monitoring";
import { renderAlertPolicies, renderCloudMonitoringDashboard, toCloudMonitoringTemplate } from "../../components/monitoring/cloud-monitoring-render";
import { KIT_METRICS, metricNamesIn } from "../../components/monitoring/metrics";
import { DEFAULT_THRESHOLDS } from "../../components/monitoring/thresholds";
import { ofType, one, runWithMocks } from "../harness";
import {
  alertPolicyInputsToApiJson,
  validateAlertPolicyInputs,
  validateCloudMonitoringDashboard,
  validateCloudMonitoringJson,
} from "../validators/cloud-monitoring";

const base: CloudMonitoringArgs = { project: "my-proj-123", trainingNamespaces: ["finetune"], alertEmails: ["ml@example.com"] };
const scope = { trainingNamespaces: ["finetune"], servingNamespaces: ["serving"], labels: COLLECTOR_LABELS.managedPrometheus };

async function run(args: CloudMonitoringArgs, name = "mon") {
  let c: CloudMonitoring | undefined;
  const result = await runWithMocks(() => {
    c = new CloudMonitoring(name, args);
    return { contract: c.contract, url: c.dashboardUrl, channels: c.notificationChannelNames };
  });
  return { ...result, component: c as CloudMonitoring };
}

function constructionError(args: CloudMonitoringArgs): string {
  try {
    new CloudMonitoring("mon", args);
  } catch (e) {
    expect(pulumi.InputPropertiesError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected construction to fail");
}

describe("CloudMonitoring", () => {
  it("creates one PromQL alert policy per alert whose data reaches Managed Prometheus, each valid against the official AlertPolicy proto", async () => {
    const { resources } = await run(base);
    const policies = ofType(resources, "gcp:monitoring/alertPolicy:AlertPolicy");
    expect(policies.map((p) => p.name).sort()).toEqual(
      [
        "mon-checkpoint-stale",
        "mon-gpu-ecc-double-bit-error",
        "mon-gpu-idle-during-training",
        "mon-gpu-over-temperature",
        "mon-gpu-xid-error",
        "mon-pipeline-failed",
        "mon-serving-error-rate-high",
        "mon-serving-latency-high",
        "mon-spot-preemptions-high",
        "mon-training-loss-not-finite",
        "mon-training-stalled",
      ].sort(),
    );
    const channel = one(resources, "gcp:monitoring/notificationChannel:NotificationChannel");
    for (const p of policies) {
      expect(validateAlertPolicyInputs(p.inputs)).toEqual([]);
      expect(p.inputs.notificationChannels).toEqual([channel.state.name]);
      expect(p.inputs.project).toBe("my-proj-123");
    }
    const idle = policies.find((p) => p.name === "mon-gpu-idle-during-training")!.inputs;
    expect(idle.conditions[0].conditionPrometheusQueryLanguage).toEqual({
      query: 'avg by (exported_namespace, exported_pod) (DCGM_FI_DEV_GPU_UTIL{exported_namespace=~"finetune", exported_pod!=""}) < 10',
      duration: "1800s",
      evaluationInterval: "60s",
      alertRule: "FinetuneGpuIdleDuringTraining",
      ruleGroup: "finetune",
      labels: { severity: "warning" },
    });
    expect(idle).toMatchObject({ combiner: "OR", severity: "WARNING", documentation: { mimeType: "text/markdown" } });
    expect(idle.documentation.content).toContain("${metric.label.exported_pod}");
  });

  it("leaves out alerts whose metrics do not reach Cloud Monitoring, and adds them when the sources do", async () => {
    const names = (sources: Parameters<typeof renderAlertPolicies>[0]["sources"]) =>
      renderAlertPolicies({ thresholds: DEFAULT_THRESHOLDS, scope, sources }).map((p) => p.id);
    expect(names(["dcgm", "training", "pushgateway", "argo", "vllm"])).not.toContain("kueue-backlog");
    expect(names(["dcgm", "training", "pushgateway", "argo", "vllm", "kueue", "jobset"])).toEqual(
      expect.arrayContaining(["kueue-backlog", "training-job-failed"]),
    );
    expect(names(["dcgm"])).toEqual(["gpu-idle-during-training", "gpu-xid-error", "gpu-ecc-double-bit-error", "gpu-over-temperature"]);
  });

  it("the dashboard is valid against the official Dashboard proto and reads only kit metrics", async () => {
    const { resources, outputs } = await run(base);
    const d = one(resources, "gcp:monitoring/dashboard:Dashboard");
    expect(validateCloudMonitoringDashboard(d.inputs.dashboardJson)).toEqual([]);
    const json = JSON.parse(d.inputs.dashboardJson);
    const queries: string[] = json.mosaicLayout.tiles.flatMap((t: any) =>
      (t.widget.xyChart?.dataSets ?? []).map((s: any) => s.timeSeriesQuery.prometheusQuery),
    );
    expect(queries.length).toBeGreaterThanOrEqual(9);
    for (const q of queries) for (const m of metricNamesIn(q)) expect(KIT_METRICS.has(m), m).toBe(true);
    expect(outputs.url).toBe("https://console.cloud.google.com/monitoring/dashboards/builder/mon-dashboard-id?project=my-proj-123");
  });

  it("channels: a Pub/Sub channel gets the notification agent as publisher; an existing channel becomes the alert target", async () => {
    const { resources } = await run({ ...base, alertEmails: [], notificationChannel: { type: "pubsub", topic: "projects/my-proj-123/topics/alerts" } });
    const ch = one(resources, "gcp:monitoring/notificationChannel:NotificationChannel");
    expect(ch.inputs).toMatchObject({ type: "pubsub", labels: { topic: "projects/my-proj-123/topics/alerts" } });
    expect(one(resources, "gcp:pubsub/topicIAMMember:TopicIAMMember").inputs).toMatchObject({
      role: "roles/pubsub.publisher",
      member: "serviceAccount:service-123456789012@gcp-sa-monitoring-notification.iam.gserviceaccount.com",
    });
    const existing = "projects/my-proj-123/notificationChannels/42";
    const r2 = await run({
      ...base,
      alertEmails: [],
      notificationChannel: { type: "existing", name: existing },
      pushgatewayUrl: "http://pg.monitoring.svc:9091",
    });
    expect(ofType(r2.resources, "gcp:monitoring/notificationChannel:NotificationChannel")).toHaveLength(0);
    for (const p of ofType(r2.resources, "gcp:monitoring/alertPolicy:AlertPolicy")) expect(p.inputs.notificationChannels).toEqual([existing]);
    expect(r2.outputs.contract).toEqual({
      platform: "cloud-monitoring",
      selectorLabels: {},
      alertTarget: existing,
      pushgatewayUrl: "http://pg.monitoring.svc:9091",
    });
  });

  it("creates a billing budget for the project with threshold rules that notify the channels", async () => {
    const { resources } = await run({ ...base, billingAccount: "012345-6789AB-CDEF01", budgetAmountUsd: 10000, budgetThresholdsPercent: [50, 90] });
    const budget = one(resources, "gcp:billing/budget:Budget").inputs;
    const channel = one(resources, "gcp:monitoring/notificationChannel:NotificationChannel");
    expect(budget).toMatchObject({
      billingAccount: "012345-6789AB-CDEF01",
      budgetFilter: { projects: ["projects/123456789012"] },
      amount: { specifiedAmount: { currencyCode: "USD", units: "10000" } },
      thresholdRules: [
        { thresholdPercent: 0.5, spendBasis: "CURRENT_SPEND" },
        { thresholdPercent: 0.9, spendBasis: "CURRENT_SPEND" },
        { thresholdPercent: 1, spendBasis: "FORECASTED_SPEND" },
      ],
      allUpdatesRule: { monitoringNotificationChannels: [channel.state.name] },
    });
    expect(ofType((await run(base)).resources, "gcp:billing/budget:Budget")).toHaveLength(0);
  });

  it("reports every argument problem at once", () => {
    expect(constructionError({ project: "X", trainingNamespaces: [], budgetAmountUsd: 100, thresholds: { gpuIdleFor: "forever" } }).split("\n")).toEqual([
      'CloudMonitoring "mon" has invalid arguments (5 problems):',
      "  project: \"X\" is not a GCP project id (6-30 lowercase letters, digits, '-')",
      "  trainingNamespaces: is empty (list the namespaces the pipelines run in)",
      '  thresholds.gpuIdleFor: "forever" is not a Prometheus duration (write it like "30m", "2h", "1h30m" or "7d"; units ms, s, m, h, d, w, y)',
      "  notificationChannel: is missing and alertEmails is empty (alerts would reach nobody; set a notification channel or at least one alert email)",
      "  billingAccount: is required when budgetAmountUsd is set (set the billing account id, e.g. 012345-6789AB-CDEF01)",
    ]);
  });

  it("translates alert templates into Cloud Monitoring documentation variables", () => {
    expect(toCloudMonitoringTemplate("Pod {{ $labels.namespace }}/{{ $labels.pod }} at {{ $value | humanize }}%")).toBe(
      "Pod ${metric.label.namespace}/${metric.label.pod} at the observed value%",
    );
  });
});

describe("Cloud Monitoring validator (official protos)", () => {
  const policy = () => {
    const { id: _id, ...p } = renderAlertPolicies({ thresholds: DEFAULT_THRESHOLDS, scope, sources: ["dcgm"] })[0];
    return JSON.parse(JSON.stringify({ ...p, project: "my-proj-123", notificationChannels: ["projects/my-proj-123/notificationChannels/1"] }));
  };
  const dashboard = () => JSON.parse(JSON.stringify(renderCloudMonitoringDashboard({ scope, thresholds: DEFAULT_THRESHOLDS })));

  it("maps Pulumi inputs to the API shape (project dropped, notificationChannelStrategies renamed)", () => {
    const api = alertPolicyInputsToApiJson({
      project: "p",
      displayName: "d",
      alertStrategy: { autoClose: "60s", notificationChannelStrategies: [{ renotifyInterval: "3600s", notificationChannelNames: ["n"] }] },
    });
    expect(api).toEqual({
      displayName: "d",
      alertStrategy: { autoClose: "60s", notificationChannelStrategy: [{ renotifyInterval: "3600s", notificationChannelNames: ["n"] }] },
    });
    expect(validateCloudMonitoringJson("google.monitoring.v3.AlertPolicy", api)).toEqual([]);
  });

  const plantedPolicy: Array<[string, (p: any) => void, string]> = [
    ["unknown field", (p) => (p.displayname = "x"), 'AlertPolicy.displayname: unknown field of AlertPolicy (did you mean "displayName"?)'],
    [
      "bad combiner",
      (p) => (p.combiner = "ANY"),
      'AlertPolicy.combiner: "ANY" is not a ConditionCombinerType (use one of COMBINE_UNSPECIFIED, AND, OR, AND_WITH_MATCHING_RESOURCE)',
    ],
    [
      "bad severity",
      (p) => (p.severity = "HIGH"),
      'AlertPolicy.severity: "HIGH" is not a Severity (use one of SEVERITY_UNSPECIFIED, CRITICAL, ERROR, WARNING)',
    ],
    [
      "duration without unit",
      (p) => (p.conditions[0].conditionPrometheusQueryLanguage.duration = "1800"),
      'AlertPolicy.conditions[0].conditionPrometheusQueryLanguage.duration: expected a Duration like "60s", got "1800"',
    ],
    [
      "missing query",
      (p) => delete p.conditions[0].conditionPrometheusQueryLanguage.query,
      "AlertPolicy.conditions[0].conditionPrometheusQueryLanguage.query: is required by PrometheusQueryLanguageCondition",
    ],
    [
      "two condition kinds",
      (p) => (p.conditions[0].conditionAbsent = { duration: "60s" }),
      "AlertPolicy.conditions[0]: sets conditionAbsent and conditionPrometheusQueryLanguage, which are one of Condition.condition (keep one)",
    ],
    ["label value not a string", (p) => (p.userLabels.owner = 7), 'AlertPolicy.userLabels["owner"]: expected a string, got 7'],
    [
      "channels not a list",
      (p) => (p.notificationChannels = "projects/p/notificationChannels/1"),
      'AlertPolicy.notificationChannels: expected a list, got "projects/p/notificationChannels/1"',
    ],
    [
      "bad timestamp in a nested message",
      (p) => (p.creationRecord = { mutateTime: "yesterday" }),
      'AlertPolicy.creationRecord.mutateTime: expected an RFC 3339 timestamp, got "yesterday"',
    ],
  ];
  it.each(plantedPolicy)("rejects an alert policy with %s", (_t, plant, expected) => {
    const p = policy();
    expect(validateAlertPolicyInputs(p)).toEqual([]);
    plant(p);
    expect(validateAlertPolicyInputs(p)).toContain(expected);
  });

  const plantedDashboard: Array<[string, (d: any) => void, string]> = [
    [
      "unknown widget field",
      (d) => (d.mosaicLayout.tiles[1].widget.xychart = {}),
      'Dashboard.mosaicLayout.tiles[1].widget.xychart: unknown field of Widget (did you mean "xyChart"?)',
    ],
    [
      "bad plot type",
      (d) => (d.mosaicLayout.tiles[1].widget.xyChart.dataSets[0].plotType = "CURVE"),
      'Dashboard.mosaicLayout.tiles[1].widget.xyChart.dataSets[0].plotType: "CURVE" is not a PlotType (use one of PLOT_TYPE_UNSPECIFIED, LINE, STACKED_AREA, STACKED_BAR, HEATMAP)',
    ],
    [
      "tile width not an integer",
      (d) => (d.mosaicLayout.tiles[1].width = "half"),
      'Dashboard.mosaicLayout.tiles[1].width: expected an integer (int32), got "half"',
    ],
    [
      "two widget kinds",
      (d) => (d.mosaicLayout.tiles[0].widget.xyChart = { dataSets: [] }),
      "Dashboard.mosaicLayout.tiles[0].widget: sets xyChart and text, which are one of Widget.content (keep one)",
    ],
    ["missing display name", (d) => delete d.displayName, "Dashboard.displayName: is required by Dashboard"],
  ];
  it.each(plantedDashboard)("rejects a dashboard with %s", (_t, plant, expected) => {
    const d = dashboard();
    expect(validateCloudMonitoringDashboard(d)).toEqual([]);
    plant(d);
    expect(validateCloudMonitoringDashboard(d)).toContain(expected);
  });
});
