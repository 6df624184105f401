import * as fs from "node:fs";
import * as path from "node:path";
import * as protobuf from "protobufjs";

/**
 * Strict validation of what the kit sends to the Cloud Monitoring API, against the OFFICIAL API definitions:
 * the protos shipped in the npm packages `@google-cloud/monitoring` (google.monitoring.v3.AlertPolicy, bundled as
 * build/protos/protos.json, from google/monitoring/v3/alert.proto) and `@google-cloud/monitoring-dashboards`
 * (google.monitoring.dashboard.v1.Dashboard, from google/monitoring/dashboard/v1/*.proto), loaded with protobufjs
 * (a dependency of both packages).
 *
 * The walker reads the JSON we emit with proto3 JSON-mapping rules (lowerCamelCase field names): unknown fields,
 * wrong types, unknown enum values, more than one member of a oneof, missing `REQUIRED` fields and set
 * `OUTPUT_ONLY` fields are errors. Well-known types follow their JSON forms (Duration `"30s"`, Timestamp RFC 3339,
 * wrappers as plain values, Struct/Value as any JSON).
 *
 * Pulumi's `gcp.monitoring.AlertPolicy` inputs are close to the API's AlertPolicy JSON but not identical;
 * {@link alertPolicyInputsToApiJson} converts them (the mapping is the table {@link PULUMI_ALERT_POLICY_MAPPING}).
 */

type Json = unknown;

function loadRoot(pkg: string): protobuf.Root {
  const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "build", "protos", "protos.json");
  const root = protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(file, "utf8")));
  root.resolveAll();
  return root;
}

let monitoringRoot: protobuf.Root | undefined;
let dashboardsRoot: protobuf.Root | undefined;

/** The official message type, e.g. `google.monitoring.v3.AlertPolicy`. */
export function apiType(
  fullName: "google.monitoring.v3.AlertPolicy" | "google.monitoring.v3.NotificationChannel" | "google.monitoring.dashboard.v1.Dashboard",
): protobuf.Type {
  if (fullName.startsWith("google.monitoring.dashboard.")) {
    dashboardsRoot ??= loadRoot("@google-cloud/monitoring-dashboards");
    return dashboardsRoot.lookupType(fullName);
  }
  monitoringRoot ??= loadRoot("@google-cloud/monitoring");
  return monitoringRoot.lookupType(fullName);
}

const INT32 = new Set(["int32", "sint32", "sfixed32", "uint32", "fixed32"]);
const INT64 = new Set(["int64", "sint64", "sfixed64", "uint64", "fixed64"]);
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function behaviors(field: protobuf.Field): string[] {
  const b = field.options?.["(google.api.field_behavior)"] as unknown;
  return b === undefined ? [] : Array.isArray(b) ? b.map(String) : [String(b)];
}

function describe(v: Json): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Checks one value of a field's type (not repeated/map). */
function checkValue(field: protobuf.Field, v: Json, where: string, errors: string[]): void {
  const t = field.type;
  if (t === "string") {
    if (typeof v !== "string") errors.push(`${where}: expected a string, got ${describe(v)}`);
    return;
  }
  if (t === "bool") {
    if (typeof v !== "boolean") errors.push(`${where}: expected true/false, got ${describe(v)}`);
    return;
  }
  if (INT32.has(t) || INT64.has(t)) {
    const ok = (typeof v === "number" && Number.isInteger(v)) || (INT64.has(t) && typeof v === "string" && /^-?\d+$/.test(v));
    if (!ok) errors.push(`${where}: expected an integer (${t}), got ${describe(v)}`);
    return;
  }
  if (t === "double" || t === "float") {
    if (typeof v !== "number" && !["NaN", "Infinity", "-Infinity"].includes(String(v))) errors.push(`${where}: expected a number, got ${describe(v)}`);
    return;
  }
  if (t === "bytes") {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/_-]*=*$/.test(v)) errors.push(`${where}: expected base64 bytes, got ${describe(v)}`);
    return;
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    if (typeof v === "string" ? !names.includes(v) : !(typeof v === "number" && Object.values(resolved.values).includes(v))) {
      errors.push(`${where}: ${describe(v)} is not a ${resolved.name} (use one of ${names.join(", ")})`);
    }
    return;
  }
  if (resolved instanceof protobuf.Type) {
    checkMessage(resolved, v, where, errors);
    return;
  }
  errors.push(`${where}: unresolved type ${t}`);
}

/** Well-known types in their JSON form; returns false when `type` is not one. */
function checkWellKnown(type: protobuf.Type, v: Json, where: string, errors: string[]): boolean {
  switch (type.fullName) {
    case ".google.protobuf.Duration":
      if (typeof v !== "string" || !DURATION.test(v)) errors.push(`${where}: expected a Duration like "60s", got ${describe(v)}`);
      return true;
    case ".google.protobuf.Timestamp":
      if (typeof v !== "string" || !TIMESTAMP.test(v)) errors.push(`${where}: expected an RFC 3339 timestamp, got ${describe(v)}`);
      return true;
    case ".google.protobuf.BoolValue":
      if (typeof v !== "boolean") errors.push(`${where}: expected true/false, got ${describe(v)}`);
      return true;
    case ".google.protobuf.StringValue":
    case ".google.protobuf.FieldMask":
      if (typeof v !== "string") errors.push(`${where}: expected a string, got ${describe(v)}`);
      return true;
    case ".google.protobuf.DoubleValue":
    case ".google.protobuf.FloatValue":
      if (typeof v !== "number") errors.push(`${where}: expected a number, got ${describe(v)}`);
      return true;
    case ".google.protobuf.Int32Value":
    case ".google.protobuf.UInt32Value":
    case ".google.protobuf.Int64Value":
    case ".google.protobuf.UInt64Value":
      if (!((typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^-?\d+$/.test(v))))
        errors.push(`${where}: expected an integer, got ${describe(v)}`);
      return true;
    case ".google.protobuf.Struct":
      if (!isObject(v)) errors.push(`${where}: expected an object, got ${describe(v)}`);
      return true;
    case ".google.protobuf.ListValue":
      if (!Array.isArray(v)) errors.push(`${where}: expected a list, got ${describe(v)}`);
      return true;
    case ".google.protobuf.Value":
      return true;
    case ".google.protobuf.Empty":
      if (!isObject(v) || Object.keys(v).length > 0) errors.push(`${where}: expected {}, got ${describe(v)}`);
      return true;
    default:
      return false;
  }
}

