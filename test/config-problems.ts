import { expect } from "vitest";
import { ConfigError } from "../stacks/config/errors";
import { parseKitConfig } from "../stacks/config/load";

/** Minimal valid platform sections, one per target, for config tests to build on. */
export const MINIMAL = {
  kubernetes: { target: "kubernetes", kubernetes: { context: "c" } },
  gcp: { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" } },
  aws: { target: "aws-sagemaker", aws: { region: "us-east-1" } },
} as const;

/** The problem lines (`finetune:<key>: <message>`) a config is rejected with; fails the test if it is accepted. */
export function configProblems(raw: Record<string, unknown>): string[] {
  try {
    parseKitConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error("expected the config to be rejected");
}
