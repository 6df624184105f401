import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsInstanceTypes, gpuCountsOffered, gpuSpec } from "../../core/gpu-catalog";
import { CapacityType, ImagePreload, InterconnectKind, type GpuPoolContract } from "../../core/contracts/gpu-pool";
import { EFA_RESOURCE, awsInterconnect, commonEfaInterfaces, commonInstanceStoreGb } from "../../core/interconnect";
import { al2023LocalStorageUserData, bottlerocketLocalStorageUserData, efaNetworkInterfaces } from "./node-render";
import { createGpuNodeRole } from "./aws-node-role";
import { CLOUD_TAINT_EFFECT, GPU_TAINT, GPU_TOLERATION, capacityOrder, migConfigLabel, poolNodeLabels, poolSelector } from "./labels";
import { POOL_DEFAULTS, buildPoolContract, poolShapeProblems } from "./pool-contract";
import { type Problem, throwIfProblems } from "../../core/problem";
import { outputProblems } from "../validation";
import { componentToken, withLegacyAlias } from "../tokens";

/** EKS GPU AMI types the pool supports. */
export const EksGpuAmiType = {
  /** Amazon Linux 2023 with the NVIDIA driver and container toolkit (the default). */
  Al2023Nvidia: "AL2023_x86_64_NVIDIA",
  /** Bottlerocket with the NVIDIA driver, toolkit and device plugin. */
  BottlerocketNvidia: "BOTTLEROCKET_x86_64_NVIDIA",
} as const;
export type EksGpuAmiType = (typeof EksGpuAmiType)[keyof typeof EksGpuAmiType];

/** Block devices per AMI type: where the OS lives and which volume holds images and model weights. */
const AMI_VOLUMES: Record<EksGpuAmiType, Array<{ deviceName: string; size: "data" | number }>> = {
  AL2023_x86_64_NVIDIA: [{ deviceName: "/dev/xvda", size: "data" }],
  // Bottlerocket: a small OS volume and a data volume for containerd (images, emptyDir, weights cache).
  BOTTLEROCKET_x86_64_NVIDIA: [
    { deviceName: "/dev/xvda", size: 4 },
    { deviceName: "/dev/xvdb", size: "data" },
  ],
};

