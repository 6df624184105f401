/**
 * Add a GPU pool and a fine-tuning pipeline to an EKS cluster you already run.
 *
 * Assumes: an EKS cluster (1.30+) with an IAM OIDC provider (IRSA) and access entries enabled; with the default
 * `provisioner: karpenter`, Karpenter v1 is installed and its subnets / security groups carry the
 * `karpenter.sh/discovery: <clusterName>` tag. Your program owns the `aws` and `kubernetes` providers; every
 * finetune-kit component receives them through `providers` and creates nothing with ambient credentials.
 *
 * Run (from a Pulumi project that depends on finetune-kit):
 *   pulumi config set eks-karpenter-pipeline:clusterName prod
 *   pulumi config set eks-karpenter-pipeline:region us-east-1
 *   pulumi config set eks-karpenter-pipeline:accountId 123456789012
 *   pulumi config set eks-karpenter-pipeline:bucketName acme-prod-finetune-artifacts   # optional
 *   pulumi config set eks-karpenter-pipeline:provisioner node-group                   # optional: EKS managed node groups instead of Karpenter
 *   pulumi up
 * Then merge the `karpenterHelmValues` output into your Karpenter release (`settings.interruptionQueue`), attach
 * `karpenterControllerQueuePolicy` to the Karpenter controller role, and start a run with the `submit` output.
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
  EksGpuNodePool,
  FineTuningPipelineSpecSchema,
  KarpenterGpuNodePool,
  KarpenterInterruptionQueue,
  KubernetesFineTuningPipeline,
  KubernetesPipelinePlatform,
  KueueGpuPool,
  KueueInstall,
  PipelineNamespace,
  objectNames,
  type ArtifactStoreContract,
  type AwsArtifactStoreContract,
  type GpuPoolContract,
} from "finetune-kit/aws";

const config = new pulumi.Config();
const clusterName = config.require("clusterName");
const region = config.require("region");
/** Your AWS account: with it every artifact-store URI is a plain string the pipeline renders from. */
const accountId = config.require("accountId");
const namespace = config.get("namespace") ?? "ml-pipelines";
const provisioner = config.get("provisioner") ?? "karpenter";
if (provisioner !== "karpenter" && provisioner !== "node-group") {
  throw new Error(`eks-karpenter-pipeline:provisioner "${provisioner}" is not supported (use karpenter or node-group)`);
}
const gpuType = config.get("gpuType") ?? "l4";
const maxNodes = config.getNumber("maxNodes") ?? 2;
const pipelineFile = config.get("pipelineFile") ?? path.join(__dirname, "..", "..", "pipelines", "examples", "document-classifier.yaml");

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

// ---- The pipeline spec (validated by the kit's schema before anything is created). ----
const spec = FineTuningPipelineSpecSchema.parse(parseYaml(fs.readFileSync(pipelineFile, "utf8")));
const names = objectNames(spec);

// ---- Namespace: PSS restricted + default-deny NetworkPolicy; the pipeline adds its narrow allowances. ----
const ns = new PipelineNamespace("pipelines", { namespace }, providers);

// ---- GPU nodes: a Karpenter NodePool (spot first, on-demand fallback) or EKS managed node groups. ----
let pool: GpuPoolContract;
let nodeRoleName: pulumi.Input<string>;
let karpenterHelmValues: pulumi.Output<{ settings: { interruptionQueue: string } }> | undefined;
let karpenterControllerQueuePolicy: pulumi.Output<string> | undefined;
if (provisioner === "karpenter") {
  // One interruption queue per cluster, shared by every GPU NodePool you add later.
  const interruption = new KarpenterInterruptionQueue("karpenter-interruption", { tags: { cluster: clusterName } }, providers);
  const karpenter = new KarpenterGpuNodePool(
    "gpu",
    { clusterName, poolName: spec.compute.pool, gpuType, maxNodes, createInterruptionQueue: false, tags: { cluster: clusterName } },
    providers,
  );
  pool = karpenter.contract;
  nodeRoleName = karpenter.nodeRoleName;
  karpenterHelmValues = interruption.helmValues;
  karpenterControllerQueuePolicy = interruption.controllerPolicyJson;
} else {
  const subnetIds = config.getObject<string[]>("subnetIds") ?? cluster.vpcConfig.subnetIds;
  const nodeGroup = new EksGpuNodePool(
    "gpu",
    { clusterName, subnetIds, poolName: spec.compute.pool, gpuType, maxNodes, tags: { cluster: clusterName } },
    providers,
  );
  pool = nodeGroup.contract;
  nodeRoleName = nodeGroup.nodeRoleArn.apply((arn) => arn.split("/").pop() ?? arn);
}

