import { describe, expect, it } from "vitest";
import { assertCudaCompatibility, checkCudaCompatibility } from "../../components/cuda-driver-stack/compatibility";
import { CUDA_MIN_DRIVER, maxCudaForDriver, minBranchForCuda } from "../../components/cuda-driver-stack/versions";
import { ConfigError } from "../../stacks/config/errors";
import { parseKitConfig } from "../../stacks/config/load";
import { resolveGpuConfig } from "../../stacks/config/driver-stack";

describe("version tables", () => {
  it("NVIDIA's minimum driver per CUDA release, 11.8 … 13.2", () => {
    const byCuda = Object.fromEntries(CUDA_MIN_DRIVER.map((r) => [r.cuda, r.minDriver]));
    expect(byCuda).toMatchObject({
      "11.8.0": "520.61.05",
      "12.0.0": "525.60.13",
      "12.4.0": "550.54.14",
      "12.8.0": "570.26",
      "12.9.0": "575.51.03",
      "13.0.0": "580.65.06",
      "13.0.2": "580.95.05",
      "13.1.0": "590.44.01",
      "13.2.0": "595.45.04",
    });
    expect(maxCudaForDriver("580.105.08")).toBe("13.0");
    expect(maxCudaForDriver("570")).toBe("12.8");
    expect(maxCudaForDriver("535.104.05")).toBe("12.2");
    expect(minBranchForCuda("13.0")).toBe(580);
  });
});

