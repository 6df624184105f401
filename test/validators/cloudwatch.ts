import Ajv, { type ValidateFunction } from "ajv";
import { formatAjvErrors } from "./ajv-errors";

/**
 * CloudWatch dashboard bodies, checked against a strict JSON schema of the structure AWS documents in
 * "Dashboard Body Structure and Syntax" (CloudWatch API reference, CloudWatch-Dashboard-Body-Structure):
 * top level `widgets` (+ `start`, `end`, `periodOverride`, `variables`); each widget `type` metric | text | log |
 * alarm | explorer | custom, grid position `x` 0–23, `y` ≥ 0, `width` 1–24, `height` 1–1000 on the 24-column grid,
 * and per type its documented `properties` (metric: `metrics` arrays of `[namespace, name, dim, value, …, {options}]`
 * or `[{expression, id, …}]`, `region`, `view`, `stat`, `period`, `yAxis`, `annotations`…; text: `markdown`;
 * log: `query`, `region`, `view`; alarm: `alarms` ARNs, `sortBy`, `states`). Unknown keys are errors. Cross-field
 * rules (widget inside the grid) are checked by code after the schema.
 */

const STAT = "^(SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tm|wm|tc|ts|pr)\\d{1,2}(\\.\\d{1,10})?|(TM|WM|TC|TS|PR)\\(.+\\))$";
const period = { type: "integer", anyOf: [{ enum: [1, 5, 10, 30] }, { multipleOf: 60, minimum: 60 }] };
const yAxisSide = {
  type: "object",
  additionalProperties: false,
  properties: { min: { type: "number" }, max: { type: "number" }, label: { type: "string" }, showUnits: { type: "boolean" } },
};
const annotation = {
  type: "object",
  additionalProperties: false,
  properties: {
    value: { type: ["number", "string"] },
    label: { type: "string" },
    color: { type: "string" },
    fill: { enum: ["above", "below", "between", "none"] },
    visible: { type: "boolean" },
    yAxis: { enum: ["left", "right"] },
  },
};
const renderingOptions = {
  type: "object",
  additionalProperties: false,
  properties: {
    accountId: { type: "string" },
    color: { type: "string", pattern: "^#[0-9a-fA-F]{6}$" },
    expression: { type: "string", minLength: 1 },
    id: { type: "string", pattern: "^[a-z][a-zA-Z0-9_]*$" },
    label: { type: "string" },
    period,
    region: { type: "string" },
    returnData: { type: "boolean" },
    stat: { type: "string", pattern: STAT },
    visible: { type: "boolean" },
    yAxis: { enum: ["left", "right"] },
  },
};
const metricLine = {
  type: "array",
  minItems: 1,
  anyOf: [
    // [{ expression, id, ... }] — a math / SEARCH expression
    { maxItems: 1, items: { allOf: [renderingOptions, { required: ["expression"] }] } },
    // [namespace, metricName, dimName, dimValue, ..., {options}] (or "..." / "." shorthands of earlier lines)
    { minItems: 2, items: { anyOf: [{ type: "string" }, renderingOptions] } },
  ],
};
const metricProps = {
  type: "object",
  additionalProperties: false,
  required: ["metrics", "region"],
  properties: {
    accountId: { type: "string" },
    annotations: {
      type: "object",
      additionalProperties: false,
      properties: { horizontal: { type: "array", items: annotation }, vertical: { type: "array", items: annotation } },
    },
    liveData: { type: "boolean" },
    legend: { type: "object", additionalProperties: false, properties: { position: { enum: ["right", "bottom", "hidden"] } } },
    metrics: { type: "array", minItems: 1, maxItems: 500, items: metricLine },
    period,
    region: { type: "string", pattern: "^[a-z]{2}(-gov)?-[a-z]+-[0-9]$" },
    setPeriodToTimeRange: { type: "boolean" },
    singleValueFullPrecision: { type: "boolean" },
    sparkline: { type: "boolean" },
    stacked: { type: "boolean" },
    stat: { type: "string", pattern: STAT },
    timezone: { type: "string", pattern: "^[+-]\\d{4}$" },
    title: { type: "string" },
    trend: { type: "boolean" },
    view: { enum: ["timeSeries", "singleValue", "gauge", "bar", "pie", "table"] },
    yAxis: { type: "object", additionalProperties: false, properties: { left: yAxisSide, right: yAxisSide } },
    table: { type: "object" },
  },
};
const textProps = {
  type: "object",
  additionalProperties: false,
  required: ["markdown"],
  properties: { markdown: { type: "string", minLength: 1 }, background: { enum: ["solid", "transparent"] } },
};
const logProps = {
  type: "object",
  additionalProperties: false,
  required: ["query", "region"],
  properties: {
    accountId: { type: "string" },
    query: { type: "string", pattern: "^SOURCE '" },
    region: { type: "string" },
    stacked: { type: "boolean" },
    title: { type: "string" },
    view: { enum: ["table", "timeSeries", "bar", "pie"] },
  },
};
const alarmProps = {
  type: "object",
  additionalProperties: false,
  required: ["alarms"],
  properties: {
    alarms: { type: "array", minItems: 1, maxItems: 100, items: { type: "string", pattern: "^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\\d{12}:alarm:.+" } },
    sortBy: { enum: ["default", "stateUpdatedTimestamp", "timestamp"] },
    states: { type: "array", items: { enum: ["ALARM", "INSUFFICIENT_DATA", "OK"] } },
    title: { type: "string" },
  },
};
const widget = (type: string, properties: object) => ({
  type: "object",
  additionalProperties: false,
  required: ["type", "properties"],
  properties: {
    type: { const: type },
    x: { type: "integer", minimum: 0, maximum: 23 },
    y: { type: "integer", minimum: 0 },
    width: { type: "integer", minimum: 1, maximum: 24 },
    height: { type: "integer", minimum: 1, maximum: 1000 },
    properties,
  },
});
const schema = {
  type: "object",
  additionalProperties: false,
  required: ["widgets"],
  properties: {
    start: { type: "string" },
    end: { type: "string" },
    periodOverride: { enum: ["auto", "inherit"] },
    variables: { type: "array" },
    widgets: {
      type: "array",
      maxItems: 500,
      items: {
        type: "object",
        required: ["type"],
        properties: { type: { enum: ["metric", "text", "log", "alarm", "explorer", "custom"] } },
        allOf: [
          { if: { properties: { type: { const: "metric" } } }, then: widget("metric", metricProps) },
          { if: { properties: { type: { const: "text" } } }, then: widget("text", textProps) },
          { if: { properties: { type: { const: "log" } } }, then: widget("log", logProps) },
          { if: { properties: { type: { const: "alarm" } } }, then: widget("alarm", alarmProps) },
        ],
      },
    },
  },
};

let compiled: ValidateFunction | undefined;

/** Errors of a dashboard body (object or JSON text) as `<path> <message>` lines; empty when valid. */
export function validateCloudWatchDashboard(body: object | string): string[] {
  let data: unknown;
  try {
    data = typeof body === "string" ? JSON.parse(body) : JSON.parse(JSON.stringify(body));
  } catch (e) {
    return [`dashboard body is not JSON: ${(e as Error).message}`];
  }
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  const errors = compiled(data) ? [] : formatAjvErrors(compiled.errors, data);
  const widgets = (data as { widgets?: Array<Record<string, unknown>> }).widgets ?? [];
  widgets.forEach((w, i) => {
    const x = typeof w.x === "number" ? w.x : 0;
    const width = typeof w.width === "number" ? w.width : 6;
    if (x + width > 24) errors.push(`/widgets/${i} x ${x} + width ${width} runs past the 24-column grid`);
  });
  return [...new Set(errors)];
}
