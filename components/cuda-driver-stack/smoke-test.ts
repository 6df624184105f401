import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_STACK_IMAGES, imageRef } from "../../core/versions";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { KARPENTER_DO_NOT_DISRUPT } from "../gpu-node-pool/labels";
import { type Problem, throwIfProblems } from "../../core/problem";
import { checkInput, fieldsFromRender, isKnown, isPlainDeep, outputProblems, unknownViewError, type InputOwner } from "../validation";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import { DNS_LABEL, MANAGED_BY, restrictedContainerSecurity, restrictedPodSecurity } from "../../core/kubernetes";
import { AWS_INTERCONNECT, EFA_RESOURCE, GCP_INTERCONNECT } from "../../core/interconnect";
import { ncclBusBwThresholdGBps, NCCL_THRESHOLDS } from "../../core/nccl-thresholds";
import type { InterconnectKind } from "../../core/contracts/gpu-pool";
import { componentToken, withLegacyAlias } from "../tokens";

/** File name of the smoke-test script shipped in `components/cuda-driver-stack/smoke/`. */
export const SMOKE_SCRIPT_FILE = "gpu_smoke.py";
/** Where the script is mounted in the pod. */
const SCRIPT_DIR = "/opt/finetune-smoke";
/** The script's "no GPU" exit code: the Job fails at once instead of retrying. */
export const SMOKE_EXIT_NO_GPU = 2;

/** File name of the two-node NCCL all-reduce launcher shipped beside the smoke script. */
export const NCCL_SMOKE_SCRIPT_FILE = "nccl_allreduce.py";

/** A script of `components/cuda-driver-stack/smoke/` (from the source tree, or beside the compiled module). */
function shippedScript(file: string): string {
  const candidates = [path.join(__dirname, "smoke", file), path.join(__dirname, "..", "..", "..", "components", "cuda-driver-stack", "smoke", file)];
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c, "utf8");
  throw new Error(`GPU smoke-test script ${file} not found (looked in ${candidates.join(", ")})`);
}

/** The smoke-test script text (from the source tree, or beside the compiled module). */
export function smokeScript(): string {
  return shippedScript(SMOKE_SCRIPT_FILE);
}

/** The NCCL all-reduce launcher's text. */
export function ncclSmokeScript(): string {
  return shippedScript(NCCL_SMOKE_SCRIPT_FILE);
}

/** Inputs of {@link renderSmokeTestJob}. */
export interface SmokeTestRenderInput {
  pool: GpuPoolContract;
  driver: DriverStackContract;
  namespace: string;
  jobName: string;
  configMapName: string;
  image: string;
  /** GPUs the Job requests (and the script expects to see). */
  gpus: number;
  activeDeadlineSeconds: number;
}

/** The ConfigMap that ships a smoke test's script to its Job (`app` labels it: gpu-smoke-test, gpu-nccl-smoke-test). */
export function renderSmokeScriptConfigMap(i: { name: string; namespace: string; app: string; file: string; script: string }): Record<string, unknown> {
  return {
    metadata: { name: i.name, namespace: i.namespace, labels: { "app.kubernetes.io/name": i.app, ...MANAGED_BY } },
    data: { [i.file]: i.script },
  };
}

/**
 * The smoke-test Job of a pool (pure): one PSS-restricted pod on the pool (its queue, or its node selector and
 * tolerations), requesting GPUs, running the shipped script from a ConfigMap. A spot preemption is not a failure
 * (podFailurePolicy Ignore on DisruptionTarget); "no GPU" fails the Job at once.
 */
