import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { KARPENTER_AMI, KARPENTER_INTERRUPTION_QUEUE_VALUE, KarpenterGpuNodePool, renderKarpenterGpuPool } from "../../components/gpu-node-pool/karpenter";
import { EKS_NODE_MANAGED_POLICIES } from "../../components/gpu-node-pool/aws-node-role";
import { renderKueueTopology } from "../../components/gpu-node-pool/node-render";
import { manifestsOf, one, ofType, runWithMocks } from "../harness";
import { expectValidManifests, validateKubernetesObject } from "../validators/kubernetes";
import { constructionError, problemLines } from "./helpers";

async function run(args: Partial<ConstructorParameters<typeof KarpenterGpuNodePool>[1]> = {}) {
  let pool: KarpenterGpuNodePool | undefined;
  const result = await runWithMocks(() => {
    const awsProvider = new aws.Provider("aws", { region: "us-east-1" });
    const k8sProvider = new k8s.Provider("k8s", { context: "eks", kubeconfig: "{}" });
    pool = new KarpenterGpuNodePool("h100", { clusterName: "ml", gpuType: "h100", gpusPerNode: 8, ...args }, { providers: [awsProvider, k8sProvider] });
    return pool.interruptionQueueName ? { queue: pool.interruptionQueueName, values: pool.karpenterHelmValues, policy: pool.controllerQueuePolicyJson } : {};
  });
  return { ...result, pool: pool! };
}

