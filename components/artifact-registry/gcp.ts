import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { bucketNameProblems } from "./bucket-names";
import { RETENTION, retentionProblems } from "./defaults";
import { LayoutArea, layoutUris, normalizePrefix, prefixSlug } from "../../core/store-layout";
import { checkInput, isKnown, knownProblems, outputProblems, withPlaceholders } from "../validation";
import type { ArtifactStoreContractInput } from "./contract-input";
import { statefulOptions, type DataProtection } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import { DNS_LABEL } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

/** Roles the pipeline's Google service account may get on the image repository. */
export const RepositoryAccess = {
  Reader: "reader",
  Writer: "writer",
} as const;
export type RepositoryAccess = (typeof RepositoryAccess)[keyof typeof RepositoryAccess];

/** Predefined IAM roles the component grants (exact, and no broader than needed). */
export const GCP_ROLES = {
  /** Objects: create, read, list, delete; no bucket or IAM admin. */
  bucketReadWrite: "roles/storage.objectUser",
  bucketRead: "roles/storage.objectViewer",
  repository: { reader: "roles/artifactregistry.reader", writer: "roles/artifactregistry.writer" } satisfies Record<RepositoryAccess, string>,
  workloadIdentityUser: "roles/iam.workloadIdentityUser",
  keyUser: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
} as const;

/** Arguments of {@link GcpArtifactRegistry}. */
export interface GcpArtifactRegistryArgs extends DataProtection {
  /** GCP project id. Plain: it decides the default bucket name, the service account's email and every URI of the contract. */
  project: string;
  /** Region of the bucket, the repository and the key, e.g. `us-central1`. */
  region: pulumi.Input<string>;
  /** Kubernetes namespace of the pipeline's ServiceAccount (Workload Identity binding). */
  kubernetesNamespace: pulumi.Input<string>;
  /** Kubernetes ServiceAccount the pipeline pods run as. @default "<name>-pipeline" */
  kubernetesServiceAccount?: pulumi.Input<string>;
  /** Bucket name. @default "<name>-artifacts-<project>" (project ids are globally unique) */
  bucketName?: string;
  /** Days a non-current version under `checkpoints/` is kept. @default 7 */
  checkpointNoncurrentDays?: number;
  /** Days any other non-current version is kept. @default 90 */
  noncurrentVersionDays?: number;
  /** Days after which incomplete multipart uploads are aborted. @default 7 */
  abortIncompleteUploadDays?: number;
  /** Soft-delete retention in days (7-90): deleted objects stay restorable this long. @default 7 */
  softDeleteDays?: number;
  /** Versions kept per image (newest first) by the repository's cleanup policy. @default 30 */
  keepImages?: number;
  /** Images older than this many days, beyond the newest `keepImages`, are deleted. @default 7 */
  untaggedImageDays?: number;
  /** Encrypt the bucket and the repository with a customer-managed Cloud KMS key. @default true */
  cmek?: boolean;
  /** Existing Cloud KMS key (`projects/…/cryptoKeys/…`) to use instead of creating a key ring and key. @default - a key is created when `cmek` is true */
  kmsKeyName?: pulumi.Input<string>;
  /** Rotation period of the created key, in days. @default 90 */
  keyRotationDays?: number;
  /** Access of the pipeline's service account to the image repository. @default "reader" */
  repositoryAccess?: RepositoryAccess;
  /** Labels on every labelable resource. @default {} */
  labels?: Record<string, pulumi.Input<string>>;
}

/** The arguments of {@link GcpArtifactRegistry} typed `pulumi.Input`: what a user may take from another resource. */
export const GCP_REGISTRY_INPUT_ARGS = [
  "region",
  "kubernetesNamespace",
  "kubernetesServiceAccount",
  "kmsKeyName",
  "labels",
] as const satisfies readonly (keyof GcpArtifactRegistryArgs)[];

/** Retention tuning: kit values, never read from another resource. */
const RETENTION_REASON = "retention tuning (days / counts) chosen with the kit, never read from another resource";

