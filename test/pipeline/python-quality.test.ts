import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";
import { describe, expect, it } from "vitest";
import { stageScriptsDir } from "../../components/pipeline/scripts";

/**
 * The Python the kit ships (the stage scripts and the GPU smoke test) is linted by ruff (its WASM build, with the
 * rules of ruff.toml) and type-checked by pyright (pyrightconfig.json: strict on pipelines/scripts). Each test
 * fails listing every diagnostic as `file:line:column rule message`; a planted fault shows each tool is really
 * running with the repository's settings.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON_DIRS = [stageScriptsDir(), path.join(ROOT, "components", "cuda-driver-stack", "smoke")];
const pythonFiles = (): string[] =>
  PYTHON_DIRS.flatMap((d) =>
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith(".py"))
      .sort()
      .map((f) => path.join(d, f)),
  );

type TomlValue = string | number | boolean | string[];
/**
 * The subset of TOML ruff.toml uses: `[table]` headers and `key = value` lines whose value is a JSON literal (double-
 * quoted string, number, boolean, array of strings). Anything else is an error, so the file cannot silently grow
 * a construct this reader misses.
 */
export function parseTomlSubset(text: string): Record<string, Record<string, TomlValue> | TomlValue> {
  const out: Record<string, Record<string, TomlValue> | TomlValue> = {};
  let table: Record<string, TomlValue> | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/^\s*#.*$/, "").trim();
    if (!line) return;
    const header = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (header) {
      table = {};
      out[header[1]] = table;
      return;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new Error(`ruff.toml line ${i + 1}: not a [table] or key = value line: ${raw}`);
    const value = JSON.parse(kv[2]) as TomlValue;
    if (table) table[kv[1]] = value;
    else out[kv[1]] = value;
  });
  return out;
}

const ruffSettings = () => parseTomlSubset(fs.readFileSync(path.join(ROOT, "ruff.toml"), "utf8"));
interface RuffDiagnostic {
  code: string | null;
  message: string;
  start_location: { row: number; column: number };
}
const ruffCheck = (source: string): RuffDiagnostic[] => {
  const ws = new Workspace(ruffSettings(), PositionEncoding.Utf16);
  try {
    return ws.check(source) as RuffDiagnostic[];
  } finally {
    ws.free();
  }
};
const ruffLines = (file: string, diagnostics: RuffDiagnostic[]) =>
  diagnostics.map((d) => `${path.relative(ROOT, file)}:${d.start_location.row}:${d.start_location.column} ${d.code ?? "syntax"} ${d.message}`);

describe("ruff (ruff.toml rules, WASM build)", () => {
  it("finds nothing in the stage scripts and the GPU smoke test", () => {
    const files = pythonFiles();
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(["ftkit_store.py", "register_model.py", "gpu_smoke.py"]));
    const found = files.flatMap((f) => ruffLines(f, ruffCheck(fs.readFileSync(f, "utf8"))));
    expect(found, found.join("\n")).toEqual([]);
  });

  it("catches planted faults: an unused import, a mutable default, a bare except and a line over the limit", () => {
    const settings = ruffSettings() as { "line-length": number };
    const planted = [
      "import json",
      "import os",
      "",
      "",
      "def f(xs: list[str] = []) -> str:",
      "    try:",
      "        return json.dumps(xs)",
      "    except:",
      "        return ''",
      "",
      "",
      `X = "${"x".repeat(settings["line-length"])}"`,
      "",
    ].join("\n");
    expect(
      ruffCheck(planted)
        .map((d) => `${d.start_location.row} ${d.code}`)
        .sort((x, y) => parseInt(x) - parseInt(y)),
    ).toEqual(["2 F401", "5 B006", "8 E722", "12 E501"]);
    // the same code without the faults is clean: the rules, not the harness, flag them
    expect(ruffCheck("import json\n\n\ndef f(xs: list[str]) -> str:\n    return json.dumps(xs)\n")).toEqual([]);
  });

  it("reads only the TOML it understands", () => {
    expect(parseTomlSubset('a = 1\n[lint]\n# c\nselect = ["E"]\n')).toEqual({ a: 1, lint: { select: ["E"] } });
    expect(() => parseTomlSubset("[lint\n")).toThrow("ruff.toml line 1: not a [table] or key = value line: [lint");
  });
});

interface PyrightDiagnostic {
  file: string;
  severity: string;
  message: string;
  rule?: string;
  range: { start: { line: number; character: number } };
}

const PYRIGHT = path.join(ROOT, "node_modules", "pyright", "index.js");
const pyright = (project: string): { summary: { filesAnalyzed: number }; generalDiagnostics: PyrightDiagnostic[] } => {
  const r = spawnSync(process.execPath, [PYRIGHT, "--outputjson", "-p", project], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(r.stdout);
};
const pyrightConfig = () =>
  JSON.parse(fs.readFileSync(path.join(ROOT, "pyrightconfig.json"), "utf8")) as { include: string[]; strict?: string[]; executionEnvironments?: unknown[] };

describe("pyright (pyrightconfig.json)", () => {
  it("finds no error or warning in the stage scripts (strict) and the GPU smoke test (standard)", () => {
    const config = pyrightConfig();
    expect([...config.include].sort()).toEqual(["components/cuda-driver-stack/smoke", "pipelines/scripts"]);
    expect(config.strict).toEqual(["pipelines/scripts"]);
    const out = pyright(path.join(ROOT, "pyrightconfig.json"));
    const found = out.generalDiagnostics.map(
      (d) =>
        `${path.relative(ROOT, d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.rule ?? ""} ${d.message.split("\n")[0]}`,
    );
    expect(found, found.join("\n")).toEqual([]);
    expect(out.summary.filesAnalyzed).toBe(pythonFiles().length);
  }, 180_000);

  it("catches planted faults with the repository's settings: an unused import, an untyped parameter and a type error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-pyright-"));
    try {
      const planted = path.join(dir, "planted.py");
      const source = [
        "from __future__ import annotations",
        "",
        "import os",
        "import sys",
        "",
        "",
        "def untyped(x):",
        "    return x",
        "",
        "",
        "def size(path: str) -> int:",
        '    return os.path.getsize(path) + "1"',
        "",
      ];
      fs.writeFileSync(planted, source.join("\n"));
      // the repository's settings, with the planted file's folder as the (strict) project
      const { executionEnvironments: _envs, ...settings } = pyrightConfig();
      fs.writeFileSync(path.join(dir, "pyrightconfig.json"), JSON.stringify({ ...settings, include: ["."], strict: ["."] }));
      const found = pyright(path.join(dir, "pyrightconfig.json")).generalDiagnostics.map((d) => `${d.range.start.line + 1} ${d.severity} ${d.rule}`);
      expect(found).toEqual(expect.arrayContaining(["4 error reportUnusedImport", "7 error reportMissingParameterType", "12 error reportOperatorIssue"]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
