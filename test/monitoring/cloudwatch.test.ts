import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CloudWatchMonitoring, CloudWatchMonitoringArgs } from "../../components/monitoring/cloudwatch";
import { renderCloudWatchDashboard } from "../../components/monitoring/cloudwatch-render";
import { DEFAULT_THRESHOLDS } from "../../components/monitoring/thresholds";
import { ofType, one, runWithMocks } from "../harness";
import { validateCloudWatchDashboard } from "../validators/cloudwatch";

const base: CloudWatchMonitoringArgs = { region: "us-east-1", accountId: "123456789012" };

async function run(args: CloudWatchMonitoringArgs, name = "mon") {
  let c: CloudWatchMonitoring | undefined;
  const result = await runWithMocks(() => {
    c = new CloudWatchMonitoring(name, args);
    return { contract: c.contract, topic: c.alertTopicArn, url: c.dashboardUrl };
  });
  return { ...result, component: c as CloudWatchMonitoring };
}

function constructionError(args: CloudWatchMonitoringArgs): string {
  try {
    new CloudWatchMonitoring("mon", args);
  } catch (e) {
    expect(pulumi.InputPropertiesError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected construction to fail");
}

describe("CloudWatchMonitoring", () => {
  it("creates a rotating protected KMS key whose policy lets CloudWatch, EventBridge, Budgets and Logs use it, with exact actions", async () => {
    const { resources } = await run(base);
    const key = one(resources, "aws:kms/key:Key");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    expect(key.protect).toBe(true);
    expect(key.retainOnDelete).toBe(true);
    const policy = JSON.parse(key.inputs.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.AlertPublishersEncrypt.Principal.Service).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"]);
    expect(bySid.AlertPublishersEncrypt.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "123456789012" } });
    expect(bySid.CloudWatchLogsEncrypt.Principal.Service).toBe("logs.us-east-1.amazonaws.com");
    expect(bySid.CloudWatchLogsEncrypt.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws:logs:us-east-1:123456789012:log-group:*");
    for (const s of policy.Statement) for (const a of [s.Action].flat()) expect(a).not.toContain("*");
  });

  it("encrypts the SNS topic with the key, lets only this account's publishers publish, subscribes the emails", async () => {
    const { resources, outputs } = await run({ ...base, alertEmails: ["ml@example.com", "oncall@example.com"] });
    const key = one(resources, "aws:kms/key:Key");
    const topic = one(resources, "aws:sns/topic:Topic");
    expect(topic.inputs.kmsMasterKeyId).toBe(key.state.arn);
    const policy = JSON.parse(one(resources, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: topic.state.arn,
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    expect(
      ofType(resources, "aws:sns/topicSubscription:TopicSubscription")
        .map((s) => [s.inputs.protocol, s.inputs.endpoint])
        .sort(),
    ).toEqual([
      ["email", "ml@example.com"],
      ["email", "oncall@example.com"],
    ]);
    expect(outputs.contract).toEqual({ platform: "cloudwatch", selectorLabels: {}, alertTarget: "arn:aws:sns:us-east-1:123456789012:mon-alerts" });
    expect(outputs.topic).toBe(topic.state.arn);
    expect(outputs.url).toBe("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=mon-finetune");
  });

  it("routes failed training jobs and pipelines from EventBridge to the topic", async () => {
    const { resources } = await run(base);
    const rules = ofType(resources, "aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((r) => JSON.parse(r.inputs.eventPattern)).sort((a, b) => a["detail-type"][0].localeCompare(b["detail-type"][0]))).toEqual([
      {
        source: ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
        detail: { currentPipelineExecutionStatus: ["Failed"] },
      },
      { source: ["aws.sagemaker"], "detail-type": ["SageMaker Training Job State Change"], detail: { TrainingJobStatus: ["Failed"] } },
    ]);
    const topic = one(resources, "aws:sns/topic:Topic");
    for (const t of ofType(resources, "aws:cloudwatch/eventTarget:EventTarget")) expect(t.inputs.arn).toBe(topic.state.arn);
  });

  it("alarms on GPU under-utilisation, stalls, non-finite loss, stale checkpoints and per-endpoint 5xx and latency", async () => {
    const { resources } = await run({
      ...base,
      endpointNames: ["chat-v3"],
      thresholds: { gpuIdleUtilizationPercent: 15, gpuIdleFor: "1h", servingP95LatencySeconds: 2, servingErrorRatePercent: 1, servingFor: "5m" },
    });
    const alarms: Record<string, Record<string, any>> = Object.fromEntries(
      ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [a.inputs.name, a.inputs]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      "mon-chat-v3-5xx-rate",
      "mon-chat-v3-latency-p95",
      "mon-checkpoint-stale",
      "mon-gpu-underutilised",
      "mon-loss-not-finite",
      "mon-training-stalled",
    ]);
    expect(alarms["mon-gpu-underutilised"]).toMatchObject({
      comparisonOperator: "LessThanThreshold",
      threshold: 15,
      evaluationPeriods: 12,
      treatMissingData: "notBreaching",
    });
    expect(alarms["mon-gpu-underutilised"].metricQueries[0].expression).toBe(
      'SELECT AVG(GPUUtilization) FROM SCHEMA("/aws/sagemaker/TrainingJobs", Host) GROUP BY Host ORDER BY AVG() ASC LIMIT 1',
    );
    expect(alarms["mon-training-stalled"]).toMatchObject({ threshold: 1800 });
    expect(alarms["mon-loss-not-finite"].metricQueries[0].expression).toBe(
      'SELECT MIN("finetune_training_loss_is_finite") FROM SCHEMA("/aws/sagemaker/TrainingJobs", TrainingJobName)',
    );
    expect(alarms["mon-chat-v3-5xx-rate"]).toMatchObject({ threshold: 1, evaluationPeriods: 5 });
    expect(alarms["mon-chat-v3-5xx-rate"].metricQueries[0].metric.dimensions).toEqual({ EndpointName: "chat-v3", VariantName: "AllTraffic" });
    expect(alarms["mon-chat-v3-latency-p95"]).toMatchObject({
      namespace: "AWS/SageMaker",
      metricName: "ModelLatency",
      extendedStatistic: "p95",
      threshold: 2_000_000,
    });
    const topicArn = one(resources, "aws:sns/topic:Topic").state.arn;
    for (const a of Object.values(alarms)) {
      expect(a.alarmActions).toEqual([topicArn]);
      expect(a.okActions).toEqual([topicArn]);
    }
  });

  it("the dashboard body passes the documented-structure schema and charts what the issue asks for", async () => {
    const { resources } = await run({ ...base, endpointNames: ["chat-v3", "chat-v4"] });
    const body = one(resources, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody as string;
    expect(validateCloudWatchDashboard(body)).toEqual([]);
    const parsed = JSON.parse(body);
    const titles = parsed.widgets.map((w: { properties: { title?: string } }) => w.properties.title).filter(Boolean);
    expect(titles).toEqual(
      expect.arrayContaining([
        "Training GPU utilisation (%)",
        "Training GPU memory utilisation (%)",
        "Training loss",
        "Endpoint invocations",
        "Endpoint model latency p95 (µs)",
        "Endpoint 4xx errors",
        "Endpoint 5xx errors",
        "Alarms",
      ]),
    );
    const alarmWidget = parsed.widgets.find((w: { type: string }) => w.type === "alarm");
    expect(alarmWidget.properties.alarms).toHaveLength(8);
    expect(body).toContain('MetricName=\\"finetune_training_loss\\"');
  });

  it("creates an AWS Budgets budget with percentage alerts to the topic", async () => {
    const { resources } = await run({
      ...base,
      budgetLimitUsd: 25000,
      budgetThresholdsPercent: [80, 100],
      budgetCostTag: { key: "finetune-stack", value: "prod" },
    });
    const budget = one(resources, "aws:budgets/budget:Budget").inputs;
    const topicArn = one(resources, "aws:sns/topic:Topic").state.arn;
    expect(budget).toMatchObject({
      budgetType: "COST",
      limitAmount: "25000.00",
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      costFilters: [{ name: "TagKeyValue", values: ["user:finetune-stack$prod"] }],
    });
    expect(budget.notifications).toEqual([
      { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: 80, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topicArn] },
      { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: 100, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topicArn] },
      { comparisonOperator: "GREATER_THAN", notificationType: "FORECASTED", threshold: 100, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [topicArn] },
    ]);
  });

  it("creates protected, KMS-encrypted log groups with retention", async () => {
    const { resources } = await run({ ...base, endpointNames: ["chat-v3"], logRetentionDays: 365 });
    const key = one(resources, "aws:kms/key:Key");
    const groups = ofType(resources, "aws:cloudwatch/logGroup:LogGroup");
    expect(groups.map((g) => g.inputs.name).sort()).toEqual([
      "/aws/sagemaker/Endpoints/chat-v3",
      "/aws/sagemaker/ProcessingJobs",
      "/aws/sagemaker/TrainingJobs",
    ]);
    for (const g of groups) {
      expect(g.inputs).toMatchObject({ retentionInDays: 365, kmsKeyId: key.state.arn });
      expect(g.protect).toBe(true);
      expect(g.retainOnDelete).toBe(true);
    }
  });

  it("uses a given key instead of creating one, and looks the account up when not given", async () => {
    const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { resources, outputs } = await run({ region: "us-east-1", kmsKeyArn: keyArn, createLogGroups: false, protect: false });
    expect(ofType(resources, "aws:kms/key:Key")).toHaveLength(0);
    expect(one(resources, "aws:sns/topic:Topic").inputs.kmsMasterKeyId).toBe(keyArn);
    expect(ofType(resources, "aws:cloudwatch/logGroup:LogGroup")).toHaveLength(0);
    expect(outputs.contract).toEqual({ platform: "cloudwatch", selectorLabels: {} });
    const policy = JSON.parse(one(resources, "aws:sns/topicPolicy:TopicPolicy").inputs.policy);
    expect(policy.Statement[0].Condition.StringEquals["aws:SourceAccount"]).toBe("123456789012");
  });

  it("children are named from the component name and parented to it", async () => {
    const { resources } = await run(base, "obs");
    const comp = one(resources, "finetune-kit:index:CloudWatchMonitoring");
    const children = resources.filter((r) => r.parent === comp.urn);
    expect(children.length).toBeGreaterThan(10);
    for (const c of children) expect(c.name.startsWith("obs-")).toBe(true);
  });

  it("reports every argument problem at once", () => {
    expect(
      constructionError({
        region: "virginia",
        accountId: "42",
        logRetentionDays: 45,
        alertEmails: ["nope"],
        budgetLimitUsd: -5,
        thresholds: { servingErrorRatePercent: 101 },
      }).split("\n"),
    ).toEqual([
      'CloudWatchMonitoring "mon" has invalid arguments (6 problems):',
      '  region: "virginia" is not an AWS region (write it like us-east-1)',
      '  accountId: "42" is not a 12-digit AWS account id',
      "  thresholds.servingErrorRatePercent: 101 % is outside the allowed range 0.01–100 % (set it to a value from 0.01 to 100)",
      '  alertEmails[0]: "nope" is not an email address (write it like ml-platform@example.com)',
      "  budgetLimitUsd: -5 is not a positive amount (set the monthly limit in USD, e.g. 5000)",
      "  logRetentionDays: 45 is not a retention CloudWatch Logs accepts (use one of 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
    ]);
  });
});

