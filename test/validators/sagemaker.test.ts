import { describe, expect, it } from "vitest";
import { validateSageMakerDefinition } from "./sagemaker";

// SageMaker pipeline definitions against AWS's published JSON schema (with the documented quirk fixes).

type Json = Record<string, any>;

const definition = (): Json => ({
  Version: "2020-12-01",
  Metadata: {},
  Parameters: [
    { Name: "TrainingInstanceType", Type: "String", DefaultValue: "ml.g5.12xlarge" },
    { Name: "Epochs", Type: "Integer", DefaultValue: 3 },
  ],
  PipelineExperimentConfig: { ExperimentName: { Get: "Execution.PipelineName" }, TrialName: { Get: "Execution.PipelineExecutionId" } },
  Steps: [
    {
      Name: "FineTune",
      Type: "Training",
      Arguments: {
        AlgorithmSpecification: { TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5.1-gpu-py311", TrainingInputMode: "File" },
        EnableManagedSpotTraining: true,
        CheckpointConfig: { S3Uri: "s3://ml-artifacts/checkpoints/", LocalPath: "/opt/ml/checkpoints" },
        HyperParameters: { epochs: { Get: "Parameters.Epochs" } },
        ResourceConfig: { InstanceCount: 1, InstanceType: { Get: "Parameters.TrainingInstanceType" }, VolumeSizeInGB: 200, VolumeKmsKeyId: "alias/ml" },
        StoppingCondition: { MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 172800 },
        OutputDataConfig: { S3OutputPath: "s3://ml-artifacts/models/", KmsKeyId: "alias/ml" },
        RoleArn: "arn:aws:iam::111122223333:role/sagemaker-pipeline",
      },
      RetryPolicies: [{ ExceptionType: "SageMaker.CAPACITY_ERROR", MaxAttempts: 5, IntervalSeconds: 60, BackoffRate: 2 }],
    },
  ],
});

const step = (d: Json): Json => d.Steps[0];

describe("validateSageMakerDefinition", () => {
  it("accepts a minimal valid pipeline (Training step with managed spot, parameters, experiment config)", () => {
    expect(validateSageMakerDefinition(definition())).toEqual([]);
  });

  it("takes the definition as JSON text too (what aws.sagemaker.Pipeline's pipelineDefinition holds)", () => {
    expect(validateSageMakerDefinition(JSON.stringify(definition()))).toEqual([]);
    const d = definition();
    d.Version = "2020-12-02";
    expect(validateSageMakerDefinition(JSON.stringify(d))).toEqual(['/Version must be one of "2020-12-01" (got "2020-12-02")']);
    expect(validateSageMakerDefinition("{ not json")).toHaveLength(1);
  });

  it("rejects a wrong Version", () => {
    const d = definition();
    d.Version = "2021-12-01";
    expect(validateSageMakerDefinition(d)).toEqual(['/Version must be one of "2020-12-01" (got "2021-12-01")']);
  });

  it("rejects a misspelled step field, reporting only the Training alternative (not 16 step types)", () => {
    const d = definition();
    step(d).Argumentz = step(d).Arguments;
    delete step(d).Arguments;
    expect(validateSageMakerDefinition(d)).toEqual([
      '/Steps/0 must have required property "Arguments"',
      '/Steps/0 must NOT have additional property "Argumentz"',
    ]);
  });

  it("rejects a misspelled field deep inside the Training arguments at its deepest path", () => {
    const d = definition();
    step(d).Arguments.ResourceConfig.InstanceTypes = "ml.g5.xlarge";
    expect(validateSageMakerDefinition(d)).toEqual(['/Steps/0/Arguments/ResourceConfig must NOT have additional property "InstanceTypes"']);
  });

  it("rejects an unknown step Type, listing the known types", () => {
    const d = definition();
    step(d).Type = "Train";
    const [only, ...rest] = validateSageMakerDefinition(d);
    expect(rest).toEqual([]);
    expect(only).toMatch(/^\/Steps\/0\/Type must be one of "Condition", "Training", .*"EndpointConfig" \(got "Train"\)$/);
  });

  it("rejects a wrong-type argument (InstanceCount as a string is neither an integer nor a { Get })", () => {
    const d = definition();
    step(d).Arguments.ResourceConfig.InstanceCount = "2";
    expect(validateSageMakerDefinition(d)).toEqual([
      '/Steps/0/Arguments/ResourceConfig/InstanceCount must match one of: must be integer | must be object (got "2")',
    ]);
  });

  it("keeps PipelineExperimentConfig closed (quirk 3 adds its exact shape only)", () => {
    const d = definition();
    d.PipelineExperimentConfig.TrailName = "x";
    expect(validateSageMakerDefinition(d)).toEqual(['/PipelineExperimentConfig must NOT have additional property "TrailName"']);
    const top = definition();
    top.PipelineExperimentConfigs = {};
    expect(validateSageMakerDefinition(top)).toEqual(['/ must NOT have additional property "PipelineExperimentConfigs"']);
  });

  it("accepts an EndpointConfig step typed EndpointConfig (quirk 2) and still checks an Endpoint step as EndpointStep", () => {
    const d = definition();
    d.Steps.push({
      Name: "ServingConfig",
      Type: "EndpointConfig",
      Arguments: { ProductionVariants: [{ VariantName: "main", ModelName: "m", InstanceType: "ml.g5.2xlarge", InitialInstanceCount: 1 }] },
    });
    d.Steps.push({ Name: "Serve", Type: "Endpoint", Arguments: { EndpointConfigName: "cfg", EndpointName: "llm" } });
    expect(validateSageMakerDefinition(d)).toEqual([]);
    d.Steps[2].Arguments.ProductionVariants = [];
    expect(validateSageMakerDefinition(d)).toEqual(['/Steps/2/Arguments must NOT have additional property "ProductionVariants"']);
  });

  it("rejects a bad RetryPolicy exception type", () => {
    const d = definition();
    step(d).RetryPolicies[0].ExceptionType = "SageMaker.CAPACITY";
    const errors = validateSageMakerDefinition(d);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\/Steps\/0\/RetryPolicies\/0\/ExceptionType must be one of .*"SageMaker.CAPACITY_ERROR".* \(got "SageMaker.CAPACITY"\)$/);
  });
});

