import { ENV } from "./contract";
import type { Placement } from "./sizing";
import type { FineTuningPipelineSpec, ValueKind } from "./spec";

/**
 * Stage commands, shared by the Kubernetes and SageMaker renderers. Locations are strings the platform
 * chooses: object-store URIs on Kubernetes (the scripts read/write through rclone), local directories on
 * SageMaker (its inputs/outputs are mounted). Every command is the spec's override when one is given.
 */

/** Local paths inside stage containers (the same on every platform where possible). */
export const LOCAL = {
  workspace: "/workspace",
  model: "/workspace/model",
  data: "/workspace/data",
  adapter: "/workspace/adapter",
  output: "/workspace/output",
  evalOut: "/workspace/evaluation",
  lmEval: "/workspace/evaluation/lm-eval",
  rendered: "/workspace/run/trainer.json",
} as const;

const py = (scripts: string, file: string) => ["python3", `${scripts}/${file}`];

export interface DataPrepIO {
  input: string;
  output: string;
  validationInput?: string;
  testInput?: string;
}

export function dataPrepCommand(spec: FineTuningPipelineSpec, scripts: string, io: DataPrepIO): string[] {
  if (spec.stages.dataPrep.command) return spec.stages.dataPrep.command;
  const d = spec.dataset;
  return [
    ...py(scripts, "prepare_dataset.py"),
    "--input",
    io.input,
    "--format",
    d.format,
    "--output",
    io.output,
    "--train",
    String(d.split.train),
    "--validation",
    String(d.split.validation),
    "--test",
    String(d.split.test),
    ...(io.validationInput ? ["--validation-input", io.validationInput] : []),
    ...(io.testInput ? ["--test-input", io.testInput] : []),
    "--min-examples",
    String(d.minExamples),
    ...(d.deduplicate ? [] : ["--no-dedup"]),
    "--seed",
    String(d.seed),
    "--probe-examples",
    String(spec.monitoring.probeExamples),
  ];
}

/** `cacheDir`: a model-cache mount model-init fills too (`<cacheDir>/<id>@<revision>/`, marker last). */
export function modelInitCommand(spec: FineTuningPipelineSpec, scripts: string, io: { revision: string; dest: string; cacheDir?: string }): string[] {
  if (spec.stages.modelInit.command) return spec.stages.modelInit.command;
  return [
    ...py(scripts, "fetch_model.py"),
    "--model-id",
    spec.baseModel.id,
    "--revision",
    io.revision,
    "--dest",
    io.dest,
    "--workdir",
    LOCAL.workspace,
    ...(io.cacheDir ? ["--cache-dir", io.cacheDir] : []),
  ];
}

export function trainingSetupCommand(
  spec: FineTuningPipelineSpec,
  scripts: string,
  io: { trainerConfig: string; sizing: string; stats: string; output: string },
): string[] {
  if (spec.stages.trainingSetup.command) return spec.stages.trainingSetup.command;
  return [...py(scripts, "setup_training.py"), "--trainer-config", io.trainerConfig, "--sizing", io.sizing, "--stats", io.stats, "--output", io.output];
}

/** The distributed launch: torchrun standalone on one node, c10d rendezvous on the leader across nodes. */
export function torchrunCommand(placement: Placement, leader: string | undefined, runId: string): string[] {
  const base = ["torchrun", `--nproc-per-node=${placement.gpusPerNode}`];
  const dist =
    placement.nodes === 1 || !leader
      ? ["--standalone", "--nnodes=1"]
      : [`--nnodes=${placement.nodes}`, "--node-rank={node_rank}", "--rdzv-backend=c10d", `--rdzv-endpoint=${leader}:29500`, `--rdzv-id=${runId}`];
  return [...base, ...dist, "-m", "axolotl.cli.train", "{config}"];
}

export interface TrainIO {
  config: string;
  checkpoints: string;
  finalOutput?: string;
  fetch: [uri: string, dir: string][];
  /** Checkpoint completion marker prefix (SageMaker reads the trainer's local markers). @default - the launcher's default (the sync's remote marker) */
  marker?: string;
  /** Where the launcher writes the final trainer config. @default LOCAL.rendered */
  rendered?: string;
  outputDir?: string;
  leader?: string;
  runId: string;
}

