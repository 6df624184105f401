import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { sageMakerMetricDefinitions } from "../../core/training-metrics";
import { stageImageUri } from "../../core/images";
import { dataPrepCommand, evaluationSteps, gateCommand, modelInitCommand, runStepsCommand, servedName, torchrunCommand, trainingSetupCommand, vllmArgs } from "../commands";
import { runLayout } from "../layout";
import { servingGpus, sizePipeline } from "../sizing";
import { type FineTuningPipelineSpec } from "../spec";
import { renderSizingRecord, renderThresholds, renderTrainerConfig, tokensPerStep } from "../trainer-config";
import { validatePipelineAgainstPool } from "../validate";
import { PipelineRenderError } from "./kubernetes";
import { pipelineMetricsEnv } from "./metrics-env";

/**
 * Pure renderer: pipeline spec + contracts → a SageMaker Model Building Pipeline definition
 * (`"Version": "2020-12-01"`). Steps: DataPrep, ModelInit (cached per model@revision), TrainingSetup
 * (Processing), Training (managed spot, checkpoints to S3, metric definitions), Evaluation (Processing with
 * the `EvaluationReport` property file), EvaluationGate (Condition) → RegisterVersion + RegisterModel, or
 * GateFailed (Fail with the gate's reason); CreateModel → EndpointConfig → Endpoint behind the gate.
 * Stage outputs are run-scoped with `Std:Join` on `Execution.PipelineExecutionId`.
 */

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
  /** Images by role. @default - `store.images`, else the pins' mirror repositories (core/images.ts) */
  images?: Partial<Record<"python" | "trainer" | "evaluator" | "serving", string>>;
}

export interface SageMakerPipelineRender {
  definition: Record<string, unknown>;
  /** Files to publish under `configUri`. */
  configFiles: Record<string, string>;
  /** Step names in the order they appear. */
  stepNames: string[];
}

const EXEC_ID = { Get: "Execution.PipelineExecutionId" } as const;
const RUN_TOKEN = "\u0000RUN\u0000";
const REV_TOKEN = "\u0000REV\u0000";
type Value = string | { Get: string } | { "Std:Join": { On: string; Values: (string | { Get: string })[] } };

/** A string with run/revision tokens → plain string or `Std:Join` over the execution id / revision parameter. */
function joinTokens(s: string): Value {
  if (!s.includes(RUN_TOKEN) && !s.includes(REV_TOKEN)) return s;
  const values: (string | { Get: string })[] = [];
  for (const part of s.split(/(\u0000RUN\u0000|\u0000REV\u0000)/)) {
    if (part === RUN_TOKEN) values.push(EXEC_ID);
    else if (part === REV_TOKEN) values.push({ Get: "Parameters.BaseModelRevision" });
    else if (part !== "") values.push(part);
  }
  return { "Std:Join": { On: "", Values: values } };
}

/** Argv with the revision token → ContainerEntrypoint elements (a `Get` of the parameter is an element of its own, never parsed by a shell). */
function argvTokens(argv: string[]): (string | { Get: string })[] {
  return argv.map((a) => (a === REV_TOKEN ? { Get: "Parameters.BaseModelRevision" } : a.includes(REV_TOKEN) || a.includes(RUN_TOKEN) ? unsupportedToken(a) : a));
}

function unsupportedToken(arg: string): never {
  throw new Error(`finetune-kit: argv element ${JSON.stringify(arg)} embeds a pipeline variable inside other text (a kit bug: pass it as an element of its own)`);
}

const ML = "/opt/ml/processing";
const CODE = `${ML}/input/code`;

