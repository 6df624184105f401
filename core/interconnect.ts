/**
 * Node-side facts for short cold starts and multi-node training: which machine offers which fast interconnect
 * (EFA, GPUDirect-TCPX / TCPXO, RDMA), which carries local NVMe for containerd / kubelet / scratch, the user data
 * that puts ephemeral storage on it, and the image sizes a cold start pulls. Facts in tables, each with its source;
 * pure data and pure functions (no Pulumi imports).
 *
 * Sources (checked 2026-12-01 unless a row says otherwise):
 * - [EC2-EFA] AWS EC2 user guide, "Elastic Fabric Adapter – supported instance types" and "Maximize network bandwidth
 *   on instances with multiple network cards" (docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html):
 *   primary interface on card 0 / device 0, one EFA(-only) interface per further network card; `efaMaximumInterfaces`
 *   is what `aws ec2 describe-instance-types --query InstanceTypes[].NetworkInfo.EfaInfo` reports.
 * - [EC2-ACC] AWS EC2 "Accelerated computing instance specifications" (network bandwidth, instance store volumes).
 * - [GCE-GPU] Google Cloud "GPU machine types" and "Maximize GPU network bandwidth" (cloud.google.com/kubernetes-engine
 *   /docs/how-to/gpu-bandwidth-gpudirect-tcpx, /gpudirect-tcpxo, /gpu-bandwidth-gpudirect-rdma): A3 High → TCPX with
 *   4 GPU NICs, A3 Mega → TCPXO with 8, A3 Ultra and A4 → RDMA (RoCE) with 8 CX-7 NICs.
 * - [GKE-LSSD] GKE "Provision ephemeral storage with Local SSD": A2 Ultra, A3, A4 and G2 bundle Local SSD; with
 *   `localSsdCount: 0` on a bundled-SSD machine GKE uses every bundled disk.
 * Figures marked `estimate: true` were not re-read from the upstream page in this session: treat them as such.
 */

import type { InterconnectKind } from "./contracts/gpu-pool";

/** One machine type's fast interconnect. */
export interface InterconnectFact {
  kind: InterconnectKind;
  /** Fast NICs per node: EFA interfaces (EC2), GPU NICs (TCPX / TCPXO), RDMA NICs (A3 Ultra / A4). */
  devices: number;
  /** Inter-node bandwidth of one node in Gbit/s over those NICs. */
  gbps: number;
  /** Where the figure comes from (a key of the module's source list). */
  source: string;
  /** True when the figure was not re-read upstream in this session. */
  estimate?: boolean;
  /** GKE: additional node networks (`networkConfig.additionalNodeNetworkConfigs`) the NICs need: one VPC per GPU NIC (TCPX 4, TCPXO 8), or one gVNIC VPC plus one RDMA subnet per NIC (A3 Ultra / A4: 9). */
  gkeAdditionalNetworks?: number;
}

const efa = (devices: number, gbps: number, estimate = false): InterconnectFact => ({
  kind: "efa",
  devices,
  gbps,
  source: "EC2-EFA, EC2-ACC",
  ...(estimate ? { estimate } : {}),
});

/**
 * EC2 instance types of the GPU catalog that offer EFA. Types absent here offer none (g*.xlarge…4xlarge, p5.4xlarge
 * is left out until checked). P-family counts: p4d/p4de 4 × 100 Gbps, p5/p5e 32 × 100 Gbps (EFAv2), p5en 16 × 200
 * Gbps (EFAv3), p6-b200 8 × 400 Gbps (EFAv4). G-family large sizes carry one EFA interface (g6e.24xlarge 2,
 * g6e.48xlarge 4).
 */
