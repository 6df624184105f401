import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gpuCountsOffered, gpuSpec } from "../../core/gpu-catalog";
import { CapacityType, ImagePreload, InterconnectKind, type GpuPoolContract } from "../../core/contracts/gpu-pool";
import { EFA_RESOURCE, awsInterconnect, commonEfaInterfaces, commonInstanceStoreGb } from "../../core/interconnect";
import { createGpuNodeRole } from "./aws-node-role";
import { GPU_TAINT, GPU_TOLERATION, capacityOrder, migConfigLabel, poolSelector } from "./labels";
import { KARPENTER_INTERRUPTION_QUEUE_VALUE, KarpenterInterruptionQueue, type KarpenterHelmValues } from "./karpenter-interruption";
import { POOL_DEFAULTS, type PoolPlanResult, buildPoolContract, poolShapeProblems } from "./pool-contract";
import { type Problem } from "../../core/problem";
import { checkInput, outputProblems, validatedName } from "../validation";
import { MANAGED_BY } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

export { KARPENTER_INTERRUPTION_QUEUE_VALUE } from "./karpenter-interruption";

/** AMI families the GPU NodePool supports, with the pinned EKS-optimized AMI alias (never `@latest`: it drifts nodes). */
export const KARPENTER_AMI = {
  AL2023: { alias: "al2023@v20251110", rootDevice: "/dev/xvda", checked: "2026-11-29" },
  Bottlerocket: { alias: "bottlerocket@v1.46.0", rootDevice: "/dev/xvdb", checked: "2026-11-29" },
} as const;
/** AMI families of {@link KARPENTER_AMI} (an enum the provider host accepts). */
export const KarpenterAmiFamily = { AL2023: "AL2023", Bottlerocket: "Bottlerocket" } as const;
export type KarpenterAmiFamily = (typeof KarpenterAmiFamily)[keyof typeof KarpenterAmiFamily];

/** Arguments of {@link KarpenterGpuNodePool}. */
export interface KarpenterGpuNodePoolArgs {
  /** Name of the existing EKS cluster (Karpenter already installed). */
  clusterName: pulumi.Input<string>;
  /** Pool name as the pipeline sees it; also the NodePool / EC2NodeClass name. @default - the component name */
  poolName?: string;
  /** GPU catalog key. */
  gpuType: string;
  /** GPUs per node. @default - the smallest count EC2 offers for the GPU type */
  gpusPerNode?: number;
  /** Capacity types in preference order (Karpenter launches spot when it can). @default ["spot", "on-demand"] */
  capacityTypes?: CapacityType[];
  /** Node budget: the NodePool's `nvidia.com/gpu` limit is maxNodes × gpusPerNode. @default 2 */
  maxNodes?: number;
  /** EC2 instance families. @default - the catalog's families for the GPU type */
  instanceFamilies?: string[];
  /** AMI family. @default "AL2023" */
  amiFamily?: KarpenterAmiFamily;
  /** AMI alias override, e.g. `al2023@v20251110`. @default - the pin in KARPENTER_AMI */
  amiAlias?: string;
  /** Subnet discovery tags. @default {"karpenter.sh/discovery": clusterName} */
  subnetSelectorTags?: Record<string, pulumi.Input<string>>;
  /** Security group discovery tags. @default {"karpenter.sh/discovery": clusterName} */
  securityGroupSelectorTags?: Record<string, pulumi.Input<string>>;
  /** Existing node role name (must already have an EKS access entry). @default - a least-privilege role plus an EC2_LINUX access entry */
  nodeRoleName?: pulumi.Input<string>;
  /** Volume for images and model weights, GiB (encrypted gp3). @default 500 */
  rootVolumeGiB?: number;
  /** KMS key for the EBS volumes. @default - the account's EBS default key */
  kmsKeyArn?: pulumi.Input<string>;
  /** How long an empty GPU node lives before Karpenter removes it. @default "5m" */
  consolidateAfter?: string;
  /** Node lifetime; expiry waits for `karpenter.sh/do-not-disrupt` pods to finish. @default "720h" */
  expireAfter?: string;
  /** Create the cluster's interruption queue here (false when another pool or the Karpenter install owns it). @default true */
  createInterruptionQueue?: boolean;
  /** MIG profile (node label `nvidia.com/mig.config`). @default - no MIG */
  migProfile?: string;
  /** Tags on every AWS resource and on the instances. @default {} */
  tags?: Record<string, string>;
  /**
   * Ephemeral storage (containerd, kubelet, emptyDir scratch) on a RAID0 of the NVMe instance store
   * (EC2NodeClass `instanceStorePolicy: RAID0`). @default - true (every catalog GPU instance type has NVMe instance store), false with imageCacheSnapshotId
   */
  localNvme?: boolean;
  /**
   * Only EFA-capable instance types (a `node.kubernetes.io/instance-type` requirement). Karpenter attaches the EFA
   * interfaces when a pod requests `vpc.amazonaws.com/efa`; the security groups selected must allow all traffic within
   * themselves (EKS EFA guide). @default false
   */
  efa?: boolean;
  /** EBS snapshot of a Bottlerocket data volume with the stage images pulled (awslabs/bottlerocket-images-cache). Bottlerocket only. @default - none */
  imageCacheSnapshotId?: pulumi.Input<string>;
}

