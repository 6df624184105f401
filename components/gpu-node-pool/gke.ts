import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpMachineType, gpuCountsOffered, gpuSpec } from "../../core/gpu-catalog";
import {
  CapacityType,
  ImagePreload,
  InterconnectKind,
  type GpuPoolContract,
  type PoolImageCache,
  type PoolInterconnect,
  type PoolLocalStorage,
} from "../../core/contracts/gpu-pool";
import { GCP_BUNDLED_LOCAL_SSD, gcpInterconnect, gcpLocalSsdGb } from "../../core/interconnect";
import { CLOUD_TAINT_EFFECT, GPU_TAINT, GPU_TOLERATION, capacityOrder, poolNodeLabels, poolSelector } from "./labels";
import { POOL_DEFAULTS, type PoolPlanResult, buildPoolContract, poolShapeProblems } from "./pool-contract";
import { type Problem } from "../../core/problem";
import { checkInput, isKnown, outputProblems, validatedName } from "../validation";
import { componentToken, withLegacyAlias } from "../tokens";

/** `gpuDriverInstallationConfig.gpuDriverVersion` values. `INSTALLATION_DISABLED` only for a self-managed GPU Operator. */
export const GkeGpuDriverVersion = { Default: "DEFAULT", Latest: "LATEST", InstallationDisabled: "INSTALLATION_DISABLED" } as const;
export type GkeGpuDriverVersion = (typeof GkeGpuDriverVersion)[keyof typeof GkeGpuDriverVersion];

/** GKE GPU sharing strategies (kit name → API value). */
export const GKE_SHARING_STRATEGY = { "time-sharing": "TIME_SHARING", mps: "MPS" } as const;

/** GPU sharing strategies of a GKE node pool (keys of {@link GKE_SHARING_STRATEGY}). */
export const GkeSharingStrategy = { TimeSharing: "time-sharing", Mps: "mps" } as const;
export type GkeSharingStrategy = (typeof GkeSharingStrategy)[keyof typeof GkeSharingStrategy];

/** GPU sharing on a GKE node pool. */
export interface GkeGpuSharing {
  /** How pods share a GPU. */
  strategy: GkeSharingStrategy;
  /** Pods per GPU (2..48). @default 2 */
  maxClientsPerGpu?: number;
}

/**
 * Roles of the node service account the component creates: write logs, metrics and resource metadata — the
 * writer roles GKE documents for a least-privilege node service account, nothing else. Image pulls from Artifact
 * Registry are granted on the repository by the registry component (repository-level reader).
 */
export const GKE_NODE_SA_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/stackdriver.resourceMetadata.writer"] as const;

/** Secondary boot disk mode that serves preloaded container images to containerd. */
export const GKE_IMAGE_CACHE_MODE = "CONTAINER_IMAGE_CACHE";

/** One extra node network (VPC + subnet) for the GPU NICs of A3 / A4 machines. */
export interface GkeNodeNetwork {
  /** VPC name. */
  network: pulumi.Input<string>;
  /** Subnetwork name in that VPC. */
  subnetwork: pulumi.Input<string>;
}

/** The GPU-to-GPU networks of a multi-node pool (GPUDirect-TCPX / TCPXO / RDMA). */
export interface GkeGpuNetworks {
  /**
   * Additional node networks in NIC order: one VPC per GPU NIC for TCPX (4) and TCPXO (8); one gVNIC VPC then the 8
   * RDMA subnets for A3 Ultra / A4 (9). @default - none
   */
  additional?: GkeNodeNetwork[];
  /** Let GKE create and manage the accelerator networks (`networkConfig.acceleratorNetworkProfile: "auto"`, preview). @default false */
  auto?: boolean;
}

