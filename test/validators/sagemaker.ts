import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { readSchemaJson } from "./schemas";
import { collapseErrors, formatAjvError, valueAt } from "./ajv-errors";

/**
 * SageMaker Model Building Pipeline definitions, checked against AWS's published JSON schema
 * (shared/schemas/sagemaker/pipeline-definition.schema.json, aws-sagemaker-mlops b4012b0).
 *
 * Upstream quirks, handled as follows (see shared/schemas/README.md) — nothing else is changed:
 *  1. The top-level `$schema` ("http://json-schema.org/schema#") is not a meta-schema ajv knows: removed.
 *  2. `EndpointConfigStep.properties.Type` is `enum: ["Endpoint"]`, a copy-paste of EndpointStep's. SageMaker's
 *     step type for an endpoint configuration is `"EndpointConfig"`, so the upstream schema rejects every real
 *     EndpointConfig step (and makes a ProductionVariants-bearing "Endpoint" step ambiguous). CORRECTED to
 *     `["EndpointConfig"]`: a step typed "Endpoint" must still be a valid EndpointStep.
 *  3. The top level has `additionalProperties: false` and no `PipelineExperimentConfig`, which the SageMaker
 *     SDK writes into every definition (`{ ExperimentName, TrialName }`, each a string or `{ Get }`). ADDED
 *     exactly that shape, closed (`additionalProperties: false`), so misspellings inside it are still caught.
 *  4. `oneOf` errors are noisy (each of 16 step types reports its own mismatch): errors are explained per
 *     alternative and only the alternative that matches the value's discriminator (e.g. `Type`) is reported,
 *     at its deepest paths. This changes the report only, never what passes.
 *  5. `JoinFunction` (`Std:Join`) is malformed upstream (its `Values` sits where a property schema belongs and
 *     `On` is missing) and referenced nowhere, and there is no `Std:JsonGet` at all — yet the SageMaker SDK writes
 *     both (`Join(on=..., values=[...])` for run-scoped S3 URIs, `JsonGet(step_name, property_file, json_path)`
 *     for condition values read from a PropertyFile). ADDED both as closed shapes —
 *     `{ "Std:Join": { On: string, Values: [string | number | Get | Join | JsonGet] } }` and
 *     `{ "Std:JsonGet": { PropertyFile: Get | string, Path: string } }` — as alternatives of
 *     `StringArgumentValue` (and of condition operands through it).
 *  6. `ProcessingStep` lacks `PropertyFiles` (the SDK's PropertyFile: `{ PropertyFileName, OutputName, FilePath }`),
 *     which every step that a Condition reads needs. ADDED exactly that closed shape.
 *  7. `RegisterModelStep.Arguments` lacks `ModelApprovalStatus` (CreateModelPackage's field). ADDED as a string
 *     value with the API's enum (`Approved | Rejected | PendingManualApproval`) or a `{ Get }` parameter.
 * `ajv` runs with `strict: false` because the upstream file has misplaced keywords (e.g. `Values` directly in
 * a property schema inside JoinFunction) that strict mode refuses to compile; they constrain nothing.
 */

const SCHEMA_FILE = ["sagemaker", "pipeline-definition.schema.json"] as const;

type Node = Record<string, unknown>;

interface Loaded {
  ajv: Ajv;
  root: ValidateFunction;
}

let loaded: Loaded | undefined;
const branchValidators = new WeakMap<object, ValidateFunction>();

/** Makes `#/...` references absolute so that any sub-schema can be compiled on its own (branch checks). */
function absolutizeRefs(node: unknown, base: string): void {
  if (Array.isArray(node)) return node.forEach((n) => absolutizeRefs(n, base));
  if (node === null || typeof node !== "object") return;
  const n = node as Node;
  if (typeof n.$ref === "string" && n.$ref.startsWith("#")) n.$ref = `${base}${n.$ref}`;
  for (const v of Object.values(n)) absolutizeRefs(v, base);
}

