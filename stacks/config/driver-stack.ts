import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type CudaCompatibilityAssertion, type DriverPlatform, checkCudaCompatibility } from "../../components/cuda-driver-stack/compatibility";
import { type CudaDriverStackArgs, type PlainCudaDriverStackArgs, gkeDriverBranch, planDriverStack } from "../../components/cuda-driver-stack/driver-stack";
import { CudaCompatibilityMode, GKE_CHANNEL_MINOR, SMOKE_TEST_CUDA_VERSION, minBranchForCuda } from "../../components/cuda-driver-stack/versions";
import { ConfigError, type Problem } from "./errors";
import { type ResolvedGpuPool, resolveGpuPools } from "./gpu-pools";
import { DNS_LABEL } from "../../core/kubernetes";

/** `finetune:driverStack` — the CUDA driver stack and the cluster's GPU add-ons (Kueue). */
export const DriverStackConfigSchema = z.strictObject({
  /** How the driver reaches the nodes. @default - "gpu-operator" on kubernetes, "preinstalled" on gcp and aws-sagemaker */
  mode: z.enum(["gpu-operator", "preinstalled"]).optional(),
  /** Install the GPU Operator (false: it is already installed; the kit only checks compatibility). @default true */
  install: z.boolean().default(true),
  /**
   * NVIDIA driver: what the GPU Operator installs (gpu-operator), or what the nodes run (preinstalled; a version or a branch).
   * @default - gpu-operator: the kit's pin; gcp: GKE's DEFAULT/LATEST branch for the cluster version; aws-sagemaker: the SageMaker host driver
   */
  driverVersion: z
    .string()
    .regex(/^\d{3}(\.\d{1,3}){0,2}$/, "must be an NVIDIA driver version such as 580.95.05, or a branch such as 580")
    .optional(),
  /** GKE driver GKE installs on the GPU node pools. @default "DEFAULT" */
  gkeDriverVersion: z.enum(["DEFAULT", "LATEST"]).default("DEFAULT"),
  /** GKE minor version of the cluster (picks the driver branch behind DEFAULT / LATEST). @default - the release channel's current minor */
  gkeVersion: z
    .string()
    .regex(/^1\.\d{2}$/, "must be a GKE minor version (write major.minor, e.g. 1.34)")
    .optional(),
  /** How CUDA and driver are compared. @default - "forward" on aws-sagemaker (AWS DLCs ship cuda-compat), "strict" elsewhere */
  cudaCompatibility: z.enum(["strict", "minor-version", "forward"]).optional(),
  /** MIG strategy for pools with `mig`. @default "single" */
  migStrategy: z.enum(["single", "mixed"]).default("single"),
  /** Time-slicing through the device plugin (gpu-operator only): pods per GPU. @default - off */
  timeSlicing: z.strictObject({ /** Pods sharing one GPU. */ replicas: z.number().int().min(2).max(48) }).optional(),
  /** Run the DCGM exporter (GKE: managed DCGM). @default true */
  dcgmExporter: z.boolean().default(true),
  /** Run the GPU smoke-test Job on every pool (it scales each pool up once). @default false */
  smokeTest: z.boolean().default(false),
  /** Namespace of the GPU Operator (the only `privileged` namespace). @default "gpu-operator" */
  namespace: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lowercase letters, digits, '-')").max(63).default("gpu-operator"),
  /** Kueue. @default {} */
  kueue: z
    .strictObject({
      /** Install Kueue (false: it is already installed). @default true */
      install: z.boolean().default(true),
      /** Requeue a workload whose pods are not all running after this long (spot capacity that never came). @default "10m" */
      waitForPodsReadyTimeout: z
        .string()
        .regex(/^([0-9]+(s|m|h))+$/, "must be a duration (write a whole number with s, m or h, e.g. 10m)")
        .default("10m"),
    })
    .prefault({}),
});
export type DriverStackConfig = z.infer<typeof DriverStackConfigSchema>;

/** The kit config fields this module reads (a structural subset of `KitConfig`). */
export interface GpuKitConfig {
  target: "kubernetes" | "gcp" | "aws-sagemaker";
  gcp?: { cluster: { releaseChannel: "RAPID" | "REGULAR" | "STABLE" } };
  gpuPools: Parameters<typeof resolveGpuPools>[1];
  driverStack: DriverStackConfig;
  pipelines: Array<{ name: string; compute: { pool: string; cudaVersion?: string } }>;
}

/** Driver platform of each target. */
export const DRIVER_PLATFORM: Record<GpuKitConfig["target"], DriverPlatform & CudaDriverStackArgs["platform"]> = {
  kubernetes: "kubernetes",
  gcp: "gke",
  "aws-sagemaker": "sagemaker",
};

/** The CudaDriverStack arguments a stack config asks for (`serviceMonitorLabels` come from the monitoring contract). */
export function driverStackArgs(cfg: GpuKitConfig, pools: ResolvedGpuPool[]): PlainCudaDriverStackArgs {
  const ds = cfg.driverStack;
  const migProfiles = pools.flatMap((p) => (p.mig ? [p.mig.profile] : []));
  return {
    platform: DRIVER_PLATFORM[cfg.target],
    mode: ds.mode,
    install: ds.install,
    driverVersion: ds.driverVersion,
    gkeDriverVersion: ds.gkeDriverVersion,
    gkeVersion: ds.gkeVersion ?? (cfg.gcp ? GKE_CHANNEL_MINOR[cfg.gcp.cluster.releaseChannel] : undefined),
    // GKE partitions MIG itself (gpuPartitionSize); the operator's MIG manager runs only where the kit runs the operator.
    migProfiles: cfg.target === "gcp" ? [] : migProfiles,
    migStrategy: migProfiles.length && cfg.target !== "gcp" ? ds.migStrategy : undefined,
    timeSlicingReplicas: ds.timeSlicing?.replicas,
    dcgmExporter: ds.dcgmExporter,
    namespace: ds.namespace,
  };
}

