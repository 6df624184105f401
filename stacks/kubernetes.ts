import * as k8s from "@pulumi/kubernetes";
import { existingNodesPoolContract } from "../components/gpu-node-pool/pool-contract";
import { KubernetesArtifactStore } from "../components/artifact-registry/kubernetes";
import { kubernetesArtifactStoreArgs, kubernetesArtifactStoreProblems } from "./config/artifact-store";
import { readHubToken } from "./config/load";
import type { KitConfig } from "./config/schema";
import {
  gpuPlatform,
  kubernetesOutputs,
  kubernetesPipelines,
  modelCache,
  pipelineNamespace,
  pipelinePlatform,
  prometheusMonitoring,
  queuedPools,
} from "./kubernetes-workloads";
import type { StackOutputs } from "./main";
import { existingNodesPoolArgs, preflight } from "./preflight";
import { optionalSecret } from "./secrets";

/**
 * The `kubernetes` stack: an existing cluster from the user's kubeconfig context. NVIDIA GPU Operator, Kueue
 * queueing over the existing GPU nodes, Argo Workflows + JobSet, the artifact store (in-cluster MinIO or your
 * S3-compatible store), monitoring (kube-prometheus-stack or your Prometheus) and every configured pipeline.
 */
export function kubernetesStack(cfg: KitConfig): StackOutputs {
  const k = cfg.kubernetes!;
  const minio = { rootPassword: optionalSecret("minioRootPassword"), pipelineSecretKey: optionalSecret("minioPipelineSecretKey") };
  const { gpu } = preflight(cfg, "kubernetes", kubernetesArtifactStoreProblems(cfg, minio));

  // No ambient cluster: the provider uses exactly the configured context (and kubeconfig file, when given).
  const provider = new k8s.Provider(`${cfg.name}-cluster`, { context: k.context, kubeconfig: k.kubeconfigPath, enableServerSideApply: true });
  const opts = { provider };
  const ns = pipelineNamespace(cfg.name, k.namespace, opts);

  const platform = gpuPlatform(cfg, gpu, opts);
  const base = new Map(gpu.pools.map((p) => [p.name, existingNodesPoolContract(existingNodesPoolArgs(p))]));
  const pools = queuedPools(cfg, gpu.pools, base, k.namespace, platform, opts, [ns]);

  const store = new KubernetesArtifactStore(cfg.name, kubernetesArtifactStoreArgs({ ...cfg, kubernetes: k }, minio), { provider, dependsOn: [ns] });
  const pipelineControllers = pipelinePlatform(cfg, k.namespace, platform, opts);
  const monitoring = prometheusMonitoring(cfg, k.namespace, platform.driver.contract, pipelineControllers.contract, "kube-prometheus-stack", opts);
  // One base-model copy per cluster on a ReadWriteMany claim, when a RWX StorageClass is configured; without one the
  // cache is off and every pod downloads the base model into its emptyDir (README "Troubleshooting").
  const mc = k.modelCache;
  const cache = modelCache(
    cfg,
    mc.storageClassName
      ? { platform: "kubernetes", namespace: k.namespace, modelsUri: store.contract.modelsUri, storageClassName: mc.storageClassName, sizeGiB: mc.sizeGiB }
      : undefined,
    opts,
    [ns],
  );
  const { pipelines } = kubernetesPipelines(
    {
      cfg,
      namespace: k.namespace,
      platform: pipelineControllers,
      pools,
      store: store.contract,
      monitoring: monitoring.contract,
      driver: platform.driver.contract,
      hubToken: readHubToken(),
      modelCache: cache,
      dependsOn: [ns, store],
    },
    opts,
  );

  return {
    target: cfg.target,
    namespace: k.namespace,
    datasetsUri: store.contract.datasetsUri,
    checkpointsUri: store.contract.checkpointsUri,
    registryUri: store.contract.registryUri,
    s3Endpoint: store.contract.s3Endpoint,
    containerRegistry: store.contract.containerRegistry,
    dashboards: monitoring.dashboardUrls,
    ...kubernetesOutputs(cfg, pools, platform.driver.contract, pipelines),
  };
}