/** Arguments of {@link GkeGpuNodePool}. */
export interface GkeGpuNodePoolArgs {
  /** Cluster name or id. */
  cluster: pulumi.Input<string>;
  /** Cluster location (region or zone). */
  location: pulumi.Input<string>;
  /** Project. @default - the provider's project */
  project?: pulumi.Input<string>;
  /** Zones for the nodes. @default - the cluster's node locations */
  nodeLocations?: pulumi.Input<pulumi.Input<string>[]>;
  /** Pool name as the pipeline sees it; node pool names derive from it. @default - the component name */
  poolName?: string;
  /** GPU catalog key (gcp offers t4, l4, a100-40gb, a100-80gb, h100, h200, b200). */
  gpuType: string;
  /** GPUs per node. @default - the smallest count GCP offers for the GPU type */
  gpusPerNode?: number;
  /** Machine type. @default - the catalog's machine with gpusPerNode GPUs of gpuType */
  machineType?: string;
  /** Capacity of the primary pool. @default "spot" */
  capacity?: CapacityType;
  /** Create an on-demand pool (min 0) next to the spot pool. @default true */
  onDemandFallback?: boolean;
  /** Fewest nodes of the primary node pool (0 lets the pool scale to zero when idle). @default 0 */
  minNodes?: number;
  /** Most nodes of the primary node pool; the pool contract's maxNodes (the Kueue GPU quota) is decided from it. @default 2 */
  maxNodes?: number;
  /** Most nodes of the on-demand fallback pool. @default - maxNodes */
  fallbackMaxNodes?: number;
  /** Queued provisioning (Dynamic Workload Scheduler): nodes only through ProvisioningRequests, no reservation, on-demand. @default false */
  queuedProvisioning?: boolean;
  /** Driver GKE installs. @default "DEFAULT" (never LATEST unless asked: LATEST moves with GKE releases) */
  gpuDriverVersion?: GkeGpuDriverVersion;
  /** GPU sharing on the nodes. @default - none */
  gpuSharing?: GkeGpuSharing;
  /** MIG partition size (`gpuPartitionSize`), e.g. `1g.10gb`. @default - no MIG */
  migProfile?: string;
  /** Node service account email. @default - a dedicated account with only logging / monitoring writer roles (never the default compute account) */
  serviceAccountEmail?: pulumi.Input<string>;
  /** Boot disk size in GiB (images, model weights). @default 500 */
  diskGiB?: number;
  /** CMEK for the boot disk (`projects/…/cryptoKeys/…`). @default - Google-managed encryption */
  bootDiskKmsKey?: pulumi.Input<string>;
  /** Extra node labels. @default {} */
  labels?: Record<string, string>;
  /** GCE resource labels. @default {} */
  resourceLabels?: Record<string, string>;
  /**
   * Image streaming (`nodeConfig.gcfsConfig`): containers start while their Artifact Registry image streams in.
   * Needs the Container File System API and the COS_CONTAINERD image (the pool always uses it). @default true
   */
  imageStreaming?: boolean;
  /**
   * Disk image holding pre-pulled container images (`projects/<p>/global/images/<name>`, built with GKE's
   * gke-disk-image-builder), attached as a secondary boot disk in `CONTAINER_IMAGE_CACHE` mode. Needs image streaming.
   * @default - no secondary boot disk
   */
  imageCacheDiskImage?: pulumi.Input<string>;
  /**
   * Put ephemeral storage (containerd, kubelet, emptyDir scratch) on the machine's bundled Local SSD
   * (`ephemeralStorageLocalSsdConfig`; A2 Ultra, A3, A4, G2 bundle it). @default - true where the machine bundles Local SSD
   */
  localSsdEphemeralStorage?: boolean;
  /**
   * Compact placement (`placementPolicy.type: COMPACT`): nodes close together in one zone. Needs exactly one zone in
   * nodeLocations. @default - true for a multi-node pool (maxNodes > 1) on a machine with a fast interconnect whose nodeLocations is one zone
   */
  compactPlacement?: boolean;
  /** GPU NIC networks for multi-node NCCL on A3 / A4 machines. @default - none (NCCL over the primary gVNIC only) */
  gpuNetworks?: GkeGpuNetworks;
}

