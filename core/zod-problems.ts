/**
 * zod issues → {@link Problem}s whose text says what is wrong and how to fix it, keyed by their path
 * (`finetune:pipelines[0].method.rank` for stack config, `spec.method.rank` for a component's argument).
 * Internal: the package's declaration files must not name zod (see pipelines/spec-schema.ts).
 */
import type { z } from "zod";
import { fixStart, readableText, type Problem } from "./problem";

/**
 * `["pipelines", 0, "method", "loraRank"]` → `finetune:pipelines[0].method.loraRank`. A segment that is not a plain
 * name (spaces, quotes, ':' or non-printables, from a key the user typed) is shown as `["…"]`, escaped and cut.
 * An empty `namespace` gives the bare path (`method.loraRank`).
 */
export function keyOf(path: readonly PropertyKey[], namespace = "finetune"): string {
  let out = namespace === "" ? "" : `${namespace}:`;
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
export function problemsFromZod(error: z.ZodError, schema?: z.ZodType, namespace = "finetune"): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, path);
        for (const k of issue.keys) {
          const guess = closest(k, known);
          const fix = guess ? `did you mean "${guess}"?` : known.length ? `remove it; known keys: ${known.join(", ")}` : "remove it";
          problems.push({ path: keyOf([...path, k], namespace), message: `unknown key (${fix})` });
        }
        break;
      }
      case "invalid_type": {
        const got = (issue as { input?: unknown }).input;
        const message =
          got === undefined
            ? `is required (set it to ${article(issue.expected)})`
            : `expected ${article(issue.expected)}, got ${describe(got)} (set it to ${article(issue.expected)})`;
        problems.push({ path: keyOf(path, namespace), message });
        break;
      }
      case "invalid_value": {
        const values = issue.values.map((v) => JSON.stringify(v)).join(", ");
        const got = (issue as { input?: unknown }).input;
        const guess = typeof got === "string" ? closest(got, issue.values.map(String)) : undefined;
        problems.push({
          path: keyOf(path, namespace),
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
          path: keyOf(path, namespace),
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
          path: keyOf(path, namespace),
          message: `${has}, must be ${op} ${issue.maximum}${what ? ` ${what}` : ""} (lower it to ${issue.maximum} or less)`,
        });
        break;
      }
      case "invalid_format": {
        const got = (issue as { input?: unknown }).input;
        const hint = issue.message && !issue.message.startsWith("Invalid") ? issue.message : `must match ${issue.pattern ?? issue.format} (fix the value)`;
        problems.push({ path: keyOf(path, namespace), message: withFix(`${describe(got)} ${hint}`, "fix the value") });
        break;
      }
      case "invalid_union": {
        const disc = (issue as { discriminator?: string }).discriminator;
        const options = (issue as { options?: unknown[] }).options;
        if (disc && options) {
          // zod 4 already ends the path with the discriminator key.
          const at = path[path.length - 1] === disc ? path : [...path, disc];
          problems.push({
            path: keyOf(at, namespace),
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
            problems.push({ path: keyOf(path, namespace), message: `does not match any allowed form (${issue.message})` });
          }
        }
        break;
      }
      case "invalid_key": {
        // A record key (e.g. a label key) that its pattern rejects: the key itself is the problem.
        const inner = (issue as { issues?: z.core.$ZodIssue[] }).issues?.[0];
        const reason = inner && !inner.message.startsWith("Invalid") ? inner.message : "is not an allowed key (rename or remove it)";
        problems.push({ path: keyOf(path, namespace), message: withFix(`key ${reason}`, "rename or remove the key") });
        break;
      }
      default:
        problems.push({ path: keyOf(path, namespace), message: withFix(issue.message, "fix the value") });
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