export const AWS_INTERCONNECT: Readonly<Record<string, InterconnectFact>> = {
  "p4d.24xlarge": efa(4, 400),
  "p4de.24xlarge": efa(4, 400),
  "p5.48xlarge": efa(32, 3200),
  "p5e.48xlarge": efa(32, 3200),
  "p5en.48xlarge": efa(16, 3200),
  "p6-b200.48xlarge": efa(8, 3200),
  "g4dn.8xlarge": efa(1, 50, true),
  "g4dn.12xlarge": efa(1, 50, true),
  "g4dn.16xlarge": efa(1, 50, true),
  "g4dn.metal": efa(1, 100, true),
  "g5.8xlarge": efa(1, 25, true),
  "g5.12xlarge": efa(1, 40, true),
  "g5.16xlarge": efa(1, 25, true),
  "g5.24xlarge": efa(1, 50, true),
  "g5.48xlarge": efa(1, 100, true),
  "g6.8xlarge": efa(1, 25, true),
  "g6.12xlarge": efa(1, 40, true),
  "g6.16xlarge": efa(1, 25, true),
  "g6.24xlarge": efa(1, 50, true),
  "g6.48xlarge": efa(1, 100, true),
  "g6e.8xlarge": efa(1, 25, true),
  "g6e.12xlarge": efa(1, 100, true),
  "g6e.16xlarge": efa(1, 35, true),
  "g6e.24xlarge": efa(2, 200, true),
  "g6e.48xlarge": efa(4, 400, true),
};

/**
 * GCE machine types of the GPU catalog with a GPU-to-GPU network beyond the primary gVNIC [GCE-GPU]. A3 Mega
 * (`a3-megagpu-8g`, TCPXO, 8 GPU NICs, 1600 Gbps) is listed for the policy and for users who bring the machine type,
 * although the GPU catalog does not carry it yet.
 */
export const GCP_INTERCONNECT: Readonly<Record<string, InterconnectFact>> = {
  "a3-highgpu-8g": { kind: "tcpx", devices: 4, gbps: 800, source: "GCE-GPU", gkeAdditionalNetworks: 4 },
  "a3-megagpu-8g": { kind: "tcpxo", devices: 8, gbps: 1600, source: "GCE-GPU", gkeAdditionalNetworks: 8 },
  "a3-ultragpu-8g": { kind: "rdma", devices: 8, gbps: 3200, source: "GCE-GPU", gkeAdditionalNetworks: 9 },
  "a4-highgpu-8g": { kind: "rdma", devices: 8, gbps: 3200, source: "GCE-GPU", gkeAdditionalNetworks: 9 },
};

/** The "no fast interconnect" fact. */
export const NO_INTERCONNECT: InterconnectFact = { kind: "none", devices: 0, gbps: 0, source: "-" };

/** Extended resource the EFA device plugin advertises; pods request one per EFA interface they use. */
export const EFA_RESOURCE = "vpc.amazonaws.com/efa";

/** The EFA fact of an EC2 instance type (none when it offers no EFA). */
export function awsInterconnect(instanceType: string): InterconnectFact {
  return AWS_INTERCONNECT[instanceType] ?? NO_INTERCONNECT;
}

/** The interconnect fact of a GCE machine type (none when it has no GPU NICs). */
export function gcpInterconnect(machineType: string): InterconnectFact {
  return GCP_INTERCONNECT[machineType] ?? NO_INTERCONNECT;
}

/**
 * The EFA interfaces every instance type of a diversified list offers (the smallest count: one launch template
 * serves them all), or 0 when any of them has none.
 */
export function commonEfaInterfaces(instanceTypes: readonly string[]): number {
  if (instanceTypes.length === 0) return 0;
  return Math.min(...instanceTypes.map((t) => awsInterconnect(t).devices));
}

/** NVMe instance store of an EC2 instance type in GB (decimal, as EC2 lists it) [EC2-ACC]. */
export const AWS_INSTANCE_STORE_GB: Readonly<Record<string, number>> = {
  "g4dn.xlarge": 125,
  "g4dn.2xlarge": 225,
  "g4dn.4xlarge": 225,
  "g4dn.8xlarge": 900,
  "g4dn.16xlarge": 900,
  "g4dn.12xlarge": 900,
  "g4dn.metal": 1800,
  "g5.xlarge": 250,
  "g5.2xlarge": 450,
  "g5.4xlarge": 600,
  "g5.8xlarge": 900,
  "g5.16xlarge": 1900,
  "g5.12xlarge": 3800,
  "g5.24xlarge": 3800,
  "g5.48xlarge": 7600,
  "g6.xlarge": 250,
  "g6.2xlarge": 450,
  "g6.4xlarge": 600,
  "g6.8xlarge": 900,
  "g6.16xlarge": 1880,
  "g6.12xlarge": 3760,
  "g6.24xlarge": 3760,
  "g6.48xlarge": 7520,
  "g6e.xlarge": 250,
  "g6e.2xlarge": 450,
  "g6e.4xlarge": 600,
  "g6e.8xlarge": 900,
  "g6e.16xlarge": 1900,
  "g6e.12xlarge": 3800,
  "g6e.24xlarge": 3800,
  "g6e.48xlarge": 7600,
  "p4d.24xlarge": 8000,
  "p4de.24xlarge": 8000,
  "p5.4xlarge": 3840,
  "p5.48xlarge": 30720,
  "p5e.48xlarge": 30720,
  "p5en.48xlarge": 30720,
  "p6-b200.48xlarge": 30720,
};

