/**
 * Realistic outputs for resources and invokes under `pulumi.runtime.setMocks`: ids, ARNs, URLs and the
 * handful of invoke results the kit uses. Pure data; the mock engine applies it.
 */

/** Account, project and region every mock answer uses. */
export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "us-east-1";
export const MOCK_GCP_PROJECT = "finetune-demo-123";

/** A short, stable hex suffix derived from a string (what auto-naming looks like, but deterministic). */
export function stableSuffix(s: string, len = 7): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, "0").slice(0, len);
}

type State = Record<string, unknown>;
type Inputs = Record<string, unknown>;

function str(v: unknown, fallback: string): string {
  return typeof v === "string" && v.length > 0 ? v : fallback;
}

function arn(service: string, resource: string, region = MOCK_REGION): string {
  return `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${resource}`;
}

/** Per-type output overrides: token → (name, inputs) → extra state. */
const byType: Record<string, (name: string, inputs: Inputs) => State> = {
  "aws:s3/bucket:Bucket": (name, i) => {
    const b = str(i.bucket, `${name}-${stableSuffix(name)}`);
    return { id: b, bucket: b, arn: `arn:aws:s3:::${b}`, bucketRegionalDomainName: `${b}.s3.${MOCK_REGION}.amazonaws.com` };
  },
  "aws:s3/bucketV2:BucketV2": (name, i) => {
    const b = str(i.bucket, `${name}-${stableSuffix(name)}`);
    return { id: b, bucket: b, arn: `arn:aws:s3:::${b}`, bucketRegionalDomainName: `${b}.s3.${MOCK_REGION}.amazonaws.com` };
  },
  "aws:kms/key:Key": (name) => {
    const keyId = `mrk-${stableSuffix(name, 8)}${stableSuffix(name + "k", 8)}`;
    return { id: keyId, keyId, arn: arn("kms", `key/${keyId}`) };
  },
  "aws:kms/alias:Alias": (name, i) => ({ arn: arn("kms", str(i.name, `alias/${name}`)) }),
  "aws:iam/role:Role": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${n}`, uniqueId: `AROA${stableSuffix(name, 8).toUpperCase()}` };
  },
  "aws:iam/policy:Policy": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: `arn:aws:iam::${MOCK_ACCOUNT}:policy/${n}`, name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT}:policy/${n}` };
  },
  "aws:iam/instanceProfile:InstanceProfile": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT}:instance-profile/${n}` };
  },
  "aws:ecr/repository:Repository": (name, i) => {
    const n = str(i.name, name);
    return {
      id: n,
      name: n,
      arn: arn("ecr", `repository/${n}`),
      repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${n}`,
      registryId: MOCK_ACCOUNT,
    };
  },
  "aws:sqs/queue:Queue": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return {
      id: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${n}`,
      name: n,
      arn: arn("sqs", n),
      url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${n}`,
    };
  },
  "aws:sns/topic:Topic": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: arn("sns", n), name: n, arn: arn("sns", n) };
  },
  "aws:sagemaker/pipeline:Pipeline": (name, i) => {
    const n = str(i.pipelineName, name);
    return { id: n, arn: arn("sagemaker", `pipeline/${n.toLowerCase()}`) };
  },
  "aws:sagemaker/modelPackageGroup:ModelPackageGroup": (name, i) => {
    const n = str(i.modelPackageGroupName, name);
    return { id: n, arn: arn("sagemaker", `model-package-group/${n.toLowerCase()}`) };
  },
  "aws:ec2/vpc:Vpc": (name) => ({ id: `vpc-${stableSuffix(name, 8)}${stableSuffix(name + "v", 9)}`, arn: arn("ec2", `vpc/vpc-${stableSuffix(name, 8)}`) }),
  "aws:ec2/subnet:Subnet": (name) => ({
    id: `subnet-${stableSuffix(name, 8)}${stableSuffix(name + "s", 9)}`,
    arn: arn("ec2", `subnet/subnet-${stableSuffix(name, 8)}`),
  }),
  "aws:ec2/securityGroup:SecurityGroup": (name) => ({
    id: `sg-${stableSuffix(name, 8)}${stableSuffix(name + "g", 9)}`,
    arn: arn("ec2", `security-group/sg-${stableSuffix(name, 8)}`),
  }),
  "aws:ec2/launchTemplate:LaunchTemplate": (name) => ({
    id: `lt-${stableSuffix(name, 8)}${stableSuffix(name + "l", 9)}`,
    latestVersion: 1,
    arn: arn("ec2", `launch-template/lt-${stableSuffix(name, 8)}`),
  }),
  "aws:eks/nodeGroup:NodeGroup": (name, i) => ({
    arn: arn("eks", `nodegroup/${str(i.clusterName, "cluster")}/${str(i.nodeGroupName, name)}/${stableSuffix(name, 8)}`),
    nodeGroupName: str(i.nodeGroupName, `${name}-${stableSuffix(name)}`),
    resources: [{ autoscalingGroups: [{ name: `eks-${str(i.nodeGroupName, name)}-${stableSuffix(name, 8)}` }], remoteAccessSecurityGroupId: "" }],
  }),
  "aws:cloudwatch/logGroup:LogGroup": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, arn: arn("logs", `log-group:${n}`) };
  },
  "aws:cloudwatch/eventRule:EventRule": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, arn: arn("events", `rule/${n}`) };
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, arn: arn("cloudwatch", `alarm:${n}`) };
  },
  "aws:cloudwatch/dashboard:Dashboard": (name, i) => ({ dashboardArn: `arn:aws:cloudwatch::${MOCK_ACCOUNT}:dashboard/${str(i.dashboardName, name)}` }),
  "gcp:storage/bucket:Bucket": (name, i) => {
    const n = str(i.name, `${name}-${stableSuffix(name)}`);
    return { id: n, name: n, url: `gs://${n}`, selfLink: `https://www.googleapis.com/storage/v1/b/${n}` };
  },
  "gcp:artifactregistry/repository:Repository": (name, i) => {
    const loc = str(i.location, "us-central1");
    const rid = str(i.repositoryId, name);
    const project = str(i.project, MOCK_GCP_PROJECT);
    return { id: `projects/${project}/locations/${loc}/repositories/${rid}`, name: rid };
  },
  "gcp:serviceaccount/account:Account": (name, i) => {
    const a = str(i.accountId, name);
    const project = str(i.project, MOCK_GCP_PROJECT);
    const email = `${a}@${project}.iam.gserviceaccount.com`;
    return {
      id: `projects/${project}/serviceAccounts/${email}`,
      email,
      name: `projects/${project}/serviceAccounts/${email}`,
      member: `serviceAccount:${email}`,
      project,
    };
  },
  "gcp:container/cluster:Cluster": (name, i) => ({
    id: `projects/${str(i.project, MOCK_GCP_PROJECT)}/locations/${str(i.location, "us-central1")}/clusters/${str(i.name, name)}`,
    endpoint: "10.0.0.2",
    masterAuth: { clusterCaCertificate: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMtLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==" },
  }),
  "gcp:compute/network:Network": (name, i) => ({
    selfLink: `https://www.googleapis.com/compute/v1/projects/${MOCK_GCP_PROJECT}/global/networks/${str(i.name, name)}`,
  }),
  "gcp:compute/subnetwork:Subnetwork": (name, i) => ({
    selfLink: `https://www.googleapis.com/compute/v1/projects/${MOCK_GCP_PROJECT}/regions/${str(i.region, "us-central1")}/subnetworks/${str(i.name, name)}`,
  }),
  "gcp:kms/cryptoKey:CryptoKey": (name, i) => ({
    id: `${str(i.keyRing, `projects/${MOCK_GCP_PROJECT}/locations/us-central1/keyRings/ring`)}/cryptoKeys/${str(i.name, name)}`,
  }),
  "gcp:kms/keyRing:KeyRing": (name, i) => ({
    id: `projects/${str(i.project, MOCK_GCP_PROJECT)}/locations/${str(i.location, "us-central1")}/keyRings/${str(i.name, name)}`,
  }),
  "gcp:pubsub/topic:Topic": (name, i) => ({ id: `projects/${MOCK_GCP_PROJECT}/topics/${str(i.name, name)}` }),
  "gcp:monitoring/notificationChannel:NotificationChannel": (name) => ({
    id: `projects/${MOCK_GCP_PROJECT}/notificationChannels/${parseInt(stableSuffix(name, 8), 16)}`,
    name: `projects/${MOCK_GCP_PROJECT}/notificationChannels/${parseInt(stableSuffix(name, 8), 16)}`,
  }),
  "random:index/randomPassword:RandomPassword": (name) => ({ result: `mock-${stableSuffix(name, 8)}-password`, bcryptHash: "$2a$10$mock" }),
};