/** Plain inputs of the NodePool / EC2NodeClass renderer. */
export interface KarpenterRenderInput {
  poolName: string;
  gpuType: string;
  gpusPerNode: number;
  capacityTypes: CapacityType[];
  maxNodes: number;
  instanceFamilies: string[];
  amiFamily: KarpenterAmiFamily;
  amiAlias: string;
  roleName: string;
  subnetSelectorTags: Record<string, string>;
  securityGroupSelectorTags: Record<string, string>;
  rootVolumeGiB: number;
  kmsKeyArn?: string;
  consolidateAfter: string;
  expireAfter: string;
  migProfile?: string;
  tags: Record<string, string>;
  /** `instanceStorePolicy: RAID0` on the EC2NodeClass. */
  localNvme?: boolean;
  /** Restrict to these (EFA-capable) instance types. */
  efaInstanceTypes?: string[];
  /** Snapshot the Bottlerocket data volume starts from. */
  imageCacheSnapshotId?: string;
}

/** The catalog instance types of a Karpenter pool (GPU × count within the families). */
function karpenterInstanceTypes(gpuType: string, gpusPerNode: number, families: readonly string[]): string[] {
  return (gpuSpec(gpuType).aws?.instanceTypes ?? []).filter((t) => t.gpus === gpusPerNode && families.includes(t.name.split(".")[0])).map((t) => t.name);
}

/**
 * Renders the `karpenter.sh/v1` NodePool and `karpenter.k8s.aws/v1` EC2NodeClass of a GPU pool (pure).
 *
 * Consolidation never evicts a running training pod: `consolidationPolicy: WhenEmpty` only removes nodes with no
 * workload pods, the budgets let empty nodes go at once but replace drifted nodes one at a time, and training pods
 * carry `karpenter.sh/do-not-disrupt: "true"` (the pipeline adds it when `contract.karpenter` is true), which blocks
 * every voluntary disruption — drift and expiry included — until the pod ends. No `terminationGracePeriod` is set,
 * so an expiring node waits for the training pod instead of killing it.
 */
export function renderKarpenterGpuPool(i: KarpenterRenderInput): { nodePool: Record<string, unknown>; nodeClass: Record<string, unknown> } {
  const spec = gpuSpec(i.gpuType);
  const labels = { ...poolSelector(i.poolName, spec.key), ...migConfigLabel(i.migProfile) };
  const nodeClass = {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: i.poolName, labels: { ...MANAGED_BY } },
    spec: {
      amiFamily: i.amiFamily,
      amiSelectorTerms: [{ alias: i.amiAlias }],
      role: i.roleName,
      subnetSelectorTerms: [{ tags: i.subnetSelectorTags }],
      securityGroupSelectorTerms: [{ tags: i.securityGroupSelectorTags }],
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
      ...(i.localNvme ? { instanceStorePolicy: "RAID0" } : {}),
      blockDeviceMappings: [
        {
          deviceName: KARPENTER_AMI[i.amiFamily].rootDevice,
          rootVolume: i.amiFamily === "AL2023",
          ebs: {
            ...(i.imageCacheSnapshotId ? { snapshotID: i.imageCacheSnapshotId } : {}),
            volumeSize: `${i.rootVolumeGiB}Gi`,
            volumeType: "gp3",
            iops: 6000,
            throughput: 500,
            encrypted: true,
            deleteOnTermination: true,
            ...(i.kmsKeyArn ? { kmsKeyID: i.kmsKeyArn } : {}),
          },
        },
      ],
      tags: i.tags,
    },
  };
  const nodePool = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: i.poolName, labels: { ...MANAGED_BY } },
    spec: {
      template: {
        metadata: { labels },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: i.poolName },
          requirements: [
            { key: "karpenter.sh/capacity-type", operator: "In", values: [...i.capacityTypes] },
            { key: "karpenter.k8s.aws/instance-gpu-name", operator: "In", values: [spec.aws!.karpenterGpuName] },
            { key: "karpenter.k8s.aws/instance-gpu-count", operator: "In", values: [String(i.gpusPerNode)] },
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: [...i.instanceFamilies] },
            ...(i.efaInstanceTypes ? [{ key: "node.kubernetes.io/instance-type", operator: "In", values: [...i.efaInstanceTypes] }] : []),
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
          ],
          taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
          expireAfter: i.expireAfter,
        },
      },
      disruption: {
        consolidationPolicy: "WhenEmpty",
        consolidateAfter: i.consolidateAfter,
        budgets: [
          { nodes: "100%", reasons: ["Empty"] },
          { nodes: "1", reasons: ["Drifted"] },
        ],
      },
      // The budget: Karpenter launches no node that would take the pool past this many GPUs.
      limits: { "nvidia.com/gpu": String(i.maxNodes * i.gpusPerNode) },
    },
  };
  return { nodePool, nodeClass };
}

