/**
 * The GPU catalog: every GPU type the kit knows, with the facts each platform needs. One table; every
 * lookup in the kit goes through the helpers below. Checked 2026-11-29 against the AWS EC2 accelerated
 * instance pages, the SageMaker instance pricing page, the GCP GPU machine-types page and NVIDIA's CUDA GPU
 * compute-capability table. `memoryGiB` is the memory as NVIDIA sells it (e.g. 141 for H200), for names and
 * messages; `memoryMiB` is what the driver reports (`nvidia-smi` "Memory-Usage" total, MiB) and is what the
 * sizing checks against (L4 23034 MiB ≈ 22.5 GiB, not 24). Sources of each MiB figure: `nvidia-smi` output
 * published in public repositories and cloud docs (checked 2026-12-01 with the kit's code search: L4 23034,
 * A10G 23028, L40S 46068, H100 80GB HBM3 81559, H200 143771, B200 183359); T4 15360, A100 40GB 40960 and
 * A100 80GB 81920 are the sizes NVIDIA's datasheets give and `nvidia-smi` prints (15360MiB, 40960MiB, 81920MiB).
 * `peakDenseTflops` is the dense (no sparsity) bf16 tensor-core peak from NVIDIA's datasheets (fp16 for T4,
 * which has no bf16), used by the cost estimate.
 *
 * Pure data and pure functions: no Pulumi imports.
 */

/** GPU architectures the kit knows, oldest first. */
export const GpuArchitecture = {
  Turing: "turing",
  Ampere: "ampere",
  Ada: "ada",
  Hopper: "hopper",
  Blackwell: "blackwell",
} as const;
export type GpuArchitecture = (typeof GpuArchitecture)[keyof typeof GpuArchitecture];

/** One machine shape that carries a GPU type (an EC2 instance type or a GCE machine type). */
export interface MachineShape {
  /** `g5.12xlarge`, `a2-ultragpu-8g`, … */
  name: string;
  /** GPUs attached to one machine of this shape. */
  gpus: number;
  /** vCPUs of the machine. */
  vcpus: number;
  /** Host memory in GiB. */
  memoryGiB: number;
}

/** A GCE machine shape, plus the boot disk types it supports (A3 Ultra and A4 take Hyperdisk only). */
export interface GcpMachineShape extends MachineShape {
  /** Boot disk type the kit uses for this machine. */
  bootDiskType: "pd-balanced" | "pd-ssd" | "hyperdisk-balanced";
}

/** A SageMaker training instance type (`ml.*`). */
export interface SageMakerShape {
  name: string;
  gpus: number;
}

/** Everything the kit knows about one GPU type. */
export interface GpuSpec {
  /** Catalog key as users write it in config (`finetune:gpuPools[].gpuType`). */
  key: string;
  /** Marketing name, for messages. */
  displayName: string;
  /** Memory of one GPU in GiB as sold (names and messages). */
  memoryGiB: number;
  /** Memory of one GPU as the driver reports it (`nvidia-smi`), MiB: what the sizing checks against. */
  memoryMiB: number;
  /** Dense bf16 tensor-core peak, TFLOPS (fp16 where the GPU has no bf16), NVIDIA datasheet. */
  peakDenseTflops: number;
  /** The GPU computes in bf16 (compute capability ≥ 8.0): Axolotl `bf16: auto` trains in pure bf16, else fp16 mixed precision. */
  bf16: boolean;
  architecture: GpuArchitecture;
  /** CUDA compute capability, e.g. `8.0`. */
  computeCapability: string;
  /** Oldest NVIDIA data center driver branch that supports this GPU (NVIDIA data center driver release notes). */
  minDriverBranch: number;
  /** MIG profiles the GPU supports (empty: no MIG). */
  migProfiles: readonly string[];
  /** Host CPU and memory per GPU used for Kueue cpu/memory quotas when the node shape is not known (existing nodes). */
  hostPerGpu: { vcpus: number; memoryGiB: number };
  aws: {
    /** EC2 instance types that carry this GPU, smallest first (several per GPU count: spot diversification). */
    instanceTypes: readonly MachineShape[];
    /** Value of the Karpenter well-known label `karpenter.k8s.aws/instance-gpu-name`. */
    karpenterGpuName: string;
    /** EC2 instance families (`karpenter.k8s.aws/instance-family`) that carry this exact GPU. */
    instanceFamilies: readonly string[];
  } | null;
  /** SageMaker training instance types, smallest first; empty when SageMaker has none. */
  sagemaker: readonly SageMakerShape[];
  gcp: {
    /** `guest_accelerator.type` value. */
    acceleratorType: string;
    machineTypes: readonly GcpMachineShape[];
  } | null;
}

