import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { RegExpEngine } from "ajv/dist/types";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { schemasDir } from "./schemas";
import { formatAjvErrors } from "./ajv-errors";

/**
 * Custom resources, checked against the upstream CRDs in shared/schemas/crds (YAML or slim JSON):
 * `spec.versions[name=<version>].schema.openAPIV3Schema` with apiVersion/kind pinned, made strict by adding
 * `additionalProperties: false` to every node with `properties` that the CRD does not keep open
 * (`x-kubernetes-preserve-unknown-fields`). CEL rules (`x-kubernetes-validations`) are not evaluated.
 */

type SchemaNode = Record<string, unknown>;

interface CrdVersion {
  name: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
}

interface Crd {
  kind?: string;
  spec?: { group?: string; names?: { kind?: string }; versions?: CrdVersion[] };
}

interface CrdEntry {
  file: string;
  apiVersion: string;
  kind: string;
  schema: SchemaNode;
}

/**
 * Go's case-insensitive flag `(?i)` at the start of a pattern (after an optional `^`; the PrometheusRule CRD
 * has `^(?i)(abort|warn)?$`) is not JavaScript syntax: it becomes the `i` flag instead of dropping the pattern.
 */
const GO_CASE_INSENSITIVE = /^(\^?)\(\?i\)/;
const goRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) =>
    GO_CASE_INSENSITIVE.test(pattern) ? new RegExp(pattern.replace(GO_CASE_INSENSITIVE, "$1"), `${flags}i`) : new RegExp(pattern, flags),
  { code: "new RegExp" },
);

let index: Map<string, CrdEntry> | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function crdFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...crdFiles(full));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function readCrds(file: string): Crd[] {
  const text = fs.readFileSync(file, "utf8");
  // JSON.parse is much faster than the YAML parser for the large slim JSON files; YAML may hold several documents.
  if (file.endsWith(".json")) return [JSON.parse(text) as Crd];
  return text
    .split(/^---\s*$/m)
    .filter((doc) => doc.trim() !== "")
    .map((doc) => parseYaml(doc) as Crd);
}

function load(): Map<string, CrdEntry> {
  if (index) return index;
  const dir = path.join(schemasDir(), "crds");
  if (!fs.existsSync(dir)) throw new Error(`CRD folder not found: ${dir} (see shared/schemas/README.md)`);
  const map = new Map<string, CrdEntry>();
  for (const file of crdFiles(dir)) {
    for (const crd of readCrds(file)) {
      if (crd?.kind !== "CustomResourceDefinition") continue;
      const group = crd.spec?.group;
      const kind = crd.spec?.names?.kind;
      if (!group || !kind) continue;
      for (const v of crd.spec?.versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (v.served === false || !schema) continue;
        const apiVersion = `${group}/${v.name}`;
        map.set(`${apiVersion}|${kind}`, { file, apiVersion, kind, schema });
      }
    }
  }
  index = map;
  return map;
}

/** Adds `additionalProperties: false` to every node with `properties` that the CRD keeps closed. */
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
  // Only structural positions: `properties` inside anyOf/allOf/oneOf/not only restate fields of the parent
  // (structural-schema rule), so closing them would reject the parent's other fields.
  if (n.properties) Object.values(n.properties as SchemaNode).forEach(strictify);
  if (n.items) strictify(n.items);
  if (n.additionalProperties && typeof n.additionalProperties === "object") strictify(n.additionalProperties);
}

/**
 * Hoists sub-schemas that occur more than once (the Argo CRDs repeat the full container and volume schemas
 * dozens of times) into `definitions`, referenced by `$ref`: ajv then generates each once. Same constraints,
 * same error paths (instancePath follows the data); only compile time changes.
 */
const HOIST_MIN_CHARS = 1500;

function schemaChildren(n: SchemaNode): Array<[SchemaNode | unknown[], string | number]> {
  const out: Array<[SchemaNode | unknown[], string | number]> = [];
  const props = n.properties as SchemaNode | undefined;
  if (props) for (const k of Object.keys(props)) out.push([props, k]);
  if (n.items && typeof n.items === "object") out.push([n, "items"]);
  if (n.additionalProperties && typeof n.additionalProperties === "object") out.push([n, "additionalProperties"]);
  for (const c of ["allOf", "anyOf", "oneOf"] as const) {
    const list = n[c] as unknown[] | undefined;
    if (Array.isArray(list)) list.forEach((_, i) => out.push([list, i]));
  }
  return out;
}

