/** Cases for the AWS, GCP and data policies (see cases.ts). */
import { bucket, eksGpuGroup, gcsBucket, gkeGpuPool, helmRelease, iamPolicy, pab, sm, sse, tlsPolicy, versioning, type PolicyCase } from "./cases";
import { k8s, patch, res, sagemakerPipeline } from "./fixtures";

const nodeClassSpec = () => ({
  amiSelectorTerms: [{ alias: "al2023@v20251120" }],
  role: "finetune-node",
  subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "finetune" } }],
  securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "finetune" } }],
});

const compliantBucket = () => {
  const b = bucket();
  return [b, pab(b), sse(b), versioning(b), tlsPolicy(b)];
};

export const CLOUD_CASES: PolicyCase[] = [
  {
    policy: "s3-public-access-block",
    compliant: compliantBucket(),
    violating: (() => {
      const a = bucket("open");
      const b = patch(bucket("acl"), (i) => (i.acl = "public-read"));
      return [a, b, pab(b, { restrictPublicBuckets: false, ignorePublicAcls: false })];
    })(),
    messages: [
      `S3 bucket "finetune-open" has no public access block (add aws.s3.BucketPublicAccessBlock with bucket: <bucket>.id and blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true)`,
      `S3 bucket "finetune-acl" has ACL public-read (remove acl or set it to private)`,
      `S3 bucket "finetune-acl" public access block aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock "acl-pab" leaves ignorePublicAcls and restrictPublicBuckets off (set ignorePublicAcls: true, restrictPublicBuckets: true)`,
    ],
  },
  {
    policy: "s3-sse-kms",
    compliant: [
      ...compliantBucket(),
      res("aws:s3/bucket:Bucket", "inline", {
        bucket: "inline",
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: "arn:aws:kms:us-east-1:1:key/k" } },
        },
      }),
    ],
    violating: (() => {
      const a = bucket("plain");
      const b = bucket("aes");
      const c = bucket("awskey");
      return [a, b, sse(b, { sseAlgorithm: "AES256" }), c, sse(c, { sseAlgorithm: "aws:kms" })];
    })(),
    messages: [
      `S3 bucket "finetune-plain" has no default encryption with a customer-managed KMS key (add aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm: aws:kms and kmsMasterKeyId: <key ARN>)`,
      `S3 bucket "finetune-aes" default encryption uses AES256 instead of a customer-managed KMS key (set sseAlgorithm: aws:kms and kmsMasterKeyId to the kit's KMS key ARN)`,
      `S3 bucket "finetune-awskey" default encryption uses the AWS-managed key instead of a customer-managed KMS key (set sseAlgorithm: aws:kms and kmsMasterKeyId to the kit's KMS key ARN)`,
    ],
  },
  {
    policy: "s3-versioning",
    compliant: [...compliantBucket(), res("aws:s3/bucket:Bucket", "inline", { bucket: "inline", versioning: { enabled: true } })],
    violating: (() => {
      const a = bucket("nover");
      const b = bucket("suspended");
      return [a, b, versioning(b, "Suspended")];
    })(),
    messages: [
      `S3 bucket "finetune-nover" is not versioned, so an overwrite or delete loses data (add aws.s3.BucketVersioning with versioningConfiguration: {status: "Enabled"})`,
      `S3 bucket "finetune-suspended" is not versioned, so an overwrite or delete loses data (add aws.s3.BucketVersioning with versioningConfiguration: {status: "Enabled"})`,
    ],
  },
  {
    policy: "s3-tls-only",
    compliant: compliantBucket(),
    violating: (() => {
      const a = bucket("notls");
      const b = bucket("wrongtls");
      return [a, b, tlsPolicy(b, "true")];
    })(),
    messages: [
      `S3 bucket "finetune-notls" accepts plain-HTTP requests (attach aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: {Bool: {"aws:SecureTransport": "false"}}})`,
      `S3 bucket "finetune-wrongtls" accepts plain-HTTP requests (attach aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: {Bool: {"aws:SecureTransport": "false"}}})`,
    ],
  },
  {
    policy: "ecr-immutable-tags",
    compliant: [
      res(
        "aws:ecr/repository:Repository",
        "trainer",
        { name: "finetune/trainer", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } },
        { protect: true },
      ),
    ],
    violating: [res("aws:ecr/repository:Repository", "trainer", { name: "finetune/trainer" }, { protect: true })],
    messages: [
      `ECR repository "finetune/trainer" has mutable tags (MUTABLE by default), so a pushed image can be replaced under the same tag (set imageTagMutability: IMMUTABLE)`,
    ],
  },
  {
    policy: "ecr-scan-on-push",
    compliant: [
      res(
        "aws:ecr/repository:Repository",
        "trainer",
        { name: "finetune/trainer", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } },
        { protect: true },
      ),
    ],
    violating: [
      res(
        "aws:ecr/repository:Repository",
        "trainer",
        { name: "finetune/trainer", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: false } },
        { protect: true },
      ),
    ],
    messages: [`ECR repository "finetune/trainer" does not scan images on push (set imageScanningConfiguration: {scanOnPush: true})`],
  },
  {
    policy: "kms-key-rotation",
    compliant: [
      res("aws:kms/key:Key", "data", { enableKeyRotation: true }, { protect: true }),
      res("aws:kms/key:Key", "signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }, { protect: true }),
      res("gcp:kms/cryptoKey:CryptoKey", "data", { name: "data", keyRing: "r", rotationPeriod: "7776000s" }, { protect: true }),
    ],
    violating: [
      res("aws:kms/key:Key", "data", { description: "x" }, { protect: true }),
      res("gcp:kms/cryptoKey:CryptoKey", "data", { name: "data", keyRing: "r" }, { protect: true }),
    ],
    messages: [
      `KMS key "data" does not rotate (set enableKeyRotation: true)`,
      `Cloud KMS key "data" does not rotate (set rotationPeriod, e.g. "7776000s" for 90 days)`,
    ],
  },
  {
    policy: "iam-no-wildcard-actions",
    compliant: [
      iamPolicy(["s3:GetObject", "s3:PutObject"]),
      res("aws:iam/rolePolicy:RolePolicy", "deny", {
        role: "r",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] },
      }),
    ],
    violating: [
      iamPolicy(["s3:*", "s3:GetObject"]),
      res("aws:iam/role:Role", "exec", {
        assumeRolePolicy: "{}",
        inlinePolicies: [{ name: "all", policy: JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } }) }],
      }),
    ],
    messages: [
      `aws:iam/policy:Policy "pipeline-access" policy statement 0 (Sid Data) allows wildcard actions s3:* (list the exact actions it needs instead)`,
      `aws:iam/role:Role "exec" inline policy "all" statement 0 allows wildcard actions NotAction iam:* (list the exact actions it needs instead)`,
    ],
  },
  {
    policy: "eks-node-group-no-ssh",
    compliant: [eksGpuGroup()],
    violating: [eksGpuGroup({ remoteAccess: { ec2SshKey: "ops-key" } })],
    messages: [`EKS node group "gpu-l4" opens SSH with key ops-key (remove remoteAccess; use SSM Session Manager)`],
  },
  {
    policy: "eks-node-imdsv2",
    compliant: [
      eksGpuGroup(),
      res("aws:ec2/launchTemplate:LaunchTemplate", "gpu", {
        name: "gpu",
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      }),
      k8s({ apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: { name: "gpu" }, spec: nodeClassSpec() }),
    ],
    violating: [
      eksGpuGroup({ launchTemplate: undefined }),
      res("aws:ec2/launchTemplate:LaunchTemplate", "gpu", { name: "gpu", metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 } }),
      k8s({
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: "gpu" },
        spec: { ...nodeClassSpec(), metadataOptions: { httpPutResponseHopLimit: 2 } },
      }),
    ],
    messages: [
      `EKS node group "gpu-l4" uses EKS's default launch template, whose IMDS hop limit lets pods reach node credentials (set launchTemplate to a template with metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1})`,
      `launch template "gpu" does not enforce IMDSv2 with hop limit 1 (set metadataOptions.httpTokens: required, metadataOptions.httpPutResponseHopLimit: 1)`,
      `Karpenter EC2NodeClass "gpu" weakens IMDS protection (set spec.metadataOptions.httpPutResponseHopLimit: 1)`,
    ],
  },
  {
    policy: "sagemaker-training-network",
    compliant: [sagemakerPipeline()],
    violating: [
      sm((d) => {
        delete d.Steps[0].Arguments.VpcConfig;
        d.Steps[0].Arguments.EnableNetworkIsolation = false;
      }),
    ],
    messages: [
      `SageMaker step "Train" trains outside an isolated VPC (set Steps[0].Arguments.VpcConfig {Subnets, SecurityGroupIds} and Steps[0].Arguments.EnableNetworkIsolation: true)`,
    ],
  },
  {
    policy: "sagemaker-training-encryption",
    compliant: [sagemakerPipeline()],
    violating: [
      sm((d) => {
        delete d.Steps[0].Arguments.EnableInterContainerTrafficEncryption;
        delete d.Steps[0].Arguments.ResourceConfig.VolumeKmsKeyId;
      }),
    ],
    messages: [
      `SageMaker step "Train" leaves training data unencrypted in places (set Steps[0].Arguments.EnableInterContainerTrafficEncryption: true, Steps[0].Arguments.ResourceConfig.VolumeKmsKeyId)`,
    ],
  },
  {
    policy: "cloudwatch-log-retention",
    compliant: [res("aws:cloudwatch/logGroup:LogGroup", "training", { name: "/aws/sagemaker/TrainingJobs", retentionInDays: 30 })],
    violating: [res("aws:cloudwatch/logGroup:LogGroup", "training", { name: "/aws/sagemaker/TrainingJobs" })],
    messages: [`CloudWatch log group "/aws/sagemaker/TrainingJobs" keeps logs forever (set retentionInDays, e.g. 30)`],
  },
  {
    policy: "budget-exists",
    compliant: [
      bucket(),
      res("aws:budgets/budget:Budget", "monthly", { budgetType: "COST", timeUnit: "MONTHLY", limitAmount: "5000", limitUnit: "USD" }),
      k8s({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }),
    ],
    violating: [bucket(), gcsBucket()],
    messages: [
      `the stack creates AWS resources but no budget (add aws.budgets.Budget with a monthly COST limit and notifications)`,
      `the stack creates Google Cloud resources but no budget (add gcp.billing.Budget on the billing account with threshold rules)`,
    ],
  },
  // GCP
  {
    policy: "gcs-public-access-prevention",
    compliant: [gcsBucket()],
    violating: [gcsBucket({ publicAccessPrevention: "inherited" })],
    messages: [`GCS bucket "finetune-data" can be made public (publicAccessPrevention is inherited) (set publicAccessPrevention: enforced)`],
  },
  {
    policy: "gcs-uniform-access",
    compliant: [gcsBucket()],
    violating: [gcsBucket({ uniformBucketLevelAccess: false })],
    messages: [`GCS bucket "finetune-data" allows per-object ACLs (set uniformBucketLevelAccess: true)`],
  },
  {
    policy: "gcs-versioning",
    compliant: [gcsBucket()],
    violating: [gcsBucket({ versioning: undefined })],
    messages: [`GCS bucket "finetune-data" is not versioned, so an overwrite or delete loses data (set versioning: {enabled: true})`],
  },
  {
    policy: "gcs-cmek",
    compliant: [gcsBucket()],
    violating: [gcsBucket({ encryption: undefined })],
    messages: [`GCS bucket "finetune-data" uses Google-managed encryption (set encryption.defaultKmsKeyName to a Cloud KMS key)`],
  },
  {
    policy: "artifact-registry-immutable-tags",
    compliant: [
      res(
        "gcp:artifactregistry/repository:Repository",
        "images",
        { repositoryId: "finetune", format: "DOCKER", location: "us-central1", dockerConfig: { immutableTags: true } },
        { protect: true },
      ),
      res("gcp:artifactregistry/repository:Repository", "py", { repositoryId: "py", format: "PYTHON", location: "us-central1" }, { protect: true }),
    ],
    violating: [
      res("gcp:artifactregistry/repository:Repository", "images", { repositoryId: "finetune", format: "DOCKER", location: "us-central1" }, { protect: true }),
    ],
    messages: [`Artifact Registry repository "finetune" has mutable tags (set dockerConfig: {immutableTags: true})`],
  },
  {
    policy: "gke-node-pool-shielded",
    compliant: [gkeGpuPool(), res("gcp:container/cluster:Cluster", "c", { name: "finetune", removeDefaultNodePool: true, initialNodeCount: 1 })],
    violating: [
      gkeGpuPool({}, { shieldedInstanceConfig: { enableIntegrityMonitoring: false } }),
      res("gcp:container/cluster:Cluster", "c", { name: "finetune", nodeConfig: {} }),
    ],
    messages: [
      `GKE node pool "gpu-l4" nodes are not fully shielded (set nodeConfig.shieldedInstanceConfig {enableSecureBoot: true, enableIntegrityMonitoring: true})`,
      `GKE cluster "finetune" default node pool nodes are not fully shielded (set nodeConfig.shieldedInstanceConfig {enableSecureBoot: true})`,
    ],
  },
  {
    policy: "gke-workload-identity-metadata",
    compliant: [gkeGpuPool()],
    violating: [gkeGpuPool({}, { workloadMetadataConfig: { mode: "GCE_METADATA" } })],
    messages: [
      `GKE node pool "gpu-l4" lets pods reach the node's metadata credentials (mode GCE_METADATA) (set nodeConfig.workloadMetadataConfig.mode: GKE_METADATA)`,
    ],
  },
  {
    policy: "gke-node-service-account",
    compliant: [gkeGpuPool()],
    violating: [
      gkeGpuPool({}, { serviceAccount: "123456789-compute@developer.gserviceaccount.com" }),
      patch(gkeGpuPool(), (i) => delete i.nodeConfig.serviceAccount),
    ],
    messages: [
      `GKE node pool "gpu-l4" runs as the Compute Engine default service account (set nodeConfig.serviceAccount to a dedicated node service account's email)`,
      `GKE node pool "gpu-l4" runs as the Compute Engine default service account (set nodeConfig.serviceAccount to a dedicated node service account's email)`,
    ],
  },
  // data
  {
    policy: "stateful-resources-protected",
    compliant: [
      bucket(),
      gcsBucket(),
      helmRelease("minio", "minio", {}, { protect: true }),
      helmRelease("argo", "argo-workflows"),
      res("aws:sagemaker/modelPackageGroup:ModelPackageGroup", "models", { modelPackageGroupName: "finetune-models" }, { protect: true }),
    ],
    violating: [
      bucket("scratch", { protect: false }),
      helmRelease("minio", "minio"),
      k8s({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "minio-data", namespace: "finetune" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "500Gi" } } },
      }),
      res("aws:sagemaker/modelPackageGroup:ModelPackageGroup", "models", { modelPackageGroupName: "finetune-models" }),
    ],
    messages: [
      `aws:s3/bucket:Bucket "scratch" holds data but is not protected, so pulumi destroy or a replacement deletes it (create it with the resource option protect: true)`,
      `kubernetes:helm.sh/v3:Release "minio" holds data but is not protected, so pulumi destroy or a replacement deletes it (create it with the resource option protect: true)`,
      `kubernetes:core/v1:PersistentVolumeClaim "minio-data" holds data but is not protected, so pulumi destroy or a replacement deletes it (create it with the resource option protect: true)`,
      `aws:sagemaker/modelPackageGroup:ModelPackageGroup "models" holds data but is not protected, so pulumi destroy or a replacement deletes it (create it with the resource option protect: true)`,
    ],
  },
  {
    policy: "no-force-destroy",
    compliant: [bucket(), gcsBucket({ forceDestroy: false })],
    violating: [
      patch(bucket(), (i) => (i.forceDestroy = true)),
      res("aws:ecr/repository:Repository", "r", { name: "r", forceDelete: true }, { protect: true }),
    ],
    messages: [
      `aws:s3/bucket:Bucket "data" sets forceDestroy: true, so deleting it deletes every object in it (remove forceDestroy or set it to false)`,
      `aws:ecr/repository:Repository "r" sets forceDelete: true, so deleting it deletes every object in it (remove forceDelete or set it to false)`,
    ],
  },
];
