import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logRetentionProblem, SAGEMAKER_CLOUDWATCH } from "./cloudwatch-facts";
import { alertTopicPolicy, FAILURE_EVENT_PATTERNS, monitoringKeyPolicy, renderAlarms, renderCloudWatchDashboard } from "./cloudwatch-render";
import { MonitoringContract } from "../../core/contracts/monitoring";
import { AlertThresholds, withDefaultThresholds } from "./thresholds";
import { Problem, throwIfProblems } from "../../core/problem";
import { DataProtection, statefulOptions, checkInput, isKnown, knownProblems, outputProblems, withPlaceholders } from "../validation";
import { thresholdArgProblems } from "./validation";
import { partitionOf } from "../../core/aws-partition";
import { componentToken, withLegacyAlias } from "../tokens";

/** A cost-allocation tag a budget is restricted to. */
export interface BudgetCostTag {
  /** Tag key. */
  key: string;
  /** Tag value. */
  value: string;
}

/** Arguments of {@link CloudWatchMonitoring}. */
export interface CloudWatchMonitoringArgs {
  /** AWS region of the stack (dashboard widgets, log-service principal, console URL). Plain: it decides the partition and the console URL. */
  region: string;
  /**
   * AWS account id; when set and known at construction, the contract's `alertTarget` is a plain ARN string.
   * @default - looked up; `alertTarget` is then left out of the contract (use `alertTopicArn`)
   */
  accountId?: pulumi.Input<string>;
  /** Alert thresholds (shared with the other platforms). @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<AlertThresholds>;
  /** Email addresses subscribed to the alert topic. @default [] */
  alertEmails?: pulumi.Input<string>[];
  /** Customer-managed KMS key for the topic and log groups; its policy must allow what {@link monitoringKeyPolicy} allows. @default - a rotating key is created */
  kmsKeyArn?: pulumi.Input<string>;
  /** Monthly AWS Budgets limit in USD. @default - no budget */
  budgetLimitUsd?: number;
  /** Budget alert thresholds in percent of the limit (actual spend; 100 also as forecast). @default [50, 80, 100] */
  budgetThresholdsPercent?: number[];
  /** Restrict the budget to resources carrying this cost-allocation tag (`key`/`value`; the tag must be activated in Billing). @default - account-wide */
  budgetCostTag?: BudgetCostTag;
  /** Retention of the SageMaker log groups in days (a value CloudWatch Logs accepts, ≥ 7). @default 90 */
  logRetentionDays?: number;
  /** Create the account-wide SageMaker log groups (`/aws/sagemaker/TrainingJobs`, `/ProcessingJobs`); set false when they already exist (or import them). @default true */
  createLogGroups?: boolean;
  /** SageMaker endpoints to chart, alarm on and give log groups. @default [] */
  endpointNames?: string[];
  /** Production variant name of the endpoints. @default "AllTraffic" */
  endpointVariantName?: string;
  /** Tags on every taggable child. @default {} */
  tags?: Record<string, pulumi.Input<string>>;
  /** `protect` on the KMS key and log groups. @default true */
  protect?: boolean;
  /** `retainOnDelete` on the KMS key and log groups. @default true */
  retainOnDelete?: boolean;
}

/** The arguments of {@link CloudWatchMonitoring} typed `pulumi.Input` (or holding Inputs). */
export const CLOUDWATCH_INPUT_ARGS = ["accountId", "alertEmails", "kmsKeyArn", "tags"] as const satisfies readonly (keyof CloudWatchMonitoringArgs)[];