const DURATION = /^(([0-9]+(s|m|h))+|Never)$/;

/** The `KarpenterGpuNodePoolArgs` taken as `pulumi.Input` (every other argument must be a plain value). */
export const KARPENTER_INPUT_ARGS = [
  "clusterName",
  "subnetSelectorTags",
  "securityGroupSelectorTags",
  "nodeRoleName",
  "kmsKeyArn",
  "imageCacheSnapshotId",
] as const;

/** The arguments of {@link KarpenterGpuNodePool} that stay plain, and why. */
export const KARPENTER_PLAIN_ARGS: Record<string, string> = {
  poolName: "names the NodePool, the EC2NodeClass and the pool contract (resource names)",
  gpuType: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  gpusPerNode: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  capacityTypes: "decides the NodePool's requirements and the pool contract's capacity types",
  maxNodes: "the pool contract's maxNodes (Kueue quota) and the NodePool's GPU limit are decided from it",
  instanceFamilies: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  amiFamily: "decides the EC2NodeClass's AMI selection and user data",
  amiAlias: "an AMI pin chosen with the kit",
  rootVolumeGiB: "sizing chosen with the kit",
  consolidateAfter: "Karpenter tuning chosen with the kit",
  expireAfter: "Karpenter tuning chosen with the kit",
  createInterruptionQueue: "a flag: decides whether the interruption queue exists",
  migProfile: "checked against the GPU and written into node labels at construction",
  tags: "rendered into the EC2NodeClass's tags with the kit's discovery tags at construction",
  localNvme: "a flag: decides the EC2NodeClass's NVMe setup",
  efa: "a flag: decides the EFA requirements of the NodePool",
};

