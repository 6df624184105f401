import { SAGEMAKER_CLOUDWATCH } from "./cloudwatch-facts";
import { AlertThresholds, durationSeconds } from "./thresholds";
import { SAGEMAKER_METRIC_NAMES, TRAINING_LOG_PREFIX } from "../../pipelines/training-metrics";

/**
 * Pure renderers for the AWS side: the CloudWatch dashboard body, the alarm definitions, the EventBridge
 * patterns, and the KMS key / SNS topic policies. Plain objects in, plain objects out; no Pulumi here.
 */

/** A CloudWatch dashboard widget (the documented dashboard body structure). */
export interface DashboardWidget {
  type: "metric" | "text" | "log" | "alarm";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** A CloudWatch dashboard body. */
export interface DashboardBody {
  start?: string;
  periodOverride?: "auto" | "inherit";
  widgets: DashboardWidget[];
}

/** Options of {@link renderCloudWatchDashboard}. */
export interface CloudWatchDashboardOptions {
  region: string;
  /** SageMaker endpoints to chart. */
  endpointNames: string[];
  /** Variant name of the endpoints. */
  variantName: string;
  /** Alarm ARNs for the alarm-status widget. */
  alarmArns: string[];
  thresholds: AlertThresholds;
}

const search = (expr: string, stat: string, period: number) => `SEARCH('${expr}', '${stat}', ${period})`;

/** The dashboard body: training GPU/memory/loss/throughput, endpoint invocations/latency/errors, alarms, logs. */
export function renderCloudWatchDashboard(o: CloudWatchDashboardOptions): DashboardBody {
  const widgets: DashboardWidget[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const place = (type: DashboardWidget["type"], width: number, height: number, properties: Record<string, unknown>) => {
    if (x + width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    widgets.push({ type, x, y, width, height, properties });
    x += width;
    rowHeight = Math.max(rowHeight, height);
  };
  const tj = SAGEMAKER_CLOUDWATCH.trainingNamespace;
  const timeseries = (title: string, metrics: unknown[][], extra: Record<string, unknown> = {}) =>
    place("metric", 12, 6, { title, region: o.region, view: "timeSeries", stacked: false, period: 300, stat: "Average", metrics, ...extra });

  place("text", 24, 2, {
    markdown:
      "# Fine-tuning\nTraining jobs (SageMaker metric definitions from the trainer's `" +
      TRAINING_LOG_PREFIX +
      "` log lines), endpoints, alarms. Thresholds come from `finetune:monitoring.thresholds`.",
  });
  timeseries("Training GPU utilisation (%)", [[{ expression: search(`{${tj},Host} MetricName="GPUUtilization"`, "Average", 300), id: "gpu", label: "" }]], {
    yAxis: { left: { min: 0, max: 100 } },
    annotations: { horizontal: [{ label: "idle", value: o.thresholds.gpuIdleUtilizationPercent }] },
  });
  timeseries(
    "Training GPU memory utilisation (%)",
    [[{ expression: search(`{${tj},Host} MetricName="GPUMemoryUtilization"`, "Average", 300), id: "mem", label: "" }]],
    { yAxis: { left: { min: 0, max: 100 } } },
  );
  timeseries(
    "Training loss",
    [
      [{ expression: search(`{${tj},TrainingJobName} MetricName="${SAGEMAKER_METRIC_NAMES.loss}"`, "Average", 60), id: "loss", label: "train" }],
      [
        {
          expression: search(`{${tj},TrainingJobName} MetricName="${SAGEMAKER_METRIC_NAMES.validationLoss}"`, "Average", 60),
          id: "vloss",
          label: "validation",
        },
      ],
    ],
    { period: 60 },
  );
  timeseries(
    "Training throughput (tokens/s)",
    [[{ expression: search(`{${tj},TrainingJobName} MetricName="${SAGEMAKER_METRIC_NAMES.tokensPerSecond}"`, "Average", 60), id: "tps", label: "" }]],
    { period: 60 },
  );
  timeseries(
    "Checkpoint age (s)",
    [[{ expression: search(`{${tj},TrainingJobName} MetricName="${SAGEMAKER_METRIC_NAMES.checkpointAgeSeconds}"`, "Maximum", 60), id: "ckpt", label: "" }]],
    {
      period: 60,
      stat: "Maximum",
      annotations: { horizontal: [{ label: "max age", value: durationSeconds(o.thresholds.checkpointMaxAge) ?? 0 }] },
    },
  );
  timeseries(
    "Seconds since training progress",
    [[{ expression: search(`{${tj},TrainingJobName} MetricName="${SAGEMAKER_METRIC_NAMES.secondsSinceProgress}"`, "Maximum", 60), id: "stall", label: "" }]],
    {
      period: 60,
      stat: "Maximum",
      annotations: { horizontal: [{ label: "stalled", value: durationSeconds(o.thresholds.trainingStalledAfter) ?? 0 }] },
    },
  );

  const ep = SAGEMAKER_CLOUDWATCH.endpointInvocationNamespace;
  const perEndpoint = (metric: string) => o.endpointNames.map((e) => [ep, metric, "EndpointName", e, "VariantName", o.variantName]);
  if (o.endpointNames.length > 0) {
    timeseries("Endpoint invocations", perEndpoint("Invocations"), { stat: "Sum", period: 60 });
    timeseries("Endpoint model latency p95 (µs)", perEndpoint("ModelLatency"), {
      stat: "p95",
      period: 60,
      annotations: { horizontal: [{ label: "objective", value: o.thresholds.servingP95LatencySeconds * 1e6 }] },
    });
    timeseries("Endpoint 4xx errors", perEndpoint("Invocation4XXErrors"), { stat: "Sum", period: 60 });
    timeseries("Endpoint 5xx errors", perEndpoint("Invocation5XXErrors"), { stat: "Sum", period: 60 });
  } else {
    place("metric", 12, 6, {
      title: "Endpoint invocations",
      region: o.region,
      view: "timeSeries",
      period: 60,
      stat: "Sum",
      metrics: [[{ expression: search(`{${ep},EndpointName,VariantName} MetricName="Invocations"`, "Sum", 60), id: "inv", label: "" }]],
    });
    place("metric", 12, 6, {
      title: "Endpoint 5xx errors",
      region: o.region,
      view: "timeSeries",
      period: 60,
      stat: "Sum",
      metrics: [[{ expression: search(`{${ep},EndpointName,VariantName} MetricName="Invocation5XXErrors"`, "Sum", 60), id: "e5", label: "" }]],
    });
  }
  if (o.alarmArns.length > 0)
    place("alarm", 24, 4, { title: "Alarms", alarms: [...o.alarmArns], sortBy: "stateUpdatedTimestamp", states: ["ALARM", "INSUFFICIENT_DATA", "OK"] });
  place("log", 24, 6, {
    title: "Latest training metric lines",
    region: o.region,
    view: "table",
    query: `SOURCE '${SAGEMAKER_CLOUDWATCH.trainingLogGroup}' | fields @timestamp, @logStream, @message | filter @message like /${TRAINING_LOG_PREFIX.replace(/[[\]]/g, "\\$&")}/ | sort @timestamp desc | limit 50`,
  });
  return { start: "-PT12H", periodOverride: "auto", widgets };
}

/** One CloudWatch alarm, shaped like `aws.cloudwatch.MetricAlarmArgs` (plain values). */
export interface AlarmSpec {
  /** Suffix of the alarm's resource and name. */
  id: string;
  description: string;
  comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "notBreaching" | "missing";
  /** Single metric (with dimensions) … */
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; period: number; statistic?: string; extendedStatistic?: string };
  /** … or metric queries (math / Metrics Insights), one with returnData. */
  metricQueries?: Array<{
    id: string;
    expression?: string;
    label?: string;
    returnData?: boolean;
    period?: number;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; period: number; stat: string };
  }>;
}

/** Options of {@link renderAlarms}. */
export interface AlarmOptions {
  thresholds: AlertThresholds;
  endpointNames: string[];
  variantName: string;
}

const insights = (query: string) => query.replace(/\s+/g, " ").trim();

/**
 * The alarms: GPU under-utilisation of training hosts, training stalled / loss not finite / checkpoint stale
 * (Metrics Insights over the metric-definition metrics, so they cover every training job without knowing its
 * name), and per endpoint 5xx rate and p95 model latency.
 */
export function renderAlarms(o: AlarmOptions): AlarmSpec[] {
  const t = o.thresholds;
  const tj = SAGEMAKER_CLOUDWATCH.trainingNamespace;
  const periods = (d: string, period: number) => Math.max(1, Math.ceil((durationSeconds(d) ?? period) / period));
  const idlePeriods = periods(t.gpuIdleFor, 300);
  const servingPeriods = periods(t.servingFor, 60);
  const alarms: AlarmSpec[] = [
    {
      id: "gpu-underutilised",
      description: `A SageMaker training host averaged under ${t.gpuIdleUtilizationPercent}% GPU utilisation for ${t.gpuIdleFor} (the least-utilised host across all running training jobs).`,
      comparisonOperator: "LessThanThreshold",
      threshold: t.gpuIdleUtilizationPercent,
      evaluationPeriods: idlePeriods,
      datapointsToAlarm: idlePeriods,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "q1",
          expression: insights(`SELECT AVG(GPUUtilization) FROM SCHEMA("${tj}", Host) GROUP BY Host ORDER BY AVG() ASC LIMIT 1`),
          period: 300,
          returnData: true,
          label: "lowest host GPU utilisation",
        },
      ],
    },
    {
      id: "training-stalled",
      description: `A training job made no step progress for ${t.trainingStalledAfter} (${SAGEMAKER_METRIC_NAMES.secondsSinceProgress} from the trainer's heartbeat).`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: durationSeconds(t.trainingStalledAfter) ?? 1800,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "q1",
          expression: insights(`SELECT MAX("${SAGEMAKER_METRIC_NAMES.secondsSinceProgress}") FROM SCHEMA("${tj}", TrainingJobName)`),
          period: 60,
          returnData: true,
          label: "seconds since progress",
        },
      ],
    },
    {
      id: "loss-not-finite",
      description: `A training job reported a NaN or infinite loss (${SAGEMAKER_METRIC_NAMES.lossIsFinite} = 0): the run is diverging.`,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "q1",
          expression: insights(`SELECT MIN("${SAGEMAKER_METRIC_NAMES.lossIsFinite}") FROM SCHEMA("${tj}", TrainingJobName)`),
          period: 60,
          returnData: true,
          label: "loss is finite",
        },
      ],
    },
    {
      id: "checkpoint-stale",
      description: `A training job has not written a checkpoint for ${t.checkpointMaxAge}; a spot interruption now would lose that work.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: durationSeconds(t.checkpointMaxAge) ?? 7200,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "q1",
          expression: insights(`SELECT MAX("${SAGEMAKER_METRIC_NAMES.checkpointAgeSeconds}") FROM SCHEMA("${tj}", TrainingJobName)`),
          period: 60,
          returnData: true,
          label: "checkpoint age",
        },
      ],
    },
  ];
  for (const e of o.endpointNames) {
    const dims = { EndpointName: e, VariantName: o.variantName };
    const ns = SAGEMAKER_CLOUDWATCH.endpointInvocationNamespace;
    alarms.push({
      id: `${e}-5xx-rate`,
      description: `Endpoint ${e}: more than ${t.servingErrorRatePercent}% of invocations failed with 5xx for ${t.servingFor}.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.servingErrorRatePercent,
      evaluationPeriods: servingPeriods,
      datapointsToAlarm: servingPeriods,
      treatMissingData: "notBreaching",
      metricQueries: [
        { id: "errors", metric: { namespace: ns, metricName: "Invocation5XXErrors", dimensions: dims, period: 60, stat: "Sum" }, returnData: false },
        { id: "invocations", metric: { namespace: ns, metricName: "Invocations", dimensions: dims, period: 60, stat: "Sum" }, returnData: false },
        { id: "rate", expression: "IF(invocations > 0, 100 * errors / invocations, 0)", label: "5xx %", returnData: true },
      ],
    });
    alarms.push({
      id: `${e}-latency-p95`,
      description: `Endpoint ${e}: p95 model latency above ${t.servingP95LatencySeconds} s for ${t.servingFor}.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.servingP95LatencySeconds * 1e6,
      evaluationPeriods: servingPeriods,
      datapointsToAlarm: servingPeriods,
      treatMissingData: "notBreaching",
      metric: { namespace: ns, metricName: "ModelLatency", dimensions: dims, period: 60, extendedStatistic: "p95" },
    });
  }
  return alarms;
}

/** EventBridge patterns that mean "a training job / pipeline failed". */
export const FAILURE_EVENT_PATTERNS = {
  "training-job-failed": { source: ["aws.sagemaker"], "detail-type": [SAGEMAKER_CLOUDWATCH.trainingStateChange], detail: { TrainingJobStatus: ["Failed"] } },
  "pipeline-failed": {
    source: ["aws.sagemaker"],
    "detail-type": [SAGEMAKER_CLOUDWATCH.pipelineStateChange],
    detail: { currentPipelineExecutionStatus: ["Failed"] },
  },
} as const;

/** Options of the policy renderers. */
export interface PolicyContext {
  partition: string;
  region: string;
  accountId: string;
}

/** Exact KMS actions (no wildcards) each principal gets. */
const KMS_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:CreateGrant",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];
const PUBLISHER_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"];
const LOGS_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];

/** Service principals that publish to the alert topic. */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"] as const;

/**
 * Key policy of the monitoring key: the account administers it (exact actions), CloudWatch, EventBridge and
 * Budgets may encrypt messages for the SNS topic, and CloudWatch Logs may use it for this account's log groups.
 */
export function monitoringKeyPolicy(c: PolicyContext): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:${c.partition}:iam::${c.accountId}:root` },
        Action: KMS_ADMIN_ACTIONS,
        Resource: "*",
      },
      {
        Sid: "AlertPublishersEncrypt",
        Effect: "Allow",
        Principal: { Service: [...ALERT_PUBLISHERS] },
        Action: PUBLISHER_ACTIONS,
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": c.accountId } },
      },
      {
        Sid: "CloudWatchLogsEncrypt",
        Effect: "Allow",
        Principal: { Service: `logs.${c.region}.amazonaws.com` },
        Action: LOGS_ACTIONS,
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:*` } },
      },
    ],
  };
}

/** Topic policy: the alert publishers may publish to this topic on behalf of this account only. */
export function alertTopicPolicy(c: PolicyContext, topicArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AlertPublishers",
        Effect: "Allow",
        Principal: { Service: [...ALERT_PUBLISHERS] },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": c.accountId } },
      },
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
