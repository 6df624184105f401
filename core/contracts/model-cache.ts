/**
 * What a model cache tells the pipeline: one copy of each base-model snapshot per cluster, mounted read-only into
 * the training, evaluation and serving pods, so a spot restart reads the weights from the cache instead of
 * downloading them again into the pod's `emptyDir`. Snapshots sit at `<mountPath>/<hub-id>@<revision>/` with the
 * completion marker (`ftkit_contract.json` `modelSnapshot.marker`) written last; a loader that finds the marker
 * uses the directory and downloads nothing.
 */

/** How snapshots get into the cache. */
export const ModelCacheFill = {
  /** The volume is the artifact bucket's `models/` prefix (GCS FUSE, Mountpoint for S3): model-init's upload fills it. */
  ObjectStore: "object-store",
  /** A volume of its own (RWX PVC): model-init mounts it read-write and copies the snapshot in, marker last. */
  ModelInit: "model-init",
} as const;
export type ModelCacheFill = (typeof ModelCacheFill)[keyof typeof ModelCacheFill];

/** Backends a model cache can use. */
export const ModelCacheBackend = {
  /** GKE Cloud Storage FUSE CSI driver (`gcsfuse.csi.storage.gke.io`). */
  GcsFuse: "gcs-fuse",
  /** Mountpoint for Amazon S3 CSI driver (`s3.csi.aws.com`). */
  MountpointS3: "mountpoint-s3",
  /** A ReadWriteMany PersistentVolumeClaim on a configured StorageClass. */
  Pvc: "pvc",
} as const;
export type ModelCacheBackend = (typeof ModelCacheBackend)[keyof typeof ModelCacheBackend];

/** The plain description of a model cache the pipeline renderer consumes. */
export interface ModelCacheContract {
  backend: ModelCacheBackend;
  /** Namespace of the claims (a pod can only mount a claim of its own namespace). */
  namespace: string;
  /** PersistentVolumeClaim the reading pods (training, evaluation, serving) mount read-only. */
  claimName: string;
  /** PersistentVolumeClaim model-init mounts read-write; absent when the object store fills the cache. */
  writerClaimName?: string;
  /** Where pods mount the cache. */
  mountPath: string;
  /** Reading pods mount it read-only (always true for the kit's renderers). */
  readOnly: boolean;
  /** How snapshots get in. */
  fill: ModelCacheFill;
  /** The object-store URI the cache mirrors (`<modelsUri>`); a fetch of `<modelsUri>/<x>` is served from `<mountPath>/<x>`. */
  modelsUri: string;
  /** Pod annotations the backend needs (GKE: `gke-gcsfuse/volumes: "true"` injects the FUSE sidecar). */
  podAnnotations: Record<string, string>;
}
