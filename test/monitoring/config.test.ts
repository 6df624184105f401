import { describe, expect, it } from "vitest";
import { parseKitConfig } from "../../stacks/config/load";
import { configProblems as problems } from "../config-problems";

const k8s = { target: "kubernetes", kubernetes: { context: "c" } };
const gcp = { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" } };
const aws = { target: "aws-sagemaker", aws: { region: "us-east-1" } };

describe("finetune:monitoring config", () => {
  it("applies defaults", () => {
    const m = parseKitConfig(k8s).monitoring;
    expect(m).toEqual({
      namespace: "monitoring",
      dashboardLabel: { grafana_dashboard: "1" },
      retention: "31d",
      storageSize: "50Gi",
      thresholds: {
        gpuIdleUtilizationPercent: 10,
        gpuIdleFor: "30m",
        gpuTemperatureCelsius: 85,
        gpuTemperatureFor: "5m",
        trainingStalledAfter: "30m",
        checkpointMaxAge: "2h",
        preemptionsPerHour: 3,
        kueuePendingWorkloads: 1,
        kueuePendingFor: "1h",
        servingP95LatencySeconds: 10,
        servingErrorRatePercent: 5,
        servingFor: "10m",
        gpuHoursBudgetWindow: "30d",
      },
      alertEmails: [],
      aws: { budgetThresholdsPercent: [50, 80, 100], logRetentionDays: 90, endpointNames: [] },
      gcp: { budgetThresholdsPercent: [50, 80, 100] },
    });
  });

  it("accepts a full config per stack", () => {
    expect(
      parseKitConfig({
        ...k8s,
        monitoring: { mode: "existing", selectorLabels: { release: "prometheus" }, thresholds: { gpuHoursBudget: 20000, gpuIdleFor: "1h" } },
      }).monitoring.mode,
    ).toBe("existing");
    const a = parseKitConfig({
      ...aws,
      monitoring: { alertEmails: ["ml@example.com"], aws: { budgetLimitUsd: 25000, logRetentionDays: 365, endpointNames: ["chat-v3"] } },
    });
    expect(a.monitoring.aws).toMatchObject({ budgetLimitUsd: 25000, logRetentionDays: 365 });
    const g = parseKitConfig({
      ...gcp,
      monitoring: {
        gcp: {
          notificationChannel: { type: "pubsub", topic: "projects/my-proj-123/topics/alerts" },
          billingAccount: "012345-6789AB-CDEF01",
          budgetAmountUsd: 10000,
        },
      },
    });
    expect(g.monitoring.gcp.notificationChannel).toEqual({ type: "pubsub", topic: "projects/my-proj-123/topics/alerts" });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      "utilisation threshold above 100",
      { ...k8s, monitoring: { thresholds: { gpuIdleUtilizationPercent: 150 } } },
      ["finetune:monitoring.thresholds.gpuIdleUtilizationPercent: 150 % is outside the allowed range 0–100 % (set it to a value from 0 to 100)"],
    ],
    [
      "temperature below 40",
      { ...gcp, monitoring: { thresholds: { gpuTemperatureCelsius: 20 } } },
      ["finetune:monitoring.thresholds.gpuTemperatureCelsius: 20 °C is outside the allowed range 40–110 °C (set it to a value from 40 to 110)"],
    ],
    [
      "temperature above 110",
      { ...k8s, monitoring: { thresholds: { gpuTemperatureCelsius: 130 } } },
      ["finetune:monitoring.thresholds.gpuTemperatureCelsius: 130 °C is outside the allowed range 40–110 °C (set it to a value from 40 to 110)"],
    ],
    [
      "duration not a Prometheus duration",
      { ...k8s, monitoring: { thresholds: { trainingStalledAfter: "30 minutes" } } },
      [
        'finetune:monitoring.thresholds.trainingStalledAfter: "30 minutes" is not a Prometheus duration (write it like "30m", "2h", "1h30m" or "7d"; units ms, s, m, h, d, w, y)',
      ],
    ],
    [
      "duration too short",
      { ...k8s, monitoring: { thresholds: { trainingStalledAfter: "1m" } } },
      ['finetune:monitoring.thresholds.trainingStalledAfter: "1m" is outside the allowed range 5m–7d (set a duration from 5m to 7d)'],
    ],
    [
      "preemptions not whole",
      { ...k8s, monitoring: { thresholds: { preemptionsPerHour: 2.5 } } },
      ["finetune:monitoring.thresholds.preemptionsPerHour: 2.5 is not a whole number (set it to a whole number from 1 to 1000 preemptions/h)"],
    ],
    [
      "threshold of the wrong type",
      { ...k8s, monitoring: { thresholds: { gpuIdleFor: 30 } } },
      ["finetune:monitoring.thresholds.gpuIdleFor: expected a string, got number 30 (set it to a string)"],
    ],
    [
      "misspelled threshold",
      { ...k8s, monitoring: { thresholds: { gpuIdleFr: "1h" } } },
      ['finetune:monitoring.thresholds.gpuIdleFr: unknown key (did you mean "gpuIdleFor"?)'],
    ],
    [
      "retention not allowed by CloudWatch",
      { ...aws, monitoring: { aws: { logRetentionDays: 45 } } },
      [
        "finetune:monitoring.aws.logRetentionDays: 45 is not a retention CloudWatch Logs accepts (use one of 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
      ],
    ],
    [
      "retention below the minimum",
      { ...aws, monitoring: { aws: { logRetentionDays: 3 } } },
      ["finetune:monitoring.aws.logRetentionDays: 3 days is below the minimum of 7 (use 7 or more)"],
    ],
    [
      "budget not positive",
      { ...aws, monitoring: { aws: { budgetLimitUsd: 0 } } },
      ["finetune:monitoring.aws.budgetLimitUsd: is number 0, must be > 0 (raise it to at least more than 0)"],
    ],
    [
      "bad alert email",
      { ...aws, monitoring: { alertEmails: ["ml-team"] } },
      ['finetune:monitoring.alertEmails[0]: "ml-team" is not an email address (write it like ml-platform@example.com)'],
    ],
    [
      "bad KMS key ARN",
      { ...aws, monitoring: { aws: { kmsKeyArn: "alias/monitoring" } } },
      [
        'finetune:monitoring.aws.kmsKeyArn: "alias/monitoring" is not a KMS key ARN (write it like arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab)',
      ],
    ],
    [
      "mode misspelled",
      { ...k8s, monitoring: { mode: "kube-prometheus" } },
      [
        'finetune:monitoring.mode: "kube-prometheus" is not allowed (use one of "kube-prometheus-stack", "existing", "managed-prometheus"; did you mean "kube-prometheus-stack"?)',
      ],
    ],
    [
      "existing without selector labels",
      { ...k8s, monitoring: { mode: "existing" } },
      [
        'finetune:monitoring.selectorLabels: is required when mode is "existing" (set the labels your Prometheus selects rules and monitors by, e.g. { release: prometheus })',
      ],
    ],
    [
      "retention shorter than the budget window",
      { ...k8s, monitoring: { retention: "15d", thresholds: { gpuHoursBudget: 1000 } } },
      ['finetune:monitoring.retention: "15d" is shorter than thresholds.gpuHoursBudgetWindow "30d" (raise the retention or shorten the window)'],
    ],
    [
      "gcp budget without billing account",
      { ...gcp, monitoring: { gcp: { budgetAmountUsd: 500 } } },
      ["finetune:monitoring.gcp.billingAccount: is required when gcp.budgetAmountUsd is set (set the billing account id, e.g. 012345-6789AB-CDEF01)"],
    ],
    [
      "gcp billing account malformed",
      { ...gcp, monitoring: { gcp: { billingAccount: "0123-4567", budgetAmountUsd: 5 } } },
      ['finetune:monitoring.gcp.billingAccount: "0123-4567" is not a billing account id (write it like 012345-6789AB-CDEF01)'],
    ],
    [
      "gcp email channel with a bad address",
      { ...gcp, monitoring: { gcp: { notificationChannel: { type: "email", address: "oncall" } } } },
      ['finetune:monitoring.gcp.notificationChannel.address: "oncall" is not an email address (write it like ml-platform@example.com)'],
    ],
  ];

  it.each(cases)("%s", (_title, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it("reports every monitoring problem at once", () => {
    expect(problems({ ...k8s, monitoring: { thresholds: { gpuIdleUtilizationPercent: -1, servingErrorRatePercent: 0 }, storageSize: "10GB" } })).toEqual([
      'finetune:monitoring.storageSize: "10GB" is not a storage size (write it like 50Gi)',
      "finetune:monitoring.thresholds.gpuIdleUtilizationPercent: -1 % is outside the allowed range 0–100 % (set it to a value from 0 to 100)",
      "finetune:monitoring.thresholds.servingErrorRatePercent: 0 % is outside the allowed range 0.01–100 % (set it to a value from 0.01 to 100)",
    ]);
  });
});