/** One GKE node pool the component creates. */
interface PoolVariant {
  suffix: string;
  capacity: CapacityType;
  spot: boolean;
  queued: boolean;
  minNodes: number;
  maxNodes: number;
}

/** `accountId` of the node service account (6-30 chars, lowercase, starts with a letter). */
export function nodeServiceAccountId(poolName: string): string {
  const id = `gpu-${poolName}`.slice(0, 30).replace(/-+$/, "");
  return id.length >= 6 ? id : `${id}-nodes`;
}

/** The `GkeGpuNodePoolArgs` taken as `pulumi.Input` (every other argument must be a plain value). */
export const GKE_INPUT_ARGS = [
  "cluster",
  "location",
  "project",
  "nodeLocations",
  "serviceAccountEmail",
  "bootDiskKmsKey",
  "imageCacheDiskImage",
  "gpuNetworks",
] as const;

/** The arguments of {@link GkeGpuNodePool} that stay plain, and why. */
export const GKE_PLAIN_ARGS: Record<string, string> = {
  poolName: "names the node pools, the service account and the pool contract (resource names)",
  gpuType: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  gpusPerNode: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  machineType: "pool shape: decides the machine types, the node groups / pools and the pool contract (GPU facts, quota) at construction",
  capacity: "decides which node pools exist (spot, on-demand)",
  onDemandFallback: "a flag: decides whether an on-demand node pool exists",
  minNodes: "scaling bounds checked against each other at construction",
  maxNodes: "the pool contract's maxNodes (Kueue quota) is decided from it at construction",
  fallbackMaxNodes: "scaling bound of the on-demand node pool, checked at construction",
  queuedProvisioning: "a flag: decides the node pool's provisioning mode",
  gpuDriverVersion: "decides the driver the pool reports (the contract's CUDA ceiling)",
  gpuSharing: "decides the sharing the pool contract reports",
  migProfile: "checked against the GPU and written into the pool contract at construction",
  diskGiB: "sizing chosen with the kit",
  labels: "node labels are the pool contract's nodeSelector, which Kueue and the pipelines render at construction",
  resourceLabels: "GCE labels chosen with the kit, merged with the kit's labels at construction",
  imageStreaming: "a flag: decides the node pool's image streaming and the pool contract's imageCache",
  localSsdEphemeralStorage: "a flag: decides the node pool's Local SSD setup",
  compactPlacement: "a flag: decides whether a placement policy exists (checked against nodeLocations)",
};

/** The catalog machine type of a pool's arguments (undefined when the GPU / count is not offered). */
function gkeMachineName(args: GkeGpuNodePoolArgs): string | undefined {
  if (args.machineType) return args.machineType;
  const gpus = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "gcp")[0];
  return gpus === undefined ? undefined : gcpMachineType(args.gpuType, gpus)?.name;
}

/** Node-level features of a GKE pool: image streaming, image cache, Local SSD, placement, GPU networks (defaults resolved). */
export interface GkeNodeFeatures {
  imageStreaming: boolean;
  localSsd: boolean;
  compactPlacement: boolean;
  interconnect: PoolInterconnect;
  localStorage: PoolLocalStorage;
  imageCache: PoolImageCache;
}

