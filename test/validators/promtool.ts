import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";

/**
 * Prometheus rule checks with the real `promtool` (Debian package `prometheus`, PromQL of Prometheus 2.42):
 * `promtool check rules` for rule files and `promtool test rules` for alert unit tests.
 * A missing promtool is a failure with install instructions, never a skip.
 */

export interface PromtoolResult {
  ok: boolean;
  /** promtool's stdout and stderr together. */
  output: string;
}

let cached: string | undefined;

/** The promtool executable (PROMTOOL env var, else the PATH); throws how to install it when missing. */
export function requirePromtool(): string {
  if (cached) return cached;
  const candidates = [process.env.PROMTOOL, ...(process.env.PATH ?? "").split(path.delimiter).map((d) => d && path.join(d, "promtool"))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return (cached = c);
    } catch {
      // not here
    }
  }
  throw new Error("promtool not found: install Debian package prometheus (apt-get install -y prometheus)");
}

function run(args: string[], cwd: string): PromtoolResult {
  const r = spawnSync(requirePromtool(), args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`promtool ${args.join(" ")} failed to run: ${r.error.message}`);
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "finetune-promtool-"));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A rule file name must stay inside the temp dir (keys of `ruleFiles` are plain relative names). */
function safeName(name: string): string {
  const norm = path.normalize(name);
  if (path.isAbsolute(norm) || norm.startsWith("..")) throw new Error(`rule file name must be relative and stay in its folder: ${name}`);
  return norm;
}

/**
 * `promtool check rules` on a rule file (the `groups:` document; for a PrometheusRule object pass its `spec`
 * as YAML).
 */
export function promtoolCheckRules(rulesYaml: string): PromtoolResult {
  return withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, "rules.yaml"), rulesYaml);
    return run(["check", "rules", "rules.yaml"], dir);
  });
}

/**
 * `promtool test rules` on a unit-test file. Its `rule_files:` entries name keys of `ruleFiles`, which are
 * written beside it.
 */
export function promtoolTestRules(testsYaml: string, ruleFiles: Record<string, string>): PromtoolResult {
  return withTempDir((dir) => {
    for (const [name, text] of Object.entries(ruleFiles)) {
      const file = path.join(dir, safeName(name));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    fs.writeFileSync(path.join(dir, "__tests__.yaml"), testsYaml);
    return run(["test", "rules", "__tests__.yaml"], dir);
  });
}

/**
 * The rule file promtool reads for a PrometheusRule object: its `spec` (the `groups:` document) as YAML.
 * Throws when the object is not a PrometheusRule with `spec.groups`.
 */
export function rulesYamlOf(prometheusRule: object): string {
  const o = prometheusRule as { kind?: unknown; spec?: { groups?: unknown } };
  if (o.kind !== "PrometheusRule" || !Array.isArray(o.spec?.groups)) {
    throw new Error(`rulesYamlOf: expected a PrometheusRule with spec.groups (got kind ${JSON.stringify(o.kind)})`);
  }
  return toYaml(o.spec);
}