/** Arguments of {@link EksGpuNodePool}. */
export interface EksGpuNodePoolArgs {
  /** Name of the existing EKS cluster. */
  clusterName: pulumi.Input<string>;
  /** Private subnets the nodes run in. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Pool name as the pipeline sees it (labels, contract). @default - the component name */
  poolName?: string;
  /** GPU catalog key (`t4`, `a10g`, `l4`, `l40s`, `a100-40gb`, `a100-80gb`, `h100`, `h200`, `b200`). */
  gpuType: string;
  /** GPUs per node. @default - the smallest count EC2 offers for the GPU type */
  gpusPerNode?: number;
  /** Capacity of the primary node group. @default "spot" */
  capacity?: CapacityType;
  /** Instance types of one GPU class (several: spot diversification). @default - every catalog type with gpusPerNode GPUs of gpuType */
  instanceTypes?: string[];
  /** Create an on-demand node group next to the spot one (scales from 0 only when spot pods cannot be placed). @default true */
  onDemandFallback?: boolean;
  /** Fewest nodes of the primary node group (0 lets the pool scale to zero when idle). @default 0 */
  minNodes?: number;
  /** Most nodes of the primary node group; the pool contract's maxNodes (the Kueue GPU quota) is decided from it. @default 2 */
  maxNodes?: number;
  /** Most nodes of the on-demand fallback group. @default - maxNodes */
  fallbackMaxNodes?: number;
  /** GPU AMI type. @default "AL2023_x86_64_NVIDIA" */
  amiType?: EksGpuAmiType;
  /** Size of the volume holding images and model weights, GiB (encrypted gp3). @default 500 */
  rootVolumeGiB?: number;
  /** KMS key for the EBS volumes. @default - the account's EBS default key (`aws/ebs`) */
  kmsKeyArn?: pulumi.Input<string>;
  /** Existing node role ARN. @default - a role with only the EKS worker, CNI and ECR read-only managed policies */
  nodeRoleArn?: pulumi.Input<string>;
  /** MIG profile the GPU Operator's MIG manager applies to these nodes (label `nvidia.com/mig.config`). @default - no MIG */
  migProfile?: string;
  /** Extra node labels. @default {} */
  labels?: Record<string, string>;
  /** Tags on every AWS resource. @default {} */
  tags?: Record<string, pulumi.Input<string>>;
  /**
   * Put containerd, kubelet and pod scratch on a RAID0 of the instance's NVMe instance store (AL2023: nodeadm
   * `localStorage.strategy: RAID0`; Bottlerocket: `apiclient ephemeral-storage`). @default - true when every instance type has NVMe instance store (and no imageCacheSnapshotId is given)
   */
  localNvme?: boolean;
  /**
   * EFA interfaces on every node (launch-template network interfaces, a security group open to itself, a cluster
   * placement group). Needs vpcId and clusterSecurityGroupId and instance types that all offer EFA.
   * @default - true for a multi-node pool (maxNodes > 1) whose instance types all offer EFA, when vpcId and clusterSecurityGroupId are given
   */
  efa?: boolean;
  /** VPC of the nodes (for the EFA security group). @default - none (EFA stays off) */
  vpcId?: pulumi.Input<string>;
  /** The cluster security group (EKS `vpcConfig.clusterSecurityGroupId`); EFA interfaces carry it so nodes still reach the control plane. @default - none (EFA stays off) */
  clusterSecurityGroupId?: pulumi.Input<string>;
  /** Launch the nodes into an EC2 cluster placement group (one AZ: give subnets of one AZ). @default - true when EFA is on */
  placementGroup?: boolean;
  /**
   * EBS snapshot of a Bottlerocket data volume with the stage images already pulled (built with
   * awslabs/bottlerocket-images-cache): nodes boot with the images on disk. Bottlerocket only. @default - none
   */
  imageCacheSnapshotId?: pulumi.Input<string>;
}

/** The pure plan of an EKS GPU pool: validated, defaults resolved. */
export interface EksGpuPoolPlan {
  poolName: string;
  gpuType: string;
  gpusPerNode: number;
  instanceTypes: string[];
  amiType: EksGpuAmiType;
  rootVolumeGiB: number;
  minNodes: number;
  maxNodes: number;
  fallbackMaxNodes: number;
  capacityTypes: CapacityType[];
  /** One node group per capacity type: `labels` are the node labels, `asgTags` the cluster-autoscaler node-template tags. */
  groups: Array<{ capacity: CapacityType; labels: Record<string, string>; minNodes: number; maxNodes: number; asgTags: Record<string, string> }>;
  /** EFA interfaces per node (0: EFA off). */
  efaInterfaces: number;
  /** EFA interfaces the instance types offer (0: none). */
  efaOffered: number;
  placementGroup: boolean;
  /** Ephemeral storage on a RAID0 of the NVMe instance store. */
  localNvme: boolean;
  /** NVMe instance store per node, GB (smallest across instanceTypes). */
  nvmeGB: number;
  /** Launch-template user data (plain text; base64-encoded on the template), when the pool needs any. */
  userData?: string;
  /** The Bottlerocket data volume starts from the image-cache snapshot. */
  imageCache: boolean;
  warnings: string[];
}

/** EKS capacity type spelling. */
const EKS_CAPACITY: Record<CapacityType, "SPOT" | "ON_DEMAND"> = { spot: "SPOT", "on-demand": "ON_DEMAND" };

/**
 * Cluster-autoscaler node-template tags for an ASG that must scale from zero: the node labels, the GPU taint and
 * the `nvidia.com/gpu` resource a node will have (without them the autoscaler cannot know a zero-node group fits).
 */