/**
 * train_launcher.py's arguments (after the script): SageMaker passes them as the `ftkit_argv` hyper-parameter and
 * sagemaker_entry.py prefixes the script and the node rank; {@link trainCommand} runs them directly.
 */
export function trainLauncherArgs(spec: FineTuningPipelineSpec, placement: Placement, io: TrainIO): string[] {
  const trainer = spec.stages.training.command ?? torchrunCommand(placement, io.leader, io.runId);
  return [
    "--config",
    io.config,
    "--rendered",
    io.rendered ?? LOCAL.rendered,
    "--checkpoints",
    io.checkpoints,
    ...(io.marker ? ["--marker", io.marker] : []),
    "--output-dir",
    io.outputDir ?? LOCAL.output,
    ...(io.finalOutput ? ["--final-output", io.finalOutput] : []),
    "--nodes",
    String(placement.nodes),
    ...io.fetch.flatMap(([uri, dir]) => ["--fetch", `${uri}=${dir}`]),
    "--",
    ...trainer,
  ];
}

export function trainCommand(spec: FineTuningPipelineSpec, placement: Placement, scripts: string, io: TrainIO): string[] {
  return [...py(scripts, "train_launcher.py"), ...trainLauncherArgs(spec, placement, io)];
}

/** The checkpoint-sync sidecar; `nodeRank` is an argv element (e.g. `$(FTKIT_NODE_RANK)`, expanded by the kubelet). */
export function checkpointSyncCommand(spec: FineTuningPipelineSpec, placement: Placement, scripts: string, checkpoints: string, nodeRank?: string): string[] {
  return [
    ...py(scripts, "checkpoints.py"),
    "sync",
    "--checkpoints",
    checkpoints,
    "--local",
    LOCAL.output,
    "--nodes",
    String(placement.nodes),
    "--keep",
    String(spec.checkpointing.keepLast),
    "--interval",
    "30",
    ...(nodeRank === undefined ? [] : ["--node-rank", nodeRank]),
  ];
}

/** ftkit_store.py fetch: each (URI, directory) pair downloaded, failing when a URI is empty. */
export function storeFetchCommand(scripts: string, pairs: [uri: string, dir: string][]): string[] {
  return [...py(scripts, "ftkit_store.py"), "fetch", ...pairs.flat()];
}

/** ftkit_store.py put: uploads a directory. */
export function storePutCommand(scripts: string, dir: string, uri: string): string[] {
  return [...py(scripts, "ftkit_store.py"), "put", dir, uri];
}

/** What a registered version records about where it came from (`run`: the platform's run id, where it is a literal). */
export function provenance(spec: FineTuningPipelineSpec, run?: string): string {
  return JSON.stringify({ pipeline: spec.name, baseModel: spec.baseModel.id, method: spec.method.type, ...(run === undefined ? {} : { run }) });
}

export interface RegisterIO<V extends RunArg> {
  registry: string;
  version: V;
  source: string;
  evaluation: string;
  probe: string;
  /** The run id recorded in the provenance. @default - none recorded */
  run?: string;
}

/** register_model.py register: records the version, its metrics and provenance in the registry. */
export function registerCommand<V extends RunArg>(spec: FineTuningPipelineSpec, scripts: string, io: RegisterIO<V>): (string | V)[] {
  return [
    ...py(scripts, "register_model.py"),
    "register",
    "--registry",
    io.registry,
    "--version",
    io.version,
    "--source",
    io.source,
    "--evaluation",
    io.evaluation,
    "--probe",
    io.probe,
    "--provenance",
    provenance(spec, io.run),
  ];
}

/** register_model.py promote: points deployed.json at the version. */
export function promoteCommand<V extends RunArg>(scripts: string, registry: string, version: V): (string | V)[] {
  return [...py(scripts, "register_model.py"), "promote", "--registry", registry, "--version", version];
}

/** register_model.py rollback: restores the previous deployed version. */
export function rollbackCommand(scripts: string, registry: string): string[] {
  return [...py(scripts, "register_model.py"), "rollback", "--registry", registry];
}