/** The arguments of {@link CloudWatchMonitoring} that stay plain, and why. */
export const CLOUDWATCH_PLAIN_ARGS: Record<string, string> = {
  region: "decides the partition (ARNs, service principals) and the dashboard's console URL at construction",
  thresholds: "kit tuning values rendered into the alarms; nobody reads them from another resource",
  budgetLimitUsd: "decides whether a budget exists",
  budgetThresholdsPercent: "decides how many budget notifications exist (tuning values)",
  budgetCostTag: "a cost-allocation tag activated in Billing, chosen with the kit",
  logRetentionDays: "retention tuning chosen with the kit, checked against the values CloudWatch Logs accepts",
  createLogGroups: "a flag: decides whether the account-wide log groups exist",
  endpointNames: "each endpoint names alarms and a log group (resource names and counts)",
  endpointVariantName: "rendered into the alarms' and dashboard's metric dimensions at construction",
  protect: "a resource option, fixed when the children are created",
  retainOnDelete: "a resource option, fixed when the children are created",
};

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ENDPOINT = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Validates the arguments (every problem at once). Pure. */
export function cloudWatchArgProblems(args: pulumi.Unwrap<CloudWatchMonitoringArgs>): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/.test(args.region ?? ""))
    problems.push({ path: "region", message: `"${args.region}" is not an AWS region (write it like us-east-1)` });
  if (args.accountId !== undefined && !/^\d{12}$/.test(args.accountId))
    problems.push({ path: "accountId", message: `"${args.accountId}" is not a 12-digit AWS account id` });
  problems.push(...thresholdArgProblems(args.thresholds));
  (args.alertEmails ?? []).forEach((e, i) => {
    if (!EMAIL.test(e)) problems.push({ path: `alertEmails[${i}]`, message: `"${e}" is not an email address (write it like ml-platform@example.com)` });
  });
  if (args.budgetLimitUsd !== undefined && !(args.budgetLimitUsd > 0))
    problems.push({ path: "budgetLimitUsd", message: `${args.budgetLimitUsd} is not a positive amount (set the monthly limit in USD, e.g. 5000)` });
  (args.budgetThresholdsPercent ?? []).forEach((p, i) => {
    if (!(p > 0 && p <= 1000))
      problems.push({ path: `budgetThresholdsPercent[${i}]`, message: `${p} is outside 0–1000 % (use a percent of the limit such as 80)` });
  });
  const retention = logRetentionProblem(args.logRetentionDays ?? 90);
  if (retention) problems.push({ path: "logRetentionDays", message: retention });
  (args.endpointNames ?? []).forEach((e, i) => {
    if (!ENDPOINT.test(e)) problems.push({ path: `endpointNames[${i}]`, message: `"${e}" is not a SageMaker endpoint name (1-63 letters, digits and '-')` });
  });
  return problems;
}

/**
 * CloudWatch monitoring for the aws-sagemaker stack: dashboard, alarms (GPU under-utilisation, stalled
 * training, non-finite loss, stale checkpoints, endpoint 5xx rate and p95 latency), EventBridge rules for failed
 * training jobs and pipelines, a KMS-encrypted SNS topic, an AWS Budgets budget and KMS-encrypted log groups
 * with retention.
 */
export class CloudWatchMonitoring extends pulumi.ComponentResource {
  readonly contract: MonitoringContract;
  /** ARN of the alert topic. */
  readonly alertTopicArn: pulumi.Output<string>;
  /** Console URL of the dashboard. */
  readonly dashboardUrl: string;
  /** Name of the dashboard. */
  readonly dashboardName: string;

