import * as pulumi from "@pulumi/pulumi";
import type { ArtifactStoreContractInput } from "../components/artifact-registry/contract-input";
import type { DriverStackContract } from "../core/contracts/driver-stack";
import { CudaDriverStack } from "../components/cuda-driver-stack/driver-stack";
import { GpuSmokeTest } from "../components/cuda-driver-stack/smoke-test";
import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import { KueueGpuPool, KueueInstall } from "../components/gpu-node-pool/kueue";
import type { MonitoringContract } from "../core/contracts/monitoring";
import { PrometheusMonitoring, type PrometheusMonitoringArgs } from "../components/monitoring/prometheus";
import { KubernetesFineTuningPipeline } from "../components/pipeline/kubernetes";
import { KubernetesPipelinePlatform, type PipelinePlatformContract } from "../components/platform";
import { PipelineNamespace } from "../components/platform/pipeline-namespace";
import { ModelCache, type ModelCacheArgs } from "../components/model-cache";
import type { ResolvedGpuConfig } from "./config/driver-stack";
import type { ResolvedGpuPool } from "./config/gpu-pools";
import { kueuePoolArgs } from "./preflight";
import type { KitConfig } from "./config/schema";

/** The pipeline namespace: PSS restricted with a namespace-wide default-deny NetworkPolicy. */
export function pipelineNamespace(name: string, namespace: string, opts: pulumi.ComponentResourceOptions): PipelineNamespace {
  return new PipelineNamespace(`${name}-pipelines`, { namespace }, opts);
}

/** The CUDA driver stack and Kueue of a cluster (created before the pools). */
export interface GpuPlatform {
  driver: CudaDriverStack;
  kueue?: KueueInstall;
}

/** Installs the driver stack (mode per platform) and Kueue; DCGM is scraped by monitoring, not here. */
export function gpuPlatform(cfg: KitConfig, gpu: ResolvedGpuConfig, opts: pulumi.ComponentResourceOptions): GpuPlatform {
  const driver = new CudaDriverStack(`${cfg.name}-cuda`, gpu.driverStack, opts);
  const kueue = cfg.driverStack.kueue.install
    ? new KueueInstall(`${cfg.name}-kueue`, { waitForPodsReadyTimeout: cfg.driverStack.kueue.waitForPodsReadyTimeout }, opts)
    : undefined;
  return { driver, kueue };
}

/** Kueue queueing for each pool (+ the optional GPU smoke test), returning the contracts pipelines consume. */
export function queuedPools(
  cfg: KitConfig,
  pools: ResolvedGpuPool[],
  baseContracts: Map<string, GpuPoolContract>,
  namespace: string,
  platform: GpuPlatform,
  opts: pulumi.ComponentResourceOptions,
  dependsOn: pulumi.Resource[],
): Map<string, GpuPoolContract> {
  const contracts = new Map<string, GpuPoolContract>();
  for (const p of pools) {
    const base = baseContracts.get(p.name);
    if (!base) throw new Error(`internal: no contract for pool ${p.name}`);
    const queued = new KueueGpuPool(
      `${cfg.name}-${p.name}-queue`,
      // The same arguments the preflight planned the contract from (kueuePoolArgs).
      { ...kueuePoolArgs(p, base, namespace), kueue: platform.kueue?.contract },
      // The queues wait for Kueue through its contract (kueue.ready), not a dependsOn written here.
      { ...opts, dependsOn },
    );
    contracts.set(p.name, queued.contract);
    if (cfg.driverStack.smokeTest) {
      new GpuSmokeTest(
        `${cfg.name}-${p.name}-smoke`,
        { pool: queued.contract, driver: platform.driver.contract, namespace },
        { ...opts, dependsOn: [queued, platform.driver] },
      );
    }
  }
  return contracts;
}

/**
 * The shared pipeline platform (Argo Workflows + JobSet) for the pipeline namespace. Its contract names where
 * Argo, JobSet and Kueue run; monitoring takes the namespaces from it.
 */
export function pipelinePlatform(cfg: KitConfig, namespace: string, gpu: GpuPlatform, opts: pulumi.ComponentResourceOptions): KubernetesPipelinePlatform {
  return new KubernetesPipelinePlatform(`${cfg.name}-pipeline-platform`, { workflowNamespaces: [namespace], kueue: gpu.kueue?.contract }, opts);
}

