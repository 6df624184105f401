import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CudaDriverStack, planDriverStack } from "../../components/cuda-driver-stack/driver-stack";
import {
  GKE_MANAGED_DCGM_MONITORING,
  clusterPolicyFromValues,
  renderGpuOperatorValues,
  DRIVER_STACK_LAYOUTS,
  type DriverStackLayout,
} from "../../components/cuda-driver-stack/gpu-operator";
import { GPU_STACK_CHARTS } from "../../core/versions";
import { manifestsOf, one, ofType, runWithMocks } from "../harness";
import { expectValidManifests, validateKubernetesObject } from "../validators/kubernetes";
import { constructionError, problemLines } from "../gpu-node-pool/helpers";

async function run(args: ConstructorParameters<typeof CudaDriverStack>[1]) {
  let stack: CudaDriverStack | undefined;
  const result = await runWithMocks(() => {
    const provider = new k8s.Provider("k8s", { context: "c", kubeconfig: "{}" });
    stack = new CudaDriverStack("gpu", args, { provider });
  });
  return { ...result, stack: stack! };
}

describe("CudaDriverStack gpu-operator (bare Kubernetes)", () => {
  it("installs the pinned GPU Operator into the one privileged namespace with driver, toolkit, device plugin, DCGM exporter, GFD, NFD", async () => {
    const { resources, stack } = await run({ platform: "kubernetes" });
    const ns = one(resources, "kubernetes:core/v1:Namespace").inputs;
    expect(ns.metadata.name).toBe("gpu-operator");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const rel = one(resources, "kubernetes:helm.sh/v3:Release").inputs;
    expect(rel).toMatchObject({
      chart: "gpu-operator",
      version: GPU_STACK_CHARTS.gpuOperator.version,
      repositoryOpts: { repo: "https://helm.ngc.nvidia.com/nvidia" },
      namespace: "gpu-operator",
      createNamespace: false,
    });
    expect(rel.version).toMatch(/^v26\./);
    const v = rel.values;
    expect(v.driver).toMatchObject({ enabled: true, repository: "nvcr.io/nvidia", image: "driver", version: "580.105.08" });
    expect([v.toolkit.enabled, v.devicePlugin.enabled, v.dcgmExporter.enabled, v.gfd.enabled, v.nfd.enabled, v.migManager.enabled]).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(v.dcgmExporter.serviceMonitor).toEqual({ enabled: false });
    expect(v.psa).toEqual({ enabled: false });
    expect(v.daemonsets.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(stack.contract).toEqual({
      mode: "gpu-operator",
      driverVersion: "580.105.08",
      maxCudaVersion: "13.0",
      dcgmExporter: true,
      runtimeClassName: "nvidia",
      dcgmNamespace: "gpu-operator",
    });
    // The ClusterPolicy the chart renders from these values validates against the upstream CRD (strict).
    expect(validateKubernetesObject(stack.clusterPolicy!)).toEqual([]);
    expect(
      ofType(resources, "kubernetes:core/v1:Namespace").filter((n) => n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] === "privileged"),
    ).toHaveLength(1);
  });

  it("MIG (mixed + manager), time-slicing ConfigMap, and a DCGM ServiceMonitor with the monitoring selector labels", async () => {
    const { resources, stack } = await run({
      platform: "kubernetes",
      migProfiles: ["3g.40gb"],
      migStrategy: "mixed",
      timeSlicingReplicas: 4,
      serviceMonitorLabels: { release: "kube-prometheus-stack" },
    });
    const objs = manifestsOf(resources);
    expectValidManifests([...objs, stack.clusterPolicy!]);
    const v = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
    expect(v.mig).toEqual({ strategy: "mixed" });
    expect(v.migManager).toEqual({ enabled: true, resources: { requests: { cpu: "50m", memory: "128Mi" } } });
    expect(v.devicePlugin.config).toEqual({ name: "finetune-device-plugin-config", default: "any" });
    const cm = objs.find((o) => o.kind === "ConfigMap") as any;
    expect(cm.metadata).toMatchObject({ name: "finetune-device-plugin-config", namespace: "gpu-operator" });
    expect(parse(cm.data.any)).toEqual({
      version: "v1",
      flags: { migStrategy: "mixed" },
      sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas: 4 }] } },
    });
    const sm = objs.find((o) => o.kind === "ServiceMonitor") as any;
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(sm.spec).toEqual({
      selector: { matchLabels: { app: "nvidia-dcgm-exporter" } },
      namespaceSelector: { matchNames: ["gpu-operator"] },
      endpoints: [{ port: "gpu-metrics", path: "/metrics", interval: "15s", honorLabels: true }],
    });
    expect(stack.contract.sharing).toEqual({ strategy: "mig-mixed", profile: "3g.40gb" });
    const release = one(resources, "kubernetes:helm.sh/v3:Release");
    expect(one(resources, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor").dependsOn).toContain(release.urn);
  });

  it("time-slicing alone sets the contract's sharing; install false creates nothing but still reports the contract", async () => {
    const { stack } = await run({ platform: "kubernetes", timeSlicingReplicas: 2 });
    expect(stack.contract.sharing).toEqual({ strategy: "time-slicing", replicas: 2 });
    const none = await run({ platform: "kubernetes", install: false, driverVersion: "580.95.05" });
    expect(none.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"))).toHaveLength(0);
    expect(none.stack.contract.driverVersion).toBe("580.95.05");
  });

  it("every layout with a chart yields a ClusterPolicy that validates strictly", () => {
    for (const [key, layout] of Object.entries(DRIVER_STACK_LAYOUTS)) {
      if (typeof layout === "string" || !layout.chart) continue;
      const values = renderGpuOperatorValues({
        layout: layout as DriverStackLayout,
        driverVersion: "580.105.08",
        migStrategy: "single",
        mig: true,
        timeSlicingReplicas: 2,
        dcgmExporter: true,
      });
      expect(validateKubernetesObject(clusterPolicyFromValues(values)), key).toEqual([]);
    }
  });
});

