/**
 * Multi-node training uses the fast interconnect its GPU machines offer: EFA on EC2, GPUDirect-TCPX / TCPXO / RDMA
 * on GCE A3 / A4. Without it NCCL falls back to TCP over the primary NIC, and a multi-node job spends its GPU hours
 * waiting on all-reduce. Facts come from the kit's interconnect table (core/interconnect.ts).
 */
import { GPU_CATALOG, GPU_TYPES } from "../../core/gpu-catalog";
import { AWS_INTERCONNECT, EFA_RESOURCE, GCP_INTERCONNECT } from "../../core/interconnect";
import { Level, PolicyGroup, stackPolicy, type StackResource, type StackView } from "../kit-policy";
import { asKind, describeObject, kubeObjectOf, podRefsOf, podUsesGpu } from "../lib/kubernetes";
import { EKS_NODE_GROUP, GKE_NODE_POOL, isEksGpuNodeGroup, isGkeGpuNodePool, karpenterNodePoolOf, poolLabel } from "../lib/pools";
import { arr, isRecord, isUnknown, num, rec, str, type JsonObject } from "../lib/values";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const POOL_LABEL = "finetune.dev/pool";

/** The EFA interfaces every one of `types` offers (0 when any offers none or the list is empty). */
function efaOfTypes(types: readonly string[]): number {
  if (types.length === 0) return 0;
  return Math.min(...types.map((t) => (AWS_INTERCONNECT[t]?.kind === "efa" ? AWS_INTERCONNECT[t].devices : 0)));
}

/** Most nodes a GKE node pool may have (autoscaling maximum, else its fixed size). */
function gkeMaxNodes(props: JsonObject): number | undefined {
  const as = props.autoscaling;
  if (isRecord(as)) return num(as.maxNodeCount) ?? num(as.totalMaxNodeCount);
  return num(props.nodeCount) ?? num(props.initialNodeCount);
}

/** True when a launch template the node group depends on attaches EFA interfaces. */
function hasEfaLaunchTemplate(stack: StackView, group: StackResource): boolean {
  return stack
    .ofType(LAUNCH_TEMPLATE)
    .filter((lt) => group.dependencies.includes(lt.urn))
    .some((lt) => isUnknown(lt.props.networkInterfaces) || arr(lt.props.networkInterfaces).some((n) => /^efa/.test(str(rec(n).interfaceType) ?? "")));
}

/** EC2 instance types a Karpenter GPU NodePool may launch, from its requirements and the GPU catalog. */
function karpenterInstanceTypes(spec: JsonObject): string[] {
  const reqs = arr(rec(rec(spec.template).spec).requirements).map(rec);
  const values = (key: string): string[] | undefined => {
    const r = reqs.find((x) => str(x.key) === key && str(x.operator) === "In");
    return r ? arr(r.values).map(String) : undefined;
  };
  const explicit = values("node.kubernetes.io/instance-type");
  if (explicit) return explicit;
  const families = values("karpenter.k8s.aws/instance-family");
  const counts = values("karpenter.k8s.aws/instance-gpu-count")?.map(Number);
  if (!families || !counts) return [];
  return GPU_TYPES.flatMap((k) => GPU_CATALOG[k].aws?.instanceTypes ?? [])
    .filter((t) => families.includes(t.name.split(".")[0]) && counts.includes(t.gpus))
    .map((t) => t.name);
}

/** A pool the stack creates, as far as this policy needs it: label, EFA offered, whether pods must request EFA. */
interface PoolFacts {
  label: string;
  /** EFA interfaces the pool's nodes offer to pods (requested as `vpc.amazonaws.com/efa`). */
  efaForPods: number;
}

/** The kit pools of the stack by `finetune.dev/pool` label (EKS node groups with EFA wired, Karpenter NodePools on EFA types). */
function poolsByLabel(stack: StackView): Map<string, PoolFacts> {
  const pools = new Map<string, PoolFacts>();
  for (const r of stack.resources) {
    if (r.type === EKS_NODE_GROUP && isEksGpuNodeGroup(r.props)) {
      const pool = str(rec(r.props.labels)[POOL_LABEL]);
      const efa = efaOfTypes(arr(r.props.instanceTypes).map(String));
      if (pool && efa > 0 && hasEfaLaunchTemplate(stack, r)) pools.set(pool, { label: poolLabel(r.type, r.name, r.props), efaForPods: efa });
      continue;
    }
    const np = karpenterNodePoolOf(r.type, r.props);
    if (np) {
      const spec = rec(np.spec);
      const pool = str(rec(rec(rec(spec.template).metadata).labels)[POOL_LABEL]);
      const efa = efaOfTypes(karpenterInstanceTypes(spec));
      if (pool && efa > 0) pools.set(pool, { label: `Karpenter ${describeObject(np)}`, efaForPods: efa });
    }
  }
  return pools;
}

