import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ModelCacheContract } from "../../core/contracts/model-cache";
import { DNS_LABEL } from "../../core/kubernetes";
import { throwIfProblems, type Problem } from "../../core/problem";
import { isPlainDeep, knownProblems, outputProblems, statefulOptions, unknownViewError, validatedName, withPlaceholders, type InputOwner } from "../validation";
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

export { ModelCacheBackend, ModelCacheFill, type ModelCacheContract } from "../../core/contracts/model-cache";

/** Arguments of {@link ModelCache}. */
export interface ModelCacheArgs {
  /**
   * `gke`: GCS FUSE over the bucket's `models/` prefix; `eks`: Mountpoint for Amazon S3 over it; `kubernetes`: a
   * ReadWriteMany PVC model-init fills.
   * @default - none (required)
   */
  platform: ModelCachePlatform;
  /**
   * Namespace of the pipelines that mount the cache (a claim is namespaced).
   * @default - none (required)
   */
  namespace: pulumi.Input<string>;
  /**
   * `<modelsUri>` of the artifact store (`ArtifactStoreContract.modelsUri`).
   * @default - none (required)
   */
  modelsUri: pulumi.Input<string>;
  /** Artifact bucket name (`ArtifactStoreContract.bucket`); required on `gke` and `eks`. @default - none */
  bucket?: pulumi.Input<string>;
  /** AWS region of the bucket; required on `eks`. @default - none */
  region?: pulumi.Input<string>;
  /** StorageClass offering ReadWriteMany (NFS, CephFS, Filestore, EFS…); required on `kubernetes`. @default - none */
  storageClassName?: pulumi.Input<string>;
  /** Claim size in GiB (`kubernetes`: the real size; bucket-backed volumes: nominal, required by the API). @default 500 */
  sizeGiB?: number;
  /**
   * Node-local cache in MiB: GKE `file-cache:max-size-mb` (-1 = the whole FUSE sidecar cache volume), EKS
   * Mountpoint `cacheEmptyDirSizeLimit`. Ignored on `kubernetes`.
   * @default -1 on gke, 102400 on eks
   */
  fileCacheMiB?: number;
}

/** The arguments of {@link ModelCache} typed `pulumi.Input`: names a user takes from the artifact store, the cluster or another stack. */
export const MODEL_CACHE_INPUT_ARGS = ["namespace", "modelsUri", "bucket", "region", "storageClassName"] as const satisfies readonly (keyof ModelCacheArgs)[];

/** The arguments of {@link ModelCache} that stay plain, and why. */
export const MODEL_CACHE_PLAIN_ARGS: Record<string, string> = {
  platform: "decides which objects exist (a PersistentVolume over the bucket, or a ReadWriteMany claim alone) before any value resolves",
  sizeGiB: "sizing chosen with the kit (the claim's capacity), never read from another resource",
  fileCacheMiB: "node-local cache sizing chosen with the kit, never read from another resource",
};

/** {@link ModelCacheArgs} with every `pulumi.Input` resolved: what the pure checks and renderer read. */
export type PlainModelCacheArgs = pulumi.Unwrap<ModelCacheArgs>;