describe("CloudWatch dashboard validator", () => {
  const good = () =>
    JSON.parse(
      JSON.stringify(
        renderCloudWatchDashboard({
          region: "us-east-1",
          endpointNames: ["e1"],
          variantName: "AllTraffic",
          alarmArns: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"],
          thresholds: DEFAULT_THRESHOLDS,
        }),
      ),
    );

  it("accepts the kit's dashboard", () => {
    expect(validateCloudWatchDashboard(good())).toEqual([]);
  });

  const planted: Array<[string, (b: any) => void, RegExp]> = [
    ["unknown top-level key", (b) => (b.widget = []), /must NOT have additional properties|widget/],
    ["unknown widget type", (b) => (b.widgets[0].type = "graph"), /type/],
    ["unknown widget key", (b) => (b.widgets[1].colour = "red"), /colour/],
    ["width above 24", (b) => (b.widgets[1].width = 25), /width/],
    ["x outside the grid", (b) => (b.widgets[1].x = 24), /x/],
    ["widget running past the grid", (b) => ((b.widgets[1].x = 20), (b.widgets[1].width = 12)), /runs past the 24-column grid/],
    ["negative y", (b) => (b.widgets[1].y = -1), /y/],
    ["metric widget without region", (b) => delete b.widgets[1].properties.region, /region/],
    ["metrics not an array of arrays", (b) => (b.widgets[1].properties.metrics = ["AWS/SageMaker", "Invocations"]), /metrics/],
    ["bad view", (b) => (b.widgets[1].properties.view = "lineChart"), /view/],
    ["bad stat", (b) => (b.widgets[1].properties.stat = "Mean"), /stat/],
    ["period not a multiple of 60", (b) => (b.widgets[1].properties.period = 90), /period/],
    ["misspelled metric property", (b) => (b.widgets[1].properties.titel = "x"), /titel/],
    ["text widget without markdown", (b) => delete b.widgets[0].properties.markdown, /markdown/],
    ["alarm widget with a non-ARN", (b) => (b.widgets.find((w: any) => w.type === "alarm").properties.alarms = ["my-alarm"]), /alarms/],
    ["log widget with a bad query", (b) => (b.widgets.find((w: any) => w.type === "log").properties.query = "fields @message"), /query/],
  ];

  it.each(planted)("rejects %s", (_title, plant, pattern) => {
    const b = good();
    plant(b);
    const errors = validateCloudWatchDashboard(b);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join("\n")).toMatch(pattern);
  });

  it("rejects text that is not JSON", () => {
    expect(validateCloudWatchDashboard("{widgets:")[0]).toMatch(/^dashboard body is not JSON/);
  });
});
