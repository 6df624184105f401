/**
 * Facts about base models the sizing needs: parameter count and the shapes that drive adapter size and
 * activation memory. Values from each model's `config.json` on the Hugging Face hub (parameter counts as
 * published on the model card). Models not listed here need `baseModel.parameters` (and, for accuracy,
 * `baseModel.architecture`) in the pipeline spec.
 */

/** Shape of a decoder-only transformer, as the sizing uses it. */
export interface ModelArchitecture {
  /** Total parameters (embeddings included). */
  parameters: number;
  /** `hidden_size`. */
  hiddenSize: number;
  /** `num_hidden_layers`. */
  layers: number;
  /** `intermediate_size` of the MLP. */
  intermediateSize: number;
  /** Output width of the K and V projections (`num_key_value_heads × head_dim`). */
  kvDim: number;
  /** `vocab_size`. */
  vocabSize: number;
  /** Input embeddings and LM head share weights (`tie_word_embeddings`). */
  tiedEmbeddings: boolean;
  /** Decoder layer class FSDP wraps (`transformer_layer_cls_to_wrap`). */
  decoderLayerClass: string;
}

/** Hub id → architecture. Lookups are case-insensitive. */
export const MODEL_CATALOG: Readonly<Record<string, ModelArchitecture>> = {
  "meta-llama/Llama-3.2-1B-Instruct": {
    parameters: 1.24e9,
    hiddenSize: 2048,
    layers: 16,
    intermediateSize: 8192,
    kvDim: 512,
    vocabSize: 128256,
    tiedEmbeddings: true,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.2-3B-Instruct": {
    parameters: 3.21e9,
    hiddenSize: 3072,
    layers: 28,
    intermediateSize: 8192,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: true,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.1-8B": {
    parameters: 8.03e9,
    hiddenSize: 4096,
    layers: 32,
    intermediateSize: 14336,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.1-8B-Instruct": {
    parameters: 8.03e9,
    hiddenSize: 4096,
    layers: 32,
    intermediateSize: 14336,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.1-70B": {
    parameters: 70.6e9,
    hiddenSize: 8192,
    layers: 80,
    intermediateSize: 28672,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.1-70B-Instruct": {
    parameters: 70.6e9,
    hiddenSize: 8192,
    layers: 80,
    intermediateSize: 28672,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "meta-llama/Llama-3.3-70B-Instruct": {
    parameters: 70.6e9,
    hiddenSize: 8192,
    layers: 80,
    intermediateSize: 28672,
    kvDim: 1024,
    vocabSize: 128256,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "mistralai/Mistral-7B-Instruct-v0.3": {
    parameters: 7.25e9,
    hiddenSize: 4096,
    layers: 32,
    intermediateSize: 14336,
    kvDim: 1024,
    vocabSize: 32768,
    tiedEmbeddings: false,
    decoderLayerClass: "MistralDecoderLayer",
  },
  "Qwen/Qwen2.5-0.5B-Instruct": {
    parameters: 0.494e9,
    hiddenSize: 896,
    layers: 24,
    intermediateSize: 4864,
    kvDim: 128,
    vocabSize: 151936,
    tiedEmbeddings: true,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "Qwen/Qwen2.5-1.5B-Instruct": {
    parameters: 1.54e9,
    hiddenSize: 1536,
    layers: 28,
    intermediateSize: 8960,
    kvDim: 256,
    vocabSize: 151936,
    tiedEmbeddings: true,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "Qwen/Qwen2.5-7B-Instruct": {
    parameters: 7.62e9,
    hiddenSize: 3584,
    layers: 28,
    intermediateSize: 18944,
    kvDim: 512,
    vocabSize: 152064,
    tiedEmbeddings: false,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "Qwen/Qwen2.5-14B-Instruct": {
    parameters: 14.7e9,
    hiddenSize: 5120,
    layers: 48,
    intermediateSize: 13824,
    kvDim: 1024,
    vocabSize: 152064,
    tiedEmbeddings: false,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "Qwen/Qwen2.5-32B-Instruct": {
    parameters: 32.8e9,
    hiddenSize: 5120,
    layers: 64,
    intermediateSize: 27648,
    kvDim: 1024,
    vocabSize: 152064,
    tiedEmbeddings: false,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "Qwen/Qwen2.5-72B-Instruct": {
    parameters: 72.7e9,
    hiddenSize: 8192,
    layers: 80,
    intermediateSize: 29568,
    kvDim: 1024,
    vocabSize: 152064,
    tiedEmbeddings: false,
    decoderLayerClass: "Qwen2DecoderLayer",
  },
  "google/gemma-2-9b-it": {
    parameters: 9.24e9,
    hiddenSize: 3584,
    layers: 42,
    intermediateSize: 14336,
    kvDim: 2048,
    vocabSize: 256000,
    tiedEmbeddings: true,
    decoderLayerClass: "Gemma2DecoderLayer",
  },
  "microsoft/Phi-3.5-mini-instruct": {
    parameters: 3.82e9,
    hiddenSize: 3072,
    layers: 32,
    intermediateSize: 8192,
    kvDim: 3072,
    vocabSize: 32064,
    tiedEmbeddings: false,
    decoderLayerClass: "Phi3DecoderLayer",
  },
  /** LLaMA 1 (the QLoRA paper's models): used by the sizing reference tests. */
  "huggyllama/llama-7b": {
    parameters: 6.74e9,
    hiddenSize: 4096,
    layers: 32,
    intermediateSize: 11008,
    kvDim: 4096,
    vocabSize: 32000,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
  "huggyllama/llama-65b": {
    parameters: 65.2e9,
    hiddenSize: 8192,
    layers: 80,
    intermediateSize: 22016,
    kvDim: 8192,
    vocabSize: 32000,
    tiedEmbeddings: false,
    decoderLayerClass: "LlamaDecoderLayer",
  },
};

/** Catalog entry for a hub id (case-insensitive), if known. */
export function lookupModel(hubId: string): ModelArchitecture | undefined {
  const lower = hubId.toLowerCase();
  const key = Object.keys(MODEL_CATALOG).find((k) => k.toLowerCase() === lower);
  return key ? MODEL_CATALOG[key] : undefined;
}

/** Explicit shape overrides a spec may give for a model that is not in the catalog. */
export interface ArchitectureOverrides {
  parameters?: number;
  hiddenSize?: number;
  layers?: number;
  intermediateSize?: number;
  kvDim?: number;
  vocabSize?: number;
  decoderLayerClass?: string;
}

/**
 * The architecture the sizing uses: catalog entry, with explicit values taking precedence. For a model that is
 * neither in the catalog nor fully described, the shape is derived from the parameter count with the usual
 * decoder proportions (P ≈ 12·L·h², L ≈ h/128, MLP 3.5·h, vocabulary 128k). Returns undefined without a parameter count.
 */
export function resolveArchitecture(hubId: string, overrides: ArchitectureOverrides = {}): ModelArchitecture | undefined {
  const known = lookupModel(hubId);
  const parameters = overrides.parameters ?? known?.parameters;
  if (parameters === undefined) return undefined;
  if (known && overrides.parameters === undefined) return { ...known, ...definedOnly(overrides) };
  // Derive hidden size from P ≈ 12·L·h² with L = h/128 → h³ ≈ 128·P/12.
  const derivedHidden = Math.max(512, Math.round(Math.cbrt((128 * parameters) / 12) / 128) * 128);
  const hiddenSize = overrides.hiddenSize ?? known?.hiddenSize ?? derivedHidden;
  const layers = overrides.layers ?? known?.layers ?? Math.max(8, Math.round(hiddenSize / 128));
  return {
    parameters,
    hiddenSize,
    layers,
    intermediateSize: overrides.intermediateSize ?? known?.intermediateSize ?? Math.round((hiddenSize * 3.5) / 128) * 128,
    kvDim: overrides.kvDim ?? known?.kvDim ?? hiddenSize,
    vocabSize: overrides.vocabSize ?? known?.vocabSize ?? 128256,
    tiedEmbeddings: known?.tiedEmbeddings ?? false,
    decoderLayerClass: overrides.decoderLayerClass ?? known?.decoderLayerClass ?? "LlamaDecoderLayer",
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