/** The arguments of {@link GcpArtifactRegistry} that stay plain, and why. */
export const GCP_REGISTRY_PLAIN_ARGS: Record<string, string> = {
  project:
    "decides the default bucket name, the pipeline service account's email (the contract's Workload Identity annotation) and every URI of the contract, which the pipelines render at construction",
  bucketName: "every URI of the contract (datasets, models, checkpoints, registry) derives from it, and the pipelines render them at construction",
  checkpointNoncurrentDays: RETENTION_REASON,
  noncurrentVersionDays: RETENTION_REASON,
  abortIncompleteUploadDays: RETENTION_REASON,
  softDeleteDays: RETENTION_REASON,
  keepImages: RETENTION_REASON,
  untaggedImageDays: RETENTION_REASON,
  cmek: "decides whether a key ring and key are created",
  keyRotationDays: RETENTION_REASON,
  repositoryAccess: "an enum of the kit (which role is granted)",
  protect: "a resource option, fixed when the children are created",
  retainOnDelete: "a resource option, fixed when the children are created",
};

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
const GSA_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
const AR_ID = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** Every construction problem of the arguments (empty when valid). */
export function gcpArtifactRegistryProblems(name: string, args: pulumi.Unwrap<GcpArtifactRegistryArgs>, bucket: string): Problem[] {
  const problems: Problem[] = [];
  if (!AR_ID.test(name) || name.length > 21)
    problems.push({
      path: "name",
      message: `"${name}" must be 1-21 lowercase letters, digits or '-', starting with a letter (it names the repository, key ring and service account)`,
    });
  if (!PROJECT.test(args.project ?? ""))
    problems.push({ path: "project", message: `"${args.project}" is not a GCP project id (6-30 lowercase letters, digits or '-')` });
  if (!REGION.test(args.region ?? "")) problems.push({ path: "region", message: `"${args.region}" is not a GCP region (use e.g. us-central1)` });
  for (const reason of bucketNameProblems(bucket, "gcs")) problems.push({ path: "bucketName", message: `"${bucket}" ${reason}` });
  const ksa = args.kubernetesServiceAccount ?? `${name}-pipeline`;
  if (!DNS_LABEL.test(args.kubernetesNamespace ?? "") || args.kubernetesNamespace.length > 63) {
    problems.push({ path: "kubernetesNamespace", message: `"${args.kubernetesNamespace}" is not a Kubernetes namespace name (a DNS-1123 label)` });
  }
  if (!DNS_LABEL.test(ksa) || ksa.length > 253)
    problems.push({ path: "kubernetesServiceAccount", message: `"${ksa}" is not a Kubernetes ServiceAccount name (lowercase letters, digits, '-')` });
  if (!GSA_ID.test(`${name}-pipeline`))
    problems.push({ path: "name", message: `"${name}-pipeline" is not a valid service account id (6-30 characters: shorten the name)` });
  if (args.kmsKeyName !== undefined && !KMS_KEY.test(args.kmsKeyName)) {
    problems.push({ path: "kmsKeyName", message: `"${args.kmsKeyName}" is not a Cloud KMS key name (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>)` });
  }
  if (args.kmsKeyName !== undefined && args.cmek === false)
    problems.push({ path: "kmsKeyName", message: "is set while cmek is false (remove kmsKeyName or set cmek: true)" });
  problems.push(
    ...retentionProblems({
      checkpointNoncurrentDays: args.checkpointNoncurrentDays,
      noncurrentVersionDays: args.noncurrentVersionDays,
      abortIncompleteUploadDays: args.abortIncompleteUploadDays,
      softDeleteDays: args.softDeleteDays,
      keepImages: args.keepImages,
      untaggedImageDays: args.untaggedImageDays,
      keyRotationDays: args.keyRotationDays,
    }),
  );
  return problems;
}

/** Cloud Storage lifecycle rules of the bucket (pure): only non-current versions and stale uploads expire. */
export function gcsLifecycleRules(days: {
  checkpointNoncurrentDays: number;
  noncurrentVersionDays: number;
  abortIncompleteUploadDays: number;
}): gcp.types.input.storage.BucketLifecycleRule[] {
  return [
    {
      action: { type: "Delete" },
      condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: days.checkpointNoncurrentDays, matchesPrefixes: [`${LayoutArea.Checkpoints}/`] },
    },
    { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: days.noncurrentVersionDays } },
    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: days.abortIncompleteUploadDays } },
  ];
}

