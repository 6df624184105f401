import * as pulumi from "@pulumi/pulumi";
import { closest, ConfigError, Problem, keyOf, problemsFromZod } from "./errors";
import { KitConfig, KitConfigSchema, SECRET_KEYS, Target } from "./schema";

/** `isConfigSecret` is exported by the SDK's runtime but missing from its type declarations. */
const isConfigSecret: (key: string) => boolean = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => true);

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
    throw new ConfigError(problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
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

const TARGETS: readonly string[] = Object.values(Target);

/**
 * The stack and `finetune:target` must agree: a stack named after a target (`kubernetes`, `gcp`, `aws-sagemaker`)
 * runs only that target's config. Stacks with other names (`dev`, `prod-eu`) may run any target.
 */
export function stackTargetProblems(stack: string, target: unknown): Problem[] {
  if (typeof target !== "string" || !TARGETS.includes(target) || !TARGETS.includes(stack) || stack === target) return [];
  return [
    {
      path: `${CONFIG_NAMESPACE}:target`,
      message: `is "${target}" but the stack is "${stack}" (use the ${stack} stack's config, e.g. stacks/Pulumi.${stack}.yaml, or select the stack "${target}")`,
    },
  ];
}

/**
 * A gated base model needs the hub token: on aws-sagemaker always (the pipeline stores it in Secrets Manager),
 * on Kubernetes targets unless the pipeline names an existing Secret (`baseModel.hubTokenSecret`).
 */
export function hubTokenProblems(cfg: KitConfig, hubTokenSet: boolean): Problem[] {
  if (hubTokenSet) return [];
  const needing = cfg.pipelines.filter((p) => p.baseModel.gated && (cfg.target === "aws-sagemaker" || !p.baseModel.hubTokenSecret));
  if (!needing.length) return [];
  const which = needing.map((p) => `${p.name} (${p.baseModel.id})`).join(", ");
  const secretHint = cfg.target === "aws-sagemaker" ? "" : ", or name an existing Secret in the pipeline's baseModel.hubTokenSecret";
  return [
    {
      path: `${CONFIG_NAMESPACE}:hubToken`,
      message: `is required because pipeline${needing.length === 1 ? "" : "s"} ${which} use${needing.length === 1 ? "s" : ""} a gated base model (pulumi config set --secret ${CONFIG_NAMESPACE}:hubToken <token>${secretHint})`,
    },
  ];
}

/**
 * Reads every `finetune:*` key of the running stack, checks that secret keys are secrets, and parses
 * the rest with {@link parseKitConfig}.
 */
export function readKitConfig(): KitConfig {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== CONFIG_NAMESPACE) {
      // Other namespaces (aws:, gcp:, kubernetes:) belong to providers; one a typo away from ours is a lost kit key.
      if (rest.length && ns.length >= 5 && closest(ns, [CONFIG_NAMESPACE]) === CONFIG_NAMESPACE) {
        problems.push({
          path: keyOf(rest, CONFIG_NAMESPACE),
          message: `is written with the namespace "${ns}" (rename the key to ${CONFIG_NAMESPACE}:${rest.join(":")})`,
        });
      }
      continue;
    }
    const key = rest.join(":");
    raw[key] = (SECRET_KEYS as readonly string[]).includes(key) ? value : decode(value);
  }
  for (const k of SECRET_KEYS) {
    if (raw[k] !== undefined && !isConfigSecret(`${CONFIG_NAMESPACE}:${k}`)) {
      problems.push({
        path: `${CONFIG_NAMESPACE}:${k}`,
        message: `is stored in plain text (store it encrypted: pulumi config set --secret ${CONFIG_NAMESPACE}:${k} <value>)`,
      });
    }
  }
  problems.push(...stackTargetProblems(pulumi.getStack(), raw.target));
  let cfg: KitConfig;
  try {
    cfg = parseKitConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError && problems.length) throw new ConfigError([...problems, ...e.problems]);
    throw e;
  }
  problems.push(...hubTokenProblems(cfg, raw.hubToken !== undefined));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** The model-hub token as a Pulumi secret, when one is configured. */
export function readHubToken(): pulumi.Output<string> | undefined {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  return cfg.get("hubToken") === undefined ? undefined : cfg.requireSecret("hubToken");
}
