/**
 * What a multi-node training pod needs to run NCCL over the pool's fast interconnect instead of default TCP:
 * environment, extended-resource requests and pod annotations, per interconnect kind. Facts in one table, each
 * with its source; pure data and a pure function (no Pulumi imports).
 *
 * Sources (checked 2026-12-02 unless a row says otherwise):
 * - [EKS-EFA] Amazon EKS user guide, "Run machine learning training on Amazon EKS with Elastic Fabric Adapter"
 *   (docs.aws.amazon.com/eks/latest/userguide/node-efa.html) and "Manage EFA devices on Amazon EKS"
 *   (device-management-efa.html): pods request `vpc.amazonaws.com/efa` (one per EFA interface they use) and
 *   `hugepages-2Mi` (the NCCL test example requests 5120Mi beside 8000Mi of memory); the EFA device plugin
 *   advertises the resource.
 * - [AWS-OFI] aws-ofi-nccl "Getting started" / EC2 user guide "Get started with EFA and NCCL": `FI_PROVIDER=efa`
 *   selects the EFA libfabric provider; `FI_EFA_USE_DEVICE_RDMA=1` turns on GPUDirect RDMA on instance types whose EFA
 *   supports RDMA reads (p4d/p4de, p5/p5e/p5en, p6); `FI_EFA_FORK_SAFE=1` because PyTorch data loaders fork;
 *   `NCCL_SOCKET_IFNAME=^lo,docker` keeps NCCL's bootstrap off loopback/bridge interfaces.
 * - [GKE-RDMA] GKE "Maximize GPU network bandwidth with GPUDirect RDMA" (A3 Ultra / A4,
 *   cloud.google.com/kubernetes-engine/docs/how-to/gpu-bandwidth-gpudirect-rdma): pods carry the
 *   `networking.gke.io/default-interface` and `networking.gke.io/interfaces` annotations naming the RDMA networks,
 *   and the NCCL gIB plugin from the node (`/usr/local/gib`) with `NCCL_NET=gIB`. Not re-read in this session:
 *   treat as `estimate: true`.
 * - [GKE-TCPX] GKE "GPUDirect-TCPX" / "GPUDirect-TCPXO": both need a receive-datapath-manager sidecar with
 *   `NET_ADMIN` / `privileged` (the `tcpx-daemon` / `tcpxo-daemon` container) and hostPath mounts of the NVIDIA
 *   libraries. Pod Security Standards *restricted* (the kit's baseline for pipeline namespaces) forbids both, so
 *   the kit does not render them: those pods fall back to TCP over the primary gVNIC and say so (`note`).
 */

import type { InterconnectKind, PoolInterconnect } from "./contracts/gpu-pool";

/** An environment variable as a container spec writes it. */
export interface NcclEnvVar {
  name: string;
  value: string;
}

/** One interconnect's pod settings. */
export interface NcclFact {
  /** Environment of the trainer container. */
  env: NcclEnvVar[];
  /** True when the kit renders the interconnect (false: it needs privileges PSS restricted forbids). */
  rendered: boolean;
  /** Huge pages the pod requests (`hugepages-2Mi`), in MiB; 0 for none. */
  hugepages2MiMiB: number;
  /** Where the facts come from (keys of the module's source list). */
  source: string;
  /** True when not re-read upstream in this session. */
  estimate?: boolean;
  /** Why the kit falls back to TCP, where it does. */
  note?: string;
}

/** NCCL bootstrap interface filter: every interface but loopback and the docker bridge [AWS-OFI]. */
export const NCCL_SOCKET_IFNAME = "^lo,docker";

/** EFA libfabric settings [AWS-OFI]; `FI_EFA_USE_DEVICE_RDMA` is added per instance type (see {@link EFA_RDMA_INSTANCE_FAMILIES}). */
const EFA_ENV: NcclEnvVar[] = [
  { name: "FI_PROVIDER", value: "efa" },
  { name: "FI_EFA_FORK_SAFE", value: "1" },
  { name: "NCCL_SOCKET_IFNAME", value: NCCL_SOCKET_IFNAME },
];

/** EC2 families whose EFA supports GPUDirect RDMA reads [AWS-OFI] (g-family EFA does not). */
export const EFA_RDMA_INSTANCE_FAMILIES = ["p4d", "p4de", "p5", "p5e", "p5en", "p6-b200"] as const;