export function renderSageMakerPipeline(input: SageMakerPipelineInput, index = 0): SageMakerPipelineRender {
  const { spec, pool, store } = input;
  const problems = validatePipelineAgainstPool(spec, pool, index);
  const sizing = sizePipeline(spec, pool);
  if (problems.length || !sizing.placement || !sizing.arch) throw new PipelineRenderError(problems);
  const placement = sizing.placement;
  const l = runLayout(spec, store, RUN_TOKEN);
  const images = {
    python: input.images?.python ?? stageImageUri(store, "python"),
    trainer: spec.stages.training.image ?? input.images?.trainer ?? stageImageUri(store, "trainer"),
    evaluator: spec.evaluation.evaluator.image ?? input.images?.evaluator ?? stageImageUri(store, "evaluator"),
    serving: spec.deployment.serving.image ?? input.images?.serving ?? stageImageUri(store, "serving"),
  };
  const cpuInstance = input.processingInstanceType ?? "ml.m5.xlarge";
  const gpuInstance = pool.instanceType as string;
  const kms = store.kmsKeyId;
  const network = (isolated: boolean) => ({
    EnableNetworkIsolation: isolated,
    EnableInterContainerTrafficEncryption: true,
    ...(input.network ? { VpcConfig: { Subnets: input.network.subnetIds, SecurityGroupIds: input.network.securityGroupIds } } : {}),
  });
  const tags = [
    { Key: "finetune:pipeline", Value: spec.name },
    { Key: "finetune:managed-by", Value: "finetune-kit" },
  ];
  const s3In = (name: string, uri: Value, local: string) => ({ InputName: name, S3Input: { S3Uri: uri, LocalPath: local, S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } });
  const s3Out = (name: string, local: string, uri: Value) => ({ OutputName: name, S3Output: { S3Uri: uri, LocalPath: local, S3UploadMode: "EndOfJob" } });
  const outputOf = (step: string, output: string) => ({ Get: `Steps.${step}.ProcessingOutputConfig.Outputs['${output}'].S3Output.S3Uri` });
  const processing = (o: { name: string; description: string; image: string; entrypoint: (string | { Get: string })[]; inputs: object[]; outputs: object[]; instance?: string; isolated?: boolean; env?: Record<string, Value>; volumeGiB?: number; maxRuntime?: number; dependsOn?: string[]; cache?: boolean; propertyFiles?: object[] }) => ({
    Name: o.name,
    Type: "Processing",
    Description: o.description,
    ...(o.dependsOn ? { DependsOn: o.dependsOn } : {}),
    ...(o.cache ? { CacheConfig: { Enabled: true, ExpireAfter: "P90D" } } : {}),
    ...(o.propertyFiles ? { PropertyFiles: o.propertyFiles } : {}),
    RetryPolicies: [{ ExceptionType: "SageMaker.CAPACITY_ERROR", IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 5 }],
    Arguments: {
      AppSpecification: { ImageUri: o.image, ContainerEntrypoint: o.entrypoint },
      RoleArn: input.roleArn,
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: o.instance ?? cpuInstance, VolumeSizeInGB: o.volumeGiB ?? 50, ...(kms ? { VolumeKmsKeyId: kms } : {}) } },
      ProcessingInputs: [s3In("code", input.codeUri, CODE), ...o.inputs],
      ProcessingOutputConfig: { Outputs: o.outputs, ...(kms ? { KmsKeyId: kms } : {}) },
      NetworkConfig: network(o.isolated ?? true),
      StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntime ?? 4 * 3600 },
      Environment: { PYTHONPATH: CODE, PYTHONUNBUFFERED: "1", HOME: "/tmp", FTKIT_PIPELINE: spec.name, ...(o.env ?? {}) },
      Tags: tags,
    },
  });

  const dataPrep = processing({
    name: "DataPrep",
    description: "1. Data preparation: validate, de-duplicate, split, statistics",
    image: images.python,
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
  const modelInit = processing({
    name: "ModelInit",
    description: "2. Model initialization: snapshot the pinned base-model revision (cached per revision)",
    image: images.trainer,
    entrypoint: argvTokens(modelInitCommand(spec, CODE, { revision: REV_TOKEN, dest: `${ML}/output/model` })),
    inputs: [],
    outputs: [s3Out("model", `${ML}/output/model`, joinTokens(l.baseModel(REV_TOKEN)))],
    isolated: false,
    cache: true,
    volumeGiB: spec.compute.ephemeralStorageGiB,
    maxRuntime: 6 * 3600,
    // The revision parameter is an argv element of its own (a `Get`); fetch_model.py checks it before use.
    ...(input.hubTokenSecretArn && spec.baseModel.gated ? { env: { HF_TOKEN_SECRET_ARN: input.hubTokenSecretArn } } : {}),
  });

  const setup = processing({
    name: "TrainingSetup",
    description: "3. Training setup: trainer config and sizing check",
    image: images.python,
    entrypoint: trainingSetupCommand(spec, CODE, { trainerConfig: `${ML}/input/config/trainer.json`, sizing: `${ML}/input/config/sizing.json`, stats: `${ML}/input/data/stats.json`, output: `${ML}/output/setup` }),
    inputs: [s3In("config", input.configUri, `${ML}/input/config`), s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`)],
    outputs: [s3Out("setup", `${ML}/output/setup`, joinTokens(l.stage("training-setup")))],
    dependsOn: ["ModelInit"],
  });

  const chan = (name: string, uri: Value) => ({ ChannelName: name, InputMode: "File", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" } } });
  const launcherArgv = [
    "--config", "/opt/ml/input/data/config/trainer.json",
    "--rendered", "/tmp/trainer.json",
    "--checkpoints", "/opt/ml/checkpoints",
    "--marker", ".saved-node-",
    "--output-dir", "/opt/ml/checkpoints",
    "--final-output", "/opt/ml/model",
    "--nodes", String(placement.nodes),
    "--",
    ...(spec.stages.training.command ?? torchrunCommand(placement, "{leader}", "sagemaker")),
  ];
  // Log mode (no Pushgateway on SageMaker): the trainer prints monitoring's log line, parsed by MetricDefinitions.
  const trainerEnv = {
    ...Object.fromEntries(pipelineMetricsEnv(undefined, spec.name).map((e) => [e.name, e.value])),
    FTKIT_NODES: String(placement.nodes),
    FTKIT_CHECKPOINT_INTERVAL_SECONDS: String(spec.checkpointing.intervalMinutes * 60),
    FTKIT_TOKENS_PER_STEP: String(tokensPerStep(spec, placement)),
    HF_HUB_OFFLINE: "1",
  };
  const training = {
    Name: "Training",
    Type: "Training",
    Description: `4. Training: ${spec.method.type} on ${placement.nodes} × ${gpuInstance}, managed spot, checkpoints every ${spec.checkpointing.intervalMinutes} min`,
    DependsOn: ["TrainingSetup"],
    RetryPolicies: [{ ExceptionType: "SageMaker.CAPACITY_ERROR", IntervalSeconds: 300, BackoffRate: 1.5, MaxAttempts: 10 }],
    Arguments: {
      AlgorithmSpecification: {
        TrainingImage: images.trainer,
        TrainingInputMode: "File",
        EnableSageMakerMetricsTimeSeries: true,
        MetricDefinitions: sageMakerMetricDefinitions(),
      },
      HyperParameters: { ftkit_argv: JSON.stringify(launcherArgv), ftkit_env: JSON.stringify(trainerEnv) },
      InputDataConfig: [
        chan("model", outputOf("ModelInit", "model")),
        chan("data", outputOf("DataPrep", "data")),
        chan("config", outputOf("TrainingSetup", "setup")),
        chan("code", input.codeUri),
      ],
      OutputDataConfig: { S3OutputPath: joinTokens(l.stage("training")), ...(kms ? { KmsKeyId: kms } : {}) },
      ResourceConfig: { InstanceCount: placement.nodes, InstanceType: gpuInstance, VolumeSizeInGB: spec.compute.ephemeralStorageGiB, ...(kms ? { VolumeKmsKeyId: kms } : {}) },
      RoleArn: input.roleArn,
      StoppingCondition: {
        MaxRuntimeInSeconds: Math.round(spec.compute.maxRuntimeHours * 3600),
        ...(spec.compute.spot ? { MaxWaitTimeInSeconds: Math.round(Math.max(spec.compute.maxWaitHours, spec.compute.maxRuntimeHours) * 3600) } : {}),
      },
      EnableManagedSpotTraining: spec.compute.spot,
      CheckpointConfig: { S3Uri: joinTokens(l.checkpoints), LocalPath: "/opt/ml/checkpoints" },
      ...network(true),
      Tags: tags,
    },
  };

  const evalGpus = servingGpus(sizing.arch, pool.gpuMemoryGiB, spec.deployment.gpusPerReplica);
  const evalDir = `${ML}/output/evaluation`;
  const evaluation = processing({
    name: "Evaluation",
    description: "5. Evaluation: task metrics, general-capability and safety suites, gate report",
    image: images.evaluator,
    // No shell: the step runner unpacks the adapter, starts vLLM, runs every suite and the gate as argv.
    entrypoint: runStepsCommand(CODE, [
      { untar: `${ML}/input/adapter` },
      { run: ["vllm", ...vllmArgs(spec, `${ML}/input/model`, `${ML}/input/adapter`, 8000, evalGpus)], background: "/tmp/vllm.log" },
      ...evaluationSteps(spec, { scripts: CODE, endpoint: "http://localhost:8000/v1", evalFile: `${ML}/input/data/eval.jsonl`, out: evalDir, tokenizer: `${ML}/input/model` }),
      { run: gateCommand(spec, CODE, { metrics: `${evalDir}/metrics.json`, thresholds: `${ML}/input/config/thresholds.json`, deployed: `${ML}/input/registry/deployed.json`, out: `${evalDir}/gate.json`, noFail: true }) },
    ]),
    inputs: [
      s3In("model", outputOf("ModelInit", "model"), `${ML}/input/model`),
      s3In("adapter", { Get: "Steps.Training.ModelArtifacts.S3ModelArtifacts" }, `${ML}/input/adapter`),
      s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`),
      s3In("config", input.configUri, `${ML}/input/config`),
      s3In("registry", l.deployedPointer, `${ML}/input/registry`),
    ],
    outputs: [s3Out("evaluation", evalDir, joinTokens(l.stage("evaluation")))],
    instance: gpuInstance,
    volumeGiB: spec.compute.ephemeralStorageGiB,
    maxRuntime: 12 * 3600,
    dependsOn: ["Training"],
    propertyFiles: [{ PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "gate.json" }],
  });

  const gateValue = (path: string) => ({ "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluation.PropertyFiles.EvaluationReport" }, Path: path } });
  const registryLocal = `${ML}/registry`;
  const registerVersion = processing({
    name: "RegisterVersion",
    description: "6. Deployment: record the version and its metrics in the registry, promote it",
    image: images.python,
    // No shell: the execution id reaches register_model.py through the environment ({ env: "FTKIT_RUN_ID" }).
    entrypoint: runStepsCommand(CODE, [
      { copy: `${ML}/input/registry/deployed.json`, to: `${registryLocal}/deployed.json` },
      { untar: `${ML}/input/training`, into: "/tmp/training" },
      { touch: "/tmp/training/_SUCCESS" },
      { run: ["python3", `${CODE}/register_model.py`, "register", "--registry", registryLocal, "--version", { env: "FTKIT_RUN_ID" }, "--source", "/tmp/training", "--evaluation", `${ML}/input/evaluation`, "--probe", `${ML}/input/data/probe.jsonl`, "--provenance", JSON.stringify({ pipeline: spec.name, baseModel: spec.baseModel.id, method: spec.method.type })] },
      { run: ["python3", `${CODE}/register_model.py`, "promote", "--registry", registryLocal, "--version", { env: "FTKIT_RUN_ID" }] },
    ]),
    inputs: [
      s3In("training", { Get: "Steps.Training.ModelArtifacts.S3ModelArtifacts" }, `${ML}/input/training`),
      s3In("evaluation", outputOf("Evaluation", "evaluation"), `${ML}/input/evaluation`),
      s3In("data", outputOf("DataPrep", "data"), `${ML}/input/data`),
      s3In("registry", l.deployedPointer, `${ML}/input/registry`),
    ],
    outputs: [s3Out("registry", registryLocal, l.registryModel)],
    env: { FTKIT_RUN_ID: EXEC_ID },
  });

  const registerModel = {
    Name: "RegisterModel",
    Type: "RegisterModel",
    Description: "6. Deployment: register the version in the Model Package Group",
    DependsOn: ["RegisterVersion"],
    Arguments: {
      ModelPackageGroupName: store.modelPackageGroupName ?? spec.name,
      ModelPackageDescription: `${spec.name}: ${spec.method.type} fine-tune of ${spec.baseModel.id}`,
      ModelApprovalStatus: spec.deployment.enabled ? "Approved" : "PendingManualApproval",
      InferenceSpecification: {
        Containers: [{ Image: images.serving, ModelDataUrl: { Get: "Steps.Training.ModelArtifacts.S3ModelArtifacts" } }],
        SupportedContentTypes: ["application/json"],
        SupportedResponseMIMETypes: ["application/json"],
        SupportedRealtimeInferenceInstanceTypes: [spec.deployment.instanceType],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: joinTokens(`${l.stage("evaluation")}/metrics.json`) } } },
    },
  };
  const fail = { Name: "GateFailed", Type: "Fail", Description: "The evaluation gate failed: nothing is registered or deployed", Arguments: { ErrorMessage: gateValue("reason") } };
  const gate = {
    Name: "EvaluationGate",
    Type: "Condition",
    Description: "5. Evaluation gate: thresholds and regression versus the deployed version",
    DependsOn: ["Evaluation"],
    Arguments: { Conditions: [{ Type: "Equals", LeftValue: gateValue("passed"), RightValue: true }], IfSteps: [registerVersion, registerModel], ElseSteps: [fail] },
  };

  const steps: object[] = [dataPrep, modelInit, setup, training, evaluation, gate];
  if (spec.deployment.enabled) {
    steps.push(
      {
        Name: "CreateModel",
        Type: "Model",
        Description: "6. Deployment: a SageMaker model from the registered package",
        DependsOn: ["RegisterModel"],
        Arguments: { ExecutionRoleArn: input.roleArn, PrimaryContainer: { ModelPackageName: { Get: "Steps.RegisterModel.ModelPackageArn" } }, EnableNetworkIsolation: true, ...(input.network ? { VpcConfig: { Subnets: input.network.subnetIds, SecurityGroupIds: input.network.securityGroupIds } } : {}), Tags: tags },
      },
      {
        Name: "EndpointConfig",
        Type: "EndpointConfig",
        Description: "6. Deployment: endpoint configuration of this version",
        DependsOn: ["CreateModel"],
        Arguments: {
          EndpointConfigName: EXEC_ID,
          ...(kms ? { KmsKeyId: kms } : {}),
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: { Get: "Steps.CreateModel.ModelName" },
              InstanceType: spec.deployment.instanceType,
              InitialInstanceCount: spec.deployment.replicas,
              ContainerStartupHealthCheckTimeoutInSeconds: 1800,
              ModelDataDownloadTimeoutInSeconds: 1800,
              ...(spec.deployment.autoscaling.enabled ? { ManagedInstanceScaling: { Status: "ENABLED", MinInstanceCount: spec.deployment.replicas, MaxInstanceCount: spec.deployment.autoscaling.maxReplicas } } : {}),
            },
          ],
          Tags: tags,
        },
      },
      {
        Name: "Endpoint",
        Type: "Endpoint",
        Description: `6. Deployment: roll endpoint ${servedName(spec)} to this version (the previous endpoint config stays for rollback)`,
        DependsOn: ["EndpointConfig"],
        Arguments: { EndpointName: servedName(spec), EndpointConfigName: EXEC_ID, Tags: tags },
      },
    );
  }

  const definition = {
    Version: "2020-12-01",
    Metadata: { pipeline: spec.name, generator: "finetune-kit" },
    Parameters: [
      { Name: "DatasetUri", Type: "String", DefaultValue: spec.dataset.uri, Description: "S3 URI of the raw JSONL dataset" },
      { Name: "BaseModelRevision", Type: "String", DefaultValue: spec.baseModel.revision, Description: `Pinned revision of ${spec.baseModel.id}` },
    ],
    Steps: steps,
  };
  const configFiles = {
    "trainer.json": JSON.stringify(renderTrainerConfig(spec, sizing.arch, placement, { baseModel: "/opt/ml/input/data/model", dataDir: "/opt/ml/input/data/data", outputDir: "/opt/ml/checkpoints" }, sizing.trainer), null, 2),
    "sizing.json": JSON.stringify(renderSizingRecord(spec, sizing), null, 2),
    "thresholds.json": JSON.stringify(renderThresholds(spec), null, 2),
  };
  const stepNames = steps.flatMap((s) => {
    const st = s as { Name: string; Arguments?: { IfSteps?: { Name: string }[]; ElseSteps?: { Name: string }[] } };
    return [st.Name, ...(st.Arguments?.IfSteps ?? []).map((x) => x.Name), ...(st.Arguments?.ElseSteps ?? []).map((x) => x.Name)];
  });
  return { definition, configFiles, stepNames };
}