describe("checkCudaCompatibility on every platform", () => {
  const ok: Array<[string, Parameters<typeof checkCudaCompatibility>[0]]> = [
    ["kubernetes: H100, operator driver 580.105.08, CUDA 13.0", { gpuType: "h100", driverVersion: "580.105.08", cudaVersion: "13.0", platform: "kubernetes" }],
    ["eks: B200, AL2023 R580, CUDA 12.8", { gpuType: "b200", driverVersion: "580", cudaVersion: "12.8", platform: "eks" }],
    ["karpenter: L40S, R580, CUDA 12.4.1", { gpuType: "l40s", driverVersion: "580", cudaVersion: "12.4.1", platform: "karpenter" }],
    ["gke: L4, R570 (DEFAULT), CUDA 12.8", { gpuType: "l4", driverVersion: "570", cudaVersion: "12.8", platform: "gke" }],
    [
      "sagemaker: A10G, host R535, CUDA 12.8 with forward compatibility",
      { gpuType: "a10g", driverVersion: "535", cudaVersion: "12.8", platform: "sagemaker", mode: "forward" },
    ],
    [
      "kubernetes: T4, 535.104.05, CUDA 12.6 with minor version compatibility",
      { gpuType: "t4", driverVersion: "535.104.05", cudaVersion: "12.6", platform: "kubernetes", mode: "minor-version" },
    ],
  ];
  it.each(ok)("compatible — %s", (_t, input) => {
    expect(checkCudaCompatibility(input)).toEqual([]);
  });

  const bad: Array<[string, Parameters<typeof checkCudaCompatibility>[0], string[]]> = [
    [
      "gke: CUDA 13.0 image on the DEFAULT R570 driver",
      { gpuType: "l4", driverVersion: "570", cudaVersion: "13.0", platform: "gke", pipelineName: "chat", poolName: "l4" },
      [
        'pipeline "chat", pool "l4": GPU NVIDIA L4 (l4) with NVIDIA driver 570 on gke and CUDA 13.0: CUDA 13.0 needs driver 580.65.06 or newer (set the node pool\'s gpuDriverVersion to one that installs R580 or newer (finetune:driverStack.gkeDriverVersion), or use a training image built for CUDA 12.8 or older)',
      ],
    ],
    [
      "kubernetes: B200 on an R550 driver with CUDA 12.4 (GPU too new for driver and CUDA)",
      { gpuType: "b200", driverVersion: "550.54.15", cudaVersion: "12.4", platform: "kubernetes" },
      [
        "GPU NVIDIA B200 180GB (b200) with NVIDIA driver 550.54.15 on kubernetes and CUDA 12.4: blackwell GPUs need CUDA 12.8 or newer (use a training image built for CUDA 12.8 or newer)",
        "GPU NVIDIA B200 180GB (b200) with NVIDIA driver 550.54.15 on kubernetes and CUDA 12.4: NVIDIA B200 180GB needs an R570 or newer driver (set finetune:driverStack.driverVersion to an R570 or newer driver)",
      ],
    ],
    [
      "eks: H100 with a CUDA 11.7-era image",
      { gpuType: "h100", driverVersion: "580", cudaVersion: "11.0", platform: "eks" },
      [
        "GPU NVIDIA H100 80GB (h100) with NVIDIA driver 580 on eks and CUDA 11.0: CUDA 11.0 is not in NVIDIA's driver table the kit knows (use one of 11.8, 12.0, 12.1, 12.2, 12.3, 12.4, 12.5, 12.6, 12.8, 12.9, 13.0, 13.1, 13.2, or add the release to CUDA_MIN_DRIVER in components/cuda-driver-stack/versions.ts)",
      ],
    ],
    [
      "eks: H200 on Bottlerocket R570 with CUDA 13.1",
      { gpuType: "h200", driverVersion: "570", cudaVersion: "13.1", platform: "eks" },
      [
        "GPU NVIDIA H200 141GB (h200) with NVIDIA driver 570 on eks and CUDA 13.1: CUDA 13.1 needs driver 590.44.01 or newer (use an EKS NVIDIA AMI that ships an R590 or newer driver, or use a training image built for CUDA 12.8 or older)",
      ],
    ],
    [
      "sagemaker: forward compatibility needs a supported base driver",
      { gpuType: "a10g", driverVersion: "470", cudaVersion: "12.4", platform: "sagemaker", mode: "forward" },
      [
        "GPU NVIDIA A10G (a10g) with NVIDIA driver 470 on sagemaker and CUDA 12.4: CUDA forward compatibility needs a base driver of R535 or newer (use a training image that ships the CUDA forward-compatibility package, or an instance whose host driver is R535 or newer)",
      ],
    ],
    [
      "karpenter: strict 12.9 on an old 12.8 driver",
      { gpuType: "a100-80gb", driverVersion: "570.124.06", cudaVersion: "12.9", platform: "karpenter", driverFix: "pin alias al2023@v20251110" },
      [
        "GPU NVIDIA A100 80GB (a100-80gb) with NVIDIA driver 570.124.06 on karpenter and CUDA 12.9: CUDA 12.9 needs driver 575.51.03 or newer (pin alias al2023@v20251110, or use a training image built for CUDA 12.8 or older)",
      ],
    ],
    [
      "minor-version compatibility still needs the major's floor",
      { gpuType: "t4", driverVersion: "520.61.05", cudaVersion: "12.2", platform: "kubernetes", mode: "minor-version" },
      [
        "GPU NVIDIA T4 (t4) with NVIDIA driver 520.61.05 on kubernetes and CUDA 12.2: CUDA 12.x needs driver 525.60.13 or newer even with minor version compatibility (set finetune:driverStack.driverVersion to an R525 or newer driver, or use a training image built for CUDA 11.8 or older)",
      ],
    ],
    [
      "malformed versions",
      { gpuType: "l4", driverVersion: "r580", cudaVersion: "cu128", platform: "kubernetes" },
      [
        'GPU NVIDIA L4 (l4) with NVIDIA driver r580 on kubernetes and CUDA cu128: "cu128" is not a CUDA version (write it as major.minor or major.minor.update, e.g. 12.4 or 12.4.1)',
        'GPU NVIDIA L4 (l4) with NVIDIA driver r580 on kubernetes and CUDA cu128: "r580" is not an NVIDIA driver version (write it as 580.95.05 or as a branch such as 580)',
      ],
    ],
    [
      "unknown GPU",
      { gpuType: "v100", driverVersion: "580", cudaVersion: "12.8", platform: "kubernetes" },
      ['GPU type "v100" with NVIDIA driver 580 and CUDA 12.8: unknown GPU type (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)'],
    ],
  ];
  it.each(bad)("incompatible — %s", (_t, input, expected) => {
    expect(checkCudaCompatibility(input).map((p) => p.message)).toEqual(expected);
  });

  it("assertCudaCompatibility throws one ConfigError keyed by the pipeline's cudaVersion", () => {
    expect(() =>
      assertCudaCompatibility([
        { key: "finetune:pipelines[0].compute.cudaVersion", gpuType: "h100", driverVersion: "550", cudaVersion: "13.0", platform: "kubernetes" },
      ]),
    ).toThrow(ConfigError);
    try {
      assertCudaCompatibility({
        key: "finetune:pipelines[2].compute.cudaVersion",
        gpuType: "h100",
        driverVersion: "550",
        cudaVersion: "13.0",
        platform: "kubernetes",
      });
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(["finetune:pipelines[2].compute.cudaVersion"]);
      expect((e as ConfigError).message).toMatch(
        /^Invalid finetune-kit configuration \(1 problem\):\n  finetune:pipelines\[2\]\.compute\.cudaVersion: GPU NVIDIA H100 80GB \(h100\) with NVIDIA driver 550 on kubernetes and CUDA 13\.0: CUDA 13\.0 needs driver 580\.65\.06/,
      );
    }
    expect(() => assertCudaCompatibility({ gpuType: "h100", driverVersion: "580", cudaVersion: "13.0", platform: "kubernetes" })).not.toThrow();
  });
});

