/**
 * CUDA driver stack facts: driver / toolkit / DCGM pins, NVIDIA's minimum driver per CUDA release, minimum CUDA
 * per GPU architecture, and the driver each platform ships. Tables, each with the date it was checked.
 * Pure data and pure functions (no Pulumi imports).
 *
 * Sources:
 * - NVIDIA CUDA Toolkit release notes, Table 3 "CUDA Toolkit and Corresponding Driver Versions" (Linux x86_64),
 *   rows CUDA 11.8 GA … CUDA 13.2 Update 2, checked 2026-11-29.
 * - NVIDIA CUDA Compatibility guide, "Minor Version Compatibility": 11.x >= 450.80.02, 12.x >= 525.60.13,
 *   13.x >= 580 (13.0 GA: 580.65.06), checked 2026-11-29.
 * - NVIDIA GPU Operator release notes (26.3.2 component list), checked 2026-11-29.
 * - GKE "Install NVIDIA GPU drivers" (driver branch behind `gpuDriverVersion` DEFAULT / LATEST per GKE minor),
 *   EKS AMI release notes, SageMaker DLC notes — see the platform table below for each row's date.
 */
import { GPU_STACK_CHARTS, GPU_STACK_IMAGES } from "../../core/versions";

/** How the kit compares a CUDA version with a driver. */
export const CudaCompatibilityMode = {
  /** Driver >= the driver NVIDIA lists for that exact CUDA release (full feature set, incl. PTX JIT). */
  Strict: "strict",
  /** CUDA minor version compatibility: driver >= the floor of the CUDA major (no PTX JIT of newer PTX). */
  MinorVersion: "minor-version",
  /** The image ships NVIDIA's `cuda-compat` package (forward compatibility, data center GPUs only). */
  Forward: "forward",
} as const;
export type CudaCompatibilityMode = (typeof CudaCompatibilityMode)[keyof typeof CudaCompatibilityMode];

/** One row of NVIDIA's table: a CUDA release and the minimum Linux x86_64 driver it needs. */
export interface CudaDriverRow {
  /** `13.0.2` = CUDA 13.0 Update 2; `.0` is GA. */
  cuda: string;
  /** Minimum driver, full dotted version. */
  minDriver: string;
}

/** NVIDIA's minimum Linux x86_64 driver per CUDA release (newest first). Checked 2026-11-29. */
export const CUDA_MIN_DRIVER: readonly CudaDriverRow[] = [
  { cuda: "13.2.2", minDriver: "595.71.05" },
  { cuda: "13.2.1", minDriver: "595.58.03" },
  { cuda: "13.2.0", minDriver: "595.45.04" },
  { cuda: "13.1.1", minDriver: "590.48.01" },
  { cuda: "13.1.0", minDriver: "590.44.01" },
  { cuda: "13.0.2", minDriver: "580.95.05" },
  { cuda: "13.0.1", minDriver: "580.82.07" },
  { cuda: "13.0.0", minDriver: "580.65.06" },
  { cuda: "12.9.1", minDriver: "575.57.08" },
  { cuda: "12.9.0", minDriver: "575.51.03" },
  { cuda: "12.8.1", minDriver: "570.124.06" },
  { cuda: "12.8.0", minDriver: "570.26" },
  { cuda: "12.6.3", minDriver: "560.35.05" },
  { cuda: "12.6.2", minDriver: "560.35.03" },
  { cuda: "12.6.1", minDriver: "560.35.03" },
  { cuda: "12.6.0", minDriver: "560.28.03" },
  { cuda: "12.5.1", minDriver: "555.42.06" },
  { cuda: "12.5.0", minDriver: "555.42.02" },
  { cuda: "12.4.1", minDriver: "550.54.15" },
  { cuda: "12.4.0", minDriver: "550.54.14" },
  { cuda: "12.3.1", minDriver: "545.23.08" },
  { cuda: "12.3.0", minDriver: "545.23.06" },
  { cuda: "12.2.2", minDriver: "535.104.05" },
  { cuda: "12.2.1", minDriver: "535.86.09" },
  { cuda: "12.2.0", minDriver: "535.54.03" },
  { cuda: "12.1.1", minDriver: "530.30.02" },
  { cuda: "12.1.0", minDriver: "530.30.02" },
  { cuda: "12.0.1", minDriver: "525.85.12" },
  { cuda: "12.0.0", minDriver: "525.60.13" },
  { cuda: "11.8.0", minDriver: "520.61.05" },
];

