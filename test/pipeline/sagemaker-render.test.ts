import { describe, expect, it } from "vitest";
import { sageMakerMetricDefinitions } from "../../pipelines/training-metrics";
import { renderSageMakerPipeline, type SageMakerPipelineRender } from "../../pipelines/render/sagemaker";
import { validateSageMakerDefinition } from "../validators/sagemaker";
import { awsStore, example, SAGEMAKER_POOLS, spec } from "./fixtures";

type Obj = Record<string, any>;
const render = (name: string, extra: Obj = {}): SageMakerPipelineRender => {
  const s = example(name);
  return renderSageMakerPipeline({
    spec: s,
    pool: SAGEMAKER_POOLS[s.compute.pool],
    store: awsStore,
    roleArn: "arn:aws:iam::123456789012:role/support-execution",
    codeUri: "s3://acme-finetune-artifacts/runs/x/_code/abc",
    configUri: "s3://acme-finetune-artifacts/runs/x/_config/abc",
    network: { subnetIds: ["subnet-0a", "subnet-0b"], securityGroupIds: ["sg-01"] },
    ...extra,
  });
};
const allSteps = (def: Obj): Obj[] => def.Steps.flatMap((s: Obj) => [s, ...(s.Arguments?.IfSteps ?? []), ...(s.Arguments?.ElseSteps ?? [])]);
const step = (def: Obj, name: string): Obj => allSteps(def).find((s) => s.Name === name)!;

/**
 * AWS's published schema (b4012b0) predates constructs every real definition with run-scoped paths and a
 * property-file condition uses: `Std:Join` (its JoinFunction is malformed and referenced nowhere), `Std:JsonGet`,
 * a Processing step's `PropertyFiles`, and RegisterModel's `ModelApprovalStatus`. This view checks each such
 * construct's own shape (and that every JsonGet names a declared property file), then replaces it with what the
 * schema can express, so that everything else is validated strictly by `validateSageMakerDefinition`.
 */
function schemaView(def: Obj): Obj {
  const files = new Map<string, string[]>();
  for (const s of allSteps(def)) {
    for (const pf of s.PropertyFiles ?? []) {
      expect(Object.keys(pf).sort()).toEqual(["FilePath", "OutputName", "PropertyFileName"]);
      expect(s.Arguments.ProcessingOutputConfig.Outputs.map((o: Obj) => o.OutputName)).toContain(pf.OutputName);
      files.set(s.Name, [...(files.get(s.Name) ?? []), pf.PropertyFileName]);
    }
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== "object") return v;
    const o = v as Obj;
    if ("Std:Join" in o) {
      expect(Object.keys(o)).toEqual(["Std:Join"]);
      expect(typeof o["Std:Join"].On).toBe("string");
      for (const x of o["Std:Join"].Values) expect(typeof x === "string" || (Object.keys(x).length === 1 && typeof x.Get === "string")).toBe(true);
      return { Get: "Std:Join" };
    }
    if ("Std:JsonGet" in o) {
      const m = /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(o["Std:JsonGet"].PropertyFile.Get)!;
      expect(files.get(m[1])).toContain(m[2]);
      expect(typeof o["Std:JsonGet"].Path).toBe("string");
      return { Get: "Std:JsonGet" };
    }
    const out: Obj = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === "PropertyFiles") continue;
      if (k === "ModelApprovalStatus") {
        expect(["Approved", "PendingManualApproval", "Rejected"]).toContain(x);
        continue;
      }
      out[k] = walk(x);
    }
    return out;
  };
  return walk(def) as Obj;
}

