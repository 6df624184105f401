import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GcpArtifactRegistry, type GcpArtifactRegistryArgs } from "../../components/artifact-registry/gcp";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";

const T = {
  bucket: "gcp:storage/bucket:Bucket",
  repo: "gcp:artifactregistry/repository:Repository",
  keyRing: "gcp:kms/keyRing:KeyRing",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyIam: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  sa: "gcp:serviceaccount/account:Account",
  saIam: "gcp:serviceaccount/iAMMember:IAMMember",
  bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
  repoIam: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
};

const BASE: GcpArtifactRegistryArgs = { project: "my-proj-123", region: "us-central1", kubernetesNamespace: "finetune" };

async function deploy(args: Partial<GcpArtifactRegistryArgs> = {}, extra?: (r: GcpArtifactRegistry) => void) {
  let reg: GcpArtifactRegistry | undefined;
  const run = await runWithMocks(() => {
    const provider = new gcp.Provider("gcp", { project: "my-proj-123", region: "us-central1" });
    reg = new GcpArtifactRegistry("finetune", { ...BASE, ...args }, { providers: [provider] });
    extra?.(reg);
  });
  return { ...run, reg: reg! };
}

function only(resources: RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0];
}

describe("GcpArtifactRegistry", () => {
  it("creates a private, versioned bucket with soft delete, non-current lifecycle and CMEK", async () => {
    const { resources } = await deploy();
    const bucket = only(resources, T.bucket);
    expect(bucket.inputs).toMatchObject({
      name: "finetune-artifacts-my-proj-123",
      project: "my-proj-123",
      location: "US-CENTRAL1",
      storageClass: "STANDARD",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      softDeletePolicy: { retentionDurationSeconds: 7 * 86400 },
      encryption: { defaultKmsKeyName: "projects/my-proj-123/locations/us-central1/keyRings/finetune-artifacts/cryptoKeys/artifacts" },
      forceDestroy: false,
    });
    expect(bucket.inputs.lifecycleRules).toEqual([
      { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: 7, matchesPrefixes: ["checkpoints/"] } },
      { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: 90 } },
      { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
    ]);
    // Every delete rule only touches non-current versions: live objects are never expired.
    for (const r of bucket.inputs.lifecycleRules as Array<{ action: { type: string }; condition: Record<string, unknown> }>) {
      if (r.action.type === "Delete") expect(r.condition.withState).toBe("ARCHIVED");
    }

    expect(only(resources, T.keyRing).inputs).toMatchObject({ name: "finetune-artifacts", location: "us-central1", project: "my-proj-123" });
    const key = only(resources, T.key);
    expect(key.inputs).toMatchObject({ name: "artifacts", purpose: "ENCRYPT_DECRYPT", rotationPeriod: "7776000s", destroyScheduledDuration: "2592000s" });
    const grants = resources.filter((r) => r.type === T.keyIam);
    expect(grants.map((g) => [g.inputs.role, g.inputs.member])).toEqual([
      ["roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com"],
      ["roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:service-123456789012@gcp-sa-artifactregistry.iam.gserviceaccount.com"],
    ]);
    for (const g of grants) expect(g.inputs.cryptoKeyId).toBe(key.state.id);
    // The bucket waits for the storage agent's key grant (else creation fails with a KMS permission error).
    expect(bucket.dependsOn).toContain(grants[0].urn);
  });

  it("creates an immutable-tag Docker repository with cleanup policies", async () => {
    const { resources } = await deploy({ keepImages: 15, untaggedImageDays: 14 });
    const repo = only(resources, T.repo);
    expect(repo.inputs).toMatchObject({
      repositoryId: "finetune",
      location: "us-central1",
      format: "DOCKER",
      dockerConfig: { immutableTags: true },
      cleanupPolicyDryRun: false,
      kmsKeyName: "projects/my-proj-123/locations/us-central1/keyRings/finetune-artifacts/cryptoKeys/artifacts",
      vulnerabilityScanningConfig: { enablementConfig: "INHERITED" },
    });
    expect(repo.inputs.cleanupPolicies).toEqual([
      { id: "delete-older-than", action: "DELETE", condition: { tagState: "ANY", olderThan: `${14 * 86400}s` } },
      { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: 15 } },
    ]);
  });

  it("binds the pipeline's Google service account through Workload Identity, limited to the bucket and repository", async () => {
    const { resources, reg } = await deploy({ kubernetesServiceAccount: "trainer" });
    const sa = only(resources, T.sa);
    expect(sa.inputs).toMatchObject({ accountId: "finetune-pipeline", project: "my-proj-123" });
    const wi = only(resources, T.saIam);
    expect(wi.inputs).toEqual({
      serviceAccountId: sa.state.name,
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:my-proj-123.svc.id.goog[finetune/trainer]",
    });
    const email = "finetune-pipeline@my-proj-123.iam.gserviceaccount.com";
    const bucketIam = only(resources, T.bucketIam);
    expect(bucketIam.inputs).toEqual({ bucket: "finetune-artifacts-my-proj-123", role: "roles/storage.objectUser", member: `serviceAccount:${email}` });
    const repoIam = only(resources, T.repoIam);
    expect(repoIam.inputs).toEqual({
      project: "my-proj-123",
      location: "us-central1",
      repository: "finetune",
      role: "roles/artifactregistry.reader",
      member: `serviceAccount:${email}`,
    });
    // No project-level grants at all.
    expect(resources.filter((r) => r.type.startsWith("gcp:projects/"))).toEqual([]);

    expect(reg.contract).toEqual({
      platform: "gcp",
      scheme: "gs",
      bucket: "finetune-artifacts-my-proj-123",
      datasetsUri: "gs://finetune-artifacts-my-proj-123/datasets",
      modelsUri: "gs://finetune-artifacts-my-proj-123/models",
      runsUri: "gs://finetune-artifacts-my-proj-123/runs",
      checkpointsUri: "gs://finetune-artifacts-my-proj-123/checkpoints",
      registryUri: "gs://finetune-artifacts-my-proj-123/registry",
      containerRegistry: "us-central1-docker.pkg.dev/my-proj-123/finetune",
      serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": email },
      identity: email,
      kmsKeyId: "projects/my-proj-123/locations/us-central1/keyRings/finetune-artifacts/cryptoKeys/artifacts",
      egress: {
        hosts: ["storage.googleapis.com", "oauth2.googleapis.com", "sts.googleapis.com"],
        cidrs: ["169.254.169.254/32", "169.254.169.252/32"],
        ports: [443, 80, 988],
      },
    });
  });

  it("uses an existing key or no CMEK, and writer access when asked", async () => {
    const existing = "projects/sec-proj-1/locations/us-central1/keyRings/shared/cryptoKeys/ml";
    const a = await deploy({ kmsKeyName: existing, repositoryAccess: "writer", softDeleteDays: 30 });
    expect(a.resources.filter((r) => r.type === T.keyRing || r.type === T.key)).toEqual([]);
    expect(only(a.resources, T.bucket).inputs.encryption).toEqual({ defaultKmsKeyName: existing });
    expect(only(a.resources, T.bucket).inputs.softDeletePolicy).toEqual({ retentionDurationSeconds: 30 * 86400 });
    expect(a.resources.filter((r) => r.type === T.keyIam).map((r) => r.inputs.cryptoKeyId)).toEqual([existing, existing]);
    expect(only(a.resources, T.repoIam).inputs.role).toBe("roles/artifactregistry.writer");

    const b = await deploy({ cmek: false });
    expect(b.resources.filter((r) => r.type === T.keyRing || r.type === T.key || r.type === T.keyIam)).toEqual([]);
    expect(only(b.resources, T.bucket).inputs.encryption).toBeUndefined();
    expect(b.reg.contract.kmsKeyId).toBeUndefined();
  });

  it("grants prefix-scoped access with an IAM condition, and pull to other members", async () => {
    const { resources } = await deploy({}, (reg) => {
      reg.grantRead("serviceAccount:eval@my-proj-123.iam.gserviceaccount.com", "registry/");
      reg.grantReadWrite("group:ml@example.com", "runs/support-bot", { name: "ml-runs" });
      reg.grantPull("serviceAccount:nodes@my-proj-123.iam.gserviceaccount.com");
    });
    const read = resources.find((r) => r.name === "finetune-grant-read-registry")!;
    expect(read.inputs).toEqual({
      bucket: "finetune-artifacts-my-proj-123",
      role: "roles/storage.objectViewer",
      member: "serviceAccount:eval@my-proj-123.iam.gserviceaccount.com",
      condition: {
        title: "prefix registry/",
        description: "Objects under gs://finetune-artifacts-my-proj-123/registry/",
        expression:
          'resource.type == "storage.googleapis.com/Bucket" || resource.name.startsWith("projects/_/buckets/finetune-artifacts-my-proj-123/objects/registry/")',
      },
    });
    expect(resources.find((r) => r.name === "ml-runs")!.inputs.condition.expression).toContain('objects/runs/support-bot/")');
    expect(resources.find((r) => r.name === "finetune-grant-pull")!.inputs).toMatchObject({
      role: "roles/artifactregistry.reader",
      member: "serviceAccount:nodes@my-proj-123.iam.gserviceaccount.com",
    });
  });

  it("passes the caller's provider to every child and invoke", async () => {
    const { resources } = await deploy();
    const custom = resources.filter((r) => r.custom && r.type.startsWith("gcp:"));
    expect(custom.length).toBe(10);
    for (const r of custom) expect(r.provider, r.name).toMatch(/pulumi:providers:gcp::gcp$/);
  });

  it("reports every invalid argument at once", async () => {
    let caught: unknown;
    await runWithMocks(() => {
      try {
        new GcpArtifactRegistry("finetune", {
          project: "P",
          region: "central",
          kubernetesNamespace: "Fine_Tune",
          bucketName: "ml-google-artifacts",
          softDeleteDays: 3,
          cmek: false,
          kmsKeyName: "bad",
        });
      } catch (e) {
        caught = e;
      }
    });
    expect(pulumi.InputPropertiesError.isInstance(caught)).toBe(true);
    expect((caught as pulumi.InputPropertiesError).errors).toEqual([
      { propertyPath: "project", reason: "\"P\" is not a GCP project id (6-30 lowercase letters, digits or '-')" },
      { propertyPath: "region", reason: '"central" is not a GCP region (use e.g. us-central1)' },
      { propertyPath: "bucketName", reason: "\"ml-google-artifacts\" contains 'google' or a look-alike, which Cloud Storage reserves (choose another name)" },
      { propertyPath: "kubernetesNamespace", reason: '"Fine_Tune" is not a Kubernetes namespace name (a DNS-1123 label)' },
      { propertyPath: "kmsKeyName", reason: '"bad" is not a Cloud KMS key name (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>)' },
      { propertyPath: "kmsKeyName", reason: "is set while cmek is false (remove kmsKeyName or set cmek: true)" },
      { propertyPath: "softDeleteDays", reason: "is 3, must be a whole number from 7 to 90 (set it within that range)" },
    ]);
    expect((caught as Error).message).toMatch(/^GcpArtifactRegistry "finetune" has invalid arguments \(7 problems\):\n {2}project: /);
  });
});