describe("CudaDriverStack preinstalled", () => {
  it("EKS AL2023 NVIDIA: operator without driver and toolkit (the AMI has them), device plugin and DCGM on; R580 from the AMI table", async () => {
    const { resources, stack } = await run({ platform: "eks" });
    const v = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
    expect([v.driver.enabled, v.toolkit.enabled, v.devicePlugin.enabled, v.dcgmExporter.enabled]).toEqual([false, false, true, true]);
    expect(v.driver.version).toBeUndefined();
    expect(stack.contract).toEqual({ mode: "preinstalled", driverVersion: "580", maxCudaVersion: "13.0", dcgmExporter: true, dcgmNamespace: "gpu-operator" });
    expect(validateKubernetesObject(stack.clusterPolicy!)).toEqual([]);
  });

  it("EKS Bottlerocket: no device plugin either (Bottlerocket runs its own); R570", async () => {
    const { resources, stack } = await run({ platform: "eks", eksAmiType: "BOTTLEROCKET_x86_64_NVIDIA" });
    expect(one(resources, "kubernetes:helm.sh/v3:Release").inputs.values.devicePlugin.enabled).toBe(false);
    expect(stack.contract.driverVersion).toBe("570");
  });

  it("GKE: nothing installed; driver branch from GKE's DEFAULT/LATEST table; DCGM from GKE managed DCGM", async () => {
    const { resources, stack } = await run({ platform: "gke", gkeVersion: "1.34" });
    expect(resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"))).toHaveLength(0);
    expect(stack.contract).toEqual({
      mode: "preinstalled",
      driverVersion: "570",
      maxCudaVersion: "12.8",
      dcgmExporter: true,
      dcgmNamespace: "gke-managed-system",
    });
    expect(planDriverStack("x", { platform: "gke", gkeVersion: "1.34", gkeDriverVersion: "LATEST" }).driverVersion).toBe("580");
    expect(planDriverStack("x", { platform: "gke", gkeVersion: "1.32" }).driverVersion).toBe("550");
    expect(GKE_MANAGED_DCGM_MONITORING).toEqual({ enableComponents: ["SYSTEM_COMPONENTS", "DCGM"], managedPrometheus: { enabled: true } });
  });

  it("SageMaker: contract only, no DCGM exporter", async () => {
    const { resources, stack } = await run({ platform: "sagemaker" });
    expect(resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"))).toHaveLength(0);
    expect(stack.contract).toEqual({ mode: "preinstalled", driverVersion: "535", maxCudaVersion: "12.2", dcgmExporter: false });
  });

  it("rejects impossible combinations, each with the reason", async () => {
    const e = await constructionError(() => new CudaDriverStack("x", { platform: "gke", mode: "gpu-operator", gkeVersion: "134" }));
    expect(problemLines(e)).toEqual([
      'mode: "gpu-operator" on gke: GKE installs the driver and device plugin itself (gpuDriverInstallationConfig); use mode preinstalled',
      'gkeVersion: "134" is not a GKE minor version (e.g. 1.34)',
    ]);
    const k = await constructionError(() => new CudaDriverStack("y", { platform: "kubernetes", driverVersion: "580", timeSlicingReplicas: 100 }));
    expect(problemLines(k)).toEqual([
      'driverVersion: "580" is a branch; the GPU Operator installs an exact driver (e.g. 580.105.08)',
      "timeSlicingReplicas: 100 is outside 2..48",
    ]);
    const g = await constructionError(() => new CudaDriverStack("z", { platform: "gke", timeSlicingReplicas: 2, driverVersion: "latest" }));
    expect(problemLines(g)).toEqual([
      'driverVersion: "latest" is not an NVIDIA driver version (e.g. 580.95.05, or a branch such as 580)',
      "timeSlicingReplicas: the kit does not run the device plugin on gke (use the node pool's GPU sharing instead)",
    ]);
  });
});
