import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  assumeRolePolicy,
  bucketPolicy,
  ecrCreationTemplateRolePolicy,
  ecrLifecyclePolicy,
  ecrPolicy,
  modelRegistryPolicy,
  s3ReadPolicy,
  s3ReadWritePolicy,
  type PolicyDocument,
} from "./aws-policies";
import { bucketNameProblems, defaultS3BucketName } from "./bucket-names";
import type { AwsArtifactStoreContract } from "./contract-input";
import { DEFAULT_STAGE_IMAGES, RETENTION, imageProblems, retentionProblems } from "./defaults";
import { credentialArnProblems, ecrImagePlan, pullThroughProblems, type EcrImagePlan, type UpstreamCredentialArns } from "../../core/images";
import { LayoutArea, layoutUris, prefixSlug } from "../../core/store-layout";
import { checkInput, isKnown, outputProblems } from "../validation";
import { statefulOptions, type DataProtection } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import { partitionOf } from "../../core/aws-partition";
import { STAGE_IMAGE_ROLES } from "../../core/contracts/artifact-store";
import { componentToken, withLegacyAlias } from "../tokens";

/** Arguments of {@link AwsArtifactRegistry}. */
export interface AwsArtifactRegistryArgs extends DataProtection {
  /** AWS region of the provider the registry is created with, e.g. `us-east-1`. */
  region: string;
  /**
   * AWS account id, e.g. `aws.getCallerIdentityOutput().accountId`. When a plain value, every contract field is a
   * plain string; when an Output or not set (then looked up with `aws.getCallerIdentity`), three contract fields
   * are outputs (see {@link AwsArtifactStoreContract}) and `bucketName` is required. An Output is checked inside
   * `apply` (same message as a plain value).
   * @default - looked up
   */
  accountId?: pulumi.Input<string>;
  /**
   * S3 bucket name (global namespace). Required unless `accountId` is a plain value. Plain: it is in every
   * contract URI and policy the pipelines are rendered with at construction.
   * @default - `<name>-artifacts-<accountId>-<region>` when `accountId` is set
   */
  bucketName?: string;
  /**
   * Stage images: one ECR repository `<name>/<image>` each, for images you build and push. The repositories the
   * pinned images are mirrored into (core/images.ts) are created in addition.
   * @default ["data-prep", "trainer", "evaluator", "serving"]
   */
  images?: string[];
  /**
   * Secrets Manager ARNs (secrets named `ecr-pullthroughcache/...`, in the registry's region) of upstream
   * registry credentials. With one, the pinned images of that registry reach ECR through a pull-through cache
   * rule; without, they are mirrored by the command `plan` writes. Registries that need no credentials (Quay,
   * registry.k8s.io, ECR Public) are always pull-through cached.
   * @default {}
   */
  upstreamCredentialArns?: UpstreamCredentialArns;
  /** Days a non-current version under `checkpoints/` is kept before it expires. @default 7 */
  checkpointNoncurrentDays?: number;
  /** Days any other non-current version is kept before it expires. @default 90 */
  noncurrentVersionDays?: number;
  /** Days after which incomplete multipart uploads are aborted. @default 7 */
  abortIncompleteUploadDays?: number;
  /** Images kept per ECR repository (newest first). @default 30 */
  keepImages?: number;
  /** Days after which untagged images expire. @default 7 */
  untaggedImageDays?: number;
  /** Waiting period before a scheduled KMS key deletion happens (7-30). @default 30 */
  kmsKeyDeletionDays?: number;
  /** Deny uploads that request SSE-S3 or another KMS key (uploads without a header get the bucket default). @default true */
  denyUnencryptedUploads?: boolean;
  /** Create the access role whose ARN is the contract's `identity`. @default true */
  createAccessRole?: boolean;
  /** ARN of an existing role to report as the contract's `identity` when `createAccessRole` is false. @default - "" */
  identityRoleArn?: pulumi.Input<string>;
  /** Services that may assume the access role. @default ["sagemaker.amazonaws.com"] */
  accessRoleTrustedServices?: string[];
  /** Tags on every taggable resource (values may be Outputs). @default {} */
  tags?: Record<string, pulumi.Input<string>>;
}

