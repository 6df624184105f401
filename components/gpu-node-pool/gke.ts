import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpMachineType, gpuCountsOffered, gpuSpec } from "./catalog";
import { CapacityType, type GpuPoolContract } from "./contract";
import { CLOUD_TAINT_EFFECT, GPU_TAINT, GPU_TOLERATION, capacityOrder, poolNodeLabels, poolSelector } from "./labels";
import { POOL_DEFAULTS, buildPoolContract, poolShapeProblems } from "./pool-contract";
import { type ArgProblem, isKnown, outputProblems, validatedName } from "./validation";

/** `gpuDriverInstallationConfig.gpuDriverVersion` values. `INSTALLATION_DISABLED` only for a self-managed GPU Operator. */
export const GkeGpuDriverVersion = { Default: "DEFAULT", Latest: "LATEST", InstallationDisabled: "INSTALLATION_DISABLED" } as const;
export type GkeGpuDriverVersion = (typeof GkeGpuDriverVersion)[keyof typeof GkeGpuDriverVersion];

/** GKE GPU sharing strategies (kit name → API value). */
export const GKE_SHARING_STRATEGY = { "time-sharing": "TIME_SHARING", mps: "MPS" } as const;

/**
 * Roles of the node service account the component creates: write logs, metrics and resource metadata — the
 * writer roles GKE documents for a least-privilege node service account, nothing else. Image pulls from Artifact
 * Registry are granted on the repository by the registry component (repository-level reader).
 */
export const GKE_NODE_SA_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/stackdriver.resourceMetadata.writer"] as const;

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
  /** @default 0 */
  minNodes?: number;
  /** @default 2 */
  maxNodes?: number;
  /** Most nodes of the on-demand fallback pool. @default - maxNodes */
  fallbackMaxNodes?: number;
  /** Queued provisioning (Dynamic Workload Scheduler): nodes only through ProvisioningRequests, no reservation, on-demand. @default false */
  queuedProvisioning?: boolean;
  /** Driver GKE installs. @default "DEFAULT" (never LATEST unless asked: LATEST moves with GKE releases) */
  gpuDriverVersion?: GkeGpuDriverVersion;
  /** GPU sharing on the nodes. @default - none */
  gpuSharing?: { strategy: keyof typeof GKE_SHARING_STRATEGY; maxClientsPerGpu?: number };
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
const GKE_INPUT_ARGS = ["cluster", "location", "project", "nodeLocations", "serviceAccountEmail", "bootDiskKmsKey"] as const;