describe("validateSageMakerDefinition: the SDK constructs the upstream schema lacks (quirks 5-7)", () => {
  /** A definition with a Processing step that writes a PropertyFile, a Condition reading it, a Fail step and RegisterModel. */
  const gated = (): Json => {
    const d = definition();
    step(d).Arguments.OutputDataConfig.S3OutputPath = {
      "Std:Join": { On: "/", Values: ["s3://ml-artifacts/runs", { Get: "Execution.PipelineExecutionId" }, "training"] },
    };
    d.Steps.push(
      {
        Name: "Evaluate",
        Type: "Processing",
        Arguments: {
          ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.g5.xlarge", VolumeSizeInGB: 50 } },
          AppSpecification: { ImageUri: "111122223333.dkr.ecr.us-east-1.amazonaws.com/eval:1.0" },
          RoleArn: "arn:aws:iam::111122223333:role/sagemaker-pipeline",
        },
        PropertyFiles: [{ PropertyFileName: "Metrics", OutputName: "metrics", FilePath: "metrics.json" }],
      },
      {
        Name: "Gate",
        Type: "Condition",
        Arguments: {
          Conditions: [
            {
              Type: "GreaterThanOrEqualTo",
              LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Metrics" }, Path: "task.accuracy" } },
              RightValue: 0.9,
            },
          ],
          IfSteps: [
            {
              Name: "Register",
              Type: "RegisterModel",
              Arguments: { ModelPackageGroupName: "support", ModelApprovalStatus: "PendingManualApproval" },
            },
          ],
          ElseSteps: [
            {
              Name: "Stop",
              Type: "Fail",
              Arguments: {
                ErrorMessage: {
                  "Std:Join": {
                    On: " ",
                    Values: ["gate failed:", { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Metrics" }, Path: "gate.reason" } }],
                  },
                },
              },
            },
          ],
        },
      },
    );
    return d;
  };

  it("accepts Std:Join, Std:JsonGet, PropertyFiles and ModelApprovalStatus as the SageMaker SDK writes them", () => {
    expect(validateSageMakerDefinition(gated())).toEqual([]);
  });

  it("still rejects malformed versions of each", () => {
    const noOn = gated();
    delete noOn.Steps[0].Arguments.OutputDataConfig.S3OutputPath["Std:Join"].On;
    expect(validateSageMakerDefinition(noOn).length).toBeGreaterThan(0);
    const badJsonGet = gated();
    badJsonGet.Steps[2].Arguments.Conditions[0].LeftValue["Std:JsonGet"].JsonPath = "x";
    expect(validateSageMakerDefinition(badJsonGet).length).toBeGreaterThan(0);
    const badPropertyFile = gated();
    badPropertyFile.Steps[1].PropertyFiles[0].FileName = "metrics.json";
    expect(validateSageMakerDefinition(badPropertyFile).length).toBeGreaterThan(0);
    const badStatus = gated();
    badStatus.Steps[2].Arguments.IfSteps[0].Arguments.ModelApprovalStatus = "Approve";
    expect(validateSageMakerDefinition(badStatus).length).toBeGreaterThan(0);
  });
});
