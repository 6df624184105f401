import * as fs from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { stackConfigPath } from "../../plan/stack-config";
import { resourcesBeforeFailure } from "../../plan/mock-engine";
import { runStack } from "../harness";

/** A stack's example config with some keys replaced (`undefined` removes a key). */
function exampleWith(stack: string, changes: Record<string, unknown>): Record<string, unknown> {
  const cfg = { ...(parse(fs.readFileSync(stackConfigPath(stack), "utf8")) as { config: Record<string, unknown> }).config };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete cfg[k];
    else cfg[k] = v;
  }
  return cfg;
}

/** The error message of a stack run that must fail, and how many resources it created first. */
async function failure(stack: string, config: Record<string, unknown>): Promise<{ message: string; created: number }> {
  let message = "";
  let created = -1;
  try {
    await runStack(stack, config);
  } catch (e) {
    message = (e as Error).message;
    created = resourcesBeforeFailure(e).length;
  }
  if (!message) throw new Error("expected the stack to fail");
  return { message, created };
}

describe("bad stack config is one clear error, before any resource exists", () => {
  it("kubernetes: a missing context", async () => {
    const { message, created } = await failure("kubernetes", exampleWith("kubernetes", { "finetune:kubernetes": { namespace: "finetune" } }));
    expect(created).toBe(0);
    expect(message).toBe("Invalid finetune-kit configuration (1 problem):\n  finetune:kubernetes.context: is required (set it to a string)");
  });

  it("gcp: a missing project and region", async () => {
    const { message, created } = await failure("gcp", exampleWith("gcp", { "finetune:gcp": { cluster: { name: "finetune" } } }));
    expect(created).toBe(0);
    expect(message).toBe(
      "Invalid finetune-kit configuration (2 problems):\n  finetune:gcp.project: is required (set it to a string)\n  finetune:gcp.region: is required (set it to a string)",
    );
  });

  it("aws-sagemaker: a missing region", async () => {
    const { message, created } = await failure("aws-sagemaker", exampleWith("aws-sagemaker", { "finetune:aws": { vpcCidr: "10.80.0.0/16" } }));
    expect(created).toBe(0);
    expect(message).toBe("Invalid finetune-kit configuration (1 problem):\n  finetune:aws.region: is required (set it to a string)");
  });

  it("aws-sagemaker: no account id to render the pipeline definitions", async () => {
    const { message, created } = await failure(
      "aws-sagemaker",
      exampleWith("aws-sagemaker", { "finetune:artifactStore": { bucketName: "acme-ft-artifacts" } }),
    );
    expect(created).toBe(0);
    expect(message).toBe(
      "Invalid finetune-kit configuration (1 problem):\n  finetune:artifactStore.aws.accountId: is required on aws-sagemaker (set your 12-digit AWS account id: the pipeline definitions name the ECR registry and KMS key by ARN)",
    );
  });

  it.each(["kubernetes", "gcp", "aws-sagemaker"])("%s: a pipeline that names a pool that does not exist", async (stack) => {
    const cfg = exampleWith(stack, {});
    const pipelines = cfg["finetune:pipelines"] as Array<{ compute: { pool: string } }>;
    const pools = (cfg["finetune:gpuPools"] as Array<{ name: string }>).map((p) => p.name);
    pipelines[0] = { ...pipelines[0], compute: { ...pipelines[0].compute, pool: "a10-spot" } };
    const { message, created } = await failure(stack, cfg);
    expect(created).toBe(0);
    expect(message).toBe(
      `Invalid finetune-kit configuration (1 problem):\n  finetune:pipelines[0].compute.pool: no GPU pool named "a10-spot" (use one of finetune:gpuPools[].name: ${pools.join(", ")})`,
    );
  });

  it("kubernetes: the embedded MinIO without its secrets", async () => {
    const { message, created } = await failure(
      "kubernetes",
      exampleWith("kubernetes", { "finetune:minioRootPassword": undefined, "finetune:minioPipelineSecretKey": undefined }),
    );
    expect(created).toBe(0);
    expect(message).toBe(
      "Invalid finetune-kit configuration (2 problems):\n" +
        "  finetune:minioPipelineSecretKey: is required for the embedded MinIO (pulumi config set --secret finetune:minioPipelineSecretKey <at least 8 characters>)\n" +
        "  finetune:minioRootPassword: is required for the embedded MinIO (pulumi config set --secret finetune:minioRootPassword <at least 8 characters>)",
    );
  });

  it.each(["gcp", "aws-sagemaker"])("%s: a gated base model without finetune:hubToken is a keyed config error, not a component error", async (stack) => {
    const cfg = exampleWith(stack, { "finetune:hubToken": undefined });
    const gated = (cfg["finetune:pipelines"] as Array<{ name: string; baseModel: { id: string; gated?: boolean } }>).filter((p) => p.baseModel.gated);
    const { message, created } = await failure(stack, cfg);
    expect(created).toBe(0);
    const which = gated.map((p) => `${p.name} (${p.baseModel.id})`).join(", ");
    const plural = gated.length === 1 ? ["", "s"] : ["s", ""];
    const hint = stack === "aws-sagemaker" ? "" : ", or name an existing Secret in the pipeline's baseModel.hubTokenSecret";
    expect(message).toBe(
      `Invalid finetune-kit configuration (1 problem):\n  finetune:hubToken: is required because pipeline${plural[0]} ${which} use${plural[1]} a gated base model (pulumi config set --secret finetune:hubToken <token>${hint})`,
    );
  });

  it("gcp: an invalid gcp.namespace is caught in config, before PipelineNamespace", async () => {
    const { message, created } = await failure(
      "gcp",
      exampleWith("gcp", { "finetune:gcp": { project: "acme-ml-prod", region: "us-central1", namespace: "Fine_Tune" } }),
    );
    expect(created).toBe(0);
    expect(message).toBe(
      "Invalid finetune-kit configuration (1 problem):\n  finetune:gcp.namespace: \"Fine_Tune\" is not a Kubernetes namespace name (use a DNS-1123 label: lowercase letters, digits and '-', e.g. fine-tune)",
    );
  });

  it("the gcp stack refuses the kubernetes example config (stack and finetune:target must agree)", async () => {
    const { message, created } = await failure("gcp", exampleWith("kubernetes", {}));
    expect(created).toBe(0);
    expect(message).toBe(
      'Invalid finetune-kit configuration (1 problem):\n  finetune:target: is "kubernetes" but the stack is "gcp" (use the gcp stack\'s config, e.g. stacks/Pulumi.gcp.yaml, or select the stack "kubernetes")',
    );
  });

  it("kubernetes: a key one typo away from the finetune: namespace is reported, not silently ignored", async () => {
    const cfg = exampleWith("kubernetes", {});
    cfg["fintune:monitoring"] = cfg["finetune:monitoring"];
    delete cfg["finetune:monitoring"];
    const { message, created } = await failure("kubernetes", cfg);
    expect(created).toBe(0);
    expect(message).toBe(
      'Invalid finetune-kit configuration (1 problem):\n  finetune:monitoring: is written with the namespace "fintune" (rename the key to finetune:monitoring)',
    );
  });
});