/** register_model.py fetch: downloads the deployed version and points `<dest>/active` at it. */
export function registryFetchCommand(scripts: string, registry: string, dest: string): string[] {
  return [...py(scripts, "register_model.py"), "fetch", "--registry", registry, "--dest", dest];
}

/** evaluate.py wait-version: waits until the endpoint serves `version`. */
export function waitVersionCommand(spec: FineTuningPipelineSpec, scripts: string, io: { endpoint: string; version: string; timeoutSeconds: number }): string[] {
  return [
    ...py(scripts, "evaluate.py"),
    "wait-version",
    "--endpoint",
    io.endpoint,
    "--model",
    servedName(spec),
    "--version",
    io.version,
    "--timeout",
    String(io.timeoutSeconds),
  ];
}

/** Name the candidate adapter/model is served under during evaluation, and in production. */
export function servedName(spec: FineTuningPipelineSpec): string {
  return spec.name;
}

/** vLLM arguments serving the base model + adapter (LoRA/QLoRA) or the fully fine-tuned model. */
export function vllmArgs(spec: FineTuningPipelineSpec, model: string, adapter: string, port: number, tensorParallel: number): string[] {
  const common = [
    "--port",
    String(port),
    "--max-model-len",
    String(spec.training.sequenceLength),
    "--tensor-parallel-size",
    String(tensorParallel),
    "--disable-log-requests",
  ];
  if (spec.method.type === "full") return ["serve", adapter, "--served-model-name", servedName(spec), ...common];
  return [
    "serve",
    model,
    "--served-model-name",
    `${servedName(spec)}-base`,
    "--enable-lora",
    "--max-lora-rank",
    String(loraRankBucket(spec.method.rank)),
    "--lora-modules",
    `${servedName(spec)}=${adapter}`,
    ...common,
  ];
}

/** vLLM accepts max LoRA ranks from a fixed set; the smallest that holds the adapter. */
export function loraRankBucket(rank: number): number {
  const buckets = [8, 16, 32, 64, 128, 256, 320, 512];
  return buckets.find((b) => b >= rank) ?? 512;
}

export interface EvaluationIO {
  scripts: string;
  endpoint: string;
  evalFile: string;
  out: string;
  tokenizer: string;
}

/**
 * The evaluation steps: task scores, lm-eval general and safety suites, collected metrics. Every value is one
 * argv element of a program run without a shell (pipelines/scripts/ftkit_run.py); the spec's evaluator command,
 * when given, is run as argv too.
 */
export function evaluationSteps(spec: FineTuningPipelineSpec, io: EvaluationIO): RunStep[] {
  if (spec.evaluation.evaluator.command) return [{ run: spec.evaluation.evaluator.command }];
  const e = spec.evaluation;
  const lmEval = (tasks: string[], suite: string): RunStep[] =>
    tasks.length === 0
      ? []
      : [
          {
            run: [
              "lm_eval",
              "--model",
              "local-completions",
              "--model_args",
              `model=${servedName(spec)},base_url=${io.endpoint}/completions,tokenizer=${io.tokenizer},num_concurrent=8,max_retries=3,tokenized_requests=False`,
              "--tasks",
              tasks.join(","),
              "--limit",
              String(e.suiteLimit),
              "--output_path",
              `${io.out}/lm-eval/${suite}`,
            ],
          },
        ];
  return [
    { mkdir: `${io.out}/lm-eval` },
    {
      run: [
        ...py(io.scripts, "evaluate.py"),
        "task",
        "--eval-file",
        io.evalFile,
        "--endpoint",
        io.endpoint,
        "--model",
        servedName(spec),
        "--metrics",
        e.taskMetrics.join(","),
        "--limit",
        String(e.taskLimit),
        "--wait",
        "1800",
        "--out",
        `${io.out}/task.json`,
      ],
    },
    ...lmEval(e.generalTasks, "general"),
    ...lmEval(e.safetyTasks, "safety"),
    {
      run: [
        ...py(io.scripts, "evaluate.py"),
        "collect",
        "--task-scores",
        `${io.out}/task.json`,
        "--lm-eval-dir",
        `${io.out}/lm-eval`,
        "--general-tasks",
        e.generalTasks.join(","),
        "--safety-tasks",
        e.safetyTasks.join(","),
        "--out",
        `${io.out}/metrics.json`,
      ],
    },
  ];
}

