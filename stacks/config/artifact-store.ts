import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { AwsArtifactRegistryArgs } from "../../components/artifact-registry/aws";
import type { GcpArtifactRegistryArgs } from "../../components/artifact-registry/gcp";
import type { KubernetesArtifactStoreArgs } from "../../components/artifact-registry/kubernetes";
import { bucketNameProblems } from "../../components/artifact-registry/bucket-names";
import { DEFAULT_STAGE_IMAGES, IMAGE_NAME, RETENTION, type RetentionSetting } from "../../components/artifact-registry/defaults";
import { CREDENTIALED_UPSTREAMS } from "../../core/images";
import type { Problem } from "../../core/problem";
import { DNS_LABEL } from "../../core/kubernetes";

/** A whole number within the limits of one retention setting, defaulting to its default. */
function bounded(setting: RetentionSetting) {
  const r = RETENTION[setting];
  return z.number().int().min(r.min).max(r.max).default(r.default);
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** `finetune:artifactStore.aws` — settings only the aws-sagemaker stack reads. */
const AwsStoreSchema = z.strictObject({
  /** AWS account id; when set, every contract value is known before deployment. @default - looked up with getCallerIdentity */
  accountId: z
    .string()
    .regex(/^\d{12}$/, "is not a 12-digit AWS account id (fix it, or remove it to look the account up)")
    .optional(),
  /** Waiting period of a scheduled KMS key deletion, in days (7-30). @default 30 */
  kmsKeyDeletionDays: bounded("kmsKeyDeletionDays"),
  /** Deny uploads that request SSE-S3 or another KMS key. @default true */
  denyUnencryptedUploads: z.boolean().default(true),
  /** Secrets Manager ARNs (secrets named ecr-pullthroughcache/...) of upstream registry credentials, by registry (docker-hub, github-container-registry, gitlab-container-registry): with one, the pinned images of that registry reach ECR through a pull-through cache instead of the mirror command. @default {} */
  upstreamCredentials: z
    .partialRecord(
      z.enum(CREDENTIALED_UPSTREAMS),
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+$/,
          "is not the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name> (create the secret under that name)",
        ),
    )
    .default({}),
});

/** `finetune:artifactStore.gcp` — settings only the gcp stack reads. */
const GcpStoreSchema = z.strictObject({
  /** Encrypt the bucket and the repository with a customer-managed key. @default true */
  cmek: z.boolean().default(true),
  /** Existing Cloud KMS key to use. @default - a key ring and key are created when cmek is true */
  kmsKeyName: z
    .string()
    .regex(
      /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/,
      "is not a Cloud KMS key name (use projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>)",
    )
    .optional(),
  /** Rotation period of the created key, in days. @default 90 */
  keyRotationDays: bounded("keyRotationDays"),
  /** Access of the pipeline's service account to the image repository. @default "reader" */
  repositoryAccess: z.enum(["reader", "writer"]).default("reader"),
  /** Kubernetes ServiceAccount the pipeline pods run as (bound through Workload Identity). @default "<name>-pipeline" */
  kubernetesServiceAccount: z.string().regex(DNS_LABEL, "is not a ServiceAccount name (use lowercase letters, digits and '-')").optional(),
});

/** `finetune:artifactStore.kubernetes.minio` — the embedded MinIO. */
const MinioSchema = z.strictObject({
  /** Namespace MinIO runs in (created, PSS restricted). @default "finetune-storage" */
  namespace: z.string().regex(DNS_LABEL, "is not a namespace name (use lowercase letters, digits and '-')").max(63).default("finetune-storage"),
  /** Existing StorageClass with reclaimPolicy Retain. Set this or provisioner. */
  storageClass: z.string().min(1).optional(),
  /** CSI provisioner of a StorageClass (reclaimPolicy Retain) the kit creates. Set this or storageClass. */
  provisioner: z.string().min(1).optional(),
  /** Parameters of the created StorageClass. @default {} */
  storageParameters: z.record(z.string(), z.string()).default({}),
  /** Size of the data volume. @default "100Gi" */
  size: z.string().regex(QUANTITY, "is not a Kubernetes quantity (use e.g. 500Gi)").default("100Gi"),
  /** MinIO root user (its password is the secret finetune:minioRootPassword). @default "finetune-admin" */
  rootUser: z.string().min(3).default("finetune-admin"),
  /** Access key of the pipeline's MinIO user (its secret key is the secret finetune:minioPipelineSecretKey). @default "<name>-pipeline" */
  pipelineAccessKey: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{3,128}$/, "must be 3-128 letters, digits, '_', '.', '@' or '-'")
    .optional(),
  /** Secret with tls.crt/tls.key in MinIO's namespace: serve HTTPS. @default - HTTP inside the cluster */
  tlsSecretName: z.string().regex(DNS_LABEL, "is not a Secret name (use lowercase letters, digits and '-')").optional(),
  /** Serve MinIO's web console (ClusterIP only). @default false */
  console: z.boolean().default(false),
});

