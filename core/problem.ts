/**
 * The one problem vocabulary every layer shares, and its two adapters:
 * - {@link throwIfProblems}: a component's argument problems as one `pulumi.InputPropertiesError`
 *   (`propertyPath`/`reason` per problem, as pulumi-eks reports them);
 * - {@link ConfigError}: stack-config problems as `finetune:<key>: <what is wrong> (<how to fix>)` lines.
 * Plus the helpers that keep each line readable. It lives in the bottom layer (core/) so that every layer
 * reports problems the same way without importing upward.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * One problem, tied to where the user set the value: a component argument's property path (`gpuType`,
 * `spec.method.loraRank`) or a stack-config key (`finetune:pipelines[0].method.loraRank`).
 */
export interface Problem {
  /** Property path or config key the problem is about. */
  path: string;
  /** What is wrong, usually ending with how to fix it: `<what is wrong> (<how to fix>)`. */
  message: string;
  /** How to fix it, when the message does not already end with a "(fix)" group. @default - the message carries its own fix */
  fix?: string;
}

/** The problem's text: its message, with `(fix)` appended when the fix is given apart. */
export function problemText(p: Problem): string {
  return p.fix ? `${p.message} (${p.fix})` : p.message;
}

/**
 * Adapter for components: throws one `pulumi.InputPropertiesError` listing every problem (also in its message,
 * one per line), or returns when there are none. Every kit component validates its arguments through this
 * before it registers.
 */
export function throwIfProblems(component: string, name: string, problems: Problem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.path}: ${problemText(p)}`).join("\n");
  throw new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines}`,
    errors: problems.map((p) => ({ propertyPath: p.path, reason: problemText(p) })),
  });
}

/**
 * Adapter for stack config: thrown when the configuration is invalid. Extends `pulumi.RunError` so that the Pulumi CLI prints
 * only the message (every problem, one per line) and no stack trace.
 */
export class ConfigError extends pulumi.RunError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    const readable = problems.map((p) => ({ path: readableText(p.path, MAX_KEY_CHARS), message: readableMessage(problemText(p)) }));
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
export function fixStart(message: string): number {
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
export function formatProblems(problems: Problem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  ${p.path}: ${problemText(p)}`);
  return [`Invalid finetune-kit configuration (${n} problem${n === 1 ? "" : "s"}):`, ...lines].join("\n");
}
