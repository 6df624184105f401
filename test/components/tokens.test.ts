import { beforeAll, describe, expect, it, vi } from "vitest";
import { componentToken, LEGACY_COMPONENT_TOKENS, withLegacyAlias, type KitComponent } from "../../components/tokens";
import { EfaDevicePlugin } from "../../components/gpu-node-pool";
import { exportedComponents } from "../../provider-host";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { runStack } from "../harness";

/** Every registration of the kit's components across the three stacks, the EKS examples (both provisioners, IRSA) and an EFA device plugin. */
let registered: RecordedResource[] = [];

const EXAMPLES = {
  "eks-karpenter-pipeline": () => import("../../examples/eks-karpenter-pipeline/index"),
  "eks-irsa-pipelines": () => import("../../examples/eks-irsa-pipelines/index"),
};

async function runExample(project: keyof typeof EXAMPLES, config: Record<string, string>): Promise<RecordedResource[]> {
  // Each example is a module whose top level is the program: import it afresh for every run.
  vi.resetModules();
  const full = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v]));
  return (await runWithMocks(async () => ({ ...(await EXAMPLES[project]()) }), { project, config: full })).resources;
}

beforeAll(async () => {
  const eks = { clusterName: "prod", region: "us-east-1", accountId: "123456789012", bucketName: "acme-prod-finetune-artifacts" };
  const runs: RecordedResource[][] = [];
  for (const stack of ["kubernetes", "gcp", "aws-sagemaker"]) runs.push((await runStack(stack)).resources);
  runs.push(await runExample("eks-karpenter-pipeline", eks));
  runs.push(
    await runExample("eks-karpenter-pipeline", {
      ...eks,
      provisioner: "node-group",
      subnetIds: JSON.stringify(["subnet-0private1", "subnet-0private2"]),
    }),
  );
  runs.push(await runExample("eks-irsa-pipelines", { ...eks, bucketName: "acme-finetune-artifacts", hubToken: "hf_test" }));
  // No shipped program installs the EFA device plugin alone: construct it directly, as a user would.
  runs.push((await runWithMocks(() => new EfaDevicePlugin("efa", {}))).resources);
  registered = runs.flat().filter((r) => !r.custom && r.type.startsWith("finetune"));
}, 600_000);

describe("component type tokens", () => {
  it("the legacy table names every exported component (21, ModelCache included), nothing else", () => {
    expect(Object.keys(LEGACY_COMPONENT_TOKENS).sort()).toEqual(
      exportedComponents()
        .map((c) => c.name)
        .sort(),
    );
    expect(Object.keys(LEGACY_COMPONENT_TOKENS)).toHaveLength(21);
    for (const [cls, old] of Object.entries(LEGACY_COMPONENT_TOKENS))
      expect(old).toMatch(new RegExp(`^finetune:(gpu|cuda|registry|monitoring|pipeline):${cls}$`));
  });

  it("componentToken is the host's `finetune-kit:index:<Class>`; withLegacyAlias appends the old token to the caller's aliases", () => {
    expect(componentToken("KueueGpuPool")).toBe("finetune-kit:index:KueueGpuPool");
    expect(withLegacyAlias("KueueGpuPool")).toEqual({ aliases: [{ type: "finetune:gpu:KueueGpuPool" }] });
    const opts = { protect: true, aliases: [{ name: "old-name" }] };
    expect(withLegacyAlias("PipelineNamespace", opts)).toEqual({
      protect: true,
      aliases: [{ name: "old-name" }, { type: "finetune:pipeline:PipelineNamespace" }],
    });
    expect(opts.aliases).toEqual([{ name: "old-name" }]);
  });

  it("every component registers finetune-kit:index:<Class> with its legacy token as an alias (stacks, EKS examples, EFA plugin)", () => {
    const seen = new Set(registered.map((r) => r.type));
    // Only the stacks' own infra components keep the finetune:infra module (they are not part of the package).
    expect([...seen].filter((t) => !t.startsWith("finetune-kit:index:")).sort()).toEqual(["finetune:infra:AwsPrivateNetwork", "finetune:infra:GkeCluster"]);
    expect([...seen].filter((t) => t.startsWith("finetune-kit:index:")).sort()).toEqual(
      Object.keys(LEGACY_COMPONENT_TOKENS)
        .map((c) => `finetune-kit:index:${c}`)
        .sort(),
    );
    for (const r of registered.filter((x) => x.type.startsWith("finetune-kit:index:"))) {
      const cls = r.type.split(":")[2] as KitComponent;
      expect(r.aliasTypes, `${r.type} ${r.name}`).toEqual([LEGACY_COMPONENT_TOKENS[cls]]);
    }
  });
});
