/**
 * Pure renderers of the CUDA driver stack: which pieces each platform needs (one table), the NVIDIA GPU Operator
 * Helm values, the ClusterPolicy those values produce (for plan output and validation), the device-plugin
 * time-slicing config and the DCGM exporter ServiceMonitor. Plain objects in, plain objects out.
 */
import { stringify } from "yaml";
import { GPU_STACK_IMAGES } from "../../core/versions";
import { DCGM_COLLECTORS_CONFIGMAP, dcgmCollectorsCsv } from "../monitoring/dcgm-collectors";
import { MANAGED_BY } from "../../core/kubernetes";

/** Platforms the driver stack runs on. */
export const DriverStackPlatform = { Kubernetes: "kubernetes", Eks: "eks", Gke: "gke", SageMaker: "sagemaker" } as const;
export type DriverStackPlatform = (typeof DriverStackPlatform)[keyof typeof DriverStackPlatform];

/** How the driver reaches the nodes. */
export const DriverStackMode = { GpuOperator: "gpu-operator", Preinstalled: "preinstalled" } as const;
export type DriverStackMode = (typeof DriverStackMode)[keyof typeof DriverStackMode];

/** What runs in the cluster for one platform + mode (+ EKS AMI). */
export interface DriverStackLayout {
  /** Install the GPU Operator chart at all. */
  chart: boolean;
  driver: boolean;
  toolkit: boolean;
  devicePlugin: boolean;
  dcgmExporter: boolean;
  gfd: boolean;
  nfd: boolean;
  /** Where DCGM metrics come from. */
  dcgm: "gpu-operator" | "gke-managed" | "none";
  /** Namespace the DCGM exporter runs in, when it is not the operator's. */
  dcgmNamespace?: string;
}

/** Layouts per `platform/mode` (EKS: per AMI family too). A string is the reason the combination is refused. */
export const DRIVER_STACK_LAYOUTS: Record<string, DriverStackLayout | string> = {
  "kubernetes/gpu-operator": { chart: true, driver: true, toolkit: true, devicePlugin: true, dcgmExporter: true, gfd: true, nfd: true, dcgm: "gpu-operator" },
  // Drivers baked into the node image (e.g. DGX OS): the operator adds toolkit, device plugin, DCGM, GFD.
  "kubernetes/preinstalled": { chart: true, driver: false, toolkit: true, devicePlugin: true, dcgmExporter: true, gfd: true, nfd: true, dcgm: "gpu-operator" },
  // The EKS AL2023 NVIDIA AMI ships the driver and the container toolkit, not the device plugin.
  "eks/preinstalled": { chart: true, driver: false, toolkit: false, devicePlugin: true, dcgmExporter: true, gfd: true, nfd: true, dcgm: "gpu-operator" },
  // Bottlerocket NVIDIA variants also run the device plugin themselves.
  "eks-bottlerocket/preinstalled": {
    chart: true,
    driver: false,
    toolkit: false,
    devicePlugin: false,
    dcgmExporter: true,
    gfd: true,
    nfd: true,
    dcgm: "gpu-operator",
  },
  "eks/gpu-operator": "EKS GPU AMIs already ship the NVIDIA driver (use mode preinstalled)",
  // GKE installs driver and device plugin (gpuDriverInstallationConfig); DCGM comes from GKE managed DCGM metrics.
  "gke/preinstalled": {
    chart: false,
    driver: false,
    toolkit: false,
    devicePlugin: false,
    dcgmExporter: false,
    gfd: false,
    nfd: false,
    dcgm: "gke-managed",
    dcgmNamespace: "gke-managed-system",
  },
  "gke/gpu-operator": "GKE installs the driver and device plugin itself (gpuDriverInstallationConfig); use mode preinstalled",
  "sagemaker/preinstalled": { chart: false, driver: false, toolkit: false, devicePlugin: false, dcgmExporter: false, gfd: false, nfd: false, dcgm: "none" },
  "sagemaker/gpu-operator": "SageMaker training hosts are managed by AWS (use mode preinstalled)",
};

