import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsArtifactRegistry } from "../../components/artifact-registry/aws";
import { GcpArtifactRegistry } from "../../components/artifact-registry/gcp";
import { KubernetesArtifactStore } from "../../components/artifact-registry/kubernetes";
import { STATEFUL_TYPES } from "../../components/artifact-registry/protection";
import { type DataProtection } from "../../components/validation";
import { runWithMocks } from "../../plan/mock-engine";

/** One program per platform, creating every optional stateful child (created key, StorageClass, namespace). */
const PROGRAMS: Record<keyof typeof STATEFUL_TYPES, (p: DataProtection) => void> = {
  aws: (p) => {
    const provider = new aws.Provider("aws", { region: "us-east-1" });
    new AwsArtifactRegistry("finetune", { region: "us-east-1", accountId: "123456789012", ...p }, { providers: [provider] });
  },
  gcp: (p) => {
    const provider = new gcp.Provider("gcp", { project: "my-proj-123" });
    new GcpArtifactRegistry("finetune", { project: "my-proj-123", region: "us-central1", kubernetesNamespace: "finetune", ...p }, { providers: [provider] });
  },
  kubernetes: (p) => {
    const provider = new k8s.Provider("k8s", { context: "c" });
    new KubernetesArtifactStore(
      "finetune",
      {
        pipelineNamespace: "finetune",
        containerRegistry: "registry.example.com/ml",
        rootPassword: pulumi.secret("root-password-123"),
        pipelineSecretKey: pulumi.secret("pipeline-secret-456"),
        provisioner: "ebs.csi.aws.com",
        ...p,
      },
      { provider },
    );
  },
};

describe("no data loss: every stateful resource is protected and retained on delete", () => {
  for (const platform of Object.keys(PROGRAMS) as (keyof typeof STATEFUL_TYPES)[]) {
    it(`${platform}: by default`, async () => {
      const { resources } = await runWithMocks(() => PROGRAMS[platform]({}));
      const types = STATEFUL_TYPES[platform] as readonly string[];
      // The table is complete: each listed type is created, and nothing else is protected.
      for (const t of types)
        expect(
          resources.some((r) => r.type === t),
          t,
        ).toBe(true);
      const stateful = resources.filter((r) => types.includes(r.type));
      for (const r of stateful) {
        expect(r.protect, `${r.type} ${r.name} protect`).toBe(true);
        expect(r.retainOnDelete, `${r.type} ${r.name} retainOnDelete`).toBe(true);
      }
      const protectedOthers = resources.filter((r) => r.custom && r.protect && !types.includes(r.type)).map((r) => r.type);
      expect(protectedOthers).toEqual([]);
      expect(stateful.length).toBeGreaterThanOrEqual(types.length);
    });

    it(`${platform}: protect and retainOnDelete can be turned off together for throw-away stacks`, async () => {
      const { resources } = await runWithMocks(() => PROGRAMS[platform]({ protect: false, retainOnDelete: false }));
      const stateful = resources.filter((r) => (STATEFUL_TYPES[platform] as readonly string[]).includes(r.type));
      expect(stateful.length).toBeGreaterThan(0);
      for (const r of stateful) expect([r.protect, r.retainOnDelete], `${r.type} ${r.name}`).toEqual([false, false]);
    });
  }

  it("versioning (and soft delete on GCS) is on for every bucket", async () => {
    const a = await runWithMocks(() => PROGRAMS.aws({}));
    expect(a.resources.filter((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning").map((r) => r.inputs.versioningConfiguration.status)).toEqual([
      "Enabled",
    ]);
    const g = await runWithMocks(() => PROGRAMS.gcp({}));
    const bucket = g.resources.find((r) => r.type === "gcp:storage/bucket:Bucket")!;
    expect(bucket.inputs.versioning).toEqual({ enabled: true });
    expect(bucket.inputs.softDeletePolicy.retentionDurationSeconds).toBeGreaterThanOrEqual(7 * 86400);
    const k = await runWithMocks(() => PROGRAMS.kubernetes({}));
    const release = k.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    expect(release.inputs.values.buckets.every((b: { versioning: boolean; purge: boolean }) => b.versioning && !b.purge)).toBe(true);
  });
});