/** `finetune:artifactStore.kubernetes.external` — a bring-your-own S3-compatible store. */
const ExternalStoreSchema = z.strictObject({
  /** S3 endpoint URL, e.g. https://s3.example.com:9000. */
  endpoint: z.string().regex(/^https?:\/\/[^/\s?#]+\/?$/, "is not an http(s) URL without a path (use e.g. https://s3.example.com:9000)"),
  /** Existing bucket. */
  bucket: z.string(),
  /** Existing Secret in the pipeline namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
  credentialsSecret: z.string().regex(DNS_LABEL, "is not a Secret name (use lowercase letters, digits and '-')").optional(),
});

/** `finetune:artifactStore.kubernetes` — settings only the kubernetes stack reads. */
const KubernetesStoreSchema = z.strictObject({
  /** Embedded MinIO or a bring-your-own S3-compatible store. @default "minio" */
  mode: z.enum(["minio", "external"]).default("minio"),
  /** The embedded MinIO. @default {} */
  minio: MinioSchema.prefault({}),
  /** The bring-your-own store (required when mode is "external"). */
  external: ExternalStoreSchema.optional(),
  /** Container registry the stage images are pulled from. */
  containerRegistry: z.strictObject({
    /** Registry prefix without scheme, e.g. registry.example.com/ml. */
    url: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "is not a registry prefix (use host[:port]/path without scheme, e.g. registry.example.com/ml)"),
    /** Image pull Secret in the pipeline namespace. @default - none */
    pullSecret: z.string().regex(DNS_LABEL, "is not a Secret name (use lowercase letters, digits and '-')").optional(),
  }),
});

/**
 * `finetune:artifactStore` — the artifact registry (bucket with the kit's layout, image repositories, model
 * registry). Shared retention settings at the top, platform settings in `aws`, `gcp`, `kubernetes`.
 */
export const ArtifactStoreConfigSchema = z
  .strictObject({
    /** Bucket name (must be valid on S3 and Cloud Storage). @default - aws: "<name>-artifacts-<hash>", gcp: "<name>-artifacts-<project>", kubernetes (MinIO): "<name>-artifacts" */
    bucketName: z.string().optional(),
    /** Days a non-current checkpoint version is kept. @default 7 */
    checkpointNoncurrentDays: bounded("checkpointNoncurrentDays"),
    /** Days any other non-current object version is kept. @default 90 */
    noncurrentVersionDays: bounded("noncurrentVersionDays"),
    /** Days after which incomplete multipart uploads are aborted. @default 7 */
    abortIncompleteUploadDays: bounded("abortIncompleteUploadDays"),
    /** Soft-delete retention on Cloud Storage, in days (7-90). @default 7 */
    softDeleteDays: bounded("softDeleteDays"),
    /** Stage images, one repository (ECR) or package (Artifact Registry) each. @default ["data-prep", "trainer", "evaluator", "serving"] */
    images: z
      .array(z.string().regex(IMAGE_NAME, "is not an image name (use lowercase letters and digits separated by '.', '_' or '-')"))
      .min(1)
      .default([...DEFAULT_STAGE_IMAGES]),
    /** Images kept per repository, newest first. @default 30 */
    keepImages: bounded("keepImages"),
    /** Days after which untagged (ECR) or older-than-newest-N (Artifact Registry) images are removed. @default 7 */
    untaggedImageDays: bounded("untaggedImageDays"),
    /** `protect` on buckets, keys, repositories, the model registry and MinIO's volume. @default true */
    protect: z.boolean().default(true),
    /** Keep those resources in the cloud when Pulumi deletes them. @default true */
    retainOnDelete: z.boolean().default(true),
    /** aws-sagemaker stack settings. @default {} */
    aws: AwsStoreSchema.prefault({}),
    /** gcp stack settings. @default {} */
    gcp: GcpStoreSchema.prefault({}),
    /** kubernetes stack settings (required by the kubernetes stack). */
    kubernetes: KubernetesStoreSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.bucketName !== undefined) {
      for (const m of bucketNameProblems(cfg.bucketName, "portable"))
        ctx.addIssue({ code: "custom", path: ["bucketName"], message: `"${cfg.bucketName}" ${m}` });
    }
    if (cfg.checkpointNoncurrentDays > cfg.noncurrentVersionDays) {
      ctx.addIssue({
        code: "custom",
        path: ["checkpointNoncurrentDays"],
        message: `is ${cfg.checkpointNoncurrentDays}, longer than noncurrentVersionDays (${cfg.noncurrentVersionDays}) which also covers checkpoints (lower it, or raise noncurrentVersionDays)`,
      });
    }
    const seen = new Map<string, number>();
    cfg.images.forEach((img, i) => {
      if (seen.has(img))
        ctx.addIssue({ code: "custom", path: ["images", i], message: `"${img}" is already listed at images[${seen.get(img)}] (remove the duplicate)` });
      else seen.set(img, i);
    });
    if (cfg.gcp.kmsKeyName !== undefined && !cfg.gcp.cmek) {
      ctx.addIssue({ code: "custom", path: ["gcp", "kmsKeyName"], message: "is set while gcp.cmek is false (remove kmsKeyName, or set cmek: true)" });
    }
    const k = cfg.kubernetes;
    if (!k) return;
    if (k.mode === "minio") {
      if (k.minio.storageClass === undefined && k.minio.provisioner === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["kubernetes", "minio", "storageClass"],
          message:
            "is required for the embedded MinIO (name a StorageClass with reclaimPolicy Retain, or set kubernetes.minio.provisioner to let the kit create one)",
        });
      }
      if (k.minio.storageClass !== undefined && k.minio.provisioner !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["kubernetes", "minio", "provisioner"],
          message: "is set together with storageClass (set only one: storageClass to use an existing class, provisioner to create one)",
        });
      }
      if (k.external !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["kubernetes", "external"],
          message: 'is only used when kubernetes.mode is "external" (set mode: external, or remove it)',
        });
      }
      return;
    }
    if (k.external === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kubernetes", "external"],
        message: 'is required when kubernetes.mode is "external" (add endpoint, bucket and credentialsSecret)',
      });
      return;
    }
    if (k.external.credentialsSecret === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kubernetes", "external", "credentialsSecret"],
        message:
          "is required for a bring-your-own store (create a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the pipeline namespace and name it here)",
      });
    }
    for (const m of bucketNameProblems(k.external.bucket, "s3"))
      ctx.addIssue({ code: "custom", path: ["kubernetes", "external", "bucket"], message: `"${k.external.bucket}" ${m}` });
    if (cfg.bucketName !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["bucketName"],
        message: 'is not used when kubernetes.mode is "external" (the bucket is kubernetes.external.bucket: remove bucketName)',
      });
    }
  });
