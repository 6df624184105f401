/**
 * Every exported component's argument interface with its `<X>_INPUT_ARGS` (typed `pulumi.Input`) and
 * `<X>_PLAIN_ARGS` (plain, with the reason): what the README's "Which arguments take outputs" table and
 * test/components/input-args.test.ts read. The fields themselves are read from the source (one level, as written).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_REGISTRY_INPUT_ARGS, AWS_REGISTRY_PLAIN_ARGS } from "../components/artifact-registry/aws";
import { EKS_IDENTITY_INPUT_ARGS, EKS_IDENTITY_PLAIN_ARGS } from "../components/artifact-registry/aws-workload-identity";
import { GCP_REGISTRY_INPUT_ARGS, GCP_REGISTRY_PLAIN_ARGS } from "../components/artifact-registry/gcp";
import { KUBERNETES_STORE_INPUT_ARGS, KUBERNETES_STORE_PLAIN_ARGS } from "../components/artifact-registry/kubernetes";
import { CUDA_DRIVER_STACK_INPUT_ARGS, CUDA_DRIVER_STACK_PLAIN_ARGS } from "../components/cuda-driver-stack/driver-stack";
import { GPU_SMOKE_TEST_INPUT_ARGS, GPU_SMOKE_TEST_PLAIN_ARGS } from "../components/cuda-driver-stack/smoke-test";
import { EFA_DEVICE_PLUGIN_INPUT_ARGS, EFA_DEVICE_PLUGIN_PLAIN_ARGS } from "../components/gpu-node-pool/efa-device-plugin";
import { EKS_INPUT_ARGS, EKS_PLAIN_ARGS } from "../components/gpu-node-pool/eks";
import { GKE_INPUT_ARGS, GKE_PLAIN_ARGS } from "../components/gpu-node-pool/gke";
import { KARPENTER_INPUT_ARGS, KARPENTER_PLAIN_ARGS } from "../components/gpu-node-pool/karpenter";
import { INTERRUPTION_QUEUE_INPUT_ARGS, INTERRUPTION_QUEUE_PLAIN_ARGS } from "../components/gpu-node-pool/karpenter-interruption";
import { KUEUE_GPU_POOL_INPUT_ARGS, KUEUE_GPU_POOL_PLAIN_ARGS, KUEUE_INSTALL_INPUT_ARGS, KUEUE_INSTALL_PLAIN_ARGS } from "../components/gpu-node-pool/kueue";
import { MODEL_CACHE_INPUT_ARGS, MODEL_CACHE_PLAIN_ARGS } from "../components/model-cache";
import { CLOUD_MONITORING_INPUT_ARGS, CLOUD_MONITORING_PLAIN_ARGS } from "../components/monitoring/cloud-monitoring";
import { CLOUDWATCH_INPUT_ARGS, CLOUDWATCH_PLAIN_ARGS } from "../components/monitoring/cloudwatch";
import { PROMETHEUS_INPUT_ARGS, PROMETHEUS_PLAIN_ARGS } from "../components/monitoring/prometheus";
import { KUBERNETES_PIPELINE_INPUT_ARGS, KUBERNETES_PIPELINE_PLAIN_ARGS } from "../components/pipeline/kubernetes";
import { SAGEMAKER_PIPELINE_INPUT_ARGS, SAGEMAKER_PIPELINE_PLAIN_ARGS } from "../components/pipeline/sagemaker";
import { PLATFORM_INPUT_ARGS, PLATFORM_PLAIN_ARGS } from "../components/platform";
import { PIPELINE_NAMESPACE_INPUT_ARGS, PIPELINE_NAMESPACE_PLAIN_ARGS } from "../components/platform/pipeline-namespace";

/** One component's argument lists. */
export interface ComponentArgs {
  /** Class name. */
  component: string;
  /** Source file of the class and its argument interface (from the repository root). */
  file: string;
  /** Name of the argument interface. */
  argsInterface: string;
  /** Arguments typed `pulumi.Input` (or named types holding Inputs). */
  inputArgs: readonly string[];
  /** Plain arguments and the reason each is plain. */
  plainArgs: Record<string, string>;
}

