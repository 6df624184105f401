/**
 * The fine-tuning pipeline spec as named interfaces: the shape of `z.input<typeof FineTuningPipelineSpecSchema>`
 * (pipelines/spec.ts) written out so that Pulumi's component provider host can read it (its analyzer rejects the
 * anonymous object types zod infers, literal unions and unions of object types). Types only: the schema stays the
 * one validator, and test/provider-host/spec-args.test.ts holds the two mutually assignable.
 *
 * Differences the analyzer forces: `method` is one interface (`type` plus the fields of every method, each
 * optional) instead of zod's union of three objects; enums are `as const` objects.
 */
import { DatasetFormat, EvalSuite, FineTuningMethod, Optimizer } from "./spec-enums";

/** 4-bit data types of QLoRA's base-model quantization. */
export const QuantizationDataType = {
  /** NormalFloat 4 (the QLoRA paper's). */
  Nf4: "nf4",
  /** 4-bit float. */
  Fp4: "fp4",
} as const;
export type QuantizationDataType = (typeof QuantizationDataType)[keyof typeof QuantizationDataType];

/** Loss kernels of the training stage. */
export const LossKernel = {
  /** Liger's fused linear cross-entropy where Liger supports the model, else plain. */
  Auto: "auto",
  /** Liger's fused linear cross-entropy. */
  Liger: "liger",
  /** Apple's Cut Cross-Entropy. */
  CutCrossEntropy: "cut-cross-entropy",
  /** Logits materialised in fp32. */
  Plain: "plain",
} as const;
export type LossKernel = (typeof LossKernel)[keyof typeof LossKernel];

/** FSDP CPU offload choices. */
export const CpuOffload = {
  /** Only when no GPU-only layout fits. */
  Auto: "auto",
  /** Never offload. */
  Never: "never",
} as const;
export type CpuOffload = (typeof CpuOffload)[keyof typeof CpuOffload];

/** Learning-rate schedules. */
export const LrScheduler = {
  Cosine: "cosine",
  Linear: "linear",
  ConstantWithWarmup: "constant_with_warmup",
} as const;
export type LrScheduler = (typeof LrScheduler)[keyof typeof LrScheduler];

/** Task metrics the evaluation stage computes on the held-out test split. */
export const TaskMetric = {
  ExactMatch: "exact_match",
  JsonValid: "json_valid",
  JsonFieldAccuracy: "json_field_accuracy",
  Chrf: "chrf",
} as const;
export type TaskMetric = (typeof TaskMetric)[keyof typeof TaskMetric];

/** Serving targets of a deployed model. */
export const ServingTarget = {
  /** vLLM on Kubernetes, a SageMaker endpoint on AWS. */
  Auto: "auto",
  /** vLLM. */
  Vllm: "vllm",
  /** A SageMaker real-time endpoint. */
  SageMakerEndpoint: "sagemaker-endpoint",
} as const;
export type ServingTarget = (typeof ServingTarget)[keyof typeof ServingTarget];

/** Kubernetes Secret (name, key) holding the hub token. */
export interface PipelineHubTokenSecretArgs {
  /** Secret name. */
  name: string;
  /** Key in the Secret. @default "HF_TOKEN" */
  key?: string;
}

/** Model shape, for models not in the model table. */
export interface PipelineModelArchitectureArgs {
  /** `hidden_size`. @default - from the model table */
  hiddenSize?: number;
  /** `num_hidden_layers`. @default - from the model table */
  layers?: number;
  /** `intermediate_size`. @default - from the model table */
  intermediateSize?: number;
  /** `num_key_value_heads × head_dim`. @default - from the model table */
  kvDim?: number;
  /** `vocab_size`. @default - from the model table */
  vocabSize?: number;
  /** Decoder layer class FSDP wraps, e.g. `LlamaDecoderLayer`. @default - from the model table */
  decoderLayerClass?: string;
}

/** The base model. */
export interface PipelineBaseModelArgs {
  /** Hugging Face hub id, e.g. `meta-llama/Llama-3.1-8B-Instruct`. */
  id: string;
  /**
   * Pinned revision: a 40-hex commit sha (preferred) or a release tag (letters, digits, `.`, `_`, `-`, at most
   * 128 characters); never a moving branch or a ref such as `refs/heads/main`.
   */
  revision: string;
  /** The repository is gated or private: the model-init stage authenticates with the hub token. @default false */
  gated?: boolean;
  /**
   * Kubernetes Secret (name, key) holding the hub token when gated. The pipeline component creates it from
   * `finetune:hubToken`. @default { name: "<pipeline>-hub-token", key: "HF_TOKEN" }
   */
  hubTokenSecret?: PipelineHubTokenSecretArgs;
  /** Total parameter count, for models not in the kit's model table (e.g. `8.03e9`). @default - from the model table */
  parameters?: number;
  /** Model shape, for models not in the model table. @default - from the model table, or derived from `parameters` */
  architecture?: PipelineModelArchitectureArgs;
}