/** Artifact Registry cleanup policies (pure): delete versions older than `olderThanDays` except the newest `keepCount`. */
export function artifactRegistryCleanupPolicies(keepCount: number, olderThanDays: number): gcp.types.input.artifactregistry.RepositoryCleanupPolicy[] {
  return [
    { id: "delete-older-than", action: "DELETE", condition: { tagState: "ANY", olderThan: `${olderThanDays * 86400}s` } },
    { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount } },
  ];
}

/** IAM condition limiting a bucket grant to one prefix (bucket-level list calls stay allowed). */
export function prefixCondition(bucket: string, prefix: string): { title: string; description: string; expression: string } | undefined {
  const p = normalizePrefix(prefix);
  if (!p) return undefined;
  return {
    title: `prefix ${p}`,
    description: `Objects under gs://${bucket}/${p}`,
    expression: `resource.type == "storage.googleapis.com/Bucket" || resource.name.startsWith("projects/_/buckets/${bucket}/objects/${p}")`,
  };
}

/**
 * The artifact registry on GCP: a private, versioned Cloud Storage bucket with soft delete and the kit's layout
 * (the model registry is `registry/<model>/<version>/` with a model card, portable across platforms), an
 * Artifact Registry Docker repository with immutable tags and cleanup policies, optional CMEK, and the pipeline's
 * Google service account bound to its Kubernetes ServiceAccount through Workload Identity, with IAM on exactly
 * that bucket and that repository.
 */
export class GcpArtifactRegistry extends pulumi.ComponentResource {
  /** The store's contract: plain except `containerRegistry` and `kmsKeyId`, which are Outputs when `region` or `kmsKeyName` is one. */
  readonly contract: ArtifactStoreContractInput;
  readonly bucket: gcp.storage.Bucket;
  readonly repository: gcp.artifactregistry.Repository;
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** The created key ring and key (when `cmek` and no `kmsKeyName`). */
  readonly keyRing?: gcp.kms.KeyRing;
  readonly cryptoKey?: gcp.kms.CryptoKey;

  /** Bucket name (plain). */
  readonly bucketName: string;

  private readonly prefix: string;
  private readonly args: GcpArtifactRegistryArgs;