describe("SageMaker renderer", () => {
  for (const name of ["support-assistant", "document-classifier", "multi-node-full"]) {
    it(`${name}: the definition validates against AWS's pipeline-definition schema`, () => {
      const def = render(name).definition as Obj;
      expect(def.Version).toBe("2020-12-01");
      expect(validateSageMakerDefinition(schemaView(def))).toEqual([]);
    });
  }

  it("has the seven stages as steps, with deployment reachable only through the gate's passing branch", () => {
    const r = render("support-assistant");
    expect(r.stepNames).toEqual([
      "DataPrep",
      "ModelInit",
      "TrainingSetup",
      "Training",
      "Evaluation",
      "EvaluationGate",
      "RegisterVersion",
      "RegisterModel",
      "GateFailed",
      "CreateModel",
      "EndpointConfig",
      "Endpoint",
    ]);
    const def = r.definition as Obj;
    const gate = step(def, "EvaluationGate");
    expect(gate.Arguments.Conditions).toEqual([
      {
        Type: "Equals",
        LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluation.PropertyFiles.EvaluationReport" }, Path: "passed" } },
        RightValue: true,
      },
    ]);
    expect(gate.Arguments.IfSteps.map((s: Obj) => s.Name)).toEqual(["RegisterVersion", "RegisterModel"]);
    expect(gate.Arguments.ElseSteps).toEqual([
      {
        Name: "GateFailed",
        Type: "Fail",
        Description: "The evaluation gate failed: nothing is registered or deployed",
        Arguments: { ErrorMessage: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluation.PropertyFiles.EvaluationReport" }, Path: "reason" } } },
      },
    ]);
    expect(step(def, "CreateModel").DependsOn).toEqual(["RegisterModel"]);
    expect(step(def, "EndpointConfig").DependsOn).toEqual(["CreateModel"]);
    expect(step(def, "Endpoint")).toMatchObject({
      DependsOn: ["EndpointConfig"],
      Arguments: { EndpointName: "support-assistant", EndpointConfigName: { Get: "Execution.PipelineExecutionId" } },
    });
    expect(step(def, "Evaluation").PropertyFiles).toEqual([{ PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "gate.json" }]);
    const evalSteps = JSON.parse(step(def, "Evaluation").Arguments.AppSpecification.ContainerEntrypoint[3]);
    expect(evalSteps.at(-1).run.slice(2, 3)).toEqual(["gate"]);
    expect(evalSteps.at(-1).run).toContain("--no-fail");
    expect(render("multi-node-full").stepNames).not.toContain("Endpoint");
  });

  it("trains on managed spot with checkpoints in S3 and MaxWait ≥ MaxRuntime", () => {
    const t = step(render("support-assistant").definition, "Training").Arguments;
    expect(t.EnableManagedSpotTraining).toBe(true);
    expect(t.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 172800 });
    expect(t.CheckpointConfig).toEqual({
      S3Uri: { "Std:Join": { On: "", Values: ["s3://acme-finetune-artifacts/checkpoints/support-assistant/", { Get: "Execution.PipelineExecutionId" }] } },
      LocalPath: "/opt/ml/checkpoints",
    });
    expect(t.ResourceConfig).toEqual({ InstanceCount: 1, InstanceType: "ml.g6.2xlarge", VolumeSizeInGB: 200, VolumeKmsKeyId: awsStore.kmsKeyId });
    expect(JSON.parse(t.HyperParameters.ftkit_argv)).toEqual(expect.arrayContaining(["--checkpoints", "/opt/ml/checkpoints", "--marker", ".saved-node-"]));
    const multi = step(render("multi-node-full").definition, "Training").Arguments;
    expect(multi.ResourceConfig.InstanceCount).toBe(2);
    expect(JSON.parse(multi.HyperParameters.ftkit_argv)).toContain("--rdzv-endpoint={leader}:29500");
    const onDemand = renderSageMakerPipeline({
      spec: spec({ compute: { pool: "l4-spot", spot: false } }),
      pool: SAGEMAKER_POOLS["l4-spot"],
      store: awsStore,
      roleArn: "arn:aws:iam::1:role/r",
      codeUri: "s3://a/b",
      configUri: "s3://a/c",
    });
    expect(step(onDemand.definition, "Training").Arguments.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 86400 });
  });

  it("isolates the network, encrypts inter-container traffic and volumes with the store's KMS key, inside the VPC", () => {
    const def = render("support-assistant").definition as Obj;
    const t = step(def, "Training").Arguments;
    expect(t).toMatchObject({
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      VpcConfig: { Subnets: ["subnet-0a", "subnet-0b"], SecurityGroupIds: ["sg-01"] },
      OutputDataConfig: { KmsKeyId: awsStore.kmsKeyId },
    });
    for (const name of ["DataPrep", "TrainingSetup", "Evaluation", "RegisterVersion"]) {
      expect(step(def, name).Arguments.NetworkConfig, name).toMatchObject({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true });
      expect(step(def, name).Arguments.ProcessingOutputConfig.KmsKeyId).toBe(awsStore.kmsKeyId);
    }
    // model-init needs the hub: no isolation, but in the VPC, and cached per model revision
    expect(step(def, "ModelInit").Arguments.NetworkConfig).toMatchObject({ EnableNetworkIsolation: false, VpcConfig: { Subnets: ["subnet-0a", "subnet-0b"] } });
    expect(step(def, "ModelInit").CacheConfig).toEqual({ Enabled: true, ExpireAfter: "P90D" });
    expect(step(def, "ModelInit").Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual({
      "Std:Join": { On: "", Values: ["s3://acme-finetune-artifacts/models/meta-llama/Llama-3.1-8B-Instruct@", { Get: "Parameters.BaseModelRevision" }] },
    });
  });

  it("defines the training metrics and the pipeline parameters", () => {
    const def = render("support-assistant").definition as Obj;
    // monitoring's definitions, verbatim (the CloudWatch alarms read these names)
    expect(step(def, "Training").Arguments.AlgorithmSpecification.MetricDefinitions).toEqual(sageMakerMetricDefinitions());
    expect(def.Parameters).toEqual([
      {
        Name: "DatasetUri",
        Type: "String",
        DefaultValue: "s3://acme-finetune-artifacts/datasets/support/transcripts-2026-11.jsonl",
        Description: "S3 URI of the raw JSONL dataset",
      },
      {
        Name: "BaseModelRevision",
        Type: "String",
        DefaultValue: "0e9e39f249a16976918f6564b8830bc894c89659",
        Description: "Pinned revision of meta-llama/Llama-3.1-8B-Instruct",
      },
    ]);
    expect(step(def, "DataPrep").Arguments.ProcessingInputs[1].S3Input.S3Uri).toEqual({ Get: "Parameters.DatasetUri" });
    expect(step(def, "RegisterModel").Arguments).toMatchObject({ ModelPackageGroupName: "finetune-models", ModelApprovalStatus: "Approved" });
  });

  it("runs the same stage commands as Kubernetes, on SageMaker's local paths", () => {
    const def = render("support-assistant").definition as Obj;
    expect(step(def, "DataPrep").Arguments.AppSpecification).toEqual({
      ImageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/finetune/python:3.12.12-slim-bookworm",
      ContainerEntrypoint: [
        "python3",
        "/opt/ml/processing/input/code/prepare_dataset.py",
        "--input",
        "/opt/ml/processing/input/dataset",
        "--format",
        "chat",
        "--output",
        "/opt/ml/processing/output/data",
        "--train",
        "0.9",
        "--validation",
        "0.05",
        "--test",
        "0.05",
        "--min-examples",
        "2000",
        "--seed",
        "42",
        "--probe-examples",
        "50",
      ],
    });
  });
});
