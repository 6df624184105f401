import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_CHARTS, GPU_STACK_IMAGES } from "../../core/versions";
import { type Problem, throwIfProblems } from "../../core/problem";
import { checkInput, isKnown, isPlainDeep, outputProblems, unknownViewError, withPlaceholders, type InputOwner } from "../validation";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import {
  DRIVER_STACK_LAYOUTS,
  type DriverStackLayout,
  DriverStackMode,
  type DriverStackPlatform,
  TIME_SLICING_CONFIG,
  clusterPolicyFromValues,
  layoutKey,
  renderDcgmServiceMonitor,
  renderGpuOperatorValues,
  renderTimeSlicingConfig,
} from "./gpu-operator";
import {
  EKS_AMI_DRIVER_BRANCH,
  GKE_CHANNEL_MINOR,
  GKE_DRIVER_BRANCHES,
  GkeDriverVersion,
  SAGEMAKER_HOST_DRIVER,
  maxCudaForDriver,
  parseDriverVersion,
} from "./versions";
import { DNS_LABEL, MANAGED_BY, podSecurityLabels } from "../../core/kubernetes";
import type { EksGpuAmiType } from "../gpu-node-pool/eks";
import { componentToken, withLegacyAlias } from "../tokens";

/** GPU Operator MIG strategies. */
export const MigStrategy = { Single: "single", Mixed: "mixed" } as const;
export type MigStrategy = (typeof MigStrategy)[keyof typeof MigStrategy];

/** Arguments of {@link CudaDriverStack}. */
export interface CudaDriverStackArgs {
  /** Where the GPUs run. */
  platform: DriverStackPlatform;
  /** How the driver reaches the nodes. @default - "gpu-operator" on kubernetes, "preinstalled" elsewhere */
  mode?: DriverStackMode;
  /** Install the in-cluster pieces (false: the GPU Operator is already there; only the contract is produced). @default true */
  install?: boolean;
  /**
   * NVIDIA driver: the version the GPU Operator installs (mode gpu-operator), or the driver the nodes already run
   * (preinstalled; a full version or a branch such as `580`).
   * @default - gpu-operator: the pinned driver (GPU_STACK_IMAGES.nvidiaDriver); eks / gke / sagemaker: the platform table in versions.ts; kubernetes preinstalled: required
   */
  driverVersion?: string;
  /** EKS GPU AMI type of the nodes. @default "AL2023_x86_64_NVIDIA" */
  eksAmiType?: EksGpuAmiType;
  /** GKE `gpuDriverVersion` of the node pools. @default "DEFAULT" */
  gkeDriverVersion?: GkeDriverVersion;
  /** GKE minor version of the cluster, e.g. `1.34`. @default - GKE_CHANNEL_MINOR.REGULAR */
  gkeVersion?: string;
  /** MIG strategy when pools use MIG. @default "single" */
  migStrategy?: MigStrategy;
  /** MIG profiles pools use (the MIG manager runs when any is given). @default [] */
  migProfiles?: string[];
  /** Time-slicing: pods sharing each GPU (device-plugin config). @default - no time-slicing */
  timeSlicingReplicas?: number;
  /** Run the DCGM exporter. @default true */
  dcgmExporter?: boolean;
  /** Labels the monitoring stack selects ServiceMonitors by; a DCGM ServiceMonitor is created when given. @default - no ServiceMonitor */
  serviceMonitorLabels?: Record<string, pulumi.Input<string>>;
  /** Namespace of the GPU Operator (labelled PSS `privileged`: the only privileged namespace the kit creates). @default "gpu-operator" */
  namespace?: pulumi.Input<string>;
}

/** The arguments of {@link CudaDriverStack} typed `pulumi.Input` (or holding Inputs). */
export const CUDA_DRIVER_STACK_INPUT_ARGS = ["namespace", "serviceMonitorLabels"] as const satisfies readonly (keyof CudaDriverStackArgs)[];

/** Decides the driver, hence the contract's maximum CUDA version that the pipelines' compatibility checks read at construction. */
const DRIVER_REASON =
  "decides the driver version, hence the contract's maximum CUDA version, which the pipelines' compatibility checks and the plan read at construction";

/** The arguments of {@link CudaDriverStack} that stay plain, and why. */
export const CUDA_DRIVER_STACK_PLAIN_ARGS: Record<string, string> = {
  platform: "decides the layout: which components run and which resources exist",
  mode: "decides the layout: whether the GPU Operator installs a driver",
  install: "a flag: decides whether any in-cluster resource exists",
  driverVersion: DRIVER_REASON,
  eksAmiType: DRIVER_REASON,
  gkeDriverVersion: DRIVER_REASON,
  gkeVersion: DRIVER_REASON,
  migStrategy: "decides the GPU sharing the contract reports and the operator's MIG manager settings",
  migProfiles: "decides whether the MIG manager runs and the sharing the contract reports",
  timeSlicingReplicas: "decides whether a time-slicing ConfigMap exists and the sharing the contract reports",
  dcgmExporter: "a flag: decides whether the DCGM exporter (and its ServiceMonitor) exists",
};