export type ArtifactStoreConfig = z.infer<typeof ArtifactStoreConfigSchema>;

/** Secret config keys the kubernetes stack reads for the embedded MinIO (must be set with `--secret`). */
export const ARTIFACT_STORE_SECRET_KEYS = ["minioRootPassword", "minioPipelineSecretKey"] as const;

// ---- From config to component arguments (what the three stacks pass) ----

/** The parts of the typed kit config the registry components are built from. */
interface StoreInputs {
  /** `finetune:name`. */
  name: string;
  artifactStore: ArtifactStoreConfig;
}

/** Arguments of `AwsArtifactRegistry` from config (aws-sagemaker stack). */
export function awsArtifactRegistryArgs(cfg: StoreInputs & { aws: { region: string; tags: Record<string, string> } }): AwsArtifactRegistryArgs {
  const s = cfg.artifactStore;
  return {
    region: cfg.aws.region,
    accountId: s.aws.accountId,
    bucketName: s.bucketName,
    images: s.images,
    checkpointNoncurrentDays: s.checkpointNoncurrentDays,
    noncurrentVersionDays: s.noncurrentVersionDays,
    abortIncompleteUploadDays: s.abortIncompleteUploadDays,
    keepImages: s.keepImages,
    untaggedImageDays: s.untaggedImageDays,
    kmsKeyDeletionDays: s.aws.kmsKeyDeletionDays,
    denyUnencryptedUploads: s.aws.denyUnencryptedUploads,
    upstreamCredentialArns: s.aws.upstreamCredentials,
    tags: cfg.aws.tags,
    protect: s.protect,
    retainOnDelete: s.retainOnDelete,
  };
}

