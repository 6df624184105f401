import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../components/artifact-registry/aws-policies";
import {
  EksIdentityMode,
  EksPipelineIdentity,
  leastPrivilegeProblems,
  pipelinePrefixes,
  policyAllows,
  type EksPipelineIdentityArgs,
} from "../../components/artifact-registry/aws-workload-identity";
import { KubernetesFineTuningPipeline } from "../../components/pipeline/kubernetes";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { MOCK_ACCOUNT } from "../../plan/mock-state";
import { mandatoryViolations, runPolicies } from "../../policy/engine";
import { awsStore, example, l4Pool } from "../pipeline/fixtures";

const BUCKET = "acme-finetune-artifacts";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef";
const REPO = "arn:aws:ecr:us-east-1:123456789012:repository/finetune/trainer";
const CACHE = "arn:aws:ecr:us-east-1:123456789012:repository/finetune/quay/*";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const classifier = example("document-classifier");
const support = example("support-assistant");

/**
 * Every action the role may be granted, from the AWS Service Authorization Reference ("Actions defined by
 * Amazon S3", "... AWS Key Management Service", "... Amazon Elastic Container Registry"); a typo or an invented
 * action is not in it.
 */
const KNOWN_ACTIONS = new Set([
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "kms:Decrypt",
  "kms:GenerateDataKey",
  "ecr:GetAuthorizationToken",
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
  "ecr:CreateRepository",
  "ecr:BatchImportUpstreamImage",
]);

function args(over: Partial<EksPipelineIdentityArgs> = {}): EksPipelineIdentityArgs {
  return {
    spec: classifier,
    namespace: "ml-pipelines",
    store: { bucket: BUCKET, region: "us-east-1", kmsKeyArn: KEY_ARN, repositoryArns: [REPO], pullThroughRepositoryArns: [CACHE] },
    mode: EksIdentityMode.Irsa,
    irsa: { oidcProviderArn: PROVIDER_ARN, issuerUrl: `https://${ISSUER}` },
    ...over,
  };
}