/** CUDA minor version compatibility: the driver floor of each CUDA major. Checked 2026-11-29. */
export const CUDA_MAJOR_FLOOR: Readonly<Record<string, string>> = { "11": "450.80.02", "12": "525.60.13", "13": "580.65.06" };

/**
 * Forward compatibility (`cuda-compat-<major>-<minor>` in the image): oldest base driver branch the kit accepts.
 * NVIDIA supports the package on data center GPUs with a supported LTSB / production branch as base; R535 is the
 * oldest LTSB NVIDIA still listed (data center driver support matrix, checked 2026-11-29).
 */
export const FORWARD_COMPAT_MIN_BRANCH = 535;

/** Minimum CUDA per GPU architecture (first CUDA release with native SASS for it). Checked 2026-11-29. */
export const ARCHITECTURE_MIN_CUDA: Readonly<Record<string, string>> = {
  turing: "10.0",
  ampere: "11.0",
  ada: "11.8",
  hopper: "11.8",
  blackwell: "12.8",
};

/** A version pin of a driver-stack operand, with the date checked. */
export interface OperandPin {
  version: string;
  checked: string;
  /** Why this is the pin / where it comes from. */
  note: string;
}

/**
 * Driver-stack pins. The driver is set explicitly in the GPU Operator values (it decides the CUDA ceiling); the
 * other operands are the versions the pinned chart ships (its release notes), recorded here so the plan and the
 * contract can name them — change the chart pin and these together.
 */
export const DRIVER_STACK_PINS = {
  gpuOperatorChart: { version: GPU_STACK_CHARTS.gpuOperator.version, checked: GPU_STACK_CHARTS.gpuOperator.checked, note: "Helm chart nvidia/gpu-operator" },
  driver: { version: GPU_STACK_IMAGES.nvidiaDriver.tag, checked: GPU_STACK_IMAGES.nvidiaDriver.checked, note: "R580 LTSB (EOL 2028-08); runs CUDA <= 13.0.x" },
  containerToolkit: { version: "v1.19.1", checked: "2026-11-29", note: "shipped by GPU Operator v26.3.2" },
  devicePlugin: { version: "v0.19.2", checked: "2026-11-29", note: "shipped by GPU Operator v26.3.2 (also GFD)" },
  migManager: { version: "v0.14.2", checked: "2026-11-29", note: "shipped by GPU Operator v26.3.2" },
  dcgmExporter: { version: "4.5.3-4.8.2", checked: "2026-11-29", note: "shipped by GPU Operator v26.3.2 (DCGM 4.5.3, exporter 4.8.2)" },
} as const satisfies Record<string, OperandPin>;

/** CUDA version of the GPU smoke-test image (`GPU_STACK_IMAGES.gpuSmokeTest`). */
export const SMOKE_TEST_CUDA_VERSION = "12.8";

// ---- Platform driver facts ----

/** GKE `gpuDriverVersion` values the kit may set (`INSTALLATION_DISABLED` is for the GPU Operator path). */
export const GkeDriverVersion = { Default: "DEFAULT", Latest: "LATEST" } as const;
export type GkeDriverVersion = (typeof GkeDriverVersion)[keyof typeof GkeDriverVersion];

/** Driver branch GKE installs for DEFAULT / LATEST, from a GKE minor version up. Checked 2026-11-29. */
export const GKE_DRIVER_BRANCHES: readonly { fromGkeMinor: string; DEFAULT: number; LATEST: number }[] = [
  { fromGkeMinor: "1.33", DEFAULT: 570, LATEST: 580 },
  { fromGkeMinor: "1.32", DEFAULT: 550, LATEST: 570 },
  { fromGkeMinor: "1.30", DEFAULT: 535, LATEST: 550 },
];

