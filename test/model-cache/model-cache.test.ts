import { describe, expect, it } from "vitest";
import { modelCacheProblems, renderModelCacheFor } from "../../components/model-cache";
import type { PoolInterconnect } from "../../core/contracts/gpu-pool";
import { EFA_HUGEPAGES_2MI_MIB, ncclPodSettings } from "../../core/nccl-env";
import { expectValidManifests } from "../validators/kubernetes";

const spec = (o: { kind: string; spec?: unknown }) => o.spec as Record<string, unknown> & { csi?: Record<string, unknown>; mountOptions?: string[] };

describe("ModelCache renderers", () => {
  it("gke: a read-only GCS FUSE PersistentVolume over the bucket's models/ prefix with the file cache on, bound to its claim", () => {
    const r = renderModelCacheFor("model-cache", { platform: "gke", namespace: "finetune", bucket: "acme-finetune", modelsUri: "gs://acme-finetune/models" });
    const [pv, pvc] = r.objects;
    expect(pv.kind).toBe("PersistentVolume");
    expect(pv.metadata.name).toBe("finetune-model-cache");
    expect(spec(pv).accessModes).toEqual(["ReadOnlyMany"]);
    expect(spec(pv).csi).toEqual({
      driver: "gcsfuse.csi.storage.gke.io",
      volumeHandle: "acme-finetune",
      readOnly: true,
      volumeAttributes: { gcsfuseMetadataPrefetchOnMount: "true" },
    });
    expect(spec(pv).mountOptions).toEqual([
      "only-dir=models",
      "implicit-dirs",
      "file-cache:max-size-mb:-1",
      "file-cache:cache-file-for-range-read:true",
      "file-cache:enable-parallel-downloads:true",
      "metadata-cache:ttl-secs:-1",
      "metadata-cache:stat-cache-max-size-mb:-1",
      "metadata-cache:type-cache-max-size-mb:-1",
    ]);
    expect(spec(pv).claimRef).toEqual({ namespace: "finetune", name: "model-cache" });
    expect(spec(pv).persistentVolumeReclaimPolicy).toBe("Retain");
    expect(pvc).toMatchObject({
      kind: "PersistentVolumeClaim",
      metadata: { name: "model-cache", namespace: "finetune" },
      spec: { accessModes: ["ReadOnlyMany"], storageClassName: "", volumeName: "finetune-model-cache" },
    });
    expect(r.contract).toEqual({
      backend: "gcs-fuse",
      namespace: "finetune",
      claimName: "model-cache",
      mountPath: "/model-cache",
      readOnly: true,
      fill: "object-store",
      modelsUri: "gs://acme-finetune/models",
      podAnnotations: { "gke-gcsfuse/volumes": "true" },
    });
    expectValidManifests(r.objects);
  });

  it("eks: a Mountpoint for Amazon S3 PersistentVolume (allow-other, region, prefix models/, read-only, local cache)", () => {
    const r = renderModelCacheFor("model-cache", {
      platform: "eks",
      namespace: "ml",
      bucket: "acme-ft",
      region: "us-east-1",
      modelsUri: "s3://acme-ft/models",
    });
    const pv = r.objects[0];
    expect(spec(pv).mountOptions).toEqual(["allow-other", "region us-east-1", "prefix models/", "read-only", "metadata-ttl indefinite"]);
    expect(spec(pv).csi).toEqual({
      driver: "s3.csi.aws.com",
      volumeHandle: "acme-ft-models",
      volumeAttributes: { bucketName: "acme-ft", cache: "emptyDir", cacheEmptyDirSizeLimit: "102400Mi" },
    });
    expect(r.contract.backend).toBe("mountpoint-s3");
    expect(r.contract.fill).toBe("object-store");
    expect(r.contract.podAnnotations).toEqual({});
    expectValidManifests(r.objects);
  });

  it("kubernetes: one ReadWriteMany claim on the configured StorageClass, which model-init fills", () => {
    const r = renderModelCacheFor("model-cache", {
      platform: "kubernetes",
      namespace: "finetune",
      storageClassName: "nfs-rwx",
      sizeGiB: 800,
      modelsUri: "s3://finetune/models",
    });
    expect(r.objects).toHaveLength(1);
    expect(r.objects[0]).toMatchObject({
      kind: "PersistentVolumeClaim",
      spec: { accessModes: ["ReadWriteMany"], storageClassName: "nfs-rwx", resources: { requests: { storage: "800Gi" } } },
    });
    expect(r.contract).toMatchObject({ backend: "pvc", fill: "model-init", claimName: "model-cache", writerClaimName: "model-cache", readOnly: true });
    expectValidManifests(r.objects);
  });

  it("reports every problem at once, each with its path", () => {
    expect(modelCacheProblems({ platform: "eks", namespace: "Bad_NS", modelsUri: "s3://x/models", sizeGiB: 0, fileCacheMiB: 0 })).toEqual([
      { path: "namespace", message: "\"Bad_NS\" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)" },
      { path: "bucket", message: "is required on eks (pass the artifact store's bucket)" },
      { path: "region", message: "is required on eks (pass the bucket's AWS region)" },
      { path: "sizeGiB", message: "0 is not a positive whole number of GiB" },
      { path: "fileCacheMiB", message: "0 is not a positive whole number of MiB or -1" },
    ]);
    expect(modelCacheProblems({ platform: "kubernetes", namespace: "finetune", modelsUri: "s3://x/models" })).toEqual([
      { path: "storageClassName", message: "is required on kubernetes (name a StorageClass that offers ReadWriteMany, or leave the model cache off)" },
    ]);
    expect(modelCacheProblems({ platform: "gke", namespace: "finetune", bucket: "b", modelsUri: "gs://b/models" })).toEqual([]);
  });
});

