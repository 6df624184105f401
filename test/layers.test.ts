import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");

/**
 * The layers, bottom first: data flows one way (core ← pipelines ← components ← stacks ← plan). A folder may import
 * from its own layer and from the layers below; policy/ sits beside pipelines/ and reads only core/. The library's
 * entries (the root index.ts and the per-cloud api/*.ts) are a public API: they may reach components and below,
 * never the stack programs, and not each other's folder.
 */
export const LAYERS: Record<string, number> = { core: 0, pipelines: 1, policy: 1, components: 2, "index.ts": 3, api: 3, stacks: 3, plan: 4 };
/** Same-rank folders that must not import each other. */
const SIBLINGS_APART = [
  ["pipelines", "policy"],
  ["stacks", "index.ts"],
  ["stacks", "api"],
  ["api", "index.ts"],
];

/** Top folder (or root file) of a repository path. */
function layerOf(rel: string): string {
  return rel.split(path.sep)[0];
}

/** Relative import specifiers of a TypeScript source (static imports, re-exports, dynamic imports). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
}

/** `file: import` for every relative import of `source` (the file `file`) against the layer direction. */
export function wrongWayImports(file: string, source: string): string[] {
  const from = layerOf(path.relative(root, file));
  if (!(from in LAYERS)) return [];
  const out: string[] = [];
  for (const spec of importsOf(source)) {
    const target = layerOf(path.relative(root, path.resolve(path.dirname(file), spec)));
    const to = target === "index" ? "index.ts" : target; // "../index" is the root entry index.ts
    if (to === from || !(to in LAYERS)) continue;
    const apart = SIBLINGS_APART.some((pair) => pair.includes(from) && pair.includes(to));
    if (LAYERS[to] > LAYERS[from] || apart) out.push(`${path.relative(root, file)}: ${spec}`);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

const SOURCES = [
  ...Object.keys(LAYERS)
    .filter((l) => l !== "index.ts")
    .flatMap((l) => tsFiles(path.join(root, l))),
  path.join(root, "index.ts"),
];

/** True when `source` only re-exports (comments aside). */
export function isBarrel(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const statements = code
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
  return statements.length > 0 && statements.every((s) => /^export\s+(type\s+)?(\*|\{[^}]*\})(\s+as\s+\w+)?\s+from\s+"[^"]+"$/.test(s));
}

/**
 * Folder-level import graph (`core`, `components/gpu-node-pool`, `pipelines/render`, …) of the layered sources.
 * Barrel files (only `export … from` lines: a folder's public API over its subfolders) are left out: they sit
 * above their folder by design.
 */
function folderGraph(): Map<string, Set<string>> {
  const folder = (abs: string) => path.relative(root, path.dirname(abs)) || ".";
  const graph = new Map<string, Set<string>>();
  for (const file of SOURCES.filter((f) => !isBarrel(fs.readFileSync(f, "utf8")))) {
    const from = folder(file);
    for (const spec of importsOf(fs.readFileSync(file, "utf8"))) {
      const to = folder(path.resolve(path.dirname(file), `${spec}.ts`));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Every cycle between folders, each as `a -> b -> a` (found by depth-first search). */
export function folderCycles(graph: Map<string, Set<string>>): string[] {
  const cycles = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === "open") cycles.add([...stack.slice(stack.indexOf(m)), m].join(" -> "));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return [...cycles];
}

describe("layers: imports go one way", () => {
  it("no file imports against core ← pipelines ← components ← stacks ← plan (policy/ reads only core/)", () => {
    const found = SOURCES.flatMap((f) => wrongWayImports(f, fs.readFileSync(f, "utf8")));
    expect(found).toEqual([]);
  });

  it("no cycle between folders", () => {
    expect(folderCycles(folderGraph())).toEqual([]);
  });

  it("the library's entries export no stack-program internals and only re-export", () => {
    expect(importsOf(fs.readFileSync(path.join(root, "index.ts"), "utf8")).filter((s) => /^\.\/(stacks|plan)\//.test(s))).toEqual([]);
    const entries = tsFiles(path.join(root, "api"));
    expect(entries.map((f) => path.basename(f)).sort()).toEqual(["aws.ts", "gcp.ts", "kubernetes.ts"]);
    for (const f of entries) {
      const source = fs.readFileSync(f, "utf8");
      expect(importsOf(source).filter((s) => /^\.\.\/(stacks|plan)\//.test(s))).toEqual([]);
      expect(isBarrel(source), f).toBe(true);
    }
  });

  it("catches planted wrong-way imports and a planted cycle", () => {
    const validate = path.join(root, "pipelines", "validate.ts");
    expect(wrongWayImports(validate, 'import type { Problem } from "../stacks/config/errors";')).toEqual(["pipelines/validate.ts: ../stacks/config/errors"]);
    expect(wrongWayImports(validate, 'import { x } from "../components/gpu-node-pool/labels";')).toEqual([
      "pipelines/validate.ts: ../components/gpu-node-pool/labels",
    ]);
    expect(wrongWayImports(validate, 'import { x } from "../core/problem";')).toEqual([]);
    const core = path.join(root, "core", "images.ts");
    expect(wrongWayImports(core, 'import type { Problem } from "../components/artifact-registry/protection";')).toEqual([
      "core/images.ts: ../components/artifact-registry/protection",
    ]);
    const policy = path.join(root, "policy", "policies", "interconnect.ts");
    expect(wrongWayImports(policy, 'import { x } from "../../pipelines/sizing";')).toEqual(["policy/policies/interconnect.ts: ../../pipelines/sizing"]);
    const graph = new Map([
      ["components/pipeline", new Set(["components/platform"])],
      ["components/platform", new Set(["components/pipeline", "core"])],
    ]);
    const entry = path.join(root, "api", "aws.ts");
    expect(wrongWayImports(entry, 'export * from "../stacks/config/schema";')).toEqual(["api/aws.ts: ../stacks/config/schema"]);
    expect(wrongWayImports(entry, 'export * from "../index";')).toEqual(["api/aws.ts: ../index"]);
    expect(wrongWayImports(entry, 'export * from "../components/gpu-node-pool/eks";')).toEqual([]);
    expect(folderCycles(graph)).toEqual(["components/pipeline -> components/platform -> components/pipeline"]);
    expect(isBarrel('export * from "./a";\nexport { b, type C } from "./b";')).toBe(true);
    expect(isBarrel('export * from "./a";\nexport class X {}')).toBe(false);
  });
});