function load(): Loaded {
  if (loaded) return loaded;
  const schema = structuredClone(readSchemaJson(...SCHEMA_FILE)) as Node;
  delete schema.$schema; // quirk 1
  const defs = schema.definitions as Record<string, Node>;
  const endpointConfigType = (defs.EndpointConfigStep.properties as Record<string, Node>).Type;
  endpointConfigType.enum = ["EndpointConfig"]; // quirk 2
  const stringValue = { $ref: "#/definitions/StringArgumentValue" };
  (schema.properties as Record<string, Node>).PipelineExperimentConfig = {
    // quirk 3
    type: "object",
    properties: { ExperimentName: stringValue, TrialName: stringValue },
    additionalProperties: false,
  };
  // quirk 5: Std:Join and Std:JsonGet as string values.
  const get = { $ref: "#/definitions/GetFunction" };
  defs.JoinFunction = {
    type: "object",
    properties: {
      "Std:Join": {
        type: "object",
        properties: {
          On: { type: "string" },
          Values: {
            type: "array",
            items: { anyOf: [{ type: "string" }, { type: "number" }, get, { $ref: "#/definitions/JoinFunction" }, { $ref: "#/definitions/JsonGetFunction" }] },
          },
        },
        required: ["On", "Values"],
        additionalProperties: false,
      },
    },
    required: ["Std:Join"],
    additionalProperties: false,
  };
  defs.JsonGetFunction = {
    type: "object",
    properties: {
      "Std:JsonGet": {
        type: "object",
        properties: { PropertyFile: { anyOf: [get, { type: "string" }] }, Path: { type: "string" } },
        required: ["PropertyFile", "Path"],
        additionalProperties: false,
      },
    },
    required: ["Std:JsonGet"],
    additionalProperties: false,
  };
  (defs.StringArgumentValue.oneOf as Node[]).push({ $ref: "#/definitions/JoinFunction" }, { $ref: "#/definitions/JsonGetFunction" });
  // quirk 6: PropertyFiles on Processing steps.
  (defs.ProcessingStep.properties as Record<string, Node>).PropertyFiles = {
    type: "array",
    items: {
      type: "object",
      properties: { PropertyFileName: { type: "string" }, OutputName: { type: "string" }, FilePath: { type: "string" } },
      required: ["PropertyFileName", "OutputName", "FilePath"],
      additionalProperties: false,
    },
  };
  // quirk 7: ModelApprovalStatus on RegisterModel.
  const registerArgs = (defs.RegisterModelStep.properties as Record<string, Node>).Arguments as Node;
  (registerArgs.properties as Record<string, Node>).ModelApprovalStatus = {
    anyOf: [{ type: "string", enum: ["Approved", "Rejected", "PendingManualApproval"] }, get],
  };
  const id = schema.$id as string;
  absolutizeRefs(schema, id);
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
  addFormats(ajv);
  ajv.addSchema(schema);
  const root = ajv.getSchema(id);
  if (!root) throw new Error(`SageMaker schema ${id} did not compile`);
  loaded = { ajv, root };
  return loaded;
}

function branchValidator(ajv: Ajv, branch: object): ValidateFunction {
  let v = branchValidators.get(branch);
  if (!v) {
    v = ajv.compile(branch);
    branchValidators.set(branch, v);
  }
  return v;
}

function prefixed(e: ErrorObject, at: string): ErrorObject {
  return { ...e, instancePath: `${at}${e.instancePath}` };
}

/** The branch of a failed oneOf/anyOf is ruled out by a discriminator: a wrong value or type at its root or a direct child. */
function ruledOut(errors: ErrorObject[]): boolean {
  return errors.some(
    (e) => ((e.keyword === "enum" || e.keyword === "const") && /^\/[^/]+$/.test(e.instancePath)) || (e.keyword === "type" && e.instancePath === ""),
  );
}

/** Errors of `value` against `v`, with every oneOf/anyOf failure replaced by the errors of its best alternative. */
function explain(ajv: Ajv, v: ValidateFunction, value: unknown): ErrorObject[] {
  if (v(value)) return [];
  const errors = [...(v.errors ?? [])];
  const combinators = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").sort((a, b) => a.instancePath.length - b.instancePath.length);
  const handled: string[] = [];
  const out: ErrorObject[] = [];
  const under = (p: string, base: string) => p === base || p.startsWith(`${base}/`);
  for (const c of combinators) {
    if (handled.some((h) => under(c.instancePath, h))) continue;
    handled.push(c.instancePath);
    const at = c.instancePath;
    const sub = valueAt(value, at);
    const branches = (c.schema as object[]).map((b) => explain(ajv, branchValidator(ajv, b), sub));
    if (branches.some((b) => b.length === 0)) {
      // oneOf with several passing alternatives: report the ambiguity itself.
      out.push(c);
      continue;
    }
    const candidates = branches.filter((b) => !ruledOut(b));
    if (candidates.length > 0) {
      const best = candidates.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...best.map((e) => prefixed(e, at)));
      continue;
    }
    // Every alternative is ruled out by its discriminator: merge their allowed values when they share one.
    const discriminators = branches.map((b) => b.find((e) => (e.keyword === "enum" || e.keyword === "const") && /^\/[^/]+$/.test(e.instancePath)));
    const key = discriminators[0]?.instancePath;
    if (key && discriminators.every((d) => d?.instancePath === key)) {
      const allowed = discriminators.flatMap((d) => {
        const p = d!.params as { allowedValues?: unknown[]; allowedValue?: unknown };
        return p.allowedValues ?? [p.allowedValue];
      });
      out.push({ ...discriminators[0]!, keyword: "enum", instancePath: `${at}${key}`, params: { allowedValues: [...new Set(allowed)] } });
    } else {
      const alternatives = [
        ...new Set(branches.map((b) => b.map((e) => `${e.instancePath === "" ? "" : `${e.instancePath} `}${e.message ?? e.keyword}`).join(" and "))),
      ];
      out.push({ ...c, message: `must match one of: ${alternatives.join(" | ")}` });
    }
  }
  for (const e of errors) if (!handled.some((h) => under(e.instancePath, h))) out.push(e);
  return out;
}

/**
 * Errors of a SageMaker pipeline definition as `<path> <message>` lines; empty when valid. Takes the object
 * or its JSON text (what `aws.sagemaker.Pipeline`'s `pipelineDefinition` holds).
 */
export function validateSageMakerDefinition(def: object | string): string[] {
  const { ajv, root } = load();
  if (typeof def === "string") {
    try {
      def = JSON.parse(def) as object;
    } catch (e) {
      return [`/ is not JSON: ${(e as Error).message}`];
    }
  } else {
    def = JSON.parse(JSON.stringify(def)) as object; // judged as the JSON SageMaker receives
  }
  const errors = collapseErrors(explain(ajv, root, def));
  return [...new Set(errors.map((e) => formatAjvError(e, def)))];
}