export function renderSmokeTestJob(i: SmokeTestRenderInput): Record<string, unknown> {
  const labels: Record<string, string> = { "app.kubernetes.io/name": "gpu-smoke-test", ...MANAGED_BY, "finetune.dev/pool": i.pool.name };
  if (i.pool.localQueueName) labels["kueue.x-k8s.io/queue-name"] = i.pool.localQueueName;
  const annotations: Record<string, string> = i.pool.karpenter ? { [KARPENTER_DO_NOT_DISRUPT]: "true" } : {};
  const gpuRes = { [i.pool.gpuResourceName]: String(i.gpus) };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: i.jobName, namespace: i.namespace, labels },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: i.activeDeadlineSeconds,
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          { action: "FailJob", onExitCodes: { containerName: "smoke", operator: "In", values: [SMOKE_EXIT_NO_GPU] } },
        ],
      },
      template: {
        metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          ...(i.driver.runtimeClassName ? { runtimeClassName: i.driver.runtimeClassName } : {}),
          ...(Object.keys(i.pool.nodeSelector).length ? { nodeSelector: { ...i.pool.nodeSelector } } : {}),
          ...(i.pool.tolerations.length ? { tolerations: i.pool.tolerations.map((t) => ({ ...t })) } : {}),
          securityContext: restrictedPodSecurity(65534),
          containers: [
            {
              name: "smoke",
              image: i.image,
              imagePullPolicy: "IfNotPresent",
              command: ["python3", `${SCRIPT_DIR}/${SMOKE_SCRIPT_FILE}`],
              args: ["--expect-gpus", String(i.gpus)],
              env: [
                { name: "HOME", value: "/tmp" },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              ],
              resources: { requests: { cpu: "2", memory: "8Gi", ...gpuRes }, limits: { cpu: "4", memory: "16Gi", ...gpuRes } },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [
                { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "script", configMap: { name: i.configMapName, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
          ],
        },
      },
    },
  };
}

// ---- Two-node NCCL all-reduce bandwidth ----------------------------------------------------------------------

/** Nodes the NCCL test spans (pods of its Indexed Job, one per node). */
export const NCCL_SMOKE_NODES = 2;
/** torch.distributed rendezvous port on pod 0 (the `env://` TCP store). */
export const NCCL_MASTER_PORT = 29500;
/** Launcher exit codes that end the Job at once (no GPU, too few, wrong sum, no torch, below threshold, bad usage); 7 (rendezvous / NCCL error) is retried. */
export const NCCL_SMOKE_FAIL_JOB_EXIT_CODES = [2, 3, 4, 5, 6, 64] as const;
/** CUDA version of the EFA NCCL image (`GPU_STACK_IMAGES.ncclSmokeEfa`: PyTorch 2.11 CUDA 13.0 wheels). */
export const NCCL_SMOKE_EFA_CUDA_VERSION = "13.0";
/** Shared memory NCCL gets per pod (`emptyDir` medium Memory on /dev/shm; counts against the memory limit). */
export const NCCL_SHM_GIB = 8;

/** The image the NCCL test of a pool uses: EFA needs libfabric + the AWS OFI NCCL plugin, which only the AWS DLC carries. */
export function ncclSmokeImage(kind: InterconnectKind): string {
  return imageRef(kind === "efa" ? GPU_STACK_IMAGES.ncclSmokeEfa : GPU_STACK_IMAGES.gpuSmokeTest);
}

/** Whether a pool runs the NCCL test when the caller does not say: it can grow to two nodes and has a fast interconnect. */
export function ncclSmokeDefault(pool: GpuPoolContract): boolean {
  return pool.maxNodes >= NCCL_SMOKE_NODES && (pool.interconnect?.kind ?? "none") !== "none";
}

/**
 * The busbw pass mark (GB/s) of a pool: the interconnect's row of core/nccl-thresholds.ts applied to the machine's
 * nominal bandwidth from core/interconnect.ts (when the pool names its instance / machine type and the fact is of
 * the same kind), else the row's fallback.
 */
export function ncclThresholdForPool(pool: GpuPoolContract, table = NCCL_THRESHOLDS): number {
  const kind = pool.interconnect?.kind ?? "none";
  const fact = pool.instanceType ? (AWS_INTERCONNECT[pool.instanceType] ?? GCP_INTERCONNECT[pool.instanceType]) : undefined;
  return ncclBusBwThresholdGBps(kind, fact && fact.kind === kind ? fact.gbps : undefined, table);
}

/** Inputs of {@link renderNcclSmokeTest}. */
export interface NcclSmokeRenderInput {
  pool: GpuPoolContract;
  driver: DriverStackContract;
  namespace: string;
  /** Job name; also the pods' hostnames' prefix (`<jobName>-<index>`). */
  jobName: string;
  /** Headless Service the pods join as their subdomain (pod 0 answers at `<jobName>-0.<serviceName>`). */
  serviceName: string;
  configMapName: string;
  image: string;
  /** busbw pass mark in GB/s. */
  minBusBwGBps: number;
  activeDeadlineSeconds: number;
}

