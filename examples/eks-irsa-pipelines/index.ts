/**
 * Two fine-tuning pipelines on an EKS cluster you already run, sharing one AWS artifact registry, each with its
 * own IAM role bound to its own ServiceAccount: by IRSA (the cluster's IAM OIDC provider) or EKS Pod Identity.
 * A role reaches only its pipeline's prefixes (`runs/<pipeline>/`, `checkpoints/<pipeline>/`,
 * `registry/<pipeline>/`, its dataset and base-model snapshots), the bucket key through S3, and ECR pull.
 *
 * Assumes: an EKS cluster (1.30+) with Karpenter v1 (subnets / security groups tagged
 * `karpenter.sh/discovery: <clusterName>`) and either an IAM OIDC provider (IRSA, the default) or the EKS Pod
 * Identity Agent add-on (`identityMode: pod-identity`).
 *
 * Run (from a Pulumi project that depends on finetune-kit):
 *   pulumi config set eks-irsa-pipelines:clusterName prod
 *   pulumi config set eks-irsa-pipelines:region us-east-1
 *   pulumi config set eks-irsa-pipelines:accountId 123456789012
 *   pulumi config set eks-irsa-pipelines:bucketName acme-finetune-artifacts   # the bucket the specs' datasets are in
 *   pulumi config set --secret eks-irsa-pipelines:hubToken hf_...             # support-assistant's base model is gated
 *   pulumi config set eks-irsa-pipelines:identityMode pod-identity            # optional: EKS Pod Identity instead of IRSA
 *   pulumi up
 */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  AwsArtifactRegistry,
  CudaDriverStack,
  EksIdentityMode,
  EksPipelineIdentity,
  eksIdentityStoreOf,
  FineTuningPipelineSpecSchema,
  KarpenterGpuNodePool,
  KubernetesFineTuningPipeline,
  KubernetesPipelinePlatform,
  KueueGpuPool,
  KueueInstall,
  PipelineNamespace,
  type ArtifactStoreContract,
  type AwsArtifactStoreContract,
} from "finetune-kit/aws";

const config = new pulumi.Config();
const clusterName = config.require("clusterName");
const region = config.require("region");
const accountId = config.require("accountId");
const namespace = config.get("namespace") ?? "ml-pipelines";
const identityMode = config.get("identityMode") ?? EksIdentityMode.Irsa;
if (identityMode !== EksIdentityMode.Irsa && identityMode !== EksIdentityMode.PodIdentity) {
  throw new Error(`eks-irsa-pipelines:identityMode "${identityMode}" is not supported (use irsa or pod-identity)`);
}
const specsDir = path.join(__dirname, "..", "..", "pipelines", "examples");
const pipelineFiles = config.getObject<string[]>("pipelineFiles") ?? [
  path.join(specsDir, "document-classifier.yaml"),
  path.join(specsDir, "support-assistant.yaml"),
];

// ---- Your providers (in an existing stack you already have these). ----
const awsProvider = new aws.Provider("aws", { region: region as aws.Region });
const cluster = aws.eks.getClusterOutput({ name: clusterName }, { provider: awsProvider });
const kubeconfig = pulumi.all([cluster.endpoint, cluster.certificateAuthorities]).apply(([endpoint, cas]) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": cas?.[0]?.data ?? "" } }],
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
          },
        },
      },
    ],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
  }),
);
const k8sProvider = new k8s.Provider("eks", { kubeconfig, enableServerSideApply: true });
const providers = { providers: [awsProvider, k8sProvider] };

// ---- The pipeline specs (validated by the kit's schema before anything is created). ----
const specs = pipelineFiles.map((f) => FineTuningPipelineSpecSchema.parse(parseYaml(fs.readFileSync(f, "utf8"))));

// ---- Shared platform: namespace, one Karpenter GPU pool + Kueue, the driver stack, Argo + JobSet. ----
const ns = new PipelineNamespace("pipelines", { namespace }, providers);
const poolName = specs[0].compute.pool;
const gpu = new KarpenterGpuNodePool(
  "gpu",
  { clusterName, poolName, gpuType: config.get("gpuType") ?? "l4", maxNodes: config.getNumber("maxNodes") ?? 2, tags: { cluster: clusterName } },
  providers,
);
const driver = new CudaDriverStack("cuda", { platform: "eks", mode: "preinstalled" }, providers);
const kueue = new KueueInstall("kueue", {}, providers);
const queue = new KueueGpuPool("gpu-queue", { pool: gpu.contract, namespace }, { ...providers, dependsOn: [kueue, ns] });
const platform = new KubernetesPipelinePlatform("pipeline-platform", { workflowNamespaces: [namespace] }, providers);

// ---- One artifact registry; no shared access role: each pipeline gets its own. ----
const registry = new AwsArtifactRegistry(
  "finetune",
  { region, accountId, bucketName: config.get("bucketName"), createAccessRole: false, tags: { cluster: clusterName } },
  providers,
);
// Image pulls by the kubelet use the node role.
registry.grantPull(gpu.nodeRoleName, { name: "gpu-nodes-ecr-pull" });

/** The registry's contract as plain strings (they are, because `accountId` is given). */
function plainStore(c: AwsArtifactStoreContract): ArtifactStoreContract {
  const { containerRegistry, identity, kmsKeyId } = c;
  if (typeof containerRegistry !== "string" || typeof identity !== "string" || typeof kmsKeyId !== "string") {
    throw new Error("AwsArtifactRegistry contract is not plain: set eks-irsa-pipelines:accountId");
  }
  return { ...c, containerRegistry, identity, kmsKeyId };
}
const store = plainStore(registry.contract);

// ---- The cluster's workload-identity binding. ----
const issuerUrl = cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
const binding =
  identityMode === EksIdentityMode.Irsa
    ? {
        mode: EksIdentityMode.Irsa,
        irsa: { issuerUrl, oidcProviderArn: issuerUrl.apply((u) => `arn:aws:iam::${accountId}:oidc-provider/${u.replace(/^https:\/\//, "")}`) },
      }
    : { mode: EksIdentityMode.PodIdentity, podIdentity: { clusterName } };

// ---- Two pipelines, each with its own role. ----
const pipelines = specs.map((spec) => {
  const identity = new EksPipelineIdentity(
    `${spec.name}-identity`,
    { spec, namespace, store: eksIdentityStoreOf(registry, region), ...binding, tags: { cluster: clusterName } },
    providers,
  );
  const pipeline = new KubernetesFineTuningPipeline(
    spec.name,
    { spec, pool: queue.contract, store, namespace, driver: driver.contract, hubToken: config.getSecret("hubToken"), identity: identity.identity },
    { ...providers, dependsOn: [ns, queue, registry, identity, ...platform.ready] },
  );
  return { spec, identity, pipeline };
});

export const bucket = `s3://${registry.bucketName}`;
export const roles = Object.fromEntries(pipelines.map((p) => [p.spec.name, p.identity.roleArn]));
export const submit = Object.fromEntries(pipelines.map((p) => [p.spec.name, p.pipeline.submitCommand]));
