import { z } from "zod";
import { logRetentionProblem } from "../../components/monitoring/cloudwatch-facts";
import { AlertThresholds, DEFAULT_THRESHOLDS, durationSeconds, thresholdProblem } from "../../components/monitoring/thresholds";
import { DNS_LABEL } from "../../core/kubernetes";

/**
 * `finetune:monitoring` — one section for all three stacks. Thresholds apply everywhere (PrometheusRules,
 * Cloud Monitoring alert policies, CloudWatch alarms); `aws`/`gcp` hold what only that cloud has.
 */

function refineThreshold(key: keyof AlertThresholds) {
  return (v: unknown, ctx: z.RefinementCtx) => {
    const problem = thresholdProblem(key, v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}
/** A numeric threshold, range from THRESHOLD_LIMITS (the table the components validate with, too). */
const numberThreshold = (key: keyof AlertThresholds) => z.number().superRefine(refineThreshold(key));
/** A duration threshold (Prometheus duration), range from THRESHOLD_LIMITS. */
const durationThreshold = (key: keyof AlertThresholds) => z.string().superRefine(refineThreshold(key));

/** `finetune:monitoring.thresholds` — every alert threshold; defaults in DEFAULT_THRESHOLDS. */
export const ThresholdsConfigSchema = z.strictObject({
  /** GPU utilisation (%) under which a training GPU counts as idle (0–100). @default 10 */
  gpuIdleUtilizationPercent: numberThreshold("gpuIdleUtilizationPercent").default(DEFAULT_THRESHOLDS.gpuIdleUtilizationPercent),
  /** How long a GPU must be idle (1m–7d). @default "30m" */
  gpuIdleFor: durationThreshold("gpuIdleFor").default(DEFAULT_THRESHOLDS.gpuIdleFor),
  /** GPU temperature limit in °C (40–110). @default 85 */
  gpuTemperatureCelsius: numberThreshold("gpuTemperatureCelsius").default(DEFAULT_THRESHOLDS.gpuTemperatureCelsius),
  /** How long the temperature must exceed the limit (0s–1d). @default "5m" */
  gpuTemperatureFor: durationThreshold("gpuTemperatureFor").default(DEFAULT_THRESHOLDS.gpuTemperatureFor),
  /** No step progress for this long means stalled (5m–7d). @default "30m" */
  trainingStalledAfter: durationThreshold("trainingStalledAfter").default(DEFAULT_THRESHOLDS.trainingStalledAfter),
  /** Longest time without a checkpoint (5m–7d). @default "2h" */
  checkpointMaxAge: durationThreshold("checkpointMaxAge").default(DEFAULT_THRESHOLDS.checkpointMaxAge),
  /** Preemptions per run per hour that raise an alert (1–1000). @default 3 */
  preemptionsPerHour: numberThreshold("preemptionsPerHour").default(DEFAULT_THRESHOLDS.preemptionsPerHour),
  /** Pending Kueue workloads per ClusterQueue that count as a backlog (≥ 1). @default 1 */
  kueuePendingWorkloads: numberThreshold("kueuePendingWorkloads").default(DEFAULT_THRESHOLDS.kueuePendingWorkloads),
  /** How long the backlog must last (1m–7d). @default "1h" */
  kueuePendingFor: durationThreshold("kueuePendingFor").default(DEFAULT_THRESHOLDS.kueuePendingFor),
  /** Serving p95 latency objective in seconds (0.01–3600). @default 10 */
  servingP95LatencySeconds: numberThreshold("servingP95LatencySeconds").default(DEFAULT_THRESHOLDS.servingP95LatencySeconds),
  /** Serving 5xx rate objective in percent (0.01–100). @default 5 */
  servingErrorRatePercent: numberThreshold("servingErrorRatePercent").default(DEFAULT_THRESHOLDS.servingErrorRatePercent),
  /** How long a serving objective must be missed (1m–1d). @default "10m" */
  servingFor: durationThreshold("servingFor").default(DEFAULT_THRESHOLDS.servingFor),
  /** GPU-hours per budget window (Kubernetes stacks). @default - no GPU-hours alert */
  gpuHoursBudget: numberThreshold("gpuHoursBudget").optional(),
  /** Window of the GPU-hours budget (1h–366d). @default "30d" */
  gpuHoursBudgetWindow: durationThreshold("gpuHoursBudgetWindow").default(DEFAULT_THRESHOLDS.gpuHoursBudgetWindow),
});

const email = z.email({ message: "is not an email address (write it like ml-platform@example.com)" });
const labels = z.record(z.string(), z.string());

/** `finetune:monitoring.aws` — CloudWatch, SNS, Budgets (aws-sagemaker stack). */
export const AwsMonitoringConfigSchema = z.strictObject({
  /** Monthly spend limit of the AWS Budgets budget in USD. @default - no budget */
  budgetLimitUsd: z.number().positive().max(10_000_000).optional(),
  /** Budget alert thresholds in percent of the limit (actual spend; 100 is also sent as a forecast). @default [50, 80, 100] */
  budgetThresholdsPercent: z.array(z.number().positive().max(1000)).min(1).max(5).default([50, 80, 100]),
  /** Retention of the SageMaker log groups in days (a value CloudWatch Logs accepts, ≥ 7). @default 90 */
  logRetentionDays: z
    .number()
    .int()
    .default(90)
    .superRefine((v, ctx) => {
      const problem = logRetentionProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  /** Customer-managed KMS key for the SNS topic and log groups. @default - the component creates one (rotating) */
  kmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/,
      "is not a KMS key ARN (write it like arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab)",
    )
    .optional(),
  /** SageMaker endpoint names to chart, alarm on and give log groups. @default [] */
  endpointNames: z.array(z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "is not a SageMaker endpoint name (1-63 letters, digits and '-')")).default([]),
});

/** `finetune:monitoring.gcp.notificationChannel` — where Cloud Monitoring sends alerts. */
export const GcpNotificationChannelSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("email"), /** Email address. */ address: email }),
  z.strictObject({
    type: z.literal("pubsub"),
    /** Topic `projects/<p>/topics/<t>`. */ topic: z
      .string()
      .regex(
        /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][\w.~+%-]{2,254}$/,
        "is not a Pub/Sub topic name (write it like projects/my-proj/topics/alerts)",
      ),
  }),
  z.strictObject({
    type: z.literal("existing"),
    /** Channel `projects/<p>/notificationChannels/<id>`. */ name: z
      .string()
      .regex(
        /^projects\/[^/]+\/notificationChannels\/\d+$/,
        "is not a notification channel name (write it like projects/my-proj/notificationChannels/1234567890)",
      ),
  }),
]);