/**
 * The arguments typed `pulumi.Input`. Plain, with the reason: `region` (selects partition, DNS suffix, ECR host
 * and the egress hosts at construction), `bucketName` (in every contract URI and bucket policy the pipelines are
 * rendered with), `images` and `upstreamCredentialArns` (decide which repositories and cache rules exist), the
 * retention numbers and flags (kit tuning).
 */
export const AWS_REGISTRY_INPUT_ARGS = ["accountId", "identityRoleArn", "tags"] as const satisfies readonly (keyof AwsArtifactRegistryArgs)[];

/** Retention tuning of the AWS registry. */
const AWS_RETENTION_REASON = "retention tuning (days / counts) chosen with the kit, never read from another resource";

/** The arguments of {@link AwsArtifactRegistry} that stay plain, and why. */
export const AWS_REGISTRY_PLAIN_ARGS: Record<string, string> = {
  region: "selects the partition, DNS suffix, ECR host and the contract's egress hosts at construction",
  bucketName: "in every contract URI and bucket policy the pipelines are rendered with",
  images: "each image names an ECR repository (resource names and count)",
  upstreamCredentialArns: "decides which pull-through cache rules exist (one per upstream registry with credentials)",
  checkpointNoncurrentDays: AWS_RETENTION_REASON,
  noncurrentVersionDays: AWS_RETENTION_REASON,
  abortIncompleteUploadDays: AWS_RETENTION_REASON,
  keepImages: AWS_RETENTION_REASON,
  untaggedImageDays: AWS_RETENTION_REASON,
  kmsKeyDeletionDays: AWS_RETENTION_REASON,
  denyUnencryptedUploads: "a flag: decides the bucket policy's statements",
  createAccessRole: "a flag: decides whether the access role exists",
  accessRoleTrustedServices: "service principals chosen with the kit; each is a statement of the trust policy",
  protect: "a resource option, fixed when the children are created",
  retainOnDelete: "a resource option, fixed when the children are created",
};

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** The problem of an AWS account id, or undefined when it is one. */
export function accountIdProblem(account: string): string | undefined {
  return /^\d{12}$/.test(account) ? undefined : `"${account}" is not a 12-digit AWS account id (fix it or leave it out to look it up)`;
}

/** Every construction problem of the arguments (empty when valid). */
export function awsArtifactRegistryProblems(name: string, args: AwsArtifactRegistryArgs, bucket: string): Problem[] {
  const problems: Problem[] = [];
  // accountId may be an Output: checked here when known, inside apply otherwise (the constructor's checkInput).
  const account = isKnown(args.accountId) ? args.accountId : undefined;
  if (!NAME.test(name))
    problems.push({
      path: "name",
      message: `"${name}" must be 3-32 lowercase letters, digits or '-', starting with a letter (it prefixes ECR repositories and the model package group)`,
    });
  if (!REGION.test(args.region ?? "")) problems.push({ path: "region", message: `"${args.region}" is not an AWS region (use e.g. us-east-1)` });
  const accountProblem = account === undefined ? undefined : accountIdProblem(account);
  if (accountProblem) problems.push({ path: "accountId", message: accountProblem });
  if (!args.bucketName && !account) {
    problems.push({
      path: "bucketName",
      message:
        args.accountId === undefined
          ? "is required unless accountId is set (S3 names are global: set bucketName, or accountId to use <name>-artifacts-<account>-<region>)"
          : "is required when accountId is an Output (S3 names are global and the bucket name is decided at construction: set bucketName, or pass accountId as a plain value)",
    });
  } else {
    for (const reason of bucketNameProblems(bucket, "s3")) problems.push({ path: "bucketName", message: `"${bucket}" ${reason}` });
  }
  problems.push(...imageProblems(args.images ?? DEFAULT_STAGE_IMAGES));
  problems.push(...credentialArnProblems(args.upstreamCredentialArns ?? {}, args.region ?? ""));
  if (NAME.test(name)) problems.push(...pullThroughProblems(ecrImagePlan(name, "registry", args.upstreamCredentialArns)));
  problems.push(
    ...retentionProblems({
      checkpointNoncurrentDays: args.checkpointNoncurrentDays,
      noncurrentVersionDays: args.noncurrentVersionDays,
      abortIncompleteUploadDays: args.abortIncompleteUploadDays,
      keepImages: args.keepImages,
      untaggedImageDays: args.untaggedImageDays,
      kmsKeyDeletionDays: args.kmsKeyDeletionDays,
    }),
  );
  if (args.accessRoleTrustedServices !== undefined && args.accessRoleTrustedServices.length === 0) {
    problems.push({
      path: "accessRoleTrustedServices",
      message: "is empty (name at least one service, e.g. sagemaker.amazonaws.com, or set createAccessRole: false)",
    });
  }
  return problems;
}