/** Problems the aws-sagemaker stack must report before constructing the registry. */
export function awsArtifactStoreProblems(cfg: StoreInputs): Problem[] {
  const s = cfg.artifactStore;
  return s.bucketName === undefined && s.aws.accountId === undefined
    ? [
        {
          path: "finetune:artifactStore.bucketName",
          message:
            "is required unless finetune:artifactStore.aws.accountId is set (S3 names are global: set a bucket name, or the account id to use <name>-artifacts-<account>-<region>)",
        },
      ]
    : [];
}

/** Arguments of `GcpArtifactRegistry` from config (gcp stack). */
export function gcpArtifactRegistryArgs(cfg: StoreInputs & { gcp: { project: string; region: string; namespace: string } }): GcpArtifactRegistryArgs {
  const s = cfg.artifactStore;
  return {
    project: cfg.gcp.project,
    region: cfg.gcp.region,
    kubernetesNamespace: cfg.gcp.namespace,
    kubernetesServiceAccount: s.gcp.kubernetesServiceAccount,
    bucketName: s.bucketName,
    checkpointNoncurrentDays: s.checkpointNoncurrentDays,
    noncurrentVersionDays: s.noncurrentVersionDays,
    abortIncompleteUploadDays: s.abortIncompleteUploadDays,
    softDeleteDays: s.softDeleteDays,
    keepImages: s.keepImages,
    untaggedImageDays: s.untaggedImageDays,
    cmek: s.gcp.cmek,
    kmsKeyName: s.gcp.kmsKeyName,
    keyRotationDays: s.gcp.keyRotationDays,
    repositoryAccess: s.gcp.repositoryAccess,
    protect: s.protect,
    retainOnDelete: s.retainOnDelete,
  };
}

/** The embedded MinIO's secrets, read by the stack with `config.getSecret` (never part of the typed config). */
export interface MinioSecrets {
  rootPassword?: pulumi.Input<string>;
  pipelineSecretKey?: pulumi.Input<string>;
}

/** Problems the kubernetes stack must report before constructing the store. */
export function kubernetesArtifactStoreProblems(cfg: StoreInputs, secrets: MinioSecrets): Problem[] {
  const k = cfg.artifactStore.kubernetes;
  if (!k) {
    return [
      {
        path: "finetune:artifactStore.kubernetes",
        message:
          'is required when finetune:target is "kubernetes" (add containerRegistry, and minio.storageClass or minio.provisioner; see stacks/Pulumi.kubernetes.yaml)',
      },
    ];
  }
  if (k.mode !== "minio") return [];
  const out: Problem[] = [];
  const missing: Array<[keyof MinioSecrets, (typeof ARTIFACT_STORE_SECRET_KEYS)[number]]> = [
    ["rootPassword", "minioRootPassword"],
    ["pipelineSecretKey", "minioPipelineSecretKey"],
  ];
  for (const [field, key] of missing) {
    if (secrets[field] === undefined) {
      out.push({ path: `finetune:${key}`, message: `is required for the embedded MinIO (pulumi config set --secret finetune:${key} <at least 8 characters>)` });
    }
  }
  return out;
}

/** Arguments of `KubernetesArtifactStore` from config (kubernetes stack); call after the problems are empty. */
export function kubernetesArtifactStoreArgs(cfg: StoreInputs & { kubernetes: { namespace: string } }, secrets: MinioSecrets): KubernetesArtifactStoreArgs {
  const s = cfg.artifactStore;
  const k = s.kubernetes!;
  const common = {
    pipelineNamespace: cfg.kubernetes.namespace,
    containerRegistry: k.containerRegistry.url,
    imagePullSecret: k.containerRegistry.pullSecret,
    protect: s.protect,
    retainOnDelete: s.retainOnDelete,
  };
  if (k.mode === "external") {
    const e = k.external!;
    return { ...common, mode: "external" as const, endpoint: e.endpoint, bucketName: e.bucket, credentialsSecret: e.credentialsSecret };
  }
  return {
    ...common,
    mode: "minio" as const,
    bucketName: s.bucketName,
    namespace: k.minio.namespace,
    rootUser: k.minio.rootUser,
    rootPassword: secrets.rootPassword,
    pipelineAccessKey: k.minio.pipelineAccessKey,
    pipelineSecretKey: secrets.pipelineSecretKey,
    storageClass: k.minio.storageClass,
    provisioner: k.minio.provisioner,
    storageParameters: k.minio.storageParameters,
    storageSize: k.minio.size,
    tlsSecretName: k.minio.tlsSecretName,
    console: k.minio.console,
  };
}