/** Resolves the node features of a pool on `machine` (pure; call after the arguments are valid). */
export function gkeNodeFeatures(args: GkeGpuNodePoolArgs, machine: string): GkeNodeFeatures {
  const fact = gcpInterconnect(machine);
  const maxNodes = args.maxNodes ?? POOL_DEFAULTS.maxNodes;
  const oneZone = isKnown(args.nodeLocations) && args.nodeLocations.length === 1;
  const imageStreaming = args.imageStreaming ?? true;
  const localSsd = args.localSsdEphemeralStorage ?? machine in GCP_BUNDLED_LOCAL_SSD;
  const compactPlacement = args.compactPlacement ?? (maxNodes > 1 && fact.kind !== InterconnectKind.None && oneZone && !(args.queuedProvisioning ?? false));
  const networked = (args.gpuNetworks?.auto ?? false) || args.gpuNetworks?.additional !== undefined;
  return {
    imageStreaming,
    localSsd,
    compactPlacement,
    interconnect: { kind: networked ? fact.kind : InterconnectKind.None, offered: fact.kind, devicesPerNode: networked ? fact.devices : 0, compactPlacement },
    localStorage: { nvmeGB: gcpLocalSsdGb(machine), ephemeralOnNvme: localSsd },
    imageCache: { streaming: imageStreaming, preload: args.imageCacheDiskImage !== undefined ? ImagePreload.GkeSecondaryBootDisk : ImagePreload.None },
  };
}

/** Problems of the image, Local SSD, placement and GPU-network arguments on `machine`. */
function gkeNodeFeatureProblems(name: string, args: GkeGpuNodePoolArgs, machine: string): Problem[] {
  const problems: Problem[] = [];
  const checks = gkeValueChecks(args, machine);
  const fact = gcpInterconnect(machine);
  if (args.imageCacheDiskImage !== undefined && args.imageStreaming === false) {
    problems.push({
      path: "imageCacheDiskImage",
      message:
        "a secondary boot disk of cached images needs image streaming (GKE serves the images through it; remove imageStreaming: false or the disk image)",
    });
  }
  if (args.localSsdEphemeralStorage === true && !(machine in GCP_BUNDLED_LOCAL_SSD)) {
    problems.push({
      path: "localSsdEphemeralStorage",
      message: `${machine} bundles no Local SSD (use an A2 Ultra, A3, A4 or G2 machine, or remove localSsdEphemeralStorage)`,
    });
  }
  if (args.compactPlacement === true) {
    if (args.queuedProvisioning)
      problems.push({ path: "compactPlacement", message: "queued provisioning pools place nodes themselves (remove compactPlacement or queuedProvisioning)" });
    // The zone count: at once on a known list, inside apply on an Output (the component's checked nodeLocations).
    problems.push(...checkInput(GKE, name, args.nodeLocations, "compactPlacement", checks.nodeLocations).problems);
    if (args.nodeLocations === undefined)
      problems.push({ path: "compactPlacement", message: "compact placement needs nodeLocations set to exactly one zone (set nodeLocations)" });
  }
  const nets = args.gpuNetworks;
  if (nets !== undefined) {
    if (fact.kind === InterconnectKind.None) {
      problems.push({
        path: "gpuNetworks",
        message: `${machine} has no GPU NICs (GPUDirect-TCPX/TCPXO/RDMA need a3-highgpu-8g, a3-megagpu-8g, a3-ultragpu-8g or a4-highgpu-8g; remove gpuNetworks)`,
      });
    } else if (nets.auto && nets.additional !== undefined) {
      problems.push({ path: "gpuNetworks", message: "auto and additional are exclusive (GKE creates the networks with auto; give one of them)" });
    } else {
      problems.push(...checkInput(GKE, name, nets.additional, "gpuNetworks.additional", checks.additionalNetworks).problems);
    }
  }
  return problems;
}

/** The pure plan of a GKE GPU pool: arguments validated, defaults resolved, the contract decided. */
export interface GkeGpuPoolPlan {
  poolName: string;
  /** Catalog key of the GPU. */
  gpuType: string;
  gpusPerNode: number;
  machineType: string;
  /** GKE accelerator type, e.g. `nvidia-l4`. */
  acceleratorType: string;
  bootDiskType: string;
  diskGiB: number;
  driverVersion: GkeGpuDriverVersion;
  capacityTypes: CapacityType[];
  /** One node pool per entry, preferred capacity first (`<poolName>-<suffix>`). */
  variants: PoolVariant[];
  /** `gpuSharingConfig` of the accelerator (undefined without sharing). */
  gpuSharing?: { gpuSharingStrategy: string; maxSharedClientsPerGpu: number };
  features: GkeNodeFeatures;
  contract: GpuPoolContract;
}