/** GKE minor version each release channel ran on the date checked (used when the stack does not pin one). */
export const GKE_CHANNEL_MINOR = { RAPID: "1.35", REGULAR: "1.34", STABLE: "1.33", checked: "2026-11-29" } as const;

/** Driver branch of the EKS GPU AMIs (EKS AMI release notes). Checked 2026-11-29. */
export const EKS_AMI_DRIVER_BRANCH = { AL2023_x86_64_NVIDIA: 580, BOTTLEROCKET_x86_64_NVIDIA: 570, checked: "2026-11-29" } as const;

/**
 * SageMaker training hosts: NVIDIA driver branch of the host, and whether AWS Deep Learning Containers ship the
 * CUDA forward-compatibility package (they do; that is why the SageMaker default mode is `forward`). Checked 2026-11-29.
 */
export const SAGEMAKER_HOST_DRIVER = { branch: 535, dlcShipsCudaCompat: true, checked: "2026-11-29" } as const;

// ---- Version arithmetic ----

/** `"580.95.05"` → `[580, 95, 5]`; a bare branch `"580"` → `[580, Infinity, Infinity]` (latest patch of the branch). */
export function parseDriverVersion(v: string): number[] | undefined {
  if (!/^\d{3}(\.\d{1,3}){0,2}$/.test(v)) return undefined;
  const parts = v.split(".").map(Number);
  while (parts.length < 3) parts.push(Infinity);
  return parts;
}

/** `"12.4"` → `[12, 4, 0]`; `"12.4.1"` → `[12, 4, 1]`. */
export function parseCudaVersion(v: string): number[] | undefined {
  if (!/^\d{1,2}\.\d{1,2}(\.\d{1,3})?$/.test(v)) return undefined;
  const parts = v.split(".").map(Number);
  if (parts.length === 2) parts.push(0);
  return parts;
}

/** Compares two numeric version tuples. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return 0;
}

/** The table row for a CUDA version (exact update when known, else the newest update of that minor). */
export function cudaRow(cuda: string): CudaDriverRow | undefined {
  const v = parseCudaVersion(cuda);
  if (!v) return undefined;
  const exact = CUDA_MIN_DRIVER.find((r) => compareVersions(parseCudaVersion(r.cuda)!, v) === 0);
  if (exact) return exact;
  // An update newer than the table knows: the newest known row of that minor is the best lower bound.
  return CUDA_MIN_DRIVER.find((r) => {
    const rv = parseCudaVersion(r.cuda)!;
    return rv[0] === v[0] && rv[1] === v[1];
  });
}

/** CUDA releases the table knows, as `major.minor` (for messages). */
export function knownCudaMinors(): string[] {
  return [...new Set(CUDA_MIN_DRIVER.map((r) => r.cuda.split(".").slice(0, 2).join(".")))];
}

/** Highest CUDA `major.minor` a driver runs with the full feature set (NVIDIA's table). */
export function maxCudaForDriver(driver: string): string | undefined {
  const d = parseDriverVersion(driver);
  if (!d) return undefined;
  const row = CUDA_MIN_DRIVER.find((r) => compareVersions(d, parseDriverVersion(r.minDriver)!) >= 0);
  return row ? row.cuda.split(".").slice(0, 2).join(".") : undefined;
}

/** The oldest driver branch whose drivers run a CUDA version with the full feature set, e.g. `580` for 13.0. */
export function minBranchForCuda(cuda: string): number | undefined {
  const row = cudaRow(cuda);
  return row ? parseDriverVersion(row.minDriver)![0] : undefined;
}

/** The driver branch of a version string (`"580.95.05"` → 580). */
export function driverBranch(driver: string): number | undefined {
  return parseDriverVersion(driver)?.[0];
}
