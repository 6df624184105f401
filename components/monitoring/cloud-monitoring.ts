import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AlertScope, COLLECTOR_LABELS } from "./alerts";
import { MANAGED_PROMETHEUS_SOURCES, renderAlertPolicies, renderCloudMonitoringDashboard } from "./cloud-monitoring-render";
import { MonitoringContract } from "../../core/contracts/monitoring";
import { MetricSource } from "./metrics";
import { AlertThresholds, withDefaultThresholds } from "./thresholds";
import { Problem, throwIfProblems } from "../../core/problem";
import { namespaceProblem, thresholdArgProblems } from "./validation";
import { componentToken, withLegacyAlias } from "../tokens";

/** Where Cloud Monitoring sends alerts. */
export type NotificationChannelSpec = { type: "email"; address: string } | { type: "pubsub"; topic: string } | { type: "existing"; name: string };

/** Arguments of {@link CloudMonitoring}. */
export interface CloudMonitoringArgs {
  /** GCP project the policies, dashboard and channels live in. */
  project: string;
  /** Namespaces training runs in. */
  trainingNamespaces: string[];
  /** Namespaces vLLM serving runs in. @default - `trainingNamespaces` */
  servingNamespaces?: string[];
  /** Alert thresholds (shared with the other platforms). @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<AlertThresholds>;
  /** Notification channel for every alert policy. @default - an email channel per `alertEmails` entry */
  notificationChannel?: NotificationChannelSpec;
  /** Email addresses that get a channel each (and budget notifications). @default [] */
  alertEmails?: string[];
  /** Metric sources that reach Managed Service for Prometheus; alerts needing others are not created. @default ["dcgm", "training", "pushgateway", "argo", "vllm"] */
  metricSources?: MetricSource[];
  /** Pushgateway URL training pods push to (from PrometheusMonitoring's contract), passed through to this contract. @default - none */
  pushgatewayUrl?: string;
  /** Billing account of the optional budget (`XXXXXX-XXXXXX-XXXXXX`). @default - no budget */
  billingAccount?: string;
  /** Monthly budget in USD (needs `billingAccount`). @default - no budget */
  budgetAmountUsd?: number;
  /** Budget alert thresholds in percent. @default [50, 80, 100] */
  budgetThresholdsPercent?: number[];
}

/** Validates the arguments (every problem at once). Pure. */
export function cloudMonitoringArgProblems(args: CloudMonitoringArgs): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(args.project ?? ""))
    problems.push({ path: "project", message: `"${args.project}" is not a GCP project id (6-30 lowercase letters, digits, '-')` });
  if (!args.trainingNamespaces || args.trainingNamespaces.length === 0)
    problems.push({ path: "trainingNamespaces", message: "is empty (list the namespaces the pipelines run in)" });
  (args.trainingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`trainingNamespaces[${i}]`, ns)));
  (args.servingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`servingNamespaces[${i}]`, ns)));
  problems.push(...thresholdArgProblems(args.thresholds));
  (args.alertEmails ?? []).forEach((e, i) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e))
      problems.push({ path: `alertEmails[${i}]`, message: `"${e}" is not an email address (write it like ml-platform@example.com)` });
  });
  if (!args.notificationChannel && (args.alertEmails ?? []).length === 0) {
    problems.push({
      path: "notificationChannel",
      message: "is missing and alertEmails is empty (alerts would reach nobody; set a notification channel or at least one alert email)",
    });
  }
  if (args.budgetAmountUsd !== undefined) {
    if (!(args.budgetAmountUsd > 0))
      problems.push({ path: "budgetAmountUsd", message: `${args.budgetAmountUsd} is not a positive amount (set the monthly budget in USD)` });
    if (!args.billingAccount)
      problems.push({ path: "billingAccount", message: "is required when budgetAmountUsd is set (set the billing account id, e.g. 012345-6789AB-CDEF01)" });
  }
  if (args.billingAccount !== undefined && !/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(args.billingAccount)) {
    problems.push({ path: "billingAccount", message: `"${args.billingAccount}" is not a billing account id (write it like 012345-6789AB-CDEF01)` });
  }
  return problems;
}

/**
 * Cloud Monitoring for the gcp stack: one alert policy per kit alert whose data reaches Managed Service for
 * Prometheus (PromQL conditions: DCGM GPU health and idleness, stalled training, non-finite loss, stale
 * checkpoints, preemptions, failed pipelines, serving latency/errors), a dashboard, notification channels, and an
 * optional billing budget.
 */
