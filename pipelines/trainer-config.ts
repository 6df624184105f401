import type { ModelArchitecture } from "./models";
import type { Placement, SizingResult, TrainerFeatures } from "./sizing";
import { GiB } from "./sizing";
import { learningRateOf, type FineTuningPipelineSpec } from "./spec";

/**
 * The trainer configuration rendered from the spec: an Axolotl config (as JSON, which Axolotl's YAML loader
 * reads) with local paths inside the training container. Run-time values (output_dir, resume_from_checkpoint)
 * are added in the pod by train_launcher.py. Pure.
 */

/** Local paths inside training containers (same on Kubernetes and SageMaker via the launcher's --fetch). */
export interface TrainerPaths {
  baseModel: string;
  dataDir: string;
  outputDir: string;
}

/** Axolotl dataset `type` per row format. */
const DATASET_TYPE: Record<FineTuningPipelineSpec["dataset"]["format"], unknown> = {
  chat: "chat_template",
  instruction: "alpaca",
  completion: { field_instruction: "prompt", field_output: "completion", format: "{instruction}", no_input_format: "{instruction}" },
};

/** The Axolotl plugin the kit ships (time-based checkpoints, metrics push). */
export const TRAINER_PLUGIN = "ftkit_trainer_plugin.FinetuneKitPlugin";

/** Axolotl plugins of the loss kernels (Axolotl docs: integrations/liger, integrations/cut_cross_entropy). */
export const LOSS_PLUGINS = {
  liger: "axolotl.integrations.liger.LigerPlugin",
  "cut-cross-entropy": "axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin",
} as const;

/** Axolotl keys of the throughput features the sizing resolved (attention kernel, packing, loss kernel). */
export function throughputKeys(f: TrainerFeatures): { keys: Record<string, unknown>; plugins: string[] } {
  const keys: Record<string, unknown> = {
    sample_packing: f.samplePacking,
    pad_to_sequence_len: f.samplePacking,
    flash_attention: f.attention === "flash",
    ...(f.attention === "sdpa" ? { sdp_attention: true } : {}),
  };
  if (f.loss === "liger") Object.assign(keys, { liger_rope: true, liger_rms_norm: true, liger_glu_activation: true, liger_fused_linear_cross_entropy: true });
  if (f.loss === "cut-cross-entropy") keys.cut_cross_entropy = true;
  return { keys, plugins: f.loss === "plain" ? [] : [LOSS_PLUGINS[f.loss]] };
}

