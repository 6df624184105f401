import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AWS_PROGRAM,
  KIT_VERSION,
  KUBERNETES_PROGRAM,
  KUBERNETES_PROGRAM_RESOURCES,
  installInto,
  packKit,
  pinned,
  removeDir,
  resolvable,
  runProgram,
  tempDir,
  typecheck,
  writeFreshProject,
} from "./fresh-project";

/**
 * The kit as a user installs it from a tarball: `npm pack` (which builds through `prepare`), then fresh projects
 * made like Pulumi's TypeScript template install the tarball with only the peer SDKs their cloud needs, type-check
 * without skipLibCheck / esModuleInterop and run a program from the per-cloud entry under mocks.
 */
describe("installed from the npm pack tarball", () => {
  const dirs: string[] = [];
  let tarball = "";
  let kubernetesProject = "";

  beforeAll(async () => {
    const packDir = tempDir("pack");
    dirs.push(packDir);
    tarball = await packKit(packDir);
  }, 240_000);

  afterAll(() => dirs.forEach(removeDir));

  it("a Kubernetes-only project (pulumi + kubernetes peers) type-checks and registers a PipelineNamespace and Kueue", async () => {
    kubernetesProject = tempDir("k8s-project");
    dirs.push(kubernetesProject);
    writeFreshProject(kubernetesProject, KUBERNETES_PROGRAM.imports, KUBERNETES_PROGRAM.program);
    await installInto(kubernetesProject, [tarball, pinned("@pulumi/pulumi"), pinned("@pulumi/kubernetes")]);
    expect(resolvable(kubernetesProject, "@pulumi/aws")).toBe(false);
    expect(resolvable(kubernetesProject, "@pulumi/gcp")).toBe(false);

    const read = await typecheck(kubernetesProject);
    // No zod typings are reachable from the public declarations (they need esModuleInterop).
    expect(read.filter((f) => /node_modules\/zod\//.test(f))).toEqual([]);
    expect(read.some((f) => f.endsWith("node_modules/finetune-kit/dist/api/kubernetes.d.ts"))).toBe(true);

    const resources = await runProgram(kubernetesProject);
    expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(KUBERNETES_PROGRAM_RESOURCES);
  }, 240_000);

  it("an AWS-only project (no @pulumi/gcp installed) type-checks and registers the registry's bucket, repositories and key", async () => {
    const project = tempDir("aws-project");
    dirs.push(project);
    writeFreshProject(project, AWS_PROGRAM.imports, AWS_PROGRAM.program);
    await installInto(project, [tarball, pinned("@pulumi/pulumi"), pinned("@pulumi/kubernetes"), pinned("@pulumi/aws")]);
    expect(resolvable(project, "@pulumi/gcp")).toBe(false);

    await typecheck(project);
    const resources = await runProgram(project);
    const types = new Set(resources.map((r) => r.type));
    expect(resources).toEqual(
      expect.arrayContaining([
        { type: "finetune-kit:index:AwsArtifactRegistry", name: "artifacts" },
        { type: "finetune-kit:index:KarpenterInterruptionQueue", name: "karpenter-interruption" },
      ]),
    );
    for (const t of ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:ecr/repository:Repository", "aws:sqs/queue:Queue"]) expect(types).toContain(t);
    expect([...types].filter((t) => t.startsWith("gcp:"))).toEqual([]);
  }, 240_000);

  it("the policy pack: finetune-kit/policy loads from a directory without package.json and runs; dist/policy is a pack", () => {
    const elsewhere = tempDir("no-package-json");
    dirs.push(elsewhere);
    const script = `
      const lib = require(require.resolve("finetune-kit/policy", { paths: [${JSON.stringify(kubernetesProject)}] }));
      const v = lib.runPolicies([{ type: "kubernetes:core/v1:Pod", name: "p", urn: "urn:pulumi:s::p::kubernetes:core/v1:Pod::p",
        inputs: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox:1.37", securityContext: { privileged: true } }] } },
        protect: false, retainOnDelete: false, dependsOn: [] }]);
      console.log(JSON.stringify({ policies: lib.policies.length, privileged: v.filter((x) => x.policy === "pss-no-privileged").length,
        mandatory: lib.mandatoryViolations(v).length, clean: lib.runPolicies([]).length }));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: elsewhere, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).not.toMatch(/Version must be defined/);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    expect(out.policies).toBeGreaterThanOrEqual(40);
    expect(out.privileged).toBe(1);
    expect(out.mandatory).toBeGreaterThan(0);
    expect(out.clean).toBe(0);

    // `pulumi preview --policy-pack node_modules/finetune-kit/dist/policy`: the folder is a Node.js policy pack.
    const packDir = path.join(kubernetesProject, "node_modules", "finetune-kit", "dist", "policy");
    const packJson = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
    expect(packJson.name).toBe("finetune-guard");
    expect(packJson.version).toBe(KIT_VERSION);
    const policyYaml = fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8");
    expect(policyYaml).toMatch(/^runtime: nodejs$/m);
    expect(policyYaml).toMatch(/^description: .+/m);
    expect(fs.readFileSync(path.join(packDir, "index.js"), "utf8")).toContain('new policy_1.PolicyPack("finetune-guard"');
  }, 120_000);
});
