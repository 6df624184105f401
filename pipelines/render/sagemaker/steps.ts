import type { ArtifactStoreContract } from "../../../core/contracts/artifact-store";
import type { GpuPoolContract } from "../../../core/contracts/gpu-pool";
import { sageMakerMetricDefinitions } from "../../training-metrics";
import {
  dataPrepCommand,
  evaluationSteps,
  gateCommand,
  modelInitCommand,
  promoteCommand,
  registerCommand,
  runStepsCommand,
  servedName,
  trainingSetupCommand,
  trainLauncherArgs,
  vllmArgs,
} from "../../commands";
import type { RunLayout } from "../../layout";
import { servingGpus } from "../../sizing";
import type { FineTuningPipelineSpec } from "../../spec";
import { pipelineMetricsEnv } from "../metrics-env";
import { trainerRuntimeEnv, type SizedPipeline } from "../shared";
import { argvTokens, EXEC_ID, joinTokens, REV_TOKEN, type Value } from "./values";
import { CHECKPOINT_MARKERS, ENV } from "../../contract";

/**
 * The SageMaker step builders, one function per step kind (Processing stages, Training, the gate Condition with
 * its register/fail branches, the deployment steps). Pure: no Pulumi.
 */

/** Inputs of the renderer. */
export interface SageMakerPipelineInput {
  spec: FineTuningPipelineSpec;
  pool: GpuPoolContract;
  store: ArtifactStoreContract;
  /** Execution role ARN the jobs run as. */
  roleArn: string;
  /** S3 prefix holding the stage scripts (pipelines/scripts). */
  codeUri: string;
  /** S3 prefix holding trainer.json, sizing.json and thresholds.json. */
  configUri: string;
  /** VPC for every job. @default - no VPC (SageMaker-managed network) */
  network?: { subnetIds: string[]; securityGroupIds: string[] };
  /** Secrets Manager ARN of the hub token (gated models). @default - none */
  hubTokenSecretArn?: string;
  /** Instance type of the CPU processing steps. @default "ml.m5.xlarge" */
  processingInstanceType?: string;
  /** Images by role. @default - `store.images`, else the pins' mirror repositories (components/artifact-registry/images.ts) */
  images?: Partial<Record<"python" | "trainer" | "evaluator" | "serving", string>>;
}

/**
 * No warm pool (`ResourceConfig.KeepAlivePeriodInSeconds`): AWS's published pipeline-definition schema closes the
 * Training step's `ResourceConfig` to InstanceCount, InstanceType, VolumeKmsKeyId and VolumeSizeInGB, so a pipeline
 * cannot ask for one (test/pipeline/model-cache-render.test.ts holds the schema to it); SageMaker also keeps none
 * for managed spot training, the kit's default.
 */

/**
 * Channel input mode of the model and data channels: FastFile streams S3 objects on first read instead of
 * downloading the whole prefix before the container starts (SageMaker developer guide "Access training data",
 * FastFile mode; S3Prefix channels). Config and code stay File: a few small files the entry point reads at once.
 */
export const STREAMED_INPUT_MODE = "FastFile";

/** What every step builder reads. */
export interface StepContext {
  input: SageMakerPipelineInput;
  spec: FineTuningPipelineSpec;
  sized: SizedPipeline;
  layout: RunLayout;
  images: Record<"python" | "trainer" | "evaluator" | "serving", string>;
  cpuInstance: string;
  gpuInstance: string;
  kms?: string;
  tags: { Key: string; Value: string }[];
}

/** A step of the definition (Condition steps carry their branches in Arguments). */
export type Step = { Name: string; Type: string; [k: string]: unknown };

/** Processing container paths. */
export const ML = "/opt/ml/processing";
const CODE = `${ML}/input/code`;
/** The Training job's paths (channels under /opt/ml/input/data, checkpoints synced by SageMaker). */
export const TRAINING = { channels: "/opt/ml/input/data", checkpoints: "/opt/ml/checkpoints", model: "/opt/ml/model" } as const;
/** vLLM's port inside the evaluation container. */
const EVAL_PORT = 8000;
const TRAINING_OUTPUT = { Get: "Steps.Training.ModelArtifacts.S3ModelArtifacts" };

