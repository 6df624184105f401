/**
 * Data policies: stateful resources (buckets, registries, keys, the model registry, the object store's
 * volumes) are `protect`ed and cannot be force-destroyed with their contents.
 */
import { Level, PolicyGroup, display, resourcePolicy, type KitPolicy } from "../kit-policy";
import { chartName, HELM_RELEASE } from "../lib/helm";
import { isUnknown } from "../lib/values";

/** Type tokens of resources that hold data a `pulumi destroy` must not take with it. */
export const STATEFUL_TYPES: readonly string[] = [
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:ecr/repository:Repository",
  "aws:kms/key:Key",
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
  "aws:efs/fileSystem:FileSystem",
  "gcp:storage/bucket:Bucket",
  "gcp:artifactregistry/repository:Repository",
  "gcp:kms/keyRing:KeyRing",
  "gcp:kms/cryptoKey:CryptoKey",
  "kubernetes:core/v1:PersistentVolumeClaim",
];

/** Helm charts whose release owns the object store's volumes. */
export const STATEFUL_CHARTS: readonly string[] = ["minio"];

const statefulProtected = resourcePolicy({
  name: "stateful-resources-protected",
  description: "Stateful resources (buckets, registries, KMS keys, the model registry, object-store volumes and releases) are protected from deletion.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Data,
  remediation: "Create the resource with the resource option protect: true (and retainOnDelete: true where a stack may be destroyed on purpose).",
  appliesTo: (type) => STATEFUL_TYPES.includes(type) || type === HELM_RELEASE,
  appliesToLabel: "buckets, registries, KMS keys, model package groups, PersistentVolumeClaims and object-store Helm releases",
  check(r, report) {
    if (r.type === HELM_RELEASE && !STATEFUL_CHARTS.includes(chartName(r.props))) return;
    if (!r.protect)
      report(`${display(r)} holds data but is not protected, so pulumi destroy or a replacement deletes it (create it with the resource option protect: true)`);
  },
});

/** Type token → the input that deletes contents along with the resource. */
const FORCE_DELETE_INPUT: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "forceDestroy",
  "aws:s3/bucketV2:BucketV2": "forceDestroy",
  "aws:ecr/repository:Repository": "forceDelete",
  "gcp:storage/bucket:Bucket": "forceDestroy",
};

const noForceDestroy = resourcePolicy({
  name: "no-force-destroy",
  description: "Buckets and registries are never created with force-destroy, which deletes their contents with them.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.Data,
  remediation: "Remove forceDestroy/forceDelete (or set it to false).",
  appliesTo: Object.keys(FORCE_DELETE_INPUT),
  check(r, report) {
    const input = FORCE_DELETE_INPUT[r.type];
    const v = r.props[input];
    if (v === true && !isUnknown(v))
      report(`${display(r)} sets ${input}: true, so deleting it deletes every object in it (remove ${input} or set it to false)`);
  },
});

export const dataPolicies: KitPolicy[] = [statefulProtected, noForceDestroy];
