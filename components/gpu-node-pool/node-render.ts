/**
 * Pure renderers of what a GPU node needs for local NVMe and fast networking: launch-template user data that puts
 * containerd and kubelet on a RAID0 of the instance-store disks, EFA network interfaces, and Kueue's Topology for
 * topology-aware scheduling. The facts they use live in core/interconnect.ts. Plain values out; no Pulumi.
 */
import { MANAGED_BY } from "../../core/kubernetes";

// ---- Node user data: ephemeral storage on NVMe ---------------------------------------------------------

/** MIME boundary of the managed-node-group user data (EKS merges its own part into this multipart document). */
const MIME_BOUNDARY = "==FINETUNEKIT==";

/**
 * AL2023 user data for an EKS managed node group: a MIME multipart document (EKS requires MIME for launch-template
 * user data of managed node groups without a custom AMI, and appends its own nodeadm part) with one nodeadm
 * `NodeConfig` that builds a RAID0 array from every NVMe instance-store disk and puts containerd, kubelet and pod
 * logs on it (nodeadm `spec.instance.localStorage.strategy: RAID0`; awslabs/amazon-eks-ami doc "nodeadm API").
 */
export function al2023LocalStorageUserData(): string {
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`,
    "",
    `--${MIME_BOUNDARY}`,
    "Content-Type: application/node.eks.aws",
    "",
    "---",
    "apiVersion: node.eks.aws/v1alpha1",
    "kind: NodeConfig",
    "spec:",
    "  instance:",
    "    localStorage:",
    "      strategy: RAID0",
    "",
    `--${MIME_BOUNDARY}--`,
    "",
  ].join("\n");
}

/**
 * Bottlerocket user data (TOML settings, merged by EKS with the cluster settings): bootstrap commands that build a
 * RAID0 array from the NVMe instance store and bind containerd, kubelet and pod logs onto it (Bottlerocket
 * `apiclient ephemeral-storage init|bind`, run as `settings.bootstrap-commands` before kubelet starts).
 */
export function bottlerocketLocalStorageUserData(): string {
  return [
    "[settings.bootstrap-commands.k8s-ephemeral-storage]",
    'commands = [["apiclient", "ephemeral-storage", "init"], ["apiclient", "ephemeral-storage", "bind", "--dirs", "/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"]]',
    'mode = "always"',
    "essential = true",
    "",
  ].join("\n");
}

/**
 * Launch-template network interfaces for `count` EFA interfaces [EC2-EFA]: card 0 / device 0 is an EFA interface
 * that also carries the node's IP traffic (ENA), every further card gets one EFA-only interface at device 0. All
 * carry the given security groups (the cluster's and the EFA all-traffic-within-itself group).
 */
export function efaNetworkInterfaces<T>(
  count: number,
  securityGroups: T[],
): Array<{ deviceIndex: number; networkCardIndex: number; interfaceType: "efa" | "efa-only"; securityGroups: T[]; deleteOnTermination: "true" }> {
  return Array.from({ length: count }, (_, i) => ({
    deviceIndex: 0,
    networkCardIndex: i,
    interfaceType: i === 0 ? ("efa" as const) : ("efa-only" as const),
    securityGroups: [...securityGroups],
    deleteOnTermination: "true" as const,
  }));
}

// ---- Kueue topology-aware scheduling --------------------------------------------------------------------

/**
 * Node labels a Kueue `Topology` (kueue.x-k8s.io/v1beta2) can use per platform, widest level first. EC2 publishes the
 * network-node hierarchy as `topology.k8s.aws/network-node-layer-{1,2,3}` labels (EKS, instance topology API); GKE
 * publishes `cloud.google.com/gce-topology-{block,subblock,host}` on A3 Mega / A3 Ultra / A4 nodes. Every level ends
 * with the hostname, so Kueue can pack a multi-node job onto the closest nodes.
 */
export const TOPOLOGY_LEVELS = {
  aws: ["topology.k8s.aws/network-node-layer-1", "topology.k8s.aws/network-node-layer-2", "topology.k8s.aws/network-node-layer-3", "kubernetes.io/hostname"],
  gcp: ["cloud.google.com/gce-topology-block", "cloud.google.com/gce-topology-subblock", "cloud.google.com/gce-topology-host", "kubernetes.io/hostname"],
} as const;

/** A Kueue `Topology` object for a platform's network hierarchy (pure); give its name to a ResourceFlavor's `topologyName`. */
export function renderKueueTopology(name: string, platform: keyof typeof TOPOLOGY_LEVELS): Record<string, unknown> {
  return {
    apiVersion: "kueue.x-k8s.io/v1beta2",
    kind: "Topology",
    metadata: { name, labels: { ...MANAGED_BY } },
    spec: { levels: TOPOLOGY_LEVELS[platform].map((nodeLabel) => ({ nodeLabel })) },
  };
}
