/** What the CUDA driver stack tells the rest of the kit. */
export interface DriverStackContract {
  /** How the driver reaches the nodes. */
  mode: "gpu-operator" | "preinstalled";
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
  sharing?: { strategy: "mig-single" | "mig-mixed" | "time-slicing" | "mps"; profile?: string; replicas?: number };
}
