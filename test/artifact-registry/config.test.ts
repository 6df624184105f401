import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AwsArtifactRegistry } from "../../components/artifact-registry/aws";
import { GcpArtifactRegistry } from "../../components/artifact-registry/gcp";
import { KubernetesArtifactStore } from "../../components/artifact-registry/kubernetes";
import { runWithMocks } from "../../plan/mock-engine";
import {
  awsArtifactRegistryArgs,
  awsArtifactStoreProblems,
  gcpArtifactRegistryArgs,
  kubernetesArtifactStoreArgs,
  kubernetesArtifactStoreProblems,
} from "../../stacks/config/artifact-store";
import { parseKitConfig } from "../../stacks/config/load";
import { configProblems as problems } from "../config-problems";

const k8s = { target: "kubernetes", kubernetes: { context: "c" } };
const gcp = { target: "gcp", gcp: { project: "my-proj-123", region: "us-central1" } };
const aws = { target: "aws-sagemaker", aws: { region: "us-east-1" } };
const registry = { url: "registry.example.com/ml", pullSecret: "regcred" };

describe("finetune:artifactStore defaults", () => {
  it("fills secure, cheap defaults for every target", () => {
    for (const base of [k8s, gcp, aws]) {
      const s = parseKitConfig(base).artifactStore;
      expect(s).toEqual({
        checkpointNoncurrentDays: 7,
        noncurrentVersionDays: 90,
        abortIncompleteUploadDays: 7,
        softDeleteDays: 7,
        images: ["data-prep", "trainer", "evaluator", "serving"],
        keepImages: 30,
        untaggedImageDays: 7,
        protect: true,
        retainOnDelete: true,
        aws: { kmsKeyDeletionDays: 30, denyUnencryptedUploads: true, upstreamCredentials: {} },
        gcp: { cmek: true, keyRotationDays: 90, repositoryAccess: "reader" },
      });
    }
  });

  it("fills the embedded MinIO's defaults", () => {
    const s = parseKitConfig({
      ...k8s,
      artifactStore: { kubernetes: { minio: { provisioner: "ebs.csi.aws.com" }, containerRegistry: registry } },
    }).artifactStore;
    expect(s.kubernetes).toEqual({
      mode: "minio",
      minio: {
        namespace: "finetune-storage",
        provisioner: "ebs.csi.aws.com",
        storageParameters: {},
        size: "100Gi",
        rootUser: "finetune-admin",
        console: false,
      },
      containerRegistry: registry,
    });
  });

  it("accepts a bring-your-own store", () => {
    const s = parseKitConfig({
      ...k8s,
      artifactStore: {
        kubernetes: {
          mode: "external",
          external: { endpoint: "https://s3.example.com", bucket: "ml-artifacts", credentialsSecret: "s3-creds" },
          containerRegistry: registry,
        },
      },
    }).artifactStore;
    expect(s.kubernetes?.external).toEqual({ endpoint: "https://s3.example.com", bucket: "ml-artifacts", credentialsSecret: "s3-creds" });
  });
});