/** Bundled Local SSD disks (375 GB each) of GCE GPU machine types [GKE-LSSD]; types absent here bundle none. */
export const GCP_BUNDLED_LOCAL_SSD: Readonly<Record<string, number>> = {
  "g2-standard-4": 1,
  "g2-standard-8": 1,
  "g2-standard-12": 1,
  "g2-standard-16": 1,
  "g2-standard-32": 1,
  "g2-standard-24": 2,
  "g2-standard-48": 4,
  "g2-standard-96": 8,
  "a2-ultragpu-1g": 1,
  "a2-ultragpu-2g": 2,
  "a2-ultragpu-4g": 4,
  "a2-ultragpu-8g": 8,
  "a3-highgpu-1g": 2,
  "a3-highgpu-2g": 4,
  "a3-highgpu-4g": 8,
  "a3-highgpu-8g": 16,
  "a3-megagpu-8g": 16,
  "a3-ultragpu-8g": 32,
  "a4-highgpu-8g": 32,
};

/** Size of one bundled GCE Local SSD disk in GB. */
export const GCP_LOCAL_SSD_GB = 375;

/** The smallest NVMe instance store (GB) across a diversified list of EC2 types; 0 when any has none. */
export function commonInstanceStoreGb(instanceTypes: readonly string[]): number {
  if (instanceTypes.length === 0) return 0;
  return Math.min(...instanceTypes.map((t) => AWS_INSTANCE_STORE_GB[t] ?? 0));
}

/** Local SSD of a GCE machine type in GB (0 when it bundles none). */
export function gcpLocalSsdGb(machineType: string): number {
  return (GCP_BUNDLED_LOCAL_SSD[machineType] ?? 0) * GCP_LOCAL_SSD_GB;
}

// ---- Images a cold start pulls --------------------------------------------------------------------

/** What a node pulls before the first training step, with the pull policy the kit's pods use. */
export interface ImageSizeFact {
  /** `repository:tag` as pinned in core/versions.ts. */
  image: string;
  /** Compressed (registry) size in GB: what crosses the network on a cold pull. */
  compressedGB: number;
  /** Unpacked size on the node's disk in GB. */
  unpackedGB: number;
  source: string;
  estimate: boolean;
}

/**
 * Sizes of the large stage images. Not re-read from the registries in this session (no registry access): the
 * compressed figures are the ranges issue 15 states (Axolotl on CUDA 8–12 GB, vLLM ~12 GB) at their upper end, and
 * the unpacked figures assume the ~2× ratio of CUDA/PyTorch layers. Replace them with `docker manifest inspect` /
 * `crane manifest` sums before relying on them. Every pinned tag is immutable, so pods use
 * `imagePullPolicy: IfNotPresent`: a node that already holds the image (cached, preloaded or streamed) never pulls it again.
 */
export const IMAGE_SIZES = {
  trainer: {
    image: "axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0",
    compressedGB: 12,
    unpackedGB: 24,
    source: "issue 15 (8–12 GB compressed); unpacked ≈ 2×",
    estimate: true,
  },
  serving: { image: "vllm/vllm-openai:v0.11.0", compressedGB: 12, unpackedGB: 24, source: "issue 15 (~12 GB compressed); unpacked ≈ 2×", estimate: true },
} as const satisfies Record<string, ImageSizeFact>;

/** The pull policy the kit's stage pods use for pinned (immutable) tags. */
export const IMAGE_PULL_POLICY = "IfNotPresent" as const;
