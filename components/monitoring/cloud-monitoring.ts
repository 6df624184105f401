import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AlertScope, COLLECTOR_LABELS } from "./alerts";
import { MANAGED_PROMETHEUS_SOURCES, renderAlertPolicies, renderCloudMonitoringDashboard } from "./cloud-monitoring-render";
import { MonitoringContract } from "../../core/contracts/monitoring";
import { MetricSource } from "./metrics";
import { AlertThresholds, withDefaultThresholds } from "./thresholds";
import { Problem, throwIfProblems } from "../../core/problem";
import { namespaceProblem, thresholdArgProblems } from "./validation";
import { fieldsFromRender, isKnown, isPlainDeep, knownProblems, outputProblems, unknownViewError, withPlaceholders, type InputOwner } from "../validation";
import { componentToken, withLegacyAlias } from "../tokens";

/** Kinds of notification channel {@link CloudMonitoring} sends alerts to. */
export const NotificationChannelType = {
  /** A new email channel (`address`). */
  Email: "email",
  /** A new Pub/Sub channel on an existing topic (`topic`); the notification agent gets publisher on it. */
  PubSub: "pubsub",
  /** An existing channel (`name`). */
  Existing: "existing",
} as const;
export type NotificationChannelType = (typeof NotificationChannelType)[keyof typeof NotificationChannelType];

/**
 * Where Cloud Monitoring sends alerts: `type` and the one field that type needs (`address` for "email", `topic` for
 * "pubsub", `name` for "existing"); the component reports a missing or extra field. Write it as before:
 * `{ type: "email", address: "oncall@example.com" }`.
 */
export interface NotificationChannelSpec {
  /** Kind of channel; decides which resources exist, so it is a plain value. */
  type: NotificationChannelType;
  /** Email address (type "email"). */
  address?: pulumi.Input<string>;
  /** Pub/Sub topic `projects/<p>/topics/<t>` (type "pubsub"). */
  topic?: pulumi.Input<string>;
  /** Existing channel `projects/<p>/notificationChannels/<id>` (type "existing"). */
  name?: pulumi.Input<string>;
}

/** The field each channel type needs. */
const CHANNEL_FIELD = { email: "address", pubsub: "topic", existing: "name" } as const satisfies Record<NotificationChannelType, keyof NotificationChannelSpec>;

/** Arguments of {@link CloudMonitoring}. */
export interface CloudMonitoringArgs {
  /** GCP project the policies, dashboard and channels live in. */
  project: pulumi.Input<string>;
  /** Namespaces training runs in. */
  trainingNamespaces: pulumi.Input<string>[];
  /** Namespaces vLLM serving runs in. @default - `trainingNamespaces` */
  servingNamespaces?: pulumi.Input<string>[];
  /** Alert thresholds (shared with the other platforms). @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<AlertThresholds>;
  /** Notification channel for every alert policy. @default - an email channel per `alertEmails` entry */
  notificationChannel?: NotificationChannelSpec;
  /**
   * Email addresses that get a channel each (and budget notifications). An address equal to the `notificationChannel`
   * email gets no second channel (when both are known at construction). @default []
   */
  alertEmails?: pulumi.Input<string>[];
  /** Metric sources that reach Managed Service for Prometheus; alerts needing others are not created. @default ["dcgm", "training", "pushgateway", "argo", "vllm"] */
  metricSources?: MetricSource[];
  /** Pushgateway URL training pods push to (from PrometheusMonitoring's contract), passed through to this contract. @default - none */
  pushgatewayUrl?: pulumi.Input<string>;
  /** Billing account of the optional budget (`XXXXXX-XXXXXX-XXXXXX`). @default - no budget */
  billingAccount?: pulumi.Input<string>;
  /** Monthly budget in USD (needs `billingAccount`). @default - no budget */
  budgetAmountUsd?: number;
  /** Budget alert thresholds in percent. @default [50, 80, 100] */
  budgetThresholdsPercent?: number[];
}

/** The arguments of {@link CloudMonitoring} typed `pulumi.Input` (or lists of Inputs): what a user may take from another resource. */
export const CLOUD_MONITORING_INPUT_ARGS = [
  "project",
  "trainingNamespaces",
  "servingNamespaces",
  "alertEmails",
  "pushgatewayUrl",
  "billingAccount",
] as const satisfies readonly (keyof CloudMonitoringArgs)[];

/** The arguments of {@link CloudMonitoring} that stay plain, and why. */
export const CLOUD_MONITORING_PLAIN_ARGS: Record<string, string> = {
  thresholds: "kit tuning values rendered into the alert conditions; nobody reads them from another resource",
  notificationChannel: "its `type` decides which channel resources exist; its `address`, `topic` and `name` are Inputs",
  metricSources: "decides which alert policies exist",
  budgetAmountUsd: "decides whether a billing budget exists",
  budgetThresholdsPercent: "decides how many threshold rules the budget has (tuning values)",
};

/** {@link CloudMonitoringArgs} with every `pulumi.Input` resolved: what the checks read. */
export type PlainCloudMonitoringArgs = pulumi.Unwrap<CloudMonitoringArgs>;

