import { describe, expect, it } from "vitest";
import { mandatoryViolations, policies, policyListMarkdown, policyReport, runPolicies, type PolicyResource } from "../../policy/engine";
import { CASES, bucket, carelessJob, gkeGpuPool, privilegedJob } from "./cases";
import { CLOUD_CASES } from "./cases-cloud";
import { INTERCONNECT_CASES } from "./cases-interconnect";
import { STACK, PROJECT, k8s, patch, trainingJob } from "./fixtures";

const ALL_CASES = [...CASES, ...CLOUD_CASES, ...INTERCONNECT_CASES];
const TAGS = { "pulumi:project": PROJECT, "pulumi:stack": STACK };
const byName = new Map(policies.map((p) => [p.name, p]));

function run(resources: PolicyResource[], policy: string, config = {}) {
  const p = byName.get(policy);
  if (!p) throw new Error(`no policy ${policy}`);
  return runPolicies(resources, TAGS, { policies: [p], config });
}

describe("the finetune-guard pack", () => {
  it("has at least 30 uniquely named, documented, configurable policies", () => {
    expect(policies.length).toBeGreaterThanOrEqual(30);
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const p of policies) {
      expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.description.length).toBeGreaterThan(20);
      expect(p.remediationSteps.length).toBeGreaterThan(20);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
      expect(p.configSchema.properties.exemptResources).toMatchObject({ type: "array", items: { type: "string" }, default: [] });
    }
  });

  it("covers every domain of the issue", () => {
    const groups = new Map<string, number>();
    for (const p of policies) groups.set(p.group, (groups.get(p.group) ?? 0) + 1);
    expect([...groups.keys()].sort()).toEqual(["aws", "data", "fine-tuning", "gcp", "kubernetes"]);
    // Advisory exactly where the issue marks cost and hygiene.
    expect(policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name)).toEqual([
      "gpu-pool-scale-to-zero",
      "gpu-driver-pinned",
      "multi-node-fast-interconnect",
      "image-tag-pinned",
      "helm-chart-pinned",
      "cloudwatch-log-retention",
      "budget-exists",
      "gcs-cmek",
    ]);
  });

  it("has compliant and violating cases for every policy", () => {
    expect([...new Set(ALL_CASES.map((c) => c.policy))].sort()).toEqual(policies.map((p) => p.name).sort());
    for (const c of ALL_CASES) expect(c.messages.length, c.policy).toBeGreaterThan(0);
  });
});

describe.each(ALL_CASES)("policy $policy", (c) => {
  it("passes the compliant fixtures", () => {
    expect(c.compliant.length).toBeGreaterThan(0);
    expect(run(c.compliant, c.policy, c.config)).toEqual([]);
  });

  it("reports the violating fixtures with exact messages", () => {
    const got = run(c.violating, c.policy, c.config);
    expect(got.map((v) => v.message)).toEqual(c.messages);
    const level = byName.get(c.policy)?.enforcementLevel;
    for (const v of got) {
      expect(v.policy).toBe(c.policy);
      expect(v.enforcementLevel).toBe(level);
    }
  });

  it("skips the violating resources listed in exemptResources", () => {
    const exempt = c.violating.map((r) => r.name);
    const got = run(c.violating, c.policy, { [c.policy]: { exemptResources: exempt } });
    // Stack-wide violations (no URN) are not about one resource and cannot be exempted that way.
    expect(got.filter((v) => v.urn !== undefined)).toEqual([]);
  });
});

