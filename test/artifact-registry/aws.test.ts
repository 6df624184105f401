import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsArtifactRegistry, type AwsArtifactRegistryArgs } from "../../components/artifact-registry/aws";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import { resolveArtifactStoreContract } from "../../components/artifact-registry/contract-input";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { MOCK_ACCOUNT } from "../../plan/mock-state";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  ecr: "aws:ecr/repository:Repository",
  ecrLifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  cacheRule: "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
  template: "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
  group: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

async function deploy(args: Partial<AwsArtifactRegistryArgs> = {}, extra?: (r: AwsArtifactRegistry) => void) {
  let contract: pulumi.Output<ArtifactStoreContract> | undefined;
  const run = await runWithMocks(() => {
    const provider = new aws.Provider("aws", { region: "us-east-1" });
    const reg = new AwsArtifactRegistry("finetune", { region: "us-east-1", bucketName: "acme-ft-artifacts", ...args }, { providers: [provider] });
    extra?.(reg);
    contract = resolveArtifactStoreContract(reg.contract);
    return { contract };
  });
  return { ...run, contract: run.outputs.contract as ArtifactStoreContract };
}

function only(resources: RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0];
}

describe("AwsArtifactRegistry", () => {
  it("creates a private, KMS-encrypted, versioned bucket with TLS-only policy and lifecycle", async () => {
    const { resources } = await deploy();
    const bucket = only(resources, T.bucket);
    expect(bucket.inputs.bucket).toBe("acme-ft-artifacts");
    expect(bucket.inputs.forceDestroy).toBe(false);
    const name = bucket.inputs.bucket as string;

    const key = only(resources, T.key);
    expect(key.inputs).toMatchObject({
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    });
    expect(only(resources, T.alias).inputs.name).toBe("alias/finetune-artifacts");

    expect(only(resources, T.versioning).inputs).toMatchObject({ bucket: name, versioningConfiguration: { status: "Enabled" } });
    expect(only(resources, T.sse).inputs.rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.state.arn },
        bucketKeyEnabled: true,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    expect(only(resources, T.pab).inputs).toMatchObject({
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(only(resources, T.ownership).inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });

    const policy = JSON.parse(only(resources, T.policy).inputs.policy as string);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyOutdatedTls", "DenyNonKmsUploads", "DenyOtherKmsKeys"]);
    expect(policy.Statement[0].Resource).toEqual([`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`]);
    // Uploads may name the key by ARN or by the alias ARN the contract hands out; any other key is denied.
    expect(policy.Statement[3].Condition.StringNotEqualsIfExists["s3:x-amz-server-side-encryption-aws-kms-key-id"]).toEqual([
      key.state.arn,
      `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:alias/finetune-artifacts`,
    ]);

    const lc = only(resources, T.lifecycle);
    expect(lc.inputs.rules).toEqual([
      { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      { id: "expire-noncurrent-checkpoints", status: "Enabled", filter: { prefix: "checkpoints/" }, noncurrentVersionExpiration: { noncurrentDays: 7 } },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: { prefix: "" },
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
    // The lifecycle only applies once versioning is on.
    expect(lc.dependsOn).toContain(only(resources, T.versioning).urn);
  });

  it("uses configured retention and bucket name", async () => {
    const { resources } = await deploy({
      bucketName: "acme-llm-artifacts",
      checkpointNoncurrentDays: 3,
      noncurrentVersionDays: 30,
      abortIncompleteUploadDays: 2,
      kmsKeyDeletionDays: 14,
    });
    expect(only(resources, T.bucket).inputs.bucket).toBe("acme-llm-artifacts");
    const rules = only(resources, T.lifecycle).inputs.rules as Array<Record<string, any>>;
    expect(rules.map((r) => r.noncurrentVersionExpiration?.noncurrentDays ?? r.abortIncompleteMultipartUpload.daysAfterInitiation)).toEqual([2, 3, 30]);
    expect(only(resources, T.key).inputs.deletionWindowInDays).toBe(14);
  });

  it("creates immutable, scanned, KMS-encrypted ECR repositories with keep-last-N", async () => {
    const { resources } = await deploy({ keepImages: 12 });
    const repos = resources.filter((r) => r.type === T.ecr);
    // The caller's images, then the mirror repository of the python pin (no Docker Hub credentials given).
    expect(repos.map((r) => r.inputs.name)).toEqual(["finetune/data-prep", "finetune/trainer", "finetune/evaluator", "finetune/serving", "finetune/python"]);
    const keyArn = only(resources, T.key).state.arn;
    for (const r of repos) {
      expect(r.inputs).toMatchObject({
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }],
        forceDelete: false,
      });
    }
    const lifecycles = resources.filter((r) => r.type === T.ecrLifecycle);
    expect(lifecycles).toHaveLength(5);
    const doc = JSON.parse(lifecycles[1].inputs.policy as string);
    expect(lifecycles[1].inputs.repository).toBe("finetune/trainer");
    expect(doc.rules[1].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 12 });
  });

  it("creates the model package group and an access role with exact grants", async () => {
    const { resources, contract } = await deploy();
    const group = only(resources, T.group);
    expect(group.inputs.modelPackageGroupName).toBe("finetune-models");
    const role = only(resources, T.role);
    expect(role.inputs.name).toBe("finetune-artifacts-access");
    expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Principal).toEqual({ Service: ["sagemaker.amazonaws.com"] });
    const policies = resources.filter((r) => r.type === T.rolePolicy);
    expect(policies.map((p) => p.name).sort()).toEqual(["finetune-access-role-bucket", "finetune-access-role-ecr", "finetune-access-role-model-registry"]);
    for (const p of policies) expect(p.inputs.role).toBe("finetune-artifacts-access");
    const registry = JSON.parse(policies.find((p) => p.name.endsWith("model-registry"))!.inputs.policy as string);
    expect(registry.Statement[0].Resource).toEqual([group.state.arn, `arn:aws:sagemaker:us-east-1:${MOCK_ACCOUNT}:model-package/finetune-models/*`]);
    const ecr = JSON.parse(policies.find((p) => p.name.endsWith("ecr"))!.inputs.policy as string);
    expect(ecr.Statement[1].Resource).toHaveLength(5);
    // No pull-through rule without credentials: the pins are on Docker Hub and nvcr.io.
    expect(ecr.Statement).toHaveLength(2);
    expect(contract.identity).toBe(`arn:aws:iam::${MOCK_ACCOUNT}:role/finetune-artifacts-access`);
  });

  it("grantReadWrite / grantRead / grantPull attach policies naming the prefix, bucket and key", async () => {
    const { resources } = await deploy({ createAccessRole: false }, (reg) => {
      const trainer = new aws.iam.Role("trainer", { assumeRolePolicy: "{}" });
      reg.grantReadWrite(trainer, "checkpoints/");
      reg.grantRead("evaluator-role", "registry", { name: "evaluator-read" });
      reg.grantPull(trainer);
    });
    const bucket = only(resources, T.bucket).inputs.bucket;
    const rw = resources.find((r) => r.name === "finetune-grant-rw-checkpoints")!;
    const doc = JSON.parse(rw.inputs.policy as string);
    expect(doc.Statement[2]).toEqual({
      Sid: "ReadWriteObjectsCheckpoints",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      Resource: `arn:aws:s3:::${bucket}/checkpoints/*`,
    });
    expect(doc.Statement[3].Resource).toBe(only(resources, T.key).state.arn);
    const read = resources.find((r) => r.name === "evaluator-read")!;
    expect(read.inputs.role).toBe("evaluator-role");
    expect(JSON.parse(read.inputs.policy as string).Statement[2]).toMatchObject({ Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/registry/*` });
    expect(resources.find((r) => r.name === "finetune-grant-ecr-pull")).toBeDefined();
    expect(resources.filter((r) => r.type === T.role).map((r) => r.name)).toEqual(["trainer"]);
  });

  it("outputs the contract (account looked up) and plain strings when accountId is given", async () => {
    const { contract } = await deploy();
    const bucket = contract.bucket;
    expect(contract).toEqual({
      platform: "aws",
      scheme: "s3",
      bucket,
      datasetsUri: `s3://${bucket}/datasets`,
      modelsUri: `s3://${bucket}/models`,
      runsUri: `s3://${bucket}/runs`,
      checkpointsUri: `s3://${bucket}/checkpoints`,
      registryUri: `s3://${bucket}/registry`,
      containerRegistry: `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/finetune`,
      serviceAccountAnnotations: {},
      identity: `arn:aws:iam::${MOCK_ACCOUNT}:role/finetune-artifacts-access`,
      modelPackageGroupName: "finetune-models",
      kmsKeyId: `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:alias/finetune-artifacts`,
      egress: {
        hosts: ["s3.us-east-1.amazonaws.com", `${bucket}.s3.us-east-1.amazonaws.com`, "api.sagemaker.us-east-1.amazonaws.com"],
        cidrs: [],
        ports: [443],
      },
    });
    await runWithMocks(() => {
      const reg = new AwsArtifactRegistry("finetune", { region: "eu-west-1", accountId: "210987654321", bucketName: "acme-ft" });
      expect(reg.contract.containerRegistry).toBe("210987654321.dkr.ecr.eu-west-1.amazonaws.com/finetune");
      expect(reg.contract.identity).toBe("arn:aws:iam::210987654321:role/finetune-artifacts-access");
      expect(reg.contract.kmsKeyId).toBe("arn:aws:kms:eu-west-1:210987654321:alias/finetune-artifacts");
      expect(reg.contract.datasetsUri).toBe("s3://acme-ft/datasets");
    });
  });

  it("passes the caller's provider to every child", async () => {
    const { resources } = await deploy();
    const custom = resources.filter((r) => r.custom && r.type.startsWith("aws:") && !r.type.startsWith("pulumi:providers"));
    expect(custom.length).toBeGreaterThan(15);
    for (const r of custom) expect(r.provider, r.name).toMatch(/pulumi:providers:aws::aws$/);
  });

  it("names the bucket after account and region when accountId is given", async () => {
    const { resources } = await deploy({ bucketName: undefined, accountId: "210987654321" });
    expect(only(resources, T.bucket).inputs.bucket).toBe("finetune-artifacts-210987654321-us-east-1");
  });

  it("reports every invalid argument at once", async () => {
    const error = await constructionError({
      region: "virginia",
      bucketName: "My..Bucket",
      images: ["Trainer", "ok", "ok"],
      checkpointNoncurrentDays: 0,
      kmsKeyDeletionDays: 45,
      accountId: "12",
    });
    expect(error.message).toBe(
      [
        'AwsArtifactRegistry "finetune" has invalid arguments (8 problems):',
        '  region: "virginia" is not an AWS region (use e.g. us-east-1)',
        '  accountId: "12" is not a 12-digit AWS account id (fix it or leave it out to look it up)',
        "  bucketName: \"My..Bucket\" contains uppercase letters (bucket names are lowercase: use lowercase letters, digits and '-')",
        "  bucketName: \"My..Bucket\" contains two adjacent periods (remove the extra '.'; prefer '-' over '.')",
        "  images[0]: \"Trainer\" is not a valid image name (use lowercase letters and digits, separated by '.', '_' or '-')",
        '  images[2]: "ok" is listed twice (remove the duplicate)',
        "  checkpointNoncurrentDays: is 0, must be a whole number from 1 to 3650 (set it within that range)",
        "  kmsKeyDeletionDays: is 45, must be a whole number from 7 to 30 (set it within that range)",
      ].join("\n"),
    );
    expect(error.errors.map((e) => e.propertyPath)).toEqual([
      "region",
      "accountId",
      "bucketName",
      "bucketName",
      "images[0]",
      "images[2]",
      "checkpointNoncurrentDays",
      "kmsKeyDeletionDays",
    ]);
  });

  it("requires a bucket name or an account id, and checkpoints may not outlive other versions", async () => {
    const error = await constructionError({ bucketName: undefined, checkpointNoncurrentDays: 120 });
    expect(error.errors).toEqual([
      {
        propertyPath: "bucketName",
        reason: "is required unless accountId is set (S3 names are global: set bucketName, or accountId to use <name>-artifacts-<account>-<region>)",
      },
      {
        propertyPath: "checkpointNoncurrentDays",
        reason: "is 120, longer than noncurrentVersionDays (90) which also covers checkpoints (lower it to 90 or raise noncurrentVersionDays)",
      },
    ]);
  });
});

/** The InputPropertiesError a construction throws (caught inside the program, as the engine would report it). */
async function constructionError(args: Partial<AwsArtifactRegistryArgs>): Promise<pulumi.InputPropertiesError> {
  let caught: unknown;
  await runWithMocks(() => {
    try {
      new AwsArtifactRegistry("finetune", { region: "us-east-1", ...args } as AwsArtifactRegistryArgs);
    } catch (e) {
      caught = e;
    }
  });
  expect(pulumi.InputPropertiesError.isInstance(caught)).toBe(true);
  return caught as pulumi.InputPropertiesError;
}

describe("AwsArtifactRegistry: the pinned images where SageMaker can pull them", () => {
  const dockerHub = `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf`;
  const host = `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;

  it("without upstream credentials: every pin is mirrored into a repository it creates, and the contract names those URIs", async () => {
    const { resources, contract } = await deploy({ accountId: MOCK_ACCOUNT, images: ["trainer"] });
    expect(resources.filter((r) => r.type === T.cacheRule)).toEqual([]);
    expect(resources.filter((r) => r.type === T.ecr).map((r) => r.inputs.name)).toEqual([
      "finetune/trainer",
      "finetune/python",
      "finetune/evaluator",
      "finetune/serving",
    ]);
    expect(contract.images).toEqual({
      python: `${host}/finetune/python:3.12.12-slim-bookworm`,
      trainer: `${host}/finetune/trainer:0.12.2-py3.11-cu128-2.8.0`,
      evaluator: `${host}/finetune/evaluator:25.04`,
      serving: `${host}/finetune/serving:v0.11.0`,
    });
    expect(contract.pullThroughPrefixes).toBeUndefined();
  });

  it("with Docker Hub credentials: a pull-through rule, an immutable KMS creation template, and pull-through grants", async () => {
    const { resources, contract } = await deploy({ accountId: MOCK_ACCOUNT, upstreamCredentialArns: { "docker-hub": dockerHub } });
    const rule = only(resources, T.cacheRule);
    expect(rule.inputs).toEqual({ ecrRepositoryPrefix: "finetune/docker-hub", upstreamRegistryUrl: "registry-1.docker.io", credentialArn: dockerHub });
    const keyArn = only(resources, T.key).state.arn;
    const creationRole = resources.find((r) => r.type === T.role && r.name === "finetune-ecr-cache-role")!;
    expect(only(resources, T.template).inputs).toMatchObject({
      prefix: "finetune/docker-hub",
      appliedFors: ["PULL_THROUGH_CACHE"],
      imageTagMutability: "IMMUTABLE",
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }],
      customRoleArn: creationRole.state.arn,
    });
    expect(JSON.parse(creationRole.inputs.assumeRolePolicy as string).Statement[0].Principal).toEqual({ Service: ["ecr.amazonaws.com"] });
    const cacheArn = `arn:aws:ecr:us-east-1:${MOCK_ACCOUNT}:repository/finetune/docker-hub/*`;
    const creation = JSON.parse(resources.find((r) => r.type === T.rolePolicy && r.name === "finetune-ecr-cache-role")!.inputs.policy as string);
    expect(creation.Statement).toEqual([
      { Sid: "CreateCacheRepositories", Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:TagResource"], Resource: [cacheArn] },
      { Sid: "UseRegistryKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], Resource: keyArn },
    ]);
    // Only the nvcr.io evaluator is still mirrored (into the caller's evaluator repository).
    expect(resources.filter((r) => r.type === T.ecr).map((r) => r.inputs.name)).toEqual([
      "finetune/data-prep",
      "finetune/trainer",
      "finetune/evaluator",
      "finetune/serving",
    ]);
    expect(contract.images).toEqual({
      python: `${host}/finetune/docker-hub/library/python:3.12.12-slim-bookworm`,
      trainer: `${host}/finetune/docker-hub/axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0`,
      evaluator: `${host}/finetune/evaluator:25.04`,
      serving: `${host}/finetune/docker-hub/vllm/vllm-openai:v0.11.0`,
    });
    expect(contract.pullThroughPrefixes).toEqual(["finetune/docker-hub"]);
    const pull = JSON.parse(resources.find((r) => r.name === "finetune-access-role-ecr")!.inputs.policy as string);
    expect(pull.Statement[2]).toEqual({
      Sid: "EcrPullThroughCache",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
      Resource: [cacheArn],
    });
  });

  it("rejects credential secrets ECR cannot read", async () => {
    const error = await constructionError({
      accountId: MOCK_ACCOUNT,
      upstreamCredentialArns: {
        "docker-hub": `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:dockerhub-AbCdEf`,
        "github-container-registry": `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT}:secret:ecr-pullthroughcache/ghcr`,
      },
    });
    expect(error.errors).toEqual([
      {
        propertyPath: "upstreamCredentialArns.docker-hub",
        reason: 'secret "dockerhub-AbCdEf" must be named ecr-pullthroughcache/<name> (ECR only reads secrets with that prefix; create it under that name)',
      },
      {
        propertyPath: "upstreamCredentialArns.github-container-registry",
        reason: "secret is in eu-west-1, the registry in us-east-1 (ECR needs the secret in the registry's region)",
      },
    ]);
  });

  it("rejects a pull-through prefix longer than ECR's 30 characters", async () => {
    const long = "finetune-kit-with-a-long-name";
    let caught: unknown;
    await runWithMocks(() => {
      try {
        new AwsArtifactRegistry(long, { region: "us-east-1", accountId: MOCK_ACCOUNT, upstreamCredentialArns: { "docker-hub": dockerHub } });
      } catch (e) {
        caught = e;
      }
    });
    expect((caught as pulumi.InputPropertiesError).errors).toEqual([
      {
        propertyPath: "upstreamCredentialArns",
        reason: `pull-through prefix "${long}/docker-hub" is 40 characters, ECR allows 30 (use a shorter kit name, or leave the docker-hub credentials out to mirror those images)`,
      },
    ]);
  });
});