const m = (name: string, gpus: number, vcpus: number, memoryGiB: number): MachineShape => ({ name, gpus, vcpus, memoryGiB });
const g = (name: string, gpus: number, vcpus: number, memoryGiB: number, bootDiskType: GcpMachineShape["bootDiskType"] = "pd-balanced"): GcpMachineShape => ({
  name,
  gpus,
  vcpus,
  memoryGiB,
  bootDiskType,
});
const sm = (name: string, gpus: number): SageMakerShape => ({ name, gpus });

/** The catalog. Keys are lowercase; `gpuType` in config must be one of them. */
export const GPU_CATALOG = {
  t4: {
    key: "t4",
    displayName: "NVIDIA T4",
    memoryGiB: 16,
    memoryMiB: 15360,
    peakDenseTflops: 65,
    bf16: false,
    architecture: "turing",
    computeCapability: "7.5",
    minDriverBranch: 418,
    migProfiles: [],
    hostPerGpu: { vcpus: 8, memoryGiB: 30 },
    aws: {
      instanceTypes: [
        m("g4dn.xlarge", 1, 4, 16),
        m("g4dn.2xlarge", 1, 8, 32),
        m("g4dn.4xlarge", 1, 16, 64),
        m("g4dn.8xlarge", 1, 32, 128),
        m("g4dn.16xlarge", 1, 64, 256),
        m("g4dn.12xlarge", 4, 48, 192),
        m("g4dn.metal", 8, 96, 384),
      ],
      karpenterGpuName: "t4",
      instanceFamilies: ["g4dn"],
    },
    sagemaker: [
      sm("ml.g4dn.xlarge", 1),
      sm("ml.g4dn.2xlarge", 1),
      sm("ml.g4dn.4xlarge", 1),
      sm("ml.g4dn.8xlarge", 1),
      sm("ml.g4dn.16xlarge", 1),
      sm("ml.g4dn.12xlarge", 4),
    ],
    gcp: { acceleratorType: "nvidia-tesla-t4", machineTypes: [g("n1-standard-8", 1, 8, 30), g("n1-standard-16", 2, 16, 60), g("n1-standard-32", 4, 32, 120)] },
  },
  a10g: {
    key: "a10g",
    displayName: "NVIDIA A10G",
    memoryGiB: 24,
    memoryMiB: 23028,
    peakDenseTflops: 70,
    bf16: true,
    architecture: "ampere",
    computeCapability: "8.6",
    minDriverBranch: 460,
    migProfiles: [],
    hostPerGpu: { vcpus: 8, memoryGiB: 32 },
    aws: {
      instanceTypes: [
        m("g5.xlarge", 1, 4, 16),
        m("g5.2xlarge", 1, 8, 32),
        m("g5.4xlarge", 1, 16, 64),
        m("g5.8xlarge", 1, 32, 128),
        m("g5.16xlarge", 1, 64, 256),
        m("g5.12xlarge", 4, 48, 192),
        m("g5.24xlarge", 4, 96, 384),
        m("g5.48xlarge", 8, 192, 768),
      ],
      karpenterGpuName: "a10g",
      instanceFamilies: ["g5"],
    },
    sagemaker: [
      sm("ml.g5.xlarge", 1),
      sm("ml.g5.2xlarge", 1),
      sm("ml.g5.4xlarge", 1),
      sm("ml.g5.8xlarge", 1),
      sm("ml.g5.16xlarge", 1),
      sm("ml.g5.12xlarge", 4),
      sm("ml.g5.24xlarge", 4),
      sm("ml.g5.48xlarge", 8),
    ],
    gcp: null,
  },
  l4: {
    key: "l4",
    displayName: "NVIDIA L4",
    memoryGiB: 24,
    memoryMiB: 23034,
    peakDenseTflops: 121,
    bf16: true,
    architecture: "ada",
    computeCapability: "8.9",
    minDriverBranch: 525,
    migProfiles: [],
    hostPerGpu: { vcpus: 8, memoryGiB: 32 },
    aws: {
      instanceTypes: [
        m("g6.xlarge", 1, 4, 16),
        m("g6.2xlarge", 1, 8, 32),
        m("g6.4xlarge", 1, 16, 64),
        m("g6.8xlarge", 1, 32, 128),
        m("g6.16xlarge", 1, 64, 256),
        m("g6.12xlarge", 4, 48, 192),
        m("g6.24xlarge", 4, 96, 384),
        m("g6.48xlarge", 8, 192, 768),
      ],
      karpenterGpuName: "l4",
      instanceFamilies: ["g6"],
    },
    sagemaker: [
      sm("ml.g6.xlarge", 1),
      sm("ml.g6.2xlarge", 1),
      sm("ml.g6.4xlarge", 1),
      sm("ml.g6.8xlarge", 1),
      sm("ml.g6.16xlarge", 1),
      sm("ml.g6.12xlarge", 4),
      sm("ml.g6.24xlarge", 4),
      sm("ml.g6.48xlarge", 8),
    ],
    gcp: {
      acceleratorType: "nvidia-l4",
      machineTypes: [
        g("g2-standard-4", 1, 4, 16),
        g("g2-standard-8", 1, 8, 32),
        g("g2-standard-12", 1, 12, 48),
        g("g2-standard-16", 1, 16, 64),
        g("g2-standard-32", 1, 32, 128),
        g("g2-standard-24", 2, 24, 96),
        g("g2-standard-48", 4, 48, 192),
        g("g2-standard-96", 8, 96, 384),
      ],
    },
  },
  l40s: {
    key: "l40s",
    displayName: "NVIDIA L40S",
    memoryGiB: 48,
    memoryMiB: 46068,
    peakDenseTflops: 362,
    bf16: true,
    architecture: "ada",
    computeCapability: "8.9",
    minDriverBranch: 525,
    migProfiles: [],
    hostPerGpu: { vcpus: 8, memoryGiB: 64 },
    aws: {
      instanceTypes: [
        m("g6e.xlarge", 1, 4, 32),
        m("g6e.2xlarge", 1, 8, 64),
        m("g6e.4xlarge", 1, 16, 128),
        m("g6e.8xlarge", 1, 32, 256),
        m("g6e.16xlarge", 1, 64, 512),
        m("g6e.12xlarge", 4, 48, 384),
        m("g6e.24xlarge", 4, 96, 768),
        m("g6e.48xlarge", 8, 192, 1536),
      ],
      karpenterGpuName: "l40s",
      instanceFamilies: ["g6e"],
    },
    sagemaker: [
      sm("ml.g6e.xlarge", 1),
      sm("ml.g6e.2xlarge", 1),
      sm("ml.g6e.4xlarge", 1),
      sm("ml.g6e.8xlarge", 1),
      sm("ml.g6e.16xlarge", 1),
      sm("ml.g6e.12xlarge", 4),
      sm("ml.g6e.24xlarge", 4),
      sm("ml.g6e.48xlarge", 8),
    ],
    gcp: null,
  },
  "a100-40gb": {
    key: "a100-40gb",
    displayName: "NVIDIA A100 40GB",
    memoryGiB: 40,
    memoryMiB: 40960,
    peakDenseTflops: 312,
    bf16: true,
    architecture: "ampere",
    computeCapability: "8.0",
    minDriverBranch: 450,
    migProfiles: ["1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"],
    hostPerGpu: { vcpus: 12, memoryGiB: 85 },
    aws: { instanceTypes: [m("p4d.24xlarge", 8, 96, 1152)], karpenterGpuName: "a100", instanceFamilies: ["p4d"] },
    sagemaker: [sm("ml.p4d.24xlarge", 8)],
    gcp: {
      acceleratorType: "nvidia-tesla-a100",
      machineTypes: [
        g("a2-highgpu-1g", 1, 12, 85),
        g("a2-highgpu-2g", 2, 24, 170),
        g("a2-highgpu-4g", 4, 48, 340),
        g("a2-highgpu-8g", 8, 96, 680),
        g("a2-megagpu-16g", 16, 96, 1360),
      ],
    },
  },
  "a100-80gb": {
    key: "a100-80gb",
    displayName: "NVIDIA A100 80GB",
    memoryGiB: 80,
    memoryMiB: 81920,
    peakDenseTflops: 312,
    bf16: true,
    architecture: "ampere",
    computeCapability: "8.0",
    minDriverBranch: 450,
    migProfiles: ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    hostPerGpu: { vcpus: 12, memoryGiB: 170 },
    aws: { instanceTypes: [m("p4de.24xlarge", 8, 96, 1152)], karpenterGpuName: "a100", instanceFamilies: ["p4de"] },
    sagemaker: [sm("ml.p4de.24xlarge", 8)],
    gcp: {
      acceleratorType: "nvidia-a100-80gb",
      machineTypes: [g("a2-ultragpu-1g", 1, 12, 170), g("a2-ultragpu-2g", 2, 24, 340), g("a2-ultragpu-4g", 4, 48, 680), g("a2-ultragpu-8g", 8, 96, 1360)],
    },
  },
  h100: {
    key: "h100",
    displayName: "NVIDIA H100 80GB",
    memoryGiB: 80,
    memoryMiB: 81559,
    peakDenseTflops: 989,
    bf16: true,
    architecture: "hopper",
    computeCapability: "9.0",
    minDriverBranch: 525,
    migProfiles: ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    hostPerGpu: { vcpus: 24, memoryGiB: 234 },
    aws: { instanceTypes: [m("p5.4xlarge", 1, 16, 256), m("p5.48xlarge", 8, 192, 2048)], karpenterGpuName: "h100", instanceFamilies: ["p5"] },
    sagemaker: [sm("ml.p5.48xlarge", 8)],
    gcp: {
      acceleratorType: "nvidia-h100-80gb",
      machineTypes: [
        g("a3-highgpu-1g", 1, 26, 234, "pd-ssd"),
        g("a3-highgpu-2g", 2, 52, 468, "pd-ssd"),
        g("a3-highgpu-4g", 4, 104, 936, "pd-ssd"),
        g("a3-highgpu-8g", 8, 208, 1872, "pd-ssd"),
      ],
    },
  },
  h200: {
    key: "h200",
    displayName: "NVIDIA H200 141GB",
    memoryGiB: 141,
    memoryMiB: 143771,
    peakDenseTflops: 989,
    bf16: true,
    architecture: "hopper",
    computeCapability: "9.0",
    minDriverBranch: 550,
    migProfiles: ["1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"],
    hostPerGpu: { vcpus: 24, memoryGiB: 256 },
    aws: { instanceTypes: [m("p5e.48xlarge", 8, 192, 2048), m("p5en.48xlarge", 8, 192, 2048)], karpenterGpuName: "h200", instanceFamilies: ["p5e", "p5en"] },
    sagemaker: [sm("ml.p5e.48xlarge", 8), sm("ml.p5en.48xlarge", 8)],
    gcp: { acceleratorType: "nvidia-h200-141gb", machineTypes: [g("a3-ultragpu-8g", 8, 224, 2952, "hyperdisk-balanced")] },
  },
  b200: {
    key: "b200",
    displayName: "NVIDIA B200 180GB",
    memoryGiB: 180,
    memoryMiB: 183359,
    peakDenseTflops: 2250,
    bf16: true,
    architecture: "blackwell",
    computeCapability: "10.0",
    minDriverBranch: 570,
    migProfiles: ["1g.23gb", "1g.45gb", "2g.45gb", "3g.90gb", "4g.90gb", "7g.180gb"],
    hostPerGpu: { vcpus: 24, memoryGiB: 256 },
    aws: { instanceTypes: [m("p6-b200.48xlarge", 8, 192, 2048)], karpenterGpuName: "b200", instanceFamilies: ["p6-b200"] },
    sagemaker: [sm("ml.p6-b200.48xlarge", 8)],
    gcp: { acceleratorType: "nvidia-b200", machineTypes: [g("a4-highgpu-8g", 8, 224, 3968, "hyperdisk-balanced")] },
  },
} as const satisfies Record<string, GpuSpec>;