const errorOf = (construct: () => unknown): pulumi.InputPropertiesError => {
  try {
    construct();
  } catch (e) {
    if (pulumi.InputPropertiesError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected an InputPropertiesError");
};

const one = (rs: RecordedResource[], type: string): RecordedResource => {
  const found = rs.filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0];
};
const json = (r: RecordedResource, key: string): PolicyDocument => JSON.parse(r.inputs[key] as string) as PolicyDocument;
const obj = (key: string) => `${BUCKET_ARN}/${key}`;

async function deploy(a: EksPipelineIdentityArgs = args()) {
  const { resources } = await runWithMocks(() => new EksPipelineIdentity("doc-classifier", a));
  const policy = json(one(resources, "aws:iam/rolePolicy:RolePolicy"), "policy");
  const trust = json(one(resources, "aws:iam/role:Role"), "assumeRolePolicy");
  return { resources, policy, trust };
}

describe("pipelinePrefixes", () => {
  it("reads the pipeline's dataset, snapshots its base model, and read-writes only its own runs, checkpoints and registry model", () => {
    expect(pipelinePrefixes(classifier, BUCKET)).toEqual({
      prefixes: {
        read: ["datasets/documents/"],
        writeOnce: ["models/Qwen/Qwen2.5-1.5B-Instruct@"],
        readWrite: ["runs/doc-classifier/", "checkpoints/doc-classifier/", "registry/doc-classifier/"],
      },
      problems: [],
    });
  });

  it("a dataset outside the store's datasets/ area is an argument problem, not a wider grant", () => {
    expect(pipelinePrefixes(classifier, "other-bucket").problems).toEqual([
      {
        path: "spec.dataset.uri",
        message:
          '"s3://acme-finetune-artifacts/datasets/documents/labelled-v4.jsonl" is not under s3://other-bucket/datasets/ (upload it to s3://other-bucket/datasets/<dataset>/<version>/: the pipeline\'s role reads only there)',
      },
    ]);
  });
});

describe("EksPipelineIdentity (IRSA)", () => {
  const run = deploy();

  it("trusts only the pipeline's ServiceAccount through the cluster's OIDC provider", async () => {
    const { trust } = await run;
    expect(trust).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "TrustServiceAccountWebIdentity",
          Effect: "Allow",
          Principal: { Federated: PROVIDER_ARN },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:ml-pipelines:doc-classifier-pipeline", [`${ISSUER}:aud`]: "sts.amazonaws.com" },
          },
        },
      ],
    });
  });

  it("grants exact, existing actions only (no wildcard, no NotAction) and creates no association", async () => {
    const { policy, resources } = await run;
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions.filter((a) => !KNOWN_ACTIONS.has(a))).toEqual([]);
    expect(actions.filter((a) => /[*?]/.test(a))).toEqual([]);
    expect(policy.Statement.filter((s) => "NotAction" in s)).toEqual([]);
    expect(resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")).toEqual([]);
    // The kit's own least-privilege check and the policy pack's wildcard rule both pass it.
    expect(leastPrivilegeProblems(policy, BUCKET_ARN, pipelinePrefixes(classifier, BUCKET).prefixes)).toEqual([]);
    expect(
      mandatoryViolations(runPolicies(resources, { "pulumi:project": "finetune", "pulumi:stack": "dev" })).filter((v) => v.policy.startsWith("iam-")),
    ).toEqual([]);
  });

  it("reaches the pipeline's own prefixes and nothing of another pipeline's", async () => {
    const { policy } = await run;
    const can = (action: string, key: string) => policyAllows(policy, action, obj(key));
    // Own prefixes.
    expect(can("s3:GetObject", "datasets/documents/labelled-v4.jsonl")).toBe(true);
    expect(can("s3:GetObject", "datasets/documents/labelled-v5.jsonl")).toBe(true);
    expect(can("s3:PutObject", "models/Qwen/Qwen2.5-1.5B-Instruct@abc123/model.safetensors")).toBe(true);
    expect(can("s3:PutObject", "runs/doc-classifier/wf-1/training/metrics.json")).toBe(true);
    expect(can("s3:DeleteObject", "checkpoints/doc-classifier/wf-1/step-100/optimizer.pt")).toBe(true);
    expect(can("s3:PutObject", "registry/doc-classifier/deployed.json")).toBe(true);
    // Another pipeline's prefixes, other datasets and models, and writes where only reads are needed.
    for (const key of [
      "runs/support-assistant/wf-1/training/metrics.json",
      "checkpoints/support-assistant/wf-1/a.pt",
      "registry/support-assistant/deployed.json",
      "datasets/support/transcripts-2026-11.jsonl",
      "models/meta-llama/Llama-3.1-8B-Instruct@0e9e/config.json",
      "runs/doc-classifier-v2/wf-1/x",
    ]) {
      expect([key, can("s3:GetObject", key)]).toEqual([key, false]);
    }
    expect(can("s3:PutObject", "datasets/documents/labelled-v4.jsonl")).toBe(false);
    expect(can("s3:DeleteObject", "models/Qwen/Qwen2.5-1.5B-Instruct@abc123/model.safetensors")).toBe(false);
    // Listing: only below its prefixes.
    expect(policyAllows(policy, "s3:ListBucket", BUCKET_ARN, { "s3:prefix": "runs/doc-classifier/wf-1/" })).toBe(true);
    expect(policyAllows(policy, "s3:ListBucket", BUCKET_ARN, { "s3:prefix": "runs/support-assistant/" })).toBe(false);
    expect(policyAllows(policy, "s3:ListBucket", BUCKET_ARN, { "s3:prefix": "" })).toBe(false);
    expect(policyAllows(policy, "s3:ListBucketMultipartUploads", BUCKET_ARN)).toBe(false);
    // The key only through S3 in the bucket's region; ECR pull on the store's repositories only.
    expect(policyAllows(policy, "kms:Decrypt", KEY_ARN, { "kms:ViaService": "s3.us-east-1.amazonaws.com" })).toBe(true);
    expect(policyAllows(policy, "kms:Decrypt", KEY_ARN, { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" })).toBe(false);
    expect(policyAllows(policy, "ecr:BatchGetImage", REPO)).toBe(true);
    expect(policyAllows(policy, "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/other/trainer")).toBe(false);
    expect(policyAllows(policy, "ecr:PutImage", REPO)).toBe(false);
  });

  it("its least-privilege check catches a planted fault: a grant of the whole bucket", async () => {
    const { policy } = await run;
    const prefixes = pipelinePrefixes(classifier, BUCKET).prefixes;
    const planted: PolicyDocument = {
      ...policy,
      Statement: [
        ...policy.Statement,
        { Sid: "Planted", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${BUCKET_ARN}/*` },
        { Sid: "PlantedList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: BUCKET_ARN },
        { Sid: "PlantedKms", Effect: "Allow", Action: ["kms:*"], Resource: KEY_ARN },
      ],
    };
    expect(leastPrivilegeProblems(planted, BUCKET_ARN, prefixes)).toEqual([
      `statement Planted allows s3:GetObject on ${BUCKET_ARN}/*, outside the pipeline's prefixes`,
      `statement Planted allows s3:PutObject on ${BUCKET_ARN}/*, outside the pipeline's writable prefixes`,
      "statement PlantedList lists the whole bucket (add an s3:prefix condition)",
      "statement PlantedKms allows wildcard action kms:*",
      "statement PlantedKms uses the KMS key outside S3 (add a kms:ViaService condition)",
    ]);
    // And the evaluator agrees that the planted grant reaches another pipeline's objects.
    expect(policyAllows(planted, "s3:GetObject", obj("runs/support-assistant/wf-1/x"))).toBe(true);
  });
});

describe("EksPipelineIdentity (EKS Pod Identity)", () => {
  it("trusts pods.eks.amazonaws.com for this ServiceAccount's session tags and associates the role with it", async () => {
    const { trust, resources, policy } = await deploy(
      args({ mode: EksIdentityMode.PodIdentity, irsa: undefined, podIdentity: { clusterName: "prod" }, spec: support }),
    );
    expect(trust).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "TrustEksPodIdentity",
          Effect: "Allow",
          Principal: { Service: ["pods.eks.amazonaws.com"] },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: { "aws:RequestTag/kubernetes-namespace": "ml-pipelines", "aws:RequestTag/kubernetes-service-account": "support-assistant-pipeline" },
          },
        },
      ],
    });
    const role = one(resources, "aws:iam/role:Role");
    expect(one(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs).toMatchObject({
      clusterName: "prod",
      namespace: "ml-pipelines",
      serviceAccount: "support-assistant-pipeline",
      roleArn: role.state.arn,
    });
    expect(policyAllows(policy, "s3:GetObject", obj("runs/support-assistant/wf-1/x"))).toBe(true);
    expect(policyAllows(policy, "s3:GetObject", obj("runs/doc-classifier/wf-1/x"))).toBe(false);
  });

  it("without ECR pull the policy has no ECR statement", async () => {
    const { policy } = await deploy(args({ ecrPull: false }));
    expect(policy.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith("ecr:"))).toEqual([]);
  });
});

describe("EksPipelineIdentity arguments", () => {
  it("lists every problem with its property path before registering anything", () => {
    const e = errorOf(
      () =>
        new EksPipelineIdentity("bad", {
          ...args(),
          namespace: "ML",
          podIdentity: { clusterName: "prod" },
          irsa: { oidcProviderArn: "arn:aws:iam::123456789012:role/x", issuerUrl: "oidc.eks" },
          store: { bucket: "other-bucket", region: "useast1", kmsKeyArn: KEY_ARN },
        }),
    );
    expect(e.message).toBe(
      [
        'EksPipelineIdentity "bad" has invalid arguments (6 problems):',
        '  podIdentity: is set but mode is "irsa" (remove it, or set mode "pod-identity")',
        '  irsa.oidcProviderArn: "arn:aws:iam::123456789012:role/x" is not an IAM OIDC provider ARN (use the cluster\'s provider, arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>)',
        '  irsa.issuerUrl: "oidc.eks" is not an OIDC issuer URL (use the cluster\'s identity.oidc.issuer, https://oidc.eks.<region>.amazonaws.com/id/<id>)',
        "  namespace: \"ML\" is not a DNS label (use lowercase letters, digits and '-')",
        '  store.region: "useast1" is not an AWS region (use the registry\'s region, e.g. us-east-1)',
        '  spec.dataset.uri: "s3://acme-finetune-artifacts/datasets/documents/labelled-v4.jsonl" is not under s3://other-bucket/datasets/ (upload it to s3://other-bucket/datasets/<dataset>/<version>/: the pipeline\'s role reads only there)',
      ].join("\n"),
    );
  });

  it("requires the binding of its mode, and an issuer of the same provider", () => {
    expect(errorOf(() => new EksPipelineIdentity("x", args({ irsa: undefined }))).message).toBe(
      'EksPipelineIdentity "x" has invalid arguments (1 problem):\n  irsa: is required when mode is "irsa" (pass the cluster\'s oidcProviderArn and issuerUrl, or use mode "pod-identity")',
    );
    expect(errorOf(() => new EksPipelineIdentity("x", args({ mode: EksIdentityMode.PodIdentity, irsa: undefined }))).message).toBe(
      'EksPipelineIdentity "x" has invalid arguments (1 problem):\n  podIdentity: is required when mode is "pod-identity" (pass the cluster\'s clusterName, or use mode "irsa")',
    );
    expect(
      errorOf(
        () => new EksPipelineIdentity("x", args({ irsa: { oidcProviderArn: PROVIDER_ARN, issuerUrl: "https://oidc.eks.us-west-2.amazonaws.com/id/OTHER" } })),
      ).message,
    ).toBe(
      `EksPipelineIdentity "x" has invalid arguments (1 problem):\n  irsa.issuerUrl: "https://oidc.eks.us-west-2.amazonaws.com/id/OTHER" is not the issuer of OIDC provider ${PROVIDER_ARN} (pass the issuer URL of the same cluster)`,
    );
  });
});

describe("KubernetesFineTuningPipeline identity", () => {
  const serviceAccountOf = (rs: RecordedResource[]) =>
    one(rs, "kubernetes:core/v1:ServiceAccount").inputs.metadata as { name: string; annotations: Record<string, string> };

  it("annotates the pipeline's ServiceAccount with the IRSA role (an Output merged over the store's annotations)", async () => {
    const { resources } = await runWithMocks(() => {
      const id = new EksPipelineIdentity("support", args({ spec: support, namespace: "finetune" }));
      new KubernetesFineTuningPipeline("support", {
        spec: support,
        pool: l4Pool,
        store: { ...awsStore, serviceAccountAnnotations: { team: "ml" } },
        namespace: "finetune",
        hubToken: pulumi.secret("hf"),
        identity: id.identity,
      });
    });
    const role = one(resources, "aws:iam/role:Role");
    const sa = serviceAccountOf(resources);
    expect(sa.name).toBe("support-assistant-pipeline");
    expect(sa.annotations).toEqual({ team: "ml", "eks.amazonaws.com/role-arn": role.state.arn });
    expect(role.state.arn).toMatch(new RegExp(`^arn:aws:iam::${MOCK_ACCOUNT}:role/support-role-`));
  });

  it("plain annotations go through the store contract copy the renderer gets; Pod Identity adds none", async () => {
    const names: string[] = [];
    const { resources } = await runWithMocks(() => {
      const p = new KubernetesFineTuningPipeline("support", {
        spec: support,
        pool: l4Pool,
        store: awsStore,
        namespace: "finetune",
        hubToken: pulumi.secret("hf"),
        identity: {
          serviceAccountName: "support-assistant-pipeline",
          namespace: "finetune",
          serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" },
        },
      });
      names.push(p.names.serviceAccount);
      const sa = p.rendered.objects.find((o) => o.kind === "ServiceAccount")!;
      names.push(JSON.stringify(sa.metadata.annotations));
    });
    expect(names).toEqual(["support-assistant-pipeline", '{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/x"}']);
    expect(serviceAccountOf(resources).annotations).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" });
    const pod = await runWithMocks(() => {
      const id = new EksPipelineIdentity(
        "support",
        args({ spec: support, namespace: "finetune", mode: EksIdentityMode.PodIdentity, irsa: undefined, podIdentity: { clusterName: "prod" } }),
      );
      new KubernetesFineTuningPipeline("support", {
        spec: support,
        pool: l4Pool,
        store: awsStore,
        namespace: "finetune",
        hubToken: pulumi.secret("hf"),
        identity: id.identity,
      });
    });
    expect(serviceAccountOf(pod.resources).annotations).toEqual({});
  });

  it("rejects an identity made for another pipeline or namespace", () => {
    const e = errorOf(
      () =>
        new KubernetesFineTuningPipeline("support", {
          spec: support,
          pool: l4Pool,
          store: awsStore,
          namespace: "finetune",
          hubToken: pulumi.secret("hf"),
          identity: { serviceAccountName: "doc-classifier-pipeline", namespace: "other", serviceAccountAnnotations: {} },
        }),
    );
    expect(e.message).toBe(
      [
        'KubernetesFineTuningPipeline "support" has invalid arguments (2 problems):',
        '  identity.serviceAccountName: "doc-classifier-pipeline" is not the pipeline\'s ServiceAccount "support-assistant-pipeline" (create the identity from this pipeline\'s spec)',
        '  identity.namespace: "other" is not the pipeline\'s namespace "finetune" (create the identity with the pipeline\'s namespace)',
      ].join("\n"),
    );
  });
});