/** Config key of a CudaDriverStack argument. */
const DRIVER_ARG_KEY: Record<string, string> = {
  mode: "mode",
  driverVersion: "driverVersion",
  gkeVersion: "gkeVersion",
  timeSlicingReplicas: "timeSlicing.replicas",
  migProfiles: "migStrategy",
  eksAmiType: "mode",
  platform: "mode",
};

/** How a user of this config gets a driver of branch `need` or newer. */
function driverFix(cfg: GpuKitConfig, need: number, gkeVersion: string | undefined): string {
  if (cfg.target === "gcp") {
    const latest = gkeVersion ? gkeDriverBranch(gkeVersion, "LATEST") : undefined;
    if (cfg.driverStack.gkeDriverVersion === "DEFAULT" && latest !== undefined && latest >= need) {
      return `set finetune:driverStack.gkeDriverVersion to LATEST (R${latest} on GKE ${gkeVersion})`;
    }
    return `run a GKE version whose GPU driver is R${need} or newer (finetune:driverStack.gkeVersion)`;
  }
  if (cfg.target === "aws-sagemaker") {
    return `keep finetune:driverStack.cudaCompatibility "forward" with an AWS DLC image (it ships cuda-compat), or use a host with an R${need} or newer driver`;
  }
  if ((cfg.driverStack.mode ?? "gpu-operator") === "gpu-operator")
    return `set finetune:driverStack.driverVersion to an R${need} or newer driver for the GPU Operator to install`;
  return `upgrade the nodes to an R${need} or newer driver and set finetune:driverStack.driverVersion to it`;
}

/** Everything the stacks need from the GPU config, resolved and checked before any resource exists. */
export interface ResolvedGpuConfig {
  pools: ResolvedGpuPool[];
  driverStack: PlainCudaDriverStackArgs;
  /** The driver the nodes run (version or branch) and where that fact came from. */
  driverVersion: string;
  driverSource: string;
  cudaCompatibility: CudaCompatibilityMode;
}

/**
 * Resolves `finetune:gpuPools` and `finetune:driverStack` for the target and runs every check that needs both:
 * target-specific pool rules, the driver stack plan, and the GPU × driver × CUDA check of every pipeline
 * (`finetune:pipelines[i].compute.cudaVersion`) and of the smoke-test image. Throws one {@link ConfigError}
 * listing every problem. The stacks call it first, before creating any resource.
 */
export function resolveGpuConfig(cfg: GpuKitConfig): ResolvedGpuConfig {
  const pools = resolveGpuPools(cfg.target, cfg.gpuPools);
  const args = driverStackArgs(cfg, pools);
  let plan: ReturnType<typeof planDriverStack>;
  try {
    plan = planDriverStack("driverStack", args);
  } catch (e) {
    if (e instanceof pulumi.InputPropertiesError) {
      throw new ConfigError(e.errors.map((x) => ({ path: `finetune:driverStack.${DRIVER_ARG_KEY[x.propertyPath] ?? x.propertyPath}`, message: x.reason })));
    }
    throw e;
  }
  const platform = DRIVER_PLATFORM[cfg.target];
  const mode = (cfg.driverStack.cudaCompatibility ?? (cfg.target === "aws-sagemaker" ? "forward" : "strict")) as CudaCompatibilityMode;
  const byName = new Map(pools.map((p) => [p.name, p]));
  const checks: CudaCompatibilityAssertion[] = [];
  cfg.pipelines.forEach((p, i) => {
    const pool = byName.get(p.compute.pool);
    if (!pool || !p.compute.cudaVersion) return;
    const need = minBranchForCuda(p.compute.cudaVersion) ?? 0;
    checks.push({
      key: `finetune:pipelines[${i}].compute.cudaVersion`,
      gpuType: pool.gpuType,
      driverVersion: plan.driverVersion,
      cudaVersion: p.compute.cudaVersion,
      platform,
      mode,
      pipelineName: p.name,
      poolName: pool.name,
      driverFix: driverFix(cfg, need, args.gkeVersion),
    });
  });
  if (cfg.driverStack.smokeTest && cfg.target !== "aws-sagemaker") {
    for (const pool of pools) {
      checks.push({
        key: "finetune:driverStack.smokeTest",
        gpuType: pool.gpuType,
        driverVersion: plan.driverVersion,
        cudaVersion: SMOKE_TEST_CUDA_VERSION,
        platform,
        mode,
        pipelineName: "gpu-smoke-test",
        poolName: pool.name,
        driverFix: driverFix(cfg, minBranchForCuda(SMOKE_TEST_CUDA_VERSION) ?? 0, args.gkeVersion),
      });
    }
  }
  const problems: Problem[] = checks.flatMap(checkCudaCompatibility);
  if (problems.length) throw new ConfigError(problems);
  return { pools, driverStack: args, driverVersion: plan.driverVersion, driverSource: plan.driverSource, cudaCompatibility: mode };
}
