/**
 * Figures of the cold-start estimate (pipelines/coldstart.ts): how long a restarted training pod waits before its
 * first step. Every number carries its source beside it; "assumption" marks a figure no published measurement
 * pins down (override it through the estimator's inputs). Bandwidths are decimal MB/s (10^6 bytes per second).
 * test/pipeline/coldstart.test.ts holds the estimator against {@link PUBLISHED_COLD_STARTS}.
 * Checked 2026-11-29.
 */

/** A figure and where it comes from. */
export interface Figure {
  value: number;
  source: string;
}

const MiB = 1.048576; // MB per MiB

/** Platforms of a pool contract. */
export type ColdStartPlatform = "gke" | "eks" | "karpenter" | "sagemaker" | "kubernetes";

/** Seconds from a spot replacement being requested to a GPU node Ready with its device plugin. */
export const NODE_READY_SECONDS: Readonly<Record<ColdStartPlatform, Figure>> = {
  // Community report (Hacker News item 44053826, 2025): "Pod requiring a new node (via Karpenter): ~5 minutes
  // includes provisioning the node, joining the cluster, and launching the pod". EC2 alone is ~26 s pending→running
  // (brevdev/ec2-coldboot-research); GPU AMIs add driver and device-plugin start.
  karpenter: { value: 300, source: "Karpenter new GPU node ≈5 min (HN item 44053826, 2025); EC2 pending→running 26 s (brevdev/ec2-coldboot-research)" },
  eks: { value: 300, source: "same as Karpenter: managed node group scale-up ≈5 min (HN item 44053826, 2025)" },
  // GKE installs the GPU driver on boot (gpuDriverInstallationConfig); cluster-autoscaler's gpu.go notes it "can take
  // up to 15 minutes" before a GPU node reports allocatable GPUs. 5 min is the typical figure, 15 the ceiling.
  gke: { value: 300, source: "assumption ≈5 min like EKS; cluster-autoscaler utils/gpu: up to 15 min until GPUs are allocatable" },
  // SageMaker "Starting" phase of a training job (instance acquisition and setup); AWS's warm-pools post calls the
  // cold start "fairly low" and targets <20 s only with warm pools.
  sagemaker: {
    value: 180,
    source: "assumption ≈3 min for the Starting phase (AWS ML blog, SageMaker Training Managed Warm Pools, 2022: warm pools cut it to <20 s)",
  },
  // Existing nodes: a preempted pod is requeued by Kueue onto capacity that is already there.
  kubernetes: { value: 0, source: "existing nodes: no provisioning (Kueue requeues onto present capacity)" },
};

/** Disks containerd unpacks images onto and the trainer downloads weights onto. */
export type NodeDisk = "pd-balanced" | "pd-ssd" | "gp3" | "nvme";

/** Sustained write throughput of a node disk, MB/s. */
export const DISK_MBPS: Readonly<Record<NodeDisk, Figure>> = {
  // Amazon EBS User Guide, "General Purpose SSD volumes": gp3 baseline 125 MiB/s (up to 1,000 provisioned).
  gp3: { value: 125 * MiB, source: "AWS EBS docs: gp3 baseline 125 MiB/s" },
  // Compute Engine "About Persistent Disk performance": pd-balanced baseline 140 MiB/s (+0.28 MiB/s per GiB).
  "pd-balanced": { value: 140 * MiB, source: "GCP PD performance docs: pd-balanced baseline 140 MiB/s" },
  // Same page: pd-ssd 0.48 MiB/s per GiB; at the kit's 500 GiB boot disk 240 MiB/s.
  "pd-ssd": { value: 240 * MiB, source: "GCP PD performance docs: pd-ssd 0.48 MiB/s per GiB (500 GiB → 240 MiB/s)" },
  // GCP Local SSD: 350 MiB/s write per 375 GiB NVMe device; one device taken (RAID0 of several is faster).
  nvme: { value: 350 * MiB, source: "GCP Local SSD performance docs: 350 MiB/s write per 375 GiB NVMe device (one device, conservative)" },
};