function vpcConfig(input: SageMakerPipelineInput): { VpcConfig?: { Subnets: string[]; SecurityGroupIds: string[] } } {
  return input.network ? { VpcConfig: { Subnets: input.network.subnetIds, SecurityGroupIds: input.network.securityGroupIds } } : {};
}
function networkConfig(c: StepContext, isolated: boolean) {
  return { EnableNetworkIsolation: isolated, EnableInterContainerTrafficEncryption: true, ...vpcConfig(c.input) };
}
function kmsKey(c: StepContext, key: "KmsKeyId" | "VolumeKmsKeyId"): Record<string, string> {
  return c.kms ? { [key]: c.kms } : {};
}
const s3In = (name: string, uri: Value, local: string) => ({
  InputName: name,
  S3Input: { S3Uri: uri, LocalPath: local, S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" },
});
const s3Out = (name: string, local: string, uri: Value) => ({ OutputName: name, S3Output: { S3Uri: uri, LocalPath: local, S3UploadMode: "EndOfJob" } });
const outputOf = (step: string, output: string) => ({ Get: `Steps.${step}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri` });

interface ProcessingStep {
  name: string;
  description: string;
  image: string;
  entrypoint: (string | { Get: string })[];
  inputs: object[];
  outputs: object[];
  instance?: string;
  isolated?: boolean;
  env?: Record<string, Value>;
  volumeGiB?: number;
  maxRuntime?: number;
  dependsOn?: string[];
  cache?: boolean;
  propertyFiles?: object[];
}

/** A Processing step: the scripts as the `code` input, encrypted volumes and outputs, capacity retries. */
function processing(c: StepContext, o: ProcessingStep): Step {
  return {
    Name: o.name,
    Type: "Processing",
    Description: o.description,
    ...(o.dependsOn ? { DependsOn: o.dependsOn } : {}),
    ...(o.cache ? { CacheConfig: { Enabled: true, ExpireAfter: "P90D" } } : {}),
    ...(o.propertyFiles ? { PropertyFiles: o.propertyFiles } : {}),
    RetryPolicies: [{ ExceptionType: "SageMaker.CAPACITY_ERROR", IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 5 }],
    Arguments: {
      AppSpecification: { ImageUri: o.image, ContainerEntrypoint: o.entrypoint },
      RoleArn: c.input.roleArn,
      ProcessingResources: {
        ClusterConfig: { InstanceCount: 1, InstanceType: o.instance ?? c.cpuInstance, VolumeSizeInGB: o.volumeGiB ?? 50, ...kmsKey(c, "VolumeKmsKeyId") },
      },
      ProcessingInputs: [s3In("code", c.input.codeUri, CODE), ...o.inputs],
      ProcessingOutputConfig: { Outputs: o.outputs, ...kmsKey(c, "KmsKeyId") },
      NetworkConfig: networkConfig(c, o.isolated ?? true),
      StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntime ?? 4 * 3600 },
      Environment: { PYTHONPATH: CODE, PYTHONUNBUFFERED: "1", HOME: "/tmp", [ENV.pipeline]: c.spec.name, ...(o.env ?? {}) },
      Tags: c.tags,
    },
  };
}

export function dataPrepStep(c: StepContext): Step {
  const { spec, layout: l } = c;
  return processing(c, {
    name: "DataPrep",
    description: "1. Data preparation: validate, de-duplicate, split, statistics",
    image: c.images.python,
    entrypoint: dataPrepCommand(spec, CODE, {
      input: `${ML}/input/dataset`,
      output: `${ML}/output/data`,
      validationInput: spec.dataset.validationUri ? `${ML}/input/validation` : undefined,
      testInput: spec.dataset.testUri ? `${ML}/input/test` : undefined,
    }),
    inputs: [
      s3In("dataset", { Get: "Parameters.DatasetUri" }, `${ML}/input/dataset`),
      ...(spec.dataset.validationUri ? [s3In("validation", spec.dataset.validationUri, `${ML}/input/validation`)] : []),
      ...(spec.dataset.testUri ? [s3In("test", spec.dataset.testUri, `${ML}/input/test`)] : []),
    ],
    outputs: [s3Out("data", `${ML}/output/data`, joinTokens(l.stage("data-prep")))],
  });
}

