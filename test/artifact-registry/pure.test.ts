import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  assumeRolePolicy,
  bucketPolicy,
  ecrLifecyclePolicy,
  ecrPolicy,
  modelRegistryPolicy,
  s3ReadPolicy,
  s3ReadWritePolicy,
} from "../../components/artifact-registry/aws-policies";
import { bucketNameProblems, defaultS3BucketName } from "../../components/artifact-registry/bucket-names";
import {
  checkpointPrefix,
  datasetPrefix,
  layoutUris,
  modelCardKey,
  modelPrefix,
  normalizePrefix,
  objectUri,
  registryVersionPrefix,
  runStagePrefix,
} from "../../core/store-layout";
import { gatePassed, renderModelCard, type ModelCard } from "../../components/artifact-registry/model-card";

describe("layout", () => {
  it("builds the five area URIs of the contract without a trailing slash", () => {
    expect(layoutUris({ scheme: "s3", bucket: "b" })).toEqual({
      datasetsUri: "s3://b/datasets",
      modelsUri: "s3://b/models",
      runsUri: "s3://b/runs",
      checkpointsUri: "s3://b/checkpoints",
      registryUri: "s3://b/registry",
    });
    expect(layoutUris({ scheme: "gs", bucket: "g" }).registryUri).toBe("gs://g/registry");
  });

  it("builds run-scoped prefixes", () => {
    expect(datasetPrefix("support-chats", "2026-11-01")).toBe("datasets/support-chats/2026-11-01/");
    expect(modelPrefix("meta-llama/Llama-3.1-8B", "5206a32")).toBe("models/meta-llama/Llama-3.1-8B@5206a32/");
    expect(modelPrefix("gpt2", "main")).toBe("models/gpt2@main/");
    expect(runStagePrefix("support-bot", "run-42", "train")).toBe("runs/support-bot/run-42/train/");
    expect(checkpointPrefix("support-bot", "run-42")).toBe("checkpoints/support-bot/run-42/");
    expect(registryVersionPrefix("support-bot", "v3")).toBe("registry/support-bot/v3/");
    expect(modelCardKey("support-bot", "v3")).toBe("registry/support-bot/v3/model-card.md");
    expect(objectUri({ scheme: "gs", bucket: "g" }, checkpointPrefix("p", "r"))).toBe("gs://g/checkpoints/p/r/");
  });

  it("rejects segments that would escape their folder", () => {
    expect(() => runStagePrefix("p", "../other", "train")).toThrow('run id "../other" is not a valid path segment');
    expect(() => checkpointPrefix("p", "..")).toThrow('run id ".." is not a valid path segment');
    expect(() => modelPrefix("a/b/c", "r")).toThrow('hub id "a/b/c" must be "name" or "org/name"');
    expect(() => registryVersionPrefix("m", "")).toThrow('model version "" is not a valid path segment');
  });

  it("normalises grant prefixes", () => {
    expect(normalizePrefix("")).toBe("");
    expect(normalizePrefix("checkpoints")).toBe("checkpoints/");
    expect(normalizePrefix("runs/p/")).toBe("runs/p/");
    expect(() => normalizePrefix("/runs")).toThrow("must not start with '/'");
    expect(() => normalizePrefix("runs/*")).toThrow("must not contain wildcards");
    expect(() => normalizePrefix("runs/../x")).toThrow("is not a valid path segment");
  });
});

