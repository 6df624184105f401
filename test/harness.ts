import { deployKit, main } from "../stacks/main";
import { parseKitConfig } from "../stacks/config/load";
import type { KitConfig, KitConfigInput } from "../stacks/config/schema";
import { runWithMocks, type MockRunResult, type RecordedResource } from "../plan/mock-engine";
import { engineConfigFromObject, loadStackConfigFile, stackConfigPath } from "../plan/stack-config";

export { runWithMocks, type MockRunResult, type RecordedResource };
export { manifestsOf } from "../plan/manifests";

/** The three stacks the kit ships. */
export const STACKS = ["kubernetes", "gcp", "aws-sagemaker"] as const;
export type StackName = (typeof STACKS)[number];

/**
 * Runs the real stack program (config read through the Pulumi runtime, exactly as `pulumi up` does) under
 * mocks. `config` replaces the stack's example config (`stacks/Pulumi.<stack>.yaml`) when given, either as a
 * `config:` map (keys with or without `finetune:`) or as a path to a file in that format.
 */
export async function runStack(stack: StackName | string, config?: Record<string, unknown> | string): Promise<MockRunResult> {
  const engine =
    config === undefined
      ? loadStackConfigFile(stackConfigPath(stack))
      : typeof config === "string"
        ? loadStackConfigFile(config)
        : engineConfigFromObject(config);
  return runWithMocks(() => main(), { project: "finetune", stack, config: engine.config, secretKeys: engine.secretKeys });
}

/** Runs `deployKit` on an already typed config (defaults applied by the schema). */
export async function runKit(input: KitConfigInput, stack = "dev"): Promise<MockRunResult & { config: KitConfig }> {
  const cfg = parseKitConfig(input as Record<string, unknown>);
  const result = await runWithMocks(() => deployKit(cfg), { project: "finetune", stack });
  return { ...result, config: cfg };
}

/** Resources of a type token. */
export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** Exactly one resource of a type token (throws listing what exists otherwise). */
export function one(resources: RecordedResource[], type: string, name?: string): RecordedResource {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ") || "none"}`);
  }
  return found[0];
}
