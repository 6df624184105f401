import { builtinVersionsOf, isBuiltin, validateBuiltin, validateObjectMeta } from "./builtin";
import { crdVersionsOf, isCustomResource, validateCustomResource } from "./crds";

/**
 * The kit's judge for Kubernetes objects: every manifest it emits must pass `validateKubernetesObject`.
 * Dispatches on apiVersion/kind: built-in types (strict Kubernetes 1.36 schema + kubernetes-models) or custom
 * resources (strict upstream CRDs in shared/schemas/crds). An unknown apiVersion/kind is an error, never a pass.
 * Schemas are compiled lazily, once per kind per process.
 */

export { schemasDir } from "./schemas";

function label(obj: Record<string, unknown>): string {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === "string" ? meta.name : typeof meta?.generateName === "string" ? `${meta.generateName}*` : "<no name>";
  return `${typeof obj.kind === "string" ? obj.kind : "<no kind>"}/${name}`;
}

/** JSON pointers of every `pulumi.Output` left inside a value (they cannot be validated, nor sent as JSON). */
function outputsInside(value: unknown, at = ""): string[] {
  if (value === null || typeof value !== "object") return [];
  if ((value as { __pulumiOutput?: unknown }).__pulumiOutput === true) return [at === "" ? "/" : at];
  return Object.entries(value).flatMap(([k, v]) => outputsInside(v, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
}

/**
 * Errors of one Kubernetes object as `<kind>/<metadata.name>: <instancePath> <message>` lines; empty when valid.
 * The object is judged as the API server receives it: JSON (so `undefined` fields are absent). A
 * `pulumi.Output` inside it is an error: resolve outputs first (`manifestsOf` does).
 */
export function validateKubernetesObject(obj: object): string[] {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    return [`<not an object>: a Kubernetes object must be a plain object (got ${JSON.stringify(obj)})`];
  }
  const outputs = outputsInside(obj);
  if (outputs.length > 0) {
    return [`${label(obj as Record<string, unknown>)}: unresolved pulumi.Output at ${outputs.join(", ")} (validate resolved manifests, e.g. from manifestsOf)`];
  }
  const o = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const prefix = `${label(o)}: `;
  const { apiVersion, kind } = o;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || apiVersion === "" || kind === "") {
    return [`${prefix}apiVersion and kind must be non-empty strings (got apiVersion ${JSON.stringify(apiVersion)}, kind ${JSON.stringify(kind)})`];
  }
  let errors: string[];
  if (isBuiltin(apiVersion, kind)) errors = validateBuiltin(o, apiVersion, kind);
  else if (isCustomResource(apiVersion, kind)) {
    errors = [...validateCustomResource(o, apiVersion, kind), ...validateObjectMeta(o)];
  } else {
    const known = [...builtinVersionsOf(kind), ...crdVersionsOf(kind)];
    const hint =
      known.length > 0 ? ` (served versions of ${kind}: ${known.join(", ")})` : " (not a Kubernetes 1.36 built-in type nor a CRD in shared/schemas/crds)";
    errors = [`no schema for ${apiVersion} ${kind}${hint}`];
  }
  return [...new Set(errors)].map((e) => prefix + e);
}

/** Throws one Error listing every error of every object; returns quietly when all are valid. */
export function expectValidManifests(objs: object[]): void {
  const errors = objs.flatMap((o) => validateKubernetesObject(o));
  if (errors.length > 0) {
    throw new Error(`${errors.length} Kubernetes schema error(s) in ${objs.length} object(s):\n  ${errors.join("\n  ")}`);
  }
}
