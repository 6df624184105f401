import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import { describe, expect, it } from "vitest";
import { runWithMocks } from "../../plan/mock-engine";
import { AwsPrivateNetwork, INTERFACE_ENDPOINTS, subnetCidr } from "../../stacks/infra/aws-network";
import { GkeCluster, gkeKubeconfig } from "../../stacks/infra/gke-cluster";
import { ofType, one } from "../harness";

describe("GkeCluster (gcp stack)", () => {
  it("creates a private, Workload Identity, Dataplane V2 cluster with managed DCGM, protected, and a small system pool", async () => {
    const { resources } = await runWithMocks(() => {
      const provider = new gcp.Provider("gcp", { project: "acme-ml-prod", region: "us-central1" });
      new GkeCluster("ft", { project: "acme-ml-prod", region: "us-central1", clusterName: "finetune", create: true }, { providers: [provider] });
    });
    const cluster = one(resources, "gcp:container/cluster:Cluster");
    expect(cluster.protect).toBe(true);
    expect(cluster.inputs).toMatchObject({
      name: "finetune",
      location: "us-central1",
      removeDefaultNodePool: true,
      deletionProtection: true,
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      releaseChannel: { channel: "REGULAR" },
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: "172.16.0.32/28" },
      workloadIdentityConfig: { workloadPool: "acme-ml-prod.svc.id.goog" },
      monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS", "DCGM"], managedPrometheus: { enabled: true } },
    });
    const subnet = one(resources, "gcp:compute/subnetwork:Subnetwork");
    expect(subnet.inputs).toMatchObject({ privateIpGoogleAccess: true, ipCidrRange: "10.40.0.0/20" });
    expect(ofType(resources, "gcp:compute/routerNat:RouterNat")).toHaveLength(1);
    expect(one(resources, "gcp:projects/service:Service").inputs).toMatchObject({
      project: "acme-ml-prod",
      service: "containerfilesystem.googleapis.com",
      disableOnDestroy: false,
    });
    const system = one(resources, "gcp:container/nodePool:NodePool");
    expect(system.inputs.nodeConfig).toMatchObject({
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    });
    expect(system.inputs.nodeConfig.guestAccelerators).toBeUndefined();
    // The system nodes run as their own account, never the default compute account.
    expect(String(system.inputs.nodeConfig.serviceAccount)).toBe("finetune-sys@acme-ml-prod.iam.gserviceaccount.com");
    expect(
      ofType(resources, "gcp:projects/iAMMember:IAMMember")
        .map((r) => r.inputs.role)
        .sort(),
    ).toEqual([
      "roles/artifactregistry.reader",
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
      "roles/monitoring.viewer",
      "roles/stackdriver.resourceMetadata.writer",
    ]);
  });

  it("uses an existing cluster by name without creating a network or a cluster", async () => {
    const { resources } = await runWithMocks(() => {
      const provider = new gcp.Provider("gcp", { project: "acme-ml-prod", region: "us-central1" });
      new GkeCluster("ft", { project: "acme-ml-prod", region: "us-central1", clusterName: "prod", create: false }, { providers: [provider] });
    });
    expect(resources.filter((r) => r.type.startsWith("gcp:") && !r.type.startsWith("pulumi:"))).toEqual([]);
    expect(ofType(resources, "pulumi:providers:kubernetes")).toHaveLength(1);
  });

  it("authenticates through gke-gcloud-auth-plugin, never with static credentials", () => {
    const cfg = JSON.parse(gkeKubeconfig("prod", "10.0.0.2", "Q0E="));
    expect(cfg.clusters[0].cluster).toEqual({ server: "https://10.0.0.2", "certificate-authority-data": "Q0E=" });
    expect(cfg.users[0].user.exec.command).toBe("gke-gcloud-auth-plugin");
    expect(JSON.stringify(cfg)).not.toMatch(/token|password|client-key/);
  });
});

describe("AwsPrivateNetwork (aws-sagemaker stack)", () => {
  it("has private subnets only and every endpoint training needs, with no route to the internet", async () => {
    const { resources } = await runWithMocks(() => {
      const provider = new aws.Provider("aws", { region: "us-east-1" });
      new AwsPrivateNetwork("ft", { region: "us-east-1" }, { provider });
    });
    expect(ofType(resources, "aws:ec2/internetGateway:InternetGateway")).toEqual([]);
    expect(ofType(resources, "aws:ec2/natGateway:NatGateway")).toEqual([]);
    expect(ofType(resources, "aws:ec2/route:Route")).toEqual([]);
    const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
    expect(subnets.map((s) => s.inputs.cidrBlock)).toEqual(["10.80.0.0/20", "10.80.16.0/20"]);
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
    const endpoints = ofType(resources, "aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => e.inputs.serviceName).sort()).toEqual(["s3", ...INTERFACE_ENDPOINTS].map((s) => `com.amazonaws.us-east-1.${s}`).sort());
    expect(endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface").every((e) => e.inputs.privateDnsEnabled === true)).toBe(true);
    const training = one(resources, "aws:ec2/securityGroup:SecurityGroup", "ft-training");
    expect(training.inputs.egress).toEqual([
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.80.0.0/16"], description: "VPC endpoints" },
      { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "distributed training between instances of a job" },
    ]);
    expect(one(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs).toMatchObject({ ingress: [], egress: [] });
  });

  it("splits the VPC CIDR into /20 subnets and refuses a VPC smaller than /20", () => {
    expect([0, 1, 2, 15].map((i) => subnetCidr("10.80.0.0/16", i))).toEqual(["10.80.0.0/20", "10.80.16.0/20", "10.80.32.0/20", "10.80.240.0/20"]);
    expect(() => subnetCidr("10.80.0.0/24", 0)).toThrow("finetune:aws.vpcCidr: 10.80.0.0/24 is smaller than /20 (use a /16 to /20 CIDR)");
  });
});