/** Kubernetes auto-naming: `metadata.name` gets a suffix when absent, namespaced objects default to `default`. */
function kubernetesState(type: string, name: string, inputs: Inputs): State {
  if (type.startsWith("kubernetes:helm.sh/")) {
    const n = str(inputs.name, `${name}-${stableSuffix(name)}`);
    return {
      name: n,
      namespace: str(inputs.namespace, "default"),
      status: { name: n, namespace: str(inputs.namespace, "default"), status: "deployed", version: str(inputs.version, "") },
    };
  }
  const meta = (inputs.metadata ?? {}) as Record<string, unknown>;
  const metaName = str(meta.name, `${name}-${stableSuffix(name, 8)}`);
  return { metadata: { ...meta, name: metaName, uid: `${stableSuffix(name, 8)}-0000-4000-8000-${stableSuffix(type + name, 12).padEnd(12, "0")}` } };
}

/** Output state for a newly registered resource under mocks. */
export function mockResourceState(type: string, name: string, inputs: Inputs): { id: string; state: State } {
  let extra: State = {};
  if (byType[type]) extra = byType[type](name, inputs);
  else if (type.startsWith("kubernetes:")) extra = kubernetesState(type, name, inputs);
  else if (type.startsWith("aws:")) {
    const svc = type.split(":")[1].split("/")[0];
    extra = { arn: arn(svc, `${svc}/${name}-${stableSuffix(name)}`) };
  } else if (type.startsWith("gcp:")) {
    extra = { name: str(inputs.name, name) };
  }
  const id = str(extra.id, `${name}-id`);
  return { id, state: { ...inputs, ...extra } };
}

