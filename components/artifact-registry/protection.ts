import * as pulumi from "@pulumi/pulumi";

/**
 * Resource types that hold data (or keys to data) and therefore must never be deleted by accident: `protect`
 * blocks `pulumi destroy`/replacement until a human unprotects them, `retainOnDelete` keeps the cloud
 * object when Pulumi does delete its state. Tests check every recorded resource of these types.
 */
export const STATEFUL_TYPES = {
  aws: [
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:ecr/repository:Repository",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  ],
  gcp: [
    "gcp:storage/bucket:Bucket",
    "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:artifactregistry/repository:Repository",
  ],
  kubernetes: [
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:helm.sh/v3:Release",
  ],
} as const;

/** How stateful children are kept. */
export interface DataProtection {
  /** `protect` on every stateful child. @default true */
  protect?: boolean;
  /** `retainOnDelete` on every stateful child. @default true */
  retainOnDelete?: boolean;
}

/** Resource options for a stateful child: parent, protect, retainOnDelete (defaults: both true). */
export function statefulOptions(parent: pulumi.Resource, p: DataProtection, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
  return { ...extra, parent, protect: p.protect ?? true, retainOnDelete: p.retainOnDelete ?? true };
}

/** One construction-time problem tied to the argument a caller set. */
export interface ArgProblem {
  propertyPath: string;
  reason: string;
}

/**
 * Throws one `pulumi.InputPropertiesError` listing every problem (also in its message), or returns when
 * there are none.
 */
export function throwIfProblems(component: string, name: string, problems: ArgProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n");
  throw new pulumi.InputPropertiesError({
    message: `${component} "${name}" has invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines}`,
    errors: problems,
  });
}
