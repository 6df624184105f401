/**
 * IAM, bucket and ECR lifecycle policy documents of the AWS artifact registry. Pure: plain strings in, plain
 * JSON objects out, so that every statement is unit-tested. Grants name exact actions and exact ARNs; the only
 * `"Resource": "*"` statements are for actions that AWS defines without a resource type
 * (`ecr:GetAuthorizationToken`, `sagemaker:ListModelPackages`).
 */
import { normalizePrefix } from "../../core/store-layout";

/** An IAM policy statement. */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  /** Absent only in trust policies (IAM rejects `Resource` there). */
  Resource?: string | string[];
  Principal?: "*" | { Service: string[] } | { AWS: string[] } | { Federated: string };
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Object actions a read-write grant allows under its prefix. */
export const S3_OBJECT_READ_WRITE_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
] as const;
/** Object actions a read grant allows under its prefix. */
export const S3_OBJECT_READ_ACTIONS = ["s3:GetObject"] as const;
/**
 * Object actions of a write-once area (base-model snapshots under `models/`): read, upload (multipart included),
 * never delete or overwrite-by-delete.
 */
export const S3_OBJECT_WRITE_ONCE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] as const;
/** KMS actions needed to write (and read back) SSE-KMS objects. */
export const KMS_READ_WRITE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;
/** KMS actions needed to read SSE-KMS objects. */
export const KMS_READ_ACTIONS = ["kms:Decrypt"] as const;
/** ECR actions to pull images from named repositories. */
export const ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] as const;
/** ECR actions to push images to named repositories. */
export const ECR_PUSH_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
] as const;
/** SageMaker Model Registry actions on one model package group and its packages. */
export const MODEL_REGISTRY_ACTIONS = [
  "sagemaker:CreateModelPackage",
  "sagemaker:DescribeModelPackage",
  "sagemaker:UpdateModelPackage",
  "sagemaker:DescribeModelPackageGroup",
] as const;

/** What an S3 grant is about. */
export interface S3GrantTarget {
  /** `arn:<partition>:s3:::<bucket>` */
  bucketArn: string;
  /** Key prefix relative to the bucket (`""` = whole bucket, `checkpoints/`, `runs/my-pipeline/`). */
  prefix: string;
  /** ARN of the bucket's KMS key. */
  kmsKeyArn: string;
  /** Region of the bucket (scopes KMS use to S3 in that region). */
  region: string;
}

function slug(s: string): string {
  const t = s.replace(/[^A-Za-z0-9]/g, "");
  return t.length ? t[0].toUpperCase() + t.slice(1) : "";
}

/**
 * `s3:ListBucket` on the bucket, limited by an `s3:prefix` condition to the given key prefixes (`""` in the list =
 * the whole bucket: no condition). Prefixes are raw key prefixes: `runs/my-pipeline/`, or
 * `models/org/name@` (every revision of one model).
 */