export function modelInitStep(c: StepContext): Step {
  const { spec, input } = c;
  return processing(c, {
    name: "ModelInit",
    description: "2. Model initialization: snapshot the pinned base-model revision (cached per revision)",
    image: c.images.trainer,
    entrypoint: argvTokens(modelInitCommand(spec, CODE, { revision: REV_TOKEN, dest: `${ML}/output/model` })),
    inputs: [],
    outputs: [s3Out("model", `${ML}/output/model`, joinTokens(c.layout.baseModel(REV_TOKEN)))],
    isolated: false,
    cache: true,
    volumeGiB: spec.compute.ephemeralStorageGiB,
    maxRuntime: 6 * 3600,
    // The revision parameter is an argv element of its own (a `Get`); fetch_model.py checks it before use.
    ...(input.hubTokenSecretArn && spec.baseModel.gated ? { env: { HF_TOKEN_SECRET_ARN: input.hubTokenSecretArn } } : {}),
  });
}

export function trainingSetupStep(c: StepContext): Step {
  return processing(c, {
    name: "TrainingSetup",
    description: "3. Training setup: trainer config and sizing check",
    image: c.images.python,
    entrypoint: trainingSetupCommand(c.spec, CODE, {
      trainerConfig: `${ML}/input/config/trainer.json`,
      sizing: `${ML}/input/config/sizing.json`,
      stats: `${ML}/input/data/stats.json`,
      output: `${ML}/output/setup`,
    }),
    inputs: [s3In("config", c.input.configUri, `${ML}/input/config`), s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`)],
    outputs: [s3Out("setup", `${ML}/output/setup`, joinTokens(c.layout.stage("training-setup")))],
    dependsOn: ["ModelInit"],
  });
}

/** Managed spot training: the launcher's argv and env as hyper-parameters (pipelines/scripts/sagemaker_entry.py). */
export function trainingStep(c: StepContext): Step {
  const { spec, layout: l } = c;
  const placement = c.sized.placement;
  const chan = (name: string, uri: Value, mode: "File" | "FastFile" = "File") => ({
    ChannelName: name,
    InputMode: mode,
    DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" } },
  });
  const launcherArgv = trainLauncherArgs(spec, placement, {
    config: `${TRAINING.channels}/config/trainer.json`,
    rendered: "/tmp/trainer.json",
    checkpoints: TRAINING.checkpoints,
    // SageMaker syncs /opt/ml/checkpoints itself: the launcher resumes from the trainer's local markers.
    marker: CHECKPOINT_MARKERS.local,
    outputDir: TRAINING.checkpoints,
    finalOutput: TRAINING.model,
    fetch: [],
    leader: "{leader}",
    runId: "sagemaker",
  });
  // Log mode (no Pushgateway on SageMaker): the trainer prints monitoring's log line, parsed by MetricDefinitions.
  const trainerEnv = Object.fromEntries(
    [...pipelineMetricsEnv(undefined, spec.name), ...trainerRuntimeEnv(spec, placement), { name: "HF_HUB_OFFLINE", value: "1" }].map((e) => [e.name, e.value]),
  );
  return {
    Name: "Training",
    Type: "Training",
    Description: `4. Training: ${spec.method.type} on ${placement.nodes} × ${c.gpuInstance}, managed spot, checkpoints every ${spec.checkpointing.intervalMinutes} min`,
    DependsOn: ["TrainingSetup"],
    RetryPolicies: [{ ExceptionType: "SageMaker.CAPACITY_ERROR", IntervalSeconds: 300, BackoffRate: 1.5, MaxAttempts: 10 }],
    Arguments: {
      AlgorithmSpecification: {
        TrainingImage: c.images.trainer,
        TrainingInputMode: "File",
        EnableSageMakerMetricsTimeSeries: true,
        MetricDefinitions: sageMakerMetricDefinitions(),
      },
      HyperParameters: { ftkit_argv: JSON.stringify(launcherArgv), ftkit_env: JSON.stringify(trainerEnv) },
      InputDataConfig: [
        chan("model", outputOf("ModelInit", "model"), STREAMED_INPUT_MODE),
        chan("data", outputOf("DataPrep", "data"), STREAMED_INPUT_MODE),
        chan("config", outputOf("TrainingSetup", "setup")),
        chan("code", c.input.codeUri),
      ],
      OutputDataConfig: { S3OutputPath: joinTokens(l.stage("training")), ...kmsKey(c, "KmsKeyId") },
      ResourceConfig: {
        InstanceCount: placement.nodes,
        InstanceType: c.gpuInstance,
        VolumeSizeInGB: spec.compute.ephemeralStorageGiB,
        ...kmsKey(c, "VolumeKmsKeyId"),
      },
      RoleArn: c.input.roleArn,
      StoppingCondition: {
        MaxRuntimeInSeconds: Math.round(spec.compute.maxRuntimeHours * 3600),
        ...(spec.compute.spot ? { MaxWaitTimeInSeconds: Math.round(Math.max(spec.compute.maxWaitHours, spec.compute.maxRuntimeHours) * 3600) } : {}),
      },
      EnableManagedSpotTraining: spec.compute.spot,
      CheckpointConfig: { S3Uri: joinTokens(l.checkpoints), LocalPath: TRAINING.checkpoints },
      ...networkConfig(c, true),
      Tags: c.tags,
    },
  };
}

/** Evaluation on a GPU instance: the step runner unpacks the adapter, starts vLLM, runs every suite and the gate as argv (no shell). */
export function evaluationStep(c: StepContext): Step {
  const { spec, layout: l } = c;
  const gpus = servingGpus(c.sized.arch, c.input.pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const evalDir = `${ML}/output/evaluation`;
  return processing(c, {
    name: "Evaluation",
    description: "5. Evaluation: task metrics, general-capability and safety suites, gate report",
    image: c.images.evaluator,
    entrypoint: runStepsCommand(CODE, [
      { untar: `${ML}/input/adapter` },
      { run: ["vllm", ...vllmArgs(spec, `${ML}/input/model`, `${ML}/input/adapter`, EVAL_PORT, gpus)], background: "/tmp/vllm.log" },
      ...evaluationSteps(spec, {
        scripts: CODE,
        endpoint: `http://localhost:${EVAL_PORT}/v1`,
        evalFile: `${ML}/input/data/eval.jsonl`,
        out: evalDir,
        tokenizer: `${ML}/input/model`,
      }),
      {
        run: gateCommand(spec, CODE, {
          metrics: `${evalDir}/metrics.json`,
          thresholds: `${ML}/input/config/thresholds.json`,
          deployed: `${ML}/input/registry/deployed.json`,
          out: `${evalDir}/gate.json`,
          noFail: true,
        }),
      },
    ]),
    inputs: [
      s3In("model", outputOf("ModelInit", "model"), `${ML}/input/model`),
      s3In("adapter", TRAINING_OUTPUT, `${ML}/input/adapter`),
      s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`),
      s3In("config", c.input.configUri, `${ML}/input/config`),
      s3In("registry", l.deployedPointer, `${ML}/input/registry`),
    ],
    outputs: [s3Out("evaluation", evalDir, joinTokens(l.stage("evaluation")))],
    instance: c.gpuInstance,
    volumeGiB: spec.compute.ephemeralStorageGiB,
    maxRuntime: 12 * 3600,
    dependsOn: ["Training"],
    propertyFiles: [{ PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "gate.json" }],
  });
}

/** Records the version and its metrics in the registry and promotes it; the execution id reaches the scripts through the environment. */
function registerVersionStep(c: StepContext): Step {
  const { spec, layout: l } = c;
  const registryLocal = `${ML}/registry`;
  const version = { env: ENV.runId };
  return processing(c, {
    name: "RegisterVersion",
    description: "6. Deployment: record the version and its metrics in the registry, promote it",
    image: c.images.python,
    entrypoint: runStepsCommand(CODE, [
      { copy: `${ML}/input/registry/deployed.json`, to: `${registryLocal}/deployed.json` },
      { untar: `${ML}/input/training`, into: "/tmp/training" },
      { touch: "/tmp/training/_SUCCESS" },
      {
        run: registerCommand(spec, CODE, {
          registry: registryLocal,
          version,
          source: "/tmp/training",
          evaluation: `${ML}/input/evaluation`,
          probe: `${ML}/input/data/probe.jsonl`,
        }),
      },
      { run: promoteCommand(CODE, registryLocal, version) },
    ]),
    inputs: [
      s3In("training", TRAINING_OUTPUT, `${ML}/input/training`),
      s3In("evaluation", outputOf("Evaluation", "evaluation"), `${ML}/input/evaluation`),
      s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`),
      s3In("registry", l.deployedPointer, `${ML}/input/registry`),
    ],
    outputs: [s3Out("registry", registryLocal, l.registryModel)],
    env: { [ENV.runId]: EXEC_ID },
  });
}

