/**
 * The fine-tuning pipeline spec's validator (zod): internal. The public types are pipelines/spec-types.generated.ts
 * (written from this schema by `npm run docs`, held equal by test/pipeline/spec-types.test.ts) and the args
 * interfaces of pipelines/spec-args.ts; the public parser is `FineTuningPipelineSpecSchema` of pipelines/spec.ts.
 * Nothing here may reach the package's declaration files: zod's typings do not check under Pulumi's template
 * tsconfig (no esModuleInterop, no skipLibCheck).
 *
 * Cross-field rules are refinements whose messages read `<what is wrong> (<how to fix>)`; checks that need the
 * pool contract live in `validatePipelineAgainstPool` (pipelines/validate.ts).
 */
import { z } from "zod";
import { DatasetFormat, DEFAULT_TRAINER_CUDA_VERSION, EvalSuite, FineTuningMethod, Optimizer, shownValue, valuePattern } from "./spec-enums";
const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const objectUri = valuePattern("object-uri");
const MOVING_REVISIONS = ["main", "master", "latest", "head", "dev", "develop"];
const cronField = /^[\d*/,\-A-Za-z?]+$/;

/**
 * Image reference grammar of distribution/reference (regexp.go): optional `host[:port]/`, lowercase path
 * components separated by `.`, `_`, `__` or `-`, then `:tag` (≤ 128 of \w . -) and/or `@sha256:<64 hex>`.
 */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const imageOverride = z
  .string()
  .max(512)
  .regex(
    IMAGE_REFERENCE,
    "must be an image reference such as registry.example.com/team/trainer:1.2 or …@sha256:<64 hex digits>, without spaces or shell characters (copy it from your registry)",
  );
const command = z.array(z.string()).min(1);

/** The base-model revision: a commit sha or a tag; a ref (`refs/heads/main`) is named as such. */
const revisionField = z.string().superRefine((value, ctx) => {
  if (value.startsWith("refs/")) {
    ctx.addIssue({
      code: "custom",
      message: `${shownValue(value)} is a git ref, which moves (pin a commit sha or release tag from the model's "Files and versions" page)`,
      input: value,
    });
  } else if (!valuePattern("revision").test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${shownValue(value)} is not a commit sha or tag (use the 40-hex commit sha from the model's "Files and versions" page, or a tag of letters, digits, '.', '_', '-', at most 128 characters)`,
      input: value,
    });
  }
});

/** An lm-evaluation-harness task name. */
const lmEvalTask = z
  .string()
  .regex(
    valuePattern("lm-eval-task"),
    "must be an lm-evaluation-harness task name: letters, digits, '_', '.', '-', at most 128 characters (see `lm_eval --tasks list`)",
  );

/** Metric names: `exact_match` or lm-eval's `<task>/<metric>` (the metric as evaluate.py keys it, without the filter). */
const METRIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$/;

/** Kubernetes Secret data key (apimachinery `IsConfigMapKey`: 1-253 of A-Z a-z 0-9 - _ .). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Overrides shared by every stage: image and command. */
const stageOverrides = z.strictObject({
  /** Container image. @default - the stage's pin in core/versions.ts (PIPELINE_IMAGES) */
  image: imageOverride.optional(),
  /** Command (entrypoint + arguments) replacing the kit's. @default - the kit's command for the stage */
  command: command.optional(),
});

const loraFields = {
  /** LoRA rank r (the adapters' inner dimension). @default 16 */
  rank: z.number().int().default(16),
  /** LoRA alpha (scaling = alpha / rank). @default 32 */
  alpha: z.number().positive().default(32),
  /** LoRA dropout. @default 0.05 */
  dropout: z.number().min(0).max(0.9).default(0.05),
  /**
   * Modules that get adapters: `["all-linear"]` (every linear layer of the decoder, as in the QLoRA paper) or
   * module names such as `q_proj`, `v_proj`. @default ["all-linear"]
   */
  targetModules: z
    .array(
      z
        .string()
        .regex(
          /^(all-linear|[A-Za-z_][A-Za-z0-9_.]{0,127})$/,
          `must be "all-linear" or a module name such as q_proj: letters, digits, '_', '.' (copy it from the model's named_modules())`,
        ),
    )
    .min(1)
    .default(["all-linear"]),
};