describe("runPolicies", () => {
  it("ties resource violations to the resource's URN and stack violations to the resource they name", () => {
    const job = carelessJob();
    const b = bucket("open");
    const got = runPolicies([job, b], TAGS);
    expect(got.find((v) => v.policy === "spot-training-checkpoints")?.urn).toBe(job.urn);
    expect(got.find((v) => v.policy === "s3-public-access-block")?.urn).toBe(b.urn);
    expect(got.find((v) => v.policy === "budget-exists")?.urn).toBeUndefined();
  });

  it("exempts by URN as well as by name", () => {
    const job = carelessJob();
    expect(run([job], "spot-training-checkpoints", { "spot-training-checkpoints": { exemptResources: [job.urn] } })).toEqual([]);
  });

  it("applies enforcement-level overrides and disables policies like --policy-pack-config", () => {
    const job = carelessJob();
    const levels = runPolicies([job], TAGS, {
      config: { "spot-training-checkpoints": "advisory", "spot-training-tolerates-preemption": { enforcementLevel: "disabled" } },
    });
    expect(levels.filter((v) => v.policy === "spot-training-checkpoints").map((v) => v.enforcementLevel)).toEqual(["advisory"]);
    expect(levels.some((v) => v.policy === "spot-training-tolerates-preemption")).toBe(false);
  });

  it("passes policy properties through getConfig", () => {
    const big = gkeGpuPool({ autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: 40 } });
    expect(run([big], "gpu-pool-max-size").map((v) => v.message)).toEqual([
      `GKE node pool "gpu-l4" may grow to 40 GPU nodes, above the budget of 32 (lower autoscaling.maxNodeCount/totalMaxNodeCount to 32 or less)`,
    ]);
    expect(run([big], "gpu-pool-max-size", { "gpu-pool-max-size": { maxNodes: 64 } })).toEqual([]);
  });

  it("lets a training-name pattern decide which GPU pods are training", () => {
    const renamed = patch(carelessJob(), (i) => {
      i.metadata.name = "batch-infer";
      i.spec.template.spec.containers[0].name = "worker";
    });
    const asRenamed = { ...renamed, name: "batch-infer" };
    expect(run([asRenamed], "spot-training-checkpoints")).toEqual([]);
    expect(run([asRenamed], "spot-training-checkpoints", { "spot-training-checkpoints": { trainingNamePattern: "infer" } })).toHaveLength(1);
  });

  it("treats values unknown during preview as references, not as violations", () => {
    const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const pool = gkeGpuPool({}, { serviceAccount: UNKNOWN_STRING });
    expect(run([pool], "gke-node-service-account")).toEqual([]);
    const b = bucket();
    const policy = {
      ...b,
      type: "aws:s3/bucketPolicy:BucketPolicy",
      name: "p",
      urn: `${b.urn}-p`,
      inputs: { bucket: UNKNOWN_STRING, policy: UNKNOWN_STRING },
      dependsOn: [b.urn],
    };
    expect(run([b, policy], "s3-tls-only")).toEqual([]);
  });

  it("checks pods inside Argo resource manifests given as YAML text", () => {
    const yamlManifest = [
      "apiVersion: batch/v1",
      "kind: Job",
      "metadata:",
      "  name: inner-train",
      "spec:",
      "  template:",
      "    spec:",
      "      restartPolicy: Never",
      "      nodeSelector: {karpenter.sh/capacity-type: spot}",
      "      containers:",
      "        - name: trainer",
      "          image: trainer:1.0.0",
      "          resources: {limits: {nvidia.com/gpu: 1}}",
    ].join("\n");
    const wf = k8s({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "WorkflowTemplate",
      metadata: { name: "wrap", namespace: "finetune" },
      spec: { entrypoint: "t", templates: [{ name: "t", resource: { action: "create", manifest: yamlManifest } }] },
    });
    const got = run([wf], "spot-training-checkpoints").map((v) => v.message);
    expect(got).toEqual([
      `WorkflowTemplate "wrap" template "t" resource Job "inner-train" trains on GPUs and may run on spot (nodeSelector karpenter.sh/capacity-type: spot) but names no checkpoint location in durable storage (add env CHECKPOINT_URI with an s3:// or gs:// URI under the checkpoints prefix to spec.templates[0].resource.manifest → spec.template.spec.containers[0] and resume from the newest checkpoint on restart)`,
    ]);
  });

  it("returns no violations for a compliant training job across the whole pack except stack-level hygiene", () => {
    const got = runPolicies([trainingJob()], TAGS);
    expect(got.map((v) => `${v.policy}: ${v.message}`)).toEqual([
      `pipeline-namespace-default-deny: pipeline namespace "finetune" has no default-deny NetworkPolicy for Ingress and Egress (add a NetworkPolicy in "finetune" with podSelector: {} and policyTypes: [Ingress, Egress], then allow only DNS, the object store, the model hub and the API server)`,
    ]);
  });
});

describe("policyReport and mandatoryViolations", () => {
  it("summarises counts and lists mandatory violations first", () => {
    const got = runPolicies([privilegedJob(), bucket("open")], TAGS);
    const report = policyReport(got);
    const mandatory = mandatoryViolations(got);
    expect(report.summary).toEqual({ mandatory: mandatory.length, advisory: got.length - mandatory.length });
    expect(report.summary.mandatory).toBeGreaterThan(0);
    expect(report.summary.advisory).toBeGreaterThan(0);
    expect(report.violations.slice(0, mandatory.length)).toEqual(mandatory);
    expect(report.violations.slice(mandatory.length).every((v) => v.enforcementLevel === "advisory")).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe("policyListMarkdown", () => {
  it("lists every policy with its level, description and remediation", () => {
    const md = policyListMarkdown();
    const lines = md.trimEnd().split("\n");
    expect(lines[0]).toBe("| policy | group | level | description | remediation |");
    expect(lines).toHaveLength(policies.length + 2);
    for (const p of policies) {
      expect(md).toContain(`| \`${p.name}\` | ${p.group} | ${p.enforcementLevel} | `);
    }
    expect(lines.find((l) => l.startsWith("| `no-host-path`"))).toBe(
      "| `no-host-path` | kubernetes | mandatory | No pod mounts a hostPath volume (NCCL shared memory comes from an emptyDir with medium: Memory, never hostPath /dev/shm). | Replace hostPath volumes: /dev/shm with emptyDir {medium: Memory, sizeLimit}, data with a PersistentVolumeClaim or the object store. |",
    );
  });
});
