import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
/** Lower layers and the folders they must never import from (data flows one way: components/pipelines/policy ← stacks ← plan). */
const FORBIDDEN: Record<string, string[]> = { components: ["stacks", "plan"], pipelines: ["stacks", "plan"], policy: ["stacks", "plan"] };

/** `file: import` for every relative import of `source` (a file under `layer`) that lands in a forbidden folder. */
export function upwardImports(file: string, source: string, layer: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    const target = path.relative(root, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
    if (FORBIDDEN[layer].includes(target)) out.push(`${path.relative(root, file)}: ${m[1]}`);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

describe("layers: imports go one way", () => {
  it("components/, pipelines/ and policy/ import nothing from stacks/ or plan/", () => {
    const found = Object.keys(FORBIDDEN).flatMap((layer) => tsFiles(path.join(root, layer)).flatMap((f) => upwardImports(f, fs.readFileSync(f, "utf8"), layer)));
    expect(found).toEqual([]);
  });

  it("catches a planted upward import", () => {
    const file = path.join(root, "pipelines", "validate.ts");
    expect(upwardImports(file, 'import type { ConfigProblem } from "../stacks/config/errors";', "pipelines")).toEqual(["pipelines/validate.ts: ../stacks/config/errors"]);
    expect(upwardImports(file, 'import { x } from "../components/config-problem";', "pipelines")).toEqual([]);
  });
});
