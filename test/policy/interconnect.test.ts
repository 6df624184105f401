import { describe, expect, it } from "vitest";
import { policies, runPolicies, type PolicyResource } from "../../policy/engine";
import { eksGroup, gkePool, karpenterP5, launchTemplate, poolJobSet } from "./cases-interconnect";
import { PROJECT, STACK } from "./fixtures";

const TAGS = { "pulumi:project": PROJECT, "pulumi:stack": STACK };
const policy = policies.find((p) => p.name === "multi-node-fast-interconnect")!;
const messages = (resources: PolicyResource[]) => runPolicies(resources, TAGS, { policies: [policy] }).map((v) => v.message);

describe("multi-node-fast-interconnect", () => {
  it("is advisory in the fine-tuning group", () => {
    expect(policy).toMatchObject({ enforcementLevel: "advisory", group: "fine-tuning" });
  });

  it("planted fault: the same EKS group loses its EFA launch template, then its second node", () => {
    const efa = launchTemplate("lt", 4);
    const plain = launchTemplate("lt");
    expect(messages([efa, eksGroup("p4d", "a100", ["p4d.24xlarge"], 2, efa)])).toEqual([]);
    expect(messages([plain, eksGroup("p4d", "a100", ["p4d.24xlarge"], 2, plain)])).toHaveLength(1);
    expect(messages([plain, eksGroup("p4d", "a100", ["p4d.24xlarge"], 1, plain)])).toEqual([]);
    // A diversified list with one non-EFA type cannot share EFA interfaces: nothing to flag.
    expect(messages([plain, eksGroup("mixed", "a10g", ["g5.2xlarge", "g5.12xlarge"], 4, plain)])).toEqual([]);
  });

  it("planted fault: a TCPX pool loses its GPU networks; an unknown networkConfig (preview) is not flagged", () => {
    const nets = [1, 2, 3, 4].map((n) => ({ network: `n${n}`, subnetwork: `s${n}` }));
    expect(messages([gkePool("a3", "a3-highgpu-8g", 2, { additionalNodeNetworkConfigs: nets })])).toEqual([]);
    expect(messages([gkePool("a3", "a3-highgpu-8g", 2, { additionalNodeNetworkConfigs: [] })])).toEqual([
      'GKE node pool "a3" may run 2 nodes of a3-highgpu-8g, which offers GPUDirect-TCPX over 4 GPU NICs, without its GPU networks: multi-node NCCL uses only the primary gVNIC (set networkConfig.additionalNodeNetworkConfigs to the 4 GPU networks, or networkConfig.acceleratorNetworkProfile: auto; GkeGpuNodePool gpuNetworks)',
    ]);
    expect(messages([gkePool("a3", "a3-highgpu-8g", 2, { additionalNodeNetworkConfigs: "<unknown during preview>" })])).toEqual([]);
  });

  it("planted fault: a multi-node JobSet on a Karpenter p5 pool drops its EFA request; one pod needs none", () => {
    const np = karpenterP5("h100");
    expect(messages([np, poolJobSet("sft", "h100", 32)])).toEqual([]);
    expect(messages([np, poolJobSet("sft", "h100")])).toEqual([
      'JobSet "sft" replicatedJob "trainer" spans 2 pods on Karpenter NodePool "h100", whose nodes offer 32 EFA interface(s), but requests no vpc.amazonaws.com/efa: NCCL falls back to TCP (request vpc.amazonaws.com/efa: 32 in the trainer container\'s resources.limits)',
    ]);
    const single = poolJobSet("one", "h100");
    (single.inputs as any).spec.replicatedJobs[0].template.spec.parallelism = 1;
    (single.inputs as any).spec.replicatedJobs[0].template.spec.completions = 1;
    expect(messages([np, single])).toEqual([]);
  });
});
