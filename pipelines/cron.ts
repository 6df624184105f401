/**
 * A strict validator of the 5-field cron expressions the kit hands to Argo CronWorkflows (robfig/cron v3's
 * standard parser) and, translated, to EventBridge Scheduler. Pure: no Pulumi, no I/O.
 *
 * Grammar per field (robfig/cron v3 `parser.go`, `getField`/`getRange`): a comma-separated list of
 * `*` | `?` (day fields only) | `N` | `N-M` | `<* | N | N-M>/STEP`, where N and M are numbers or, in the month
 * and day-of-week fields, three-letter names (case-insensitive). Bounds (robfig `constantspec.go` / `spec.go`):
 * minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6 (0 = Sunday).
 */

/** One of the five fields. */
export interface CronField {
  /** Name used in messages, e.g. "hour". */
  name: string;
  min: number;
  max: number;
  /** Three-letter names accepted for the field's values (index + min = value). */
  names?: readonly string[];
  /** `?` is accepted (as `*`) in the day fields. */
  question?: boolean;
}

/** The five fields in order: minute hour day-of-month month day-of-week. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], question: true },
];

function valueOf(text: string, field: CronField): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < field.min || n > field.max ? `${field.name} value ${text} is outside ${field.min}-${field.max}` : n;
  }
  const i = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return i + field.min;
  return field.names
    ? `${field.name} value "${text}" is neither a number ${field.min}-${field.max} nor one of ${field.names.join(", ")}`
    : `${field.name} value "${text}" is not a number ${field.min}-${field.max}`;
}

/** What is wrong with one field, or undefined when it is valid. */
export function cronFieldProblem(text: string, field: CronField): string | undefined {
  if (text === "") return `${field.name} field is empty`;
  for (const part of text.split(",")) {
    if (part === "") return `${field.name} field "${text}" has an empty list element`;
    const [range, step, ...extra] = part.split("/");
    if (extra.length) return `${field.name} element "${part}" has more than one '/'`;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1) return `${field.name} step "${step}" is not a whole number ≥ 1`;
      if (Number(step) > field.max - field.min + 1) return `${field.name} step ${step} is larger than the field's span ${field.min}-${field.max}`;
    }
    if (range === "*" || (range === "?" && field.question)) continue;
    if (range === "?") return `'?' is only allowed in the day-of-month and day-of-week fields, not in ${field.name}`;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} range "${range}" has more than one '-'`;
    const values = bounds.map((b) => valueOf(b, field));
    const bad = values.find((v) => typeof v === "string");
    if (typeof bad === "string") return bad;
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `${field.name} range "${range}" runs backwards`;
  }
  return undefined;
}

/** Whether a field restricts its values (anything but `*` / `?`). */
export function cronFieldRestricted(text: string): boolean {
  return text !== "*" && text !== "?";
}

/**
 * Every problem of a 5-field cron expression, each as "<what is wrong>" (no fix part: callers add theirs).
 * An empty list means the expression is valid.
 */
export function cronProblems(expr: string): string[] {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "");
  if (fields.length !== 5) return [`has ${fields.length} field${fields.length === 1 ? "" : "s"}, not 5`];
  const problems: string[] = [];
  fields.forEach((f, i) => {
    const p = cronFieldProblem(f, CRON_FIELDS[i]);
    if (p) problems.push(p);
  });
  return problems;
}

/** The five fields of a valid expression (minute, hour, day-of-month, month, day-of-week). */
export function cronFields(expr: string): string[] {
  return expr.trim().split(/\s+/);
}

/**
 * The coarse shape the pipeline spec schema (pipelines/spec.ts `isCron`) already enforces: five fields of digits,
 * letters and `* / , - ?`. Expressions without it are reported there; {@link cronProblems} adds what lies beyond.
 */
export function hasCronShape(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^[\d*/,\-A-Za-z?]+$/.test(f));
}