/** Problems of the plain arguments (pure). */
function karpenterPlainProblems(args: KarpenterGpuNodePoolArgs): Problem[] {
  const outputs = outputProblems(args, KARPENTER_INPUT_ARGS);
  if (outputs.length > 0) return outputs;
  const problems: Problem[] = [
    ...poolShapeProblems({ gpuType: args.gpuType, gpusPerNode: args.gpusPerNode, maxNodes: args.maxNodes, migProfile: args.migProfile }, "aws"),
  ];
  const amiFamily = args.amiFamily ?? "AL2023";
  if (!(amiFamily in KARPENTER_AMI))
    problems.push({ path: "amiFamily", message: `"${amiFamily}" is not supported (use one of ${Object.keys(KARPENTER_AMI).join(", ")})` });
  const capacityTypes = args.capacityTypes ?? capacityOrder(CapacityType.Spot, true);
  if (capacityTypes.length === 0) problems.push({ path: "capacityTypes", message: 'is empty (use ["spot", "on-demand"])' });
  if (args.amiAlias !== undefined && /@latest$/.test(args.amiAlias))
    problems.push({
      path: "amiAlias",
      message: `"${args.amiAlias}" drifts every node on each AMI release (pin a version, e.g. ${KARPENTER_AMI.AL2023.alias})`,
    });
  for (const key of ["consolidateAfter", "expireAfter"] as const) {
    const v = args[key];
    if (v !== undefined && !DURATION.test(v)) problems.push({ path: key, message: `"${v}" is not a Karpenter duration (e.g. 5m, 720h, Never)` });
  }
  const rootVolumeGiB = args.rootVolumeGiB ?? POOL_DEFAULTS.diskGiB;
  if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 100)
    problems.push({ path: "rootVolumeGiB", message: `${rootVolumeGiB} GiB is below 100 (model weights and CUDA images need ≥ 100 GiB)` });
  if (problems.some((p) => p.path === "gpuType" || p.path === "gpusPerNode")) return problems;
  const spec = gpuSpec(args.gpuType);
  const gpus = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "aws")[0];
  const types = karpenterInstanceTypes(args.gpuType, gpus, args.instanceFamilies ?? spec.aws!.instanceFamilies);
  if (args.efa === true && !types.some((t) => awsInterconnect(t).kind === InterconnectKind.Efa)) {
    problems.push({
      path: "efa",
      message: `no instance type with ${gpus} × ${spec.displayName} in ${(args.instanceFamilies ?? spec.aws!.instanceFamilies).join(", ")} offers EFA (${types.join(", ") || "none match"}; raise gpusPerNode or remove efa)`,
    });
  }
  if (args.imageCacheSnapshotId !== undefined) {
    if (amiFamily !== "Bottlerocket")
      problems.push({
        path: "imageCacheSnapshotId",
        message: `an image-cache snapshot restores a Bottlerocket data volume (set amiFamily to "Bottlerocket" or remove imageCacheSnapshotId)`,
      });
    else if (args.localNvme === true)
      problems.push({
        path: "localNvme",
        message:
          "instanceStorePolicy RAID0 moves containerd off the data volume, so the snapshot's cached images go unused (remove localNvme or imageCacheSnapshotId)",
      });
  }
  return problems;
}

const KARPENTER = "KarpenterGpuNodePool";

/** The checks of the Input arguments (each runs at once on a known value, inside `apply` on an Output). */
export const KARPENTER_VALUE_CHECKS = {
  clusterName: (v: string) =>
    EKS_CLUSTER_NAME.test(v) ? undefined : `"${v}" is not an EKS cluster name (1-100 letters, digits, '-' or '_', starting with a letter or digit)`,
  nodeRoleName: (v: string) =>
    IAM_ROLE_NAME.test(v) ? undefined : `"${v}" is not an IAM role name (give the name, not the ARN: 1-64 of letters, digits and +=,.@_-)`,
  kmsKeyArn: (v: string) => (KMS_KEY_ARN.test(v) ? undefined : `"${v}" is not a KMS key or alias ARN (use arn:aws:kms:<region>:<account>:key/<id>)`),
} as const;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)\/.+$/;

/** The `pulumi.Input` arguments, checked (Outputs wrapped so that `apply` runs the same check). */
function karpenterCheckedInputs(name: string, args: KarpenterGpuNodePoolArgs) {
  const c = KARPENTER_VALUE_CHECKS;
  const checked = {
    clusterName: checkInput(KARPENTER, name, args.clusterName, "clusterName", c.clusterName),
    nodeRoleName: checkInput(KARPENTER, name, args.nodeRoleName, "nodeRoleName", c.nodeRoleName),
    kmsKeyArn: checkInput(KARPENTER, name, args.kmsKeyArn, "kmsKeyArn", c.kmsKeyArn),
  };
  return {
    problems: Object.values(checked).flatMap((x) => x.problems),
    clusterName: checked.clusterName.value,
    nodeRoleName: checked.nodeRoleName.value,
    kmsKeyArn: checked.kmsKeyArn.value,
    imageCacheSnapshotId: args.imageCacheSnapshotId,
  };
}

/** The pure plan of a Karpenter GPU pool: arguments validated, defaults resolved, the contract decided. */
export interface KarpenterGpuPoolPlan {
  poolName: string;
  gpuType: string;
  gpusPerNode: number;
  capacityTypes: CapacityType[];
  maxNodes: number;
  instanceFamilies: string[];
  /** Catalog instance types within the families with gpusPerNode GPUs. */
  instanceTypes: string[];
  /** With `efa`: the EFA-capable instance types the NodePool is restricted to. */
  efaInstanceTypes?: string[];
  amiFamily: KarpenterAmiFamily;
  amiAlias: string;
  rootVolumeGiB: number;
  consolidateAfter: string;
  expireAfter: string;
  localNvme: boolean;
  createInterruptionQueue: boolean;
  /** Tags on every AWS resource and instance (the user's plus pool and GPU type). */
  tags: Record<string, string>;
  contract: GpuPoolContract;
}