/** {@link CudaDriverStackArgs} with every Input resolved (what the planner reads). */
export type PlainCudaDriverStackArgs = pulumi.Unwrap<CudaDriverStackArgs>;

/** Everything decided about a driver stack before any resource exists. */
export interface DriverStackPlan {
  platform: DriverStackPlatform;
  mode: DriverStackMode;
  layout: DriverStackLayout;
  namespace: string;
  driverVersion: string;
  /** Where the driver version came from, for messages (e.g. `GKE 1.34 DEFAULT`). */
  driverSource: string;
  contract: DriverStackContract;
  /** GPU Operator Helm values (undefined when no chart is installed). */
  values?: Record<string, unknown>;
}

/** The driver branch GKE installs for a `gpuDriverVersion` on a GKE minor version. */
export function gkeDriverBranch(gkeVersion: string, which: GkeDriverVersion): number | undefined {
  const [maj, min] = gkeVersion.split(".").map(Number);
  const row = GKE_DRIVER_BRANCHES.find((r) => {
    const [rm, rn] = r.fromGkeMinor.split(".").map(Number);
    return maj > rm || (maj === rm && min >= rn);
  });
  return row?.[which];
}

/** Resolves mode, layout, driver and contract; throws `InputPropertiesError` listing every problem. */
export function planDriverStack(name: string, args: PlainCudaDriverStackArgs): DriverStackPlan {
  throwIfProblems("CudaDriverStack", name, outputProblems(args));
  const problems: Problem[] = [];
  if (args.namespace !== undefined && !DNS_LABEL.test(args.namespace))
    problems.push({ path: "namespace", message: `"${args.namespace}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)` });
  const platform = args.platform;
  const mode = args.mode ?? (platform === "kubernetes" ? DriverStackMode.GpuOperator : DriverStackMode.Preinstalled);
  const amiType = args.eksAmiType ?? "AL2023_x86_64_NVIDIA";
  const layoutOrReason = DRIVER_STACK_LAYOUTS[layoutKey(platform, mode, amiType)];
  if (layoutOrReason === undefined) problems.push({ path: "platform", message: `"${platform}" is not a platform (use kubernetes, eks, gke or sagemaker)` });
  else if (typeof layoutOrReason === "string") problems.push({ path: "mode", message: `"${mode}" on ${platform}: ${layoutOrReason}` });
  if (args.eksAmiType !== undefined && !["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA"].includes(args.eksAmiType)) {
    problems.push({ path: "eksAmiType", message: `"${args.eksAmiType}" is not an EKS GPU AMI type (use AL2023_x86_64_NVIDIA or BOTTLEROCKET_x86_64_NVIDIA)` });
  }
  const gkeWhich = args.gkeDriverVersion ?? GkeDriverVersion.Default;
  const gkeVersion = args.gkeVersion ?? GKE_CHANNEL_MINOR.REGULAR;
  if (platform === "gke" && !/^1\.\d{2}$/.test(gkeVersion))
    problems.push({ path: "gkeVersion", message: `"${gkeVersion}" is not a GKE minor version (e.g. 1.34)` });

  let driverVersion = args.driverVersion;
  let driverSource = "driverVersion";
  if (driverVersion === undefined) {
    if (mode === DriverStackMode.GpuOperator) {
      driverVersion = GPU_STACK_IMAGES.nvidiaDriver.tag;
      driverSource = "GPU Operator driver pin";
    } else if (platform === "eks") {
      driverVersion = String(EKS_AMI_DRIVER_BRANCH[amiType] ?? "");
      driverSource = `${amiType} AMI`;
    } else if (platform === "gke") {
      const b = gkeDriverBranch(gkeVersion, gkeWhich);
      if (b === undefined)
        problems.push({
          path: "gkeVersion",
          message: `GKE ${gkeVersion} predates the kit's driver table (use GKE ${GKE_DRIVER_BRANCHES[GKE_DRIVER_BRANCHES.length - 1].fromGkeMinor} or newer)`,
        });
      driverVersion = String(b ?? "");
      driverSource = `GKE ${gkeVersion} gpuDriverVersion ${gkeWhich}`;
    } else if (platform === "sagemaker") {
      driverVersion = String(SAGEMAKER_HOST_DRIVER.branch);
      driverSource = "SageMaker training host";
    } else {
      problems.push({
        path: "driverVersion",
        message: "is required with mode preinstalled on kubernetes (set it to the driver the nodes run, e.g. 580.95.05)",
      });
      driverVersion = "";
    }
  } else if (!parseDriverVersion(driverVersion)) {
    problems.push({ path: "driverVersion", message: `"${driverVersion}" is not an NVIDIA driver version (e.g. 580.95.05, or a branch such as 580)` });
  } else if (mode === DriverStackMode.GpuOperator && !/^\d{3}\.\d{1,3}(\.\d{1,3})?$/.test(driverVersion)) {
    problems.push({
      path: "driverVersion",
      message: `"${driverVersion}" is a branch; the GPU Operator installs an exact driver (e.g. ${GPU_STACK_IMAGES.nvidiaDriver.tag})`,
    });
  }
  const migProfiles = args.migProfiles ?? [];
  if (args.timeSlicingReplicas !== undefined) {
    if (!Number.isInteger(args.timeSlicingReplicas) || args.timeSlicingReplicas < 2 || args.timeSlicingReplicas > 48) {
      problems.push({ path: "timeSlicingReplicas", message: `${args.timeSlicingReplicas} is outside 2..48` });
    }
    if (typeof layoutOrReason === "object" && !layoutOrReason.devicePlugin) {
      problems.push({
        path: "timeSlicingReplicas",
        message: `the kit does not run the device plugin on ${platform} (use the node pool's GPU sharing instead)`,
      });
    }
  }
  if ((migProfiles.length || args.migStrategy) && typeof layoutOrReason === "object" && !layoutOrReason.chart && platform !== "gke") {
    problems.push({ path: "migProfiles", message: `MIG is not available on ${platform}` });
  }
  throwIfProblems("CudaDriverStack", name, problems);

  const layout = layoutOrReason as DriverStackLayout;
  const namespace = args.namespace ?? "gpu-operator";
  const migStrategy = args.migStrategy ?? "single";
  const dcgmOn = layout.dcgm !== "none" && (args.dcgmExporter ?? true);
  const contract: DriverStackContract = {
    mode,
    driverVersion: driverVersion!,
    maxCudaVersion: maxCudaForDriver(driverVersion!) ?? "unknown",
    dcgmExporter: dcgmOn,
  };
  if (layout.chart && layout.toolkit) contract.runtimeClassName = "nvidia";
  if (dcgmOn) contract.dcgmNamespace = layout.dcgmNamespace ?? namespace;
  if (migProfiles.length)
    contract.sharing = {
      strategy: migStrategy === "mixed" ? "mig-mixed" : "mig-single",
      ...(new Set(migProfiles).size === 1 ? { profile: migProfiles[0] } : {}),
    };
  else if (args.timeSlicingReplicas) contract.sharing = { strategy: "time-slicing", replicas: args.timeSlicingReplicas };

  const values = layout.chart
    ? renderGpuOperatorValues({
        layout,
        driverVersion: driverVersion!,
        migStrategy,
        mig: migProfiles.length > 0,
        timeSlicingReplicas: args.timeSlicingReplicas,
        dcgmExporter: args.dcgmExporter ?? true,
      })
    : undefined;
  return { platform, mode, layout, namespace, driverVersion: driverVersion!, driverSource, contract, values };
}