describe("bucket names", () => {
  it.each([
    ["My-Bucket", "s3", "contains uppercase letters (bucket names are lowercase: use lowercase letters, digits and '-')"],
    ["ab", "s3", "is shorter than 3 characters (use 3-63 characters)"],
    ["xn--bucket", "s3", "starts with the reserved prefix 'xn--' (choose another prefix)"],
    ["192.168.5.4", "s3", "is formatted as an IP address (use a name with letters, e.g. a prefix such as 'ml-')"],
    ["data-s3alias", "s3", "ends with the reserved suffix '-s3alias' (choose another suffix)"],
    ["my..bucket", "s3", "contains two adjacent periods (remove the extra '.'; prefer '-' over '.')"],
    ["-bucket", "s3", "must start and end with a lowercase letter or digit (remove the leading or trailing punctuation)"],
    ["my_bucket", "s3", "contains characters other than letters, digits, '.' and '-' (use lowercase letters, digits and '-')"],
    ["google-data", "gcs", "contains 'google' or a look-alike, which Cloud Storage reserves (choose another name)"],
    ["goog-data", "gcs", "starts with 'goog', which Cloud Storage reserves (choose another prefix)"],
    ["my.bucket", "gcs", "contains '.', which Cloud Storage only allows for verified domain names (use '-' instead)"],
  ] as const)("%s breaks the %s rules", (name, rules, message) => {
    expect(bucketNameProblems(name, rules)).toContain(message);
  });

  it("accepts valid names and applies only the store's own rules", () => {
    expect(bucketNameProblems("finetune-artifacts-1a2b3c4d", "portable")).toEqual([]);
    expect(bucketNameProblems("my_bucket", "gcs")).toEqual([]);
    expect(bucketNameProblems("xn--bucket", "gcs")).toEqual([]);
    expect(bucketNameProblems("a".repeat(64), "s3")).toEqual(["is longer than 63 characters (use 3-63 characters)"]);
  });

  it("derives the default S3 name from account and region", () => {
    expect(defaultS3BucketName("finetune", "123456789012", "us-east-1")).toBe("finetune-artifacts-123456789012-us-east-1");
    expect(bucketNameProblems(defaultS3BucketName("finetune", "123456789012", "ap-southeast-2"), "s3")).toEqual([]);
  });
});

describe("AWS policy documents", () => {
  const t = { bucketArn: "arn:aws:s3:::b", prefix: "checkpoints/", kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k", region: "us-east-1" };

  it("read-write names exact actions on the prefix, the bucket and the key", () => {
    expect(s3ReadWritePolicy(t)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadWriteListCheckpoints",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: "arn:aws:s3:::b",
          Condition: { StringLike: { "s3:prefix": ["checkpoints/", "checkpoints/*"] } },
        },
        { Sid: "ReadWriteLocation", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: "arn:aws:s3:::b" },
        {
          Sid: "ReadWriteObjectsCheckpoints",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
          Resource: "arn:aws:s3:::b/checkpoints/*",
        },
        {
          Sid: "ReadWriteKms",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: t.kmsKeyArn,
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
      ],
    });
  });

  it("read-only gets and lists only, and decrypts", () => {
    const p = s3ReadPolicy({ ...t, prefix: "" });
    expect(p.Statement.map((s) => s.Action)).toEqual([
      ["s3:ListBucket"],
      ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
      ["s3:GetObject"],
      ["kms:Decrypt"],
    ]);
    expect(p.Statement[0].Condition).toBeUndefined();
    expect(p.Statement[2].Resource).toBe("arn:aws:s3:::b/*");
  });

  it("never allows a wildcard action", () => {
    const docs = [
      s3ReadWritePolicy(t),
      s3ReadPolicy(t),
      ecrPolicy(["arn:aws:ecr:us-east-1:1:repository/a"], true),
      modelRegistryPolicy("arn:g", "arn:p"),
      assumeRolePolicy(["sagemaker.amazonaws.com"]),
    ];
    for (const d of docs) for (const s of d.Statement) for (const a of s.Action) expect(a).not.toMatch(/\*/);
    // "*" resources only where AWS has no resource type for the action.
    for (const d of docs)
      for (const s of d.Statement)
        if (s.Resource === "*")
          expect(s.Action).toEqual(expect.arrayContaining([expect.stringMatching(/^(ecr:GetAuthorizationToken|sagemaker:ListModelPackages)$/)]));
  });

  it("ECR pull and push name the repositories", () => {
    const arns = ["arn:aws:ecr:us-east-1:1:repository/f/trainer", "arn:aws:ecr:us-east-1:1:repository/f/evaluator"];
    expect(ecrPolicy(arns).Statement[1]).toEqual({
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: [arns[1], arns[0]],
    });
    expect(ecrPolicy(arns, true).Statement[1].Action).toEqual(
      expect.arrayContaining(["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]),
    );
  });

  it("the bucket policy denies non-TLS, old TLS, SSE-S3 and other keys", () => {
    const p = bucketPolicy({ bucketArn: "arn:aws:s3:::b", kmsKeyArn: t.kmsKeyArn, denyUnencryptedUploads: true });
    expect(p.Statement[0]).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*"],
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { Bool: { "aws:SecureTransport": false } },
    });
    expect(p.Statement[1].Condition).toEqual({ NumericLessThan: { "s3:TlsVersion": 1.2 } });
    expect(p.Statement[2].Condition).toEqual({ StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } });
    expect(p.Statement[3].Condition).toEqual({ StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": t.kmsKeyArn } });
    expect(p.Statement.every((s) => s.Effect === "Deny")).toBe(true);
    expect(bucketPolicy({ bucketArn: "arn:aws:s3:::b", kmsKeyArn: "k", denyUnencryptedUploads: false }).Statement.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyOutdatedTls",
    ]);
  });

  it("trust policies carry no Resource (IAM rejects it)", () => {
    expect(assumeRolePolicy(["sagemaker.amazonaws.com"])).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "TrustServices", Effect: "Allow", Principal: { Service: ["sagemaker.amazonaws.com"] }, Action: ["sts:AssumeRole"] }],
    });
  });

  it("ECR lifecycle: untagged first, keep-last-N last", () => {
    expect(ecrLifecyclePolicy(30, 7)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Expire untagged images 7 days after push",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Keep the newest 30 images",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
          action: { type: "expire" },
        },
      ],
    });
  });
});