export function clusterAutoscalerNodeTemplateTags(labels: Record<string, string>, gpus: number): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) tags[`k8s.io/cluster-autoscaler/node-template/label/${k}`] = v;
  tags[`k8s.io/cluster-autoscaler/node-template/taint/${GPU_TAINT.key}`] = `${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"] = String(gpus);
  return tags;
}

/** The `EksGpuNodePoolArgs` taken as `pulumi.Input` (every other argument must be a plain value). */
export const EKS_INPUT_ARGS = [
  "clusterName",
  "subnetIds",
  "kmsKeyArn",
  "nodeRoleArn",
  "vpcId",
  "clusterSecurityGroupId",
  "imageCacheSnapshotId",
  "tags",
] as const;

/** The arguments of {@link EksGpuNodePool} that stay plain, and why. */
export const EKS_PLAIN_ARGS: Record<string, string> = {
  poolName: "names the node groups and the pool contract (resource names)",
  gpuType: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  gpusPerNode: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  capacity: "decides which node groups exist (spot, on-demand)",
  instanceTypes: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  onDemandFallback: "a flag: decides whether an on-demand node group exists",
  minNodes: "scaling bounds checked against each other at construction",
  maxNodes: "the pool contract's maxNodes (Kueue quota) is decided from it at construction",
  fallbackMaxNodes: "scaling bound of the on-demand node group, checked at construction",
  amiType: "decides the launch template and the driver the pool reports",
  rootVolumeGiB: "sizing chosen with the kit",
  migProfile: "checked against the GPU and written into node labels at construction",
  labels: "node labels are the pool contract's nodeSelector, which Kueue and the pipelines render at construction",
  localNvme: "a flag: decides the launch template's NVMe setup",
  efa: "a flag: decides the EFA network interfaces and the placement group",
  placementGroup: "a flag: decides whether a placement group exists",
};

/** Problems of the NVMe, EFA and image-cache arguments for a list of instance types. */
function eksNodeFeatureProblems(args: EksGpuNodePoolArgs, instanceTypes: string[], amiType: EksGpuAmiType): Problem[] {
  const problems: Problem[] = [];
  if (args.efa === true) {
    const without = instanceTypes.filter((t) => awsInterconnect(t).kind !== InterconnectKind.Efa);
    if (without.length > 0)
      problems.push({
        path: "efa",
        message: `${without.join(", ")} offer${without.length === 1 ? "s" : ""} no EFA (use instance types with EFA, e.g. p4d.24xlarge, p5.48xlarge, g6.12xlarge, or remove efa)`,
      });
    if (args.vpcId === undefined) problems.push({ path: "vpcId", message: "EFA needs the VPC id for its security group (set vpcId)" });
    if (args.clusterSecurityGroupId === undefined)
      problems.push({
        path: "clusterSecurityGroupId",
        message: "EFA network interfaces replace the node's default security groups (set clusterSecurityGroupId to the cluster security group)",
      });
  }
  if (args.placementGroup === true && (args.maxNodes ?? POOL_DEFAULTS.maxNodes) < 2) {
    problems.push({
      path: "placementGroup",
      message: "a single-node pool gains nothing from a cluster placement group (raise maxNodes or remove placementGroup)",
    });
  }
  if (args.localNvme === true) {
    const without = instanceTypes.filter((t) => commonInstanceStoreGb([t]) === 0);
    if (without.length > 0)
      problems.push({ path: "localNvme", message: `${without.join(", ")} ha${without.length === 1 ? "s" : "ve"} no NVMe instance store (remove localNvme)` });
  }
  if (args.imageCacheSnapshotId !== undefined) {
    if (amiType !== EksGpuAmiType.BottlerocketNvidia) {
      problems.push({
        path: "imageCacheSnapshotId",
        message: `an image-cache snapshot restores a Bottlerocket data volume (set amiType to "${EksGpuAmiType.BottlerocketNvidia}" or remove imageCacheSnapshotId)`,
      });
    } else if (args.localNvme === true) {
      problems.push({
        path: "localNvme",
        message:
          "ephemeral storage on NVMe moves containerd off the data volume, so the snapshot's cached images go unused (remove localNvme or imageCacheSnapshotId)",
      });
    }
  }
  return problems;
}

/** Validates the arguments and resolves defaults; throws `InputPropertiesError` listing every problem. */

export function planEksGpuPool(name: string, args: EksGpuNodePoolArgs): EksGpuPoolPlan {
  throwIfProblems("EksGpuNodePool", name, outputProblems(args, EKS_INPUT_ARGS));
  const problems: Problem[] = poolShapeProblems(args, "aws");
  const amiType = args.amiType ?? EksGpuAmiType.Al2023Nvidia;
  if (!Object.values(EksGpuAmiType).includes(amiType)) {
    problems.push({ path: "amiType", message: `"${amiType}" is not a GPU AMI type (use one of ${Object.values(EksGpuAmiType).join(", ")})` });
  }
  const rootVolumeGiB = args.rootVolumeGiB ?? POOL_DEFAULTS.diskGiB;
  if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 100 || rootVolumeGiB > 16384) {
    problems.push({ path: "rootVolumeGiB", message: `${rootVolumeGiB} GiB is outside 100..16384 (model weights and CUDA images need ≥ 100 GiB)` });
  }
  const maxNodes = args.maxNodes ?? POOL_DEFAULTS.maxNodes;
  const fallbackMaxNodes = args.fallbackMaxNodes ?? maxNodes;
  if (!Number.isInteger(fallbackMaxNodes) || fallbackMaxNodes < 1)
    problems.push({ path: "fallbackMaxNodes", message: `${fallbackMaxNodes} is not a whole number ≥ 1` });
  throwIfProblems("EksGpuNodePool", name, problems);

  const poolName = args.poolName ?? name;
  const gpusPerNode = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "aws")[0];
  const instanceTypes = args.instanceTypes ?? awsInstanceTypes(args.gpuType, gpusPerNode).map((s) => s.name);
  throwIfProblems("EksGpuNodePool", name, eksNodeFeatureProblems(args, instanceTypes, amiType));
  const capacity = args.capacity ?? CapacityType.Spot;
  const capacityTypes = capacityOrder(capacity, args.onDemandFallback ?? true);
  const minNodes = args.minNodes ?? POOL_DEFAULTS.minNodes;
  const warnings: string[] = [];
  if (capacity === CapacityType.Spot && instanceTypes.length < 2) {
    warnings.push(
      `EksGpuNodePool "${name}": spot capacity with a single instance type (${instanceTypes.join(", ")}) is often unavailable; list several instance types of the same GPU class in instanceTypes, or keep onDemandFallback on`,
    );
  }
  const groups = capacityTypes.map((c, i) => {
    const labels = poolNodeLabels(poolName, gpuSpec(args.gpuType).key, c, { ...(args.labels ?? {}), ...migConfigLabel(args.migProfile) });
    return {
      capacity: c,
      labels,
      // Only the preferred group keeps minNodes; a fallback group always starts at zero.
      minNodes: i === 0 ? minNodes : 0,
      maxNodes: i === 0 ? maxNodes : fallbackMaxNodes,
      asgTags: clusterAutoscalerNodeTemplateTags(labels, gpusPerNode),
    };
  });
  const efaOffered = commonEfaInterfaces(instanceTypes);
  const efaWired = args.vpcId !== undefined && args.clusterSecurityGroupId !== undefined;
  const efaOn = args.efa ?? (maxNodes > 1 && efaOffered > 0 && efaWired);
  if (args.efa === undefined && maxNodes > 1 && efaOffered > 0 && !efaWired) {
    warnings.push(
      `EksGpuNodePool "${name}": ${instanceTypes.join(", ")} offer${instanceTypes.length === 1 ? "s" : ""} ${efaOffered} EFA interface(s) but EFA stays off for this multi-node pool (set vpcId and clusterSecurityGroupId to turn it on, or efa: false to silence this)`,
    );
  }
  const placementGroup = args.placementGroup ?? efaOn;
  if (placementGroup) warnings.push(`EksGpuNodePool "${name}": a cluster placement group lives in one Availability Zone; give subnetIds of one AZ`);
  const nvmeGB = commonInstanceStoreGb(instanceTypes);
  const imageCache = args.imageCacheSnapshotId !== undefined;
  const localNvme = args.localNvme ?? (nvmeGB > 0 && !imageCache);
  const userData = localNvme ? (amiType === EksGpuAmiType.Al2023Nvidia ? al2023LocalStorageUserData() : bottlerocketLocalStorageUserData()) : undefined;
  return {
    poolName,
    gpuType: args.gpuType,
    gpusPerNode,
    instanceTypes,
    amiType,
    rootVolumeGiB,
    minNodes,
    maxNodes,
    fallbackMaxNodes,
    capacityTypes,
    groups,
    efaInterfaces: efaOn ? efaOffered : 0,
    efaOffered,
    placementGroup,
    localNvme,
    nvmeGB,
    ...(userData !== undefined ? { userData } : {}),
    imageCache,
    warnings,
  };
}

/** The contract of an EKS pool plan. */
export function eksPoolContract(plan: EksGpuPoolPlan): GpuPoolContract {
  const contract = buildPoolContract({
    name: plan.poolName,
    platform: "eks",
    gpuType: plan.gpuType,
    gpusPerNode: plan.gpusPerNode,
    capacityTypes: plan.capacityTypes,
    maxNodes: plan.maxNodes,
    nodeSelector: poolSelector(plan.poolName, plan.gpuType),
    tolerations: [GPU_TOLERATION],
    instanceType: plan.instanceTypes[0],
  });
  return {
    ...contract,
    interconnect: {
      kind: plan.efaInterfaces > 0 ? InterconnectKind.Efa : InterconnectKind.None,
      offered: plan.efaOffered > 0 ? InterconnectKind.Efa : InterconnectKind.None,
      devicesPerNode: plan.efaInterfaces,
      ...(plan.efaInterfaces > 0 ? { resourceName: EFA_RESOURCE } : {}),
      compactPlacement: plan.placementGroup,
    },
    localStorage: { nvmeGB: plan.nvmeGB, ephemeralOnNvme: plan.localNvme },
    imageCache: { streaming: false, preload: plan.imageCache ? ImagePreload.EbsSnapshot : ImagePreload.None },
  };
}

/**
 * GPU nodes for an existing EKS cluster as managed node groups: spot by default over several instance types of one
 * GPU class, the NVIDIA GPU AMI, scale from zero (cluster-autoscaler node-template tags on the ASG), taint
 * `nvidia.com/gpu=present:NoSchedule`, IMDSv2 only with hop limit 1, no SSH, an encrypted gp3 volume for weights,
 * and a least-privilege node role. An on-demand group (min 0) backs the spot group unless turned off.
 */
export class EksGpuNodePool extends pulumi.ComponentResource {
  /** What the pipeline consumes. */
  readonly contract: GpuPoolContract;
  /** Node group names, preferred capacity first. */
  readonly nodeGroupNames: pulumi.Output<string>[];
  /** ARN of the node role. */
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly launchTemplateId: pulumi.Output<string>;
  /** The EFA security group (undefined when EFA is off). */
  readonly efaSecurityGroupId?: pulumi.Output<string>;
  /** The cluster placement group (undefined without one). */
  readonly placementGroupName?: pulumi.Output<string>;

  constructor(name: string, args: EksGpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan (validate) first: invalid arguments register nothing.
    const plan = planEksGpuPool(name, args);
    super(componentToken("EksGpuNodePool"), name, {}, withLegacyAlias("EksGpuNodePool", opts));
    for (const w of plan.warnings) void pulumi.log.warn(w, this);
    this.contract = eksPoolContract(plan);
    const tags = { ...(args.tags ?? {}), "finetune.dev/pool": plan.poolName, "finetune.dev/gpu-type": plan.gpuType };

    this.nodeRoleArn = args.nodeRoleArn !== undefined ? pulumi.output(args.nodeRoleArn) : createGpuNodeRole(name, this, tags).arn;

    let networkInterfaces: ReturnType<typeof efaNetworkInterfaces<pulumi.Input<string>>> | undefined;
    if (plan.efaInterfaces > 0) {
      // EFA traffic must be allowed to and from the group itself (EC2 user guide, "Prepare an EFA-enabled security group").
      const efaGroup = new aws.ec2.SecurityGroup(
        `${name}-efa`,
        { vpcId: args.vpcId!, description: `EFA traffic between GPU nodes of pool ${plan.poolName} (finetune-kit)`, tags },
        { parent: this },
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-efa-in`,
        { securityGroupId: efaGroup.id, referencedSecurityGroupId: efaGroup.id, ipProtocol: "-1", description: "all traffic from EFA peers", tags },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-efa-out`,
        { securityGroupId: efaGroup.id, referencedSecurityGroupId: efaGroup.id, ipProtocol: "-1", description: "all traffic to EFA peers", tags },
        { parent: this },
      );
      networkInterfaces = efaNetworkInterfaces<pulumi.Input<string>>(plan.efaInterfaces, [args.clusterSecurityGroupId!, efaGroup.id]);
      this.efaSecurityGroupId = efaGroup.id;
    }
    const placement = plan.placementGroup ? new aws.ec2.PlacementGroup(`${name}-placement`, { strategy: "cluster", tags }, { parent: this }) : undefined;

    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `GPU nodes of pool ${plan.poolName} (finetune-kit)`,
        updateDefaultVersion: true,
        // IMDSv2 only; hop limit 1 keeps pods (one hop further) away from the node role's credentials.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: AMI_VOLUMES[plan.amiType].map((v) => ({
          deviceName: v.deviceName,
          ebs: {
            // Bottlerocket's data volume starts from the image-cache snapshot when given (images already pulled).
            ...(v.size === "data" && args.imageCacheSnapshotId !== undefined ? { snapshotId: args.imageCacheSnapshotId } : {}),
            volumeSize: v.size === "data" ? plan.rootVolumeGiB : v.size,
            volumeType: "gp3",
            iops: v.size === "data" ? 6000 : 3000,
            throughput: v.size === "data" ? 500 : 125,
            encrypted: "true",
            kmsKeyId: args.kmsKeyArn,
            deleteOnTermination: "true",
          },
        })),
        networkInterfaces,
        placement: placement ? { groupName: placement.name } : undefined,
        userData: plan.userData !== undefined ? Buffer.from(plan.userData, "utf8").toString("base64") : undefined,
        tagSpecifications: [
          { resourceType: "instance", tags },
          { resourceType: "volume", tags },
        ],
        tags,
      },
      { parent: this },
    );
    this.launchTemplateId = launchTemplate.id;
    this.placementGroupName = placement?.name;

    this.nodeGroupNames = plan.groups.map((g) => {
      const group = new aws.eks.NodeGroup(
        `${name}-${g.capacity}`,
        {
          clusterName: args.clusterName,
          nodeRoleArn: this.nodeRoleArn,
          subnetIds: args.subnetIds,
          capacityType: EKS_CAPACITY[g.capacity],
          instanceTypes: plan.instanceTypes,
          amiType: plan.amiType,
          scalingConfig: { minSize: g.minNodes, maxSize: g.maxNodes, desiredSize: g.minNodes },
          updateConfig: { maxUnavailable: 1 },
          labels: g.labels,
          taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: CLOUD_TAINT_EFFECT[GPU_TAINT.effect] }],
          launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
          tags: { ...tags, "finetune.dev/capacity-type": g.capacity },
        },
        // The cluster autoscaler owns the desired size.
        { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
      );
      // Managed node group tags do not reach the ASG: tag it directly so scale-from-zero knows labels, taint and GPUs.
      const asgName = group.resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
      Object.entries(g.asgTags).forEach(([key, value], i) => {
        new aws.autoscaling.Tag(
          `${name}-${g.capacity}-ca-${i}`,
          { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
          { parent: this },
        );
      });
      return group.nodeGroupName;
    });

    this.registerOutputs({
      contract: this.contract,
      nodeGroupNames: this.nodeGroupNames,
      nodeRoleArn: this.nodeRoleArn,
      launchTemplateId: this.launchTemplateId,
      efaSecurityGroupId: this.efaSecurityGroupId,
      placementGroupName: this.placementGroupName,
    });
  }
}