/** Validates the (resolved) arguments (every problem at once). Pure. */
export function cloudMonitoringArgProblems(args: PlainCloudMonitoringArgs): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(args.project ?? ""))
    problems.push({ path: "project", message: `"${args.project}" is not a GCP project id (6-30 lowercase letters, digits, '-')` });
  if (!args.trainingNamespaces || args.trainingNamespaces.length === 0)
    problems.push({ path: "trainingNamespaces", message: "is empty (list the namespaces the pipelines run in)" });
  (args.trainingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`trainingNamespaces[${i}]`, ns)));
  (args.servingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`servingNamespaces[${i}]`, ns)));
  problems.push(...thresholdArgProblems(args.thresholds));
  (args.alertEmails ?? []).forEach((e, i) => problems.push(...emailProblems(`alertEmails[${i}]`, e)));
  problems.push(...channelProblems(args.notificationChannel));
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

function emailProblems(path: string, e: string): Problem[] {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e) ? [] : [{ path, message: `"${e}" is not an email address (write it like ml-platform@example.com)` }];
}

/** Problems of a notification channel: an unknown type, the type's field missing, another type's field present, a malformed value. */
function channelProblems(c: pulumi.Unwrap<NotificationChannelSpec> | undefined): Problem[] {
  if (c === undefined) return [];
  const types = Object.values(NotificationChannelType);
  if (!types.includes(c.type)) {
    return [
      { path: "notificationChannel.type", message: `${JSON.stringify(c.type)} is not a channel type (use one of ${types.map((t) => `"${t}"`).join(", ")})` },
    ];
  }
  const field = CHANNEL_FIELD[c.type];
  const problems: Problem[] = [];
  if (c[field] === undefined || c[field] === "")
    problems.push({ path: `notificationChannel.${field}`, message: `is required with type "${c.type}" (set notificationChannel.${field})` });
  for (const other of Object.values(CHANNEL_FIELD).filter((f) => f !== field && c[f] !== undefined)) {
    problems.push({ path: `notificationChannel.${other}`, message: `is not used with type "${c.type}" (remove it, or set type to the channel it belongs to)` });
  }
  if (c.type === "email" && c.address) problems.push(...emailProblems("notificationChannel.address", c.address));
  return problems;
}

/** Stands in for an Output while the checks run at construction (their problems at its path are dropped). */
const UNKNOWN = "unknown-until-deployed";

/** Plain views of each component, kept off the instance so the provider host does not take them for outputs. */
const VIEWS = new WeakMap<CloudMonitoring, { owner: InputOwner; contract?: MonitoringContract }>();

function contractOf(a: PlainCloudMonitoringArgs): MonitoringContract {
  const contract: MonitoringContract = { platform: "cloud-monitoring", selectorLabels: {} };
  if (a.pushgatewayUrl) contract.pushgatewayUrl = a.pushgatewayUrl;
  if (a.notificationChannel?.type === "existing" && a.notificationChannel.name) contract.alertTarget = a.notificationChannel.name;
  return contract;
}

/**
 * Cloud Monitoring for the gcp stack: one alert policy per kit alert whose data reaches Managed Service for
 * Prometheus (PromQL conditions: DCGM GPU health and idleness, stalled training, non-finite loss, stale
 * checkpoints, preemptions, failed pipelines, serving latency/errors), a dashboard, notification channels, and an
 * optional billing budget.
 */
