import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Where the upstream schema data lives (`../shared/schemas` beside the repository, see its README).
 * Overridden by `FINETUNE_KIT_SCHEMAS`. Resolved from the repository root (the folder holding package.json,
 * found relative to this file), never from the current working directory.
 */

/** The repository root: the nearest folder above this file that holds package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`finetune-kit: no package.json found above ${__dirname}`);
    dir = parent;
  }
}

/**
 * The folder with the upstream schemas. Throws (never skips) when it is missing, naming the path tried,
 * where the path came from, and how to get the data.
 */
export function schemasDir(): string {
  const fromEnv = process.env.FINETUNE_KIT_SCHEMAS;
  const dir = fromEnv ? path.resolve(repoRoot(), fromEnv) : path.resolve(repoRoot(), "..", "shared", "schemas");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const source = fromEnv
      ? `FINETUNE_KIT_SCHEMAS=${fromEnv}`
      : "the default ../shared/schemas relative to the repository root (FINETUNE_KIT_SCHEMAS is not set)";
    throw new Error(
      `upstream schema folder not found: ${dir} (from ${source}). ` +
        "Set FINETUNE_KIT_SCHEMAS to a folder holding kubernetes/, crds/ and sagemaker/ as described in " +
        "shared/schemas/README.md (the upstream files listed in its SOURCES.tsv), or check out the shared/ folder " +
        "beside the repository.",
    );
  }
  return dir;
}

/** Absolute path of a file inside the schema folder; throws naming the file when it is missing. */
export function schemaFile(...parts: string[]): string {
  const file = path.join(schemasDir(), ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`upstream schema file not found: ${file} (schema folder from schemasDir(); see shared/schemas/SOURCES.tsv)`);
  }
  return file;
}

/** Reads and parses a JSON schema file from the schema folder. */
export function readSchemaJson(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(schemaFile(...parts), "utf8")) as unknown;
}