/** Split ratios of the dataset; a ratio must be 0 for a split given as an explicit URI. */
export interface PipelineDatasetSplitArgs {
  /** Training share. @default 0.9 */
  train?: number;
  /** Validation share. @default 0.05 */
  validation?: number;
  /** Held-out test share. @default 0.05 */
  test?: number;
}

/** The training data. */
export interface PipelineDatasetArgs {
  /** Object-store URI of the raw JSONL dataset (`s3://…` or `gs://…`); a pipeline parameter at run time. */
  uri: string;
  /** Row format. */
  format: DatasetFormat;
  /** Split ratios; a ratio must be 0 for a split given as an explicit URI. @default { train: 0.9, validation: 0.05, test: 0.05 } */
  split?: PipelineDatasetSplitArgs;
  /** Explicit validation set. @default - split from `uri` */
  validationUri?: string;
  /** Explicit held-out test set. @default - split from `uri` */
  testUri?: string;
  /** Fewest examples (after de-duplication) the data-prep stage accepts. @default 1000 */
  minExamples?: number;
  /** Drop exact duplicates (after whitespace normalisation). @default true */
  deduplicate?: boolean;
  /** Seed of the deterministic split. @default 42 */
  seed?: number;
}

/** QLoRA base-model quantization (bitsandbytes). */
export interface PipelineQuantizationArgs {
  /** Bits per base-model weight; QLoRA is defined for 4. @default 4 */
  bits?: number;
  /** 4-bit data type: NormalFloat (`nf4`, the QLoRA paper's) or `fp4`. @default "nf4" */
  type?: QuantizationDataType;
  /** Quantize the quantization constants too (saves ~0.37 bit/parameter). @default true */
  doubleQuant?: boolean;
}

/**
 * Fine-tuning method and its adapter/quantization hyper-parameters: `full` (every parameter trains), `lora`
 * (frozen bf16 base weights plus trainable low-rank adapters) or `qlora` (the base model quantized to 4-bit
 * NormalFloat, LoRA adapters in bf16). The LoRA fields apply to `lora` and `qlora`, `quantization` to `qlora` only
 * (the schema refuses them elsewhere).
 */
export interface PipelineMethodArgs {
  /** Method. */
  type: FineTuningMethod;
  /** Optimizer. @default "adamw_torch_fused" ("paged_adamw_8bit" with qlora) */
  optimizer?: Optimizer;
  /** LoRA rank r (the adapters' inner dimension); lora and qlora only. @default 16 */
  rank?: number;
  /** LoRA alpha (scaling = alpha / rank); lora and qlora only. @default 32 */
  alpha?: number;
  /** LoRA dropout; lora and qlora only. @default 0.05 */
  dropout?: number;
  /**
   * Modules that get adapters: `["all-linear"]` (every linear layer of the decoder, as in the QLoRA paper) or
   * module names such as `q_proj`, `v_proj`; lora and qlora only. @default ["all-linear"]
   */
  targetModules?: string[];
  /** Base-model quantization (bitsandbytes); qlora only. @default { bits: 4, type: "nf4", doubleQuant: true } */
  quantization?: PipelineQuantizationArgs;
}

/** Optimisation hyper-parameters. */
export interface PipelineTrainingArgs {
  /** Peak learning rate. @default - 1e-5 for full, 2e-4 for lora/qlora */
  learningRate?: number;
  /** Epochs over the training split. @default 3 */
  epochs?: number;
  /** Micro-batch size per GPU. @default 2 */
  batchSize?: number;
  /** Gradient accumulation steps. @default 8 */
  gradientAccumulationSteps?: number;
  /** Sequence length (tokens); longer rows are truncated. @default 2048 */
  sequenceLength?: number;
  /** Recompute activations in the backward pass (less memory, ~30% slower). @default true */
  gradientCheckpointing?: boolean;
  /** Pack several rows into each sequence (Axolotl `sample_packing`; needs flash attention): no compute spent on padding. @default true */
  samplePacking?: boolean;
  /** Flash attention (Axolotl `flash_attention`; PyTorch SDPA on GPUs older than Ampere); off: eager attention, O(sequence²) memory. @default true */
  flashAttention?: boolean;
  /**
   * Loss kernel: `auto` (Liger's fused linear cross-entropy where Liger supports the model, else plain), `liger`,
   * `cut-cross-entropy` (Apple's CCE), `plain` (logits materialised in fp32). @default "auto"
   */
  lossKernel?: LossKernel;
  /** FSDP CPU offload of parameters, gradients and optimizer states: `auto` (only when no GPU-only layout fits), `never`. @default "auto" */
  cpuOffload?: CpuOffload;
  /** Tokens in the training split, for the cost and time estimate. @default - dataset.minExamples × sequenceLength / 2 (an assumption the estimate states) */
  datasetTokens?: number;
  /** Learning-rate schedule. @default "cosine" */
  lrScheduler?: LrScheduler;
  /** Warm-up as a fraction of steps. @default 0.03 */
  warmupRatio?: number;
  /** Validation-loss evaluations per epoch. @default 4 */
  evalsPerEpoch?: number;
  /** Optimizer steps between log lines / metric pushes. @default 10 */
  loggingSteps?: number;
  /** Stop when validation loss has not improved for this many evaluations; 0 disables. @default 3 */
  earlyStoppingPatience?: number;
  /** Seed. @default 42 */
  seed?: number;
}