/** Walks one message: every key must be a field of `type` (JSON name), values of the field's type. */
function checkMessage(type: protobuf.Type, v: Json, where: string, errors: string[]): void {
  if (checkWellKnown(type, v, where, errors)) return;
  if (!isObject(v)) {
    errors.push(`${where}: expected a ${type.name} object, got ${describe(v)}`);
    return;
  }
  const byJsonName = new Map<string, protobuf.Field>();
  for (const f of type.fieldsArray) byJsonName.set(f.name, f);
  for (const [key, value] of Object.entries(v)) {
    const field = byJsonName.get(key);
    const at = `${where}.${key}`;
    if (!field) {
      const known = [...byJsonName.keys()];
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || k.toLowerCase().replace(/_/g, "") === key.toLowerCase().replace(/_/g, ""));
      errors.push(`${at}: unknown field of ${type.name}${near ? ` (did you mean "${near}"?)` : ` (known: ${known.join(", ")})`}`);
      continue;
    }
    if (behaviors(field).includes("OUTPUT_ONLY")) errors.push(`${at}: is output only (the API sets it; remove it)`);
    if (value === null) continue;
    if (field.map) {
      if (!isObject(value)) errors.push(`${at}: expected a map (object), got ${describe(value)}`);
      else for (const [k, item] of Object.entries(value)) checkValue(field, item, `${at}[${JSON.stringify(k)}]`, errors);
    } else if (field.repeated) {
      if (!Array.isArray(value)) errors.push(`${at}: expected a list, got ${describe(value)}`);
      else value.forEach((item, i) => checkValue(field, item, `${at}[${i}]`, errors));
    } else checkValue(field, value, at, errors);
  }
  for (const f of type.fieldsArray) {
    if (behaviors(f).includes("REQUIRED") && (v[f.name] === undefined || v[f.name] === null)) errors.push(`${where}.${f.name}: is required by ${type.name}`);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => v[f.name] !== undefined && v[f.name] !== null).map((f) => f.name);
    if (set.length > 1) errors.push(`${where}: sets ${set.join(" and ")}, which are one of ${type.name}.${oneof.name} (keep one)`);
  }
}

/** Errors of a JSON document against an official Cloud Monitoring message type; empty when valid. */
export function validateCloudMonitoringJson(typeName: Parameters<typeof apiType>[0], json: Json): string[] {
  const errors: string[] = [];
  checkMessage(apiType(typeName), json, typeName.split(".").pop() as string, errors);
  return errors;
}

/** Errors of a dashboard (`dashboardJson` text or object) against google.monitoring.dashboard.v1.Dashboard. */
export function validateCloudMonitoringDashboard(dashboard: string | object): string[] {
  let json: Json;
  try {
    json = typeof dashboard === "string" ? JSON.parse(dashboard) : dashboard;
  } catch (e) {
    return [`dashboardJson is not JSON: ${(e as Error).message}`];
  }
  return validateCloudMonitoringJson("google.monitoring.dashboard.v1.Dashboard", json);
}

/**
 * Where Pulumi's `gcp.monitoring.AlertPolicy` inputs differ from the API's AlertPolicy JSON (dotted paths,
 * `[]` for list items): `drop` fields are not part of the API body (`project` is in the request URL), `rename`
 * fields carry another JSON name in the API. Every other input has the API's name and JSON form already
 * (Pulumi passes durations as `"60s"` strings, enums as their names, maps as objects).
 */
export const PULUMI_ALERT_POLICY_MAPPING = {
  drop: ["project"],
  rename: {
    "alertStrategy.notificationChannelStrategies": "notificationChannelStrategy",
  } as Record<string, string>,
} as const;

/** Pulumi AlertPolicy inputs → the API's AlertPolicy JSON (see {@link PULUMI_ALERT_POLICY_MAPPING}). */
export function alertPolicyInputsToApiJson(inputs: Record<string, unknown>): Record<string, unknown> {
  const convert = (v: unknown, prefix: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => convert(x, `${prefix}[]`));
    if (!isObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if ((PULUMI_ALERT_POLICY_MAPPING.drop as readonly string[]).includes(p)) continue;
      const name = PULUMI_ALERT_POLICY_MAPPING.rename[p] ?? k;
      out[name] = convert(x, p);
    }
    return out;
  };
  return convert(inputs, "") as Record<string, unknown>;
}

/** Errors of Pulumi AlertPolicy inputs, converted to the API JSON, against google.monitoring.v3.AlertPolicy. */
export function validateAlertPolicyInputs(inputs: Record<string, unknown>): string[] {
  return validateCloudMonitoringJson("google.monitoring.v3.AlertPolicy", alertPolicyInputsToApiJson(inputs));
}