/** S3 lifecycle rules of the bucket (pure). */
export function s3LifecycleRules(days: {
  checkpointNoncurrentDays: number;
  noncurrentVersionDays: number;
  abortIncompleteUploadDays: number;
}): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: { prefix: "" },
      abortIncompleteMultipartUpload: { daysAfterInitiation: days.abortIncompleteUploadDays },
    },
    {
      id: "expire-noncurrent-checkpoints",
      status: "Enabled",
      filter: { prefix: `${LayoutArea.Checkpoints}/` },
      noncurrentVersionExpiration: { noncurrentDays: days.checkpointNoncurrentDays },
    },
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: { prefix: "" },
      noncurrentVersionExpiration: { noncurrentDays: days.noncurrentVersionDays },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];
}

/**
 * The artifact registry on AWS: a private, SSE-KMS encrypted, versioned S3 bucket with the kit's layout, ECR
 * repositories for the stage images, a SageMaker Model Package Group as the model registry, a rotating customer
 * managed KMS key for all three, and (by default) an access role for the pipeline. Stateful children are
 * protected and retained on delete by default.
 */
export class AwsArtifactRegistry extends pulumi.ComponentResource {
  /** What the pipeline and the stacks consume. */
  readonly contract: AwsArtifactStoreContract;
  /** Bucket name (plain). */
  readonly bucketName: string;
  /** The bucket. */
  readonly bucket: aws.s3.Bucket;
  /** The customer managed key (bucket, ECR). */
  readonly key: aws.kms.Key;
  /** ECR repositories by image name. */
  readonly repositories: Record<string, aws.ecr.Repository>;
  /** Pull-through cache rules by repository prefix. */
  readonly pullThroughCacheRules: Record<string, aws.ecr.PullThroughCacheRule>;
  /** Where each pinned stage image comes from and where SageMaker pulls it (the mirror command is built from it). */
  readonly imagePlan: pulumi.Output<EcrImagePlan>;
  /** The model registry. */
  readonly modelPackageGroup: aws.sagemaker.ModelPackageGroup;
  /** The access role (when created). */
  readonly accessRole?: aws.iam.Role;

  private readonly prefix: string;
  private readonly region: string;
  private readonly partition: string;
  /** `arn:...:repository/<prefix>/*` of every pull-through cache rule. */
  private readonly cacheRepositoryArns: pulumi.Output<string[]>;