/** Each stack's ClusterPolicy, kept off the instance so the provider host does not take it for an output (it holds `unknown`). */
const CLUSTER_POLICIES = new WeakMap<CudaDriverStack, Record<string, unknown>>();

/**
 * The CUDA driver stack of a cluster. `gpu-operator` (bare Kubernetes): the pinned NVIDIA GPU Operator installs
 * driver, container toolkit, device plugin, DCGM exporter, GFD/NFD, MIG manager and validator in a namespace
 * labelled PSS `privileged`. `preinstalled` (EKS NVIDIA AMIs, GKE, SageMaker): no driver container; on EKS the
 * operator runs with driver (and toolkit) off for the device plugin and DCGM exporter; on GKE nothing runs (GKE
 * installs driver and device plugin; DCGM comes from GKE managed DCGM, see GKE_MANAGED_DCGM_MONITORING).
 */
export class CudaDriverStack extends pulumi.ComponentResource {
  /**
   * What the driver stack tells the rest of the kit, as plain values. Reading it throws when it derives from an
   * Output (`namespace`, which names the DCGM exporter's namespace): read {@link contractOutput} then.
   */
  get contract(): DriverStackContract {
    const v = DRIVER_VIEWS.get(this)!;
    if (v.contract === undefined) throw unknownViewError(v.owner, "contract", "contractOutput");
    return v.contract;
  }
  /** The contract as one Output (always set). */
  readonly contractOutput: pulumi.Output<DriverStackContract>;
  /** The operator namespace (when the kit installs the chart). */
  readonly namespace?: pulumi.Output<string>;
  /** The ClusterPolicy the chart creates from the kit's values (plan output); a getter, not a provider-host output. */
  get clusterPolicy(): Record<string, unknown> | undefined {
    return CLUSTER_POLICIES.get(this);
  }
  /** The GPU Operator Helm release (for `dependsOn`). */
  readonly release?: k8s.helm.v3.Release;

