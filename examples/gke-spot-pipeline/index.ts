/**
 * Add a GPU spot pool (with an on-demand fallback) and a fine-tuning pipeline to a GKE Standard cluster you
 * already run.
 *
 * Assumes: a GKE Standard cluster (1.30+) with Workload Identity, private nodes and GKE managed DCGM metrics
 * (`monitoringConfig.enableComponents` includes DCGM), GPU quota for the chosen type in the cluster's region, and
 * `gke-gcloud-auth-plugin` where `pulumi up` runs. Your program owns the `gcp` and `kubernetes` providers; every
 * finetune-kit component receives them through `providers`. GKE installs the NVIDIA driver on the pool's nodes
 * (`gpuDriverVersion: DEFAULT`), so `CudaDriverStack` only produces the contract here.
 *
 * Run (from a Pulumi project that depends on finetune-kit):
 *   pulumi config set gke-spot-pipeline:project acme-ml-prod
 *   pulumi config set gke-spot-pipeline:region us-central1
 *   pulumi config set gke-spot-pipeline:clusterName prod
 *   pulumi config set gke-spot-pipeline:zones '["us-central1-a","us-central1-b"]'   # optional: zones with L4 stock
 *   pulumi up
 * Then start a run with the `submit` output (after `gcloud container clusters get-credentials ...`).
 */
import * as fs from "fs";
import * as path from "path";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  CudaDriverStack,
  FineTuningPipelineSpecSchema,
  GcpArtifactRegistry,
  GkeGpuNodePool,
  KubernetesFineTuningPipeline,
  KubernetesPipelinePlatform,
  KueueGpuPool,
  KueueInstall,
  PipelineNamespace,
  objectNames,
} from "finetune-kit/gcp";

const config = new pulumi.Config();
const project = config.require("project");
const region = config.require("region");
const clusterName = config.require("clusterName");
const zones = config.getObject<string[]>("zones");
const namespace = config.get("namespace") ?? "ml-pipelines";
const gpuType = config.get("gpuType") ?? "l4";
const maxNodes = config.getNumber("maxNodes") ?? 2;
const fallbackMaxNodes = config.getNumber("fallbackMaxNodes") ?? 1;
const pipelineFile = config.get("pipelineFile") ?? path.join(__dirname, "..", "..", "pipelines", "examples", "document-classifier.yaml");

// ---- Your providers (in an existing stack you already have these). ----
const gcpProvider = new gcp.Provider("gcp", { project, region });
const cluster = gcp.container.getClusterOutput({ project, location: region, name: clusterName }, { provider: gcpProvider });
const kubeconfig = pulumi.all([cluster.endpoint, cluster.masterAuths]).apply(([endpoint, auths]) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: `https://${endpoint}`, "certificate-authority-data": auths?.[0]?.clusterCaCertificate ?? "" } }],
    users: [
      {
        name: clusterName,
        user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", provideClusterInfo: true } },
      },
    ],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
  }),
);
const k8sProvider = new k8s.Provider("gke", { kubeconfig, enableServerSideApply: true });
const providers = { providers: [gcpProvider, k8sProvider] };

// ---- The pipeline spec: the kit's example, reading its dataset from this store unless `datasetUri` is set. ----
const raw = parseYaml(fs.readFileSync(pipelineFile, "utf8")) as { name: string; dataset: { uri: string } };
const names = objectNames(FineTuningPipelineSpecSchema.parse(raw));

// ---- Namespace: PSS restricted + default-deny NetworkPolicy. ----
const ns = new PipelineNamespace("pipelines", { namespace }, providers);

// ---- Artifact registry: GCS + Artifact Registry with CMEK, Workload Identity for the pipeline's ServiceAccount. ----
const registry = new GcpArtifactRegistry(
  "finetune",
  { project, region, kubernetesNamespace: namespace, kubernetesServiceAccount: names.serviceAccount },
  providers,
);
const spec = FineTuningPipelineSpecSchema.parse({
  ...raw,
  dataset: { ...raw.dataset, uri: config.get("datasetUri") ?? `${registry.contract.datasetsUri}/${path.posix.basename(raw.dataset.uri)}` },
});

// ---- GPU nodes: a spot node pool and an on-demand fallback pool, both scaling from zero. ----
const pool = new GkeGpuNodePool(
  "gpu",
  {
    cluster: clusterName,
    location: region,
    project,
    nodeLocations: zones,
    poolName: spec.compute.pool,
    gpuType,
    capacity: "spot",
    onDemandFallback: true,
    maxNodes,
    fallbackMaxNodes,
  },
  providers,
);
registry.grantPull(
  pool.serviceAccountEmail.apply((e) => `serviceAccount:${e}`),
  { name: "gpu-nodes-pull" },
);

// ---- Driver stack: GKE installs driver + device plugin; the contract tells the pipeline what CUDA it gets. ----
const driver = new CudaDriverStack("cuda", { platform: "gke" }, providers);

// ---- Kueue: spot is tried first, the on-demand flavor only admits when spot quota is used up. ----
const kueue = new KueueInstall("kueue", {}, providers);
const queue = new KueueGpuPool(
  "gpu-queue",
  { pool: pool.contract, namespace, nodesByCapacity: { spot: maxNodes, "on-demand": fallbackMaxNodes } },
  { ...providers, dependsOn: [kueue, ns, pool] },
);

// ---- Argo Workflows + JobSet, then the seven-stage pipeline. ----
const platform = new KubernetesPipelinePlatform("pipeline-platform", { workflowNamespaces: [namespace] }, providers);
const pipeline = new KubernetesFineTuningPipeline(
  spec.name,
  { spec, pool: queue.contract, store: registry.contract, namespace, driver: driver.contract, hubToken: config.getSecret("hubToken") },
  { ...providers, dependsOn: [ns, queue, registry, ...platform.ready] },
);

export const nodePools = pool.nodePoolNames;
export const localQueue = queue.localQueueName;
export const bucket = `gs://${registry.bucketName}`;
export const datasetUri = spec.dataset.uri;
export const containerRegistry = registry.contract.containerRegistry;
export const pipelineServiceAccount = registry.contract.identity;
export const maxCudaVersion = driver.contract.maxCudaVersion;
export const submit = pipeline.submitCommand;
