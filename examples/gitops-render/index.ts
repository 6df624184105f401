/**
 * Render a fine-tuning pipeline as plain YAML for Argo CD or Flux: no Pulumi engine, no cloud credentials, no
 * resources — only finetune-kit's pure renderers (pipeline spec schema, pool contract builder, Kueue and
 * Kubernetes pipeline renderers, Helm values, Mermaid).
 *
 * Assumes a cluster whose GPU nodes you already run and label (`finetune.dev/pool`, `finetune.dev/gpu-type`,
 * tainted `nvidia.com/gpu=present:NoSchedule`), an S3-compatible object store with a credentials Secret in the
 * pipeline namespace (e.g. from External Secrets), and that your GitOps tool installs the charts listed in
 * `charts.yaml` with the values in `values/` (Argo Workflows, JobSet, Kueue, NVIDIA GPU Operator).
 *
 * Run from the repository root (tsx honours tsconfig.json's `finetune-kit` path):
 *   npx tsx examples/gitops-render/index.ts ./gitops/doc-classifier [pipelines/examples/document-classifier.yaml]
 * Commit the folder and point an Argo CD Application (`source.path`) or a Flux Kustomization (`spec.path`) at it;
 * both build `kustomization.yaml`. Re-run after changing the spec; the output is deterministic.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml, stringify } from "yaml";
import {
  FineTuningPipelineSpecSchema,
  GPU_STACK_CHARTS,
  PIPELINE_CHARTS,
  argoWorkflowsValues,
  existingNodesPoolContract,
  flavorName,
  jobsetValues,
  layoutUris,
  loadStageScripts,
  planDriverStack,
  renderKubernetesPipeline,
  renderKueueGpuPool,
  renderKueueValues,
  renderMermaid,
  renderPipelineNamespace,
  renderScriptsConfigMap,
  type ArtifactStoreContract,
  type ExistingNodesPoolArgs,
} from "finetune-kit/kubernetes";

/** What the rendered pipeline runs on. Every field has a default that matches the header comment. */
export interface GitOpsOptions {
  /** Pipeline spec (YAML, one `finetune:pipelines` entry). @default pipelines/examples/document-classifier.yaml */
  pipelineFile?: string;
  /** Namespace of the pipeline (created, PSS restricted, default-deny). @default "ml-pipelines" */
  namespace?: string;
  /** The existing GPU nodes; `name` must equal the spec's `compute.pool`. @default { name: spec.compute.pool, gpuType: "l4", maxNodes: 2 } */
  pool?: Omit<ExistingNodesPoolArgs, "name">;
  /** CPU / memory (GiB) per GPU node counted in the Kueue quota. @default { cpu: 14, memoryGiB: 54 } (a g6.4xlarge-like L4 node after reservations) */
  nodeResources?: { cpu: number; memoryGiB: number };
  /** The S3-compatible store. @default an in-house endpoint `https://s3.acme.internal:9000`, bucket `acme-finetune-artifacts` */
  store?: { endpoint: string; host: string; port: number; bucket: string; credentialsSecret: string; containerRegistry: string };
}

/** What {@link renderGitOps} wrote. */
export interface GitOpsResult {
  /** Paths written, relative to `outDir`, sorted. */
  files: string[];
  /** The Kubernetes objects, in apply order (also written one per file under `manifests/`). */
  objects: Array<{ apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }>;
}

const DEFAULT_STORE = {
  endpoint: "https://s3.acme.internal:9000",
  host: "s3.acme.internal",
  port: 9000,
  bucket: "acme-finetune-artifacts",
  credentialsSecret: "finetune-store-credentials",
  containerRegistry: "registry.acme.internal/ml",
};

