import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { credentialArnProblems, ecrImagePlan, mirrorScript, parseImageRef, shellQuote } from "../../core/images";
import { imagePlanFiles, imagePlanLine, type ImageSourceEntry } from "../../plan/images";
import { planStack, type PlanResult } from "../../plan/plan";
import { loadStackConfigFile, stackConfigPath, type EngineConfig } from "../../plan/stack-config";
import type { RecordedResource } from "../../plan/mock-engine";
import { MOCK_ACCOUNT } from "../../plan/mock-state";
import {
  arnFindings,
  configImages,
  gcsFindings,
  imageFindings,
  podImageFindings,
  s3Findings,
  s3ListFindings,
  sageMakerDefinitions,
  sageMakerFindings,
  stepReferences,
  type CloudState,
} from "./cloud";

const HOST = `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const DOCKER_HUB_SECRET = `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf`;

/** The cloud state of a plan: its resources, the image sources `plan` writes, and what the config names. */
function cloudState(plan: PlanResult): CloudState {
  const images = JSON.parse(imagePlanFiles(plan.config, plan.manifests).get("images.json")!) as { images: ImageSourceEntry[] };
  const givenArns = [plan.config.monitoring.aws.kmsKeyArn, ...Object.values(plan.config.artifactStore.aws.upstreamCredentials)].filter(
    (x): x is string => typeof x === "string",
  );
  return { resources: plan.resources, imageSources: images.images, externalImages: configImages(plan.config), givenArns };
}

/** The example config of a stack with `finetune:artifactStore` changed by `edit`. */
function withStore(stack: string, edit: (store: Record<string, any>) => void): EngineConfig {
  const engine = loadStackConfigFile(stackConfigPath(stack));
  const store = JSON.parse(engine.config["finetune:artifactStore"] ?? "{}") as Record<string, any>;
  edit(store);
  return { ...engine, config: { ...engine.config, "finetune:artifactStore": JSON.stringify(store) } };
}

/** A copy of the state whose first SageMaker definition is changed by `edit`. */
function withDefinition(state: CloudState, edit: (d: any) => void): CloudState {
  const resources = structuredClone(state.resources) as RecordedResource[];
  const p = resources.find((r) => r.type === "aws:sagemaker/pipeline:Pipeline")!;
  const d = JSON.parse(p.inputs.pipelineDefinition as string);
  edit(d);
  p.inputs.pipelineDefinition = JSON.stringify(d);
  return { ...state, resources };
}

const step = (d: any, name: string) => d.Steps.find((s: any) => s.Name === name);

describe("aws-sagemaker: every image, S3 URI and ARN of the SageMaker definitions resolves", () => {
  let mirror: CloudState;
  let pullThrough: CloudState;
  let mirrorPlan: PlanResult;
  beforeAll(async () => {
    mirrorPlan = await planStack("aws-sagemaker", loadStackConfigFile(stackConfigPath("aws-sagemaker")));
    mirror = cloudState(mirrorPlan);
    pullThrough = cloudState(
      await planStack(
        "aws-sagemaker",
        withStore("aws-sagemaker", (s) => (s.aws = { ...(s.aws ?? {}), upstreamCredentials: { "docker-hub": DOCKER_HUB_SECRET } })),
      ),
    );
  }, 60_000);

  it("the example stack (every pin mirrored) has zero findings, and the check saw every kind of reference", () => {
    expect(sageMakerFindings(mirror)).toEqual([]);
    const refs = sageMakerDefinitions(mirror.resources).flatMap(stepReferences);
    expect(new Set(refs.filter((r) => r.kind === "image").map((r) => r.value))).toEqual(
      new Set([
        `${HOST}/finetune/python:3.12.12-slim-bookworm`,
        `${HOST}/finetune/trainer:0.12.2-py3.11-cu128-2.8.0`,
        `${HOST}/finetune/evaluator:25.04`,
        `${HOST}/finetune/serving:v0.11.0`,
      ]),
    );
    expect(refs.filter((r) => r.kind === "s3-write").length).toBeGreaterThan(5);
    expect(refs.filter((r) => r.kind === "s3-read").length).toBeGreaterThan(10);
    expect(new Set(refs.filter((r) => r.kind === "arn").map((r) => r.value.split(":")[2]))).toEqual(new Set(["iam", "kms", "secretsmanager"]));
  });

  it("the stack output and the plan's summary line name each image's source and the mirror command", () => {
    expect(mirrorPlan.outputs.images).toEqual({
      python: { source: "docker.io/library/python:3.12.12-slim-bookworm", uri: `${HOST}/finetune/python:3.12.12-slim-bookworm`, via: "mirror" },
      trainer: { source: "docker.io/axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0", uri: `${HOST}/finetune/trainer:0.12.2-py3.11-cu128-2.8.0`, via: "mirror" },
      evaluator: { source: "nvcr.io/nvidia/eval-factory/lm-evaluation-harness:25.04", uri: `${HOST}/finetune/evaluator:25.04`, via: "mirror" },
      serving: { source: "docker.io/vllm/vllm-openai:v0.11.0", uri: `${HOST}/finetune/serving:v0.11.0`, via: "mirror" },
    });
    expect(imagePlanLine(imagePlanFiles(mirrorPlan.config, mirrorPlan.manifests), "out/aws-sagemaker")).toBe(
      "Images: 0 pulled from their upstream registries, 0 through ECR pull-through caches, 4 mirrored, 0 named by config (out/aws-sagemaker/images.json); copy them before the first run: sh out/aws-sagemaker/mirror-images.sh",
    );
  });

  it("with Docker Hub credentials, three images come through the pull-through cache and the state still resolves", () => {
    expect(sageMakerFindings(pullThrough)).toEqual([]);
    const images = new Set(
      sageMakerDefinitions(pullThrough.resources)
        .flatMap(stepReferences)
        .filter((r) => r.kind === "image")
        .map((r) => r.value),
    );
    expect(images).toEqual(
      new Set([
        `${HOST}/finetune/docker-hub/library/python:3.12.12-slim-bookworm`,
        `${HOST}/finetune/docker-hub/axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0`,
        `${HOST}/finetune/evaluator:25.04`,
        `${HOST}/finetune/docker-hub/vllm/vllm-openai:v0.11.0`,
      ]),
    );
  });

  it("planted: an image in a repository nothing creates (the issue's finetune/axolotl)", () => {
    const bad = withDefinition(
      mirror,
      (d) => (step(d, "Training").Arguments.AlgorithmSpecification.TrainingImage = `${HOST}/finetune/axolotl:0.12.2-py3.11-cu128-2.8.0`),
    );
    expect(imageFindings(bad, sageMakerDefinitions(bad.resources).slice(0, 1).flatMap(stepReferences))).toEqual([
      `support-assistant/Training AlgorithmSpecification/TrainingImage: image ${HOST}/finetune/axolotl:0.12.2-py3.11-cu128-2.8.0 is in repository finetune/axolotl, which nothing creates (no ECR repository or pull-through cache prefix of the stack)`,
    ]);
  });

  it("planted: an image outside ECR, and a mirrored image the mirror command does not copy", () => {
    const bad = withDefinition(mirror, (d) => (step(d, "DataPrep").Arguments.AppSpecification.ImageUri = "python:3.12.12-slim-bookworm"));
    expect(sageMakerFindings(bad)).toEqual([
      "support-assistant/DataPrep AppSpecification/ImageUri: image python:3.12.12-slim-bookworm is not in an ECR registry (SageMaker pulls only from ECR; mirror it or name it as external)",
    ]);
    const noSource = { ...mirror, imageSources: mirror.imageSources.filter((s) => !s.image.endsWith("/finetune/evaluator:25.04")) };
    expect(sageMakerFindings(noSource)).toEqual(
      ["support-assistant", "doc-classifier"].map(
        (p) =>
          `${p}/Evaluation AppSpecification/ImageUri: image ${HOST}/finetune/evaluator:25.04 has no source (neither a pull-through cache rule nor an entry of the mirror command)`,
      ),
    );
  });

  it("planted: an execution role without the pull-through grants cannot create the cache repository", () => {
    const resources = structuredClone(pullThrough.resources) as RecordedResource[];
    const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "finetune-doc-classifier-execution")!;
    const doc = JSON.parse(policy.inputs.policy as string);
    doc.Statement = doc.Statement.filter((s: { Sid: string }) => s.Sid !== "EcrPullThroughCache");
    policy.inputs.policy = JSON.stringify(doc);
    const findings = sageMakerFindings({ ...pullThrough, resources });
    expect(findings).toContain(
      `doc-classifier/DataPrep AppSpecification/ImageUri: role ${policy.inputs.role} may not ecr:BatchImportUpstreamImage on arn:aws:ecr:us-east-1:${MOCK_ACCOUNT}:repository/finetune/docker-hub/library/python`,
    );
    expect(findings.every((f) => f.startsWith("doc-classifier/") && /ecr:(BatchImportUpstreamImage|CreateRepository)/.test(f))).toBe(true);
  });

  it("planted: a step writes outside the prefixes its role is granted", () => {
    const bad = withDefinition(
      mirror,
      (d) =>
        (step(d, "DataPrep").Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri =
          `s3://finetune-artifacts-${MOCK_ACCOUNT}-us-east-1/runs/other-pipeline/data`),
    );
    const role = sageMakerDefinitions(bad.resources)[0].roleArn.split("/").pop();
    expect(s3Findings(bad, sageMakerDefinitions(bad.resources).slice(0, 1).flatMap(stepReferences))).toEqual([
      `support-assistant/DataPrep ProcessingOutputConfig/Outputs/0/S3Output/S3Uri: role ${role} may not s3:PutObject under s3://finetune-artifacts-${MOCK_ACCOUNT}-us-east-1/runs/other-pipeline/data`,
    ]);
  });

  it("planted: a role whose list condition leaves out the datasets cannot list the dataset input", () => {
    const resources = structuredClone(mirror.resources) as RecordedResource[];
    const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "finetune-support-assistant-execution")!;
    const doc = JSON.parse(policy.inputs.policy as string);
    const list = doc.Statement.find((x: { Sid: string }) => x.Sid === "ListPrefixes");
    list.Condition.StringLike["s3:prefix"] = list.Condition.StringLike["s3:prefix"].filter((p: string) => p !== "datasets/*");
    policy.inputs.policy = JSON.stringify(doc);
    const state = { ...mirror, resources };
    const dataset = JSON.parse(resources.find((r) => r.type === "aws:sagemaker/pipeline:Pipeline")!.inputs.pipelineDefinition as string).Parameters[0]
      .DefaultValue as string;
    expect(s3ListFindings(state, sageMakerDefinitions(resources).slice(0, 1).flatMap(stepReferences))).toEqual([
      `support-assistant/DataPrep ProcessingInputs/1/S3Input/S3Uri: role ${policy.inputs.role} may not list s3://${dataset.slice(5).split("/")[0]} under ${dataset.slice(5).split("/").slice(1).join("/")}`,
    ]);
  });

  it("planted: a role, key or secret ARN the stack neither creates nor is given", () => {
    const stranger = `arn:aws:iam::${MOCK_ACCOUNT}:role/someone-elses-role`;
    const key = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:alias/not-ours`;
    const bad = withDefinition(mirror, (d) => {
      step(d, "ModelInit").Arguments.RoleArn = stranger;
      step(d, "Training").Arguments.OutputDataConfig.KmsKeyId = key;
    });
    expect(arnFindings(bad, sageMakerDefinitions(bad.resources).slice(0, 1).flatMap(stepReferences))).toEqual([
      `support-assistant/ModelInit RoleArn: ${stranger} is not created by the stack nor given by the config`,
      `support-assistant/Training OutputDataConfig/KmsKeyId: ${key} is not created by the stack nor given by the config`,
    ]);
    expect(arnFindings({ ...bad, givenArns: [stranger, key] }, sageMakerDefinitions(bad.resources).flatMap(stepReferences))).toEqual([]);
  });
});

describe("kubernetes and gcp: every image a pod or Deployment references has a source", () => {
  for (const stack of ["kubernetes", "gcp"] as const) {
    it(`${stack}: zero findings; planted: an image that is neither pinned nor named by the config`, async () => {
      const plan = await planStack(stack, loadStackConfigFile(stackConfigPath(stack)));
      const state = cloudState(plan);
      const o = { externalImages: state.externalImages ?? [] };
      expect(podImageFindings(plan.manifests, o)).toEqual([]);
      expect(state.imageSources.length).toBeGreaterThan(3);
      expect(state.imageSources.every((s) => s.via === "direct" || s.via === "config")).toBe(true);
      const manifests = structuredClone(plan.manifests);
      const pod = manifests.find((m) => JSON.stringify(m).includes('"image":'))!;
      const json = JSON.stringify(pod).replace(/"image":"[^"]+"/, '"image":"ghcr.io/someone/unpinned:1.0"');
      manifests[manifests.indexOf(pod)] = JSON.parse(json);
      expect(podImageFindings(manifests, o)).toEqual([
        "image ghcr.io/someone/unpinned:1.0 has no source (not a pin of core/versions.ts, not in the store's registry, not named by the config)",
      ]);
    }, 60_000);
  }
});

describe("gcp: every gs:// bucket a pod names is one its Workload Identity may read and write", () => {
  let plan: PlanResult;
  beforeAll(async () => {
    plan = await planStack("gcp", loadStackConfigFile(stackConfigPath("gcp")));
  }, 60_000);

  it("the example stack has zero findings, and the check saw the pipelines' buckets", () => {
    expect(gcsFindings(plan.resources, plan.manifests)).toEqual([]);
    expect(plan.manifests.filter((m) => m.kind === "WorkflowTemplate" && JSON.stringify(m).includes("gs://")).length).toBeGreaterThan(0);
  });

  it("planted: the bucket grant is missing, and a template names a bucket nobody granted", () => {
    const grant = plan.resources.find((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember")!;
    const without = plan.resources.filter((r) => r !== grant);
    const findings = gcsFindings(without, plan.manifests);
    expect(findings.length).toBeGreaterThan(0);
    expect(
      findings.every((f) =>
        f.endsWith(
          `${String(grant.inputs.member).slice("serviceAccount:".length)} may not read and write gs://${grant.inputs.bucket} (no roles/storage.objectUser on the bucket)`,
        ),
      ),
    ).toBe(true);

    const manifests = structuredClone(plan.manifests);
    const wt = manifests.find((m) => m.kind === "WorkflowTemplate" && JSON.stringify(m).includes("gs://"))!;
    manifests[manifests.indexOf(wt)] = JSON.parse(
      JSON.stringify(wt).split(`gs://${grant.inputs.bucket}/datasets/`).join("gs://someone-elses-bucket/datasets/"),
    );
    expect(gcsFindings(plan.resources, manifests)).toEqual([
      `WorkflowTemplate ${wt.metadata.namespace}/${wt.metadata.name}: ${String(grant.inputs.member).slice("serviceAccount:".length)} may not read and write gs://someone-elses-bucket (no roles/storage.objectUser on the bucket)`,
    ]);
  });
});