/** `finetune:monitoring.gcp` — Cloud Monitoring and billing (gcp stack). */
export const GcpMonitoringConfigSchema = z.strictObject({
  /** Notification channel for alert policies. @default - an email channel for each of `alertEmails` */
  notificationChannel: GcpNotificationChannelSchema.optional(),
  /** Billing account of the optional budget (`XXXXXX-XXXXXX-XXXXXX`). @default - no budget */
  billingAccount: z
    .string()
    .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "is not a billing account id (write it like 012345-6789AB-CDEF01)")
    .optional(),
  /** Monthly budget in USD (needs `billingAccount`). @default - no budget */
  budgetAmountUsd: z.number().positive().max(10_000_000).optional(),
  /** Budget alert thresholds in percent. @default [50, 80, 100] */
  budgetThresholdsPercent: z.array(z.number().positive().max(1000)).min(1).max(5).default([50, 80, 100]),
});

/** `finetune:monitoring` section. */
export const MonitoringConfigSchema = z
  .strictObject({
    /** Kubernetes stacks: install kube-prometheus-stack, attach to an existing Prometheus, or use GKE Managed Service for Prometheus. @default - "kube-prometheus-stack" (kubernetes), "managed-prometheus" (gcp) */
    mode: z.enum(["kube-prometheus-stack", "existing", "managed-prometheus"]).optional(),
    /** Namespace of the monitoring objects. @default "monitoring" */
    namespace: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lowercase letters, digits, '-')").max(63).default("monitoring"),
    /** Mode "existing": labels the existing Prometheus selects ServiceMonitors/PrometheusRules by. @default - none (required in mode "existing") */
    selectorLabels: labels.optional(),
    /** Label Grafana's dashboard sidecar watches. @default { grafana_dashboard: "1" } */
    dashboardLabel: labels.default({ grafana_dashboard: "1" }),
    /** Prometheus retention (Prometheus duration). @default "31d" */
    retention: z.string().default("31d"),
    /** Prometheus PVC size. @default "50Gi" */
    storageSize: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei)$/, "is not a storage size (write it like 50Gi)")
      .default("50Gi"),
    /** Alert thresholds. @default {} */
    thresholds: ThresholdsConfigSchema.prefault({}),
    /** Email addresses that receive alerts and budget notifications (SNS subscriptions on AWS, channels on GCP). @default [] */
    alertEmails: z.array(email).default([]),
    /** AWS settings. @default {} */
    aws: AwsMonitoringConfigSchema.prefault({}),
    /** GCP settings. @default {} */
    gcp: GcpMonitoringConfigSchema.prefault({}),
  })
  .superRefine((m, ctx) => {
    if (m.mode === "existing" && Object.keys(m.selectorLabels ?? {}).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["selectorLabels"],
        message: 'is required when mode is "existing" (set the labels your Prometheus selects rules and monitors by, e.g. { release: prometheus })',
      });
    }
    if (Object.keys(m.dashboardLabel).length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["dashboardLabel"],
        message: `has ${Object.keys(m.dashboardLabel).length} labels (Grafana's sidecar watches exactly one; give one key and value)`,
      });
    }
    const budgetWindow = durationSeconds(m.thresholds.gpuHoursBudgetWindow);
    const retention = durationSeconds(m.retention);
    if (retention === undefined)
      ctx.addIssue({ code: "custom", path: ["retention"], message: `"${m.retention}" is not a Prometheus duration (write it like "31d")` });
    else if (m.thresholds.gpuHoursBudget !== undefined && budgetWindow !== undefined && retention < budgetWindow) {
      ctx.addIssue({
        code: "custom",
        path: ["retention"],
        message: `"${m.retention}" is shorter than thresholds.gpuHoursBudgetWindow "${m.thresholds.gpuHoursBudgetWindow}" (raise the retention or shorten the window)`,
      });
    }
    if (m.gcp.budgetAmountUsd !== undefined && m.gcp.billingAccount === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["gcp", "billingAccount"],
        message: "is required when gcp.budgetAmountUsd is set (set the billing account id, e.g. 012345-6789AB-CDEF01)",
      });
    }
  });

export type MonitoringConfig = z.infer<typeof MonitoringConfigSchema>;