const GKE = "GkeGpuNodePool";
/** Cloud KMS key id (`bootDiskKmsKey`). */
const GCP_KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
/** GCP region or zone (`location`). */
const GCP_LOCATION = /^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/;

/** The `pulumi.Input` arguments after their checks (Outputs wrapped so that `apply` runs the same check). */
export interface GkeCheckedInputs {
  location: pulumi.Input<string>;
  nodeLocations?: pulumi.Input<pulumi.Input<string>[]>;
  serviceAccountEmail?: pulumi.Input<string>;
  bootDiskKmsKey?: pulumi.Input<string>;
  additionalNetworks?: pulumi.Input<GkeNodeNetwork[]>;
}

/** The checks of the Input arguments (each runs at once on a known value, inside `apply` on an Output). */
function gkeValueChecks(args: GkeGpuNodePoolArgs, machine: string | undefined) {
  const fact = machine !== undefined ? gcpInterconnect(machine) : undefined;
  return {
    location: (v: string) => (GCP_LOCATION.test(v) ? undefined : `"${v}" is not a GCP region or zone (e.g. us-central1 or us-central1-a)`),
    serviceAccountEmail: (v: string) =>
      /-compute@developer\.gserviceaccount\.com$/.test(v)
        ? `"${v}" is the default compute service account (Editor on the project); omit it and the pool creates a least-privilege account`
        : undefined,
    bootDiskKmsKey: (v: string) =>
      GCP_KMS_KEY.test(v) ? undefined : `"${v}" is not a Cloud KMS key id (use projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>)`,
    // Reported under compactPlacement: the argument that needs one zone.
    nodeLocations: (v: string[]) =>
      args.compactPlacement === true && v.length !== 1
        ? `compact placement keeps nodes in one zone, but nodeLocations lists ${v.length} (give nodeLocations exactly one zone)`
        : undefined,
    additionalNetworks: (v: { network: string; subnetwork: string }[]) =>
      fact && fact.kind !== InterconnectKind.None && !(args.gpuNetworks?.auto ?? false) && v.length !== fact.gkeAdditionalNetworks
        ? `${machine} (${fact.kind}) needs ${fact.gkeAdditionalNetworks} additional node networks, got ${v.length}`
        : undefined,
  };
}

/** The Input arguments, checked: known values as given, Outputs wrapped so that `apply` runs the same check. */
function gkeCheckedInputs(name: string, args: GkeGpuNodePoolArgs, machine: string): GkeCheckedInputs {
  const c = gkeValueChecks(args, machine);
  return {
    location: checkInput(GKE, name, args.location, "location", c.location).value,
    nodeLocations: checkInput(GKE, name, args.nodeLocations, "compactPlacement", c.nodeLocations).value,
    serviceAccountEmail: checkInput(GKE, name, args.serviceAccountEmail, "serviceAccountEmail", c.serviceAccountEmail).value,
    bootDiskKmsKey: checkInput(GKE, name, args.bootDiskKmsKey, "bootDiskKmsKey", c.bootDiskKmsKey).value,
    additionalNetworks: checkInput(GKE, name, args.gpuNetworks?.additional, "gpuNetworks.additional", c.additionalNetworks).value as
      pulumi.Input<GkeNodeNetwork[]> | undefined,
  };
}