export function renderTrainerConfig(
  spec: FineTuningPipelineSpec,
  arch: ModelArchitecture,
  placement: Placement,
  paths: TrainerPaths,
  features?: TrainerFeatures,
): Record<string, unknown> {
  const t = spec.training;
  const m = spec.method;
  const dataset = (file: string) => ({
    path: `${paths.dataDir}/${file}`,
    ds_type: "json",
    type: DATASET_TYPE[spec.dataset.format],
    split: "train",
    ...(spec.dataset.format === "chat" ? { field_messages: "messages" } : {}),
  });
  const cfg: Record<string, unknown> = {
    base_model: paths.baseModel,
    trust_remote_code: false,
    datasets: [dataset("train.jsonl")],
    test_datasets: [dataset("validation.jsonl")],
    dataset_prepared_path: `${paths.outputDir}/prepared`,
    output_dir: paths.outputDir,
    sequence_len: t.sequenceLength,
    sample_packing: false,
    pad_to_sequence_len: false,
    flash_attention: true,
    micro_batch_size: t.batchSize,
    gradient_accumulation_steps: t.gradientAccumulationSteps,
    num_epochs: t.epochs,
    learning_rate: learningRateOf(spec),
    lr_scheduler: t.lrScheduler,
    warmup_ratio: t.warmupRatio,
    optimizer: m.optimizer,
    weight_decay: 0.0,
    bf16: "auto",
    tf32: true,
    gradient_checkpointing: t.gradientCheckpointing,
    logging_steps: t.loggingSteps,
    evals_per_epoch: t.evalsPerEpoch,
    saves_per_epoch: t.evalsPerEpoch,
    save_total_limit: spec.checkpointing.keepLast + 1,
    seed: t.seed,
    plugins: [TRAINER_PLUGIN],
  };
  if (features) {
    const { keys, plugins } = throughputKeys(features);
    Object.assign(cfg, keys, { plugins: [TRAINER_PLUGIN, ...plugins] });
  }
  if (spec.dataset.format === "chat") cfg.chat_template = "tokenizer_default";
  if (t.earlyStoppingPatience > 0) {
    Object.assign(cfg, {
      early_stopping_patience: t.earlyStoppingPatience,
      load_best_model_at_end: true,
      metric_for_best_model: "eval_loss",
      greater_is_better: false,
    });
  }
  if (m.type !== "full") {
    Object.assign(cfg, {
      adapter: m.type,
      lora_r: m.rank,
      lora_alpha: m.alpha,
      lora_dropout: m.dropout,
      ...(m.targetModules.includes("all-linear") ? { lora_target_linear: true } : { lora_target_modules: m.targetModules }),
    });
  }
  if (m.type === "qlora") {
    Object.assign(cfg, {
      load_in_4bit: true,
      bnb_config_kwargs: { bnb_4bit_quant_type: m.quantization.type, bnb_4bit_use_double_quant: m.quantization.doubleQuant, llm_int8_has_fp16_weight: false },
    });
  }
  if (placement.sharding === "fsdp" || placement.sharding === "fsdp-offload") {
    Object.assign(cfg, {
      fsdp_version: 2,
      fsdp_config: {
        offload_params: placement.sharding === "fsdp-offload",
        state_dict_type: "SHARDED_STATE_DICT",
        auto_wrap_policy: "TRANSFORMER_BASED_WRAP",
        transformer_layer_cls_to_wrap: arch.decoderLayerClass,
        reshard_after_forward: true,
        cpu_ram_efficient_loading: true,
      },
    });
  } else if (placement.sharding === "ddp" && m.type !== "full") {
    cfg.ddp_find_unused_parameters = false;
  }
  return cfg;
}

/** The sizing record training-setup checks and publishes (sizing.json). */
export function renderSizingRecord(spec: FineTuningPipelineSpec, result: SizingResult): Record<string, unknown> {
  const e = result.estimate;
  const p = result.placement;
  const g = (b: number) => Math.round((b / GiB) * 10) / 10;
  return {
    pipeline: spec.name,
    model: spec.baseModel.id,
    method: spec.method.type,
    fits: p !== undefined,
    reason: p ? "fits" : result.problems.map((x) => x.message).join("; "),
    placement: p
      ? {
          gpusPerNode: p.gpusPerNode,
          nodes: p.nodes,
          totalGpus: p.totalGpus,
          sharding: p.sharding,
          gibPerGpu: g(p.bytesPerGpu),
          gpuGiB: g(p.gpuBytes),
          usableGiB: g(p.usableBytes),
          hostGiBPerNode: g(p.hostBytesPerNode),
        }
      : null,
    estimateGiB: e
      ? {
          weights: g(e.weights),
          gradients: g(e.gradients),
          optimizer: g(e.optimizer),
          optimizerHost: g(e.optimizerHost),
          adapters: g(e.adapters),
          activations: g(e.activations),
          logits: g(e.logits),
          modelStates: g(e.shardable),
        }
      : null,
    trainer: result.trainer
      ? {
          samplePacking: result.trainer.samplePacking,
          attention: result.trainer.attention,
          loss: result.trainer.loss,
          precision: result.trainer.profile.precision,
          notes: result.trainer.notes,
        }
      : null,
    parameters: e?.parameters ?? null,
    trainableParameters: e?.trainableParameters ?? null,
  };
}

/** Gate thresholds as the evaluate.py gate reads them. */
export function renderThresholds(spec: FineTuningPipelineSpec): { suite: string; metric: string; min?: number; max?: number }[] {
  return spec.evaluation.thresholds.map((t) => ({
    suite: t.suite,
    metric: t.metric,
    ...(t.min !== undefined ? { min: t.min } : {}),
    ...(t.max !== undefined ? { max: t.max } : {}),
  }));
}

/** Tokens one optimizer step processes across all GPUs (for the tokens-per-second metric). */
export function tokensPerStep(spec: FineTuningPipelineSpec, placement: Placement): number {
  return spec.training.sequenceLength * spec.training.batchSize * spec.training.gradientAccumulationSteps * placement.totalGpus;
}