/** Nodes one replicated job of a JobSet spans (replicas × parallelism). */
function replicatedJobPods(job: JsonObject): number {
  return (num(job.replicas) ?? 1) * (num(rec(rec(job.template).spec).parallelism) ?? 1);
}

export const multiNodeFastInterconnect = stackPolicy({
  name: "multi-node-fast-interconnect",
  description:
    "Multi-node GPU training uses the fast interconnect its machines offer: EFA on EC2 (p4d/p5/p6, large g5/g6/g6e), GPUDirect-TCPX/TCPXO/RDMA on GCE A3/A4. Without it NCCL runs over TCP on the primary NIC.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.FineTuning,
  remediation:
    "EKS: give multi-node GPU node groups EFA network interfaces, a security group open to itself and a cluster placement group (EksGpuNodePool does with vpcId and clusterSecurityGroupId); GKE: give A3/A4 node pools their GPU NIC networks (networkConfig.additionalNodeNetworkConfigs or acceleratorNetworkProfile: auto; GkeGpuNodePool gpuNetworks); multi-node JobSets on EFA pools request vpc.amazonaws.com/efa.",
  check(stack, report) {
    for (const r of stack.resources) {
      if (r.type === EKS_NODE_GROUP && isEksGpuNodeGroup(r.props)) {
        const max = num(rec(r.props.scalingConfig).maxSize) ?? 1;
        const types = arr(r.props.instanceTypes).map(String);
        const efa = efaOfTypes(types);
        if (max > 1 && efa > 0 && !hasEfaLaunchTemplate(stack, r)) {
          report(
            `${poolLabel(r.type, r.name, r.props)} may run ${max} nodes of ${types.join(", ")}, which offer ${efa} EFA interface(s), without EFA: multi-node NCCL falls back to TCP (give its launch template ${efa} EFA network interfaces, a security group open to itself and a cluster placement group; EksGpuNodePool does with vpcId and clusterSecurityGroupId)`,
            r.urn,
          );
        }
        continue;
      }
      if (r.type === GKE_NODE_POOL && isGkeGpuNodePool(r.props)) {
        const machine = str(rec(r.props.nodeConfig).machineType) ?? "";
        const fact = GCP_INTERCONNECT[machine];
        const max = gkeMaxNodes(r.props) ?? 1;
        if (!fact || max <= 1) continue;
        const net = rec(r.props.networkConfig);
        if (isUnknown(r.props.networkConfig) || isUnknown(net.additionalNodeNetworkConfigs)) continue;
        const configured = arr(net.additionalNodeNetworkConfigs).length > 0 || str(net.acceleratorNetworkProfile) === "auto";
        if (!configured) {
          report(
            `${poolLabel(r.type, r.name, r.props)} may run ${max} nodes of ${machine}, which offers GPUDirect-${fact.kind.toUpperCase()} over ${fact.devices} GPU NICs, without its GPU networks: multi-node NCCL uses only the primary gVNIC (set networkConfig.additionalNodeNetworkConfigs to the ${fact.gkeAdditionalNetworks} GPU networks, or networkConfig.acceleratorNetworkProfile: auto; GkeGpuNodePool gpuNetworks)`,
            r.urn,
          );
        }
      }
    }
    const pools = poolsByLabel(stack);
    if (pools.size === 0) return;
    for (const r of stack.resources) {
      const js = asKind(kubeObjectOf(r.type, r.props), "jobset.x-k8s.io", "JobSet");
      if (!js) continue;
      const jobs = arr(rec(js.spec).replicatedJobs).map(rec);
      const pods = podRefsOf(js);
      const nodes = jobs.reduce((n, j) => n + replicatedJobPods(j), 0);
      if (nodes <= 1) continue;
      for (const p of pods) {
        if (!podUsesGpu(p)) continue;
        const pool = pools.get(str(rec(p.spec.nodeSelector)[POOL_LABEL]) ?? "");
        if (!pool) continue;
        const requests = p.containers.some(({ container: c }) => {
          const res = rec(c.resources);
          return rec(res.limits)[EFA_RESOURCE] !== undefined || rec(res.requests)[EFA_RESOURCE] !== undefined;
        });
        if (!requests) {
          report(
            `${p.where} spans ${nodes} pods on ${pool.label}, whose nodes offer ${pool.efaForPods} EFA interface(s), but requests no ${EFA_RESOURCE}: NCCL falls back to TCP (request ${EFA_RESOURCE}: ${pool.efaForPods} in the trainer container's resources.limits)`,
            r.urn,
          );
        }
      }
    }
  },
});

export const interconnectPolicies = [multiNodeFastInterconnect];