export class CloudMonitoring extends pulumi.ComponentResource {
  readonly contract: MonitoringContract;
  /** Names (`projects/<p>/notificationChannels/<id>`) of the channels alerts go to. */
  readonly notificationChannelNames: pulumi.Output<string[]>;
  /** Console URL of the dashboard. */
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: CloudMonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    throwIfProblems("CloudMonitoring", name, cloudMonitoringArgProblems(args));
    super(componentToken("CloudMonitoring"), name, {}, withLegacyAlias("CloudMonitoring", opts));
    const thresholds = withDefaultThresholds(args.thresholds);
    const scope: AlertScope = {
      trainingNamespaces: [...args.trainingNamespaces],
      servingNamespaces: args.servingNamespaces && args.servingNamespaces.length > 0 ? [...args.servingNamespaces] : [...args.trainingNamespaces],
      labels: COLLECTOR_LABELS.managedPrometheus,
    };
    const project = args.project;
    const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this }).number;

    const channels: pulumi.Output<string>[] = [];
    const channel = args.notificationChannel;
    if (channel?.type === "existing") channels.push(pulumi.output(channel.name));
    else if (channel?.type === "pubsub") {
      const c = new gcp.monitoring.NotificationChannel(
        `${name}-pubsub`,
        { project, displayName: `finetune ${name} alerts (Pub/Sub)`, type: "pubsub", labels: { topic: channel.topic } },
        { parent: this },
      );
      // Cloud Monitoring publishes as its notification service agent.
      new gcp.pubsub.TopicIAMMember(
        `${name}-pubsub-publisher`,
        {
          project,
          topic: channel.topic,
          role: "roles/pubsub.publisher",
          member: pulumi.interpolate`serviceAccount:service-${projectNumber}@gcp-sa-monitoring-notification.iam.gserviceaccount.com`,
        },
        { parent: this },
      );
      channels.push(c.name);
    } else if (channel?.type === "email") {
      channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-email`,
          { project, displayName: `finetune ${name} alerts (${channel.address})`, type: "email", labels: { email_address: channel.address } },
          { parent: this },
        ).name,
      );
    }
    (args.alertEmails ?? []).forEach((address, i) => {
      if (channel?.type === "email" && channel.address === address) return;
      channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${i}`,
          { project, displayName: `finetune ${name} alerts (${address})`, type: "email", labels: { email_address: address } },
          { parent: this },
        ).name,
      );
    });
    this.notificationChannelNames = pulumi.all(channels);

    for (const p of renderAlertPolicies({ thresholds, scope, sources: args.metricSources ?? MANAGED_PROMETHEUS_SOURCES })) {
      const { id, ...policy } = p;
      new gcp.monitoring.AlertPolicy(`${name}-${id}`, { ...policy, project, notificationChannels: channels }, { parent: this });
    }

    const dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      { project, dashboardJson: JSON.stringify(renderCloudMonitoringDashboard({ scope, thresholds })) },
      { parent: this },
    );
    this.dashboardUrl = pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/builder/${dashboard.id.apply((id) => id.split("/").pop() ?? id)}?project=${project}`;

    if (args.budgetAmountUsd !== undefined && args.billingAccount) {
      new gcp.billing.Budget(
        `${name}-budget`,
        {
          billingAccount: args.billingAccount,
          displayName: `finetune ${name} (${project})`,
          budgetFilter: { projects: [pulumi.interpolate`projects/${projectNumber}`], creditTypesTreatment: "INCLUDE_ALL_CREDITS" },
          amount: { specifiedAmount: { currencyCode: "USD", units: String(Math.round(args.budgetAmountUsd)) } },
          thresholdRules: [
            ...(args.budgetThresholdsPercent ?? [50, 80, 100]).map((pct) => ({ thresholdPercent: pct / 100, spendBasis: "CURRENT_SPEND" })),
            { thresholdPercent: 1, spendBasis: "FORECASTED_SPEND" },
          ],
          allUpdatesRule: { monitoringNotificationChannels: channels, disableDefaultIamRecipients: false },
        },
        { parent: this },
      );
    }

    this.contract = { platform: "cloud-monitoring", selectorLabels: {} };
    if (args.pushgatewayUrl) this.contract.pushgatewayUrl = args.pushgatewayUrl;
    if (channel?.type === "existing") this.contract.alertTarget = channel.name;
    this.registerOutputs({ contract: this.contract, notificationChannelNames: this.notificationChannelNames, dashboardUrl: this.dashboardUrl });
  }
}