/** Problems of the plain arguments (pure). */
function gkePlainProblems(name: string, args: GkeGpuNodePoolArgs): Problem[] {
  const problems: Problem[] = [
    ...poolShapeProblems(
      {
        gpuType: args.gpuType,
        gpusPerNode: args.gpusPerNode,
        minNodes: args.minNodes,
        maxNodes: args.maxNodes,
        migProfile: args.migProfile,
        instanceTypes: args.machineType ? [args.machineType] : undefined,
      },
      "gcp",
    ),
  ];
  const capacity = args.capacity ?? CapacityType.Spot;
  const queued = args.queuedProvisioning ?? false;
  if (queued && capacity === CapacityType.Spot) {
    problems.push({
      path: "queuedProvisioning",
      message: `queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand")`,
    });
  }
  const driverVersion = args.gpuDriverVersion ?? GkeGpuDriverVersion.Default;
  if (!Object.values(GkeGpuDriverVersion).includes(driverVersion)) {
    problems.push({
      path: "gpuDriverVersion",
      message: `"${driverVersion}" is not a GKE driver version (use one of ${Object.values(GkeGpuDriverVersion).join(", ")})`,
    });
  }
  if (args.gpuSharing) {
    const clients = args.gpuSharing.maxClientsPerGpu ?? 2;
    if (!(args.gpuSharing.strategy in GKE_SHARING_STRATEGY))
      problems.push({ path: "gpuSharing.strategy", message: `"${args.gpuSharing.strategy}" is not a sharing strategy (use time-sharing or mps)` });
    if (!Number.isInteger(clients) || clients < 2 || clients > 48)
      problems.push({ path: "gpuSharing.maxClientsPerGpu", message: `${clients} is outside 2..48` });
  }
  problems.push(...checkInput(GKE, name, args.serviceAccountEmail, "serviceAccountEmail", gkeValueChecks(args, undefined).serviceAccountEmail).problems);
  const diskGiB = args.diskGiB ?? POOL_DEFAULTS.diskGiB;
  if (!Number.isInteger(diskGiB) || diskGiB < 100)
    problems.push({ path: "diskGiB", message: `${diskGiB} GiB is below 100 (CUDA images and model weights need ≥ 100 GiB)` });
  return problems;
}

/** Every problem of a `GkeGpuNodePool`'s arguments that is known now (pure; the component throws them before it registers). */
export function gkeGpuNodePoolProblems(args: GkeGpuNodePoolArgs, name = "gke"): Problem[] {
  return planGkeGpuPool(name, args).problems;
}

/**
 * Validates a GKE pool's arguments and resolves every default and the contract (pure: no resources). Input
 * arguments known now are checked here; Outputs are checked inside `apply` by the component (same messages).
 */