export function s3ListStatement(bucketArn: string, prefixes: readonly string[], sid: string): PolicyStatement {
  const list: PolicyStatement = { Sid: sid, Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn };
  if (!prefixes.includes("")) list.Condition = { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}*`]) } };
  return list;
}

/** `actions` on the objects under each raw key prefix (`<bucket ARN>/<prefix>*`). */
export function s3ObjectsStatement(bucketArn: string, prefixes: readonly string[], actions: readonly string[], sid: string): PolicyStatement {
  const resources = prefixes.map((p) => `${bucketArn}/${p}*`);
  return { Sid: sid, Effect: "Allow", Action: [...actions], Resource: resources.length === 1 ? resources[0] : resources };
}

/** Bucket-level actions S3 clients call before object requests (region lookup; optionally multipart listing). */
export function s3LocationStatement(
  bucketArn: string,
  sid: string,
  actions: readonly string[] = ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Action: [...actions], Resource: bucketArn };
}

/** Use of the bucket's KMS key, only through S3 in the bucket's region (`kms:ViaService`). */
export function kmsViaS3Statement(kmsKeyArn: string, region: string, actions: readonly string[], sid: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: [...actions],
    Resource: kmsKeyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
  };
}

function s3Statements(t: S3GrantTarget, objectActions: readonly string[], kmsActions: readonly string[], sid: string): PolicyStatement[] {
  const prefix = normalizePrefix(t.prefix);
  return [
    s3ListStatement(t.bucketArn, [prefix], `${sid}List${slug(prefix) || "Bucket"}`),
    s3LocationStatement(t.bucketArn, `${sid}Location`),
    s3ObjectsStatement(t.bucketArn, [prefix], objectActions, `${sid}Objects${slug(prefix) || "All"}`),
    kmsViaS3Statement(t.kmsKeyArn, t.region, kmsActions, `${sid}Kms`),
  ];
}

/** Read-write access to the objects under one prefix (list, get, put, delete, multipart) and the KMS key. */
export function s3ReadWritePolicy(t: S3GrantTarget): PolicyDocument {
  return { Version: "2012-10-17", Statement: s3Statements(t, S3_OBJECT_READ_WRITE_ACTIONS, KMS_READ_WRITE_ACTIONS, "ReadWrite") };
}

/** Read-only access to the objects under one prefix (list, get) and decrypt with the KMS key. */
export function s3ReadPolicy(t: S3GrantTarget): PolicyDocument {
  return { Version: "2012-10-17", Statement: s3Statements(t, S3_OBJECT_READ_ACTIONS, KMS_READ_ACTIONS, "Read") };
}

/** ECR actions that let a pull through a pull-through cache prefix create and fill the cache repository (first pull). */
export const ECR_PULL_THROUGH_ACTIONS = ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"] as const;

/**
 * Pull (or pull and push) from exactly these ECR repositories, and pull through the cache prefixes whose
 * repository ARN patterns (`arn:...:repository/<prefix>/*`) are given: ECR creates those repositories on the
 * first pull, as the principal that pulls.
 */
export function ecrPolicy(repositoryArns: string[], push = false, pullThroughRepositoryArns: string[] = []): PolicyDocument {
  const actions = push ? [...new Set([...ECR_PULL_ACTIONS, ...ECR_PUSH_ACTIONS])] : [...ECR_PULL_ACTIONS];
  const statements: PolicyStatement[] = [
    // GetAuthorizationToken has no resource type: AWS only accepts "*" for it.
    { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    { Sid: push ? "EcrPullPush" : "EcrPull", Effect: "Allow", Action: actions, Resource: [...repositoryArns].sort() },
  ];
  if (pullThroughRepositoryArns.length > 0) {
    statements.push({
      Sid: "EcrPullThroughCache",
      Effect: "Allow",
      Action: [...ECR_PULL_ACTIONS, ...ECR_PULL_THROUGH_ACTIONS],
      Resource: [...pullThroughRepositoryArns].sort(),
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The role ECR assumes to create pull-through cache repositories from a creation template that names a KMS key
 * (AWS: "Create an IAM role for repository creation templates"): create and tag the repositories under the
 * prefixes, and grant ECR use of that one key.
 */
export function ecrCreationTemplateRolePolicy(repositoryArns: string[], kmsKeyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "CreateCacheRepositories", Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:TagResource"], Resource: [...repositoryArns].sort() },
      { Sid: "UseRegistryKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], Resource: kmsKeyArn },
    ],
  };
}

/**
 * Register and read model versions in one SageMaker model package group. `modelPackageArnPrefix` is
 * `arn:<partition>:sagemaker:<region>:<account>:model-package/<group-lowercase>` (packages are named by the
 * service as `<group>/<n>`).
 */
export function modelRegistryPolicy(groupArn: string, modelPackageArnPrefix: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ModelRegistry", Effect: "Allow", Action: [...MODEL_REGISTRY_ACTIONS], Resource: [groupArn, `${modelPackageArnPrefix}/*`] },
      // ListModelPackages has no resource type: AWS only accepts "*" for it.
      { Sid: "ModelRegistryList", Effect: "Allow", Action: ["sagemaker:ListModelPackages"], Resource: "*" },
    ],
  };
}

/** What the bucket policy protects. */
export interface BucketPolicyTarget {
  bucketArn: string;
  kmsKeyArn: string;
  /** The key's alias ARN, also accepted in upload headers (the contract hands it to SageMaker). */
  kmsKeyAliasArn?: string;
  /** Also deny uploads that ask for another encryption than SSE-KMS with this key. */
  denyUnencryptedUploads: boolean;
}

/**
 * The bucket policy: deny any request without TLS or with TLS older than 1.2, and (optionally) deny uploads
 * that request SSE-S3 or another KMS key. Uploads that send no encryption header get the bucket default
 * (SSE-KMS with this key), so clients need not set it.
 */
export function bucketPolicy(t: BucketPolicyTarget): PolicyDocument {
  const both = [t.bucketArn, `${t.bucketArn}/*`];
  const statements: PolicyStatement[] = [
    { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: both, Condition: { Bool: { "aws:SecureTransport": false } } },
    { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: both, Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } },
  ];
  if (t.denyUnencryptedUploads) {
    statements.push(
      {
        Sid: "DenyNonKmsUploads",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:PutObject"],
        Resource: `${t.bucketArn}/*`,
        Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      },
      {
        Sid: "DenyOtherKmsKeys",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:PutObject"],
        Resource: `${t.bucketArn}/*`,
        Condition: {
          StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": t.kmsKeyAliasArn ? [t.kmsKeyArn, t.kmsKeyAliasArn] : t.kmsKeyArn },
        },
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy letting the named AWS services assume a role. */
export function assumeRolePolicy(services: string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "TrustServices", Effect: "Allow", Principal: { Service: [...services].sort() }, Action: ["sts:AssumeRole"] }],
  };
}

/** The ServiceAccount a workload-identity role is for. */
export interface ServiceAccountRef {
  namespace: string;
  serviceAccount: string;
}

/**
 * IRSA trust policy: the cluster's IAM OIDC provider may exchange a token for this role only when it was issued
 * to exactly this ServiceAccount (`:sub`) for STS (`:aud`). `issuer` is the provider's URL without `https://`
 * (AWS: "Assign IAM roles to Kubernetes service accounts", the condition keys are `<issuer>:sub` / `<issuer>:aud`).
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuer: string, sa: ServiceAccountRef): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TrustServiceAccountWebIdentity",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`, [`${issuer}:aud`]: "sts.amazonaws.com" },
        },
      },
    ],
  };
}

/**
 * EKS Pod Identity trust policy: the EKS Auth service assumes the role and tags the session; the session tags it
 * sets (`kubernetes-namespace`, `kubernetes-service-account`) must name this ServiceAccount, so another
 * association in the account cannot reuse the role (AWS: "Create IAM role with trust policy required by EKS Pod
 * Identity", Setting Conditions).
 */
export function podIdentityTrustPolicy(sa: ServiceAccountRef): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TrustEksPodIdentity",
        Effect: "Allow",
        Principal: { Service: ["pods.eks.amazonaws.com"] },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: { StringEquals: { "aws:RequestTag/kubernetes-namespace": sa.namespace, "aws:RequestTag/kubernetes-service-account": sa.serviceAccount } },
      },
    ],
  };
}

