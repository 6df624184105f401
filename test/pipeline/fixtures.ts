import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import type { MonitoringContract } from "../../core/contracts/monitoring";
import { FineTuningPipelineSpecSchema, type FineTuningPipelineSpec, type FineTuningPipelineSpecInput } from "../../pipelines/spec";

/** Typed stand-in contracts (the real ones come from the pool/store/monitoring components). */
export const l4Pool: GpuPoolContract = {
  name: "l4-spot",
  platform: "gke",
  gpuType: "l4",
  gpusPerNode: 1,
  gpuMemoryGiB: 24,
  computeCapability: "8.9",
  architecture: "ada-lovelace",
  capacityTypes: ["spot", "on-demand"],
  maxNodes: 4,
  nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4", "cloud.google.com/gke-spot": "true" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  localQueueName: "l4-spot",
  flavors: ["l4-spot", "l4-on-demand"],
  karpenter: false,
  gpuResourceName: "nvidia.com/gpu",
};

export const h100Pool: GpuPoolContract = {
  name: "h100-spot",
  platform: "karpenter",
  gpuType: "h100",
  gpusPerNode: 8,
  gpuMemoryGiB: 80,
  computeCapability: "9.0",
  architecture: "hopper",
  capacityTypes: ["spot", "on-demand"],
  maxNodes: 4,
  nodeSelector: { "karpenter.sh/nodepool": "h100-spot" },
  tolerations: [
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    { key: "finetune.dev/gpu-pool", operator: "Equal", value: "h100-spot", effect: "NoSchedule" },
  ],
  localQueueName: "h100-spot",
  flavors: ["h100-spot"],
  karpenter: true,
  gpuResourceName: "nvidia.com/gpu",
};

export const sageMakerL4Pool: GpuPoolContract = {
  ...l4Pool,
  platform: "sagemaker",
  nodeSelector: {},
  tolerations: [],
  localQueueName: undefined,
  instanceType: "ml.g6.2xlarge",
};
export const sageMakerH100Pool: GpuPoolContract = {
  ...h100Pool,
  platform: "sagemaker",
  nodeSelector: {},
  tolerations: [],
  localQueueName: undefined,
  karpenter: false,
  instanceType: "ml.p5.48xlarge",
};

export const minioStore: ArtifactStoreContract = {
  platform: "kubernetes",
  scheme: "s3",
  bucket: "finetune",
  datasetsUri: "s3://finetune/datasets",
  modelsUri: "s3://finetune/models",
  checkpointsUri: "s3://finetune/checkpoints",
  runsUri: "s3://finetune/runs",
  registryUri: "s3://finetune/registry",
  containerRegistry: "registry.internal.example/finetune",
  s3Endpoint: "http://minio.finetune-store.svc:9000",
  credentialsSecretName: "finetune-store-credentials",
  serviceAccountAnnotations: {},
  identity: "secret:finetune-store-credentials",
  egress: { hosts: ["minio.finetune-store.svc"], cidrs: ["10.96.0.0/12"], ports: [9000] },
};

export const gcsStore: ArtifactStoreContract = {
  platform: "gcp",
  scheme: "gs",
  bucket: "acme-finetune",
  datasetsUri: "gs://acme-finetune/datasets",
  modelsUri: "gs://acme-finetune/models",
  checkpointsUri: "gs://acme-finetune/checkpoints",
  runsUri: "gs://acme-finetune/runs",
  registryUri: "gs://acme-finetune/registry",
  containerRegistry: "us-central1-docker.pkg.dev/acme/finetune",
  serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": "finetune-pipeline@acme.iam.gserviceaccount.com" },
  identity: "finetune-pipeline@acme.iam.gserviceaccount.com",
  kmsKeyId: "projects/acme/locations/us-central1/keyRings/finetune/cryptoKeys/artifacts",
  egress: { hosts: ["storage.googleapis.com"], cidrs: [], ports: [443] },
};

export const awsStore: ArtifactStoreContract = {
  platform: "aws",
  scheme: "s3",
  bucket: "acme-finetune-artifacts",
  datasetsUri: "s3://acme-finetune-artifacts/datasets",
  modelsUri: "s3://acme-finetune-artifacts/models",
  checkpointsUri: "s3://acme-finetune-artifacts/checkpoints",
  runsUri: "s3://acme-finetune-artifacts/runs",
  registryUri: "s3://acme-finetune-artifacts/registry",
  containerRegistry: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune",
  serviceAccountAnnotations: {},
  identity: "arn:aws:iam::123456789012:role/finetune-pipeline",
  modelPackageGroupName: "finetune-models",
  kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef",
  egress: { hosts: ["s3.us-east-1.amazonaws.com"], cidrs: [], ports: [443] },
};

export const prometheusMonitoring: MonitoringContract = {
  platform: "prometheus",
  selectorLabels: { release: "kube-prometheus-stack" },
  namespace: "monitoring",
  pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091",
};

export const EXAMPLES_DIR = path.join(__dirname, "..", "..", "pipelines", "examples");

/** Every example spec file, parsed as YAML (not yet validated). */
export function exampleInputs(): Record<string, FineTuningPipelineSpecInput> {
  return Object.fromEntries(
    fs
      .readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => [f.replace(/\.yaml$/, ""), parse(fs.readFileSync(path.join(EXAMPLES_DIR, f), "utf8")) as FineTuningPipelineSpecInput]),
  );
}

export function example(name: string): FineTuningPipelineSpec {
  return FineTuningPipelineSpecSchema.parse(exampleInputs()[name]);
}

/** A minimal valid spec input; override fields per test. */
export function minimalSpec(overrides: Record<string, unknown> = {}): FineTuningPipelineSpecInput {
  return {
    name: "support",
    baseModel: { id: "meta-llama/Llama-3.1-8B-Instruct", revision: "0e9e39f249a16976918f6564b8830bc894c89659" },
    dataset: { uri: "s3://acme-finetune-artifacts/datasets/support.jsonl", format: "chat" },
    method: { type: "qlora" },
    compute: { pool: "l4-spot" },
    ...overrides,
  } as FineTuningPipelineSpecInput;
}

export function spec(overrides: Record<string, unknown> = {}): FineTuningPipelineSpec {
  return FineTuningPipelineSpecSchema.parse(minimalSpec(overrides));
}

/** Pools by the names the examples use. */
export const POOLS: Record<string, GpuPoolContract> = { "l4-spot": l4Pool, "h100-spot": h100Pool };
export const SAGEMAKER_POOLS: Record<string, GpuPoolContract> = {
  "l4-spot": { ...sageMakerL4Pool, name: "l4-spot" },
  "h100-spot": { ...sageMakerH100Pool, name: "h100-spot" },
};