export function planGkeGpuPool(name: string, args: GkeGpuNodePoolArgs): PoolPlanResult<GkeGpuPoolPlan> {
  // An Output where a plain value is needed: report only that (the other checks would read its toString text).
  const outputs = outputProblems(args, GKE_INPUT_ARGS);
  if (outputs.length > 0) return { problems: outputs };
  const problems = gkePlainProblems(name, args);
  const machineName = problems.some((p) => p.path === "gpuType") ? undefined : gkeMachineName(args);
  if (machineName !== undefined) problems.push(...gkeNodeFeatureProblems(name, args, machineName));
  const checks = gkeValueChecks(args, machineName);
  problems.push(
    ...checkInput(GKE, name, args.location, "location", checks.location).problems,
    ...checkInput(GKE, name, args.bootDiskKmsKey, "bootDiskKmsKey", checks.bootDiskKmsKey).problems,
  );
  if (problems.length > 0) return { problems };

  const capacity = args.capacity ?? CapacityType.Spot;
  const queued = args.queuedProvisioning ?? false;
  const poolName = args.poolName ?? name;
  const spec = gpuSpec(args.gpuType);
  const gpusPerNode = args.gpusPerNode ?? gpuCountsOffered(args.gpuType, "gcp")[0];
  const machine = args.machineType ? spec.gcp!.machineTypes.find((s) => s.name === args.machineType)! : gcpMachineType(args.gpuType, gpusPerNode)!;
  const minNodes = args.minNodes ?? POOL_DEFAULTS.minNodes;
  const maxNodes = args.maxNodes ?? POOL_DEFAULTS.maxNodes;
  const capacityTypes = capacityOrder(capacity, !queued && (args.onDemandFallback ?? true));
  const variants: PoolVariant[] = capacityTypes.map((c, i) => ({
    suffix: queued ? "dws" : c,
    capacity: c,
    spot: c === CapacityType.Spot,
    queued,
    minNodes: i === 0 ? minNodes : 0,
    maxNodes: i === 0 ? maxNodes : (args.fallbackMaxNodes ?? maxNodes),
  }));
  const features = gkeNodeFeatures(args, machine.name);
  const contract: GpuPoolContract = {
    ...buildPoolContract({
      name: poolName,
      platform: "gke",
      gpuType: spec.key,
      gpusPerNode,
      capacityTypes,
      maxNodes,
      nodeSelector: poolSelector(poolName, spec.key),
      tolerations: [GPU_TOLERATION],
      instanceType: machine.name,
    }),
    interconnect: features.interconnect,
    localStorage: features.localStorage,
    imageCache: features.imageCache,
  };
  return {
    problems: [],
    plan: {
      poolName,
      gpuType: spec.key,
      gpusPerNode,
      machineType: machine.name,
      acceleratorType: spec.gcp!.acceleratorType,
      bootDiskType: machine.bootDiskType,
      diskGiB: args.diskGiB ?? POOL_DEFAULTS.diskGiB,
      driverVersion: args.gpuDriverVersion ?? GkeGpuDriverVersion.Default,
      capacityTypes,
      variants,
      ...(args.gpuSharing
        ? { gpuSharing: { gpuSharingStrategy: GKE_SHARING_STRATEGY[args.gpuSharing.strategy], maxSharedClientsPerGpu: args.gpuSharing.maxClientsPerGpu ?? 2 } }
        : {}),
      features,
      contract,
    },
  };
}

/**
 * GKE GPU node pools: spot with autoscaling from 0 (and an on-demand fallback pool), the GPU attached with the
 * GKE-managed driver (`DEFAULT` branch by default), optional time-sharing / MPS or MIG, shielded nodes (secure boot,
 * integrity monitoring), `GKE_METADATA` (Workload Identity), a dedicated least-privilege node service account, kit
 * labels and the `nvidia.com/gpu` taint. `queuedProvisioning` switches to a Dynamic Workload Scheduler pool.
 */
export class GkeGpuNodePool extends pulumi.ComponentResource {
  readonly contract: GpuPoolContract;
  /** Node pool names, preferred capacity first. */
  readonly nodePoolNames: string[];
  readonly serviceAccountEmail: pulumi.Output<string>;

