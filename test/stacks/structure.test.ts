import { describe, expect, it } from "vitest";
import { runStack, type MockRunResult } from "../harness";
import { typeSet } from "./helpers";

/**
 * The exact set of resource types each stack creates with its example config: an accidental removal (or an
 * unplanned addition) of a capability shows here.
 */
const EXPECTED_TYPES: Record<string, string[]> = {
  kubernetes: [
    "finetune-kit:index:CudaDriverStack",
    "finetune-kit:index:GpuSmokeTest",
    "finetune-kit:index:KubernetesArtifactStore",
    "finetune-kit:index:KubernetesFineTuningPipeline",
    "finetune-kit:index:KubernetesPipelinePlatform",
    "finetune-kit:index:KueueGpuPool",
    "finetune-kit:index:KueueInstall",
    "finetune-kit:index:PipelineNamespace",
    "finetune-kit:index:PrometheusMonitoring",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:argoproj.io/v1alpha1:CronWorkflow",
    "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:batch/v1:Job",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Service",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue",
    "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue",
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor",
    "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "pulumi:providers:kubernetes",
  ],
  gcp: [
    "finetune-kit:index:CloudMonitoring",
    "finetune-kit:index:CudaDriverStack",
    "finetune-kit:index:GcpArtifactRegistry",
    "finetune-kit:index:GkeGpuNodePool",
    "finetune-kit:index:KubernetesFineTuningPipeline",
    "finetune-kit:index:KubernetesPipelinePlatform",
    "finetune-kit:index:KueueGpuPool",
    "finetune-kit:index:KueueInstall",
    "finetune-kit:index:ModelCache",
    "finetune-kit:index:PipelineNamespace",
    "finetune-kit:index:PrometheusMonitoring",
    "finetune:infra:GkeCluster",
    "gcp:artifactregistry/repository:Repository",
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    "gcp:billing/budget:Budget",
    "gcp:compute/network:Network",
    "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat",
    "gcp:compute/subnetwork:Subnetwork",
    "gcp:container/cluster:Cluster",
    "gcp:container/nodePool:NodePool",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:kms/keyRing:KeyRing",
    "gcp:monitoring/alertPolicy:AlertPolicy",
    "gcp:monitoring/dashboard:Dashboard",
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:projects/service:Service",
    "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:storage/bucket:Bucket",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:argoproj.io/v1alpha1:CronWorkflow",
    "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:PersistentVolume",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Service",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue",
    "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue",
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor",
    "kubernetes:monitoring.googleapis.com/v1:ClusterPodMonitoring",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "pulumi:providers:gcp",
    "pulumi:providers:kubernetes",
  ],
  "aws-sagemaker": [
    "aws:budgets/budget:Budget",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/repository:Repository",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:kms/alias:Alias",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    "aws:sagemaker/pipeline:Pipeline",
    "aws:scheduler/schedule:Schedule",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "finetune-kit:index:AwsArtifactRegistry",
    "finetune-kit:index:CloudWatchMonitoring",
    "finetune-kit:index:SageMakerFineTuningPipeline",
    "finetune:infra:AwsPrivateNetwork",
    "pulumi:providers:aws",
  ],
};

const runs = new Map<string, Promise<MockRunResult>>();
function run(stack: string): Promise<MockRunResult> {
  if (!runs.has(stack)) runs.set(stack, runStack(stack));
  return runs.get(stack)!;
}

describe.each(Object.keys(EXPECTED_TYPES))("stack %s", (stack) => {
  it("creates exactly the expected resource types", async () => {
    expect(typeSet((await run(stack)).resources)).toEqual(EXPECTED_TYPES[stack]);
  });
});

describe("stack outputs tell a user what to do next", () => {
  it("kubernetes: store URIs, queues, dashboards and the argo submit command of each pipeline", async () => {
    const { outputs } = await run("kubernetes");
    expect(outputs).toMatchObject({
      namespace: "finetune",
      datasetsUri: "s3://finetune-artifacts/datasets",
      checkpointsUri: "s3://finetune-artifacts/checkpoints",
      s3Endpoint: "http://finetune-minio.finetune-storage.svc.cluster.local:9000",
      containerRegistry: "registry.example.com/ml",
      localQueues: { "l4-spot": "l4-spot", "h100-spot": "h100-spot" },
      driver: { mode: "gpu-operator" },
      pipelines: {
        "support-assistant": { start: "argo submit --from workflowtemplate/support-assistant -n finetune" },
        "doc-classifier": { start: "argo submit --from workflowtemplate/doc-classifier -n finetune" },
        "legal-70b-full": { start: "argo submit --from workflowtemplate/legal-70b-full -n finetune" },
      },
    });
    expect(outputs.dashboards).toHaveLength(4);
  });

  it("gcp: credentials command, bucket, registry, Workload Identity account and the GKE-managed driver", async () => {
    const { outputs } = await run("gcp");
    expect(outputs).toMatchObject({
      getCredentials: "gcloud container clusters get-credentials finetune --region us-central1 --project acme-ml-prod",
      bucket: "gs://finetune-artifacts-acme-ml-prod",
      containerRegistry: "us-central1-docker.pkg.dev/acme-ml-prod/finetune",
      pipelineServiceAccount: "finetune-pipeline@acme-ml-prod.iam.gserviceaccount.com",
      driver: { mode: "preinstalled" },
      pipelines: { "support-assistant": { start: "argo submit --from workflowtemplate/support-assistant -n finetune" } },
    });
  });

  it("aws-sagemaker: bucket, ECR registry, model package group, pipeline ARNs and start commands", async () => {
    const { outputs } = await run("aws-sagemaker");
    expect(outputs).toMatchObject({
      bucket: "s3://finetune-artifacts-123456789012-us-east-1",
      containerRegistry: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune",
      pipelines: {
        "support-assistant": {
          arn: "arn:aws:sagemaker:us-east-1:123456789012:pipeline/support-assistant",
          start: "aws sagemaker start-pipeline-execution --pipeline-name support-assistant --region us-east-1",
        },
      },
    });
    expect(String(outputs.alertTopicArn)).toMatch(/^arn:aws:sns:us-east-1:123456789012:/);
  });
});
