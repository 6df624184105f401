/**
 * GPU × driver × CUDA compatibility check. Runs before any resource is created: the stacks call
 * {@link assertCudaCompatibility} with every pipeline's training-image CUDA version, its pool's GPU and the
 * driver the platform runs. Pure functions (no Pulumi resources).
 */
import { ConfigError, type Problem } from "../../core/problem";
import { GPU_TYPES, gpuSpec, isGpuType } from "../../core/gpu-catalog";
import {
  ARCHITECTURE_MIN_CUDA,
  CUDA_MAJOR_FLOOR,
  CudaCompatibilityMode,
  FORWARD_COMPAT_MIN_BRANCH,
  compareVersions,
  cudaRow,
  driverBranch,
  knownCudaMinors,
  maxCudaForDriver,
  parseCudaVersion,
  parseDriverVersion,
} from "./versions";

/** Platforms the check knows (how the driver gets onto the node differs, and so does the fix). */
export type DriverPlatform = "kubernetes" | "eks" | "karpenter" | "gke" | "sagemaker";

/** Inputs of one check. */
export interface CudaCompatibilityInput {
  /** GPU catalog key of the pool. */
  gpuType: string;
  /** Driver on the nodes: a full version (`580.95.05`) or a branch (`570`, meaning its newest patch). */
  driverVersion: string;
  /** CUDA version of the training image (`12.4`, `12.4.1`, `13.0`). */
  cudaVersion: string;
  platform: DriverPlatform;
  /** How CUDA and driver are compared. @default "strict" */
  mode?: CudaCompatibilityMode;
  /** Pipeline name, for the message. */
  pipelineName?: string;
  /** Pool name, for the message. */
  poolName?: string;
  /** How to get a newer driver on this platform, as the user would do it (replaces the platform's generic text). */
  driverFix?: string;
}

/** Generic "how to get a newer driver" per platform; the stacks pass a config-specific `driverFix` instead. */
const DRIVER_FIX: Record<DriverPlatform, (branch: number) => string> = {
  kubernetes: (b) => `set finetune:driverStack.driverVersion to an R${b} or newer driver`,
  eks: (b) => `use an EKS NVIDIA AMI that ships an R${b} or newer driver`,
  karpenter: (b) => `pin the EC2NodeClass AMI alias to a release that ships an R${b} or newer driver`,
  gke: (b) => `set the node pool's gpuDriverVersion to one that installs R${b} or newer (finetune:driverStack.gkeDriverVersion)`,
  sagemaker: (b) => `use a training image that ships the CUDA forward-compatibility package, or an instance whose host driver is R${b} or newer`,
};

function subject(i: CudaCompatibilityInput, gpuName: string): string {
  const who = [i.pipelineName ? `pipeline "${i.pipelineName}"` : undefined, i.poolName ? `pool "${i.poolName}"` : undefined].filter(Boolean).join(", ");
  return `${who ? `${who}: ` : ""}GPU ${gpuName} (${i.gpuType}) with NVIDIA driver ${i.driverVersion} on ${i.platform} and CUDA ${i.cudaVersion}`;
}

function imageFix(maxCuda: string | undefined): string {
  return maxCuda ? `use a training image built for CUDA ${maxCuda} or older` : "use a training image built for an older CUDA";
}

/** Config key a compatibility problem is reported under when the check names none. */
const DEFAULT_COMPATIBILITY_KEY = "finetune:pipelines[].compute.cudaVersion";

/**
 * Checks one GPU / driver / CUDA combination. Returns the problems (empty when compatible) under the check's
 * `key`; each names the GPU, the driver and the CUDA version, and says how to fix it.
 */
export function checkCudaCompatibility(input: CudaCompatibilityAssertion): Problem[] {
  return compatibilityMessages(input).map((message) => ({ path: input.key ?? DEFAULT_COMPATIBILITY_KEY, message }));
}