  constructor(name: string, args: GkeGpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan (validate) first: invalid arguments register nothing.
    const planned = planGkeGpuPool(name, args);
    super(componentToken("GkeGpuNodePool"), validatedName(GKE, name, planned.problems), {}, withLegacyAlias("GkeGpuNodePool", opts));
    const plan = planned.plan!;
    const inputs = gkeCheckedInputs(name, args, plan.machineType);
    const { poolName, features } = plan;
    this.contract = plan.contract;
    const nets = args.gpuNetworks;
    const networkConfig = nets?.auto
      ? { acceleratorNetworkProfile: "auto" }
      : nets?.additional !== undefined
        ? {
            additionalNodeNetworkConfigs: pulumi
              .output(inputs.additionalNetworks!)
              .apply((list) => list.map((n) => ({ network: n.network, subnetwork: n.subnetwork }))),
          }
        : undefined;

    if (inputs.serviceAccountEmail !== undefined) {
      this.serviceAccountEmail = pulumi.output(inputs.serviceAccountEmail);
    } else {
      const sa = new gcp.serviceaccount.Account(
        `${name}-nodes`,
        { accountId: nodeServiceAccountId(poolName), displayName: `GPU nodes of pool ${poolName} (finetune-kit)`, project: args.project },
        { parent: this },
      );
      GKE_NODE_SA_ROLES.forEach((role) => {
        // The account's project: the given one, or the provider's.
        new gcp.projects.IAMMember(
          `${name}-nodes-${role.split("/")[1].replace(/\./g, "-")}`,
          { project: sa.project, role, member: sa.member },
          { parent: this },
        );
      });
      this.serviceAccountEmail = sa.email;
    }

    this.nodePoolNames = plan.variants.map((v) => {
      const poolResourceName = `${poolName}-${v.suffix}`;
      new gcp.container.NodePool(
        `${name}-${v.suffix}`,
        {
          name: poolResourceName,
          cluster: args.cluster,
          location: inputs.location,
          project: args.project,
          nodeLocations: inputs.nodeLocations,
          initialNodeCount: v.minNodes,
          // ANY: place nodes in whichever zone has GPUs (spot / DWS capacity moves between zones).
          autoscaling: { totalMinNodeCount: v.minNodes, totalMaxNodeCount: v.maxNodes, locationPolicy: "ANY" },
          // Queued-provisioning pools must not auto-repair (GKE rejects it); upgrades never surge a scarce GPU.
          management: { autoRepair: !v.queued, autoUpgrade: true },
          upgradeSettings: { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 },
          queuedProvisioning: v.queued ? { enabled: true } : undefined,
          placementPolicy: features.compactPlacement ? { type: "COMPACT" } : undefined,
          networkConfig,
          nodeConfig: {
            machineType: plan.machineType,
            spot: v.spot,
            guestAccelerators: [
              {
                type: plan.acceleratorType,
                count: plan.gpusPerNode,
                gpuDriverInstallationConfig: { gpuDriverVersion: plan.driverVersion },
                gpuPartitionSize: args.migProfile,
                gpuSharingConfig: plan.gpuSharing,
              },
            ],
            serviceAccount: this.serviceAccountEmail,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            // Image streaming and secondary boot disks need the COS containerd image; gVNIC is what the extra GPU NICs and streaming use.
            imageType: "COS_CONTAINERD",
            gvnic: { enabled: true },
            gcfsConfig: { enabled: features.imageStreaming },
            secondaryBootDisks: args.imageCacheDiskImage !== undefined ? [{ diskImage: args.imageCacheDiskImage, mode: GKE_IMAGE_CACHE_MODE }] : undefined,
            // 0 on a machine with bundled Local SSD: GKE uses every bundled disk for ephemeral storage.
            ephemeralStorageLocalSsdConfig: features.localSsd ? { localSsdCount: 0 } : undefined,
            diskSizeGb: plan.diskGiB,
            diskType: plan.bootDiskType,
            bootDiskKmsKey: inputs.bootDiskKmsKey,
            metadata: { "disable-legacy-endpoints": "true" },
            labels: poolNodeLabels(poolName, plan.gpuType, v.capacity, args.labels ?? {}),
            resourceLabels: { ...(args.resourceLabels ?? {}), "finetune-pool": poolName, "finetune-gpu-type": plan.gpuType },
            taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: CLOUD_TAINT_EFFECT[GPU_TAINT.effect] }],
            reservationAffinity: v.queued ? { consumeReservationType: "NO_RESERVATION" } : undefined,
          },
        },
        // A node pool name is fixed: replace by deleting first (a same-named pool cannot be created alongside).
        { parent: this, deleteBeforeReplace: true, ignoreChanges: ["initialNodeCount"] },
      );
      return poolResourceName;
    });

    this.registerOutputs({ contract: this.contract, nodePoolNames: this.nodePoolNames, serviceAccountEmail: this.serviceAccountEmail });
  }
}
