import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem, problemsFromZod } from "./errors";
import { KitConfig, KitConfigSchema, SECRET_KEYS } from "./schema";

/** `isConfigSecret` is exported by the SDK's runtime but missing from its type declarations. */
const isConfigSecret: (key: string) => boolean =
  (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => true);

/** Namespace of every kit key (the project name in Pulumi.yaml). */
export const CONFIG_NAMESPACE = "finetune";

/**
 * Validates a `finetune:*` configuration object (keys without the namespace) and returns it typed,
 * with defaults applied. Throws one {@link ConfigError} that lists every problem.
 */
export function parseKitConfig(raw: Record<string, unknown>): KitConfig {
  const withoutSecrets: Record<string, unknown> = { ...raw };
  for (const k of SECRET_KEYS) delete withoutSecrets[k];
  const result = KitConfigSchema.safeParse(withoutSecrets, { reportInput: true });
  if (!result.success) {
    const problems = problemsFromZod(result.error, KitConfigSchema, CONFIG_NAMESPACE);
    throw new ConfigError(problems.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }
  return result.data;
}

/** Pulumi stores structured config as JSON text; scalars as plain text. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Reads every `finetune:*` key of the running stack, checks that secret keys are secrets, and parses
 * the rest with {@link parseKitConfig}.
 */
export function readKitConfig(): KitConfig {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== CONFIG_NAMESPACE) continue;
    const key = rest.join(":");
    raw[key] = (SECRET_KEYS as readonly string[]).includes(key) ? value : decode(value);
  }
  for (const k of SECRET_KEYS) {
    if (raw[k] !== undefined && !isConfigSecret(`${CONFIG_NAMESPACE}:${k}`)) {
      problems.push({
        key: `${CONFIG_NAMESPACE}:${k}`,
        message: `is stored in plain text (store it encrypted: pulumi config set --secret ${CONFIG_NAMESPACE}:${k} <value>)`,
      });
    }
  }
  try {
    const cfg = parseKitConfig(raw);
    if (problems.length) throw new ConfigError(problems);
    return cfg;
  } catch (e) {
    if (e instanceof ConfigError && problems.length && e.problems !== problems) throw new ConfigError([...problems, ...e.problems]);
    throw e;
  }
}

/** The model-hub token as a Pulumi secret, when one is configured. */
export function readHubToken(): pulumi.Output<string> | undefined {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  return cfg.get("hubToken") === undefined ? undefined : cfg.requireSecret("hubToken");
}