/**
 * Effective pull rate of a gzip-layered image (download + single-threaded gunzip + snapshot), MB of image per
 * second: the unpack, not the disk, bounds a plain pull. Published large-image pulls: 10 GB in 7–10 min (Tensorfuse,
 * "snapshotter graphs", 2025: 17–24 MB/s); 12 GB in 2–8 min (zmalik, "Lazy-pulling container images", 2026:
 * 25–100 MB/s); 20.2 GB pulled + extracted in 8–10 min (BentoML, "Cold-starting LLMs on Kubernetes in under 30
 * seconds", 2025: 34–42 MB/s). 28 MB/s fits all four end-to-end measurements of {@link PUBLISHED_COLD_STARTS} within
 * ±30%; the disk caps it when slower.
 */
export const GZIP_PULL_MBPS: Figure = { value: 28, source: "published large-image pulls 17–42 MB/s (Tensorfuse 2025, zmalik 2026, BentoML 2025)" };

/** How the trainer image reaches a new node. */
export type ImageDelivery = "pulled" | "streamed" | "preloaded";

/** Seconds an image costs when not pulled in full. */
export const IMAGE_FIXED_SECONDS: Readonly<Record<Exclude<ImageDelivery, "pulled">, Figure>> = {
  // GKE image streaming launch post (Google Cloud blog, 2021-11-03): "ImagePulling to Running in a couple of seconds
  // (regardless of container size)"; its author reports a deep-learning image created in 20 s instead of 3 m 50 s.
  streamed: { value: 20, source: "GKE image streaming: deep-learning container created in 20 s instead of 3m50s (Google Cloud blog / W. Denniss, 2021)" },
  // GKE docs, "Use secondary boot disks to preload data or container images": the disk is provisioned in parallel
  // with the node and adds no provisioning time; the same holds for a Bottlerocket data volume from an EBS snapshot.
  preloaded: { value: 0, source: "GKE secondary boot disk docs: provisioned in parallel with the node, no added time" },
};

/** Compressed size of the pinned images the pipeline's GPU stages run, GB. */
export const IMAGE_COMPRESSED_GB: Readonly<Record<"trainer" | "serving", Figure>> = {
  // No published size for axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0; CUDA 12.8 + PyTorch 2.8 + flash-attn +
  // deepspeed images are 8–12 GB compressed (issue 15 of this kit): assumption, 10 GB.
  trainer: { value: 10, source: "assumption 10 GB (CUDA 12.8 + PyTorch + flash-attn images are 8–12 GB; no published size for the pin)" },
  // vllm-project/vllm issue #27154 (2025-10): "docker pull vllm/vllm-openai:latest — the image is around 12 GB".
  serving: { value: 12, source: "vllm-project/vllm issue #27154: vllm/vllm-openai ≈12 GB" },
};

/** Where the base model's weights come from on a restart. */
export type ModelSource = "hub" | "object-store" | "cache-warm" | "cache-cold";

/** Download rate of the base model's weights by source, MB/s (cache-warm: the cache's own rate, see the estimator). */
export const MODEL_SOURCE_MBPS: Readonly<Record<Exclude<ModelSource, "cache-warm">, Figure>> = {
  // huggingface_hub: one file ≈40 MB/s, several shards in parallel >300 MB/s (huggingface_hub discussion summarised
  // on blog.gitcode.com, 2025); sharded safetensors download in parallel (snapshot_download max_workers=8).
  hub: { value: 300, source: "huggingface_hub parallel shard download >300 MB/s, one file ≈40 MB/s (huggingface_hub discussion, 2025)" },
  // Hugging Face "Xet-backed Buckets vs plain S3" benchmark (m5dn.24xlarge, us-east-1, 2026): S3 downloads of
  // 5–100 GB at 399–424 MB/s.
  "object-store": { value: 400, source: "S3 download 5–100 GB at ≈400 MB/s (HF Buckets vs S3 benchmark, m5dn.24xlarge, 2026)" },
  // A cold shared cache fills from the object store at the object store's rate.
  "cache-cold": { value: 400, source: "cold cache fills from the object store (≈400 MB/s, as object-store)" },
};