/**
 * GKE cluster monitoring that gives DCGM metrics on GKE: the managed DCGM exporter (GKE >= 1.30.1) scraped by
 * Managed Service for Prometheus. The gcp stack sets this as the cluster's `monitoringConfig`; the kit runs no
 * DCGM exporter of its own on GKE (a second one would double-scrape the GPUs).
 */
export const GKE_MANAGED_DCGM_MONITORING = { enableComponents: ["SYSTEM_COMPONENTS", "DCGM"], managedPrometheus: { enabled: true } } as const;

/** Layout key of a platform / mode / EKS AMI type. */
export function layoutKey(platform: DriverStackPlatform, mode: DriverStackMode, eksAmiType?: string): string {
  return platform === "eks" && eksAmiType === "BOTTLEROCKET_x86_64_NVIDIA" ? `eks-bottlerocket/${mode}` : `${platform}/${mode}`;
}

/** Name of the device-plugin config ConfigMap (time-slicing). */
export const TIME_SLICING_CONFIG = { name: "finetune-device-plugin-config", key: "any" } as const;

/** The NVIDIA device-plugin config that shares each GPU between `replicas` pods (time-slicing). */
export function renderTimeSlicingConfig(replicas: number, migStrategy: "none" | "single" | "mixed"): string {
  return stringify({
    version: "v1",
    flags: { migStrategy },
    sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas }] } },
  });
}

/** Inputs of {@link renderGpuOperatorValues}. */
export interface GpuOperatorValuesInput {
  layout: DriverStackLayout;
  /** Driver version the operator installs (ignored when the layout has no driver). */
  driverVersion: string;
  /** MIG strategy when any pool uses MIG. */
  migStrategy: "single" | "mixed";
  /** Run the MIG manager (some pool uses MIG). */
  mig: boolean;
  /** Time-slicing replicas per GPU. @default - no time-slicing */
  timeSlicingReplicas?: number;
  /** Run the DCGM exporter. */
  dcgmExporter: boolean;
}

/**
 * CPU/memory requests of each operand the operator runs on GPU nodes (the chart and the operator set none).
 * The kit's own small figure (no upstream one exists): every request comes off the node's allocatable that
 * training pods could use, and the operands idle between reconciles.
 */
export const GPU_OPERAND_REQUESTS = { requests: { cpu: "50m", memory: "128Mi" } } as const;
const operandResources = (): { requests: { cpu: string; memory: string } } => ({ requests: { ...GPU_OPERAND_REQUESTS.requests } });

/** Tolerations every operator DaemonSet needs to reach the kit's tainted GPU nodes. */
const GPU_NODE_TOLERATIONS = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];

/**
 * Helm values of the GPU Operator chart. Component sections mirror ClusterPolicy fields (see
 * {@link clusterPolicyFromValues}); the DCGM exporter's ServiceMonitor is created by the kit, not the chart.
 */