function registerModelStep(c: StepContext): Step {
  const { spec } = c;
  return {
    Name: "RegisterModel",
    Type: "RegisterModel",
    Description: "6. Deployment: register the version in the Model Package Group",
    DependsOn: ["RegisterVersion"],
    Arguments: {
      ModelPackageGroupName: c.input.store.modelPackageGroupName ?? spec.name,
      ModelPackageDescription: `${spec.name}: ${spec.method.type} fine-tune of ${spec.baseModel.id}`,
      ModelApprovalStatus: spec.deployment.enabled ? "Approved" : "PendingManualApproval",
      InferenceSpecification: {
        Containers: [{ Image: c.images.serving, ModelDataUrl: TRAINING_OUTPUT }],
        SupportedContentTypes: ["application/json"],
        SupportedResponseMIMETypes: ["application/json"],
        SupportedRealtimeInferenceInstanceTypes: [spec.deployment.instanceType],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: joinTokens(`${c.layout.stage("evaluation")}/metrics.json`) } } },
    },
  };
}

/** The evaluation gate: RegisterVersion + RegisterModel when gate.json says passed, else GateFailed with its reason. */
export function gateStep(c: StepContext): Step {
  const gateValue = (path: string) => ({ "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluation.PropertyFiles.EvaluationReport" }, Path: path } });
  const fail = {
    Name: "GateFailed",
    Type: "Fail",
    Description: "The evaluation gate failed: nothing is registered or deployed",
    Arguments: { ErrorMessage: gateValue("reason") },
  };
  return {
    Name: "EvaluationGate",
    Type: "Condition",
    Description: "5. Evaluation gate: thresholds and regression versus the deployed version",
    DependsOn: ["Evaluation"],
    Arguments: {
      Conditions: [{ Type: "Equals", LeftValue: gateValue("passed"), RightValue: true }],
      IfSteps: [registerVersionStep(c), registerModelStep(c)],
      ElseSteps: [fail],
    },
  };
}

