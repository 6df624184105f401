import * as gcp from "@pulumi/gcp";
import { GcpArtifactRegistry } from "../components/artifact-registry/gcp";
import { GkeGpuNodePool } from "../components/gpu-node-pool/gke";
import type { GpuPoolContract } from "../core/contracts/gpu-pool";
import { CloudMonitoring } from "../components/monitoring/cloud-monitoring";
import { gcpArtifactRegistryArgs } from "./config/artifact-store";
import { readHubToken } from "./config/load";
import type { KitConfig } from "./config/schema";
import { GkeCluster } from "./infra/gke-cluster";
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
import { gkePoolArgs, preflight } from "./preflight";

/**
 * The `gcp` stack: a VPC with private nodes and a GKE Standard cluster (or an existing one), GKE GPU spot pools
 * with on-demand fallback, GKE-managed drivers and DCGM, Kueue, Argo Workflows + JobSet, GCS + Artifact
 * Registry with Workload Identity, Managed Prometheus + Cloud Monitoring alerts, and the pipelines.
 */
export function gcpStack(cfg: KitConfig): StackOutputs {
  const g = cfg.gcp!;
  const { gpu } = preflight(cfg, "gke");

  const gcpProvider = new gcp.Provider(`${cfg.name}-gcp`, { project: g.project, region: g.region });
  const cluster = new GkeCluster(
    `${cfg.name}-gke`,
    {
      project: g.project,
      region: g.region,
      clusterName: g.cluster.name,
      create: g.cluster.create,
      releaseChannel: g.cluster.releaseChannel,
      subnetCidr: g.cluster.subnetCidr,
      masterCidr: g.cluster.masterCidr,
      zones: g.zones,
    },
    { providers: [gcpProvider] },
  );
  const providers = [gcpProvider, cluster.provider];
  const opts = { providers };
  const ns = pipelineNamespace(cfg.name, g.namespace, opts);

  const store = new GcpArtifactRegistry(cfg.name, gcpArtifactRegistryArgs({ ...cfg, gcp: g }), opts);
  if (cluster.systemNodeServiceAccount)
    store.grantPull(
      cluster.systemNodeServiceAccount.apply((e) => `serviceAccount:${e}`),
      { name: `${cfg.name}-pull-system-nodes` },
    );

  const nodePools = new Map<string, GpuPoolContract>();
  for (const p of gpu.pools) {
    // The same arguments the preflight planned the contract from (gkePoolArgs).
    const pool = new GkeGpuNodePool(`${cfg.name}-${p.name}`, gkePoolArgs(cfg, p), { ...opts, dependsOn: [cluster] });
    nodePools.set(p.name, pool.contract);
    store.grantPull(
      pool.serviceAccountEmail.apply((e) => `serviceAccount:${e}`),
      { name: `${cfg.name}-pull-${p.name}` },
    );
  }

  const platform = gpuPlatform(cfg, gpu, opts);
  const pools = queuedPools(cfg, gpu.pools, nodePools, g.namespace, platform, opts, [ns]);
  const pipelineControllers = pipelinePlatform(cfg, g.namespace, platform, opts);
  const prometheus = prometheusMonitoring(cfg, g.namespace, platform.driver.contract, pipelineControllers.contract, "managed-prometheus", opts);
  const alerts = new CloudMonitoring(
    `${cfg.name}-alerts`,
    {
      project: g.project,
      trainingNamespaces: [g.namespace],
      thresholds: cfg.monitoring.thresholds,
      alertEmails: cfg.monitoring.alertEmails,
      notificationChannel: cfg.monitoring.gcp.notificationChannel,
      billingAccount: cfg.monitoring.gcp.billingAccount,
      budgetAmountUsd: cfg.monitoring.gcp.budgetAmountUsd,
      budgetThresholdsPercent: cfg.monitoring.gcp.budgetThresholdsPercent,
      pushgatewayUrl: prometheus.contract.pushgatewayUrl,
    },
    opts,
  );
  // One base-model copy per cluster: the bucket's models/ prefix through GCS FUSE (GKE enables the CSI driver).
  const cache = modelCache(
    cfg,
    g.modelCache.enabled
      ? { platform: "gke", namespace: g.namespace, bucket: store.contract.bucket, modelsUri: store.contract.modelsUri, fileCacheMiB: g.modelCache.fileCacheMiB }
      : undefined,
    opts,
    [ns],
  );
  const { pipelines } = kubernetesPipelines(
    {
      cfg,
      namespace: g.namespace,
      platform: pipelineControllers,
      pools,
      store: store.contract,
      monitoring: prometheus.contract,
      driver: platform.driver.contract,
      hubToken: readHubToken(),
      modelCache: cache,
      dependsOn: [ns],
    },
    opts,
  );
  // One Kubernetes ServiceAccount per pipeline, each allowed to act as the pipeline's Google service account.
  pipelines.forEach((p) => store.allowKubernetesServiceAccount(g.namespace, p.names.serviceAccount));

  return {
    target: cfg.target,
    cluster: cluster.clusterId,
    namespace: g.namespace,
    getCredentials: `gcloud container clusters get-credentials ${g.cluster.name} --region ${g.region} --project ${g.project}`,
    bucket: `gs://${store.bucketName}`,
    datasetsUri: store.contract.datasetsUri,
    checkpointsUri: store.contract.checkpointsUri,
    registryUri: store.contract.registryUri,
    containerRegistry: store.contract.containerRegistry,
    pipelineServiceAccount: store.contract.identity,
    dashboardUrl: alerts.dashboardUrl,
    ...kubernetesOutputs(cfg, pools, platform.driver.contract, pipelines),
  };
}