  constructor(name: string, args: CloudWatchMonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    throwIfProblems("CloudWatchMonitoring", name, outputProblems(args, CLOUDWATCH_INPUT_ARGS));
    // Every problem of the values known now; an Output account id or email is checked inside apply (same message).
    const shape = withPlaceholders(args as pulumi.Unwrap<CloudWatchMonitoringArgs>, "unknown-until-deployed");
    const all = (v: pulumi.Unwrap<CloudWatchMonitoringArgs>) => cloudWatchArgProblems(v);
    throwIfProblems("CloudWatchMonitoring", name, knownProblems(args, all(shape)));
    super(componentToken("CloudWatchMonitoring"), name, {}, withLegacyAlias("CloudWatchMonitoring", opts));
    const problemAt = (path: string, patch: Partial<pulumi.Unwrap<CloudWatchMonitoringArgs>>) =>
      all({ ...shape, ...patch }).find((p) => p.path === path)?.message;
    const thresholds = withDefaultThresholds(args.thresholds);
    const protection: DataProtection = { protect: args.protect, retainOnDelete: args.retainOnDelete };
    const tags = { ...(args.tags ?? {}), "finetune:component": "monitoring" };
    const { partition } = partitionOf(args.region);
    const accountId: pulumi.Output<string> = args.accountId
      ? pulumi.output(checkInput("CloudWatchMonitoring", name, args.accountId, "accountId", (v) => problemAt("accountId", { accountId: v })).value)
      : aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const ctx = accountId.apply((a) => ({ partition, region: args.region, accountId: a }));
    const endpointNames = args.endpointNames ?? [];
    const variantName = args.endpointVariantName ?? "AllTraffic";

    let keyArn: pulumi.Input<string>;
    if (args.kmsKeyArn) keyArn = args.kmsKeyArn;
    else {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `finetune-kit ${name}: alert topic and SageMaker log groups`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: ctx.apply((c) => JSON.stringify(monitoringKeyPolicy(c))),
          tags,
        },
        statefulOptions(this, protection),
      );
      new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${name}-monitoring`, targetKeyId: key.keyId }, { parent: this });
      keyArn = key.arn;
    }

    const topicName = `${name}-alerts`;
    const topic = new aws.sns.Topic(`${name}-alerts`, { name: topicName, kmsMasterKeyId: keyArn, tags }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      { arn: topic.arn, policy: pulumi.all([ctx, topic.arn]).apply(([c, arn]) => JSON.stringify(alertTopicPolicy(c, arn))) },
      { parent: this },
    );
    (args.alertEmails ?? []).forEach((given, i) => {
      const path = `alertEmails[${i}]`;
      const email = checkInput("CloudWatchMonitoring", name, given, path, (v) =>
        problemAt(path, { alertEmails: (shape.alertEmails ?? []).map((e, j) => (j === i ? v : e)) }),
      ).value;
      new aws.sns.TopicSubscription(`${name}-alerts-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this });
    });
    this.alertTopicArn = topic.arn;

    for (const [id, pattern] of Object.entries(FAILURE_EVENT_PATTERNS)) {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${id}`,
        { name: `${name}-${id}`, description: `finetune-kit: ${id.replace(/-/g, " ")}`, eventPattern: JSON.stringify(pattern), tags },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${id}-to-sns`, { rule: rule.name, arn: topic.arn }, { parent: this });
    }

    const alarms = renderAlarms({ thresholds, endpointNames, variantName }).map((a) => {
      const common = {
        name: `${name}-${a.id}`,
        alarmDescription: a.description,
        comparisonOperator: a.comparisonOperator,
        threshold: a.threshold,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        treatMissingData: a.treatMissingData,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
        tags,
      };
      const metricArgs = a.metric
        ? {
            namespace: a.metric.namespace,
            metricName: a.metric.metricName,
            dimensions: a.metric.dimensions,
            period: a.metric.period,
            statistic: a.metric.statistic,
            extendedStatistic: a.metric.extendedStatistic,
          }
        : { metricQueries: a.metricQueries };
      return new aws.cloudwatch.MetricAlarm(`${name}-${a.id}`, { ...common, ...metricArgs }, { parent: this });
    });

    this.dashboardName = `${name}-finetune`;
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: this.dashboardName,
        dashboardBody: pulumi
          .all(alarms.map((a) => a.arn))
          .apply((arns) => JSON.stringify(renderCloudWatchDashboard({ region: args.region, endpointNames, variantName, alarmArns: arns, thresholds }))),
      },
      { parent: this },
    );
    this.dashboardUrl = `https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards:name=${this.dashboardName}`;

    if (args.budgetLimitUsd !== undefined) {
      const percents = args.budgetThresholdsPercent ?? [50, 80, 100];
      new aws.budgets.Budget(
        `${name}-budget`,
        {
          name: `${name}-monthly`,
          budgetType: "COST",
          limitAmount: args.budgetLimitUsd.toFixed(2),
          limitUnit: "USD",
          timeUnit: "MONTHLY",
          costFilters: args.budgetCostTag ? [{ name: "TagKeyValue", values: [`user:${args.budgetCostTag.key}$${args.budgetCostTag.value}`] }] : undefined,
          notifications: [
            ...percents.map((p) => ({
              comparisonOperator: "GREATER_THAN",
              notificationType: "ACTUAL",
              threshold: p,
              thresholdType: "PERCENTAGE",
              subscriberSnsTopicArns: [topic.arn],
            })),
            {
              comparisonOperator: "GREATER_THAN",
              notificationType: "FORECASTED",
              threshold: 100,
              thresholdType: "PERCENTAGE",
              subscriberSnsTopicArns: [topic.arn],
            },
          ],
          tags,
        },
        { parent: this },
      );
    }

    const logGroups: Array<[string, string]> = [
      ...((args.createLogGroups ?? true)
        ? ([
            ["training", SAGEMAKER_CLOUDWATCH.trainingLogGroup],
            ["processing", SAGEMAKER_CLOUDWATCH.processingLogGroup],
          ] as Array<[string, string]>)
        : []),
      ...endpointNames.map((e): [string, string] => [`endpoint-${e}`, `${SAGEMAKER_CLOUDWATCH.endpointLogGroupPrefix}${e}`]),
    ];
    for (const [id, groupName] of logGroups) {
      new aws.cloudwatch.LogGroup(
        `${name}-logs-${id}`,
        { name: groupName, retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: keyArn, tags },
        statefulOptions(this, protection),
      );
    }

    this.contract = { platform: "cloudwatch", selectorLabels: {} };
    if (args.accountId && isKnown(args.accountId)) this.contract.alertTarget = `arn:${partition}:sns:${args.region}:${args.accountId}:${topicName}`;
    this.registerOutputs({ contract: this.contract, alertTopicArn: this.alertTopicArn, dashboardUrl: this.dashboardUrl });
  }
}
