import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesArtifactStore, credentialLengthProblem, type KubernetesArtifactStoreArgs } from "../../components/artifact-registry/kubernetes";
import { REGISTRY_CHARTS, REGISTRY_IMAGES } from "../../core/versions";
import { manifestsOf } from "../../plan/manifests";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { expectValidManifests } from "../validators/kubernetes";

const MINIO: KubernetesArtifactStoreArgs = {
  pipelineNamespace: "finetune",
  containerRegistry: "registry.example.com/ml",
  imagePullSecret: "regcred",
  rootPassword: pulumi.secret("root-password-123"),
  pipelineSecretKey: pulumi.secret("pipeline-secret-456"),
  provisioner: "ebs.csi.aws.com",
  storageParameters: { type: "gp3", encrypted: "true" },
  storageSize: "500Gi",
};

async function deploy(args: KubernetesArtifactStoreArgs) {
  let store: KubernetesArtifactStore | undefined;
  const run = await runWithMocks(() => {
    const provider = new k8s.Provider("k8s", { context: "gpu-cluster" });
    store = new KubernetesArtifactStore("finetune", args, { provider });
  });
  return { ...run, store: store! };
}

function only(resources: RecordedResource[], type: string, name?: string): RecordedResource {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0];
}

describe("KubernetesArtifactStore (embedded MinIO)", () => {
  it("emits only valid Kubernetes objects", async () => {
    const { resources } = await deploy(MINIO);
    const manifests = manifestsOf(resources);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "Namespace/finetune-storage",
      "NetworkPolicy/finetune-minio-ingress",
      "PersistentVolumeClaim/finetune-minio-data",
      "Secret/finetune-minio-pipeline-user",
      "Secret/finetune-minio-root",
      "Secret/finetune-s3-credentials",
      "StorageClass/finetune-retain",
    ]);
    expectValidManifests(manifests);
  });

  it("keeps data on a Retain StorageClass and a PVC the component owns", async () => {
    const { resources } = await deploy(MINIO);
    const sc = only(resources, "kubernetes:storage.k8s.io/v1:StorageClass");
    expect(sc.inputs).toMatchObject({
      provisioner: "ebs.csi.aws.com",
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      parameters: { type: "gp3", encrypted: "true" },
    });
    const pvc = only(resources, "kubernetes:core/v1:PersistentVolumeClaim");
    expect(pvc.inputs.metadata).toMatchObject({ name: "finetune-minio-data", namespace: "finetune-storage" });
    expect(pvc.inputs.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "finetune-retain", resources: { requests: { storage: "500Gi" } } });
    const ns = only(resources, "kubernetes:core/v1:Namespace");
    expect(ns.inputs.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
  });

  it("installs the pinned chart with restricted security contexts, an existing claim and a least-privilege user", async () => {
    const { resources } = await deploy(MINIO);
    const release = only(resources, "kubernetes:helm.sh/v3:Release");
    expect(release.inputs).toMatchObject({
      name: "finetune-minio",
      namespace: "finetune-storage",
      chart: "minio",
      version: REGISTRY_CHARTS.minio.version,
      repositoryOpts: { repo: REGISTRY_CHARTS.minio.repo },
    });
    const v = release.inputs.values;
    expect(v.mode).toBe("standalone");
    expect(v.deploymentUpdate).toEqual({ type: "Recreate" });
    expect(v.image).toEqual({ repository: REGISTRY_IMAGES.minio.repository, tag: REGISTRY_IMAGES.minio.tag, pullPolicy: "IfNotPresent" });
    expect(v.image.tag).not.toBe("latest");
    expect(v.mcImage.tag).toBe(REGISTRY_IMAGES.mc.tag);
    expect(v.existingSecret).toBe("finetune-minio-root");
    expect(v.persistence).toEqual({ enabled: true, existingClaim: "finetune-minio-data" });
    const restrictedPod = {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    };
    const restrictedContainer = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    };
    expect(v.securityContext).toEqual({ enabled: true, ...restrictedPod });
    expect(v.containerSecurityContext).toMatchObject(restrictedContainer);
    expect(v.postJob.securityContext).toEqual({ enabled: true, ...restrictedPod });
    for (const job of ["makeBucketJob", "makeUserJob", "makePolicyJob"]) {
      expect(v[job].securityContext, job).toEqual({ enabled: true });
      expect(v[job].containerSecurityContext, job).toEqual({ ...restrictedContainer, readOnlyRootFilesystem: true });
    }
    expect(v.buckets).toEqual([{ name: "finetune-artifacts", policy: "none", purge: false, versioning: true, objectlocking: false }]);
    expect(v.users).toEqual([
      { accessKey: "finetune-pipeline", existingSecret: "finetune-minio-pipeline-user", existingSecretKey: "secretKey", policy: "finetune-pipeline-rw" },
    ]);
    expect(v.policies).toEqual([
      {
        name: "finetune-pipeline-rw",
        statements: [
          {
            effect: "Allow",
            resources: ["arn:aws:s3:::finetune-artifacts"],
            actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
          },
          {
            effect: "Allow",
            resources: ["arn:aws:s3:::finetune-artifacts/*"],
            actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
          },
        ],
      },
    ]);
    // No credentials and no settings of Jobs the chart does not run (test/cluster/dead-values.test.ts).
    for (const key of ["rootUser", "rootPassword", "makeServiceAccountJob", "customCommandJob"]) expect(v[key], key).toBeUndefined();
    expect(v).toMatchObject({
      ingress: { enabled: false },
      consoleIngress: { enabled: false },
      environment: { MINIO_BROWSER: "off" },
      metrics: { serviceMonitor: { enabled: false, public: false } },
      service: { type: "ClusterIP", port: "9000" },
      tls: { enabled: false },
    });
    // The release waits for its claim and credentials.
    expect(release.dependsOn).toEqual(expect.arrayContaining([only(resources, "kubernetes:core/v1:PersistentVolumeClaim").urn]));
  });

  it("puts credentials from Pulumi secrets into Secrets, never into Helm values", async () => {
    const { resources } = await deploy(MINIO);
    const root = only(resources, "kubernetes:core/v1:Secret", "finetune-root-credentials");
    // The engine records secrets unwrapped in `inputs` and as "[secret]" in `redactedInputs`.
    expect(root.redactedInputs.stringData).toBe("[secret]");
    expect(root.inputs.stringData).toEqual({ rootUser: "finetune-admin", rootPassword: "root-password-123" });
    const creds = only(resources, "kubernetes:core/v1:Secret", "finetune-s3-credentials");
    expect(creds.inputs.metadata).toMatchObject({ name: "finetune-s3-credentials", namespace: "finetune" });
    expect(creds.redactedInputs.stringData).toBe("[secret]");
    expect(creds.inputs.stringData).toEqual({
      AWS_ACCESS_KEY_ID: "finetune-pipeline",
      AWS_SECRET_ACCESS_KEY: "pipeline-secret-456",
      AWS_ENDPOINT_URL_S3: "http://finetune-minio.finetune-storage.svc.cluster.local:9000",
      AWS_REGION: "us-east-1",
    });
    const values = JSON.stringify(only(resources, "kubernetes:helm.sh/v3:Release").inputs.values);
    expect(values).not.toContain("root-password-123");
    expect(values).not.toContain("pipeline-secret-456");
  });

  it("lets only the pipeline namespace reach MinIO's S3 port", async () => {
    const { resources } = await deploy(MINIO);
    const np = only(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(np.inputs.spec).toEqual({
      podSelector: { matchLabels: { app: "minio", release: "finetune-minio" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "finetune" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "finetune-storage" } } },
          ],
          ports: [{ protocol: "TCP", port: 9000 }],
        },
      ],
    });
  });

  it("outputs the contract with endpoint, credentials secret and egress", async () => {
    const { store } = await deploy({ ...MINIO, provisioner: undefined, storageClass: "retained-ssd", tlsSecretName: "minio-tls" });
    expect(store.contract).toEqual({
      platform: "kubernetes",
      scheme: "s3",
      bucket: "finetune-artifacts",
      datasetsUri: "s3://finetune-artifacts/datasets",
      modelsUri: "s3://finetune-artifacts/models",
      runsUri: "s3://finetune-artifacts/runs",
      checkpointsUri: "s3://finetune-artifacts/checkpoints",
      registryUri: "s3://finetune-artifacts/registry",
      containerRegistry: "registry.example.com/ml",
      imagePullSecretName: "regcred",
      serviceAccountAnnotations: {},
      s3Endpoint: "https://finetune-minio.finetune-storage.svc.cluster.local:9000",
      credentialsSecretName: "finetune-s3-credentials",
      identity: "secret/finetune/finetune-s3-credentials",
      egress: { hosts: ["finetune-minio.finetune-storage.svc.cluster.local"], cidrs: [], ports: [9000] },
    });
  });

  it("uses an existing StorageClass without creating one", async () => {
    const { resources } = await deploy({ ...MINIO, provisioner: undefined, storageClass: "retained-ssd", createNamespace: false });
    expect(resources.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass" || r.type === "kubernetes:core/v1:Namespace")).toEqual([]);
    expect(only(resources, "kubernetes:core/v1:PersistentVolumeClaim").inputs.spec.storageClassName).toBe("retained-ssd");
    expect(only(resources, "kubernetes:helm.sh/v3:Release").inputs.values.tls).toEqual({ enabled: false });
  });

  it("passes the caller's provider to every child", async () => {
    const { resources } = await deploy(MINIO);
    const custom = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    expect(custom.length).toBe(8);
    for (const r of custom) expect(r.provider, r.name).toMatch(/pulumi:providers:kubernetes::k8s$/);
  });

  it("checks credential lengths MinIO enforces", () => {
    expect(credentialLengthProblem("rootPassword", "short")).toBe(
      "KubernetesArtifactStore: rootPassword is 5 characters, MinIO needs at least 8 (set a longer secret)",
    );
    expect(credentialLengthProblem("pipelineSecretKey", "12345678")).toBeUndefined();
    expect(credentialLengthProblem("rootUser", "ab")).toBe("KubernetesArtifactStore: rootUser is 2 characters, MinIO needs at least 3 (set a longer secret)");
  });
});