describe("model card", () => {
  const card: ModelCard = {
    model: "support-bot",
    version: "v3",
    baseModel: { hubId: "meta-llama/Llama-3.1-8B", revision: "5206a32" },
    method: "qlora",
    datasets: [{ name: "support-chats", version: "2026-11-01" }],
    run: { pipeline: "support-bot", runId: "run-42" },
    createdAt: "2026-11-29T10:00:00Z",
    evaluation: [
      { suite: "task", metric: "exact_match", value: 0.71, threshold: 0.65, higherIsBetter: true },
      { suite: "general", metric: "mmlu", value: 0.62, threshold: 0.6, higherIsBetter: true },
      { suite: "safety", metric: "toxicity_rate", value: 0.004, threshold: 0.01, higherIsBetter: false },
    ],
  };

  it("renders parseable front matter and a gate table", () => {
    const md = renderModelCard(card);
    const front = parse(md.split("---\n")[1]);
    expect(front).toMatchObject({
      model: "support-bot",
      version: "v3",
      base_model: "meta-llama/Llama-3.1-8B",
      base_model_path: "models/meta-llama/Llama-3.1-8B@5206a32/",
      datasets: ["support-chats@2026-11-01"],
      evaluation: { gatePassed: true },
      artifacts: "registry/support-bot/v3/artifacts/",
    });
    expect(md).toContain("| safety | toxicity_rate | 0.004 | ≤ 0.01 | yes |");
    expect(md).toContain("Gate: **passed**.");
  });

  it("fails the gate when a suite is missing or a metric misses its threshold", () => {
    expect(gatePassed(card.evaluation.slice(0, 2))).toBe(false);
    expect(
      gatePassed([...card.evaluation.slice(0, 2), { suite: "safety", metric: "toxicity_rate", value: 0.02, threshold: 0.01, higherIsBetter: false }]),
    ).toBe(false);
  });
});