/** Full fine-tuning: every parameter trains (mixed-precision AdamW, sharded with FSDP across GPUs when needed). */
const FullMethodSchema = z.strictObject({
  /** Method. */
  type: z.literal(FineTuningMethod.Full),
  /** Optimizer. @default "adamw_torch_fused" */
  optimizer: z.enum(Object.values(Optimizer) as [Optimizer, ...Optimizer[]]).default(Optimizer.AdamWTorchFused),
});

/** LoRA: frozen bf16 base weights plus trainable low-rank adapters. */
const LoraMethodSchema = z.strictObject({
  /** Method. */
  type: z.literal(FineTuningMethod.Lora),
  ...loraFields,
  /** Optimizer. @default "adamw_torch_fused" */
  optimizer: z.enum(Object.values(Optimizer) as [Optimizer, ...Optimizer[]]).default(Optimizer.AdamWTorchFused),
});

/** QLoRA: the base model quantized to 4-bit NormalFloat with double quantization, LoRA adapters in bf16. */
const QloraMethodSchema = z.strictObject({
  /** Method. */
  type: z.literal(FineTuningMethod.Qlora),
  ...loraFields,
  /** Base-model quantization (bitsandbytes). @default { bits: 4, type: "nf4", doubleQuant: true } */
  quantization: z
    .strictObject({
      /** Bits per base-model weight; QLoRA is defined for 4. @default 4 */
      bits: z.number().int().default(4),
      /** 4-bit data type: NormalFloat (`nf4`, the QLoRA paper's) or `fp4`. @default "nf4" */
      type: z.enum(["nf4", "fp4"]).default("nf4"),
      /** Quantize the quantization constants too (saves ~0.37 bit/parameter). @default true */
      doubleQuant: z.boolean().default(true),
    })
    .prefault({}),
  /** Optimizer (paged 8-bit AdamW keeps optimizer spikes off the GPU, as in the QLoRA paper). @default "paged_adamw_8bit" */
  optimizer: z.enum(Object.values(Optimizer) as [Optimizer, ...Optimizer[]]).default(Optimizer.PagedAdamW8bit),
});

const METHODS = Object.values(FineTuningMethod) as string[];

/**
 * `method`: how the model is fine-tuned. An unknown `type` is reported with its value and the allowed methods
 * (before the union, so that the message names the field the user typed).
 */
export const MethodSchema = z.preprocess(
  (value, ctx) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const type = (value as { type?: unknown }).type;
      if (type === undefined) {
        ctx.addIssue({ code: "custom", path: ["type"], message: `is required (set it to one of ${METHODS.map((m) => `"${m}"`).join(", ")})`, input: value });
        return z.NEVER;
      }
      if (typeof type !== "string" || !METHODS.includes(type)) {
        ctx.addIssue({
          code: "custom",
          path: ["type"],
          message: `${JSON.stringify(type)} is not a fine-tuning method (use one of ${METHODS.map((m) => `"${m}"`).join(", ")})`,
          input: value,
        });
        return z.NEVER;
      }
    }
    return value;
  },
  z.discriminatedUnion("type", [FullMethodSchema, LoraMethodSchema, QloraMethodSchema]),
);
export type InferredMethodSpec = z.infer<typeof MethodSchema>;

/** One gate threshold. */
export const ThresholdSchema = z.strictObject({
  /** Suite the metric comes from. */
  suite: z.enum([EvalSuite.Task, EvalSuite.General, EvalSuite.Safety]),
  /** Metric name: a task metric (`exact_match`, `json_valid`, …) or an lm-eval `<task>/<metric>` such as `mmlu/acc`. */
  metric: z
    .string()
    .regex(
      METRIC_NAME,
      "must be a metric name such as exact_match, or <task>/<metric> such as mmlu/acc: letters, digits, '_', '.', '-' (use a name evaluate.py reports)",
    ),
  /** Lowest acceptable value. @default - no lower bound */
  min: z.number().optional(),
  /** Highest acceptable value. @default - no upper bound */
  max: z.number().optional(),
});
export type InferredThresholdSpec = z.infer<typeof ThresholdSchema>;