/** Every exported component, in the README's order. */
export const COMPONENT_ARGS: ComponentArgs[] = [
  {
    component: "EksGpuNodePool",
    file: "components/gpu-node-pool/eks.ts",
    argsInterface: "EksGpuNodePoolArgs",
    inputArgs: EKS_INPUT_ARGS,
    plainArgs: EKS_PLAIN_ARGS,
  },
  {
    component: "KarpenterGpuNodePool",
    file: "components/gpu-node-pool/karpenter.ts",
    argsInterface: "KarpenterGpuNodePoolArgs",
    inputArgs: KARPENTER_INPUT_ARGS,
    plainArgs: KARPENTER_PLAIN_ARGS,
  },
  {
    component: "KarpenterInterruptionQueue",
    file: "components/gpu-node-pool/karpenter-interruption.ts",
    argsInterface: "KarpenterInterruptionQueueArgs",
    inputArgs: INTERRUPTION_QUEUE_INPUT_ARGS,
    plainArgs: INTERRUPTION_QUEUE_PLAIN_ARGS,
  },
  {
    component: "GkeGpuNodePool",
    file: "components/gpu-node-pool/gke.ts",
    argsInterface: "GkeGpuNodePoolArgs",
    inputArgs: GKE_INPUT_ARGS,
    plainArgs: GKE_PLAIN_ARGS,
  },
  {
    component: "EfaDevicePlugin",
    file: "components/gpu-node-pool/efa-device-plugin.ts",
    argsInterface: "EfaDevicePluginArgs",
    inputArgs: EFA_DEVICE_PLUGIN_INPUT_ARGS,
    plainArgs: EFA_DEVICE_PLUGIN_PLAIN_ARGS,
  },
  {
    component: "KueueInstall",
    file: "components/gpu-node-pool/kueue.ts",
    argsInterface: "KueueInstallArgs",
    inputArgs: KUEUE_INSTALL_INPUT_ARGS,
    plainArgs: KUEUE_INSTALL_PLAIN_ARGS,
  },
  {
    component: "KueueGpuPool",
    file: "components/gpu-node-pool/kueue.ts",
    argsInterface: "KueueGpuPoolArgs",
    inputArgs: KUEUE_GPU_POOL_INPUT_ARGS,
    plainArgs: KUEUE_GPU_POOL_PLAIN_ARGS,
  },
  {
    component: "CudaDriverStack",
    file: "components/cuda-driver-stack/driver-stack.ts",
    argsInterface: "CudaDriverStackArgs",
    inputArgs: CUDA_DRIVER_STACK_INPUT_ARGS,
    plainArgs: CUDA_DRIVER_STACK_PLAIN_ARGS,
  },
  {
    component: "GpuSmokeTest",
    file: "components/cuda-driver-stack/smoke-test.ts",
    argsInterface: "GpuSmokeTestArgs",
    inputArgs: GPU_SMOKE_TEST_INPUT_ARGS,
    plainArgs: GPU_SMOKE_TEST_PLAIN_ARGS,
  },
  {
    component: "AwsArtifactRegistry",
    file: "components/artifact-registry/aws.ts",
    argsInterface: "AwsArtifactRegistryArgs",
    inputArgs: AWS_REGISTRY_INPUT_ARGS,
    plainArgs: AWS_REGISTRY_PLAIN_ARGS,
  },
  {
    component: "EksPipelineIdentity",
    file: "components/artifact-registry/aws-workload-identity.ts",
    argsInterface: "EksPipelineIdentityArgs",
    inputArgs: EKS_IDENTITY_INPUT_ARGS,
    plainArgs: EKS_IDENTITY_PLAIN_ARGS,
  },
  {
    component: "GcpArtifactRegistry",
    file: "components/artifact-registry/gcp.ts",
    argsInterface: "GcpArtifactRegistryArgs",
    inputArgs: GCP_REGISTRY_INPUT_ARGS,
    plainArgs: GCP_REGISTRY_PLAIN_ARGS,
  },
  {
    component: "KubernetesArtifactStore",
    file: "components/artifact-registry/kubernetes.ts",
    argsInterface: "KubernetesArtifactStoreArgs",
    inputArgs: KUBERNETES_STORE_INPUT_ARGS,
    plainArgs: KUBERNETES_STORE_PLAIN_ARGS,
  },
  {
    component: "PrometheusMonitoring",
    file: "components/monitoring/prometheus.ts",
    argsInterface: "PrometheusMonitoringArgs",
    inputArgs: PROMETHEUS_INPUT_ARGS,
    plainArgs: PROMETHEUS_PLAIN_ARGS,
  },
  {
    component: "CloudMonitoring",
    file: "components/monitoring/cloud-monitoring.ts",
    argsInterface: "CloudMonitoringArgs",
    inputArgs: CLOUD_MONITORING_INPUT_ARGS,
    plainArgs: CLOUD_MONITORING_PLAIN_ARGS,
  },
  {
    component: "CloudWatchMonitoring",
    file: "components/monitoring/cloudwatch.ts",
    argsInterface: "CloudWatchMonitoringArgs",
    inputArgs: CLOUDWATCH_INPUT_ARGS,
    plainArgs: CLOUDWATCH_PLAIN_ARGS,
  },
  {
    component: "KubernetesPipelinePlatform",
    file: "components/platform/index.ts",
    argsInterface: "KubernetesPipelinePlatformArgs",
    inputArgs: PLATFORM_INPUT_ARGS,
    plainArgs: PLATFORM_PLAIN_ARGS,
  },
  {
    component: "PipelineNamespace",
    file: "components/platform/pipeline-namespace.ts",
    argsInterface: "PipelineNamespaceArgs",
    inputArgs: PIPELINE_NAMESPACE_INPUT_ARGS,
    plainArgs: PIPELINE_NAMESPACE_PLAIN_ARGS,
  },
  {
    component: "ModelCache",
    file: "components/model-cache/index.ts",
    argsInterface: "ModelCacheArgs",
    inputArgs: MODEL_CACHE_INPUT_ARGS,
    plainArgs: MODEL_CACHE_PLAIN_ARGS,
  },
  {
    component: "KubernetesFineTuningPipeline",
    file: "components/pipeline/kubernetes.ts",
    argsInterface: "KubernetesFineTuningPipelineArgs",
    inputArgs: KUBERNETES_PIPELINE_INPUT_ARGS,
    plainArgs: KUBERNETES_PIPELINE_PLAIN_ARGS,
  },
  {
    component: "SageMakerFineTuningPipeline",
    file: "components/pipeline/sagemaker.ts",
    argsInterface: "SageMakerFineTuningPipelineArgs",
    inputArgs: SAGEMAKER_PIPELINE_INPUT_ARGS,
    plainArgs: SAGEMAKER_PIPELINE_PLAIN_ARGS,
  },
];

