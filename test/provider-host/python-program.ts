/**
 * Reads the Python program of the README section "Use from Python, Go, .NET and YAML" into the calls it makes:
 * which component, which name, which arguments (literals, another component's output, a secret config value, the
 * pipeline spec file). construct.test.ts sends exactly these calls to the provider host and builds the same
 * program in TypeScript; a README edit the parser does not understand fails the test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./harness";

/** One argument value as the Python program writes it. */
export type PythonArg =
  | { literal: string | number | boolean }
  /** `<variable>.<output>` of a component made earlier (output name in camelCase, as in the schema). */
  | { ref: { variable: string; output: string } }
  /** `config.require_secret("<key>")`. */
  | { secretConfig: string }
  /** A variable loaded with `yaml.safe_load` from a file. */
  | { yamlFile: string };

/** One `<variable> = finetune.<Class>("<name>", key=value, ...)` statement. */
export interface PythonCall {
  variable: string;
  className: string;
  name: string;
  /** Argument names in camelCase (the schema's), in program order. */
  args: Record<string, PythonArg>;
}

/** What the program reads and exports. */
export interface PythonProgram {
  module: string;
  calls: PythonCall[];
  /** `pulumi.export("<key>", <variable>.<output>)`. */
  exports: Record<string, { variable: string; output: string }>;
}

/** snake_case → camelCase, as the Python SDK maps argument and output names. */
export function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The README's section text (from its heading to the next `## `). */
export function readmeSection(heading: string): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const end = readme.indexOf("\n## ", start + 4);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The body of the first fenced block of `lang` in `text`. */
export function codeBlock(text: string, lang: string): string {
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(text);
  if (!m) throw new Error(`no \`\`\`${lang} block`);
  return m[1];
}

/** Splits `a, f(b, c), "d,e"` at its top-level commas. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && "([{".includes(ch)) depth++;
    if (!quoted && ")]}".includes(ch)) depth--;
    if (ch === "," && depth === 0 && !quoted) {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") parts.push(cur.trim());
  return parts;
}

/** Parses the Python program of the README (the subset it uses; anything else throws). */
export function parsePythonProgram(source: string): PythonProgram {
  const importLine = /^import (pulumi_\w+) as finetune$/m.exec(source);
  if (!importLine) throw new Error("the program does not `import pulumi_<package> as finetune`");
  const yamlVars = new Map<string, string>();
  for (const m of source.matchAll(/^with open\("([^"]+)"\) as (\w+):\n\s+(\w+) = yaml\.safe_load\(\2\)$/gm)) yamlVars.set(m[3], m[1]);

  const calls: PythonCall[] = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\w+) = finetune\.(\w+)\((.*)$/.exec(lines[i]);
    if (!head) continue;
    let body = head[3];
    if (body.endsWith(")")) body = body.slice(0, -1);
    else {
      const rest: string[] = [];
      while (lines[++i] !== ")") {
        if (i >= lines.length) throw new Error(`unterminated call of finetune.${head[2]}`);
        rest.push(lines[i]);
      }
      body = rest.join(" ");
    }
    const [first, ...kwargs] = splitTopLevel(body);
    const args: Record<string, PythonArg> = {};
    for (const kw of kwargs) {
      const m = /^(\w+)=(.+)$/.exec(kw);
      if (!m) throw new Error(`finetune.${head[2]}: "${kw}" is not key=value`);
      args[camel(m[1])] = pythonValue(m[2], yamlVars, calls);
    }
    calls.push({ variable: head[1], className: head[2], name: JSON.parse(first) as string, args });
  }
  const exports: PythonProgram["exports"] = {};
  for (const m of source.matchAll(/^pulumi\.export\("(\w+)", (\w+)\.(\w+)\)$/gm)) exports[m[1]] = { variable: m[2], output: camel(m[3]) };
  return { module: importLine[1], calls, exports };
}

function pythonValue(v: string, yamlVars: Map<string, string>, earlier: PythonCall[]): PythonArg {
  if (/^"[^"]*"$/.test(v)) return { literal: JSON.parse(v) as string };
  if (/^-?\d+(\.\d+)?$/.test(v)) return { literal: Number(v) };
  if (v === "True" || v === "False") return { literal: v === "True" };
  const secret = /^config\.require_secret\("(\w+)"\)$/.exec(v);
  if (secret) return { secretConfig: secret[1] };
  const ref = /^(\w+)\.(\w+)$/.exec(v);
  if (ref && earlier.some((c) => c.variable === ref[1])) return { ref: { variable: ref[1], output: camel(ref[2]) } };
  if (yamlVars.has(v)) return { yamlFile: yamlVars.get(v)! };
  throw new Error(`the README's Python uses a value the Construct test does not model: ${v}`);
}
