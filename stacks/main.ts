import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type Problem } from "./config/errors";
import { CONFIG_NAMESPACE, readKitConfig } from "./config/load";
import { KitConfig } from "./config/schema";
import { awsSageMakerStack } from "./aws-sagemaker";
import { gcpStack } from "./gcp";
import { kubernetesStack } from "./kubernetes";

/** Stack outputs: plain values or outputs, keyed by output name. */
export type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** Runs the stack program that `cfg.target` names. */
export function deployKit(cfg: KitConfig): StackOutputs {
  switch (cfg.target) {
    case "kubernetes":
      return kubernetesStack(cfg);
    case "gcp":
      return gcpStack(cfg);
    case "aws-sagemaker":
      return awsSageMakerStack(cfg);
  }
}

/** Platform section of each target (where its namespace, cluster and region live). */
const SECTION = { kubernetes: "kubernetes", gcp: "gcp", "aws-sagemaker": "aws" } as const;

/**
 * Config key that feeds a component argument, by the argument's property path. The stacks pass these arguments
 * straight from config (stacks/*.ts), so a component's complaint about one is a complaint about that key.
 */
function configKeyOf(propertyPath: string, cfg: KitConfig): string {
  const section = SECTION[cfg.target];
  const byArg: Record<string, string> = {
    hubToken: "hubToken",
    namespace: `${section}.namespace`,
    kubernetesNamespace: `${section}.namespace`,
    cluster: "gcp.cluster.name",
    clusterName: "gcp.cluster.name",
    project: "gcp.project",
    region: `${section}.region`,
    location: `${section}.region`,
    zones: "gcp.zones",
    nodeLocations: "gcp.zones",
    subnetCidr: "gcp.cluster.subnetCidr",
    masterCidr: "gcp.cluster.masterCidr",
    cidr: "aws.vpcCidr",
    bucketName: "artifactStore.bucketName",
    images: "artifactStore.images",
    accountId: "artifactStore.aws.accountId",
    tags: "aws.tags",
  };
  const head = propertyPath.split(/[.[]/)[0];
  const key = byArg[head] ?? (head === "spec" ? "pipelines" : section);
  return `${CONFIG_NAMESPACE}:${key}`;
}

/** A reason ends with its "(fix)"; a component's reason that lacks one gets a pointer to the key. */
function withFix(reason: string, key: string): string {
  return /\(.+\)$/.test(reason) ? reason : `${reason} (fix ${key})`;
}

/**
 * Maps a component's argument error (`InputPropertiesError` with property paths) raised while the stack program
 * builds its resources back to the config keys that fed the arguments, as one {@link ConfigError}. Any other
 * error is returned unchanged (it is a bug in the kit, not in the config).
 */
export function configErrorOf(e: unknown, cfg: KitConfig): unknown {
  if (e instanceof ConfigError || ConfigError.isInstance(e)) return e;
  if (!pulumi.InputPropertiesError.isInstance(e)) return e;
  const errors = (e as pulumi.InputPropertiesError).errors ?? [];
  if (!errors.length) return e;
  const problems: Problem[] = errors.map((x) => {
    const key = configKeyOf(x.propertyPath, cfg);
    return { path: key, message: withFix(x.reason, key) };
  });
  return new ConfigError(problems);
}

/** The Pulumi program: read and validate `finetune:*` config (before any resource), then deploy. */
export function main(): StackOutputs {
  const cfg = readKitConfig();
  try {
    return deployKit(cfg);
  } catch (e) {
    throw configErrorOf(e, cfg);
  }
}