describe("NCCL pod settings from the pool's interconnect (core/nccl-env)", () => {
  const efa = (devices: number): PoolInterconnect => ({
    kind: "efa",
    offered: "efa",
    devicesPerNode: devices,
    resourceName: "vpc.amazonaws.com/efa",
    compactPlacement: true,
  });

  it("EFA on p5: libfabric env with device RDMA, one vpc.amazonaws.com/efa per interface and 2 MiB huge pages", () => {
    const s = ncclPodSettings(efa(32), 2, "p5.48xlarge");
    expect(s.env).toEqual([
      { name: "FI_PROVIDER", value: "efa" },
      { name: "FI_EFA_FORK_SAFE", value: "1" },
      { name: "NCCL_SOCKET_IFNAME", value: "^lo,docker" },
      { name: "FI_EFA_USE_DEVICE_RDMA", value: "1" },
    ]);
    expect(s.resources).toEqual({ "vpc.amazonaws.com/efa": "32", "hugepages-2Mi": `${EFA_HUGEPAGES_2MI_MIB}Mi` });
    expect(EFA_HUGEPAGES_2MI_MIB).toBe(5120);
  });

  it("EFA on g6e (no RDMA reads): no FI_EFA_USE_DEVICE_RDMA; SageMaker ml. prefixes are understood", () => {
    expect(ncclPodSettings(efa(4), 2, "g6e.48xlarge").env.map((e) => e.name)).not.toContain("FI_EFA_USE_DEVICE_RDMA");
    expect(ncclPodSettings(efa(32), 2, "ml.p5.48xlarge").env.map((e) => e.name)).toContain("FI_EFA_USE_DEVICE_RDMA");
  });

  it("single-node training and pools without an interconnect get nothing", () => {
    expect(ncclPodSettings(efa(32), 1, "p5.48xlarge")).toEqual({ env: [], resources: {}, annotations: {} });
    expect(ncclPodSettings(undefined, 4)).toEqual({ env: [], resources: {}, annotations: {} });
    expect(ncclPodSettings({ kind: "none", offered: "efa", devicesPerNode: 0, compactPlacement: false }, 4)).toEqual({
      env: [],
      resources: {},
      annotations: {},
    });
  });

  it("GKE RDMA: gIB env and the interface annotations, one RDMA network per NIC", () => {
    const s = ncclPodSettings({ kind: "rdma", offered: "rdma", devicesPerNode: 8, compactPlacement: true }, 2, "a3-ultragpu-8g");
    expect(s.env.find((e) => e.name === "NCCL_NET")).toEqual({ name: "NCCL_NET", value: "gIB" });
    expect(s.annotations["networking.gke.io/default-interface"]).toBe("eth0");
    const nets = JSON.parse(s.annotations["networking.gke.io/interfaces"]) as { network: string }[];
    expect(nets.map((n) => n.network)).toEqual(["default", "rdma-0", "rdma-1", "rdma-2", "rdma-3", "rdma-4", "rdma-5", "rdma-6", "rdma-7"]);
    expect(s.resources).toEqual({});
  });

  it("TCPX/TCPXO: not rendered (their daemon needs privileges PSS restricted forbids), with a note", () => {
    const s = ncclPodSettings({ kind: "tcpxo", offered: "tcpxo", devicesPerNode: 8, compactPlacement: true }, 2, "a3-megagpu-8g");
    expect(s.env).toEqual([]);
    expect(s.note).toContain("Pod Security Standards restricted forbids");
  });
});
