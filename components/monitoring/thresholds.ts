/**
 * Alert thresholds shared by every platform: the PrometheusRules (Kubernetes), the Cloud Monitoring alert
 * policies (GCP) and the CloudWatch alarms (AWS) read the same numbers, so one config changes all three.
 * The allowed ranges live in {@link THRESHOLD_LIMITS} (a table, read by the config schema and by the
 * components' construction-time validation alike).
 */

/** Every tunable threshold. Durations are Prometheus durations (`30m`, `1h30m`, `7d`). */
export interface AlertThresholds {
  /** A training GPU counts as idle below this utilisation (percent, 0–100). @default 10 */
  gpuIdleUtilizationPercent: number;
  /** How long a training GPU must stay idle before the alert fires. @default "30m" */
  gpuIdleFor: string;
  /** GPU core temperature that counts as too hot (°C, 40–110). @default 85 */
  gpuTemperatureCelsius: number;
  /** How long the temperature must stay above the limit. @default "5m" */
  gpuTemperatureFor: string;
  /** A run is stalled when its optimizer step has not advanced (or it stopped reporting) for this long. @default "30m" */
  trainingStalledAfter: string;
  /** Longest acceptable time since the last checkpoint reached the object store. @default "2h" */
  checkpointMaxAge: string;
  /** Spot preemptions (resumes from a checkpoint) per run per hour above which the alert fires. @default 3 */
  preemptionsPerHour: number;
  /** Kueue pending workloads per ClusterQueue at or above which the queue counts as backlogged. @default 1 */
  kueuePendingWorkloads: number;
  /** How long the backlog must last. @default "1h" */
  kueuePendingFor: string;
  /** Serving p95 end-to-end latency limit in seconds. @default 10 */
  servingP95LatencySeconds: number;
  /** Serving 5xx error rate limit in percent of requests. @default 5 */
  servingErrorRatePercent: number;
  /** How long a serving SLO breach must last. @default "10m" */
  servingFor: string;
  /** GPU-hours allowed per budget window; the budget alert exists only when this is set. @default - no GPU-hours alert */
  gpuHoursBudget?: number;
  /** Rolling window the GPU-hours budget applies to. @default "30d" */
  gpuHoursBudgetWindow: string;
}

/** The defaults of {@link AlertThresholds}. */
export const DEFAULT_THRESHOLDS: Readonly<AlertThresholds> = Object.freeze({
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
});

/** A numeric limit: inclusive range, optionally whole numbers only. */
export interface NumberLimit {
  kind: "number";
  min: number;
  max: number;
  integer?: boolean;
  /** Unit shown in error messages. */
  unit: string;
}

/** A duration limit: a Prometheus duration between `min` and `max` seconds. */
export interface DurationLimit {
  kind: "duration";
  min: number;
  max: number;
}

/** Allowed range of every threshold (the one table config and components validate against). */
export const THRESHOLD_LIMITS: { readonly [K in keyof AlertThresholds]-?: NumberLimit | DurationLimit } = {
  gpuIdleUtilizationPercent: { kind: "number", min: 0, max: 100, unit: "%" },
  gpuIdleFor: { kind: "duration", min: 60, max: 7 * 86400 },
  gpuTemperatureCelsius: { kind: "number", min: 40, max: 110, unit: "°C" },
  gpuTemperatureFor: { kind: "duration", min: 0, max: 86400 },
  trainingStalledAfter: { kind: "duration", min: 300, max: 7 * 86400 },
  checkpointMaxAge: { kind: "duration", min: 300, max: 7 * 86400 },
  preemptionsPerHour: { kind: "number", min: 1, max: 1000, integer: true, unit: "preemptions/h" },
  kueuePendingWorkloads: { kind: "number", min: 1, max: 100000, integer: true, unit: "workloads" },
  kueuePendingFor: { kind: "duration", min: 60, max: 7 * 86400 },
  servingP95LatencySeconds: { kind: "number", min: 0.01, max: 3600, unit: "s" },
  servingErrorRatePercent: { kind: "number", min: 0.01, max: 100, unit: "%" },
  servingFor: { kind: "duration", min: 60, max: 86400 },
  gpuHoursBudget: { kind: "number", min: 1, max: 100_000_000, unit: "GPU-hours" },
  gpuHoursBudgetWindow: { kind: "duration", min: 3600, max: 366 * 86400 },
};

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

/** Seconds in a Prometheus duration (`1h30m` → 5400), or `undefined` when it is not one. */
export function durationSeconds(d: string): number | undefined {
  if (d === "" || d === "0") return d === "0" ? 0 : undefined;
  const m = DURATION_RE.exec(d);
  if (!m) return undefined;
  return m.slice(1).reduce((sum, part, i) => sum + (part === undefined ? 0 : Number(part) * UNIT_SECONDS[i]), 0);
}

/** `5400` → `1h30m` (whole seconds). */
export function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  let rest = Math.round(seconds);
  if (rest === 0) return "0s";
  let out = "";
  for (const [u, n] of units) {
    const q = Math.floor(rest / n);
    if (q > 0) {
      out += `${q}${u}`;
      rest -= q * n;
    }
  }
  return out;
}

/** The problem with one threshold value as `<what is wrong> (<how to fix>)`, or `undefined` when it is fine. */
export function thresholdProblem(key: keyof AlertThresholds, value: unknown): string | undefined {
  const limit = THRESHOLD_LIMITS[key];
  if (value === undefined) return undefined;
  if (limit.kind === "number") {
    if (typeof value !== "number" || !Number.isFinite(value))
      return `expected a number, got ${JSON.stringify(value)} (set it to a number from ${limit.min} to ${limit.max} ${limit.unit})`;
    if (limit.integer && !Number.isInteger(value))
      return `${value} is not a whole number (set it to a whole number from ${limit.min} to ${limit.max} ${limit.unit})`;
    if (value < limit.min || value > limit.max)
      return `${value} ${limit.unit} is outside the allowed range ${limit.min}–${limit.max} ${limit.unit} (set it to a value from ${limit.min} to ${limit.max})`;
    return undefined;
  }
  if (typeof value !== "string")
    return `expected a Prometheus duration such as "30m", got ${JSON.stringify(value)} (write it as a string like "30m", "2h" or "7d")`;
  const s = durationSeconds(value);
  if (s === undefined) return `"${value}" is not a Prometheus duration (write it like "30m", "2h", "1h30m" or "7d"; units ms, s, m, h, d, w, y)`;
  if (s < limit.min || s > limit.max)
    return `"${value}" is outside the allowed range ${formatDuration(limit.min)}–${formatDuration(limit.max)} (set a duration from ${formatDuration(limit.min)} to ${formatDuration(limit.max)})`;
  return undefined;
}

/** Every problem of a thresholds object, keyed by field name. */
export function thresholdProblems(t: Partial<AlertThresholds>): Array<{ key: keyof AlertThresholds; reason: string }> {
  const out: Array<{ key: keyof AlertThresholds; reason: string }> = [];
  for (const key of Object.keys(THRESHOLD_LIMITS) as Array<keyof AlertThresholds>) {
    const reason = thresholdProblem(key, t[key]);
    if (reason) out.push({ key, reason });
  }
  return out;
}

/** Defaults overlaid with `partial` (undefined fields keep their default). */
export function withDefaultThresholds(partial: Partial<AlertThresholds> | undefined): AlertThresholds {
  const out: AlertThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [k, v] of Object.entries(partial ?? {})) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}