/** Bytes per parameter of the published weights (bf16 safetensors, what the hub serves for every catalog model). */
export const WEIGHT_BYTES_PER_PARAMETER: Figure = { value: 2, source: "bf16 safetensors on the hub (e.g. Llama-3.1-8B: 16.1 GB for 8.03e9 parameters)" };

/** Seconds of framework start before the first step: imports, CUDA context, NCCL init, dataset from cache. */
export const INIT_SECONDS: Readonly<Record<"trainer" | "light", Figure>> = {
  // BentoML (2025) "Config & Start: ~2 min" for a Llama 3.1 8B server after the pull; Axolotl adds dataset loading
  // from the prepared cache; assumption 120 s.
  trainer: { value: 120, source: "BentoML 2025: config & start ≈2 min after the pull (assumption for Axolotl)" },
  // A small FastAPI server (vertexcover 2025: 2.4 GB image start 7.4 s after the pull bottlenecks were removed).
  light: { value: 7, source: "vertexcover 2025: 2.4 GB image cold start 7.4 s once pull-bound steps were removed" },
};

/** A published end-to-end cold start, with the inputs the estimator needs to reproduce it. */
export interface PublishedColdStart {
  name: string;
  source: string;
  measuredSeconds: number;
  platform: ColdStartPlatform;
  newNode: boolean;
  disk: NodeDisk;
  imageGB: number;
  /** Weights inside the image, read from the node disk at start (GB); 0 when downloaded separately. */
  bakedWeightsGB: number;
  /** Framework start after the pull (`none`: the measurement is the pull alone). */
  init: keyof typeof INIT_SECONDS | "none";
}

/** Published measurements the estimator is held against (test/pipeline/coldstart.test.ts). */
export const PUBLISHED_COLD_STARTS: readonly PublishedColdStart[] = [
  // vertexcover, "How we made a 13 GB LLM container cold-start in 40 seconds" (2025): baseline 571 s on AWS, gp3
  // default (the post's last bottleneck is "the AWS EBS write ceiling"), weights baked into the image.
  {
    name: "vertexcover gpt-oss-20b 13 GB image",
    source: "blog.vertexcover.io/container-coldstart",
    measuredSeconds: 571,
    platform: "kubernetes",
    newNode: false,
    disk: "gp3",
    imageGB: 13,
    bakedWeightsGB: 12,
    init: "light",
  },
  // Same post: 2.4 GB Llama-3.2 container, baseline 91 s.
  {
    name: "vertexcover llama-3.2-1b 2.4 GB image",
    source: "blog.vertexcover.io/container-coldstart",
    measuredSeconds: 91,
    platform: "kubernetes",
    newNode: false,
    disk: "gp3",
    imageGB: 2.4,
    bakedWeightsGB: 2,
    init: "light",
  },
  // BentoML (2025): Llama 3.1 8B container of 20.2 GB (15 GB weights): image pull 5–6 min, extract 3–4 min,
  // config & start ~2 min (weight loading included): midpoint 11 min.
  {
    name: "BentoML llama-3.1-8b 20.2 GB image",
    source: "bentoml.com/blog/cold-starting-llms-on-kubernetes-in-under-30-seconds",
    measuredSeconds: 660,
    platform: "kubernetes",
    newNode: false,
    disk: "gp3",
    imageGB: 20.2,
    bakedWeightsGB: 0,
    init: "trainer",
  },
  // Tensorfuse (2025): "pulling a 10 GB image ... with overlayfs takes 7-10 minutes" (pull only, midpoint 8.5 min).
  {
    name: "Tensorfuse 10 GB image pull",
    source: "tensorfuse.io/docs/blogs/snapshotter_graphs",
    measuredSeconds: 510,
    platform: "kubernetes",
    newNode: false,
    disk: "gp3",
    imageGB: 10,
    bakedWeightsGB: 0,
    init: "none",
  },
];

/** Largest relative error the estimator may show against {@link PUBLISHED_COLD_STARTS} (the figures themselves span ±20%). */
export const COLD_START_ERROR_BOUND = 0.35;
