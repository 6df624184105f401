import * as fs from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../stacks/config/errors";

/** Config as the Pulumi engine hands it to a program: `namespace:key` → string, JSON for structured values. */
export interface EngineConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/** Repo root (the folder with package.json and Pulumi.yaml). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Path of a stack's example config, `stacks/Pulumi.<stack>.yaml`. */
export function stackConfigPath(stack: string): string {
  return path.join(REPO_ROOT, "stacks", `Pulumi.${stack}.yaml`);
}

/** Placeholder every `secure:` value becomes offline (its ciphertext cannot be decrypted without the CLI). */
export const OFFLINE_SECRET = "offline-placeholder-secret";

/**
 * Turns a stack settings document (`config:` map as in `Pulumi.<stack>.yaml`) into engine config.
 * Keys without a namespace get the project's (`finetune`), as the CLI does. `{ secure: ... }` values become
 * secrets with a placeholder value.
 */
export function engineConfigFromObject(config: Record<string, unknown>, project = "finetune"): EngineConfig {
  const out: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
      out[key] = OFFLINE_SECRET;
      secretKeys.push(key);
    } else {
      out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config: out, secretKeys };
}

/** How to fix the YAML parser's most common complaints (codes of the `yaml` package's `YAMLError`). */
const YAML_FIXES: Record<string, string> = {
  BAD_INDENT: "indent nested keys by two spaces more than their parent, with spaces, and close every [ and {",
  TAB_AS_INDENT: "indent with spaces, not tabs",
  DUPLICATE_KEY: "keep only one of the duplicated keys",
  MISSING_CHAR: "close the quote or bracket that was opened",
  MULTILINE_IMPLICIT_KEY: "put each key on one line and end it with ': '",
  BLOCK_AS_IMPLICIT_KEY: "put each key on one line and end it with ': '",
  UNEXPECTED_TOKEN: "quote values that contain ':', '#', '{', '[' or start with '@' or '`'",
  BAD_SCALAR_START: "quote values that start with '@', '`', '%', '|' or '>'",
  BAD_DQ_ESCAPE: "use a valid escape in the double-quoted string, or single quotes",
};

/** A file-level problem: the key is the file (and place) it is about. */
function fileError(file: string, message: string): ConfigError {
  return new ConfigError([{ path: file, message }]);
}

/**
 * Reads a `Pulumi.<stack>.yaml`-format file into engine config. A missing file, a YAML syntax error (with its line
 * and column) or a file without a `config:` map is a {@link ConfigError} that names the file and says how to fix it.
 */
export function loadStackConfigFile(file: string, project = "finetune"): EngineConfig {
  if (!fs.existsSync(file)) throw fileError(file, "does not exist (pass a file in the format of stacks/Pulumi.<stack>.yaml)");
  if (!fs.statSync(file).isFile()) throw fileError(file, "is not a file (pass a file in the format of stacks/Pulumi.<stack>.yaml)");
  const lineCounter = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, "utf8"), { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const what = e.message
          .split("\n")[0]
          .replace(/ at line \d+, column \d+:?$/, "")
          .replace(/:$/, "");
        const fix = YAML_FIXES[e.code] ?? "fix the YAML syntax at that place; stacks/Pulumi.<stack>.yaml shows the format";
        return { path: `${file}:${pos.line}:${pos.col}`, message: `${what} (${fix})` };
      }),
    );
  }
  const config = (doc.toJS({ maxAliasCount: 100 }) as { config?: unknown } | null)?.config;
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw fileError(file, 'has no top-level "config:" map (use the format of stacks/Pulumi.<stack>.yaml)');
  }
  return engineConfigFromObject(config as Record<string, unknown>, project);
}
