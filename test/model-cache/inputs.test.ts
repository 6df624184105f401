import { describe, expect, it } from "vitest";
import { ModelCache, type ModelCacheArgs } from "../../components/model-cache";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, settle, type Wrap } from "../components/inputs-helpers";

/** Each platform's arguments, the Input ones wrapped. */
const ARGS: Record<string, (w: Wrap) => ModelCacheArgs> = {
  gke: (w) => ({ platform: "gke", namespace: w("finetune"), bucket: w("acme-ft"), modelsUri: w("gs://acme-ft/models"), fileCacheMiB: 2048 }),
  eks: (w) => ({ platform: "eks", namespace: w("ml"), bucket: w("acme-ft"), region: w("us-east-1"), modelsUri: w("s3://acme-ft/models") }),
  kubernetes: (w) => ({ platform: "kubernetes", namespace: w("finetune"), storageClassName: w("nfs-rwx"), modelsUri: w("s3://store/models"), sizeGiB: 200 }),
};

describe("ModelCache takes namespace, modelsUri, bucket, region and storageClassName as Inputs", () => {
  it.each(Object.keys(ARGS))("%s: Outputs resolved later give the same PersistentVolume / claim (names, inputs, parents) as plain values", async (platform) => {
    const resources = await expectSameResources((w) => {
      new ModelCache("cache", ARGS[platform](w));
    });
    const kinds = resources.filter((r) => r.type.startsWith("kubernetes:core/v1:")).map((r) => `${r.type} ${r.name}`);
    expect(kinds.sort()).toEqual(
      platform === "kubernetes"
        ? ["kubernetes:core/v1:PersistentVolumeClaim cache-pvc"]
        : ["kubernetes:core/v1:PersistentVolume cache-pv", "kubernetes:core/v1:PersistentVolumeClaim cache-pvc"],
    );
    const pvc = resources.find((r) => r.name === "cache-pvc")!;
    expect(pvc.inputs.metadata).toMatchObject({ name: "model-cache", namespace: ARGS[platform]((v) => v).namespace });
  });

  it("contractOutput resolves to the plain contract; the plain contract throws a clear error when an argument is an Output", async () => {
    let plainCache: ModelCache | undefined;
    let outputCache: ModelCache | undefined;
    await runWithMocks(() => {
      plainCache = new ModelCache(
        "a",
        ARGS.eks((v) => v),
      );
      outputCache = new ModelCache("b", ARGS.eks(later as Wrap));
    });
    const contract = plainCache!.contract;
    expect(contract).toMatchObject({ backend: "mountpoint-s3", namespace: "ml", claimName: "model-cache", modelsUri: "s3://acme-ft/models" });
    expect(await settle(plainCache!.contractOutput)).toEqual(contract);
    expect(await settle(outputCache!.contractOutput)).toEqual(contract);
    expect(() => outputCache!.contract).toThrow(
      'ModelCache "b": contract derives from arguments passed as Outputs and is not known at construction (read contractOutput, a pulumi.Output, instead)',
    );
  });

  it("an unknown bad namespace fails inside apply with the message a plain one gets at construction", async () => {
    await expectSameFailureInApply(
      "namespace",
      () => new ModelCache("c", { ...ARGS.gke((v) => v), namespace: "Bad_NS" }),
      () => new ModelCache("c", { ...ARGS.gke((v) => v), namespace: later("Bad_NS") }),
    );
  });

  it("a bucket that resolves empty on gke fails inside apply with the plain message", async () => {
    await expectSameFailureInApply(
      "bucket",
      () => new ModelCache("c", { ...ARGS.gke((v) => v), bucket: "" }),
      () => new ModelCache("c", { ...ARGS.gke((v) => v), bucket: later("") }),
    );
  });

  it("known problems are reported at construction, all at once, even when other arguments are Outputs; a missing required one too", () => {
    expect(() => new ModelCache("c", { platform: "eks", namespace: later("ml"), modelsUri: later("s3://x/models"), sizeGiB: 0 })).toThrow(
      'ModelCache "c" has invalid arguments (3 problems):\n' +
        "  bucket: is required on eks (pass the artifact store's bucket)\n" +
        "  region: is required on eks (pass the bucket's AWS region)\n" +
        "  sizeGiB: 0 is not a positive whole number of GiB",
    );
  });

  it("platform, sizeGiB and fileCacheMiB stay plain: an Output there is a clear error", () => {
    expect(() => new ModelCache("c", { ...ARGS.gke((v) => v), sizeGiB: later(10) as unknown as number })).toThrow(
      /sizeGiB: is a pulumi.Output \(or Promise\), but this argument needs a plain value/,
    );
    expect(() => new ModelCache("c", { ...ARGS.gke((v) => v), platform: later("gke") as unknown as "gke" })).toThrow(
      /platform: is a pulumi.Output \(or Promise\), but this argument needs a plain value/,
    );
  });
});