describe("KarpenterGpuNodePool", () => {
  it("renders a valid karpenter.sh/v1 NodePool: spot then on-demand, GPU name/count/family requirements, a GPU limit, taint", async () => {
    const { resources } = await run();
    const objs = manifestsOf(resources) as any[];
    expectValidManifests(objs);
    const np = objs.find((o) => o.kind === "NodePool");
    expect(np.apiVersion).toBe("karpenter.sh/v1");
    expect(np.metadata.name).toBe("h100");
    const req = Object.fromEntries(np.spec.template.spec.requirements.map((r: any) => [r.key, r.values]));
    expect(req).toEqual({
      "karpenter.sh/capacity-type": ["spot", "on-demand"],
      "karpenter.k8s.aws/instance-gpu-name": ["h100"],
      "karpenter.k8s.aws/instance-gpu-count": ["8"],
      "karpenter.k8s.aws/instance-family": ["p5"],
      "kubernetes.io/arch": ["amd64"],
      "kubernetes.io/os": ["linux"],
    });
    expect(np.spec.limits).toEqual({ "nvidia.com/gpu": "16" });
    // Min 0: a dynamic NodePool (no static replicas) launches nodes only for pending pods.
    expect(np.spec.replicas).toBeUndefined();
    expect(np.spec.template.spec.taints).toEqual([{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }]);
    expect(np.spec.template.metadata.labels).toEqual({ "finetune.dev/pool": "h100", "finetune.dev/gpu-type": "h100" });
    expect(np.spec.template.spec.nodeClassRef).toEqual({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "h100" });
  });

  it("consolidates only empty nodes, drifts one node at a time, never sets a termination grace period", async () => {
    const { resources } = await run();
    const np = (manifestsOf(resources) as any[]).find((o) => o.kind === "NodePool");
    expect(np.spec.disruption).toEqual({
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: "5m",
      budgets: [
        { nodes: "100%", reasons: ["Empty"] },
        { nodes: "1", reasons: ["Drifted"] },
      ],
    });
    expect(np.spec.template.spec.terminationGracePeriod).toBeUndefined();
    expect(np.spec.template.spec.expireAfter).toBe("720h");
  });

  it("renders a valid EC2NodeClass: pinned AMI alias, IMDSv2 hop limit 1, encrypted gp3 root volume, discovery tags, node role", async () => {
    const { resources } = await run({ kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" });
    const nc = (manifestsOf(resources) as any[]).find((o) => o.kind === "EC2NodeClass");
    expect(validateKubernetesObject(nc)).toEqual([]);
    expect(nc.spec.amiSelectorTerms).toEqual([{ alias: KARPENTER_AMI.AL2023.alias }]);
    expect(nc.spec.amiSelectorTerms[0].alias).not.toMatch(/latest/);
    expect(nc.spec.metadataOptions).toEqual({ httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
    expect(nc.spec.blockDeviceMappings).toEqual([
      {
        deviceName: "/dev/xvda",
        rootVolume: true,
        ebs: {
          volumeSize: "500Gi",
          volumeType: "gp3",
          iops: 6000,
          throughput: 500,
          encrypted: true,
          deleteOnTermination: true,
          kmsKeyID: "arn:aws:kms:us-east-1:123456789012:key/abc",
        },
      },
    ]);
    expect(nc.spec.subnetSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": "ml" } }]);
    expect(nc.spec.securityGroupSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": "ml" } }]);
    const role = one(resources, "aws:iam/role:Role");
    expect(nc.spec.role).toBe(role.state.name);
    const entry = one(resources, "aws:eks/accessEntry:AccessEntry");
    expect(entry.inputs).toMatchObject({ clusterName: "ml", type: "EC2_LINUX", principalArn: role.state.arn });
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => r.inputs.policyArn)).toEqual(
      Object.values(EKS_NODE_MANAGED_POLICIES).map((p) => `arn:aws:iam::aws:policy/${p}`),
    );
  });

  it("creates the interruption queue and the four EventBridge rules, and names the exact Helm value", async () => {
    const { resources, outputs, pool } = await run();
    // Pinned: the wrong key is silently ignored by the chart and disables interruption handling.
    expect(KARPENTER_INTERRUPTION_QUEUE_VALUE).toBe("settings.interruptionQueue");
    expect(pool.interruptionQueueHelmValuePath).toBe("settings.interruptionQueue");
    const queue = one(resources, "aws:sqs/queue:Queue");
    expect(queue.inputs.messageRetentionSeconds).toBe(300);
    expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
    expect(outputs.queue).toBe(queue.state.name);
    expect(outputs.values).toEqual({ settings: { interruptionQueue: queue.state.name } });
    const rules = ofType(resources, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(r.inputs.eventPattern));
    expect(rules).toEqual([
      { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
      { source: ["aws.health"], "detail-type": ["AWS Health Event"], detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] } },
    ]);
    for (const t of ofType(resources, "aws:cloudwatch/eventTarget:EventTarget")) expect(t.inputs.arn).toBe(queue.state.arn);
    const policy = JSON.parse(one(resources, "aws:sqs/queuePolicy:QueuePolicy").inputs.policy);
    expect(policy.Statement[0]).toEqual({
      Sid: "EventBridgeSend",
      Effect: "Allow",
      Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
      Action: "sqs:SendMessage",
      Resource: queue.state.arn,
    });
    expect(policy.Statement[1].Effect).toBe("Deny");
    expect(JSON.parse(outputs.policy as string).Statement[0].Action).toEqual(["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]);
  });

  it("contract: karpenter true (pipeline adds karpenter.sh/do-not-disrupt), selector, toleration, GPU facts", async () => {
    const { pool } = await run();
    expect(pool.contract).toEqual({
      name: "h100",
      platform: "karpenter",
      gpuType: "h100",
      gpusPerNode: 8,
      gpuMemoryGiB: 80,
      computeCapability: "9.0",
      architecture: "hopper",
      capacityTypes: ["spot", "on-demand"],
      maxNodes: 2,
      nodeSelector: { "finetune.dev/pool": "h100", "finetune.dev/gpu-type": "h100" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
      karpenter: true,
      instanceType: "p5.48xlarge",
      gpuResourceName: "nvidia.com/gpu",
      interconnect: { kind: "none", offered: "efa", devicesPerNode: 0, compactPlacement: false },
      localStorage: { nvmeGB: 30720, ephemeralOnNvme: true },
      imageCache: { streaming: false, preload: "none" },
    });
  });

  it("every child uses the caller's providers", async () => {
    const { resources } = await run();
    for (const r of resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers"))) {
      const expected = r.type.startsWith("kubernetes:") ? "k8s" : "aws";
      expect(r.provider, r.type).toMatch(new RegExp(`::${expected}$`));
    }
  });

  it("supports an existing node role, Bottlerocket and no queue", async () => {
    const { resources, pool } = await run({ nodeRoleName: "KarpenterNode", amiFamily: "Bottlerocket", createInterruptionQueue: false });
    expect(ofType(resources, "aws:iam/role:Role")).toHaveLength(0);
    expect(ofType(resources, "aws:sqs/queue:Queue")).toHaveLength(0);
    expect(pool.interruptionQueueName).toBeUndefined();
    const nc = (manifestsOf(resources) as any[]).find((o) => o.kind === "EC2NodeClass");
    expectValidManifests([nc]);
    expect(nc.spec.role).toBe("KarpenterNode");
    expect(nc.spec.amiFamily).toBe("Bottlerocket");
    expect(nc.spec.blockDeviceMappings[0].deviceName).toBe("/dev/xvdb");
  });

  it("H200 spans both of its instance families; renderer is pure", () => {
    const { nodePool } = renderKarpenterGpuPool({
      poolName: "h200",
      gpuType: "h200",
      gpusPerNode: 8,
      capacityTypes: ["spot"],
      maxNodes: 1,
      instanceFamilies: ["p5e", "p5en"],
      amiFamily: "AL2023",
      amiAlias: KARPENTER_AMI.AL2023.alias,
      roleName: "r",
      subnetSelectorTags: { a: "b" },
      securityGroupSelectorTags: { a: "b" },
      rootVolumeGiB: 1000,
      consolidateAfter: "10m",
      expireAfter: "Never",
      tags: {},
    });
    expectValidManifests([nodePool]);
    expect((nodePool as any).spec.template.spec.requirements[3].values).toEqual(["p5e", "p5en"]);
  });

  it("reports every bad argument at once", async () => {
    const e = await constructionError(
      () =>
        new KarpenterGpuNodePool("p", {
          clusterName: "ml",
          gpuType: "h100",
          gpusPerNode: 4,
          maxNodes: 0,
          amiAlias: "al2023@latest",
          consolidateAfter: "5 minutes",
          rootVolumeGiB: 20,
        }),
    );
    expect(problemLines(e)).toEqual([
      "maxNodes: 0 is not a whole number ≥ 1 (raise it)",
      "gpusPerNode: no aws machine carries 4 × NVIDIA H100 80GB (use one of 1, 8)",
      `amiAlias: "al2023@latest" drifts every node on each AMI release (pin a version, e.g. ${KARPENTER_AMI.AL2023.alias})`,
      'consolidateAfter: "5 minutes" is not a Karpenter duration (e.g. 5m, 720h, Never)',
      "rootVolumeGiB: 20 GiB is below 100 (model weights and CUDA images need ≥ 100 GiB)",
    ]);
  });
});

describe("KarpenterGpuNodePool local NVMe, EFA and image cache", () => {
  const objsOf = (r: Awaited<ReturnType<typeof run>>["resources"]) => manifestsOf(r) as any[];

  it("default: instanceStorePolicy RAID0 on a valid EC2NodeClass; no EFA requirement; contract says NVMe ephemeral storage, EFA offered but off", async () => {
    const { resources, pool } = await run();
    const objs = objsOf(resources);
    expectValidManifests(objs);
    const nc = objs.find((o) => o.kind === "EC2NodeClass");
    expect(nc.spec.instanceStorePolicy).toBe("RAID0");
    const np = objs.find((o) => o.kind === "NodePool");
    expect(np.spec.template.spec.requirements.map((r: any) => r.key)).not.toContain("node.kubernetes.io/instance-type");
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 30720, ephemeralOnNvme: true });
    expect(pool.contract.interconnect).toEqual({ kind: "none", offered: "efa", devicesPerNode: 0, compactPlacement: false });
  });

  it("efa: only EFA instance types (g6 4-GPU sizes), the EFA resource in the contract", async () => {
    const { resources, pool } = await run({ gpuType: "l4", gpusPerNode: 4, efa: true });
    const objs = objsOf(resources);
    expectValidManifests(objs);
    const np = objs.find((o) => o.kind === "NodePool");
    expect(np.spec.template.spec.requirements).toContainEqual({
      key: "node.kubernetes.io/instance-type",
      operator: "In",
      values: ["g6.12xlarge", "g6.24xlarge"],
    });
    expect(pool.contract.interconnect).toEqual({
      kind: "efa",
      offered: "efa",
      devicesPerNode: 1,
      resourceName: "vpc.amazonaws.com/efa",
      compactPlacement: false,
    });
  });

  it("Bottlerocket image-cache snapshot: the data volume starts from it and RAID0 stays off so containerd keeps the cached images", async () => {
    const { resources, pool } = await run({ amiFamily: "Bottlerocket", imageCacheSnapshotId: "snap-0abc" });
    const objs = objsOf(resources);
    expectValidManifests(objs);
    const nc = objs.find((o) => o.kind === "EC2NodeClass");
    expect(nc.spec.instanceStorePolicy).toBeUndefined();
    expect(nc.spec.blockDeviceMappings[0]).toMatchObject({ deviceName: "/dev/xvdb", rootVolume: false, ebs: { snapshotID: "snap-0abc", volumeSize: "500Gi" } });
    expect(pool.contract.imageCache).toEqual({ streaming: false, preload: "ebs-snapshot" });
    expect(pool.contract.localStorage?.ephemeralOnNvme).toBe(false);
  });

  it("reports invalid combinations with their fixes", async () => {
    const e = await constructionError(
      () => new KarpenterGpuNodePool("bad", { clusterName: "ml", gpuType: "h100", gpusPerNode: 1, efa: true, imageCacheSnapshotId: "snap-1" }),
    );
    expect(problemLines(e)).toEqual([
      "efa: no instance type with 1 × NVIDIA H100 80GB in p5 offers EFA (p5.4xlarge; raise gpusPerNode or remove efa)",
      'imageCacheSnapshotId: an image-cache snapshot restores a Bottlerocket data volume (set amiFamily to "Bottlerocket" or remove imageCacheSnapshotId)',
    ]);
    const br = await constructionError(
      () =>
        new KarpenterGpuNodePool("br", {
          clusterName: "ml",
          gpuType: "h100",
          gpusPerNode: 8,
          amiFamily: "Bottlerocket",
          localNvme: true,
          imageCacheSnapshotId: "snap-1",
        }),
    );
    expect(problemLines(br)).toEqual([
      "localNvme: instanceStorePolicy RAID0 moves containerd off the data volume, so the snapshot's cached images go unused (remove localNvme or imageCacheSnapshotId)",
    ]);
  });
});

describe("Kueue topology for topology-aware scheduling", () => {
  it("renders a schema-valid kueue.x-k8s.io/v1beta2 Topology per platform, ending at the hostname", () => {
    const aws = renderKueueTopology("ec2-network", "aws");
    const gcp = renderKueueTopology("gce-network", "gcp");
    expectValidManifests([aws, gcp]);
    expect((aws as any).spec.levels).toEqual([
      { nodeLabel: "topology.k8s.aws/network-node-layer-1" },
      { nodeLabel: "topology.k8s.aws/network-node-layer-2" },
      { nodeLabel: "topology.k8s.aws/network-node-layer-3" },
      { nodeLabel: "kubernetes.io/hostname" },
    ]);
    expect((gcp as any).spec.levels.map((l: any) => l.nodeLabel)).toEqual([
      "cloud.google.com/gce-topology-block",
      "cloud.google.com/gce-topology-subblock",
      "cloud.google.com/gce-topology-host",
      "kubernetes.io/hostname",
    ]);
    // Planted fault: a level without its label fails the upstream CRD schema.
    expect(validateKubernetesObject({ ...aws, spec: { levels: [{}] } }).length).toBeGreaterThan(0);
  });
});
