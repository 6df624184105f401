import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ModelCacheContract } from "../../core/contracts/model-cache";
import { DNS_LABEL } from "../../core/kubernetes";
import { throwIfProblems, type Problem } from "../../core/problem";
import { outputProblems, statefulOptions } from "../validation";
import { renderModelCache, ModelCachePlatform, type ModelCacheRender } from "./render";

export {
  GCSFUSE_ANNOTATION,
  gcsFuseMountOptions,
  MODEL_CACHE_MOUNT_PATH,
  ModelCachePlatform,
  mountpointS3MountOptions,
  renderModelCache,
  type ModelCacheRender,
  type ModelCacheRenderInput,
} from "./render";
import { componentToken, withLegacyAlias } from "../tokens";

/** Arguments of {@link ModelCache}. */
export interface ModelCacheArgs {
  /** `gke`: GCS FUSE over the bucket's `models/` prefix; `eks`: Mountpoint for Amazon S3 over it; `kubernetes`: a ReadWriteMany PVC model-init fills. */
  platform: ModelCachePlatform;
  /** Namespace of the pipelines that mount the cache (a claim is namespaced). */
  namespace: string;
  /** `<modelsUri>` of the artifact store (`ArtifactStoreContract.modelsUri`). */
  modelsUri: string;
  /** Artifact bucket name (`ArtifactStoreContract.bucket`); required on `gke` and `eks`. @default - none */
  bucket?: string;
  /** AWS region of the bucket; required on `eks`. @default - none */
  region?: string;
  /** StorageClass offering ReadWriteMany (NFS, CephFS, Filestore, EFS…); required on `kubernetes`. @default - none */
  storageClassName?: string;
  /** Claim size in GiB (`kubernetes`: the real size; bucket-backed volumes: nominal, required by the API). @default 500 */
  sizeGiB?: number;
  /**
   * Node-local cache in MiB: GKE `file-cache:max-size-mb` (-1 = the whole FUSE sidecar cache volume), EKS
   * Mountpoint `cacheEmptyDirSizeLimit`. Ignored on `kubernetes`.
   * @default -1 on gke, 102400 on eks
   */
  fileCacheMiB?: number;
}

/** Checks the arguments, every problem at once. */
export function modelCacheProblems(args: ModelCacheArgs): Problem[] {
  const problems = outputProblems(args);
  if (problems.length > 0) return problems;
  if (!(Object.values(ModelCachePlatform) as string[]).includes(args.platform))
    problems.push({ path: "platform", message: `"${args.platform}" is not a model-cache platform (use gke, eks or kubernetes)` });
  if (!DNS_LABEL.test(args.namespace) || args.namespace.length > 63)
    problems.push({ path: "namespace", message: `"${args.namespace}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)` });
  if ((args.platform === "gke" || args.platform === "eks") && !args.bucket)
    problems.push({ path: "bucket", message: `is required on ${args.platform} (pass the artifact store's bucket)` });
  if (args.platform === "eks" && !args.region) problems.push({ path: "region", message: "is required on eks (pass the bucket's AWS region)" });
  if (args.platform === "kubernetes" && !args.storageClassName)
    problems.push({
      path: "storageClassName",
      message: "is required on kubernetes (name a StorageClass that offers ReadWriteMany, or leave the model cache off)",
    });
  if (args.sizeGiB !== undefined && (!Number.isInteger(args.sizeGiB) || args.sizeGiB < 1))
    problems.push({ path: "sizeGiB", message: `${args.sizeGiB} is not a positive whole number of GiB` });
  if (args.fileCacheMiB !== undefined && (!Number.isInteger(args.fileCacheMiB) || (args.fileCacheMiB < 1 && args.fileCacheMiB !== -1))) {
    problems.push({ path: "fileCacheMiB", message: `${args.fileCacheMiB} is not a positive whole number of MiB or -1` });
  }
  return problems;
}

/** Renders the cache for validated arguments (defaults applied). */
export function renderModelCacheFor(name: string, args: ModelCacheArgs): ModelCacheRender {
  return renderModelCache({
    name,
    platform: args.platform,
    namespace: args.namespace,
    bucket: args.bucket,
    modelsUri: args.modelsUri,
    region: args.region,
    storageClassName: args.storageClassName,
    sizeGiB: args.sizeGiB ?? 500,
    fileCacheMiB: args.fileCacheMiB ?? (args.platform === "eks" ? 102400 : -1),
  });
}

/**
 * One copy of each base-model snapshot per cluster: the claim (and, on GKE / EKS, the static PersistentVolume over
 * the artifact bucket's `models/` prefix) that the pipeline's training, evaluation and serving pods mount read-only.
 * Give {@link ModelCache.contract} to `KubernetesFineTuningPipeline` (`modelCache`).
 */
export class ModelCache extends pulumi.ComponentResource {
  /** What the pipeline renderer mounts. */
  readonly contract: ModelCacheContract;

  constructor(name: string, args: ModelCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("ModelCache", name, modelCacheProblems(args));
    super(componentToken("ModelCache"), name, {}, withLegacyAlias("ModelCache", opts));
    const r = renderModelCacheFor("model-cache", args);
    this.contract = r.contract;
    let pv: k8s.core.v1.PersistentVolume | undefined;
    for (const o of r.objects) {
      // The claim holds every cached snapshot (bare Kubernetes: the only copy outside the store): protected and retained.
      if (o.kind === "PersistentVolume") pv = new k8s.core.v1.PersistentVolume(`${name}-pv`, o as k8s.core.v1.PersistentVolumeArgs, statefulOptions(this, {}));
      else
        new k8s.core.v1.PersistentVolumeClaim(
          `${name}-pvc`,
          o as k8s.core.v1.PersistentVolumeClaimArgs,
          statefulOptions(this, {}, pv ? { dependsOn: [pv] } : {}),
        );
    }
    this.registerOutputs({ contract: this.contract });
  }
}