export function renderGpuOperatorValues(i: GpuOperatorValuesInput): Record<string, unknown> {
  const l = i.layout;
  const values: Record<string, unknown> = {
    // The kit labels the operator namespace `privileged` itself (the only privileged namespace).
    psa: { enabled: false },
    nfd: { enabled: l.nfd },
    "node-feature-discovery": { worker: { tolerations: GPU_NODE_TOLERATIONS } },
    // The chart reads no `operator.defaultRuntime` any more (v26.3.2: the toolkit detects the runtime itself).
    daemonsets: { tolerations: GPU_NODE_TOLERATIONS, priorityClassName: "system-node-critical" },
    driver: {
      enabled: l.driver,
      ...(l.driver
        ? {
            repository: GPU_STACK_IMAGES.nvidiaDriver.repository.replace(/\/driver$/, ""),
            image: "driver",
            version: i.driverVersion,
            resources: operandResources(),
            // Driver upgrades drain one node at a time; training pods are evicted only after their grace period.
            upgradePolicy: { autoUpgrade: true, maxParallelUpgrades: 1, drain: { enable: true, force: false, timeoutSeconds: 600, deleteEmptyDir: false } },
          }
        : {}),
    },
    toolkit: { enabled: l.toolkit, ...(l.toolkit ? { resources: operandResources() } : {}) },
    devicePlugin: {
      enabled: l.devicePlugin,
      ...(l.devicePlugin ? { resources: operandResources() } : {}),
      ...(i.timeSlicingReplicas ? { config: { name: TIME_SLICING_CONFIG.name, default: TIME_SLICING_CONFIG.key } } : {}),
    },
    // The exporter embeds its own DCGM host engine; no standalone DCGM DaemonSet.
    dcgm: { enabled: false },
    // The kit's collectors: upstream's defaults plus the ECC counters the alerts read (components/monitoring/dcgm-collectors.ts).
    dcgmExporter: {
      enabled: l.dcgmExporter && i.dcgmExporter,
      serviceMonitor: { enabled: false },
      ...(l.dcgmExporter && i.dcgmExporter
        ? { config: { name: DCGM_COLLECTORS_CONFIGMAP, create: true, data: dcgmCollectorsCsv() }, resources: operandResources() }
        : {}),
    },
    gfd: { enabled: l.gfd, ...(l.gfd ? { resources: operandResources() } : {}) },
    mig: { strategy: i.mig ? i.migStrategy : "single" },
    migManager: { enabled: i.mig, ...(i.mig ? { resources: operandResources() } : {}) },
    // The validator runs on every GPU node whatever the layout.
    validator: { resources: operandResources() },
    nodeStatusExporter: { enabled: false },
  };
  return values;
}

/** Value sections that are ClusterPolicy spec fields (the chart copies them into `spec`). */
const CLUSTER_POLICY_SECTIONS = [
  "operator",
  "daemonsets",
  "driver",
  "toolkit",
  "devicePlugin",
  "dcgm",
  "dcgmExporter",
  "gfd",
  "mig",
  "migManager",
  "nodeStatusExporter",
  "psa",
  "validator",
] as const;

/**
 * The ClusterPolicy the chart creates from these values (`nvidia.com/v1`, name `cluster-policy`), for the plan
 * output and for validation against the upstream CRD: a misspelled values key shows up as an unknown field.
 */
export function clusterPolicyFromValues(values: Record<string, unknown>): Record<string, unknown> {
  // The chart always renders `spec.operator` (templates/clusterpolicy.yaml), from its own defaults when the kit sets none.
  const spec: Record<string, unknown> = { operator: {} };
  for (const k of CLUSTER_POLICY_SECTIONS) if (values[k] !== undefined) spec[k] = values[k];
  // The chart copies only `dcgmExporter.config.name` into the ClusterPolicy; `create`/`data` make its ConfigMap.
  const dcgm = spec.dcgmExporter as { config?: { name?: string } } | undefined;
  if (dcgm?.config) spec.dcgmExporter = { ...dcgm, config: { name: dcgm.config.name } };
  return { apiVersion: "nvidia.com/v1", kind: "ClusterPolicy", metadata: { name: "cluster-policy" }, spec };
}

/** The DCGM exporter's ServiceMonitor (the operator's `nvidia-dcgm-exporter` Service, port `gpu-metrics`). */
export function renderDcgmServiceMonitor(namespace: string, selectorLabels: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: "nvidia-dcgm-exporter", namespace, labels: { ...selectorLabels, ...MANAGED_BY } },
    spec: {
      selector: { matchLabels: { app: "nvidia-dcgm-exporter" } },
      namespaceSelector: { matchNames: [namespace] },
      endpoints: [{ port: "gpu-metrics", path: "/metrics", interval: "15s", honorLabels: true }],
    },
  };
}
