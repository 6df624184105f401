/**
 * Resource types that hold data (or keys to data) and therefore must never be deleted by accident: `protect`
 * blocks `pulumi destroy`/replacement until a human unprotects them, `retainOnDelete` keeps the cloud
 * object when Pulumi does delete its state. Tests check every recorded resource of these types.
 */
export const STATEFUL_TYPES = {
  aws: ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:ecr/repository:Repository", "aws:sagemaker/modelPackageGroup:ModelPackageGroup"],
  gcp: ["gcp:storage/bucket:Bucket", "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey", "gcp:artifactregistry/repository:Repository"],
  kubernetes: [
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:helm.sh/v3:Release",
  ],
} as const;
