/**
 * Plain-value helpers for policy code. The policy engine hands policies a proxy that throws on values
 * unknown during preview; the kit's policies instead see plain JSON in which every unknown value is the
 * string {@link UNKNOWN}, so that a check can decide for itself what an unknown means (usually: "it is a
 * reference to something the stack creates, judge it at `pulumi up`").
 */

/** Placeholder for a value that is unknown during preview (a computed output). */
export const UNKNOWN = "<unknown during preview>";

/** Wire sentinels the Pulumi engine uses for unknown values (stable across SDK versions). */
const UNKNOWN_SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also what `pulumi.runtime.setMocks` previews use)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** Property names the policy SDK's unknown-checking proxy answers with its raw target. */
const PROXY_FLAG = "__isSpecialProxy";
const PROXY_TARGET = "__getSpecialProxyTarget";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = Record<string, unknown>;

// Every policy reads the same props: copy each source object once. The copies are shared and read-only.
const plainCache = new WeakMap<object, unknown>();

/**
 * Deep copy of `v` as plain JSON, unwrapping the policy SDK proxy and marking unknowns as {@link UNKNOWN}.
 * The result for an object is computed once and shared: treat it as read-only.
 */
export function plain(v: unknown): unknown {
  if (v === null || typeof v !== "object") return plainValue(v);
  let copy = plainCache.get(v);
  if (copy === undefined) plainCache.set(v, (copy = plainValue(v)));
  return copy;
}

function plainValue(v: unknown): unknown {
  let value = v;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[PROXY_FLAG] === true) value = o[PROXY_TARGET];
  }
  if (typeof value === "string") return UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value as Record<string, unknown>)) out[k] = plainValue(x);
    return out;
  }
  return value;
}

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export function isRecord(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `v` when it is an object, else an empty object. */
export function rec(v: unknown): JsonObject {
  return isRecord(v) ? v : {};
}

/** `v` when it is an array, else an empty array. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `v` when it is a string (not unknown), else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== UNKNOWN ? v : undefined;
}

/** A number from a number or a numeric string, else undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Reads a dotted path (`a.b[2].c`) from a plain object. */
export function at(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const seg of path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isRecord(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** Parses JSON text; returns undefined (never throws) for unknown or malformed text. */
export function parseJson(v: unknown): unknown {
  if (isRecord(v) || Array.isArray(v)) return v;
  const s = str(v);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** `["a", "b", "c"]` → `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