/** Prometheus-side monitoring for the pipeline namespace (kube-prometheus-stack, existing, or GKE Managed Prometheus). */
export function prometheusMonitoring(
  cfg: KitConfig,
  namespace: string,
  driver: DriverStackContract,
  platform: PipelinePlatformContract,
  defaultMode: NonNullable<PrometheusMonitoringArgs["mode"]>,
  opts: pulumi.ComponentResourceOptions,
): PrometheusMonitoring {
  const m = cfg.monitoring;
  return new PrometheusMonitoring(
    `${cfg.name}-monitoring`,
    {
      mode: m.mode ?? defaultMode,
      namespace: m.namespace,
      selectorLabels: m.selectorLabels,
      dashboardLabel: m.dashboardLabel,
      retention: m.retention,
      storageSize: m.storageSize,
      thresholds: m.thresholds,
      trainingNamespaces: [namespace],
      // Argo, JobSet and Kueue are scraped where the platform says they run.
      platform,
      // One DCGM scrape: the driver stack's exporter, through this component's ServiceMonitor (GKE: managed DCGM).
      dcgmNamespace: driver.dcgmExporter ? (driver.dcgmNamespace ?? "") : "",
    },
    opts,
  );
}

/** What the Kubernetes pipelines of a stack need. */
export interface KubernetesPipelinesInput {
  cfg: KitConfig;
  namespace: string;
  /** The shared pipeline platform ({@link pipelinePlatform}); pipelines wait for its controllers. */
  platform: KubernetesPipelinePlatform;
  pools: Map<string, GpuPoolContract>;
  store: ArtifactStoreContractInput;
  monitoring?: MonitoringContract;
  driver: DriverStackContract;
  hubToken?: pulumi.Input<string>;
  /** The cluster's model cache (components/model-cache). @default - none: pods download the base model */
  modelCache?: ModelCache;
  /** Resources the pipelines wait for (namespace, queues, store). */
  dependsOn: pulumi.Resource[];
}

/** One KubernetesFineTuningPipeline per spec, after the platform's controllers. */
export function kubernetesPipelines(input: KubernetesPipelinesInput, opts: pulumi.ComponentResourceOptions): { pipelines: KubernetesFineTuningPipeline[] } {
  const { cfg, platform } = input;
  const pipelines = cfg.pipelines.map((spec, index) => {
    const pool = input.pools.get(spec.compute.pool);
    if (!pool) throw new Error(`internal: no contract for pool ${spec.compute.pool}`);
    return new KubernetesFineTuningPipeline(
      `${cfg.name}-${spec.name}`,
      {
        spec,
        pool,
        store: input.store,
        namespace: input.namespace,
        monitoring: input.monitoring,
        driver: input.driver,
        hubToken: input.hubToken,
        modelCache: input.modelCache?.contract,
        index,
      },
      { ...opts, dependsOn: [...input.dependsOn, ...platform.ready, ...(input.modelCache ? [input.modelCache] : [])] },
    );
  });
  return { pipelines };
}

/** Stack outputs every Kubernetes-based stack shares: queues, the driver in use, and how to start each pipeline. */
export function kubernetesOutputs(
  cfg: KitConfig,
  pools: Map<string, GpuPoolContract>,
  driver: DriverStackContract,
  pipelines: KubernetesFineTuningPipeline[],
): Record<string, unknown> {
  return {
    localQueues: Object.fromEntries([...pools].map(([n, c]) => [n, c.localQueueName])),
    driver: { mode: driver.mode, version: driver.driverVersion, maxCuda: driver.maxCudaVersion },
    pipelines: Object.fromEntries(pipelines.map((p, i) => [cfg.pipelines[i].name, { start: p.submitCommand }])),
  };
}

/** The cluster's model cache in the pipeline namespace, after the namespace (undefined when `args` is). */
export function modelCache(
  cfg: KitConfig,
  args: ModelCacheArgs | undefined,
  opts: pulumi.ComponentResourceOptions,
  dependsOn: pulumi.Resource[],
): ModelCache | undefined {
  return args ? new ModelCache(`${cfg.name}-model-cache`, args, { ...opts, dependsOn }) : undefined;
}
