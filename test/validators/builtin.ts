import Ajv, { type ValidateFunction, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import { createRequire } from "node:module";
import { readSchemaJson } from "./schemas";
import { QUANTITY_PATTERN, formatAjvErrors } from "./ajv-errors";

/**
 * Built-in Kubernetes types, checked two ways:
 *  (a) ajv over every Swagger definition of Kubernetes 1.36 (shared/schemas/kubernetes), made strict: unknown
 *      fields are rejected everywhere except where the API itself keeps objects open;
 *  (b) the kubernetes-models package's own validators (enums, formats such as `quantity`), which accept
 *      unknown fields but catch values the Swagger spec does not constrain.
 * kubernetes-models 4.5.1 is generated from Kubernetes 1.27: fields added since are unknown to it (and so
 * accepted), kinds added since get check (a) only, and an enum value added after 1.27 would be flagged by it
 * alone. Its lines end in `[kubernetes-models]` so such version skew is visible.
 */

const DEFS_FILE = ["kubernetes", "kubernetes-1.36.definitions.slim.json"] as const;
const DOC_ID = "k8s-1.36";
const JSON_SCHEMA_PROPS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";
export const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** Definitions whose Swagger text does not say what the API server accepts; replaced per the schemas README. */
const SPECIAL_TYPES: Record<string, object> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: ["integer", "string"] },
  // `pattern` applies to strings only, so this reads "a number, or a string in quantity syntax".
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { type: ["number", "string"], pattern: QUANTITY_PATTERN },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": {},
  "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": {},
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": {},
};

type SchemaNode = Record<string, unknown>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Adds `additionalProperties: false` to every node with `properties` that the API does not keep open. */
function strictify(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(strictify);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const n = node as SchemaNode;
  if (n.properties && n.additionalProperties === undefined && !n["x-kubernetes-preserve-unknown-fields"]) {
    n.additionalProperties = false;
  }
  if (n.properties) Object.values(n.properties as SchemaNode).forEach(strictify);
  if (n.items) strictify(n.items);
  if (n.additionalProperties && typeof n.additionalProperties === "object") strictify(n.additionalProperties);
}

interface BuiltinIndex {
  ajv: Ajv;
  /** `apiVersion|kind` -> definition name. */
  byGvk: Map<string, string>;
  /** kind -> every apiVersion that serves it (for "did you mean" hints). */
  versionsOfKind: Map<string, string[]>;
}

let index: BuiltinIndex | undefined;
const compiled = new Map<string, ValidateFunction>();

export function apiVersionOf(g: Gvk): string {
  return g.group === "" ? g.version : `${g.group}/${g.version}`;
}

function load(): BuiltinIndex {
  if (index) return index;
  const doc = readSchemaJson(...DEFS_FILE) as { definitions: Record<string, SchemaNode> };
  const defs: Record<string, SchemaNode> = {};
  const xKeywords = new Set<string>();
  const byGvk = new Map<string, string>();
  const versionsOfKind = new Map<string, string[]>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    const copy = structuredClone(def);
    if (name in SPECIAL_TYPES) defs[name] = SPECIAL_TYPES[name] as SchemaNode;
    else {
      if (name !== JSON_SCHEMA_PROPS) strictify(copy);
      defs[name] = copy;
    }
    JSON.stringify(def, (k, v: unknown) => {
      if (k.startsWith("x-")) xKeywords.add(k);
      return v;
    });
    for (const g of (def["x-kubernetes-group-version-kind"] as Gvk[] | undefined) ?? []) {
      // DeleteOptions/WatchEvent claim every group; they are not manifests.
      if (g.kind === "DeleteOptions" || g.kind === "WatchEvent") continue;
      const av = apiVersionOf(g);
      byGvk.set(`${av}|${g.kind}`, name);
      const list = versionsOfKind.get(g.kind) ?? [];
      if (!list.includes(av)) list.push(av);
      versionsOfKind.set(g.kind, list);
    }
  }
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  addFormats(ajv);
  for (const k of xKeywords) ajv.addKeyword({ keyword: k });
  ajv.addSchema({ $id: DOC_ID, definitions: defs });
  index = { ajv, byGvk, versionsOfKind };
  return index;
}

/** True when the built-in spec defines this apiVersion/kind. */
export function isBuiltin(apiVersion: string, kind: string): boolean {
  return load().byGvk.has(`${apiVersion}|${kind}`);
}

/** apiVersions that serve `kind` as a built-in type (empty when none). */
export function builtinVersionsOf(kind: string): string[] {
  return load().versionsOfKind.get(kind) ?? [];
}

function validatorFor(definition: string): ValidateFunction {
  let v = compiled.get(definition);
  if (!v) {
    v = load().ajv.compile({ $ref: `${DOC_ID}#/definitions/${definition}` });
    compiled.set(definition, v);
  }
  return v;
}

let metaValidator: ValidateFunction | undefined;

/**
 * Strict check of an object's `metadata` against ObjectMeta. Used for custom resources: their CRDs declare
 * `metadata` as a bare object, but the API server still parses it as ObjectMeta.
 */
export function validateObjectMeta(obj: object): string[] {
  metaValidator ??= load().ajv.compile({
    type: "object",
    properties: { metadata: { $ref: `${DOC_ID}#/definitions/${OBJECT_META}` } },
  });
  return metaValidator(obj) ? [] : formatAjvErrors(metaValidator.errors, obj);
}

// ---- (b) kubernetes-models --------------------------------------------------------------------------------

type ModelClass = new (data: object) => { validate(): void };
const requireCjs = createRequire(__filename);
const models = new Map<string, ModelClass | null>();

function modelClass(apiVersion: string, kind: string): ModelClass | null {
  const key = `${apiVersion}|${kind}`;
  if (!models.has(key)) {
    let cls: ModelClass | null = null;
    try {
      const mod = requireCjs(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass | undefined>;
      cls = mod[kind] ?? null;
    } catch (e) {
      // kubernetes-models 4.5 predates some 1.36 kinds; those get check (a) only.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "MODULE_NOT_FOUND" && code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
    }
    models.set(key, cls);
  }
  return models.get(key) ?? null;
}

function kubernetesModelsErrors(obj: object, apiVersion: string, kind: string): string[] {
  const cls = modelClass(apiVersion, kind);
  if (!cls) return [];
  try {
    new cls(obj).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: ErrorObject[] }).errors;
    if (!Array.isArray(errors)) return [`kubernetes-models: ${(e as Error).message}`];
    return formatAjvErrors(errors, obj).map((line) => `${line} [kubernetes-models]`);
  }
}

/**
 * Errors of a built-in object (`<instancePath> <message>` lines; empty when valid). The caller has checked
 * `isBuiltin(apiVersion, kind)`.
 */
export function validateBuiltin(obj: object, apiVersion: string, kind: string): string[] {
  const definition = load().byGvk.get(`${apiVersion}|${kind}`);
  if (!definition) return [`no schema for ${apiVersion} ${kind}`];
  const v = validatorFor(definition);
  const strict = v(obj) ? [] : formatAjvErrors(v.errors, obj);
  const seen = new Set(strict);
  // Both checks often report the same problem (e.g. a missing container name); keep it once.
  const extra = kubernetesModelsErrors(obj, apiVersion, kind).filter((l) => !seen.has(l.replace(/ \[kubernetes-models\]$/, "")));
  return [...strict, ...extra];
}