  constructor(name: string, args: CudaDriverStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan (validate) first: invalid arguments register nothing. An Output namespace or label stands in as a
    // placeholder (its problems are checked inside apply instead).
    throwIfProblems("CudaDriverStack", name, outputProblems(args, CUDA_DRIVER_STACK_INPUT_ARGS));
    const PLACEHOLDER = "unknown-until-deployed";
    // The placeholder is a valid namespace, so the planner's problems are those of the values known now.
    const plan = planDriverStack(name, withPlaceholders(args as PlainCudaDriverStackArgs, PLACEHOLDER));
    super(componentToken("CudaDriverStack"), name, {}, withLegacyAlias("CudaDriverStack", opts));
    const owner: InputOwner = { component: "CudaDriverStack", name };
    const namespace = checkInput("CudaDriverStack", name, args.namespace ?? plan.namespace, "namespace", (v) =>
      DNS_LABEL.test(v) ? undefined : `"${v}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)`,
    ).value;
    // The contract names the namespace only as the DCGM exporter's (when the operator runs it there).
    const contractOf = (ns: string): DriverStackContract =>
      plan.contract.dcgmNamespace === plan.namespace ? { ...plan.contract, dcgmNamespace: ns } : { ...plan.contract };
    DRIVER_VIEWS.set(this, { owner, contract: isKnown(namespace) ? contractOf(namespace) : undefined });
    this.contractOutput = pulumi.output(namespace).apply(contractOf);

    if ((args.install ?? true) && plan.values) {
      this.namespace = pulumi.output(namespace);
      CLUSTER_POLICIES.set(this, clusterPolicyFromValues(plan.values));
      const ns = new k8s.core.v1.Namespace(
        `${name}-ns`,
        {
          metadata: {
            name: namespace,
            // The driver, toolkit and device-plugin DaemonSets need host access: the one privileged namespace.
            labels: {
              ...podSecurityLabels("privileged"),
              ...MANAGED_BY,
            },
          },
        },
        { parent: this },
      );
      const deps: pulumi.Resource[] = [];
      if (args.timeSlicingReplicas) {
        deps.push(
          new k8s.core.v1.ConfigMap(
            `${name}-time-slicing`,
            {
              metadata: { name: TIME_SLICING_CONFIG.name, namespace: ns.metadata.name, labels: { ...MANAGED_BY } },
              data: {
                [TIME_SLICING_CONFIG.key]: renderTimeSlicingConfig(
                  args.timeSlicingReplicas,
                  (args.migProfiles ?? []).length ? (args.migStrategy ?? "single") : "none",
                ),
              },
            },
            { parent: this },
          ),
        );
      }
      this.release = new k8s.helm.v3.Release(
        `${name}-gpu-operator`,
        {
          name: "gpu-operator",
          chart: GPU_STACK_CHARTS.gpuOperator.chart,
          version: GPU_STACK_CHARTS.gpuOperator.version,
          repositoryOpts: { repo: GPU_STACK_CHARTS.gpuOperator.repo },
          namespace: ns.metadata.name,
          createNamespace: false,
          atomic: true,
          timeout: 900,
          values: plan.values,
        },
        { parent: this, dependsOn: deps },
      );
      if (args.serviceMonitorLabels && plan.contract.dcgmExporter) {
        const labels = args.serviceMonitorLabels;
        const render = (v: { ns: string; labels: Record<string, string> }) => renderDcgmServiceMonitor(v.ns, v.labels) as { metadata: unknown; spec: unknown };
        const monitor = isPlainDeep([namespace, labels])
          ? render({ ns: namespace as string, labels: labels as Record<string, string> })
          : (() => {
              const real = pulumi.output({ ns: namespace, labels }).apply((v) => render(v as { ns: string; labels: Record<string, string> }));
              return {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: real.apply((r) => r.metadata),
                spec: real.apply((r) => r.spec),
              };
            })();
        new k8s.apiextensions.CustomResource(`${name}-dcgm-servicemonitor`, monitor as unknown as k8s.apiextensions.CustomResourceArgs, {
          parent: this,
          dependsOn: [this.release],
        });
      }
    }
    this.registerOutputs({ contract: this.contractOutput, namespace: this.namespace });
  }
}

/** Plain views of each stack, kept off the instance so the provider host does not take them for outputs. */
const DRIVER_VIEWS = new WeakMap<CudaDriverStack, { owner: InputOwner; contract?: DriverStackContract }>();