describe("resolveGpuConfig: the stacks' check before any resource", () => {
  function withPipelines(raw: Record<string, unknown>, pipelines: Array<{ name: string; compute: { pool: string; cudaVersion?: string } }>) {
    return { ...parseKitConfig(raw), pipelines };
  }
  function problems(cfg: Parameters<typeof resolveGpuConfig>[0]): string[] {
    try {
      resolveGpuConfig(cfg);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
  }
  const gcp = { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" }, gpuPools: [{ name: "l4", gpuType: "l4" }] };

  it("gcp: DEFAULT (R570 on GKE 1.34) cannot run CUDA 13.0; the fix names gkeDriverVersion LATEST; LATEST passes", () => {
    expect(problems(withPipelines(gcp, [{ name: "chat", compute: { pool: "l4", cudaVersion: "13.0" } }]))).toEqual([
      'finetune:pipelines[0].compute.cudaVersion: pipeline "chat", pool "l4": GPU NVIDIA L4 (l4) with NVIDIA driver 570 on gke and CUDA 13.0: CUDA 13.0 needs driver 580.65.06 or newer (set finetune:driverStack.gkeDriverVersion to LATEST (R580 on GKE 1.34), or use a training image built for CUDA 12.8 or older)',
    ]);
    const r = resolveGpuConfig(
      withPipelines({ ...gcp, driverStack: { gkeDriverVersion: "LATEST" } }, [{ name: "chat", compute: { pool: "l4", cudaVersion: "13.0" } }]),
    );
    expect(r).toMatchObject({ driverVersion: "580", driverSource: "GKE 1.34 gpuDriverVersion LATEST", cudaCompatibility: "strict" });
    expect(r.driverStack).toMatchObject({ platform: "gke", gkeDriverVersion: "LATEST", gkeVersion: "1.34" });
  });

  it("kubernetes: the GPU Operator pin runs CUDA 13.0; an older explicit driver does not", () => {
    const k8s = { target: "kubernetes", kubernetes: { context: "c" }, gpuPools: [{ name: "h100", gpuType: "h100", gpusPerNode: 8 }] };
    expect(problems(withPipelines(k8s, [{ name: "p", compute: { pool: "h100", cudaVersion: "13.0" } }]))).toEqual([]);
    expect(
      problems(withPipelines({ ...k8s, driverStack: { driverVersion: "570.195.03" } }, [{ name: "p", compute: { pool: "h100", cudaVersion: "13.0" } }])),
    ).toEqual([
      'finetune:pipelines[0].compute.cudaVersion: pipeline "p", pool "h100": GPU NVIDIA H100 80GB (h100) with NVIDIA driver 570.195.03 on kubernetes and CUDA 13.0: CUDA 13.0 needs driver 580.65.06 or newer (set finetune:driverStack.driverVersion to an R580 or newer driver for the GPU Operator to install, or use a training image built for CUDA 12.8 or older)',
    ]);
    expect(problems(withPipelines({ ...k8s, driverStack: { mode: "preinstalled" } }, []))).toEqual([
      "finetune:driverStack.driverVersion: is required with mode preinstalled on kubernetes (set it to the driver the nodes run, e.g. 580.95.05)",
    ]);
  });

  it("aws-sagemaker: forward compatibility by default; strict mode flags CUDA newer than the host driver", () => {
    const aws = { target: "aws-sagemaker", aws: { region: "us-east-1" }, gpuPools: [{ name: "b200", gpuType: "b200" }] };
    expect(problems(withPipelines(aws, [{ name: "p", compute: { pool: "b200", cudaVersion: "12.8" } }]))).toEqual([
      'finetune:pipelines[0].compute.cudaVersion: pipeline "p", pool "b200": GPU NVIDIA B200 180GB (b200) with NVIDIA driver 535 on sagemaker and CUDA 12.8: NVIDIA B200 180GB needs an R570 or newer driver (keep finetune:driverStack.cudaCompatibility "forward" with an AWS DLC image (it ships cuda-compat), or use a host with an R570 or newer driver)',
    ]);
    const a10 = { ...aws, gpuPools: [{ name: "g5", gpuType: "a10g" }] };
    expect(problems(withPipelines(a10, [{ name: "p", compute: { pool: "g5", cudaVersion: "12.8" } }]))).toEqual([]);
    expect(
      problems(withPipelines({ ...a10, driverStack: { cudaCompatibility: "strict" } }, [{ name: "p", compute: { pool: "g5", cudaVersion: "12.8" } }])),
    ).toHaveLength(1);
  });

  it("checks the smoke-test image too when smokeTest is on", () => {
    const gcpOld = { ...gcp, driverStack: { smokeTest: true, gkeVersion: "1.31" } };
    expect(problems(withPipelines(gcpOld, []))).toEqual([
      'finetune:driverStack.smokeTest: pipeline "gpu-smoke-test", pool "l4": GPU NVIDIA L4 (l4) with NVIDIA driver 535 on gke and CUDA 12.8: CUDA 12.8 needs driver 570.26 or newer (run a GKE version whose GPU driver is R570 or newer (finetune:driverStack.gkeVersion), or use a training image built for CUDA 12.2 or older)',
    ]);
  });
});