function compatibilityMessages(input: CudaCompatibilityInput): string[] {
  const mode = input.mode ?? CudaCompatibilityMode.Strict;
  if (!isGpuType(input.gpuType)) {
    return [
      `GPU type "${input.gpuType}" with NVIDIA driver ${input.driverVersion} and CUDA ${input.cudaVersion}: unknown GPU type (use one of ${GPU_TYPES.join(", ")})`,
    ];
  }
  const spec = gpuSpec(input.gpuType);
  const what = subject(input, spec.displayName);
  const cuda = parseCudaVersion(input.cudaVersion);
  const driver = parseDriverVersion(input.driverVersion);
  const problems: string[] = [];
  if (!cuda) problems.push(`${what}: "${input.cudaVersion}" is not a CUDA version (write it as major.minor or major.minor.update, e.g. 12.4 or 12.4.1)`);
  if (!driver) problems.push(`${what}: "${input.driverVersion}" is not an NVIDIA driver version (write it as 580.95.05 or as a branch such as 580)`);
  if (!cuda || !driver) return problems;

  const row = cudaRow(input.cudaVersion);
  if (!row) {
    return [
      `${what}: CUDA ${input.cudaVersion} is not in NVIDIA's driver table the kit knows (use one of ${knownCudaMinors().reverse().join(", ")}, or add the release to CUDA_MIN_DRIVER in components/cuda-driver-stack/versions.ts)`,
    ];
  }
  const branch = driverBranch(input.driverVersion)!;
  const maxCuda = maxCudaForDriver(input.driverVersion);
  const fixDriver = (b: number) => input.driverFix ?? DRIVER_FIX[input.platform](b);

  // 1. The GPU's architecture needs a CUDA new enough to have code for it.
  const archMin = ARCHITECTURE_MIN_CUDA[spec.architecture];
  if (compareVersions(cuda, parseCudaVersion(archMin)!) < 0) {
    problems.push(`${what}: ${spec.architecture} GPUs need CUDA ${archMin} or newer (use a training image built for CUDA ${archMin} or newer)`);
  }
  // 2. The GPU needs a driver branch that knows it.
  if (branch < spec.minDriverBranch) {
    problems.push(`${what}: ${spec.displayName} needs an R${spec.minDriverBranch} or newer driver (${fixDriver(spec.minDriverBranch)})`);
  }
  // 3. The driver must run the image's CUDA, as the mode defines it.
  if (mode === CudaCompatibilityMode.Strict) {
    const need = parseDriverVersion(row.minDriver)!;
    if (compareVersions(driver, need) < 0) {
      problems.push(`${what}: CUDA ${input.cudaVersion} needs driver ${row.minDriver} or newer (${fixDriver(need[0])}, or ${imageFix(maxCuda)})`);
    }
  } else if (mode === CudaCompatibilityMode.MinorVersion) {
    const floor = CUDA_MAJOR_FLOOR[String(cuda[0])];
    if (floor && compareVersions(driver, parseDriverVersion(floor)!) < 0) {
      problems.push(
        `${what}: CUDA ${cuda[0]}.x needs driver ${floor} or newer even with minor version compatibility (${fixDriver(parseDriverVersion(floor)![0])}, or ${imageFix(maxCuda)})`,
      );
    }
  } else if (branch < FORWARD_COMPAT_MIN_BRANCH) {
    problems.push(
      `${what}: CUDA forward compatibility needs a base driver of R${FORWARD_COMPAT_MIN_BRANCH} or newer (${fixDriver(FORWARD_COMPAT_MIN_BRANCH)})`,
    );
  }
  return problems;
}

/** One check plus the config key its problems belong to. */
export interface CudaCompatibilityAssertion extends CudaCompatibilityInput {
  /** Config key the problems are reported under. @default "finetune:pipelines[].compute.cudaVersion" */
  key?: string;
}

/**
 * Runs every check and throws one {@link ConfigError} listing all problems (keyed like
 * `finetune:pipelines[0].compute.cudaVersion`). Call it before creating any resource.
 */
export function assertCudaCompatibility(checks: CudaCompatibilityAssertion | CudaCompatibilityAssertion[]): void {
  const list = Array.isArray(checks) ? checks : [checks];
  const problems = list.flatMap(checkCudaCompatibility);
  if (problems.length) throw new ConfigError(problems);
}
