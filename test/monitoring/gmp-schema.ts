import Ajv from "ajv";

/**
 * A strict schema of GKE Managed Service for Prometheus `ClusterPodMonitoring` (monitoring.googleapis.com/v1),
 * written from the fields of the GMP API reference (prometheus-engine doc/api.md: ClusterPodMonitoringSpec
 * selector/endpoints/targetLabels/limits/filterRunning; ScrapeEndpoint port/scheme/path/params/interval/timeout/
 * metricRelabeling). The shared upstream schema folder has no GMP CRD yet; this stands in until it does.
 */
const labelSelector = {
  type: "object",
  additionalProperties: false,
  properties: {
    matchLabels: { type: "object", additionalProperties: { type: "string" } },
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "operator"],
        additionalProperties: false,
        properties: {
          key: { type: "string" },
          operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
          values: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
};
const duration = { type: "string", pattern: "^((([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?|0)$" };
const endpoint = {
  type: "object",
  required: ["port"],
  additionalProperties: false,
  properties: {
    port: {
      anyOf: [
        { type: "string", minLength: 1 },
        { type: "integer", minimum: 1, maximum: 65535 },
      ],
    },
    scheme: { enum: ["http", "https"] },
    path: { type: "string", pattern: "^/" },
    params: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    interval: duration,
    timeout: duration,
    metricRelabeling: { type: "array", items: { type: "object" } },
  },
};
const schema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  additionalProperties: false,
  properties: {
    apiVersion: { const: "monitoring.googleapis.com/v1" },
    kind: { const: "ClusterPodMonitoring" },
    metadata: {
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        annotations: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    spec: {
      type: "object",
      required: ["selector", "endpoints"],
      additionalProperties: false,
      properties: {
        selector: labelSelector,
        endpoints: { type: "array", minItems: 1, items: endpoint },
        targetLabels: {
          type: "object",
          additionalProperties: false,
          properties: {
            metadata: { type: "array", items: { type: "string" } },
            fromPod: {
              type: "array",
              items: { type: "object", required: ["from"], additionalProperties: false, properties: { from: { type: "string" }, to: { type: "string" } } },
            },
          },
        },
        limits: { type: "object" },
        filterRunning: { type: "boolean" },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Errors of one ClusterPodMonitoring. */
export function validateClusterPodMonitoring(obj: object): string[] {
  return validate(obj)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`,
      );
}

/** Throws listing every error of every ClusterPodMonitoring. */
export function expectValidManagedPrometheus(objs: object[]): void {
  const errors = objs.flatMap((o) => validateClusterPodMonitoring(o).map((e) => `${(o as { metadata?: { name?: string } }).metadata?.name}: ${e}`));
  if (errors.length) throw new Error(errors.join("\n"));
}