/** Checks the (resolved) arguments, every problem at once. */
export function modelCacheProblems(args: PlainModelCacheArgs): Problem[] {
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

/** Renders the cache for validated (resolved) arguments, defaults applied. */
export function renderModelCacheFor(name: string, args: PlainModelCacheArgs): ModelCacheRender {
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

/** Stands in for an argument not known yet when checking the known ones (valid wherever it lands). */
const UNKNOWN_PLACEHOLDER = "unknown";

/**
 * The problems a `ModelCache` can report at construction: those of every argument known now. An argument given as
 * an Output is checked (with the same message) inside `apply` when it resolves; a missing required one is reported now.
 */
function knownModelCacheProblems(args: ModelCacheArgs): Problem[] {
  return knownProblems(args, modelCacheProblems(withPlaceholders(args, UNKNOWN_PLACEHOLDER) as PlainModelCacheArgs));
}

/** The kinds of the cache's objects, in the renderer's order: decided by the (plain) platform alone. */
function objectKinds(platform: ModelCachePlatform): ("PersistentVolume" | "PersistentVolumeClaim")[] {
  return platform === "kubernetes" ? ["PersistentVolumeClaim"] : ["PersistentVolume", "PersistentVolumeClaim"];
}

/** Plain views of each cache, kept off the instance so the provider host does not take them for outputs. */
const CACHE_VIEWS = new WeakMap<ModelCache, { owner: InputOwner; contract?: ModelCacheContract }>();

/**
 * One copy of each base-model snapshot per cluster: the claim (and, on GKE / EKS, the static PersistentVolume over
 * the artifact bucket's `models/` prefix) that the pipeline's training, evaluation and serving pods mount read-only.
 * Give {@link ModelCache.contract} (or `contractOutput`) to `KubernetesFineTuningPipeline` (`modelCache`).
 */
export class ModelCache extends pulumi.ComponentResource {
  /**
   * What the pipeline renderer mounts, as plain values. Reading it throws when an argument was passed as an Output:
   * read {@link contractOutput} then.
   */
  get contract(): ModelCacheContract {
    const v = CACHE_VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set; resolves to {@link contract} when every argument is known). */
  readonly contractOutput: pulumi.Output<ModelCacheContract>;

  constructor(name: string, args: ModelCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything: an Output where a plain value is needed, then every known argument's
    // problems. With every argument known the renderer runs once, now; otherwise inside apply on the resolved
    // arguments (their problems fail the deployment with the same messages).
    throwIfProblems("ModelCache", name, outputProblems(args, MODEL_CACHE_INPUT_ARGS));
    const known = isPlainDeep(args);
    const plain = known ? (args as PlainModelCacheArgs) : undefined;
    const problems = plain ? modelCacheProblems(plain) : knownModelCacheProblems(args);
    super(componentToken("ModelCache"), validatedName("ModelCache", name, problems), {}, withLegacyAlias("ModelCache", opts));
    const owner: InputOwner = { component: "ModelCache", name };
    const rendered = plain ? renderModelCacheFor("model-cache", plain) : undefined;
    const real: pulumi.Output<ModelCacheRender> | undefined = plain
      ? undefined
      : pulumi.output(args).apply((a) => {
          const resolved = a as PlainModelCacheArgs;
          throwIfProblems(owner.component, name, modelCacheProblems(resolved));
          return renderModelCacheFor("model-cache", resolved);
        });
    // Known: the rendered object. Unknown: apiVersion and kind (decided by the plain platform), the rest from the real render.
    const objectArgs = (kind: string, i: number): Record<string, unknown> =>
      rendered !== undefined
        ? rendered.objects[i]
        : { apiVersion: "v1", kind, metadata: real!.apply((r) => r.objects[i].metadata), spec: real!.apply((r) => r.objects[i].spec) };
    let pv: k8s.core.v1.PersistentVolume | undefined;
    objectKinds(args.platform).forEach((kind, i) => {
      // The claim holds every cached snapshot (bare Kubernetes: the only copy outside the store): protected and retained.
      if (kind === "PersistentVolume")
        pv = new k8s.core.v1.PersistentVolume(`${name}-pv`, objectArgs(kind, i) as k8s.core.v1.PersistentVolumeArgs, statefulOptions(this, {}));
      else
        new k8s.core.v1.PersistentVolumeClaim(
          `${name}-pvc`,
          objectArgs(kind, i) as k8s.core.v1.PersistentVolumeClaimArgs,
          statefulOptions(this, {}, pv ? { dependsOn: [pv] } : {}),
        );
    });
    CACHE_VIEWS.set(this, { owner, contract: rendered?.contract });
    this.contractOutput = (rendered !== undefined ? pulumi.output(rendered.contract) : real!.apply((r) => r.contract)) as pulumi.Output<ModelCacheContract>;
    this.registerOutputs({ contract: this.contractOutput });
  }
}