/** Every problem of a `GkeGpuNodePool`'s arguments (pure; the component throws them before it registers). */
export function gkeGpuNodePoolProblems(args: GkeGpuNodePoolArgs): ArgProblem[] {
  // An Output where a plain value is needed: report only that (the other checks would read its toString text).
  const outputs = outputProblems(args, GKE_INPUT_ARGS);
  if (outputs.length > 0) return outputs;
  const problems: ArgProblem[] = [...poolShapeProblems(
    { gpuType: args.gpuType, gpusPerNode: args.gpusPerNode, minNodes: args.minNodes, maxNodes: args.maxNodes, migProfile: args.migProfile, instanceTypes: args.machineType ? [args.machineType] : undefined },
    "gcp",
  )];
  const capacity = args.capacity ?? CapacityType.Spot;
  const queued = args.queuedProvisioning ?? false;
  if (queued && capacity === CapacityType.Spot) {
    problems.push({ propertyPath: "queuedProvisioning", reason: `queued provisioning (DWS flex-start) gets on-demand capacity, not spot (set capacity to "on-demand")` });
  }
  const driverVersion = args.gpuDriverVersion ?? GkeGpuDriverVersion.Default;
  if (!Object.values(GkeGpuDriverVersion).includes(driverVersion)) {
    problems.push({ propertyPath: "gpuDriverVersion", reason: `"${driverVersion}" is not a GKE driver version (use one of ${Object.values(GkeGpuDriverVersion).join(", ")})` });
  }
  if (args.gpuSharing) {
    const clients = args.gpuSharing.maxClientsPerGpu ?? 2;
    if (!(args.gpuSharing.strategy in GKE_SHARING_STRATEGY)) problems.push({ propertyPath: "gpuSharing.strategy", reason: `"${args.gpuSharing.strategy}" is not a sharing strategy (use time-sharing or mps)` });
    if (!Number.isInteger(clients) || clients < 2 || clients > 48) problems.push({ propertyPath: "gpuSharing.maxClientsPerGpu", reason: `${clients} is outside 2..48` });
  }
  if (isKnown(args.serviceAccountEmail) && /-compute@developer\.gserviceaccount\.com$/.test(args.serviceAccountEmail)) {
    problems.push({ propertyPath: "serviceAccountEmail", reason: `"${args.serviceAccountEmail}" is the default compute service account (Editor on the project); omit it and the pool creates a least-privilege account` });
  }
  const diskGiB = args.diskGiB ?? POOL_DEFAULTS.diskGiB;
  if (!Number.isInteger(diskGiB) || diskGiB < 100) problems.push({ propertyPath: "diskGiB", reason: `${diskGiB} GiB is below 100 (CUDA images and model weights need ≥ 100 GiB)` });
  return problems;
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
    super("finetune:gpu:GkeGpuNodePool", validatedName("GkeGpuNodePool", name, gkeGpuNodePoolProblems(args)), {}, opts);
    const capacity = args.capacity ?? CapacityType.Spot;
    const queued = args.queuedProvisioning ?? false;
    const driverVersion = args.gpuDriverVersion ?? GkeGpuDriverVersion.Default;
    const diskGiB = args.diskGiB ?? POOL_DEFAULTS.diskGiB;

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

    this.contract = buildPoolContract({
      name: poolName,
      platform: "gke",
      gpuType: spec.key,
      gpusPerNode,
      capacityTypes,
      maxNodes,
      nodeSelector: poolSelector(poolName, spec.key),
      tolerations: [GPU_TOLERATION],
      instanceType: machine.name,
    });

    if (args.serviceAccountEmail !== undefined) {
      this.serviceAccountEmail = pulumi.output(args.serviceAccountEmail);
    } else {
      const sa = new gcp.serviceaccount.Account(
        `${name}-nodes`,
        { accountId: nodeServiceAccountId(poolName), displayName: `GPU nodes of pool ${poolName} (finetune-kit)`, project: args.project },
        { parent: this },
      );
      GKE_NODE_SA_ROLES.forEach((role) => {
        // The account's project: the given one, or the provider's.
        new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1].replace(/\./g, "-")}`, { project: sa.project, role, member: sa.member }, { parent: this });
      });
      this.serviceAccountEmail = sa.email;
    }

    this.nodePoolNames = variants.map((v) => {
      const poolResourceName = `${poolName}-${v.suffix}`;
      new gcp.container.NodePool(
        `${name}-${v.suffix}`,
        {
          name: poolResourceName,
          cluster: args.cluster,
          location: args.location,
          project: args.project,
          nodeLocations: args.nodeLocations,
          initialNodeCount: v.minNodes,
          // ANY: place nodes in whichever zone has GPUs (spot / DWS capacity moves between zones).
          autoscaling: { totalMinNodeCount: v.minNodes, totalMaxNodeCount: v.maxNodes, locationPolicy: "ANY" },
          // Queued-provisioning pools must not auto-repair (GKE rejects it); upgrades never surge a scarce GPU.
          management: { autoRepair: !v.queued, autoUpgrade: true },
          upgradeSettings: { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 },
          queuedProvisioning: v.queued ? { enabled: true } : undefined,
          nodeConfig: {
            machineType: machine.name,
            spot: v.spot,
            guestAccelerators: [
              {
                type: spec.gcp!.acceleratorType,
                count: gpusPerNode,
                gpuDriverInstallationConfig: { gpuDriverVersion: driverVersion },
                gpuPartitionSize: args.migProfile,
                gpuSharingConfig: args.gpuSharing
                  ? { gpuSharingStrategy: GKE_SHARING_STRATEGY[args.gpuSharing.strategy], maxSharedClientsPerGpu: args.gpuSharing.maxClientsPerGpu ?? 2 }
                  : undefined,
              },
            ],
            serviceAccount: this.serviceAccountEmail,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            imageType: "COS_CONTAINERD",
            diskSizeGb: diskGiB,
            diskType: machine.bootDiskType,
            bootDiskKmsKey: args.bootDiskKmsKey,
            metadata: { "disable-legacy-endpoints": "true" },
            labels: poolNodeLabels(poolName, spec.key, v.capacity, args.labels ?? {}),
            resourceLabels: { ...(args.resourceLabels ?? {}), "finetune-pool": poolName, "finetune-gpu-type": spec.key },
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
