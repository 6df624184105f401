import { parse } from "yaml";

/**
 * Finds every piece of text a shell would parse in rendered output (Kubernetes manifests, Argo templates,
 * SageMaker definitions), generically, so that a new place is found without a test change:
 *  - an argv (`command`, `args`, `ContainerEntrypoint`, `ContainerArguments`, a step runner's `run`) whose
 *    program is a shell (`sh`, `bash`, `/bin/sh`, …) given `-c`: the element after `-c` (Kubernetes: also
 *    `command: [sh]` + `args: [-c, X]`);
 *  - Argo `script.source`;
 *  - the same, recursively, inside embedded documents: Argo `resource.manifest` (YAML), and argv elements that
 *    hold JSON (the step runner's `steps`).
 */

export interface ShellText {
  /** Where it was found (a JSON-ish path). */
  where: string;
  text: string;
}

/** Programs that parse their `-c` argument as shell text (by base name: `sh`, `/bin/sh`, `/usr/bin/bash`, …). */
const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"]);

type Arg = unknown;

/** Shell text in one argv (elements may be strings or `{Get}` objects): the element after `-c`, or after any `-xxc` cluster. */
function shellOfArgv(argv: Arg[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== "string") continue;
    if (!SHELLS.has(a.split("/").pop() ?? "")) continue;
    // `env sh -c`, `exec sh -c`, `sh -e -c`: take the first -c-bearing option after the shell
    for (let j = i + 1; j < argv.length; j++) {
      const o = argv[j];
      if (typeof o !== "string" || !o.startsWith("-") || o === "--") break;
      if (/^-[a-z]*c[a-z]*$/.test(o)) {
        const text = argv[j + 1];
        out.push(typeof text === "string" ? text : JSON.stringify(text));
        break;
      }
    }
  }
  return out;
}

function tryJson(s: string): unknown {
  const t = s.trim();
  if (!(t.startsWith("[") || t.startsWith("{"))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** Every shell text in `root`. */
export function shellTexts(root: unknown, where = "$"): ShellText[] {
  const out: ShellText[] = [];
  const visit = (v: unknown, at: string): void => {
    if (Array.isArray(v)) {
      for (const text of shellOfArgv(v)) out.push({ where: at, text });
      v.forEach((x, i) => {
        if (typeof x === "string") {
          const doc = tryJson(x);
          if (doc !== undefined) visit(doc, `${at}[${i}]<json>`);
        } else visit(x, `${at}[${i}]`);
      });
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    // Kubernetes splits argv across command and args.
    if (Array.isArray(o.command) && Array.isArray(o.args)) {
      for (const text of shellOfArgv([...o.command, ...o.args])) if (!shellOfArgv(o.command).includes(text)) out.push({ where: `${at}.command+args`, text });
    }
    const script = o.script as { source?: unknown } | undefined;
    if (script && typeof script.source === "string") out.push({ where: `${at}.script.source`, text: script.source });
    const resource = o.resource as { manifest?: unknown } | undefined;
    if (resource && typeof resource.manifest === "string") visit(parse(resource.manifest), `${at}.resource.manifest<yaml>`);
    for (const [k, x] of Object.entries(o)) visit(x, `${at}.${k}`);
  };
  visit(root, where);
  return out;
}

/** Every string in `root`, with embedded YAML manifests and JSON argv elements expanded. */
export function allStrings(root: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      out.push(v);
      const doc = tryJson(v);
      if (doc !== undefined) visit(doc);
      return;
    }
    if (Array.isArray(v)) return v.forEach(visit);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const resource = o.resource as { manifest?: unknown } | undefined;
      if (resource && typeof resource.manifest === "string") visit(parse(resource.manifest));
      Object.values(o).forEach(visit);
    }
  };
  visit(root);
  return out;
}