/** Every problem of a `KarpenterGpuNodePool`'s arguments known now (pure; the component throws them before it registers). */
export function karpenterGpuNodePoolProblems(args: KarpenterGpuNodePoolArgs, name = "karpenter"): Problem[] {
  return planKarpenterGpuPool(name, args).problems;
}

/**
 * Validates a Karpenter pool's arguments and resolves every default and the contract (pure: no resources). Input
 * arguments known now are checked here; Outputs inside `apply` by the component (same messages).
 */
export function planKarpenterGpuPool(name: string, args: KarpenterGpuNodePoolArgs): PoolPlanResult<KarpenterGpuPoolPlan> {
  const outputs = outputProblems(args, KARPENTER_INPUT_ARGS);
  if (outputs.length > 0) return { problems: outputs };
  const problems = [...karpenterPlainProblems(args), ...karpenterCheckedInputs(name, args).problems];
  if (problems.length > 0) return { problems };
  const capacityTypes = args.capacityTypes ?? capacityOrder(CapacityType.Spot, true);
  const amiFamily = args.amiFamily ?? "AL2023";
  const poolName = args.poolName ?? name;
  const spec = gpuSpec(args.gpuType);
  const gpusPerNode = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "aws")[0];
  const maxNodes = args.maxNodes ?? POOL_DEFAULTS.maxNodes;
  const instanceFamilies = args.instanceFamilies ?? [...spec.aws!.instanceFamilies];
  const instanceTypes = karpenterInstanceTypes(spec.key, gpusPerNode, instanceFamilies);
  const efaInstanceTypes = args.efa ? instanceTypes.filter((t) => awsInterconnect(t).kind === InterconnectKind.Efa) : undefined;
  const efaDevices = efaInstanceTypes ? commonEfaInterfaces(efaInstanceTypes) : 0;
  const localNvme = args.localNvme ?? args.imageCacheSnapshotId === undefined;
  const nvmeGB = commonInstanceStoreGb(efaInstanceTypes ?? instanceTypes);
  const base = buildPoolContract({
    name: poolName,
    platform: "karpenter",
    gpuType: spec.key,
    gpusPerNode,
    capacityTypes,
    maxNodes,
    nodeSelector: poolSelector(poolName, spec.key),
    tolerations: [GPU_TOLERATION],
    karpenter: true,
    instanceType: spec.aws!.instanceTypes.find((s) => s.gpus === gpusPerNode)?.name,
  });
  const contract: GpuPoolContract = {
    ...base,
    interconnect: {
      kind: efaDevices > 0 ? InterconnectKind.Efa : InterconnectKind.None,
      offered: commonEfaInterfaces(instanceTypes) > 0 || efaDevices > 0 ? InterconnectKind.Efa : InterconnectKind.None,
      devicesPerNode: efaDevices,
      ...(efaDevices > 0 ? { resourceName: EFA_RESOURCE } : {}),
      compactPlacement: false,
    },
    localStorage: { nvmeGB, ephemeralOnNvme: localNvme },
    imageCache: { streaming: false, preload: args.imageCacheSnapshotId !== undefined ? ImagePreload.EbsSnapshot : ImagePreload.None },
  };
  return {
    problems: [],
    plan: {
      poolName,
      gpuType: spec.key,
      gpusPerNode,
      capacityTypes,
      maxNodes,
      instanceFamilies,
      instanceTypes,
      ...(efaInstanceTypes ? { efaInstanceTypes } : {}),
      amiFamily,
      amiAlias: args.amiAlias ?? KARPENTER_AMI[amiFamily].alias,
      rootVolumeGiB: args.rootVolumeGiB ?? POOL_DEFAULTS.diskGiB,
      consolidateAfter: args.consolidateAfter ?? "5m",
      expireAfter: args.expireAfter ?? "720h",
      localNvme,
      createInterruptionQueue: args.createInterruptionQueue ?? true,
      tags: { ...(args.tags ?? {}), "finetune.dev/pool": poolName, "finetune.dev/gpu-type": spec.key },
      contract,
    },
  };
}

/**
 * A Karpenter GPU pool for an existing EKS cluster with Karpenter installed: NodePool + EC2NodeClass (spot then
 * on-demand, GPU name / count / family requirements, an `nvidia.com/gpu` limit, consolidation only of empty nodes),
 * a least-privilege node role with its access entry, and the interruption queue. Give `interruptionQueueName` to
 * the Karpenter chart as `settings.interruptionQueue` (`karpenterHelmValues`).
 */
