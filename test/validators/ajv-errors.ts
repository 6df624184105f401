import type { ErrorObject } from "ajv";

/**
 * Turning ajv errors into one readable line each: `<instancePath> <message>`, with the offending property
 * name for unknown fields, the allowed values for enums and the offending value where it helps.
 */

/** The value at a JSON pointer (ajv's instancePath) inside `data`; undefined when absent. */
export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === "") return data;
  let cur: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function shown(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** One ajv error as `<instancePath> <message>`; `data` is the validated document (for the offending value). */
export function formatAjvError(e: ErrorObject, data: unknown): string {
  const where = e.instancePath === "" ? "/" : e.instancePath;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return `${where} must NOT have additional property "${String(params.additionalProperty)}"`;
    case "enum":
      return `${where} must be one of ${(params.allowedValues as unknown[]).map(shown).join(", ")} (got ${shown(valueAt(data, e.instancePath))})`;
    case "const":
      return `${where} must be ${shown(params.allowedValue)} (got ${shown(valueAt(data, e.instancePath))})`;
    case "required":
      return `${where} must have required property "${String(params.missingProperty)}"`;
    case "pattern":
      if (params.pattern === QUANTITY_PATTERN) {
        return `${where} must be a Kubernetes quantity such as 64Gi, 500m or 2 (got ${shown(valueAt(data, e.instancePath))})`;
      }
      return `${where} ${e.message ?? e.keyword} (got ${shown(valueAt(data, e.instancePath))})`;
    case "type":
    case "format":
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "minLength":
    case "maxLength":
      return `${where} ${e.message ?? e.keyword} (got ${shown(valueAt(data, e.instancePath))})`;
    case "oneOf":
    case "anyOf":
      return `${where} ${e.message ?? e.keyword} (got ${shown(valueAt(data, e.instancePath))})`;
    default:
      return `${where} ${e.message ?? e.keyword}`;
  }
}

/**
 * Kubernetes quantity grammar; the same pattern the upstream CRDs use for int-or-string quantities.
 * Errors against it read "must be a Kubernetes quantity" instead of printing the regex.
 */
export const QUANTITY_PATTERN = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const COMBINATORS = new Set(["anyOf", "oneOf", "if", "not"]);

function isUnder(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}/`);
}

/**
 * Removes the noise of `anyOf`/`oneOf` (e.g. Quantity = number | pattern-matching string): a combinator error
 * is dropped when a more specific error lies at or below its path, and `type` errors of the rejected
 * alternatives are dropped when a non-type error explains the same path.
 */
export function collapseErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => !COMBINATORS.has(e.keyword));
  return errors.filter((e) => {
    if (COMBINATORS.has(e.keyword)) return !specific.some((s) => isUnder(s.instancePath, e.instancePath));
    if (e.keyword === "type") {
      return !specific.some((s) => s !== e && s.keyword !== "type" && s.keyword !== "required" && s.instancePath === e.instancePath);
    }
    return true;
  });
}

/** Formats collapsed errors, without duplicates, in order. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined, data: unknown): string[] {
  if (!errors) return [];
  return [...new Set(collapseErrors(errors).map((e) => formatAjvError(e, data)))];
}