/** Renders the pipeline and everything it needs in its namespace into `outDir` (replacing the files there). */
export function renderGitOps(outDir: string, options: GitOpsOptions = {}): GitOpsResult {
  const pipelineFile = options.pipelineFile ?? path.join(__dirname, "..", "..", "pipelines", "examples", "document-classifier.yaml");
  const namespace = options.namespace ?? "ml-pipelines";
  const spec = FineTuningPipelineSpecSchema.parse(parseYaml(fs.readFileSync(pipelineFile, "utf8")));
  if (spec.baseModel.gated && !spec.baseModel.hubTokenSecret) {
    throw new Error(
      `${pipelineFile}: ${spec.baseModel.id} is gated; GitOps keeps no secrets in Git (name the Secret your secret manager creates in baseModel.hubTokenSecret)`,
    );
  }

  const pool = existingNodesPoolContract({ gpuType: "l4", maxNodes: 2, ...options.pool, name: spec.compute.pool });
  const s = options.store ?? DEFAULT_STORE;
  const store: ArtifactStoreContract = {
    platform: "kubernetes",
    scheme: "s3",
    bucket: s.bucket,
    ...layoutUris({ scheme: "s3", bucket: s.bucket }),
    containerRegistry: s.containerRegistry,
    s3Endpoint: s.endpoint,
    credentialsSecretName: s.credentialsSecret,
    serviceAccountAnnotations: {},
    identity: `secret/${namespace}/${s.credentialsSecret}`,
    egress: { hosts: [s.host], cidrs: [], ports: [s.port] },
  };
  // The GPU Operator installs the driver (bare Kubernetes); the plan is pure and gives values + contract.
  const driver = planDriverStack("gpu-operator", { platform: "kubernetes", mode: "gpu-operator" });

  const ns = renderPipelineNamespace(namespace);
  const res = options.nodeResources ?? { cpu: 14, memoryGiB: 54 };
  const kueue = renderKueueGpuPool({
    pool,
    namespace,
    clusterQueueName: pool.name,
    localQueueName: pool.name,
    nodesByCapacity: Object.fromEntries(pool.capacityTypes.map((c) => [c, pool.maxNodes])),
    cpuPerNode: res.cpu,
    memoryGiBPerNode: res.memoryGiB,
  });
  // The pool as the pipeline sees it once Kueue queues it (what KueueGpuPool's contract adds).
  const queued = { ...pool, localQueueName: pool.name, flavors: pool.capacityTypes.map((c) => flavorName(pool.name, c)) };
  const pipeline = renderKubernetesPipeline({ spec, pool: queued, store, namespace, driver: driver.contract });
  const objects = [
    ns.namespace,
    ns.defaultDeny,
    ...kueue.flavors,
    kueue.clusterQueue,
    kueue.localQueue,
    renderScriptsConfigMap(spec, namespace, loadStageScripts()),
    ...pipeline.objects,
  ] as GitOpsResult["objects"];

  const files: Record<string, string> = {};
  const manifestFiles = objects.map((o, i) => {
    const file = `manifests/${String(i).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
    files[file] = stringify(o, { lineWidth: 0 });
    return file;
  });
  // Argo CD and Flux both build a kustomization; the list keeps apply order (CRs after their namespace).
  files["kustomization.yaml"] = stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: manifestFiles });
  files["values/argo-workflows.yaml"] = stringify(argoWorkflowsValues({ workflowNamespaces: [namespace], server: false }));
  files["values/jobset.yaml"] = stringify(jobsetValues());
  files["values/kueue.yaml"] = stringify(renderKueueValues({ waitForPodsReadyTimeout: "10m", enablePrometheus: false }));
  files["values/gpu-operator.yaml"] = stringify(driver.values ?? {});
  files["charts.yaml"] = stringify({
    // Install these (pinned) before syncing manifests/: they bring the CRDs the objects use.
    "argo-workflows": { ...PIPELINE_CHARTS.argoWorkflows, values: "values/argo-workflows.yaml" },
    jobset: { ...PIPELINE_CHARTS.jobset, values: "values/jobset.yaml" },
    kueue: { ...GPU_STACK_CHARTS.kueue, values: "values/kueue.yaml" },
    "gpu-operator": {
      ...GPU_STACK_CHARTS.gpuOperator,
      namespace: "gpu-operator",
      namespaceLabels: { "pod-security.kubernetes.io/enforce": "privileged" },
      values: "values/gpu-operator.yaml",
    },
  });
  files["pipeline.mmd"] = renderMermaid(spec);

  fs.rmSync(path.join(outDir, "manifests"), { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.writeFileSync(path.join(outDir, file), content);
  }
  return { files: Object.keys(files).sort(), objects };
}

if (typeof require !== "undefined" && require.main === module) {
  const [outDir, pipelineFile] = process.argv.slice(2);
  if (!outDir) {
    console.error("usage: npx tsx examples/gitops-render/index.ts <outDir> [pipeline.yaml]");
    process.exit(2);
  }
  const { files } = renderGitOps(outDir, pipelineFile ? { pipelineFile: path.resolve(pipelineFile) } : {});
  console.log(`wrote ${files.length} files to ${outDir}`);
}
