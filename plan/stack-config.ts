import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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

/** Reads a `Pulumi.<stack>.yaml`-format file into engine config; a clear error if the file is not one. */
export function loadStackConfigFile(file: string, project = "finetune"): EngineConfig {
  if (!fs.existsSync(file)) throw new Error(`config file ${file} does not exist (pass a file in the format of stacks/Pulumi.<stack>.yaml)`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  if (!doc || typeof doc !== "object" || !doc.config || typeof doc.config !== "object") {
    throw new Error(`config file ${file} has no top-level "config:" map (use the format of stacks/Pulumi.<stack>.yaml)`);
  }
  return engineConfigFromObject(doc.config, project);
}
