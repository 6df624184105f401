/** Cases of the multi-node-fast-interconnect policy (EKS EFA, GKE GPU NIC networks, JobSets on EFA pools). */
import type { PolicyResource } from "../../policy/engine";
import type { PolicyCase } from "./cases";
import { k8s, patch, res, trainingJobSet } from "./fixtures";

/** A launch template; `efa` attaches `n` EFA interfaces. */
export const launchTemplate = (name: string, efa = 0): PolicyResource =>
  res("aws:ec2/launchTemplate:LaunchTemplate", name, {
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    ...(efa > 0
      ? { networkInterfaces: Array.from({ length: efa }, (_, i) => ({ deviceIndex: 0, networkCardIndex: i, interfaceType: i === 0 ? "efa" : "efa-only" })) }
      : {}),
  });

/** An EKS GPU node group of pool `pool` using launch template `lt`. */
export const eksGroup = (name: string, pool: string, instanceTypes: string[], maxSize: number, lt: PolicyResource): PolicyResource =>
  res(
    "aws:eks/nodeGroup:NodeGroup",
    name,
    {
      clusterName: "finetune",
      nodeGroupName: name,
      amiType: "AL2023_x86_64_NVIDIA",
      capacityType: "SPOT",
      instanceTypes,
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize },
      labels: { "finetune.dev/pool": pool, "finetune.dev/gpu-type": "h100", "finetune.dev/capacity-type": "spot" },
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
      launchTemplate: { id: "lt-0abc", version: "1" },
    },
    { dependsOn: [lt.urn] },
  );

/** A GKE GPU node pool on `machineType` with `networkConfig`. */
export const gkePool = (name: string, machineType: string, maxNodes: number, networkConfig?: Record<string, unknown>): PolicyResource =>
  res("gcp:container/nodePool:NodePool", name, {
    name,
    cluster: "finetune",
    autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: maxNodes, locationPolicy: "ANY" },
    ...(networkConfig ? { networkConfig } : {}),
    nodeConfig: { machineType, spot: true, guestAccelerators: [{ type: "nvidia-h100-80gb", count: 8 }] },
  });

/** The fixture JobSet (2 trainer pods) selecting pool `pool`, requesting `efa` EFA interfaces per pod (0: none). */
export const poolJobSet = (name: string, pool: string, efa = 0): PolicyResource =>
  patch(trainingJobSet(name), (i) => {
    i.metadata.name = name;
    const pod = i.spec.replicatedJobs[0].template.spec.template.spec;
    pod.nodeSelector = { "finetune.dev/pool": pool };
    if (efa > 0) pod.containers[0].resources.limits["vpc.amazonaws.com/efa"] = efa;
  });

/** A Karpenter GPU NodePool of pool `pool` over 8-GPU p5 instances. */
export const karpenterP5 = (pool: string): PolicyResource =>
  k8s({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: pool },
    spec: {
      template: {
        metadata: { labels: { "finetune.dev/pool": pool } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool },
          requirements: [
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["p5"] },
            { key: "karpenter.k8s.aws/instance-gpu-count", operator: "In", values: ["8"] },
          ],
          taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
        },
      },
      limits: { "nvidia.com/gpu": "16" },
    },
  });

const efaLt = launchTemplate("p5-lt", 32);
const plainLt = launchTemplate("p5-plain-lt");
const l4Lt = launchTemplate("l4-lt");
const tcpx = [1, 2, 3, 4].map((n) => ({ network: `gpu-${n}`, subnetwork: `gpu-${n}` }));

export const INTERCONNECT_CASES: PolicyCase[] = [
  {
    policy: "multi-node-fast-interconnect",
    compliant: [
      efaLt,
      eksGroup("p5-efa", "h100", ["p5.48xlarge"], 4, efaLt),
      // One node: nothing to connect.
      plainLt,
      eksGroup("p5-single", "h100-one", ["p5.48xlarge"], 1, plainLt),
      // g6.2xlarge offers no EFA.
      l4Lt,
      eksGroup("l4", "l4", ["g6.2xlarge"], 8, l4Lt),
      gkePool("a3-tcpx", "a3-highgpu-8g", 4, { additionalNodeNetworkConfigs: tcpx }),
      gkePool("a3u-auto", "a3-ultragpu-8g", 4, { acceleratorNetworkProfile: "auto" }),
      gkePool("a2", "a2-highgpu-8g", 4),
      poolJobSet("sft-efa", "h100", 32),
      karpenterP5("h100-karpenter"),
      poolJobSet("sft-karpenter", "h100-karpenter", 32),
      // A JobSet on a pool without EFA needs no EFA request.
      poolJobSet("sft-l4", "l4"),
    ],
    violating: [
      plainLt,
      eksGroup("p5-tcp", "h100", ["p5.48xlarge"], 4, plainLt),
      gkePool("a3u-plain", "a3-ultragpu-8g", 3),
      efaLt,
      eksGroup("p4d-efa", "a100", ["p4d.24xlarge"], 2, efaLt),
      poolJobSet("sft-no-efa", "a100"),
    ],
    messages: [
      'EKS node group "p5-tcp" may run 4 nodes of p5.48xlarge, which offer 32 EFA interface(s), without EFA: multi-node NCCL falls back to TCP (give its launch template 32 EFA network interfaces, a security group open to itself and a cluster placement group; EksGpuNodePool does with vpcId and clusterSecurityGroupId)',
      'GKE node pool "a3u-plain" may run 3 nodes of a3-ultragpu-8g, which offers GPUDirect-RDMA over 8 GPU NICs, without its GPU networks: multi-node NCCL uses only the primary gVNIC (set networkConfig.additionalNodeNetworkConfigs to the 9 GPU networks, or networkConfig.acceleratorNetworkProfile: auto; GkeGpuNodePool gpuNetworks)',
      'JobSet "sft-no-efa" replicatedJob "trainer" spans 2 pods on EKS node group "p4d-efa", whose nodes offer 4 EFA interface(s), but requests no vpc.amazonaws.com/efa: NCCL falls back to TCP (request vpc.amazonaws.com/efa: 4 in the trainer container\'s resources.limits)',
    ],
  },
];