describe("the image table and the mirror command", () => {
  it("qualifies references the way registries resolve them", () => {
    expect(parseImageRef("python:3.12.12-slim-bookworm")).toEqual({ registry: "docker.io", path: "library/python", tag: "3.12.12-slim-bookworm" });
    expect(parseImageRef("vllm/vllm-openai:v0.11.0")).toEqual({ registry: "docker.io", path: "vllm/vllm-openai", tag: "v0.11.0" });
    expect(parseImageRef("nvcr.io/nvidia/eval-factory/lm-evaluation-harness:25.04")).toEqual({
      registry: "nvcr.io",
      path: "nvidia/eval-factory/lm-evaluation-harness",
      tag: "25.04",
    });
    expect(() => parseImageRef("python")).toThrow('image "python" is not <repository>:<tag> (pin a tag from core/versions.ts)');
  });

  it("nvcr.io is never pull-through cached (ECR does not support it), whatever credentials are given", () => {
    const all = { "docker-hub": DOCKER_HUB_SECRET, "github-container-registry": DOCKER_HUB_SECRET, "gitlab-container-registry": DOCKER_HUB_SECRET };
    const plan = ecrImagePlan("finetune", HOST, all);
    expect(plan.images.evaluator).toEqual({
      role: "evaluator",
      source: "nvcr.io/nvidia/eval-factory/lm-evaluation-harness:25.04",
      uri: `${HOST}/finetune/evaluator:25.04`,
      repository: "finetune/evaluator",
      via: "mirror",
    });
    expect(plan.rules).toEqual([{ prefix: "finetune/docker-hub", upstream: "docker-hub", url: "registry-1.docker.io", credentialArn: DOCKER_HUB_SECRET }]);
    expect(plan.mirrorRepositories).toEqual(["finetune/evaluator"]);
    expect(credentialArnProblems({ quay: DOCKER_HUB_SECRET }, "us-east-1")).toEqual([
      {
        path: "upstreamCredentialArns.quay",
        message:
          '"quay" needs no credentials or is not an ECR pull-through upstream (use one of docker-hub, github-container-registry, gitlab-container-registry)',
      },
    ]);
  });

  it("quotes every word, so that a quote or `$(...)` in a reference stays data", () => {
    expect(shellQuote("a'b $(reboot)")).toBe(`'a'\\''b $(reboot)'`);
    expect(execFileSync("sh", ["-c", `printf %s ${shellQuote("a'b $(reboot) `x`")}`]).toString()).toBe("a'b $(reboot) `x`");
  });

  it("copies exactly the mirrored images (skipping those already there) and warms the pull-through ones", () => {
    const plan = ecrImagePlan("finetune", HOST, { "docker-hub": DOCKER_HUB_SECRET });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-"));
    const log = path.join(dir, "log");
    fs.writeFileSync(path.join(dir, "aws"), `#!/bin/sh\necho "aws $*" >> '${log}'; echo token\n`, { mode: 0o755 });
    // crane: nothing is in ECR yet (digest fails); every other call is recorded.
    fs.writeFileSync(path.join(dir, "crane"), `#!/bin/sh\necho "crane $*" >> '${log}'\n[ "$1" != digest ]\n`, { mode: 0o755 });
    const script = path.join(dir, "mirror-images.sh");
    fs.writeFileSync(script, mirrorScript(plan, HOST, "us-east-1"));
    execFileSync("sh", [script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    const lines = fs.readFileSync(log, "utf8").trim().split("\n");
    // The login is one pipeline: its two commands run concurrently, in either order.
    expect(lines.slice(0, 2).sort()).toEqual(["aws ecr get-login-password --region us-east-1", `crane auth login ${HOST} --username AWS --password-stdin`]);
    expect(lines.slice(2)).toEqual([
      `crane digest ${HOST}/finetune/evaluator:25.04`,
      `crane copy nvcr.io/nvidia/eval-factory/lm-evaluation-harness:25.04 ${HOST}/finetune/evaluator:25.04`,
      `crane manifest ${HOST}/finetune/docker-hub/library/python:3.12.12-slim-bookworm`,
      `crane manifest ${HOST}/finetune/docker-hub/axolotlai/axolotl:0.12.2-py3.11-cu128-2.8.0`,
      `crane manifest ${HOST}/finetune/docker-hub/vllm/vllm-openai:v0.11.0`,
    ]);
  });
});
