import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EKS_NODE_MANAGED_POLICIES } from "../../components/gpu-node-pool/aws-node-role";
import { EfaDevicePlugin } from "../../components/gpu-node-pool/efa-device-plugin";
import { EksGpuNodePool, planEksGpuPool } from "../../components/gpu-node-pool/eks";
import { GPU_STACK_CHARTS } from "../../core/versions";
import { one, ofType, runWithMocks } from "../harness";
import { constructionError, problemLines } from "./helpers";

const base = { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] };

async function run(args: Partial<ConstructorParameters<typeof EksGpuNodePool>[1]> = {}) {
  let pool: EksGpuNodePool | undefined;
  const result = await runWithMocks(() => {
    const provider = new aws.Provider("aws", { region: "us-east-1" });
    pool = new EksGpuNodePool("l4", { ...base, gpuType: "l4", ...args }, { provider });
  });
  return { ...result, pool: pool! };
}

afterEach(() => vi.restoreAllMocks());

describe("EksGpuNodePool defaults", () => {
  it("a SPOT managed node group over every 1×L4 instance type, AL2023 NVIDIA AMI, min 0, GPU taint, kit labels", async () => {
    const { resources } = await run();
    const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
    expect(groups.map((g) => g.name)).toEqual(["l4-spot", "l4-on-demand"]);
    const spot = groups[0].inputs;
    expect(spot.capacityType).toBe("SPOT");
    expect(spot.instanceTypes).toEqual(["g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.16xlarge"]);
    expect(spot.amiType).toBe("AL2023_x86_64_NVIDIA");
    expect(spot.scalingConfig).toEqual({ minSize: 0, maxSize: 2, desiredSize: 0 });
    expect(spot.taints).toEqual([{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }]);
    expect(spot.labels).toEqual({ "finetune.dev/pool": "l4", "finetune.dev/gpu-type": "l4", "finetune.dev/capacity-type": "spot" });
    expect(spot.remoteAccess).toBeUndefined();
    expect(spot.clusterName).toBe("ml");
    expect(spot.subnetIds).toEqual(["subnet-a", "subnet-b"]);
    expect(groups[0].ignoreChanges).toEqual(["scalingConfig.desiredSize"]);
    const od = groups[1].inputs;
    expect(od.capacityType).toBe("ON_DEMAND");
    expect(od.scalingConfig).toEqual({ minSize: 0, maxSize: 2, desiredSize: 0 });
    expect(od.labels["finetune.dev/capacity-type"]).toBe("on-demand");
  });

  it("launch template: IMDSv2 required, hop limit 1, no SSH key, encrypted gp3 500 GiB root volume", async () => {
    const { resources } = await run({ kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k" });
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
    expect(lt.keyName).toBeUndefined();
    expect(lt.imageId).toBeUndefined();
    expect(lt.blockDeviceMappings).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: {
          volumeSize: 500,
          volumeType: "gp3",
          iops: 6000,
          throughput: 500,
          encrypted: "true",
          kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k",
          deleteOnTermination: "true",
        },
      },
    ]);
    const group = ofType(resources, "aws:eks/nodeGroup:NodeGroup")[0].inputs;
    expect(group.launchTemplate).toEqual({ id: one(resources, "aws:ec2/launchTemplate:LaunchTemplate").state.id, version: "1" });
  });

  it("least-privilege node role: EC2 trust, exactly the EKS worker, CNI and ECR read-only managed policies", async () => {
    const { resources, pool } = await run();
    const role = one(resources, "aws:iam/role:Role");
    expect(JSON.parse(role.inputs.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).toEqual([
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ]);
    expect(Object.values(EKS_NODE_MANAGED_POLICIES)).toEqual(["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]);
    expect(ofType(resources, "aws:iam/rolePolicy:RolePolicy")).toHaveLength(0);
    expect(ofType(resources, "aws:eks/nodeGroup:NodeGroup")[0].inputs.nodeRoleArn).toBe(role.state.arn);
    expect(pool.contract.platform).toBe("eks");
  });

  it("tags each ASG with cluster-autoscaler node-template labels, taint and nvidia.com/gpu so it scales from zero", async () => {
    const { resources } = await run({ gpuType: "a100-80gb" });
    const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
    const asgOf = (g: (typeof groups)[0]) => g.state.resources[0].autoscalingGroups[0].name;
    const tags = ofType(resources, "aws:autoscaling/tag:Tag");
    const spotTags = Object.fromEntries(
      tags.filter((t) => t.inputs.autoscalingGroupName === asgOf(groups[0])).map((t) => [t.inputs.tag.key, t.inputs.tag.value]),
    );
    expect(spotTags).toEqual({
      "k8s.io/cluster-autoscaler/node-template/label/finetune.dev/pool": "l4",
      "k8s.io/cluster-autoscaler/node-template/label/finetune.dev/gpu-type": "a100-80gb",
      "k8s.io/cluster-autoscaler/node-template/label/finetune.dev/capacity-type": "spot",
      "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "present:NoSchedule",
      "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8",
    });
    expect(tags.every((t) => t.inputs.tag.propagateAtLaunch === false)).toBe(true);
    expect(tags.filter((t) => t.inputs.autoscalingGroupName === asgOf(groups[1]))).toHaveLength(5);
    expect(groups[0].inputs.instanceTypes).toEqual(["p4de.24xlarge"]);
  });

  it("contract: selector without capacity (Kueue flavors add it), GPU toleration, first instance type", async () => {
    const { pool } = await run({ gpusPerNode: 4, maxNodes: 3 });
    expect(pool.contract).toMatchObject({
      name: "l4",
      platform: "eks",
      gpuType: "l4",
      gpusPerNode: 4,
      gpuMemoryGiB: 24,
      computeCapability: "8.9",
      architecture: "ada",
      capacityTypes: ["spot", "on-demand"],
      maxNodes: 3,
      nodeSelector: { "finetune.dev/pool": "l4", "finetune.dev/gpu-type": "l4" },
      karpenter: false,
      instanceType: "g6.12xlarge",
    });
  });
});

describe("EksGpuNodePool options", () => {
  it("Bottlerocket: small OS volume plus a data volume for images and weights", async () => {
    const { resources } = await run({ amiType: "BOTTLEROCKET_x86_64_NVIDIA", rootVolumeGiB: 1000 });
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.blockDeviceMappings.map((b: any) => [b.deviceName, b.ebs.volumeSize, b.ebs.encrypted])).toEqual([
      ["/dev/xvda", 4, "true"],
      ["/dev/xvdb", 1000, "true"],
    ]);
    expect(ofType(resources, "aws:eks/nodeGroup:NodeGroup")[0].inputs.amiType).toBe("BOTTLEROCKET_x86_64_NVIDIA");
  });

  it("on-demand only, no fallback, an existing role, MIG label, minNodes on the preferred group only", async () => {
    const { resources } = await run({
      gpuType: "h100",
      gpusPerNode: 8,
      capacity: "on-demand",
      nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
      migProfile: "3g.40gb",
      minNodes: 1,
    });
    const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
    expect(groups).toHaveLength(1);
    expect(groups[0].inputs.capacityType).toBe("ON_DEMAND");
    expect(groups[0].inputs.scalingConfig.minSize).toBe(1);
    expect(groups[0].inputs.labels["nvidia.com/mig.config"]).toBe("all-3g.40gb");
    expect(groups[0].inputs.nodeRoleArn).toBe("arn:aws:iam::123456789012:role/nodes");
    expect(ofType(resources, "aws:iam/role:Role")).toHaveLength(0);
    const plan = planEksGpuPool("x", { ...base, gpuType: "l4", minNodes: 1, onDemandFallback: true });
    expect(plan.groups.map((g) => g.minNodes)).toEqual([1, 0]);
  });

  it("warns (pulumi.log.warn) when a spot group has a single instance type", async () => {
    const warn = vi.spyOn(pulumi.log, "warn");
    await run({ gpuType: "a100-80gb" });
    expect(warn).toHaveBeenCalledWith(
      'EksGpuNodePool "l4": spot capacity with a single instance type (p4de.24xlarge) is often unavailable; list several instance types of the same GPU class in instanceTypes, or keep onDemandFallback on',
      expect.anything(),
    );
    warn.mockClear();
    await run();
    expect(warn).not.toHaveBeenCalled();
  });

  it("reports every bad argument at once: min > max, unknown GPU, GPU count, foreign instance types", async () => {
    const e = await constructionError(
      () =>
        new EksGpuNodePool("bad", {
          ...base,
          gpuType: "l4",
          gpusPerNode: 2,
          minNodes: 3,
          maxNodes: 1,
          instanceTypes: ["g5.xlarge", "g6.12xlarge"],
          rootVolumeGiB: 50,
        }),
    );
    expect(problemLines(e)).toEqual([
      "minNodes: 3 is more than maxNodes 1 (lower minNodes or raise maxNodes)",
      "gpusPerNode: no aws machine carries 2 × NVIDIA L4 (use one of 1, 4, 8)",
      'instanceTypes[0]: "g5.xlarge" does not carry NVIDIA L4 (use one of g6.xlarge, g6.2xlarge, g6.4xlarge, g6.8xlarge, g6.16xlarge, g6.12xlarge, g6.24xlarge, g6.48xlarge)',
      'instanceTypes[1]: "g6.12xlarge" carries 4 GPUs, not gpusPerNode 2 (set gpusPerNode to 4)',
      "rootVolumeGiB: 50 GiB is outside 100..16384 (model weights and CUDA images need ≥ 100 GiB)",
    ]);
    expect(e.message.split("\n")[0]).toBe('EksGpuNodePool "bad" has invalid arguments (5 problems):');
    const unknown = await constructionError(() => new EksGpuNodePool("u", { ...base, gpuType: "v100" }));
    expect(problemLines(unknown)).toEqual([
      'gpuType: "v100" is not a GPU type the kit knows (use one of t4, a10g, l4, l40s, a100-40gb, a100-80gb, h100, h200, b200)',
    ]);
    const gcpOnly = await constructionError(() => new EksGpuNodePool("m", { ...base, gpuType: "a10g", migProfile: "1g.10gb" }));
    expect(problemLines(gcpOnly)).toEqual(["migProfile: NVIDIA A10G does not support MIG (remove migProfile)"]);
  });
});

describe("EksGpuNodePool local NVMe, EFA, placement and image cache", () => {
  const efaWiring = { vpcId: "vpc-1", clusterSecurityGroupId: "sg-cluster" };
  const userDataOf = (resources: Awaited<ReturnType<typeof run>>["resources"]) => {
    const ud = one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs.userData;
    return ud === undefined ? undefined : Buffer.from(ud, "base64").toString("utf8");
  };

  it("default: AL2023 nodeadm MIME user data puts containerd / kubelet on a RAID0 of the NVMe instance store; no EFA on a single-node-class pool", async () => {
    const { resources, pool } = await run();
    expect(userDataOf(resources)).toBe(
      [
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="==FINETUNEKIT=="',
        "",
        "--==FINETUNEKIT==",
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
        "--==FINETUNEKIT==--",
        "",
      ].join("\n"),
    );
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.networkInterfaces).toBeUndefined();
    expect(lt.placement).toBeUndefined();
    expect(ofType(resources, "aws:ec2/placementGroup:PlacementGroup")).toHaveLength(0);
    expect(ofType(resources, "aws:ec2/securityGroup:SecurityGroup")).toHaveLength(0);
    // g6.xlarge has the smallest instance store of the diversified list (250 GB); g6.xlarge…4xlarge offer no EFA.
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 250, ephemeralOnNvme: true });
    expect(pool.contract.interconnect).toEqual({ kind: "none", offered: "none", devicesPerNode: 0, compactPlacement: false });
    expect(pool.contract.imageCache).toEqual({ streaming: false, preload: "none" });
  });

  it("multi-node H100 pool: 32 EFA interfaces, a security group open to itself, a cluster placement group, contract says efa", async () => {
    const { resources, pool } = await run({ gpuType: "h100", gpusPerNode: 8, maxNodes: 3, ...efaWiring });
    const sg = one(resources, "aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.vpcId).toBe("vpc-1");
    const ingress = one(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
    const egress = one(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs;
    for (const rule of [ingress, egress])
      expect(rule).toMatchObject({ securityGroupId: sg.state.id, referencedSecurityGroupId: sg.state.id, ipProtocol: "-1" });
    const pg = one(resources, "aws:ec2/placementGroup:PlacementGroup");
    expect(pg.inputs.strategy).toBe("cluster");
    const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.placement).toEqual({ groupName: pg.state.name });
    expect(lt.networkInterfaces).toHaveLength(32);
    expect(lt.networkInterfaces[0]).toEqual({
      deviceIndex: 0,
      networkCardIndex: 0,
      interfaceType: "efa",
      securityGroups: ["sg-cluster", sg.state.id],
      deleteOnTermination: "true",
    });
    expect(lt.networkInterfaces[31]).toEqual({
      deviceIndex: 0,
      networkCardIndex: 31,
      interfaceType: "efa-only",
      securityGroups: ["sg-cluster", sg.state.id],
      deleteOnTermination: "true",
    });
    expect(lt.networkInterfaces.map((n: { networkCardIndex: number }) => n.networkCardIndex)).toEqual([...Array(32).keys()]);
    expect(pool.contract.interconnect).toEqual({
      kind: "efa",
      offered: "efa",
      devicesPerNode: 32,
      resourceName: "vpc.amazonaws.com/efa",
      compactPlacement: true,
    });
    expect(pool.contract.localStorage).toEqual({ nvmeGB: 30720, ephemeralOnNvme: true });
  });

  it("a multi-node EFA-capable pool without vpcId / clusterSecurityGroupId keeps EFA off and warns; efa: false is silent", async () => {
    const warn = vi.spyOn(pulumi.log, "warn");
    const { resources, pool } = await run({ gpuType: "a100-80gb", capacity: "on-demand", maxNodes: 3 });
    expect(warn).toHaveBeenCalledWith(
      'EksGpuNodePool "l4": p4de.24xlarge offers 4 EFA interface(s) but EFA stays off for this multi-node pool (set vpcId and clusterSecurityGroupId to turn it on, or efa: false to silence this)',
      expect.anything(),
    );
    expect(one(resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs.networkInterfaces).toBeUndefined();
    expect(pool.contract.interconnect).toEqual({ kind: "none", offered: "efa", devicesPerNode: 0, compactPlacement: false });
    warn.mockClear();
    await run({ gpuType: "a100-80gb", capacity: "on-demand", maxNodes: 3, efa: false });
    expect(warn).not.toHaveBeenCalled();
    // A single-node pool never turns EFA on by default.
    expect(planEksGpuPool("one", { ...base, gpuType: "h100", gpusPerNode: 8, maxNodes: 1, ...efaWiring }).efaInterfaces).toBe(0);
  });

  it("Bottlerocket: NVMe ephemeral storage through bootstrap commands; an image-cache snapshot restores the data volume and keeps containerd on it", async () => {
    const plain = await run({ amiType: "BOTTLEROCKET_x86_64_NVIDIA" });
    expect(userDataOf(plain.resources)).toBe(
      [
        "[settings.bootstrap-commands.k8s-ephemeral-storage]",
        'commands = [["apiclient", "ephemeral-storage", "init"], ["apiclient", "ephemeral-storage", "bind", "--dirs", "/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"]]',
        'mode = "always"',
        "essential = true",
        "",
      ].join("\n"),
    );
    const cached = await run({ amiType: "BOTTLEROCKET_x86_64_NVIDIA", imageCacheSnapshotId: "snap-0123" });
    const lt = one(cached.resources, "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.userData).toBeUndefined();
    expect(lt.blockDeviceMappings[0].ebs.snapshotId).toBeUndefined();
    expect(lt.blockDeviceMappings[1]).toMatchObject({ deviceName: "/dev/xvdb", ebs: { snapshotId: "snap-0123", volumeSize: 500, encrypted: "true" } });
    expect(cached.pool.contract.imageCache).toEqual({ streaming: false, preload: "ebs-snapshot" });
    expect(cached.pool.contract.localStorage).toEqual({ nvmeGB: 250, ephemeralOnNvme: false });
  });

  it("reports invalid combinations with their fixes", async () => {
    const e = await constructionError(
      () => new EksGpuNodePool("bad", { ...base, gpuType: "l4", efa: true, placementGroup: true, maxNodes: 1, imageCacheSnapshotId: "snap-1" }),
    );
    expect(problemLines(e)).toEqual([
      "efa: g6.xlarge, g6.2xlarge, g6.4xlarge offer no EFA (use instance types with EFA, e.g. p4d.24xlarge, p5.48xlarge, g6.12xlarge, or remove efa)",
      "vpcId: EFA needs the VPC id for its security group (set vpcId)",
      "clusterSecurityGroupId: EFA network interfaces replace the node's default security groups (set clusterSecurityGroupId to the cluster security group)",
      "placementGroup: a single-node pool gains nothing from a cluster placement group (raise maxNodes or remove placementGroup)",
      'imageCacheSnapshotId: an image-cache snapshot restores a Bottlerocket data volume (set amiType to "BOTTLEROCKET_x86_64_NVIDIA" or remove imageCacheSnapshotId)',
    ]);
    const br = await constructionError(
      () => new EksGpuNodePool("br", { ...base, gpuType: "l4", amiType: "BOTTLEROCKET_x86_64_NVIDIA", localNvme: true, imageCacheSnapshotId: "snap-1" }),
    );
    expect(problemLines(br)).toEqual([
      "localNvme: ephemeral storage on NVMe moves containerd off the data volume, so the snapshot's cached images go unused (remove localNvme or imageCacheSnapshotId)",
    ]);
  });
});

describe("EfaDevicePlugin", () => {
  it("installs the pinned aws-efa-k8s-device-plugin chart on every EFA GPU type of the catalog, tolerating the GPU taint", async () => {
    const { resources } = await runWithMocks(() => {
      new EfaDevicePlugin("efa", { extraInstanceTypes: ["trn1.32xlarge"] });
    });
    const rel = one(resources, "kubernetes:helm.sh/v3:Release").inputs;
    expect(rel).toMatchObject({
      chart: "aws-efa-k8s-device-plugin",
      version: GPU_STACK_CHARTS.efaDevicePlugin.version,
      repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      namespace: "kube-system",
    });
    expect(rel.values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(rel.values.supportedInstanceLabels.keys).toEqual(["node.kubernetes.io/instance-type"]);
    // The chart's own list predates p6-b200; the kit's list carries it.
    expect(rel.values.supportedInstanceLabels.values).toEqual(
      expect.arrayContaining(["p4d.24xlarge", "p5.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge", "g6.12xlarge", "trn1.32xlarge"]),
    );
    expect(rel.values.supportedInstanceLabels.values).not.toContain("g6.xlarge");
    const bad = await constructionError(() => new EfaDevicePlugin("bad", { extraInstanceTypes: ["p5 48xlarge"] }));
    expect(problemLines(bad)).toEqual(['extraInstanceTypes[0]: "p5 48xlarge" is not an EC2 instance type (e.g. p5.48xlarge)']);
  });
});
