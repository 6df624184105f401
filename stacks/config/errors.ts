import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** One problem in the stack configuration, tied to the key a user typed. */
export interface ConfigProblem {
  /** Full key path as a user writes it, e.g. `finetune:pipelines[0].method.loraRank`. */
  key: string;
  /** What is wrong and how to fix it: `<what is wrong> (<how to fix>)`. */
  message: string;
}

/**
 * Thrown when stack configuration is invalid. Extends `pulumi.RunError` so that the Pulumi CLI prints
 * only the message (every problem, one per line) and no stack trace.
 */
export class ConfigError extends pulumi.RunError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const readable = problems.map((p) => ({ key: readableText(p.key, MAX_KEY_CHARS), message: readableMessage(p.message) }));
    super(formatProblems(readable));
    this.name = "ConfigError";
    this.problems = readable;
  }
}

/** Longest value echoed in a message, in characters (a value longer than this is cut and ends with "…"). */
export const MAX_VALUE_CHARS = 80;
/** Longest key shown (keys come from the user's YAML too). */
const MAX_KEY_CHARS = 200;
/** Longest "what is wrong" and "(fix)" parts of a message, after values are cut. */
const MAX_WHAT_CHARS = 400;
const MAX_FIX_CHARS = 600;

/** Control characters, DEL/C1 controls, line/paragraph separators and lone surrogates: never echoed raw to a terminal. */
const NON_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with non-printable characters escaped (`\n`, `\u001b`, …). */
export function escapeNonPrintable(text: string): string {
  return text.replace(NON_PRINTABLE, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/**
 * Escapes non-printables and cuts `text` to `max` characters plus "…".
 * @param max Longest text kept. @default 80 ({@link MAX_VALUE_CHARS})
 */
export function readableText(text: string, max = MAX_VALUE_CHARS): string {
  const escaped = escapeNonPrintable(text);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** Index of the "(" that opens the message's final "(fix)" group, or -1 when the message has none. */
function fixStart(message: string): number {
  if (!message.endsWith(")")) return -1;
  let depth = 0;
  for (let i = message.length - 1; i >= 0; i--) {
    if (message[i] === ")") depth++;
    else if (message[i] === "(" && --depth === 0) return i;
  }
  return -1;
}

/**
 * A problem message fit for a terminal: non-printables escaped, each quoted value and each long unbroken token cut
 * to {@link MAX_VALUE_CHARS} + "…", and the "what" and "(fix)" parts capped so that the fix always survives.
 */
export function readableMessage(message: string): string {
  const cut = (part: string) =>
    escapeNonPrintable(part)
      .replace(/"([^"]{81,}?)"(?=[\s,;:)]|$)/g, (_m, v: string) => `"${v.slice(0, MAX_VALUE_CHARS)}…"`)
      .replace(/[^\s"]{121,}/g, (t) => `${t.slice(0, MAX_VALUE_CHARS)}…`);
  const at = fixStart(message);
  let what = cut(at < 0 ? message : message.slice(0, at));
  let fix = at < 0 ? "" : cut(message.slice(at));
  if (what.length > MAX_WHAT_CHARS) what = `${what.slice(0, MAX_WHAT_CHARS)}… `;
  if (fix.length > MAX_FIX_CHARS) fix = `${fix.slice(0, MAX_FIX_CHARS - 2)}…)`;
  return `${what}${fix}`;
}

/** `Invalid finetune-kit configuration (2 problems):\n  finetune:a: ...\n  finetune:b: ...` */
export function formatProblems(problems: ConfigProblem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  ${p.key}: ${p.message}`);
  return [`Invalid finetune-kit configuration (${n} problem${n === 1 ? "" : "s"}):`, ...lines].join("\n");
}

/**
 * `["pipelines", 0, "method", "loraRank"]` → `finetune:pipelines[0].method.loraRank`. A segment that is not a plain
 * name (spaces, quotes, ':' or non-printables, from a key the user typed) is shown as `["…"]`, escaped and cut.
 */
export function keyOf(path: readonly PropertyKey[], namespace = "finetune"): string {
  let out = `${namespace}:`;
  path.forEach((seg, i) => {
    const text = String(seg);
    if (typeof seg === "number") out += `[${seg}]`;
    else if (!/^[A-Za-z0-9_./@-]+$/.test(text)) out += `["${readableText(text).replace(/"/g, '\\"').replace(/:/g, "\\u003a")}"]`;
    else out += i === 0 ? text : `.${text}`;
  });
  return out;
}

/** Levenshtein distance, for "did you mean" hints on misspelled keys. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length][b.length];
}

/** The closest known key to `key`, if it is close enough to be a typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  // A typo is near the length of a known key; anything much longer (a pasted file, a 5 MB value) is no typo, and
  // its edit distance would cost length × length.
  if (key.length > Math.max(0, ...known.map((k) => k.length)) + 8) return undefined;
  const lower = key.toLowerCase();
  const prefix = known.filter((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  if (prefix.length === 1 && key.length >= 3) return prefix[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `"${readableText(value)}"`;
  return `${typeof value} ${readableText(String(value))}`;
}

/** Keys that the schema node at `path` accepts, for unknown-key hints. */
function knownKeysAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    // Walk through optional/default/pipe/refine wrappers to the object or array inside.
    for (let guard = 0; guard < 20 && n && typeof n === "object"; guard++) {
      const def = (n as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return n;
      if (def.type === "object" || def.type === "array") return n;
      const inner = def.innerType ?? def.in ?? def.schema;
      if (!inner) return n;
      n = inner;
    }
    return n;
  };
  node = unwrap(node);
  for (const seg of path) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return [];
    if (def.type === "array" && typeof seg === "number") node = unwrap(def.element);
    else if (def.type === "object") node = unwrap((def.shape as Record<string, unknown>)[String(seg)]);
    else return [];
  }
  const def = (node as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
}