/** The key prefixes one pipeline reaches, by kind of access (raw key prefixes, see {@link s3ListStatement}). */
export interface PipelinePrefixes {
  /** Read only (its datasets). */
  read: string[];
  /** Read and upload, never delete (its base model's snapshots under `models/`). */
  writeOnce: string[];
  /** Read, write and delete (its runs, checkpoints and registry model). */
  readWrite: string[];
}

/** What {@link pipelineAccessPolicy} grants on. */
export interface PipelineAccessTarget {
  bucketArn: string;
  kmsKeyArn: string;
  /** Region of the bucket (scopes KMS use to S3 there). */
  region: string;
  prefixes: PipelinePrefixes;
  /** ECR repositories to pull from; none = no ECR statements. */
  repositoryArns: string[];
  /** Pull-through cache repository ARN patterns (`.../repository/<prefix>/*`). */
  pullThroughRepositoryArns: string[];
}

/**
 * The identity policy of one pipeline's role: list only its prefixes, read its datasets, add base-model
 * snapshots, read-write its own runs / checkpoints / registry model, use the bucket key only through S3, and pull
 * from the store's repositories. No `ListBucketMultipartUploads` (it would list every pipeline's keys).
 */
export function pipelineAccessPolicy(t: PipelineAccessTarget): PolicyDocument {
  const { read, writeOnce, readWrite } = t.prefixes;
  const statements: PolicyStatement[] = [
    s3ListStatement(t.bucketArn, [...read, ...writeOnce, ...readWrite], "ListPipelinePrefixes"),
    s3LocationStatement(t.bucketArn, "BucketLocation", ["s3:GetBucketLocation"]),
  ];
  if (read.length > 0) statements.push(s3ObjectsStatement(t.bucketArn, read, S3_OBJECT_READ_ACTIONS, "ReadDatasets"));
  if (writeOnce.length > 0) statements.push(s3ObjectsStatement(t.bucketArn, writeOnce, S3_OBJECT_WRITE_ONCE_ACTIONS, "AddBaseModelSnapshots"));
  if (readWrite.length > 0) statements.push(s3ObjectsStatement(t.bucketArn, readWrite, S3_OBJECT_READ_WRITE_ACTIONS, "ReadWritePipelineObjects"));
  statements.push(kmsViaS3Statement(t.kmsKeyArn, t.region, KMS_READ_WRITE_ACTIONS, "BucketKeyViaS3"));
  if (t.repositoryArns.length > 0 || t.pullThroughRepositoryArns.length > 0) {
    statements.push(
      ...ecrPolicy(t.repositoryArns, false, t.pullThroughRepositoryArns).Statement.filter((st) => !Array.isArray(st.Resource) || st.Resource.length > 0),
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** An ECR lifecycle policy document. */
export interface EcrLifecyclePolicy {
  rules: Array<{
    rulePriority: number;
    description: string;
    selection: { tagStatus: "untagged" | "any"; countType: "sinceImagePushed" | "imageCountMoreThan"; countUnit?: "days"; countNumber: number };
    action: { type: "expire" };
  }>;
}

/**
 * ECR lifecycle: expire untagged images after `untaggedDays`, then keep only the newest `keepLast` images.
 * The `any` rule must have the highest priority number (ECR evaluates it last).
 */
export function ecrLifecyclePolicy(keepLast: number, untaggedDays: number): EcrLifecyclePolicy {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images ${untaggedDays} days after push`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedDays },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keepLast} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepLast },
        action: { type: "expire" },
      },
    ],
  };
}