/** Huge pages per pod the EKS EFA example requests [EKS-EFA]: 5120 MiB of `hugepages-2Mi`. */
export const EFA_HUGEPAGES_2MI_MIB = 5120;

/** GKE RDMA (A3 Ultra, A4): the gIB NCCL plugin the node installs under /usr/local/gib [GKE-RDMA]. */
export const GKE_RDMA_LIBRARY_PATH = "/usr/local/gib/lib64:/usr/local/nvidia/lib64";

/** Pod settings per interconnect kind. */
export const NCCL_FACTS: Readonly<Record<InterconnectKind, NcclFact>> = {
  none: { env: [], rendered: true, hugepages2MiMiB: 0, source: "-" },
  efa: { env: EFA_ENV, rendered: true, hugepages2MiMiB: EFA_HUGEPAGES_2MI_MIB, source: "EKS-EFA, AWS-OFI" },
  rdma: {
    env: [
      { name: "NCCL_NET", value: "gIB" },
      { name: "LD_LIBRARY_PATH", value: GKE_RDMA_LIBRARY_PATH },
      { name: "NCCL_SOCKET_IFNAME", value: "eth0" },
    ],
    rendered: true,
    hugepages2MiMiB: 0,
    source: "GKE-RDMA",
    estimate: true,
  },
  tcpx: {
    env: [],
    rendered: false,
    hugepages2MiMiB: 0,
    source: "GKE-TCPX",
    note: "GPUDirect-TCPX needs the privileged tcpx-daemon sidecar, which Pod Security Standards restricted forbids: NCCL uses TCP over the primary gVNIC",
  },
  tcpxo: {
    env: [],
    rendered: false,
    hugepages2MiMiB: 0,
    source: "GKE-TCPX",
    note: "GPUDirect-TCPXO needs the privileged tcpxo-daemon sidecar, which Pod Security Standards restricted forbids: NCCL uses TCP over the primary gVNIC",
  },
};

/** The annotations a GKE RDMA pod needs: the default gVNIC plus one RDMA network per NIC [GKE-RDMA]. */
export function gkeRdmaAnnotations(nics: number): Record<string, string> {
  const interfaces = [
    { interfaceName: "eth0", network: "default" },
    ...Array.from({ length: nics }, (_, i) => ({ interfaceName: `eth${i + 1}`, network: `rdma-${i}` })),
  ];
  return { "networking.gke.io/default-interface": "eth0", "networking.gke.io/interfaces": JSON.stringify(interfaces) };
}

/** What a training pod gets for its pool's interconnect. */
export interface NcclPodSettings {
  env: NcclEnvVar[];
  /** Extended resources per pod (requests = limits): EFA interfaces, huge pages. */
  resources: Record<string, string>;
  annotations: Record<string, string>;
  /** Why the interconnect is not used, where it is offered but not rendered. */
  note?: string;
}

/**
 * The pod settings for a pool's interconnect (pure). Single-node training gets nothing (NCCL stays on NVLink /
 * PCIe); a kind the kit does not render (TCPX/TCPXO) gets nothing and a note. `instanceType` decides
 * `FI_EFA_USE_DEVICE_RDMA` on EFA.
 */
export function ncclPodSettings(interconnect: PoolInterconnect | undefined, nodes: number, instanceType?: string): NcclPodSettings {
  const none: NcclPodSettings = { env: [], resources: {}, annotations: {} };
  if (!interconnect || interconnect.kind === "none" || nodes < 2) return none;
  const fact = NCCL_FACTS[interconnect.kind];
  if (!fact.rendered) return { ...none, ...(fact.note ? { note: fact.note } : {}) };
  const env = [...fact.env];
  const resources: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  if (interconnect.kind === "efa") {
    const family = (instanceType ?? "").replace(/^ml\./, "").split(".")[0];
    if ((EFA_RDMA_INSTANCE_FAMILIES as readonly string[]).includes(family)) env.push({ name: "FI_EFA_USE_DEVICE_RDMA", value: "1" });
    if (interconnect.resourceName && interconnect.devicesPerNode > 0) resources[interconnect.resourceName] = String(interconnect.devicesPerNode);
  }
  if (interconnect.kind === "rdma") annotations = gkeRdmaAnnotations(interconnect.devicesPerNode);
  if (fact.hugepages2MiMiB > 0) resources["hugepages-2Mi"] = `${fact.hugepages2MiMiB}Mi`;
  return { env, resources, annotations };
}