/** CreateModel → EndpointConfig → Endpoint (the previous endpoint config stays for rollback). */
export function deploymentSteps(c: StepContext): Step[] {
  const { spec, input } = c;
  return [
    {
      Name: "CreateModel",
      Type: "Model",
      Description: "6. Deployment: a SageMaker model from the registered package",
      DependsOn: ["RegisterModel"],
      Arguments: {
        ExecutionRoleArn: input.roleArn,
        PrimaryContainer: { ModelPackageName: { Get: "Steps.RegisterModel.ModelPackageArn" } },
        EnableNetworkIsolation: true,
        ...vpcConfig(input),
        Tags: c.tags,
      },
    },
    {
      Name: "EndpointConfig",
      Type: "EndpointConfig",
      Description: "6. Deployment: endpoint configuration of this version",
      DependsOn: ["CreateModel"],
      Arguments: {
        EndpointConfigName: EXEC_ID,
        ...kmsKey(c, "KmsKeyId"),
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: { Get: "Steps.CreateModel.ModelName" },
            InstanceType: spec.deployment.instanceType,
            InitialInstanceCount: spec.deployment.replicas,
            ContainerStartupHealthCheckTimeoutInSeconds: 1800,
            ModelDataDownloadTimeoutInSeconds: 1800,
            ...(spec.deployment.autoscaling.enabled
              ? {
                  ManagedInstanceScaling: {
                    Status: "ENABLED",
                    MinInstanceCount: spec.deployment.replicas,
                    MaxInstanceCount: spec.deployment.autoscaling.maxReplicas,
                  },
                }
              : {}),
          },
        ],
        Tags: c.tags,
      },
    },
    {
      Name: "Endpoint",
      Type: "Endpoint",
      Description: `6. Deployment: roll endpoint ${servedName(spec)} to this version (the previous endpoint config stays for rollback)`,
      DependsOn: ["EndpointConfig"],
      Arguments: { EndpointName: servedName(spec), EndpointConfigName: EXEC_ID, Tags: c.tags },
    },
  ];
}