/** Canned results for invokes the kit uses. */
export function mockInvoke(token: string, inputs: Inputs): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/ci`, userId: "AIDAMOCK", id: MOCK_ACCOUNT };
    case "aws:index/getRegion:getRegion":
      return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, description: "US East (N. Virginia)" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["us-east-1a", "us-east-1b", "us-east-1c"], zoneIds: ["use1-az1", "use1-az2", "use1-az4"], id: MOCK_REGION };
    case "aws:eks/getCluster:getCluster":
      return {
        name: str(inputs.name, "cluster"),
        arn: arn("eks", `cluster/${str(inputs.name, "cluster")}`),
        version: "1.34",
        vpcConfig: { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"], clusterSecurityGroupId: "sg-0cluster" },
        identities: [{ oidcs: [{ issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/MOCKOIDC" }] }],
        endpoint: "https://MOCK.gr7.us-east-1.eks.amazonaws.com",
        certificateAuthorities: [{ data: "LS0tLS1CRUdJTi0tLS0tCg==" }],
      };
    case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": {
      const email = `service-123456789012@gs-project-accounts.iam.gserviceaccount.com`;
      return { project: str(inputs.project, MOCK_GCP_PROJECT), emailAddress: email, member: `serviceAccount:${email}`, id: email };
    }
    case "gcp:organizations/getProject:getProject":
      return { projectId: str(inputs.projectId, MOCK_GCP_PROJECT), number: "123456789012", name: MOCK_GCP_PROJECT };
    case "gcp:organizations/getClientConfig:getClientConfig":
      return { project: MOCK_GCP_PROJECT, region: "us-central1", zone: "us-central1-a", accessToken: "mock-token" };
    case "gcp:container/getCluster:getCluster":
      return {
        name: str(inputs.name, "cluster"),
        location: str(inputs.location, "us-central1"),
        endpoint: "10.0.0.2",
        masterAuths: [{ clusterCaCertificate: "LS0tLS1CRUdJTi0tLS0tCg==" }],
        workloadIdentityConfigs: [{ workloadPool: `${MOCK_GCP_PROJECT}.svc.id.goog` }],
      };
    default:
      return inputs;
  }
}