/** Where and on what the training stage runs. */
export interface PipelineComputeArgs {
  /** GPU pool name (`finetune:gpuPools[].name`). */
  pool: string;
  /** GPUs per node. @default - the fewest that fit, chosen by the sizing from the pool contract */
  gpusPerNode?: number;
  /** Nodes (more than one: multi-node torchrun). @default - the fewest that fit */
  nodes?: number;
  /** CUDA version of the training image (the driver stack must support it). @default - the trainer image pin's, e.g. "12.8" */
  cudaVersion?: string;
  /** CPU cores requested per GPU. @default 8 */
  cpuPerGpu?: number;
  /** Host memory (GiB) requested per GPU. @default 48 */
  memoryGiBPerGpu?: number;
  /** Shared memory (`/dev/shm`, memory-backed emptyDir) per node in GiB, for NCCL and data loaders. @default 16 */
  sharedMemoryGiB?: number;
  /** Scratch disk per node (model, data, local checkpoints) in GiB. @default 200 */
  ephemeralStorageGiB?: number;
  /** Whole-job restarts (JobSet failurePolicy.maxRestarts) before the run fails; preemptions do not count. @default 10 */
  maxRestarts?: number;
  /** Longest training run in hours (SageMaker MaxRuntime; Kubernetes activeDeadlineSeconds). @default 24 */
  maxRuntimeHours?: number;
  /** Longest wait for spot capacity plus runtime in hours (SageMaker MaxWaitTime, ≥ maxRuntimeHours). @default 48 */
  maxWaitHours?: number;
  /** Use spot capacity (SageMaker managed spot training). @default true */
  spot?: boolean;
}

/** Checkpoints to the object store and automatic resume. */
export interface PipelineCheckpointingArgs {
  /** Minutes of training between checkpoints (time-based, so a preemption loses at most this much). @default 10 */
  intervalMinutes?: number;
  /** Checkpoints kept in the object store (older ones are pruned). @default 3 */
  keepLast?: number;
}

/** One gate threshold. */
export interface PipelineThresholdArgs {
  /** Suite the metric comes from. */
  suite: EvalSuite;
  /** Metric name: a task metric (`exact_match`, `json_valid`, …) or an lm-eval `<task>/<metric>` such as `mmlu/acc`. */
  metric: string;
  /** Lowest acceptable value. @default - no lower bound */
  min?: number;
  /** Highest acceptable value. @default - no upper bound */
  max?: number;
}

/** Image and command of one stage. */
export interface PipelineStageOverridesArgs {
  /** Container image. @default - the stage's pin in core/versions.ts (PIPELINE_IMAGES) */
  image?: string;
  /** Command (entrypoint + arguments) replacing the kit's. @default - the kit's command for the stage */
  command?: string[];
}

/** The evaluation stage and its gate. */
export interface PipelineEvaluationArgs {
  /** Task metrics on the held-out test split (`exact_match`, `json_valid`, `json_field_accuracy`, `chrf`). @default ["exact_match"] */
  taskMetrics?: TaskMetric[];
  /** Most test examples scored. @default 1000 */
  taskLimit?: number;
  /** lm-evaluation-harness tasks of the general-capability regression suite. @default ["mmlu", "arc_easy", "hellaswag"] */
  generalTasks?: string[];
  /** lm-evaluation-harness tasks of the safety suite. @default ["truthfulqa_mc2", "toxigen"] */
  safetyTasks?: string[];
  /** Examples per lm-eval task (speed/accuracy trade-off). @default 500 */
  suiteLimit?: number;
  /** Gate thresholds; required when deployment is enabled. @default [] */
  thresholds?: PipelineThresholdArgs[];
  /** Compare with the deployed model's metrics (from the registry) and fail on regressions. @default true */
  compareWithDeployed?: boolean;
  /** Largest allowed drop of any shared metric versus the deployed model (absolute). @default 0.02 */
  maxRegression?: number;
  /** Evaluator image/command. @default {} */
  evaluator?: PipelineStageOverridesArgs;
}

