import { ModelCacheBackend, ModelCacheFill, type ModelCacheContract } from "../../core/contracts/model-cache";
import { KIT_LABELS, type K8sObject } from "../../core/kubernetes";

/**
 * Pure renderers of the model cache: one copy of each base-model snapshot per cluster, as a PersistentVolume +
 * PersistentVolumeClaim the pipeline pods mount read-only. No Pulumi.
 *
 * Sources (checked 2026-12-02):
 * - [GCSFUSE-STATIC] GKE "Mount Cloud Storage buckets as persistent volumes" (static provisioning: PV with
 *   `csi.driver: gcsfuse.csi.storage.gke.io`, `volumeHandle: <bucket>`, `mountOptions`; PVC bound by
 *   `volumeName`; pods annotated `gke-gcsfuse/volumes: "true"` get the FUSE sidecar injected).
 * - [GCSFUSE-PERF] GKE "Optimize Cloud Storage FUSE CSI driver for GKE performance" and "Cloud Storage FUSE CSI
 *   driver volume attributes": `only-dir`, `implicit-dirs`, `file-cache:max-size-mb` (-1: the whole cache volume),
 *   `file-cache:cache-file-for-range-read`, `file-cache:enable-parallel-downloads`, `metadata-cache:ttl-secs`
 *   (-1: never expire — snapshots are immutable), volume attribute `gcsfuseMetadataPrefetchOnMount: "true"`.
 * - [MP-S3] Amazon EKS "Use Mountpoint for Amazon S3 storage" and awslabs/mountpoint-s3-csi-driver v2
 *   "static provisioning" / "caching": driver `s3.csi.aws.com`, static provisioning only, `volumeAttributes.bucketName`,
 *   mount options `allow-other`, `region <r>`, `prefix <p>/`, `read-only`, `metadata-ttl indefinite`; v2 local
 *   cache `volumeAttributes.cache: emptyDir` with `cacheEmptyDirSizeLimit`.
 */

/** Platforms the model cache renders for. */
export const ModelCachePlatform = {
  Gke: "gke",
  Eks: "eks",
  Kubernetes: "kubernetes",
} as const;
export type ModelCachePlatform = (typeof ModelCachePlatform)[keyof typeof ModelCachePlatform];

/** Where pipeline pods mount the cache. */
export const MODEL_CACHE_MOUNT_PATH = "/model-cache";
/** Prefix of the artifact bucket that holds the snapshots (core/store-layout: `models/<hub-id>@<revision>/`). */
export const MODELS_PREFIX = "models";
/** The pod annotation that makes GKE inject the Cloud Storage FUSE sidecar [GCSFUSE-STATIC]. */
export const GCSFUSE_ANNOTATION = "gke-gcsfuse/volumes";

/** GCS FUSE mount options of the cache [GCSFUSE-PERF]. */
export function gcsFuseMountOptions(fileCacheMiB: number): string[] {
  return [
    `only-dir=${MODELS_PREFIX}`,
    "implicit-dirs",
    `file-cache:max-size-mb:${fileCacheMiB}`,
    "file-cache:cache-file-for-range-read:true",
    "file-cache:enable-parallel-downloads:true",
    "metadata-cache:ttl-secs:-1",
    "metadata-cache:stat-cache-max-size-mb:-1",
    "metadata-cache:type-cache-max-size-mb:-1",
  ];
}

/** Mountpoint for S3 mount options of the cache [MP-S3]. */
export function mountpointS3MountOptions(region: string): string[] {
  return ["allow-other", `region ${region}`, `prefix ${MODELS_PREFIX}/`, "read-only", "metadata-ttl indefinite"];
}

/** What the renderer needs. */
export interface ModelCacheRenderInput {
  name: string;
  platform: ModelCachePlatform;
  namespace: string;
  /** Artifact bucket (GKE, EKS). */
  bucket?: string;
  /** `<modelsUri>` of the artifact store. */
  modelsUri: string;
  /** AWS region of the bucket (EKS). */
  region?: string;
  /** StorageClass of the ReadWriteMany claim (bare Kubernetes). */
  storageClassName?: string;
  /** Size of the claim (bare Kubernetes; a nominal capacity on the bucket-backed volumes). */
  sizeGiB: number;
  /** Local file cache per node in MiB (GKE: `file-cache:max-size-mb`, -1 = the whole cache volume; EKS: emptyDir cache size). */
  fileCacheMiB: number;
}

/** The cache's objects and its contract. */
export interface ModelCacheRender {
  objects: K8sObject[];
  contract: ModelCacheContract;
}

/** Renders the cache's PersistentVolume (bucket-backed platforms) and PersistentVolumeClaim. */
export function renderModelCache(i: ModelCacheRenderInput): ModelCacheRender {
  const labels = { ...KIT_LABELS, "finetune.dev/component": "model-cache" };
  const claimName = `${i.name}`;
  const pvName = `${i.namespace}-${i.name}`;
  const capacity = { storage: `${i.sizeGiB}Gi` };
  const claim = (accessModes: string[], extra: Record<string, unknown>): K8sObject => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: claimName, namespace: i.namespace, labels },
    spec: { accessModes, resources: { requests: capacity }, ...extra },
  });
  const staticPv = (accessModes: string[], mountOptions: string[], csi: Record<string, unknown>): K8sObject => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: pvName, labels },
    spec: {
      accessModes,
      capacity,
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      mountOptions,
      claimRef: { namespace: i.namespace, name: claimName },
      csi,
    },
  });
  const base = { namespace: i.namespace, claimName, mountPath: MODEL_CACHE_MOUNT_PATH, readOnly: true, modelsUri: i.modelsUri };
  if (i.platform === "gke") {
    const pv = staticPv(["ReadOnlyMany"], gcsFuseMountOptions(i.fileCacheMiB), {
      driver: "gcsfuse.csi.storage.gke.io",
      volumeHandle: i.bucket ?? "",
      readOnly: true,
      volumeAttributes: { gcsfuseMetadataPrefetchOnMount: "true" },
    });
    return {
      objects: [pv, claim(["ReadOnlyMany"], { storageClassName: "", volumeName: pvName })],
      contract: { ...base, backend: ModelCacheBackend.GcsFuse, fill: ModelCacheFill.ObjectStore, podAnnotations: { [GCSFUSE_ANNOTATION]: "true" } },
    };
  }
  if (i.platform === "eks") {
    const pv = staticPv(["ReadOnlyMany"], mountpointS3MountOptions(i.region ?? ""), {
      driver: "s3.csi.aws.com",
      volumeHandle: `${i.bucket ?? ""}-${MODELS_PREFIX}`,
      volumeAttributes: { bucketName: i.bucket ?? "", cache: "emptyDir", cacheEmptyDirSizeLimit: `${i.fileCacheMiB}Mi` },
    });
    return {
      objects: [pv, claim(["ReadOnlyMany"], { storageClassName: "", volumeName: pvName })],
      contract: { ...base, backend: ModelCacheBackend.MountpointS3, fill: ModelCacheFill.ObjectStore, podAnnotations: {} },
    };
  }
  return {
    objects: [claim(["ReadWriteMany"], { storageClassName: i.storageClassName ?? "" })],
    contract: { ...base, backend: ModelCacheBackend.Pvc, fill: ModelCacheFill.ModelInit, writerClaimName: claimName, podAnnotations: {} },
  };
}
