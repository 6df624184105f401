import type { RecordedResource } from "../../plan/mock-engine";

/** Resource types that hold data or identity and must never be lost with `pulumi destroy`. */
export const STATEFUL_TYPES = [
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:ecr/repository:Repository",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  "gcp:storage/bucket:Bucket",
  "gcp:artifactregistry/repository:Repository",
  "gcp:kms/keyRing:KeyRing",
  "gcp:kms/cryptoKey:CryptoKey",
  "gcp:container/cluster:Cluster",
  "kubernetes:core/v1:PersistentVolumeClaim",
] as const;

/** The sorted, de-duplicated type tokens of a run. */
export function typeSet(resources: RecordedResource[]): string[] {
  return [...new Set(resources.map((r) => r.type))].sort();
}

/** Custom resources whose provider is not one of the stack's explicit providers. */
export function withoutStackProvider(resources: RecordedResource[]): string[] {
  const explicit = new Set(resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => r.urn));
  return resources
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
    .filter((r) => !r.provider || !explicit.has(r.provider))
    .map((r) => `${r.type} ${r.name} → ${r.provider ?? "default provider"}`);
}

/** Custom resources created at the top level (no component parent): the stack creates only providers there. */
export function orphans(resources: RecordedResource[]): string[] {
  const components = new Set(resources.filter((r) => !r.custom).map((r) => r.urn));
  return resources
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
    .filter((r) => !r.parent || !components.has(r.parent))
    .map((r) => `${r.type} ${r.name}`);
}