/**
 * Turns zod issues into problems whose text says what is wrong and how to fix it.
 * Custom issues (refinements) carry their own `<what> (<fix>)` text and are kept as written.
 */
export function problemsFromZod(error: z.ZodError, schema?: z.ZodType, namespace = "finetune"): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, path);
        for (const k of issue.keys) {
          const guess = closest(k, known);
          const fix = guess ? `did you mean "${guess}"?` : known.length ? `remove it; known keys: ${known.join(", ")}` : "remove it";
          problems.push({ key: keyOf([...path, k], namespace), message: `unknown key (${fix})` });
        }
        break;
      }
      case "invalid_type": {
        const got = (issue as { input?: unknown }).input;
        const message =
          got === undefined
            ? `is required (set it to ${article(issue.expected)})`
            : `expected ${article(issue.expected)}, got ${describe(got)} (set it to ${article(issue.expected)})`;
        problems.push({ key: keyOf(path, namespace), message });
        break;
      }
      case "invalid_value": {
        const values = issue.values.map((v) => JSON.stringify(v)).join(", ");
        const got = (issue as { input?: unknown }).input;
        const guess = typeof got === "string" ? closest(got, issue.values.map(String)) : undefined;
        problems.push({
          key: keyOf(path, namespace),
          message:
            got === undefined
              ? `is required (set it to one of ${values})`
              : `${describe(got)} is not allowed (use one of ${values}${guess ? `; did you mean "${guess}"?` : ""})`,
        });
        break;
      }
      case "too_small": {
        const what = issue.origin === "array" ? "items" : issue.origin === "string" ? "characters" : "";
        const op = issue.inclusive === false ? ">" : "≥";
        const got = (issue as { input?: unknown }).input;
        const has = issue.origin === "array" && Array.isArray(got) ? `has ${got.length}` : `is ${describe(got)}`;
        problems.push({
          key: keyOf(path, namespace),
          message: `${has}, must be ${op} ${issue.minimum}${what ? ` ${what}` : ""} (raise it to at least ${issue.inclusive === false ? `more than ${issue.minimum}` : issue.minimum})`,
        });
        break;
      }
      case "too_big": {
        const what = issue.origin === "array" ? "items" : issue.origin === "string" ? "characters" : "";
        const op = issue.inclusive === false ? "<" : "≤";
        const got = (issue as { input?: unknown }).input;
        const has = issue.origin === "array" && Array.isArray(got) ? `has ${got.length}` : `is ${describe(got)}`;
        problems.push({
          key: keyOf(path, namespace),
          message: `${has}, must be ${op} ${issue.maximum}${what ? ` ${what}` : ""} (lower it to ${issue.maximum} or less)`,
        });
        break;
      }
      case "invalid_format": {
        const got = (issue as { input?: unknown }).input;
        const hint = issue.message && !issue.message.startsWith("Invalid") ? issue.message : `must match ${issue.pattern ?? issue.format} (fix the value)`;
        problems.push({ key: keyOf(path, namespace), message: withFix(`${describe(got)} ${hint}`, "fix the value") });
        break;
      }
      case "invalid_union": {
        const disc = (issue as { discriminator?: string }).discriminator;
        const options = (issue as { options?: unknown[] }).options;
        if (disc && options) {
          // zod 4 already ends the path with the discriminator key.
          const at = path[path.length - 1] === disc ? path : [...path, disc];
          problems.push({
            key: keyOf(at, namespace),
            message: `is not allowed (use one of ${options.map((o) => JSON.stringify(o)).join(", ")})`,
          });
        } else {
          // Report the issues of the branch that got furthest (fewest issues), so the user sees real fields.
          const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
          const best = [...branches].sort((a, b) => a.length - b.length)[0];
          if (best && best.length) {
            const nested = problemsFromZod({ issues: best.map((i) => ({ ...i, path: [...path, ...i.path] })) } as unknown as z.ZodError, schema, namespace);
            problems.push(...nested);
          } else {
            problems.push({ key: keyOf(path, namespace), message: `does not match any allowed form (${issue.message})` });
          }
        }
        break;
      }
      case "invalid_key": {
        // A record key (e.g. a label key) that its pattern rejects: the key itself is the problem.
        const inner = (issue as { issues?: z.core.$ZodIssue[] }).issues?.[0];
        const reason = inner && !inner.message.startsWith("Invalid") ? inner.message : "is not an allowed key (rename or remove it)";
        problems.push({ key: keyOf(path, namespace), message: withFix(`key ${reason}`, "rename or remove the key") });
        break;
      }
      default:
        problems.push({ key: keyOf(path, namespace), message: withFix(issue.message, "fix the value") });
    }
  }
  return problems;
}

/** `message`, with `(fix)` appended when it has no final parenthesised fix part. */
function withFix(message: string, fix: string): string {
  return fixStart(message) > 0 ? message : `${message} (${fix})`;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    array: "a list",
    object: "an object",
    record: "a map of keys to values",
  };
  return names[expected] ?? expected;
}
