/** How the NVIDIA driver reaches the nodes. */
export const DriverMode = {
  /** The NVIDIA GPU Operator installs it. */
  GpuOperator: "gpu-operator",
  /** The node image already carries it (EKS GPU AMIs, GKE-managed drivers). */
  Preinstalled: "preinstalled",
} as const;
export type DriverMode = (typeof DriverMode)[keyof typeof DriverMode];

/** Ways GPUs are shared between pods on a node. */
export const GpuSharingStrategy = {
  MigSingle: "mig-single",
  MigMixed: "mig-mixed",
  TimeSlicing: "time-slicing",
  Mps: "mps",
} as const;
export type GpuSharingStrategy = (typeof GpuSharingStrategy)[keyof typeof GpuSharingStrategy];

/** GPU sharing applied to a pool's nodes. */
export interface GpuSharing {
  /** How the GPUs are shared. */
  strategy: GpuSharingStrategy;
  /** MIG profile, when every GPU is split alike (e.g. `1g.10gb`). */
  profile?: string;
  /** Pods per GPU with time-slicing or MPS. */
  replicas?: number;
}

/** What the CUDA driver stack tells the rest of the kit. */
export interface DriverStackContract {
  /** How the driver reaches the nodes. */
  mode: DriverMode;
  /** NVIDIA driver version or branch in use, e.g. `580.95.05` or branch `580`. */
  driverVersion: string;
  /** Highest CUDA version the driver supports (from NVIDIA's compatibility table), e.g. `13.0`. */
  maxCudaVersion: string;
  /** RuntimeClass pods must use, when the platform needs one (GPU Operator with CDI: `nvidia`). */
  runtimeClassName?: string;
  /** Whether DCGM exporter metrics are available in the cluster. */
  dcgmExporter: boolean;
  /** Namespace where DCGM exporter runs (for ServiceMonitors). */
  dcgmNamespace?: string;
  /** GPU sharing applied to nodes, if any. */
  sharing?: GpuSharing;
}