export class KarpenterGpuNodePool extends pulumi.ComponentResource {
  readonly contract: GpuPoolContract;
  /** Interruption queue name (undefined when `createInterruptionQueue` is false). */
  readonly interruptionQueueName?: pulumi.Output<string>;
  /** The exact Helm value path of the queue name: `settings.interruptionQueue`. */
  readonly interruptionQueueHelmValuePath: string = KARPENTER_INTERRUPTION_QUEUE_VALUE;
  /** Values to merge into the Karpenter chart. */
  readonly karpenterHelmValues?: pulumi.Output<KarpenterHelmValues>;
  /** IAM policy JSON the Karpenter controller role needs on the queue. */
  readonly controllerQueuePolicyJson?: pulumi.Output<string>;
  readonly nodeRoleName: pulumi.Output<string>;

  constructor(name: string, args: KarpenterGpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan (validate) first: invalid arguments register nothing.
    const planned = planKarpenterGpuPool(name, args);
    super(componentToken("KarpenterGpuNodePool"), validatedName(KARPENTER, name, planned.problems), {}, withLegacyAlias("KarpenterGpuNodePool", opts));
    const plan = planned.plan!;
    const inputs = karpenterCheckedInputs(name, args);
    const { poolName, tags } = plan;
    this.contract = plan.contract;

    if (inputs.nodeRoleName !== undefined) {
      this.nodeRoleName = pulumi.output(inputs.nodeRoleName);
    } else {
      const role = createGpuNodeRole(name, this, tags);
      // Nodes launched by Karpenter join through an EKS access entry for their role.
      new aws.eks.AccessEntry(`${name}-node-access`, { clusterName: inputs.clusterName, principalArn: role.arn, type: "EC2_LINUX", tags }, { parent: this });
      this.nodeRoleName = role.name;
    }

    const discovery = { "karpenter.sh/discovery": inputs.clusterName };
    const rendered = pulumi
      .all([
        this.nodeRoleName,
        pulumi.output(args.subnetSelectorTags ?? discovery),
        pulumi.output(args.securityGroupSelectorTags ?? discovery),
        pulumi.output(inputs.kmsKeyArn),
        pulumi.output(inputs.imageCacheSnapshotId),
      ])
      .apply(([roleName, subnets, groups, kms, snapshot]) =>
        renderKarpenterGpuPool({
          poolName,
          gpuType: plan.gpuType,
          gpusPerNode: plan.gpusPerNode,
          capacityTypes: plan.capacityTypes,
          maxNodes: plan.maxNodes,
          instanceFamilies: plan.instanceFamilies,
          amiFamily: plan.amiFamily,
          amiAlias: plan.amiAlias,
          roleName,
          subnetSelectorTags: subnets as Record<string, string>,
          securityGroupSelectorTags: groups as Record<string, string>,
          rootVolumeGiB: plan.rootVolumeGiB,
          kmsKeyArn: kms,
          consolidateAfter: plan.consolidateAfter,
          expireAfter: plan.expireAfter,
          migProfile: args.migProfile,
          tags,
          localNvme: plan.localNvme,
          efaInstanceTypes: plan.efaInstanceTypes,
          imageCacheSnapshotId: snapshot,
        }),
      );
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-nodeclass`,
      {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: poolName, labels: { ...MANAGED_BY } },
        spec: rendered.apply((r) => r.nodeClass.spec),
      },
      { parent: this },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-nodepool`,
      {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: poolName, labels: { ...MANAGED_BY } },
        spec: rendered.apply((r) => r.nodePool.spec),
      },
      { parent: this, dependsOn: [nodeClass] },
    );

    if (plan.createInterruptionQueue) {
      const queue = new KarpenterInterruptionQueue(`${name}-interruption`, { tags }, { parent: this });
      this.interruptionQueueName = queue.queueName;
      this.karpenterHelmValues = queue.helmValues;
      this.controllerQueuePolicyJson = queue.controllerPolicyJson;
    }

    this.registerOutputs({
      contract: this.contract,
      nodeRoleName: this.nodeRoleName,
      interruptionQueueName: this.interruptionQueueName,
      interruptionQueueHelmValuePath: this.interruptionQueueHelmValuePath,
      karpenterHelmValues: this.karpenterHelmValues,
      controllerQueuePolicyJson: this.controllerQueuePolicyJson,
    });
  }
}