describe("KubernetesArtifactStore (bring your own S3 endpoint)", () => {
  const EXTERNAL: KubernetesArtifactStoreArgs = {
    mode: "external",
    pipelineNamespace: "finetune",
    containerRegistry: "harbor.example.com/ml",
    endpoint: "https://s3.example.com:9443",
    bucketName: "ml-artifacts",
    credentialsSecret: "s3-creds",
  };

  it("creates nothing and points the contract at the endpoint", async () => {
    const { resources, store } = await deploy(EXTERNAL);
    expect(resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers"))).toEqual([]);
    expect(store.contract).toMatchObject({
      bucket: "ml-artifacts",
      s3Endpoint: "https://s3.example.com:9443",
      credentialsSecretName: "s3-creds",
      identity: "secret/finetune/s3-creds",
      egress: { hosts: ["s3.example.com"], cidrs: [], ports: [9443] },
      checkpointsUri: "s3://ml-artifacts/checkpoints",
    });
    expect(store.contract.imagePullSecretName).toBeUndefined();
  });

  it("turns an IP endpoint into a CIDR and defaults the port", async () => {
    const { store } = await deploy({ ...EXTERNAL, endpoint: "http://10.0.12.5" });
    expect(store.contract.egress).toEqual({ hosts: [], cidrs: ["10.0.12.5/32"], ports: [80] });
  });

  it("reports a missing endpoint, credentials and bucket, and MinIO-only settings, at once", async () => {
    let caught: unknown;
    await runWithMocks(() => {
      try {
        new KubernetesArtifactStore("finetune", {
          mode: "external",
          pipelineNamespace: "finetune",
          containerRegistry: "https://harbor.example.com/",
          storageClass: "x",
        });
      } catch (e) {
        caught = e;
      }
    });
    expect(pulumi.InputPropertiesError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      [
        'KubernetesArtifactStore "finetune" has invalid arguments (5 problems):',
        "  containerRegistry: \"https://harbor.example.com/\" must be a registry prefix without scheme or trailing '/' (e.g. registry.example.com/ml)",
        '  endpoint: is required when mode is "external" (set the S3 endpoint URL, e.g. https://s3.example.com)',
        '  credentialsSecret: is required when mode is "external" (create a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in namespace finetune and name it here)',
        '  bucketName: is required when mode is "external" (name the existing bucket)',
        '  storageClass: is only used when mode is "minio" (remove it)',
      ].join("\n"),
    );
  });

  it("reports missing MinIO credentials and storage", async () => {
    let caught: unknown;
    await runWithMocks(() => {
      try {
        new KubernetesArtifactStore("finetune", {
          pipelineNamespace: "finetune",
          containerRegistry: "r.example.com/ml",
          minioImage: "quay.io/minio/minio:latest",
          bucketName: "ab",
        });
      } catch (e) {
        caught = e;
      }
    });
    expect((caught as pulumi.InputPropertiesError).errors).toEqual([
      { propertyPath: "rootPassword", reason: "is required for the embedded MinIO (pass a Pulumi secret of at least 8 characters)" },
      { propertyPath: "pipelineSecretKey", reason: "is required for the embedded MinIO (pass a Pulumi secret of at least 8 characters)" },
      {
        propertyPath: "storageClass",
        reason: "is required for the embedded MinIO (name a StorageClass with reclaimPolicy Retain, or set provisioner to create one)",
      },
      { propertyPath: "minioImage", reason: '"quay.io/minio/minio:latest" must be repository:tag with a pinned tag (not latest)' },
      { propertyPath: "bucketName", reason: '"ab" is shorter than 3 characters (use 3-63 characters)' },
    ]);
  });
});
