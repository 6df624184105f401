import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Interface endpoints SageMaker training needs to run with no internet egress. */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "sagemaker.api", "sagemaker.runtime", "logs", "sts", "monitoring", "kms"] as const;

/** Arguments of {@link AwsPrivateNetwork}. */
export interface AwsPrivateNetworkArgs {
  /** AWS region (endpoint service names are built from it). */
  region: string;
  /** VPC CIDR. @default "10.80.0.0/16" */
  cidr?: string;
  /** Number of availability zones (one private subnet each). @default 2 */
  availabilityZones?: number;
}

/** Splits a /16 VPC CIDR into /20 subnets: the i-th subnet. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [base, bits] = vpcCidr.split("/");
  if (Number(bits) > 20) throw new Error(`finetune:aws.vpcCidr: ${vpcCidr} is smaller than /20 (use a /16 to /20 CIDR)`);
  const o = base.split(".").map(Number);
  const start = ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
  const addr = (start + index * 4096) >>> 0;
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/20`;
}

/**
 * A VPC with private subnets only (no internet gateway, no NAT) and the VPC endpoints SageMaker training,
 * processing and the pipeline need: S3 (gateway) plus ECR API/DKR, SageMaker API/runtime, CloudWatch
 * Logs/metrics, STS and KMS (interface, private DNS). Training jobs get a security group that allows only
 * HTTPS to the VPC and traffic between the job's own instances (distributed training).
 */
export class AwsPrivateNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** Security group for SageMaker training/processing jobs. */
  readonly trainingSecurityGroupId: pulumi.Output<string>;
  /** Service names of the endpoints created (for docs and tests). */
  readonly endpointServices: string[];

  constructor(name: string, args: AwsPrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("finetune:infra:AwsPrivateNetwork", name, {}, opts);
    const cidr = args.cidr ?? "10.80.0.0/16";
    const azCount = args.availabilityZones ?? 2;
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } },
      { parent: this },
    );
    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
    const routeTable = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, tags: { Name: `${name}-private` } }, { parent: this });
    this.privateSubnetIds = [];
    for (let i = 0; i < azCount; i++) {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        { vpcId: vpc.id, cidrBlock: subnetCidr(cidr, i), availabilityZone: azs.names[i], mapPublicIpOnLaunch: false, tags: { Name: `${name}-private-${i}` } },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routeTable.id }, { parent: this });
      this.privateSubnetIds.push(subnet.id);
    }
    // Flow logs would need a log group + role; the default security group is locked down instead.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [] }, { parent: this });

    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: vpc.id,
        description: "HTTPS from the VPC to the interface endpoints",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [cidr], description: "HTTPS from the VPC" }],
        egress: [],
      },
      { parent: this },
    );
    const trainingSg = new aws.ec2.SecurityGroup(
      `${name}-training`,
      {
        vpcId: vpc.id,
        description: "SageMaker training/processing jobs: HTTPS to endpoints, all traffic between a job's instances",
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "distributed training between instances of a job" }],
        egress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [cidr], description: "VPC endpoints" },
          { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "distributed training between instances of a job" },
        ],
      },
      { parent: this },
    );
    const s3 = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      { vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: [routeTable.id] },
      { parent: this },
    );
    // Let the training security group reach S3 through the gateway endpoint's prefix list.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-training-s3`,
      {
        securityGroupId: trainingSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        prefixListId: s3.prefixListId,
        description: "S3 through the gateway endpoint",
      },
      { parent: this },
    );
    this.endpointServices = [`com.amazonaws.${args.region}.s3`];
    for (const svc of INTERFACE_ENDPOINTS) {
      const serviceName = `com.amazonaws.${args.region}.${svc}`;
      new aws.ec2.VpcEndpoint(
        `${name}-${svc.replace(/\./g, "-")}`,
        {
          vpcId: vpc.id,
          serviceName,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [endpointSg.id],
        },
        { parent: this },
      );
      this.endpointServices.push(serviceName);
    }
    this.vpcId = vpc.id;
    this.trainingSecurityGroupId = trainingSg.id;
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, trainingSecurityGroupId: this.trainingSecurityGroupId });
  }
}