export const FineTuningPipelineSpecSchema = z
  .strictObject({
    /**
     * Pipeline name: a DNS label of at most 32 characters (it prefixes Kubernetes object names, run ids and
     * artifact paths).
     */
    name: z.string().max(32).regex(dnsLabel, "must be a DNS label: lowercase letters, digits and '-', starting with a letter (rename the pipeline)"),
    /** Human description shown in the workflow and SageMaker pipeline. @default - none */
    description: z.string().max(1000).optional(),

    /** The base model. */
    baseModel: z.strictObject({
      /** Hugging Face hub id, e.g. `meta-llama/Llama-3.1-8B-Instruct`. */
      id: z
        .string()
        .regex(
          valuePattern("hub-id"),
          "must be a hub id such as org/model: letters, digits, '.', '_', '-', each part at most 96 characters (copy it from the model page)",
        )
        .refine((v) => !v.includes("--") && !v.includes(".."), "must not contain '--' or '..' (the hub refuses such ids: copy the id from the model page)"),
      /**
       * Pinned revision: a 40-hex commit sha (preferred) or a release tag (letters, digits, `.`, `_`, `-`, at most
       * 128 characters); never a moving branch or a ref such as `refs/heads/main`.
       */
      revision: revisionField,
      /** The repository is gated or private: the model-init stage authenticates with the hub token. @default false */
      gated: z.boolean().default(false),
      /**
       * Kubernetes Secret (name, key) holding the hub token when gated. The pipeline component creates it from
       * `finetune:hubToken`. @default { name: "<pipeline>-hub-token", key: "HF_TOKEN" }
       */
      hubTokenSecret: z
        .strictObject({
          /** Secret name. */
          name: z.string().max(63).regex(dnsLabel, "must be a DNS label: lowercase letters, digits and '-', starting with a letter (name the Secret so)"),
          /** Key in the Secret. @default "HF_TOKEN" */
          key: z.string().regex(SECRET_KEY, "must be a Secret key: 1-253 letters, digits, '-', '_', '.' (e.g. HF_TOKEN)").default("HF_TOKEN"),
        })
        .optional(),
      /** Total parameter count, for models not in the kit's model table (e.g. `8.03e9`). @default - from the model table */
      parameters: z.number().min(1e6).optional(),
      /** Model shape, for models not in the model table. @default - from the model table, or derived from `parameters` */
      architecture: z
        .strictObject({
          /** `hidden_size`. */
          hiddenSize: z.number().int().positive().optional(),
          /** `num_hidden_layers`. */
          layers: z.number().int().positive().optional(),
          /** `intermediate_size`. */
          intermediateSize: z.number().int().positive().optional(),
          /** `num_key_value_heads × head_dim`. */
          kvDim: z.number().int().positive().optional(),
          /** `vocab_size`. */
          vocabSize: z.number().int().positive().optional(),
          /** Decoder layer class FSDP wraps, e.g. `LlamaDecoderLayer`. */
          decoderLayerClass: z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be a Python class name such as LlamaDecoderLayer (copy it from the model's modeling file)")
            .optional(),
        })
        .optional(),
    }),

    /** The training data. */
    dataset: z.strictObject({
      /** Object-store URI of the raw JSONL dataset (`s3://…` or `gs://…`); a pipeline parameter at run time. */
      uri: z
        .string()
        .regex(
          objectUri,
          "must be an object-store URI such as s3://bucket/datasets/support.jsonl, without spaces, quotes or shell characters (upload the dataset to the artifact store)",
        ),
      /** Row format. */
      format: z.enum([DatasetFormat.Chat, DatasetFormat.Instruction, DatasetFormat.Completion]),
      /** Split ratios; a ratio must be 0 for a split given as an explicit URI. @default { train: 0.9, validation: 0.05, test: 0.05 } */
      split: z
        .strictObject({
          /** @default 0.9 */
          train: z.number().min(0).max(1).default(0.9),
          /** @default 0.05 */
          validation: z.number().min(0).max(1).default(0.05),
          /** @default 0.05 */
          test: z.number().min(0).max(1).default(0.05),
        })
        .prefault({}),
      /** Explicit validation set. @default - split from `uri` */
      validationUri: z
        .string()
        .regex(objectUri, "must be an object-store URI (s3://… or gs://…) without spaces, quotes or shell characters (rename the object)")
        .optional(),
      /** Explicit held-out test set. @default - split from `uri` */
      testUri: z
        .string()
        .regex(objectUri, "must be an object-store URI (s3://… or gs://…) without spaces, quotes or shell characters (rename the object)")
        .optional(),
      /** Fewest examples (after de-duplication) the data-prep stage accepts. @default 1000 */
      minExamples: z.number().int().min(1).default(1000),
      /** Drop exact duplicates (after whitespace normalisation). @default true */
      deduplicate: z.boolean().default(true),
      /** Seed of the deterministic split. @default 42 */
      seed: z.number().int().min(0).default(42),
    }),

    /** Fine-tuning method and its adapter/quantization hyper-parameters. */
    method: MethodSchema,

    /** Optimisation hyper-parameters. @default {} */
    training: z
      .strictObject({
        /** Peak learning rate. @default - 1e-5 for full, 2e-4 for lora/qlora */
        learningRate: z.number().positive().max(1).optional(),
        /** Epochs over the training split. @default 3 */
        epochs: z.number().positive().max(100).default(3),
        /** Micro-batch size per GPU. @default 2 */
        batchSize: z.number().int().min(1).default(2),
        /** Gradient accumulation steps. @default 8 */
        gradientAccumulationSteps: z.number().int().min(1).default(8),
        /** Sequence length (tokens); longer rows are truncated. @default 2048 */
        sequenceLength: z.number().int().min(128).max(131072).default(2048),
        /** Recompute activations in the backward pass (less memory, ~30% slower). @default true */
        gradientCheckpointing: z.boolean().default(true),
        /** Pack several rows into each sequence (Axolotl `sample_packing`; needs flash attention): no compute spent on padding. @default true */
        samplePacking: z.boolean().default(true),
        /** Flash attention (Axolotl `flash_attention`; PyTorch SDPA on GPUs older than Ampere); off: eager attention, O(sequence²) memory. @default true */
        flashAttention: z.boolean().default(true),
        /**
         * Loss kernel: `auto` (Liger's fused linear cross-entropy where Liger supports the model, else plain), `liger`,
         * `cut-cross-entropy` (Apple's CCE), `plain` (logits materialised in fp32). @default "auto"
         */
        lossKernel: z.enum(["auto", "liger", "cut-cross-entropy", "plain"]).default("auto"),
        /** FSDP CPU offload of parameters, gradients and optimizer states: `auto` (only when no GPU-only layout fits), `never`. @default "auto" */
        cpuOffload: z.enum(["auto", "never"]).default("auto"),
        /** Tokens in the training split, for the cost and time estimate. @default - dataset.minExamples × sequenceLength / 2 (an assumption the estimate states) */
        datasetTokens: z.number().positive().optional(),
        /** Learning-rate schedule. @default "cosine" */
        lrScheduler: z.enum(["cosine", "linear", "constant_with_warmup"]).default("cosine"),
        /** Warm-up as a fraction of steps. @default 0.03 */
        warmupRatio: z.number().min(0).max(0.5).default(0.03),
        /** Validation-loss evaluations per epoch. @default 4 */
        evalsPerEpoch: z.number().int().min(1).max(100).default(4),
        /** Optimizer steps between log lines / metric pushes. @default 10 */
        loggingSteps: z.number().int().min(1).default(10),
        /** Stop when validation loss has not improved for this many evaluations; 0 disables. @default 3 */
        earlyStoppingPatience: z.number().int().min(0).default(3),
        /** Seed. @default 42 */
        seed: z.number().int().min(0).default(42),
      })
      .prefault({}),

    /** Where and on what the training stage runs. */
    compute: z.strictObject({
      /** GPU pool name (`finetune:gpuPools[].name`). */
      pool: z
        .string()
        .regex(/^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/, "must name a pool of finetune:gpuPools: 1-30 lowercase letters, digits or '-' (copy the pool's name)"),
      /** GPUs per node. @default - the fewest that fit, chosen by the sizing from the pool contract */
      gpusPerNode: z.number().int().min(1).optional(),
      /** Nodes (more than one: multi-node torchrun). @default - the fewest that fit */
      nodes: z.number().int().min(1).optional(),
      /** CUDA version of the training image (the driver stack must support it). @default - the trainer image pin's, e.g. "12.8" */
      cudaVersion: z
        .string()
        .regex(/^\d+\.\d+$/, "must be MAJOR.MINOR such as 12.8")
        .default(DEFAULT_TRAINER_CUDA_VERSION),
      /** CPU cores requested per GPU. @default 8 */
      cpuPerGpu: z.number().positive().default(8),
      /** Host memory (GiB) requested per GPU. @default 48 */
      memoryGiBPerGpu: z.number().positive().default(48),
      /** Shared memory (`/dev/shm`, memory-backed emptyDir) per node in GiB, for NCCL and data loaders. @default 16 */
      sharedMemoryGiB: z.number().positive().default(16),
      /** Scratch disk per node (model, data, local checkpoints) in GiB. @default 200 */
      ephemeralStorageGiB: z.number().int().positive().default(200),
      /** Whole-job restarts (JobSet failurePolicy.maxRestarts) before the run fails; preemptions do not count. @default 10 */
      maxRestarts: z.number().int().min(0).max(100).default(10),
      /** Longest training run in hours (SageMaker MaxRuntime; Kubernetes activeDeadlineSeconds). @default 24 */
      maxRuntimeHours: z.number().positive().max(672).default(24),
      /** Longest wait for spot capacity plus runtime in hours (SageMaker MaxWaitTime, ≥ maxRuntimeHours). @default 48 */
      maxWaitHours: z.number().positive().max(672).default(48),
      /** Use spot capacity (SageMaker managed spot training). @default true */
      spot: z.boolean().default(true),
    }),

    /** Checkpoints to the object store and automatic resume. @default {} */
    checkpointing: z
      .strictObject({
        /** Minutes of training between checkpoints (time-based, so a preemption loses at most this much). @default 10 */
        intervalMinutes: z.number().int().min(1).max(120).default(10),
        /** Checkpoints kept in the object store (older ones are pruned). @default 3 */
        keepLast: z.number().int().min(1).max(50).default(3),
      })
      .prefault({}),

    /** The evaluation stage and its gate. @default {} */
    evaluation: z
      .strictObject({
        /** Task metrics on the held-out test split (`exact_match`, `json_valid`, `json_field_accuracy`, `chrf`). @default ["exact_match"] */
        taskMetrics: z
          .array(z.enum(["exact_match", "json_valid", "json_field_accuracy", "chrf"]))
          .min(1)
          .default(["exact_match"]),
        /** Most test examples scored. @default 1000 */
        taskLimit: z.number().int().min(1).default(1000),
        /** lm-evaluation-harness tasks of the general-capability regression suite. @default ["mmlu", "arc_easy", "hellaswag"] */
        generalTasks: z.array(lmEvalTask).default(["mmlu", "arc_easy", "hellaswag"]),
        /** lm-evaluation-harness tasks of the safety suite. @default ["truthfulqa_mc2", "toxigen"] */
        safetyTasks: z.array(lmEvalTask).default(["truthfulqa_mc2", "toxigen"]),
        /** Examples per lm-eval task (speed/accuracy trade-off). @default 500 */
        suiteLimit: z.number().int().min(1).default(500),
        /** Gate thresholds; required when deployment is enabled. @default [] */
        thresholds: z.array(ThresholdSchema).default([]),
        /** Compare with the deployed model's metrics (from the registry) and fail on regressions. @default true */
        compareWithDeployed: z.boolean().default(true),
        /** Largest allowed drop of any shared metric versus the deployed model (absolute). @default 0.02 */
        maxRegression: z.number().min(0).max(1).default(0.02),
        /** Evaluator image/command. @default {} */
        evaluator: stageOverrides.prefault({}),
      })
      .prefault({}),

    /** Registration and roll-out of a model that passed the gate. @default {} */
    deployment: z
      .strictObject({
        /** Deploy models that pass the gate. @default false */
        enabled: z.boolean().default(false),
        /** Serving target: `auto` (vLLM on Kubernetes, a SageMaker endpoint on AWS), `vllm`, `sagemaker-endpoint`. @default "auto" */
        target: z.enum(["auto", "vllm", "sagemaker-endpoint"]).default("auto"),
        /** Serving replicas (minimum when autoscaling). @default 1 */
        replicas: z.number().int().min(1).default(1),
        /** GPUs per serving replica (vLLM tensor parallelism). @default 1 */
        gpusPerReplica: z.number().int().min(1).default(1),
        /** Autoscaling of the serving replicas. @default { enabled: false } */
        autoscaling: z
          .strictObject({
            /** @default false */
            enabled: z.boolean().default(false),
            /** Most replicas. @default 4 */
            maxReplicas: z.number().int().min(1).default(4),
            /** Target of waiting requests per replica (vLLM `vllm:num_requests_waiting`, via a custom-metrics adapter). @default 8 */
            targetRequestsWaiting: z.number().positive().default(8),
          })
          .prefault({}),
        /** SageMaker endpoint instance type. @default "ml.g5.2xlarge" */
        instanceType: z
          .string()
          .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, "must be a SageMaker instance type such as ml.g5.2xlarge (see the SageMaker pricing page)")
          .default("ml.g5.2xlarge"),
        /** Serving image/command. @default {} */
        serving: stageOverrides.prefault({}),
      })
      .prefault({}),

    /** Recurring probe evaluation of the live endpoint (stage 7). @default {} */
    monitoring: z
      .strictObject({
        /** Run the probe. @default - same as deployment.enabled */
        enabled: z.boolean().optional(),
        /** Cron schedule of the probe (UTC). @default "0 *\/6 * * *" (every 6 hours) */
        schedule: z.string().default("0 */6 * * *"),
        /** Test examples the probe sends. @default 50 */
        probeExamples: z.number().int().min(1).max(10000).default(50),
        /** Lowest acceptable probe task score (`finetune_eval_gate_passed{suite="probe"}` drops to 0 below it). @default 0.7 */
        minTaskScore: z.number().min(0).max(1).default(0.7),
        /** Highest acceptable p95 latency of a probe request in seconds. @default 10 */
        maxLatencySeconds: z.number().positive().default(10),
      })
      .prefault({}),

    /** Cron schedule of the whole pipeline (UTC), e.g. weekly retraining. @default - manual runs only */
    schedule: z.string().optional(),

    /** Image/command overrides per stage. @default {} */
    stages: z
      .strictObject({
        /** data-prep. @default {} */
        dataPrep: stageOverrides.prefault({}),
        /** model-init. @default {} */
        modelInit: stageOverrides.prefault({}),
        /** training-setup. @default {} */
        trainingSetup: stageOverrides.prefault({}),
        /** training (the trainer container). @default {} */
        training: stageOverrides.prefault({}),
        /** deployment (registration and promotion). @default {} */
        deployment: stageOverrides.prefault({}),
        /** monitoring probe. @default {} */
        monitoring: stageOverrides.prefault({}),
      })
      .prefault({}),
  })
  .superRefine((spec, ctx) => {
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

    if (MOVING_REVISIONS.includes(spec.baseModel.revision.toLowerCase())) {
      add(
        ["baseModel", "revision"],
        `${shownValue(spec.baseModel.revision)} is a moving branch (pin a commit sha or release tag from the model's "Files and versions" page, so every run trains on the same weights)`,
      );
    }

    const { train, validation, test } = spec.dataset.split;
    const sum = train + validation + test;
    if (Math.abs(sum - 1) > 1e-6) {
      add(
        ["dataset", "split"],
        `train ${train} + validation ${validation} + test ${test} = ${round(sum)}, must sum to 1 (adjust the ratios so that they add up to 1)`,
      );
    }
    if (train <= 0) add(["dataset", "split", "train"], `is ${train}, must be > 0 (give the training split a share of the dataset)`);
    if (spec.dataset.validationUri && validation > 0) {
      add(
        ["dataset", "split", "validation"],
        `is ${validation} but dataset.validationUri is set (set split.validation to 0 and give its share to split.train)`,
      );
    }
    if (spec.dataset.testUri && test > 0) {
      add(["dataset", "split", "test"], `is ${test} but dataset.testUri is set (set split.test to 0 and give its share to split.train)`);
    }
    if (!spec.dataset.testUri && test <= 0) {
      add(
        ["dataset", "split", "test"],
        `is 0 and there is no dataset.testUri (hold out a test split, e.g. 0.05, or set dataset.testUri: the evaluation gate needs unseen examples)`,
      );
    }

    const m = spec.method;
    if (m.type !== "full") {
      if (m.rank <= 0) add(["method", "rank"], `is ${m.rank}, must be > 0 (the LoRA rank is the adapters' inner dimension; typical values are 8–64)`);
      if (m.targetModules.includes("all-linear") && m.targetModules.length > 1) {
        add(["method", "targetModules"], `mixes "all-linear" with module names (use ["all-linear"] alone, or list module names only)`);
      }
    }
    if (m.type === "qlora" && m.quantization.bits !== 4) {
      add(
        ["method", "quantization", "bits"],
        `is ${m.quantization.bits} but QLoRA quantizes the base model to 4 bits (set it to 4, or use method.type "lora" to train on 16-bit weights)`,
      );
    }

    if (spec.deployment.enabled && spec.evaluation.thresholds.length === 0) {
      add(
        ["evaluation", "thresholds"],
        `is empty but deployment.enabled is true (add at least one threshold, e.g. { suite: task, metric: exact_match, min: 0.8 }, so that no model is deployed without passing the evaluation gate)`,
      );
    }
    spec.evaluation.thresholds.forEach((t, i) => {
      if (t.min === undefined && t.max === undefined) {
        add(["evaluation", "thresholds", i], `has neither min nor max (set min for scores where higher is better, max for losses/perplexities)`);
      }
      if (t.min !== undefined && t.max !== undefined && t.min > t.max) {
        add(["evaluation", "thresholds", i], `min ${t.min} is above max ${t.max} (swap them or widen the range)`);
      }
      if (t.suite === "task" && !spec.evaluation.taskMetrics.includes(t.metric as never)) {
        add(
          ["evaluation", "thresholds", i, "metric"],
          `"${t.metric}" is not computed by the task suite (use one of evaluation.taskMetrics: ${spec.evaluation.taskMetrics.join(", ")}, or add it there)`,
        );
      }
      if (t.suite !== "task") {
        const tasks = t.suite === "general" ? spec.evaluation.generalTasks : spec.evaluation.safetyTasks;
        const task = t.metric.split("/")[0];
        if (!t.metric.includes("/") || !tasks.includes(task)) {
          add(
            ["evaluation", "thresholds", i, "metric"],
            `"${t.metric}" does not name a task of the ${t.suite} suite (write <task>/<metric> with a task from evaluation.${t.suite}Tasks, e.g. ${tasks[0] ?? "mmlu"}/acc)`,
          );
        }
      }
    });

    if (spec.monitoring.enabled === true && !spec.deployment.enabled) {
      add(
        ["monitoring", "enabled"],
        `is true but deployment.enabled is false (the probe evaluates the live endpoint: enable deployment or set monitoring.enabled to false)`,
      );
    }
    if (!isCron(spec.monitoring.schedule)) {
      add(
        ["monitoring", "schedule"],
        `"${spec.monitoring.schedule}" is not a 5-field cron expression (write minute hour day-of-month month day-of-week, e.g. "0 */6 * * *")`,
      );
    }
    if (spec.schedule !== undefined && !isCron(spec.schedule)) {
      add(
        ["schedule"],
        `"${spec.schedule}" is not a 5-field cron expression (write minute hour day-of-month month day-of-week, e.g. "0 3 * * 1" for Mondays 03:00 UTC)`,
      );
    }
    if (spec.compute.maxWaitHours < spec.compute.maxRuntimeHours) {
      add(
        ["compute", "maxWaitHours"],
        `is ${spec.compute.maxWaitHours}, below maxRuntimeHours ${spec.compute.maxRuntimeHours} (set it to at least ${spec.compute.maxRuntimeHours}: it covers waiting for spot capacity plus the run)`,
      );
    }
    if (spec.deployment.autoscaling.enabled && spec.deployment.autoscaling.maxReplicas < spec.deployment.replicas) {
      add(
        ["deployment", "autoscaling", "maxReplicas"],
        `is ${spec.deployment.autoscaling.maxReplicas}, below deployment.replicas ${spec.deployment.replicas} (raise it to at least ${spec.deployment.replicas})`,
      );
    }
  });

/** One pipeline, validated, with defaults applied. */
export type InferredPipelineSpec = z.infer<typeof FineTuningPipelineSpecSchema>;
/** One pipeline as a user writes it. */
export type InferredPipelineSpecInput = z.input<typeof FineTuningPipelineSpecSchema>;

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function isCron(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => cronField.test(f));
}