/** Memory of one GPU as the driver reports it, in bytes (what training may allocate at most). */
export function driverMemoryBytes(key: string): number {
  return gpuSpec(key).memoryMiB * 1024 ** 2;
}

/** A GPU type key of the catalog. */
export type GpuType = keyof typeof GPU_CATALOG;

/** Every GPU type key, in catalog order. */
export const GPU_TYPES = Object.keys(GPU_CATALOG) as GpuType[];

/** True when `key` is a catalog GPU type. */
export function isGpuType(key: string): key is GpuType {
  return Object.prototype.hasOwnProperty.call(GPU_CATALOG, key);
}

/** The message for an unknown GPU type: what is wrong and the list of known types. */
export function unknownGpuTypeMessage(key: string): string {
  return `"${key}" is not a GPU type the kit knows (use one of ${GPU_TYPES.join(", ")})`;
}

/** The catalog entry of a GPU type; throws with the list of known types when it is unknown. */
export function gpuSpec(key: string): GpuSpec {
  if (!isGpuType(key)) throw new Error(unknownGpuTypeMessage(key));
  return GPU_CATALOG[key];
}

/** Platforms whose machine shapes the catalog lists. */
export type CatalogPlatform = "aws" | "gcp" | "sagemaker";

/** The machine shapes of a GPU on a platform (empty when the platform does not offer the GPU). */
export function machineShapes(key: string, platform: CatalogPlatform): readonly MachineShape[] {
  const spec = gpuSpec(key);
  if (platform === "aws") return spec.aws?.instanceTypes ?? [];
  if (platform === "gcp") return spec.gcp?.machineTypes ?? [];
  return spec.sagemaker.map((s) => ({ name: s.name, gpus: s.gpus, vcpus: 0, memoryGiB: 0 }));
}