/** Autoscaling of the serving replicas. */
export interface PipelineAutoscalingArgs {
  /** Scale the replicas. @default false */
  enabled?: boolean;
  /** Most replicas. @default 4 */
  maxReplicas?: number;
  /** Target of waiting requests per replica (vLLM `vllm:num_requests_waiting`, via a custom-metrics adapter). @default 8 */
  targetRequestsWaiting?: number;
}

/** Registration and roll-out of a model that passed the gate. */
export interface PipelineDeploymentArgs {
  /** Deploy models that pass the gate. @default false */
  enabled?: boolean;
  /** Serving target: `auto` (vLLM on Kubernetes, a SageMaker endpoint on AWS), `vllm`, `sagemaker-endpoint`. @default "auto" */
  target?: ServingTarget;
  /** Serving replicas (minimum when autoscaling). @default 1 */
  replicas?: number;
  /** GPUs per serving replica (vLLM tensor parallelism). @default 1 */
  gpusPerReplica?: number;
  /** Autoscaling of the serving replicas. @default { enabled: false } */
  autoscaling?: PipelineAutoscalingArgs;
  /** SageMaker endpoint instance type. @default "ml.g5.2xlarge" */
  instanceType?: string;
  /** Serving image/command. @default {} */
  serving?: PipelineStageOverridesArgs;
}

/** Recurring probe evaluation of the live endpoint (stage 7). */
export interface PipelineMonitoringArgs {
  /** Run the probe. @default - same as deployment.enabled */
  enabled?: boolean;
  /** Cron schedule of the probe (UTC). @default "0 *\/6 * * *" (every 6 hours) */
  schedule?: string;
  /** Test examples the probe sends. @default 50 */
  probeExamples?: number;
  /** Lowest acceptable probe task score (`finetune_eval_gate_passed{suite="probe"}` drops to 0 below it). @default 0.7 */
  minTaskScore?: number;
  /** Highest acceptable p95 latency of a probe request in seconds. @default 10 */
  maxLatencySeconds?: number;
}

/** Image/command overrides per stage. */
export interface PipelineStagesArgs {
  /** data-prep. @default {} */
  dataPrep?: PipelineStageOverridesArgs;
  /** model-init. @default {} */
  modelInit?: PipelineStageOverridesArgs;
  /** training-setup. @default {} */
  trainingSetup?: PipelineStageOverridesArgs;
  /** training (the trainer container). @default {} */
  training?: PipelineStageOverridesArgs;
  /** deployment (registration and promotion). @default {} */
  deployment?: PipelineStageOverridesArgs;
  /** monitoring probe. @default {} */
  monitoring?: PipelineStageOverridesArgs;
}

/** One pipeline as a user writes it: one entry of `finetune:pipelines` (validated by FineTuningPipelineSpecSchema). */
export interface FineTuningPipelineSpecArgs {
  /**
   * Pipeline name: a DNS label of at most 32 characters (it prefixes Kubernetes object names, run ids and
   * artifact paths).
   */
  name: string;
  /** Human description shown in the workflow and SageMaker pipeline. @default - none */
  description?: string;
  /** The base model. */
  baseModel: PipelineBaseModelArgs;
  /** The training data. */
  dataset: PipelineDatasetArgs;
  /** Fine-tuning method and its adapter/quantization hyper-parameters. */
  method: PipelineMethodArgs;
  /** Optimisation hyper-parameters. @default {} */
  training?: PipelineTrainingArgs;
  /** Where and on what the training stage runs. */
  compute: PipelineComputeArgs;
  /** Checkpoints to the object store and automatic resume. @default {} */
  checkpointing?: PipelineCheckpointingArgs;
  /** The evaluation stage and its gate. @default {} */
  evaluation?: PipelineEvaluationArgs;
  /** Registration and roll-out of a model that passed the gate. @default {} */
  deployment?: PipelineDeploymentArgs;
  /** Recurring probe evaluation of the live endpoint (stage 7). @default {} */
  monitoring?: PipelineMonitoringArgs;
  /** Cron schedule of the whole pipeline (UTC), e.g. weekly retraining. @default - manual runs only */
  schedule?: string;
  /** Image/command overrides per stage. @default {} */
  stages?: PipelineStagesArgs;
}