  constructor(name: string, args: GcpArtifactRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("GcpArtifactRegistry", name, outputProblems(args, GCP_REGISTRY_INPUT_ARGS));
    const bucketName = args.bucketName ?? `${name}-artifacts-${args.project}`;
    // Every problem of the values known now (an Output's placeholder problems are dropped); each Input argument is
    // checked again inside apply when it is an Output (checkInput below), with the same message.
    const plainShape = withPlaceholders(args as pulumi.Unwrap<GcpArtifactRegistryArgs>, "unknown-until-deployed");
    const all = (v: pulumi.Unwrap<GcpArtifactRegistryArgs>) => gcpArtifactRegistryProblems(name, v, bucketName);
    throwIfProblems("GcpArtifactRegistry", name, knownProblems(args, all(plainShape)));
    super(componentToken("GcpArtifactRegistry"), name, {}, withLegacyAlias("GcpArtifactRegistry", opts));
    this.prefix = name;
    this.args = args;
    this.bucketName = bucketName;
    const { project } = args;
    // The problems at one argument's path, for checkInput inside apply.
    const at = (path: string) => (v: unknown) => {
      const found = all({ ...plainShape, [path]: v } as pulumi.Unwrap<GcpArtifactRegistryArgs>).find((p) => p.path === path);
      return found?.message;
    };
    const region = checkInput("GcpArtifactRegistry", name, args.region, "region", at("region")).value;
    const kubernetesNamespace = checkInput("GcpArtifactRegistry", name, args.kubernetesNamespace, "kubernetesNamespace", at("kubernetesNamespace")).value;
    const ksa = checkInput("GcpArtifactRegistry", name, args.kubernetesServiceAccount, "kubernetesServiceAccount", at("kubernetesServiceAccount")).value;
    const keep = { protect: args.protect, retainOnDelete: args.retainOnDelete };
    const labels = { ...(args.labels ?? {}), "finetune-kit-component": "artifact-registry" };

    // Customer-managed key: created here unless an existing one is named. Both service agents get to use it.
    let kmsKeyName: pulumi.Input<string> | undefined = checkInput("GcpArtifactRegistry", name, args.kmsKeyName, "kmsKeyName", at("kmsKeyName")).value;
    const keyGrants: Partial<Record<"gcs" | "artifactregistry", gcp.kms.CryptoKeyIAMMember>> = {};
    if ((args.cmek ?? true) && !kmsKeyName) {
      this.keyRing = new gcp.kms.KeyRing(`${name}-keyring`, { project, location: region, name: `${name}-artifacts` }, statefulOptions(this, keep));
      this.cryptoKey = new gcp.kms.CryptoKey(
        `${name}-key`,
        {
          keyRing: this.keyRing.id,
          name: "artifacts",
          purpose: "ENCRYPT_DECRYPT",
          rotationPeriod: `${(args.keyRotationDays ?? RETENTION.keyRotationDays.default) * 86400}s`,
          versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "SOFTWARE" },
          destroyScheduledDuration: `${30 * 86400}s`,
          labels,
        },
        statefulOptions(this, keep),
      );
      const keyPath = (r: string) => `projects/${project}/locations/${r}/keyRings/${name}-artifacts/cryptoKeys/artifacts`;
      kmsKeyName = isKnown(region) ? keyPath(region) : pulumi.output(region).apply(keyPath);
    }
    if (kmsKeyName) {
      const keyId: pulumi.Input<string> = this.cryptoKey ? this.cryptoKey.id : kmsKeyName;
      const gcsAgent = gcp.storage.getProjectServiceAccountOutput({ project }, { parent: this }).emailAddress;
      const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this }).number;
      const agents: Array<["gcs" | "artifactregistry", pulumi.Input<string>]> = [
        ["gcs", gcsAgent],
        ["artifactregistry", pulumi.interpolate`service-${projectNumber}@gcp-sa-artifactregistry.iam.gserviceaccount.com`],
      ];
      for (const [agent, email] of agents) {
        keyGrants[agent] = new gcp.kms.CryptoKeyIAMMember(
          `${name}-key-${agent}-agent`,
          { cryptoKeyId: keyId, role: GCP_ROLES.keyUser, member: pulumi.interpolate`serviceAccount:${email}` },
          { parent: this },
        );
      }
    }

    this.bucket = new gcp.storage.Bucket(
      `${name}-bucket`,
      {
        name: bucketName,
        project,
        location: pulumi.output(region).apply((r) => r.toUpperCase()),
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        softDeletePolicy: { retentionDurationSeconds: (args.softDeleteDays ?? RETENTION.softDeleteDays.default) * 86400 },
        lifecycleRules: gcsLifecycleRules({
          checkpointNoncurrentDays: args.checkpointNoncurrentDays ?? RETENTION.checkpointNoncurrentDays.default,
          noncurrentVersionDays: args.noncurrentVersionDays ?? RETENTION.noncurrentVersionDays.default,
          abortIncompleteUploadDays: args.abortIncompleteUploadDays ?? RETENTION.abortIncompleteUploadDays.default,
        }),
        encryption: kmsKeyName ? { defaultKmsKeyName: kmsKeyName } : undefined,
        forceDestroy: false,
        labels,
      },
      statefulOptions(this, keep, { dependsOn: keyGrants.gcs ? [keyGrants.gcs] : [] }),
    );

    this.repository = new gcp.artifactregistry.Repository(
      `${name}-images`,
      {
        project,
        location: region,
        repositoryId: name,
        format: "DOCKER",
        description: `Stage images of ${name} (immutable tags)`,
        dockerConfig: { immutableTags: true },
        cleanupPolicyDryRun: false,
        cleanupPolicies: artifactRegistryCleanupPolicies(
          args.keepImages ?? RETENTION.keepImages.default,
          args.untaggedImageDays ?? RETENTION.untaggedImageDays.default,
        ),
        kmsKeyName,
        vulnerabilityScanningConfig: { enablementConfig: "INHERITED" },
        labels,
      },
      statefulOptions(this, keep, { dependsOn: keyGrants.artifactregistry ? [keyGrants.artifactregistry] : [] }),
    );

    const accountId = `${name}-pipeline`;
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-pipeline-sa`,
      { project, accountId, displayName: `${name} fine-tuning pipeline`, description: `Reads and writes gs://${bucketName} and pulls images from ${name}` },
      { parent: this },
    );
    this.allowKubernetesServiceAccount(kubernetesNamespace, ksa ?? `${name}-pipeline`, { name: `${name}-workload-identity` });
    const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
    this.grantReadWrite(member, "", { name: `${name}-pipeline-bucket` });
    this.grantRepository(member, args.repositoryAccess ?? RepositoryAccess.Reader, { name: `${name}-pipeline-repository` });

    this.contract = {
      platform: "gcp",
      scheme: "gs",
      bucket: bucketName,
      ...layoutUris({ scheme: "gs", bucket: bucketName }),
      containerRegistry: isKnown(region) ? `${region}-docker.pkg.dev/${project}/${name}` : pulumi.interpolate`${region}-docker.pkg.dev/${project}/${name}`,
      serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": email },
      identity: email,
      kmsKeyId: kmsKeyName,
      egress: {
        hosts: ["storage.googleapis.com", "oauth2.googleapis.com", "sts.googleapis.com"],
        // GKE metadata server (Workload Identity tokens): 169.254.169.254:80, served by gke-metadata-server on 988.
        cidrs: ["169.254.169.254/32", "169.254.169.252/32"],
        ports: [443, 80, 988],
      },
    };
    this.registerOutputs({
      contract: this.contract,
      bucketUrl: this.bucket.url,
      repositoryId: this.repository.id,
      serviceAccountEmail: this.serviceAccount.email,
    });
  }

  /** Object read-write (`roles/storage.objectUser`) for `member` under `prefix` (`""` = whole bucket). */
  grantReadWrite(member: pulumi.Input<string>, prefix: string, opts: { name?: string } = {}): gcp.storage.BucketIAMMember {
    return this.grantBucket(member, prefix, GCP_ROLES.bucketReadWrite, opts.name ?? `${this.prefix}-grant-rw-${prefixSlug(prefix)}`);
  }

  /** Object read (`roles/storage.objectViewer`) for `member` under `prefix` (`""` = whole bucket). */
  grantRead(member: pulumi.Input<string>, prefix: string, opts: { name?: string } = {}): gcp.storage.BucketIAMMember {
    return this.grantBucket(member, prefix, GCP_ROLES.bucketRead, opts.name ?? `${this.prefix}-grant-read-${prefixSlug(prefix)}`);
  }

  /**
   * Lets another Kubernetes ServiceAccount act as the pipeline's Google service account through Workload
   * Identity (`roles/iam.workloadIdentityUser` for `<project>.svc.id.goog[<namespace>/<ksa>]`): one per pipeline.
   */
  allowKubernetesServiceAccount(namespace: pulumi.Input<string>, ksa: pulumi.Input<string>, opts: { name?: string } = {}): gcp.serviceaccount.IAMMember {
    if (!opts.name && !(isKnown(namespace) && isKnown(ksa)))
      throw new Error(`GcpArtifactRegistry "${this.prefix}": allowKubernetesServiceAccount needs opts.name when the namespace or ServiceAccount is an Output`);
    return new gcp.serviceaccount.IAMMember(
      opts.name ?? `${this.prefix}-workload-identity-${namespace as string}-${ksa as string}`,
      {
        serviceAccountId: this.serviceAccount.name,
        role: GCP_ROLES.workloadIdentityUser,
        member: pulumi.interpolate`serviceAccount:${this.args.project}.svc.id.goog[${namespace}/${ksa}]`,
      },
      { parent: this },
    );
  }

  /** Pull access (`roles/artifactregistry.reader`) to the image repository, e.g. for a node pool's service account. */
  grantPull(member: pulumi.Input<string>, opts: { name?: string } = {}): gcp.artifactregistry.RepositoryIamMember {
    return this.grantRepository(member, RepositoryAccess.Reader, { name: opts.name ?? `${this.prefix}-grant-pull` });
  }

  private grantRepository(member: pulumi.Input<string>, access: RepositoryAccess, opts: { name: string }): gcp.artifactregistry.RepositoryIamMember {
    return new gcp.artifactregistry.RepositoryIamMember(
      opts.name,
      { project: this.args.project, location: this.args.region, repository: this.repository.name, role: GCP_ROLES.repository[access], member },
      { parent: this },
    );
  }

  private grantBucket(member: pulumi.Input<string>, prefix: string, role: string, name: string): gcp.storage.BucketIAMMember {
    const condition = prefixCondition(this.bucketName, prefix);
    return new gcp.storage.BucketIAMMember(name, { bucket: this.bucket.name, role, member, condition }, { parent: this });
  }
}