export class CloudMonitoring extends pulumi.ComponentResource {
  /**
   * What monitoring tells the pipeline, as plain values. Reading it throws when `pushgatewayUrl` or the existing
   * channel's name was passed as an Output: read {@link contractOutput} then.
   */
  get contract(): MonitoringContract {
    const v = VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set). */
  readonly contractOutput: pulumi.Output<MonitoringContract>;
  /** Names (`projects/<p>/notificationChannels/<id>`) of the channels alerts go to. */
  readonly notificationChannelNames: pulumi.Output<string[]>;
  /** Console URL of the dashboard. */
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: CloudMonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // An Output where a plain value is needed; then every problem of the values known now (each Output stands in
    // as a placeholder whose problems are dropped). The rest are checked inside apply, on the resolved arguments.
    throwIfProblems("CloudMonitoring", name, outputProblems(args, [...CLOUD_MONITORING_INPUT_ARGS, "notificationChannel"]));
    throwIfProblems(
      "CloudMonitoring",
      name,
      outputProblems(args.notificationChannel ?? {}, ["address", "topic", "name"]).map((p) => ({ ...p, path: `notificationChannel.${p.path}` })),
    );
    const known = isPlainDeep(args);
    const shape = known ? (args as PlainCloudMonitoringArgs) : withPlaceholders(args as PlainCloudMonitoringArgs, UNKNOWN);
    throwIfProblems("CloudMonitoring", name, known ? cloudMonitoringArgProblems(shape) : knownProblems(args, cloudMonitoringArgProblems(shape)));
    super(componentToken("CloudMonitoring"), name, {}, withLegacyAlias("CloudMonitoring", opts));
    const owner: InputOwner = { component: "CloudMonitoring", name };
    const real = known
      ? undefined
      : pulumi.output(args).apply((a) => {
          throwIfProblems(owner.component, name, cloudMonitoringArgProblems(a as PlainCloudMonitoringArgs));
          return a as PlainCloudMonitoringArgs;
        });
    // A value of the resolved arguments: plain when every argument is known, else an Output (checked first).
    const at = <T>(f: (a: PlainCloudMonitoringArgs) => T): pulumi.Input<T> => (real === undefined ? f(shape) : (real.apply(f) as pulumi.Output<T>));
    const thresholds = withDefaultThresholds(args.thresholds);
    const scopeOf = (a: PlainCloudMonitoringArgs): AlertScope => ({
      trainingNamespaces: [...a.trainingNamespaces],
      servingNamespaces: a.servingNamespaces && a.servingNamespaces.length > 0 ? [...a.servingNamespaces] : [...a.trainingNamespaces],
      labels: COLLECTOR_LABELS.managedPrometheus,
    });
    const project = at((a) => a.project);
    const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this }).number;

    const channels: pulumi.Input<string>[] = [];
    const channel = args.notificationChannel;
    const channelField = (f: "address" | "topic" | "name") => at((a) => a.notificationChannel![f]!);
    if (channel?.type === "existing") channels.push(channelField("name"));
    else if (channel?.type === "pubsub") {
      const topic = channelField("topic");
      const c = new gcp.monitoring.NotificationChannel(
        `${name}-pubsub`,
        { project, displayName: `finetune ${name} alerts (Pub/Sub)`, type: "pubsub", labels: { topic } },
        { parent: this },
      );
      // Cloud Monitoring publishes as its notification service agent.
      new gcp.pubsub.TopicIAMMember(
        `${name}-pubsub-publisher`,
        {
          project,
          topic,
          role: "roles/pubsub.publisher",
          member: pulumi.interpolate`serviceAccount:service-${projectNumber}@gcp-sa-monitoring-notification.iam.gserviceaccount.com`,
        },
        { parent: this },
      );
      channels.push(c.name);
    } else if (channel?.type === "email") {
      const address = channelField("address");
      channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-email`,
          { project, displayName: pulumi.interpolate`finetune ${name} alerts (${address})`, type: "email", labels: { email_address: address } },
          { parent: this },
        ).name,
      );
    }
    (args.alertEmails ?? []).forEach((given, i) => {
      // The notification channel's own address gets no second channel (compared only when both are known now).
      if (channel?.type === "email" && isKnown(channel.address) && isKnown(given) && channel.address === given) return;
      const address = at((a) => a.alertEmails![i]);
      channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${i}`,
          { project, displayName: pulumi.interpolate`finetune ${name} alerts (${address})`, type: "email", labels: { email_address: address } },
          { parent: this },
        ).name,
      );
    });
    this.notificationChannelNames = pulumi.all(channels);

    // Which policies exist depends on thresholds and sources only (plain); their queries on the namespaces.
    const sources = args.metricSources ?? MANAGED_PROMETHEUS_SOURCES;
    const policiesOf = (a: PlainCloudMonitoringArgs) => renderAlertPolicies({ thresholds, scope: scopeOf(a), sources });
    const shapePolicies = policiesOf(shape);
    const realPolicies = real?.apply(policiesOf);
    shapePolicies.forEach((p, i) => {
      const { id, ...policy } = p;
      const fields =
        realPolicies === undefined
          ? policy
          : fieldsFromRender(
              policy,
              realPolicies.apply((ps) => ps[i] as unknown as Record<string, unknown>),
            );
      new gcp.monitoring.AlertPolicy(`${name}-${id}`, { ...(fields as Omit<typeof p, "id">), project, notificationChannels: channels }, { parent: this });
    });

    const dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      { project, dashboardJson: at((a) => JSON.stringify(renderCloudMonitoringDashboard({ scope: scopeOf(a), thresholds }))) },
      { parent: this },
    );
    this.dashboardUrl = pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/builder/${dashboard.id.apply((id) => id.split("/").pop() ?? id)}?project=${project}`;

    if (args.budgetAmountUsd !== undefined && args.billingAccount) {
      new gcp.billing.Budget(
        `${name}-budget`,
        {
          billingAccount: at((a) => a.billingAccount!),
          displayName: pulumi.interpolate`finetune ${name} (${project})`,
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

    // The contract reads only pushgatewayUrl and the existing channel's name: plain when both are known now.
    const contractKnown = isPlainDeep([args.pushgatewayUrl, channel?.name]);
    VIEWS.set(this, { owner, contract: contractKnown ? contractOf(args as PlainCloudMonitoringArgs) : undefined });
    this.contractOutput = pulumi.output(at(contractOf)) as pulumi.Output<MonitoringContract>;
    this.registerOutputs({ contract: this.contractOutput, notificationChannelNames: this.notificationChannelNames, dashboardUrl: this.dashboardUrl });
  }
}