/** An argv element read from the environment by the step runner at run time (e.g. SageMaker's execution id). */
export interface EnvArg {
  /** Environment variable name; the step fails with the bad-input exit code when it is unset or empty. */
  env: string;
}
/** An argv element: a literal, or an {@link EnvArg}. */
export type RunArg = string | EnvArg;

/** Runs a program with argv (no shell). */
export interface RunProgramStep {
  /** Program and arguments. */
  run: RunArg[];
  /** Start it in the background, output to this file; it is stopped when the steps end. @default - run in the foreground and stop at a non-zero exit */
  background?: string;
}
/** Extracts every `*.tar.gz` of a directory. */
export interface UntarStep {
  /** Directory holding the archives. */
  untar: string;
  /** Where to extract. @default - the directory itself, and the archives are removed */
  into?: string;
}
/** Copies a file, creating the target's directory. */
export interface CopyStep {
  /** Source file. */
  copy: string;
  /** Target file. */
  to: string;
}
/** Creates an empty file, creating its directory. */
export interface TouchStep {
  /** File to create. */
  touch: string;
}
/** Creates a directory and its parents. */
export interface MkdirStep {
  /** Directory to create. */
  mkdir: string;
}
/** One step of {@link runStepsCommand} (the JSON format of pipelines/scripts/ftkit_run.py). */
export type RunStep = RunProgramStep | UntarStep | CopyStep | TouchStep | MkdirStep;

/** Runs `steps` in order without a shell: the one command a container needs for several programs. */
export function runStepsCommand(scripts: string, steps: RunStep[]): string[] {
  return [...py(scripts, "ftkit_run.py"), "steps", JSON.stringify(steps)];
}

/** A workflow parameter a stage reads, passed to the check step in `FTKIT_PARAM_<NAME>` (never parsed by a shell). */
export interface CheckedParameter {
  /** Parameter name, e.g. `base-model-revision`. */
  name: string;
  /** Kind it must be (the pattern table of ftkit_store.py, equal to spec.ts VALUE_PATTERNS). */
  kind: ValueKind;
}

/** Environment variable the check step reads a parameter from. */
export function parameterEnvName(name: string): string {
  return `${ENV.parameterPrefix}${name.toUpperCase().replace(/-/g, "_")}`;
}

/** The run-time check of workflow parameters (exit `EXIT_CODES.badInput` listing every invalid one). */
export function parameterCheckCommand(scripts: string, params: CheckedParameter[]): string[] {
  return [...py(scripts, "ftkit_run.py"), "check", ...params.map((p) => `${parameterEnvName(p.name)}=${p.kind}`)];
}

export function gateCommand(
  spec: FineTuningPipelineSpec,
  scripts: string,
  io: { metrics: string; thresholds: string; deployed?: string; out: string; noFail?: boolean },
): string[] {
  return [
    ...py(scripts, "evaluate.py"),
    "gate",
    "--metrics",
    io.metrics,
    "--thresholds",
    io.thresholds,
    ...(spec.evaluation.compareWithDeployed && io.deployed ? ["--deployed", io.deployed] : []),
    "--max-regression",
    String(spec.evaluation.maxRegression),
    "--out",
    io.out,
    ...(io.noFail ? ["--no-fail"] : []),
  ];
}

export function probeCommand(spec: FineTuningPipelineSpec, scripts: string, io: { evalFile: string; endpoint: string; out: string }): string[] {
  if (spec.stages.monitoring.command) return spec.stages.monitoring.command;
  const m = spec.monitoring;
  return [
    ...py(scripts, "evaluate.py"),
    "probe",
    "--eval-file",
    io.evalFile,
    "--endpoint",
    io.endpoint,
    "--model",
    servedName(spec),
    "--metrics",
    spec.evaluation.taskMetrics.join(","),
    "--limit",
    String(m.probeExamples),
    "--min-score",
    String(m.minTaskScore),
    "--max-latency",
    String(m.maxLatencySeconds),
    "--out",
    io.out,
  ];
}