function hoistRepeats(root: SchemaNode): void {
  const counts = new Map<string, number>();
  const count = (node: unknown): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    const key = JSON.stringify(node);
    if (key.length >= HOIST_MIN_CHARS) counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const [holder, k] of schemaChildren(node as SchemaNode)) count((holder as Record<string | number, unknown>)[k]);
  };
  count(root);
  const defs: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const rewrite = (node: SchemaNode): void => {
    for (const [holder, k] of schemaChildren(node)) {
      const h = holder as Record<string | number, unknown>;
      const child = h[k];
      if (child === null || typeof child !== "object" || Array.isArray(child)) continue;
      const key = JSON.stringify(child);
      if ((counts.get(key) ?? 0) > 1) {
        let name = names.get(key);
        if (!name) {
          name = `shared${names.size}`;
          names.set(key, name);
          defs[name] = child;
          rewrite(child as SchemaNode);
        }
        h[k] = { $ref: `#/definitions/${name}` };
      } else rewrite(child as SchemaNode);
    }
  };
  rewrite(root);
  if (names.size > 0) root.definitions = defs;
}

/** True when a CRD in the schema folder serves this apiVersion/kind. */
export function isCustomResource(apiVersion: string, kind: string): boolean {
  return load().has(`${apiVersion}|${kind}`);
}

/** apiVersions served for `kind` by the CRDs in the schema folder (for "known versions" hints). */
export function crdVersionsOf(kind: string): string[] {
  return [...load().values()].filter((e) => e.kind === kind).map((e) => e.apiVersion);
}

/** Every apiVersion/kind the CRD folder serves, as `apiVersion kind`. */
export function knownCustomResources(): string[] {
  return [...load().values()].map((e) => `${e.apiVersion} ${e.kind}`);
}

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}|${kind}`;
  let v = compiled.get(key);
  if (v) return v;
  const entry = load().get(key);
  if (!entry) return undefined;
  v = compileEntry(entry);
  compiled.set(key, v);
  return v;
}

function compileEntry(entry: CrdEntry): ValidateFunction {
  const { apiVersion, kind } = entry;
  const schema = structuredClone(entry.schema);
  strictify(schema);
  const props = (schema.properties ??= {}) as SchemaNode;
  props.apiVersion = { type: "string", enum: [apiVersion] };
  props.kind = { type: "string", enum: [kind] };
  schema.required = [...new Set([...((schema.required as string[] | undefined) ?? []), "apiVersion", "kind"])];
  hoistRepeats(schema);
  ajv ??= (() => {
    const a = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
    addFormats(a);
    return a;
  })();
  return ajv.compile(schema);
}

const byCrd = new WeakMap<object, Map<string, ValidateFunction | undefined>>();

/**
 * Errors of a custom resource against a CRD given as an object (e.g. one a Helm chart ships), made strict the
 * same way as the schema folder's; `no schema …` when the CRD does not serve the object's apiVersion/kind.
 */
export function validateAgainstCrd(obj: { apiVersion?: unknown; kind?: unknown }, crd: object): string[] {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  let perVersion = byCrd.get(crd);
  if (!perVersion) byCrd.set(crd, (perVersion = new Map()));
  const key = `${apiVersion}|${kind}`;
  if (!perVersion.has(key)) {
    const spec = (crd as Crd).spec;
    const version =
      spec?.group && spec.names?.kind === kind ? spec.versions?.find((v) => `${spec.group}/${v.name}` === apiVersion && v.served !== false) : undefined;
    const schema = version?.schema?.openAPIV3Schema;
    perVersion.set(key, schema ? compileEntry({ file: "<chart CRD>", apiVersion, kind, schema }) : undefined);
  }
  const v = perVersion.get(key);
  if (!v) return [`no schema for ${apiVersion} ${kind} in the given CRD`];
  return v(obj) ? [] : formatAjvErrors(v.errors, obj);
}

/** Errors of a custom resource (`<instancePath> <message>` lines; empty when valid). */
export function validateCustomResource(obj: object, apiVersion: string, kind: string): string[] {
  const v = validatorFor(apiVersion, kind);
  if (!v) return [`no schema for ${apiVersion} ${kind}`];
  return v(obj) ? [] : formatAjvErrors(v.errors, obj);
}