describe("finetune:artifactStore errors name the key, what is wrong and the fix", () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      "uppercase bucket",
      { ...aws, artifactStore: { bucketName: "My-Artifacts" } },
      ["finetune:artifactStore.bucketName: \"My-Artifacts\" contains uppercase letters (bucket names are lowercase: use lowercase letters, digits and '-')"],
    ],
    [
      "too short bucket",
      { ...gcp, artifactStore: { bucketName: "ab" } },
      ['finetune:artifactStore.bucketName: "ab" is shorter than 3 characters (use 3-63 characters)'],
    ],
    [
      "xn-- prefix",
      { ...aws, artifactStore: { bucketName: "xn--models" } },
      ["finetune:artifactStore.bucketName: \"xn--models\" starts with the reserved prefix 'xn--' (choose another prefix)"],
    ],
    [
      "IP-like bucket",
      { ...k8s, artifactStore: { bucketName: "10.1.2.3" } },
      [
        "finetune:artifactStore.bucketName: \"10.1.2.3\" contains '.', which Cloud Storage only allows for verified domain names (use '-' instead)",
        "finetune:artifactStore.bucketName: \"10.1.2.3\" is formatted as an IP address (use a name with letters, e.g. a prefix such as 'ml-')",
      ],
    ],
    [
      "-s3alias suffix",
      { ...aws, artifactStore: { bucketName: "models-s3alias" } },
      ["finetune:artifactStore.bucketName: \"models-s3alias\" ends with the reserved suffix '-s3alias' (choose another suffix)"],
    ],
    [
      "double period",
      { ...aws, artifactStore: { bucketName: "ml..models" } },
      ["finetune:artifactStore.bucketName: \"ml..models\" contains two adjacent periods (remove the extra '.'; prefer '-' over '.')"],
    ],
    [
      "google in name",
      { ...gcp, artifactStore: { bucketName: "my-google-models" } },
      ["finetune:artifactStore.bucketName: \"my-google-models\" contains 'google' or a look-alike, which Cloud Storage reserves (choose another name)"],
    ],
    [
      "checkpoint retention below minimum",
      { ...aws, artifactStore: { checkpointNoncurrentDays: 0 } },
      ["finetune:artifactStore.checkpointNoncurrentDays: is number 0, must be ≥ 1 (raise it to at least 1)"],
    ],
    [
      "soft delete below 7 days",
      { ...gcp, artifactStore: { softDeleteDays: 3 } },
      ["finetune:artifactStore.softDeleteDays: is number 3, must be ≥ 7 (raise it to at least 7)"],
    ],
    [
      "soft delete above 90 days",
      { ...gcp, artifactStore: { softDeleteDays: 120 } },
      ["finetune:artifactStore.softDeleteDays: is number 120, must be ≤ 90 (lower it to 90 or less)"],
    ],
    [
      "KMS deletion window above 30",
      { ...aws, artifactStore: { aws: { kmsKeyDeletionDays: 60 } } },
      ["finetune:artifactStore.aws.kmsKeyDeletionDays: is number 60, must be ≤ 30 (lower it to 30 or less)"],
    ],
    [
      "checkpoints kept longer than other versions",
      { ...aws, artifactStore: { checkpointNoncurrentDays: 30, noncurrentVersionDays: 14 } },
      [
        "finetune:artifactStore.checkpointNoncurrentDays: is 30, longer than noncurrentVersionDays (14) which also covers checkpoints (lower it, or raise noncurrentVersionDays)",
      ],
    ],
    [
      "fractional days",
      { ...aws, artifactStore: { noncurrentVersionDays: 2.5 } },
      ["finetune:artifactStore.noncurrentVersionDays: expected a whole number, got number 2.5 (set it to a whole number)"],
    ],
    [
      "bad image name and duplicate",
      { ...aws, artifactStore: { images: ["trainer", "Trainer", "trainer"] } },
      [
        "finetune:artifactStore.images[1]: \"Trainer\" is not an image name (use lowercase letters and digits separated by '.', '_' or '-')",
        'finetune:artifactStore.images[2]: "trainer" is already listed at images[0] (remove the duplicate)',
      ],
    ],
    [
      "duplicate image",
      { ...aws, artifactStore: { images: ["trainer", "trainer"] } },
      ['finetune:artifactStore.images[1]: "trainer" is already listed at images[0] (remove the duplicate)'],
    ],
    [
      "account id malformed",
      { ...aws, artifactStore: { aws: { accountId: "1234" } } },
      ['finetune:artifactStore.aws.accountId: "1234" is not a 12-digit AWS account id (fix it, or remove it to look the account up)'],
    ],
    [
      "pull-through credentials in a secret ECR cannot read",
      { ...aws, artifactStore: { aws: { upstreamCredentials: { "docker-hub": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub" } } } },
      [
        'finetune:artifactStore.aws.upstreamCredentials.docker-hub: "arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub" is not the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name> (create the secret under that name)',
      ],
    ],
    [
      "pull-through credentials for nvcr.io",
      { ...aws, artifactStore: { aws: { upstreamCredentials: { nvcr: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/ngc" } } } },
      [
        // nvcr.io has no ECR pull-through support at all: its images are mirrored.
        "finetune:artifactStore.aws.upstreamCredentials.nvcr: unknown key (remove it)",
      ],
    ],
    [
      "key given with cmek off",
      { ...gcp, artifactStore: { gcp: { cmek: false, kmsKeyName: "projects/p/locations/l/keyRings/r/cryptoKeys/k" } } },
      ["finetune:artifactStore.gcp.kmsKeyName: is set while gcp.cmek is false (remove kmsKeyName, or set cmek: true)"],
    ],
    ["unknown key", { ...aws, artifactStore: { bucket: "x" } }, ['finetune:artifactStore.bucket: unknown key (did you mean "bucketName"?)']],
    [
      "MinIO without storage",
      { ...k8s, artifactStore: { kubernetes: { containerRegistry: registry } } },
      [
        "finetune:artifactStore.kubernetes.minio.storageClass: is required for the embedded MinIO (name a StorageClass with reclaimPolicy Retain, or set kubernetes.minio.provisioner to let the kit create one)",
      ],
    ],
    [
      "MinIO with both storage settings",
      { ...k8s, artifactStore: { kubernetes: { minio: { storageClass: "ssd", provisioner: "ebs.csi.aws.com" }, containerRegistry: registry } } },
      [
        "finetune:artifactStore.kubernetes.minio.provisioner: is set together with storageClass (set only one: storageClass to use an existing class, provisioner to create one)",
      ],
    ],
    [
      "MinIO size not a quantity",
      { ...k8s, artifactStore: { kubernetes: { minio: { storageClass: "ssd", size: "500GB" }, containerRegistry: registry } } },
      ['finetune:artifactStore.kubernetes.minio.size: "500GB" is not a Kubernetes quantity (use e.g. 500Gi)'],
    ],
    [
      "no container registry",
      { ...k8s, artifactStore: { kubernetes: { minio: { storageClass: "ssd" } } } },
      ["finetune:artifactStore.kubernetes.containerRegistry: is required (set it to an object)"],
    ],
    [
      "registry with scheme",
      { ...k8s, artifactStore: { kubernetes: { minio: { storageClass: "ssd" }, containerRegistry: { url: "https://registry.example.com" } } } },
      [
        'finetune:artifactStore.kubernetes.containerRegistry.url: "https://registry.example.com" is not a registry prefix (use host[:port]/path without scheme, e.g. registry.example.com/ml)',
      ],
    ],
    [
      "external without its section",
      { ...k8s, artifactStore: { kubernetes: { mode: "external", containerRegistry: registry } } },
      ['finetune:artifactStore.kubernetes.external: is required when kubernetes.mode is "external" (add endpoint, bucket and credentialsSecret)'],
    ],
    [
      "bring-your-own store without credentials",
      {
        ...k8s,
        artifactStore: {
          kubernetes: { mode: "external", external: { endpoint: "https://s3.example.com", bucket: "ml-artifacts" }, containerRegistry: registry },
        },
      },
      [
        "finetune:artifactStore.kubernetes.external.credentialsSecret: is required for a bring-your-own store (create a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the pipeline namespace and name it here)",
      ],
    ],
    [
      "bring-your-own endpoint with a path",
      {
        ...k8s,
        artifactStore: {
          kubernetes: {
            mode: "external",
            external: { endpoint: "s3.example.com/bucket", bucket: "ml-artifacts", credentialsSecret: "c" },
            containerRegistry: registry,
          },
        },
      },
      [
        'finetune:artifactStore.kubernetes.external.endpoint: "s3.example.com/bucket" is not an http(s) URL without a path (use e.g. https://s3.example.com:9000)',
      ],
    ],
    [
      "bring-your-own bucket invalid",
      {
        ...k8s,
        artifactStore: {
          kubernetes: {
            mode: "external",
            external: { endpoint: "https://s3.example.com", bucket: "ML_Artifacts", credentialsSecret: "c" },
            containerRegistry: registry,
          },
        },
      },
      [
        "finetune:artifactStore.kubernetes.external.bucket: \"ML_Artifacts\" contains uppercase letters (bucket names are lowercase: use lowercase letters, digits and '-')",
        "finetune:artifactStore.kubernetes.external.bucket: \"ML_Artifacts\" contains characters other than letters, digits, '.' and '-' (use lowercase letters, digits and '-')",
      ],
    ],
    [
      "bucketName beside an external bucket",
      {
        ...k8s,
        artifactStore: {
          bucketName: "other-bucket",
          kubernetes: {
            mode: "external",
            external: { endpoint: "https://s3.example.com", bucket: "ml-artifacts", credentialsSecret: "c" },
            containerRegistry: registry,
          },
        },
      },
      ['finetune:artifactStore.bucketName: is not used when kubernetes.mode is "external" (the bucket is kubernetes.external.bucket: remove bucketName)'],
    ],
  ];

  it.each(cases)("%s", (_, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });
});

describe("from finetune:artifactStore to component arguments", () => {
  it("aws-sagemaker: needs a bucket name or an account id, then builds the registry", async () => {
    const missing = parseKitConfig(aws);
    expect(awsArtifactStoreProblems(missing)).toEqual([
      {
        path: "finetune:artifactStore.bucketName",
        message:
          "is required unless finetune:artifactStore.aws.accountId is set (S3 names are global: set a bucket name, or the account id to use <name>-artifacts-<account>-<region>)",
      },
    ]);
    const cfg = parseKitConfig({ ...aws, artifactStore: { aws: { accountId: "123456789012" }, keepImages: 10 } });
    expect(awsArtifactStoreProblems(cfg)).toEqual([]);
    const args = awsArtifactRegistryArgs({ ...cfg, aws: cfg.aws! });
    expect(args).toMatchObject({ region: "us-east-1", accountId: "123456789012", keepImages: 10, protect: true, retainOnDelete: true });
    let contract: unknown;
    await runWithMocks(() => {
      contract = new AwsArtifactRegistry(cfg.name, args).contract;
    });
    expect(contract).toMatchObject({
      bucket: "finetune-artifacts-123456789012-us-east-1",
      containerRegistry: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune",
    });
  });

  it("gcp: builds the registry for the stack's namespace", async () => {
    const cfg = parseKitConfig({ ...gcp, artifactStore: { softDeleteDays: 14, gcp: { kubernetesServiceAccount: "trainer" } } });
    const args = gcpArtifactRegistryArgs({ ...cfg, gcp: cfg.gcp! });
    expect(args).toMatchObject({
      project: "my-proj-123",
      region: "us-central1",
      kubernetesNamespace: "finetune",
      kubernetesServiceAccount: "trainer",
      softDeleteDays: 14,
      cmek: true,
    });
    const { resources } = await runWithMocks(() => {
      new GcpArtifactRegistry(cfg.name, args);
    });
    expect(resources.find((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember")!.inputs.member).toBe(
      "serviceAccount:my-proj-123.svc.id.goog[finetune/trainer]",
    );
  });

  it("kubernetes: requires the section and the MinIO secrets, then builds the store", async () => {
    expect(kubernetesArtifactStoreProblems(parseKitConfig(k8s), {})).toEqual([
      {
        path: "finetune:artifactStore.kubernetes",
        message:
          'is required when finetune:target is "kubernetes" (add containerRegistry, and minio.storageClass or minio.provisioner; see stacks/Pulumi.kubernetes.yaml)',
      },
    ]);
    const cfg = parseKitConfig({
      ...k8s,
      artifactStore: { kubernetes: { minio: { storageClass: "retained-ssd", size: "1Ti" }, containerRegistry: registry } },
    });
    expect(kubernetesArtifactStoreProblems(cfg, {}).map((p) => `${p.path}: ${p.message}`)).toEqual([
      "finetune:minioRootPassword: is required for the embedded MinIO (pulumi config set --secret finetune:minioRootPassword <at least 8 characters>)",
      "finetune:minioPipelineSecretKey: is required for the embedded MinIO (pulumi config set --secret finetune:minioPipelineSecretKey <at least 8 characters>)",
    ]);
    const secrets = { rootPassword: pulumi.secret("root-password-123"), pipelineSecretKey: pulumi.secret("pipeline-secret-456") };
    expect(kubernetesArtifactStoreProblems(cfg, secrets)).toEqual([]);
    const args = kubernetesArtifactStoreArgs({ ...cfg, kubernetes: cfg.kubernetes! }, secrets);
    let contract: unknown;
    const { resources } = await runWithMocks(() => {
      contract = new KubernetesArtifactStore(cfg.name, args).contract;
    });
    expect(resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")!.inputs.spec).toMatchObject({
      storageClassName: "retained-ssd",
      resources: { requests: { storage: "1Ti" } },
    });
    expect(contract).toMatchObject({
      s3Endpoint: "http://finetune-minio.finetune-storage.svc.cluster.local:9000",
      imagePullSecretName: "regcred",
      credentialsSecretName: "finetune-s3-credentials",
    });

    const ext = parseKitConfig({
      ...k8s,
      artifactStore: {
        kubernetes: {
          mode: "external",
          external: { endpoint: "https://s3.example.com", bucket: "ml-artifacts", credentialsSecret: "s3-creds" },
          containerRegistry: registry,
        },
      },
    });
    expect(kubernetesArtifactStoreProblems(ext, {})).toEqual([]);
    expect(kubernetesArtifactStoreArgs({ ...ext, kubernetes: ext.kubernetes! }, {})).toEqual({
      pipelineNamespace: "finetune",
      containerRegistry: "registry.example.com/ml",
      imagePullSecret: "regcred",
      protect: true,
      retainOnDelete: true,
      mode: "external",
      endpoint: "https://s3.example.com",
      bucketName: "ml-artifacts",
      credentialsSecret: "s3-creds",
    });
  });
});
