/** GPU node pools on each platform: which resources are GPU pools, and their size fields. */
import { isKind, kubeObjectOf, type KubeObject } from "./kubernetes";
import { arr, num, rec, str, type JsonObject } from "./values";

export const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";
export const GKE_CLUSTER = "gcp:container/cluster:Cluster";

/** EC2 instance families with NVIDIA GPUs (g4dn, g5, g6, g6e, gr6, p3, p4d, p5, ...). */
const EC2_GPU_TYPE = /^(g[3-9][a-z]*|gr6|p[2-9][a-z]*)\./;
/** GCE machine series with attached GPUs. */
const GCE_GPU_MACHINE = /^(a2|a3|a4|g2|g4)-/;

export function isEksGpuNodeGroup(props: JsonObject): boolean {
  const ami = str(props.amiType) ?? "";
  if (/NVIDIA|GPU/.test(ami)) return true;
  return arr(props.instanceTypes).some((t) => typeof t === "string" && EC2_GPU_TYPE.test(t));
}

export function isGkeGpuNodePool(props: JsonObject): boolean {
  const nc = rec(props.nodeConfig);
  return arr(nc.guestAccelerators).length > 0 || GCE_GPU_MACHINE.test(str(nc.machineType) ?? "");
}

/** Label keys in a Karpenter NodePool requirement that select GPU instances. */
const KARPENTER_GPU_KEYS = [
  "karpenter.k8s.aws/instance-gpu-count",
  "karpenter.k8s.aws/instance-gpu-name",
  "karpenter.k8s.aws/instance-gpu-manufacturer",
  "karpenter.k8s.aws/instance-gpu-memory",
];

/** The Karpenter NodePool object of a resource, if it is one. */
export function karpenterNodePoolOf(type: string, props: JsonObject): KubeObject | undefined {
  const obj = kubeObjectOf(type, props);
  return isKind(obj, "karpenter.sh", "NodePool") ? obj : undefined;
}

export function isKarpenterGpuNodePool(obj: KubeObject): boolean {
  const tpl = rec(rec(rec(obj.spec).template).spec);
  for (const r of arr(tpl.requirements)) {
    const key = str(rec(r).key) ?? "";
    const values = arr(rec(r).values).map(String);
    if (KARPENTER_GPU_KEYS.includes(key)) return true;
    if (key === "karpenter.k8s.aws/instance-family" && values.some((v) => /^(g|p|gr)\d/.test(v))) return true;
    if (key === "karpenter.k8s.aws/instance-category" && values.some((v) => v === "g" || v === "p")) return true;
    if (key === "node.kubernetes.io/instance-type" && values.some((v) => EC2_GPU_TYPE.test(v))) return true;
  }
  return arr(tpl.taints).some((t) => str(rec(t).key) === "nvidia.com/gpu");
}

/** `pool "x" of cluster y`-style label for messages. */
export function poolLabel(type: string, name: string, props: JsonObject): string {
  if (type === EKS_NODE_GROUP) return `EKS node group "${str(props.nodeGroupName) ?? name}"`;
  if (type === GKE_NODE_POOL) return `GKE node pool "${str(props.name) ?? name}"`;
  return `"${name}"`;
}

export { num };