// ---- Driver stack: the EKS NVIDIA AMI ships the driver; the GPU Operator adds device plugin + DCGM. ----
const driver = new CudaDriverStack("cuda", { platform: "eks", mode: "preinstalled" }, providers);

// ---- Kueue and the pool's queues (LocalQueue in the pipeline namespace). ----
const kueue = new KueueInstall("kueue", {}, providers);
const queue = new KueueGpuPool("gpu-queue", { pool, namespace, kueue: kueue.contract }, { ...providers, dependsOn: [ns] });

// ---- Artifact registry: S3 + ECR + Model Package Group with a customer-managed key (protected). ----
const irsaRoleName = `${clusterName}-${spec.name}-pipeline`;
const irsaRoleArn = `arn:aws:iam::${accountId}:role/${irsaRoleName}`;
const registry = new AwsArtifactRegistry(
  "finetune",
  { region, accountId, bucketName: config.get("bucketName"), createAccessRole: false, identityRoleArn: irsaRoleArn, tags: { cluster: clusterName } },
  providers,
);

// The pipeline's ServiceAccount assumes this role through the cluster's OIDC provider (IRSA).
const issuer = cluster.identities.apply((ids) => (ids?.[0]?.oidcs?.[0]?.issuer ?? "").replace(/^https:\/\//, ""));
const irsaRole = new aws.iam.Role(
  "pipeline-irsa",
  {
    name: irsaRoleName,
    description: `finetune-kit pipeline ${spec.name} on ${clusterName} (IRSA)`,
    assumeRolePolicy: issuer.apply((oidc) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${oidc}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { [`${oidc}:sub`]: `system:serviceaccount:${namespace}:${names.serviceAccount}`, [`${oidc}:aud`]: "sts.amazonaws.com" },
            },
          },
        ],
      }),
    ),
    tags: { cluster: clusterName },
  },
  { provider: awsProvider },
);
registry.grantReadWrite(irsaRole, "", { name: "pipeline-bucket" });
registry.grantModelRegistry(irsaRole, { name: "pipeline-model-registry" });
registry.grantPull(nodeRoleName, { name: "gpu-nodes-ecr-pull" });

/** The registry's contract as plain strings (they are, because `accountId` is given) plus the IRSA annotation. */
function pipelineStore(c: AwsArtifactStoreContract): ArtifactStoreContract {
  const { containerRegistry, identity, kmsKeyId } = c;
  if (typeof containerRegistry !== "string" || typeof identity !== "string" || typeof kmsKeyId !== "string") {
    throw new Error("AwsArtifactRegistry contract is not plain: set eks-karpenter-pipeline:accountId");
  }
  return { ...c, containerRegistry, identity, kmsKeyId, serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": identity } };
}

// ---- Argo Workflows + JobSet, then the seven-stage pipeline. ----
const platform = new KubernetesPipelinePlatform("pipeline-platform", { workflowNamespaces: [namespace] }, providers);
const pipeline = new KubernetesFineTuningPipeline(
  spec.name,
  { spec, pool: queue.contract, store: pipelineStore(registry.contract), namespace, driver: driver.contract, hubToken: config.getSecret("hubToken") },
  { ...providers, dependsOn: [ns, queue, registry, irsaRole, ...platform.ready] },
);

export const localQueue = queue.localQueueName;
export const bucket = `s3://${registry.bucketName}`;
export const containerRegistry = registry.contract.containerRegistry;
export const pipelineRoleArn = irsaRole.arn;
export const driverVersion = driver.contract.driverVersion;
export const submit = pipeline.submitCommand;
/** Merge into the Karpenter chart's values (`settings.interruptionQueue`); undefined with managed node groups. */
export { karpenterHelmValues, karpenterControllerQueuePolicy };