  constructor(name: string, args: AwsArtifactRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("AwsArtifactRegistry", name, outputProblems(args, AWS_REGISTRY_INPUT_ARGS));
    const knownAccount = isKnown(args.accountId) ? args.accountId : undefined;
    const bucketName = args.bucketName ?? (knownAccount ? defaultS3BucketName(name, knownAccount, args.region) : "");
    throwIfProblems("AwsArtifactRegistry", name, awsArtifactRegistryProblems(name, args, bucketName));
    super(componentToken("AwsArtifactRegistry"), name, {}, withLegacyAlias("AwsArtifactRegistry", opts));

    const { partition, dnsSuffix } = partitionOf(args.region);
    this.prefix = name;
    this.region = args.region;
    this.partition = partition;
    this.bucketName = bucketName;
    const tags = { ...(args.tags ?? {}), "finetune-kit:component": "artifact-registry" };
    const keep = { protect: args.protect, retainOnDelete: args.retainOnDelete };
    const credentials = args.upstreamCredentialArns ?? {};
    const plan = (acct: string) => ecrImagePlan(name, `${acct}.dkr.ecr.${args.region}.${dnsSuffix}`, credentials);
    // The repositories of the pins that are mirrored (names from the image table) join the caller's images.
    const shape = ecrImagePlan(name, "registry", credentials);
    const images = [...new Set([...(args.images ?? DEFAULT_STAGE_IMAGES), ...shape.mirrorRepositories.map((r) => r.slice(name.length + 1))])];

    const accountId: pulumi.Input<string> =
      args.accountId === undefined
        ? aws.getCallerIdentityOutput({}, { parent: this }).accountId
        : checkInput("AwsArtifactRegistry", name, args.accountId, "accountId", accountIdProblem).value;

    // Customer managed key: rotates yearly, 30-day deletion window, default key policy (IAM decides access).
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `finetune-kit artifact registry ${name}: S3 bucket ${bucketName} and ECR repositories`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.kmsKeyDeletionDays ?? RETENTION.kmsKeyDeletionDays.default,
        tags,
      },
      statefulOptions(this, keep),
    );
    const aliasName = `alias/${name}-artifacts`;
    new aws.kms.Alias(`${name}-key-alias`, { name: aliasName, targetKeyId: this.key.keyId }, { parent: this });

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: bucketName, forceDestroy: false, tags }, statefulOptions(this, keep));
    const bucketArn = `arn:${partition}:s3:::${bucketName}`;
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
            bucketKeyEnabled: true,
            blockedEncryptionTypes: ["SSE-C"],
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: this.bucket.id,
        policy: pulumi.all([this.key.arn, accountId]).apply(([kmsKeyArn, acct]) =>
          JSON.stringify(
            bucketPolicy({
              bucketArn,
              kmsKeyArn,
              kmsKeyAliasArn: `arn:${partition}:kms:${args.region}:${acct}:${aliasName}`,
              denyUnencryptedUploads: args.denyUnencryptedUploads ?? true,
            }),
          ),
        ),
      },
      { parent: this, dependsOn: [publicAccess, ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: s3LifecycleRules({
          checkpointNoncurrentDays: args.checkpointNoncurrentDays ?? RETENTION.checkpointNoncurrentDays.default,
          noncurrentVersionDays: args.noncurrentVersionDays ?? RETENTION.noncurrentVersionDays.default,
          abortIncompleteUploadDays: args.abortIncompleteUploadDays ?? RETENTION.abortIncompleteUploadDays.default,
        }),
      },
      { parent: this, dependsOn: [versioning] },
    );

    // ECR: one immutable, scanned, KMS-encrypted repository per stage image, with a keep-last-N lifecycle.
    const lifecycle = JSON.stringify(
      ecrLifecyclePolicy(args.keepImages ?? RETENTION.keepImages.default, args.untaggedImageDays ?? RETENTION.untaggedImageDays.default),
    );
    this.repositories = {};
    for (const image of images) {
      const repo = new aws.ecr.Repository(
        `${name}-ecr-${image}`,
        {
          name: `${name}/${image}`,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: this.key.arn }],
          forceDelete: false,
          tags,
        },
        statefulOptions(this, keep),
      );
      new aws.ecr.LifecyclePolicy(`${name}-ecr-${image}-lifecycle`, { repository: repo.name, policy: lifecycle }, { parent: this });
      this.repositories[image] = repo;
    }

    // Pull-through cache: one rule per upstream the pins come from, and a creation template so that the
    // repositories ECR creates on first pull are immutable, encrypted with the registry's key and expire like
    // ours (scanning follows the account's registry scanning configuration: templates have no scan setting).
    this.pullThroughCacheRules = {};
    const cacheRepoArns = pulumi
      .output(accountId)
      .apply((acct) => shape.rules.map((r) => `arn:${partition}:ecr:${args.region}:${acct}:repository/${r.prefix}/*`));
    this.cacheRepositoryArns = cacheRepoArns;
    if (shape.rules.length > 0) {
      const creationRole = new aws.iam.Role(
        `${name}-ecr-cache-role`,
        {
          description: `ECR creates the pull-through cache repositories of ${name} with this role (KMS key, tags)`,
          assumeRolePolicy: JSON.stringify(assumeRolePolicy(["ecr.amazonaws.com"])),
          tags,
        },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-ecr-cache-role`,
        {
          role: creationRole.name,
          policy: pulumi.all([cacheRepoArns, this.key.arn]).apply(([arns, keyArn]) => JSON.stringify(ecrCreationTemplateRolePolicy(arns, keyArn))),
        },
        { parent: this },
      );
      for (const rule of shape.rules) {
        const slug = rule.prefix.slice(name.length + 1);
        new aws.ecr.RepositoryCreationTemplate(
          `${name}-ecr-cache-${slug}-template`,
          {
            prefix: rule.prefix,
            description: `Pull-through cache of ${rule.url} for ${name}`,
            appliedFors: ["PULL_THROUGH_CACHE"],
            imageTagMutability: "IMMUTABLE",
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: this.key.arn }],
            lifecyclePolicy: lifecycle,
            customRoleArn: creationRole.arn,
            resourceTags: tags,
          },
          { parent: this },
        );
        this.pullThroughCacheRules[rule.prefix] = new aws.ecr.PullThroughCacheRule(
          `${name}-ecr-cache-${slug}`,
          { ecrRepositoryPrefix: rule.prefix, upstreamRegistryUrl: rule.url, ...(rule.credentialArn ? { credentialArn: rule.credentialArn } : {}) },
          { parent: this },
        );
      }
    }

    const groupName = `${name}-models`;
    this.modelPackageGroup = new aws.sagemaker.ModelPackageGroup(
      `${name}-model-registry`,
      {
        modelPackageGroupName: groupName,
        modelPackageGroupDescription: `Fine-tuned models of ${name}; each version links to registry/<model>/<version>/ in s3://${bucketName}`,
        tags,
      },
      statefulOptions(this, keep),
    );

    const roleName = `${name}-artifacts-access`;
    if (args.createAccessRole ?? true) {
      this.accessRole = new aws.iam.Role(
        `${name}-access-role`,
        {
          name: roleName,
          description: `Reads and writes the ${name} artifact registry (bucket, ECR pull, model registry)`,
          assumeRolePolicy: JSON.stringify(assumeRolePolicy(args.accessRoleTrustedServices ?? ["sagemaker.amazonaws.com"])),
          maxSessionDuration: 43200,
          tags,
        },
        { parent: this },
      );
      this.grantReadWrite(this.accessRole, "", { name: `${name}-access-role-bucket` });
      this.grantPull(this.accessRole, { name: `${name}-access-role-ecr` });
      this.grantModelRegistry(this.accessRole, { name: `${name}-access-role-model-registry` });
    }

    const accountOut = pulumi.output(accountId);
    this.imagePlan = accountOut.apply(plan);
    const plain = typeof accountId === "string";
    const ecrHost = (acct: string) => `${acct}.dkr.ecr.${args.region}.${dnsSuffix}/${name}`;
    const roleArn = (acct: string) => `arn:${partition}:iam::${acct}:role/${roleName}`;
    const aliasArn = (acct: string) => `arn:${partition}:kms:${args.region}:${acct}:${aliasName}`;
    this.contract = {
      platform: "aws",
      scheme: "s3",
      bucket: bucketName,
      ...layoutUris({ scheme: "s3", bucket: bucketName }),
      containerRegistry: plain ? ecrHost(accountId) : accountOut.apply(ecrHost),
      // Plain values only: with accountId unknown the pipeline cannot be rendered before deployment anyway.
      ...(plain ? { images: imageUris(plan(accountId)) } : {}),
      ...(shape.rules.length > 0 ? { pullThroughPrefixes: shape.rules.map((r) => r.prefix) } : {}),
      serviceAccountAnnotations: {},
      identity: this.accessRole ? (plain ? roleArn(accountId) : accountOut.apply(roleArn)) : (args.identityRoleArn ?? ""),
      modelPackageGroupName: groupName,
      kmsKeyId: plain ? aliasArn(accountId) : accountOut.apply(aliasArn),
      egress: {
        hosts: [`s3.${args.region}.${dnsSuffix}`, `${bucketName}.s3.${args.region}.${dnsSuffix}`, `api.sagemaker.${args.region}.${dnsSuffix}`],
        cidrs: [],
        ports: [443],
      },
    };

    this.registerOutputs({
      contract: this.contract,
      bucketName,
      bucketArn: this.bucket.arn,
      keyArn: this.key.arn,
      repositoryUrls: Object.fromEntries(Object.entries(this.repositories).map(([k, r]) => [k, r.repositoryUrl])),
      modelPackageGroupArn: this.modelPackageGroup.arn,
      accessRoleArn: this.accessRole?.arn,
    });
  }

  /** Read-write access for `role` to the objects under `prefix` (`""` = whole bucket), and the KMS key. */
  grantReadWrite(role: aws.iam.Role | pulumi.Input<string>, prefix: string, opts: GrantOptions = {}): aws.iam.RolePolicy {
    return this.attach(
      role,
      `rw-${prefixSlug(prefix)}`,
      opts,
      this.key.arn.apply((kmsKeyArn) => s3ReadWritePolicy({ bucketArn: this.bucketArn(), prefix, kmsKeyArn, region: this.region })),
    );
  }

  /** Read-only access for `role` to the objects under `prefix` (`""` = whole bucket). */
  grantRead(role: aws.iam.Role | pulumi.Input<string>, prefix: string, opts: GrantOptions = {}): aws.iam.RolePolicy {
    return this.attach(
      role,
      `read-${prefixSlug(prefix)}`,
      opts,
      this.key.arn.apply((kmsKeyArn) => s3ReadPolicy({ bucketArn: this.bucketArn(), prefix, kmsKeyArn, region: this.region })),
    );
  }

  /** Pull access for `role` to the stage image repositories. */
  grantPull(role: aws.iam.Role | pulumi.Input<string>, opts: GrantOptions = {}): aws.iam.RolePolicy {
    return this.attach(
      role,
      "ecr-pull",
      opts,
      pulumi.all([this.repositoryArns(), this.cacheRepositoryArns]).apply(([arns, cache]) => ecrPolicy(arns, false, cache)),
    );
  }

  /** Pull and push access for `role` (CI) to the stage image repositories. */
  grantPush(role: aws.iam.Role | pulumi.Input<string>, opts: GrantOptions = {}): aws.iam.RolePolicy {
    return this.attach(
      role,
      "ecr-push",
      opts,
      this.repositoryArns().apply((arns) => ecrPolicy(arns, true)),
    );
  }

  /** Register and read model versions in the model package group. */
  grantModelRegistry(role: aws.iam.Role | pulumi.Input<string>, opts: GrantOptions = {}): aws.iam.RolePolicy {
    const group = this.modelPackageGroup;
    const policy = pulumi.all([group.arn]).apply(([groupArn]) => {
      // arn:<p>:sagemaker:<region>:<account>:model-package-group/<name> → .../model-package/<name>
      const packagePrefix = groupArn.replace(":model-package-group/", ":model-package/").toLowerCase();
      return modelRegistryPolicy(groupArn, packagePrefix);
    });
    return this.attach(role, "model-registry", opts, policy);
  }

  private bucketArn(): string {
    return `arn:${this.partition}:s3:::${this.bucketName}`;
  }

  private repositoryArns(): pulumi.Output<string[]> {
    return pulumi.all(Object.values(this.repositories).map((r) => r.arn));
  }

  private attach(role: aws.iam.Role | pulumi.Input<string>, what: string, opts: GrantOptions, policy: pulumi.Output<PolicyDocument>): aws.iam.RolePolicy {
    const roleName = role instanceof aws.iam.Role ? role.name : role;
    return new aws.iam.RolePolicy(
      opts.name ?? `${this.prefix}-grant-${what}`,
      { role: roleName, policy: policy.apply((p) => JSON.stringify(p)) },
      { parent: this },
    );
  }
}

/** Image URIs by role, as the contract carries them. */
function imageUris(plan: EcrImagePlan): Record<(typeof STAGE_IMAGE_ROLES)[number], string> {
  return Object.fromEntries(STAGE_IMAGE_ROLES.map((r) => [r, plan.images[r].uri])) as Record<(typeof STAGE_IMAGE_ROLES)[number], string>;
}

/** Options of a grant. */
export interface GrantOptions {
  /** Logical name of the policy resource; set it when granting the same thing to several roles. @default `<name>-grant-<what>` */
  name?: string;
}