/**
 * The two-node NCCL all-reduce test of a pool (pure): a headless Service, an Indexed Job of two pods (one per node,
 * required anti-affinity on the hostname) that each request every GPU of their node (and every EFA interface on
 * EFA pools), run the shipped launcher with argv only (ranks from the completion index, rendezvous at pod 0 through
 * the Service), and two NetworkPolicies that open the pipeline namespace's default-deny for the pair and for DNS.
 * PSS restricted; NCCL shared memory from an `emptyDir` with `medium: Memory`.
 */
export function renderNcclSmokeTest(i: NcclSmokeRenderInput): Record<string, unknown>[] {
  const kind = i.pool.interconnect?.kind ?? "none";
  const gpus = i.pool.gpusPerNode;
  const selector: Record<string, string> = { "app.kubernetes.io/name": "gpu-nccl-smoke-test", "finetune.dev/pool": i.pool.name };
  const labels: Record<string, string> = { ...selector, ...MANAGED_BY };
  const jobLabels: Record<string, string> = { ...labels, ...(i.pool.localQueueName ? { "kueue.x-k8s.io/queue-name": i.pool.localQueueName } : {}) };
  const annotations: Record<string, string> = i.pool.karpenter ? { [KARPENTER_DO_NOT_DISRUPT]: "true" } : {};
  const efa =
    kind === "efa" && (i.pool.interconnect?.devicesPerNode ?? 0) > 0
      ? { [i.pool.interconnect?.resourceName ?? EFA_RESOURCE]: String(i.pool.interconnect?.devicesPerNode) }
      : {};
  const devices = { [i.pool.gpuResourceName]: String(gpus), ...efa };
  // assumption: a PyTorch + CUDA context holds 3-5 GiB of host memory per rank; 8 GiB base for the launcher and buffers
  const memoryGiB = 8 + 4 * gpus;
  const env: { name: string; value: string }[] = [
    { name: "MASTER_ADDR", value: `${i.jobName}-0.${i.serviceName}` },
    { name: "MASTER_PORT", value: String(NCCL_MASTER_PORT) },
    { name: "HOME", value: "/tmp" },
    { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    // NCCL names the transport it picked (NET/AWS Libfabric, NET/Socket) in the log
    { name: "NCCL_DEBUG", value: "INFO" },
    { name: "NCCL_DEBUG_SUBSYS", value: "INIT,NET" },
    ...(kind === "efa" ? [{ name: "FI_PROVIDER", value: "efa" }] : []),
  ];
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: i.serviceName, namespace: i.namespace, labels },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector,
      ports: [{ name: "rendezvous", port: NCCL_MASTER_PORT, targetPort: NCCL_MASTER_PORT, protocol: "TCP" }],
    },
  };
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: i.jobName, namespace: i.namespace, labels: jobLabels },
    spec: {
      completionMode: "Indexed",
      completions: NCCL_SMOKE_NODES,
      parallelism: NCCL_SMOKE_NODES,
      backoffLimit: 1,
      activeDeadlineSeconds: i.activeDeadlineSeconds,
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          { action: "FailJob", onExitCodes: { containerName: "nccl", operator: "In", values: [...NCCL_SMOKE_FAIL_JOB_EXIT_CODES] } },
        ],
      },
      template: {
        metadata: { labels: jobLabels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        spec: {
          subdomain: i.serviceName,
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          ...(i.driver.runtimeClassName ? { runtimeClassName: i.driver.runtimeClassName } : {}),
          ...(Object.keys(i.pool.nodeSelector).length ? { nodeSelector: { ...i.pool.nodeSelector } } : {}),
          ...(i.pool.tolerations.length ? { tolerations: i.pool.tolerations.map((t) => ({ ...t })) } : {}),
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { ...selector } }, topologyKey: "kubernetes.io/hostname" }],
            },
          },
          securityContext: restrictedPodSecurity(65534),
          containers: [
            {
              name: "nccl",
              image: i.image,
              imagePullPolicy: "IfNotPresent",
              command: ["python3", `${SCRIPT_DIR}/${NCCL_SMOKE_SCRIPT_FILE}`],
              args: ["--nodes", String(NCCL_SMOKE_NODES), "--gpus-per-node", String(gpus), "--min-busbw-gbps", String(i.minBusBwGBps), "--interconnect", kind],
              env,
              ports: [{ name: "rendezvous", containerPort: NCCL_MASTER_PORT, protocol: "TCP" }],
              resources: {
                requests: { cpu: String(Math.max(2, 2 * gpus)), memory: `${memoryGiB}Gi`, ...devices },
                limits: { memory: `${memoryGiB + NCCL_SHM_GIB}Gi`, ...devices },
              },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [
                { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
                { name: "dshm", mountPath: "/dev/shm" },
              ],
            },
          ],
          volumes: [
            { name: "script", configMap: { name: i.configMapName, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${NCCL_SHM_GIB}Gi` } },
          ],
        },
      },
    },
  };
  // The pipeline namespace denies all traffic by default: the pair talks to itself (rendezvous, NCCL bootstrap and
  // socket transport on any port; EFA's SRD traffic bypasses the kernel and NetworkPolicy) and to cluster DNS.
  const peers = [{ podSelector: { matchLabels: { ...selector } } }];
  const mesh = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${i.jobName}-mesh`.slice(0, 63), namespace: i.namespace, labels },
    spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: peers }], egress: [{ to: peers }] },
  };
  const dns = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${i.jobName}-dns`.slice(0, 63), namespace: i.namespace, labels },
    spec: {
      podSelector: { matchLabels: { ...selector } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  };
  return [service, job, mesh, dns];
}

/** `1.2` < `1.10`: compares dotted numeric versions. */
function versionAtLeast(have: string, need: string): boolean {
  const a = have.split(".").map(Number);
  const b = need.split(".").map(Number);
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Arguments of {@link GpuSmokeTest}. */
export interface GpuSmokeTestArgs {
  /**
   * The pool to test (its contract, or an Output of it such as `KueueGpuPool.contractOutput`). Passed as an Output,
   * it is checked when it resolves (inside `apply`, same messages), the Job names are read from `jobNameOutput` /
   * `ncclJobNameOutput`, and without `ncclTest` the NCCL test's resources are created once it is known.
   */
  pool: pulumi.Input<GpuPoolContract>;
  /** The cluster's driver stack contract (runtime class; its CUDA ceiling is checked against the EFA NCCL image). */
  driver: pulumi.Input<DriverStackContract>;
  /** Namespace the Job runs in (PSS restricted; the pipeline namespace). */
  namespace: pulumi.Input<string>;
  /** Image with python3 (and ideally PyTorch). @default - GPU_STACK_IMAGES.gpuSmokeTest */
  image?: string;
  /** GPUs to request. @default 1 */
  gpus?: number;
  /** Seconds the smoke-test Job may run before Kubernetes fails it (covers a scale-up from zero nodes). @default 1800 */
  activeDeadlineSeconds?: number;
  /**
   * Also run the two-node NCCL all-reduce test: it prints the measured bus bandwidth and fails below the pool's
   * interconnect pass mark (core/nccl-thresholds.ts). It scales the pool to two nodes with all their GPUs once.
   * @default - true when the pool may grow to 2 nodes (`maxNodes >= 2`) and has a fast interconnect, else false
   */
  ncclTest?: boolean;
  /** Image of the NCCL test (python3 + PyTorch with NCCL; on EFA pools also libfabric and the AWS OFI NCCL plugin). @default - GPU_STACK_IMAGES.ncclSmokeEfa on EFA pools, else GPU_STACK_IMAGES.gpuSmokeTest */
  ncclImage?: string;
  /** busbw pass mark in GB/s. @default - the pool's interconnect row of NCCL_THRESHOLDS (core/nccl-thresholds.ts) */
  ncclMinBusBwGBps?: number;
}

/** The arguments of {@link GpuSmokeTest} typed `pulumi.Input`. */
export const GPU_SMOKE_TEST_INPUT_ARGS = ["namespace", "pool", "driver"] as const satisfies readonly (keyof GpuSmokeTestArgs)[];

/** The arguments of {@link GpuSmokeTest} that stay plain, and why. */
export const GPU_SMOKE_TEST_PLAIN_ARGS: Record<string, string> = {
  image: "an image pin chosen with the kit",
  gpus: "decides the Job's GPU request, checked against the pool at construction",
  activeDeadlineSeconds: "a timeout chosen with the kit",
  ncclTest: "a flag: decides whether the NCCL test's resources exist",
  ncclImage: "an image pin chosen with the kit",
  ncclMinBusBwGBps: "a threshold chosen with the kit",
};

/** The problems of a smoke test of `pool` (and `driver`, when known) with these arguments. Pure. */
function smokeTestProblems(pool: GpuPoolContract, driver: DriverStackContract | undefined, args: GpuSmokeTestArgs): Problem[] {
  const problems: Problem[] = [];
  const gpus = args.gpus ?? 1;
  if (pool.platform === "sagemaker") problems.push({ path: "pool.platform", message: "SageMaker pools have no Kubernetes nodes to test" });
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > pool.gpusPerNode)
    problems.push({ path: "gpus", message: `${gpus} is outside 1..${pool.gpusPerNode} (GPUs per node of pool ${pool.name})` });
  const nccl = args.ncclTest ?? ncclSmokeDefault(pool);
  const kind = pool.interconnect?.kind ?? "none";
  if (nccl && pool.maxNodes < NCCL_SMOKE_NODES)
    problems.push({
      path: "ncclTest",
      message: `pool ${pool.name} may grow to ${pool.maxNodes} node(s); the NCCL test needs ${NCCL_SMOKE_NODES}`,
      fix: "raise the pool's maxNodes or set ncclTest: false",
    });
  if (driver && nccl && kind === "efa" && args.ncclImage === undefined && !versionAtLeast(driver.maxCudaVersion, NCCL_SMOKE_EFA_CUDA_VERSION)) {
    problems.push({
      path: "ncclTest",
      message: `the EFA NCCL image (${ncclSmokeImage("efa")}) needs CUDA ${NCCL_SMOKE_EFA_CUDA_VERSION}; driver ${driver.driverVersion} runs CUDA <= ${driver.maxCudaVersion}`,
      fix: "use an R580+ driver or set ncclImage to an EFA image built for your CUDA",
    });
  }
  return problems;
}

/** Stands in for a value passed as an Output while the names and objects are decided (never reaches a resource). */
const UNKNOWN = "unknown-until-deployed";
const PLACEHOLDER_POOL: GpuPoolContract = {
  name: UNKNOWN,
  platform: "kubernetes",
  gpuType: "h200",
  gpusPerNode: 8,
  gpuMemoryGiB: 141,
  computeCapability: "9.0",
  architecture: "hopper",
  capacityTypes: ["on-demand"],
  maxNodes: 64,
  nodeSelector: {},
  tolerations: [],
  karpenter: false,
  gpuResourceName: "nvidia.com/gpu",
};
const PLACEHOLDER_DRIVER: DriverStackContract = { mode: "preinstalled", driverVersion: UNKNOWN, maxCudaVersion: "99.9", dcgmExporter: false };

/** The smoke test's contracts and namespace, resolved. */
interface SmokeValues {
  pool: GpuPoolContract;
  driver: DriverStackContract;
  namespace: string;
}

/** The smoke test's names derived from the pool. */
const jobNameOf = (pool: GpuPoolContract): string => `gpu-smoke-${pool.name}`.slice(0, 63);
// Indexed-Job pod hostnames are `<job>-<index>` and must stay a DNS label: keep room for the suffix.
const ncclJobNameOf = (pool: GpuPoolContract): string => `nccl-smoke-${pool.name}`.slice(0, 58).replace(/-+$/, "");

/** Each smoke test's names when known at construction (the `jobName` / `ncclJobName` views). */
const SMOKE_VIEWS = new WeakMap<GpuSmokeTest, { owner: InputOwner; jobName?: string; ncclJobName?: string; known: boolean }>();

/**
 * A one-off Job per GPU pool that proves the stack works on a fresh node: driver version, GPUs visible, a small
 * CUDA matmul and its measured TFLOP/s (read them with `kubectl logs job/<name>`). Optional: it scales the pool up
 * from zero once.
 */
export class GpuSmokeTest extends pulumi.ComponentResource {
  /** The smoke Job's name (`gpu-smoke-<pool>`). Reading it throws when `pool` was passed as an Output: read {@link jobNameOutput} then. */
  get jobName(): string {
    const v = SMOKE_VIEWS.get(this)!;
    if (!v.known) throw unknownViewError(v.owner, "jobName", "jobNameOutput");
    return v.jobName!;
  }
  /** The NCCL test's Job name; absent when the test is off. Throws when `pool` was passed as an Output: read {@link ncclJobNameOutput} then. */
  get ncclJobName(): string | undefined {
    const v = SMOKE_VIEWS.get(this)!;
    if (!v.known) throw unknownViewError(v.owner, "ncclJobName", "ncclJobNameOutput");
    return v.ncclJobName;
  }
  /** {@link jobName} as an Output (always set). */
  readonly jobNameOutput: pulumi.Output<string>;
  /** {@link ncclJobName} as an Output (always set; resolves to undefined when the NCCL test is off). */
  readonly ncclJobNameOutput: pulumi.Output<string | undefined>;

  constructor(name: string, args: GpuSmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfProblems("GpuSmokeTest", name, outputProblems(args, GPU_SMOKE_TEST_INPUT_ARGS));
    const checkedNs = checkInput("GpuSmokeTest", name, args.namespace, "namespace", (v) =>
      DNS_LABEL.test(v) ? undefined : `"${v}" is not a DNS-1123 label (use lowercase letters, digits and '-', at most 63)`,
    );
    const namespace = checkedNs.value;
    const poolKnown = isPlainDeep(args.pool);
    const driverKnown = isPlainDeep(args.driver);
    const knownPool = poolKnown ? (args.pool as GpuPoolContract) : undefined;
    const knownDriver = driverKnown ? (args.driver as DriverStackContract) : undefined;
    const problems: Problem[] = [...checkedNs.problems];
    // The pool's (and driver's) problems now when known; the rest inside apply, same messages.
    if (knownPool) problems.push(...smokeTestProblems(knownPool, knownDriver, args));
    if (args.ncclMinBusBwGBps !== undefined && !(args.ncclMinBusBwGBps >= 0))
      problems.push({ path: "ncclMinBusBwGBps", message: `${args.ncclMinBusBwGBps} is not a bandwidth in GB/s (>= 0)` });
    throwIfProblems("GpuSmokeTest", name, problems);
    super(componentToken("GpuSmokeTest"), name, {}, withLegacyAlias("GpuSmokeTest", opts));
    const gpus = args.gpus ?? 1;
    const allKnown = poolKnown && driverKnown && isKnown(namespace);
    // The contracts and namespace once known, checked as at construction.
    const contracts: pulumi.Output<{ pool: GpuPoolContract; driver: DriverStackContract }> =
      poolKnown && driverKnown
        ? pulumi.output({ pool: knownPool!, driver: knownDriver! })
        : pulumi.all([pulumi.output(args.pool), pulumi.output(args.driver)]).apply(([p, d]) => {
            throwIfProblems("GpuSmokeTest", name, smokeTestProblems(p as GpuPoolContract, d as DriverStackContract, args));
            return { pool: p as GpuPoolContract, driver: d as DriverStackContract };
          });
    const resolved: pulumi.Output<SmokeValues> = pulumi.all([contracts, pulumi.output(namespace)]).apply(([c, ns]) => ({ ...c, namespace: ns }));
    const now: SmokeValues = {
      pool: knownPool ?? PLACEHOLDER_POOL,
      driver: knownDriver ?? PLACEHOLDER_DRIVER,
      namespace: isKnown(namespace) ? namespace : UNKNOWN,
    };
    // An object rendered from the contracts and namespace: itself when all are known; otherwise apiVersion and kind
    // now (from a render with placeholders) and every other field from the render on the resolved values.
    const forValues = <T extends object>(render: (v: SmokeValues) => T): T => {
      if (allKnown) return render(now);
      const shape = render(now) as Record<string, unknown>;
      const real = resolved.apply((v) => render(v) as Record<string, unknown>);
      return fieldsFromRender(shape, real, ["apiVersion", "kind"]) as T;
    };

    const owner: InputOwner = { component: "GpuSmokeTest", name };
    this.jobNameOutput = knownPool ? pulumi.output(jobNameOf(knownPool)) : contracts.apply((c) => jobNameOf(c.pool));
    const cm = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      forValues((v) =>
        renderSmokeScriptConfigMap({
          name: `${jobNameOf(v.pool)}-script`.slice(0, 63),
          namespace: v.namespace,
          app: "gpu-smoke-test",
          file: SMOKE_SCRIPT_FILE,
          script: smokeScript(),
        }),
      ),
      { parent: this },
    );
    const job = forValues((v) => {
      const jobName = jobNameOf(v.pool);
      const j = renderSmokeTestJob({
        pool: v.pool,
        driver: v.driver,
        namespace: v.namespace,
        jobName,
        configMapName: `${jobName}-script`.slice(0, 63),
        image: args.image ?? imageRef(GPU_STACK_IMAGES.gpuSmokeTest),
        gpus,
        activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
      });
      // Do not make `pulumi up` wait for completion: a pool at zero nodes may take many minutes to scale up.
      (j.metadata as Record<string, unknown>).annotations = { "pulumi.com/skipAwait": "true" };
      return j;
    });
    new k8s.batch.v1.Job(`${name}-job`, job as k8s.batch.v1.JobArgs, { parent: this, dependsOn: [cm] });

    const createNccl = (): void => {
      const ncclCm = new k8s.core.v1.ConfigMap(
        `${name}-nccl-script`,
        forValues((v) =>
          renderSmokeScriptConfigMap({
            name: `${ncclJobNameOf(v.pool)}-script`,
            namespace: v.namespace,
            app: "gpu-nccl-smoke-test",
            file: NCCL_SMOKE_SCRIPT_FILE,
            script: ncclSmokeScript(),
          }),
        ),
        { parent: this },
      );
      const renderNccl = (v: SmokeValues) => {
        const jobName = ncclJobNameOf(v.pool);
        const objects = renderNcclSmokeTest({
          pool: v.pool,
          driver: v.driver,
          namespace: v.namespace,
          jobName,
          serviceName: jobName,
          configMapName: `${jobName}-script`,
          image: args.ncclImage ?? ncclSmokeImage(v.pool.interconnect?.kind ?? "none"),
          minBusBwGBps: args.ncclMinBusBwGBps ?? ncclThresholdForPool(v.pool),
          activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
        });
        (objects[1].metadata as Record<string, unknown>).annotations = { "pulumi.com/skipAwait": "true" };
        return objects;
      };
      const [service, ncclJob, mesh, dns] = [0, 1, 2, 3].map((i) => forValues((v) => renderNccl(v)[i]));
      const svc = new k8s.core.v1.Service(`${name}-nccl-peers`, service as k8s.core.v1.ServiceArgs, { parent: this });
      const policies = [
        new k8s.networking.v1.NetworkPolicy(`${name}-nccl-mesh`, mesh as k8s.networking.v1.NetworkPolicyArgs, { parent: this }),
        new k8s.networking.v1.NetworkPolicy(`${name}-nccl-dns`, dns as k8s.networking.v1.NetworkPolicyArgs, { parent: this }),
      ];
      new k8s.batch.v1.Job(`${name}-nccl-job`, ncclJob as k8s.batch.v1.JobArgs, { parent: this, dependsOn: [ncclCm, svc, ...policies] });
    };
    // Whether the NCCL test exists: `ncclTest`, else the pool's default. A pool given as an Output without `ncclTest`
    // decides it only when it resolves: the NCCL resources are then created inside apply (same names, same objects).
    const ncclNow = args.ncclTest ?? (knownPool ? ncclSmokeDefault(knownPool) : undefined);
    const ncclOf = (pool: GpuPoolContract): boolean => args.ncclTest ?? ncclSmokeDefault(pool);
    if (ncclNow === true) createNccl();
    else if (ncclNow === undefined)
      contracts.apply((c) => {
        if (ncclOf(c.pool)) createNccl();
      });
    this.ncclJobNameOutput = knownPool
      ? pulumi.output(ncclOf(knownPool) ? ncclJobNameOf(knownPool) : undefined)
      : contracts.apply((c) => (ncclOf(c.pool) ? ncclJobNameOf(c.pool) : undefined));
    SMOKE_VIEWS.set(this, {
      owner,
      known: poolKnown,
      jobName: knownPool ? jobNameOf(knownPool) : undefined,
      ncclJobName: knownPool && ncclOf(knownPool) ? ncclJobNameOf(knownPool) : undefined,
    });
    this.registerOutputs({ jobNameOutput: this.jobNameOutput, ncclJobNameOutput: this.ncclJobNameOutput });
  }
}
