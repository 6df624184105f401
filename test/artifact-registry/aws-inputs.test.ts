import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsArtifactRegistry, type AwsArtifactRegistryArgs } from "../../components/artifact-registry/aws";
import { resolveArtifactStoreContract } from "../../components/artifact-registry/contract-input";
import { one, runWithMocks, type RecordedResource } from "../harness";
import { deploymentFailures, known, later, settle } from "../monitoring/input-harness";

const base: AwsArtifactRegistryArgs = { region: "eu-west-1", bucketName: "acme-ft", images: ["trainer"] };

async function deploy(args: AwsArtifactRegistryArgs) {
  let reg: AwsArtifactRegistry | undefined;
  const run = await runWithMocks(() => {
    reg = new AwsArtifactRegistry("finetune", args);
    return { contract: resolveArtifactStoreContract(reg.contract) };
  });
  return { ...run, reg: reg as AwsArtifactRegistry };
}

const view = (rs: RecordedResource[]) =>
  rs.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })).sort((a, b) => `${a.type}${a.name}`.localeCompare(`${b.type}${b.name}`));

describe("AwsArtifactRegistry takes accountId and tag values as pulumi.Input", () => {
  it.each([
    ["a known Output", known],
    ["an Output that resolves later", later],
  ])("accountId and tags as %s: every child input equals the plain-value run", async (_what, wrap) => {
    const plain = await deploy({ ...base, accountId: "210987654321", tags: { team: "ml" } });
    const outs = await deploy({ ...base, accountId: wrap("210987654321"), tags: { team: wrap("ml") } });
    expect(view(outs.resources)).toEqual(view(plain.resources));
    expect(
      JSON.parse(one(outs.resources, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy as string).Statement.map((s: { Condition?: unknown }) => s.Condition),
    ).toContainEqual(
      expect.objectContaining({
        StringNotEqualsIfExists: {
          "s3:x-amz-server-side-encryption-aws-kms-key-id": expect.arrayContaining(["arn:aws:kms:eu-west-1:210987654321:alias/finetune-artifacts"]),
        },
      }),
    );
    expect(one(outs.resources, "aws:s3/bucket:Bucket").inputs.tags).toEqual({ team: "ml", "finetune-kit:component": "artifact-registry" });
    // The contract: the same values; `images` only with a plain account id (the SageMaker stack needs them at construction).
    const { images: _images, ...plainContract } = plain.outputs.contract as Record<string, unknown>;
    expect(outs.outputs.contract).toEqual(plainContract);
    expect(pulumi.Output.isInstance(outs.reg.contract.containerRegistry)).toBe(true);
    expect(await settle(pulumi.output(outs.reg.contract.identity))).toBe("arn:aws:iam::210987654321:role/finetune-artifacts-access");
  });

  it("an invalid account id as an Output fails inside apply with the message a plain one gets at construction", async () => {
    let plainError: pulumi.InputPropertiesError | undefined;
    try {
      new AwsArtifactRegistry("finetune", { ...base, accountId: "12" });
    } catch (e) {
      plainError = e as pulumi.InputPropertiesError;
    }
    expect(plainError?.errors).toEqual([{ propertyPath: "accountId", reason: '"12" is not a 12-digit AWS account id (fix it or leave it out to look it up)' }]);
    let reg: AwsArtifactRegistry | undefined;
    let failure: pulumi.InputPropertiesError | undefined;
    const failures = await deploymentFailures(
      () => {
        reg = new AwsArtifactRegistry("finetune", { ...base, accountId: later("12") });
      },
      async () => {
        failure = (await settle(pulumi.output((reg as AwsArtifactRegistry).contract.identity)).catch((e: unknown) => e)) as pulumi.InputPropertiesError;
      },
    );
    expect(pulumi.InputPropertiesError.isInstance(failure)).toBe(true);
    expect(failure?.errors).toEqual(plainError?.errors);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toContain(plainError?.message);
  });

  it("an Output account id needs bucketName (the bucket name is decided at construction)", () => {
    let error: pulumi.InputPropertiesError | undefined;
    try {
      new AwsArtifactRegistry("finetune", { region: "eu-west-1", accountId: known("210987654321") });
    } catch (e) {
      error = e as pulumi.InputPropertiesError;
    }
    expect(error?.errors).toEqual([
      {
        propertyPath: "bucketName",
        reason:
          "is required when accountId is an Output (S3 names are global and the bucket name is decided at construction: set bucketName, or pass accountId as a plain value)",
      },
    ]);
  });
});