/** GPU counts per machine the platform offers for a GPU type, ascending and unique. */
export function gpuCountsOffered(key: string, platform: CatalogPlatform): number[] {
  return [...new Set(machineShapes(key, platform).map((s) => s.gpus))].sort((a, b) => a - b);
}

/** Smallest GPU count per machine the platform offers (the default `gpusPerNode`). */
export function defaultGpusPerNode(key: string, platform: CatalogPlatform): number {
  return gpuCountsOffered(key, platform)[0] ?? 1;
}

/** EC2 instance types carrying exactly `gpus` GPUs of this type (the diversified spot list). */
export function awsInstanceTypes(key: string, gpus: number): MachineShape[] {
  return machineShapes(key, "aws").filter((s) => s.gpus === gpus);
}

/** The GCE machine shape carrying exactly `gpus` GPUs of this type (the smallest one when several do). */
export function gcpMachineType(key: string, gpus: number): GcpMachineShape | undefined {
  return (gpuSpec(key).gcp?.machineTypes ?? []).find((s) => s.gpus === gpus);
}

/** The SageMaker `ml.*` instance type carrying exactly `gpus` GPUs of this type (the smallest one). */
export function sagemakerInstanceType(key: string, gpus: number): string | undefined {
  return gpuSpec(key).sagemaker.find((s) => s.gpus === gpus)?.name;
}

/** Finds the catalog shape of an instance / machine type by name on a platform. */
export function findShape(platform: CatalogPlatform, name: string): { gpuType: GpuType; shape: MachineShape } | undefined {
  for (const key of GPU_TYPES) {
    const shape = machineShapes(key, platform).find((s) => s.name === name);
    if (shape) return { gpuType: key, shape };
  }
  return undefined;
}

/** The GPU type whose GCP accelerator name is `acceleratorType`. */
export function gpuTypeOfGcpAccelerator(acceleratorType: string): GpuType | undefined {
  return GPU_TYPES.find((k) => GPU_CATALOG[k].gcp?.acceleratorType === acceleratorType);
}

/** Platforms (catalog names) that offer a GPU type, for error messages. */
export function platformsOffering(key: string): CatalogPlatform[] {
  const spec = gpuSpec(key);
  const out: CatalogPlatform[] = [];
  if (spec.aws) out.push("aws");
  if (spec.gcp) out.push("gcp");
  if (spec.sagemaker.length) out.push("sagemaker");
  return out;
}