const ROOT = path.resolve(__dirname, "..");

/** Interfaces an argument interface may extend, and the file that declares each. */
const BASE_INTERFACES: Record<string, string> = { DataProtection: "components/validation.ts" };

/** One field of an interface as written: name and type text. */
export interface InterfaceField {
  name: string;
  type: string;
}

/** The body of `export interface <name>` in a source file (undefined when the file declares none). */
export function interfaceBody(file: string, name: string): { body: string; bases: string[] } | undefined {
  const src = fs.readFileSync(path.join(ROOT, file), "utf8");
  const start = src.search(new RegExp(`export interface ${name}\\b`));
  if (start < 0) return undefined;
  const open = src.indexOf("{", start);
  const head = src.slice(start, open);
  const bases =
    /extends\s+([\w\s,]+)/
      .exec(head)?.[1]
      .split(",")
      .map((b) => b.trim()) ?? [];
  return { body: src.slice(open + 1, src.indexOf("\n}", start)), bases };
}

/** The fields of an argument interface, its base interfaces' included (one level, single-line declarations). */
export function argFields(file: string, iface: string): InterfaceField[] {
  const found = interfaceBody(file, iface);
  if (!found) throw new Error(`${file} declares no interface ${iface}`);
  const own = [...found.body.matchAll(/^\s{2}(\w+)\??:\s*(.+);$/gm)].map((m) => ({ name: m[1], type: m[2] }));
  const inherited = found.bases.flatMap((b) => (BASE_INTERFACES[b] ? argFields(BASE_INTERFACES[b], b) : []));
  return [...own, ...inherited];
}
