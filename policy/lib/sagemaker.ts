/**
 * SageMaker pipeline definitions (`aws:sagemaker/pipeline:Pipeline` `pipelineDefinition`, a JSON string):
 * every step with where it sits, and argument values resolved through pipeline parameters.
 */
import { arr, isRecord, num, parseJson, rec, str, type JsonObject } from "./values";

/** A step and how it is reached. */
export interface StepRef {
  step: JsonObject;
  name: string;
  type: string;
  /** JSON path of the step inside the definition, e.g. `Steps[3].Arguments.IfSteps[0]`. */
  path: string;
  /** Names of the Condition steps whose `IfSteps` contain this step (outermost first). */
  gatedBy: string[];
  /** True when the step sits in a Condition step's `ElseSteps`. */
  inElse: boolean;
}

export interface PipelineDefinition {
  definition: JsonObject;
  steps: StepRef[];
  /** Resolves an argument value: literals as is, `{"Get": "Parameters.X"}` to X's default value. */
  resolve(v: unknown): unknown;
}

/** Parses a pipeline resource's definition; undefined when it is unknown or not JSON. */
export function pipelineDefinitionOf(props: JsonObject): PipelineDefinition | undefined {
  const def = parseJson(props.pipelineDefinition);
  if (!isRecord(def)) return undefined;
  const params = new Map<string, unknown>();
  for (const p of arr(def.Parameters)) {
    const name = str(rec(p).Name);
    if (name) params.set(name, rec(p).DefaultValue);
  }
  const steps: StepRef[] = [];
  const walk = (list: unknown, path: string, gatedBy: string[], inElse: boolean): void => {
    arr(list).forEach((s, i) => {
      const step = rec(s);
      const name = str(step.Name) ?? `[${i}]`;
      const type = str(step.Type) ?? "";
      const p = `${path}[${i}]`;
      steps.push({ step, name, type, path: p, gatedBy, inElse });
      if (type === "Condition") {
        walk(rec(step.Arguments).IfSteps, `${p}.Arguments.IfSteps`, [...gatedBy, name], inElse);
        walk(rec(step.Arguments).ElseSteps, `${p}.Arguments.ElseSteps`, gatedBy, true);
      }
    });
  };
  walk(def.Steps, "Steps", [], false);
  const resolve = (v: unknown): unknown => {
    const get = str(rec(v).Get);
    if (get && get.startsWith("Parameters.")) return params.get(get.slice("Parameters.".length));
    return v;
  };
  return { definition: def, steps, resolve };
}

/** Step types that put a model into use (registry or endpoint). */
export const DEPLOYMENT_STEP_TYPES: readonly string[] = ["RegisterModel", "Model", "CreateModel", "Endpoint", "EndpointConfig"];

/** Training job arguments of a step: Training steps, and each training job definition of a Tuning step. */
export function trainingJobsOf(ref: StepRef): Array<{ args: JsonObject; path: string }> {
  const a = rec(ref.step.Arguments);
  if (ref.type === "Training") return [{ args: a, path: `${ref.path}.Arguments` }];
  if (ref.type === "Tuning") {
    const out: Array<{ args: JsonObject; path: string }> = [];
    if (isRecord(a.TrainingJobDefinition)) out.push({ args: a.TrainingJobDefinition, path: `${ref.path}.Arguments.TrainingJobDefinition` });
    arr(a.TrainingJobDefinitions).forEach((d, i) => out.push({ args: rec(d), path: `${ref.path}.Arguments.TrainingJobDefinitions[${i}]` }));
    return out;
  }
  return [];
}

/** True / false / undefined for a boolean argument (parameters resolved, "true"/"false" strings accepted). */
export function boolArg(def: PipelineDefinition, v: unknown): boolean | undefined {
  const x = def.resolve(v);
  if (typeof x === "boolean") return x;
  if (x === "true" || x === "false") return x === "true";
  return undefined;
}

export function numArg(def: PipelineDefinition, v: unknown): number | undefined {
  return num(def.resolve(v));
}

/** True when an argument is set: a literal, a parameter with a default, or any other expression (Get/Join/...). */
export function isSet(def: PipelineDefinition, v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (isRecord(v) && typeof v.Get === "string" && v.Get.startsWith("Parameters.")) {
    const d = def.resolve(v);
    return d !== undefined && d !== null && d !== "";
  }
  return true;
}

/** Every training job of a pipeline resource's definition, with its step and the parsed definition. */
export function pipelineTrainingJobs(props: JsonObject): Array<{ def: PipelineDefinition; step: StepRef; job: { args: JsonObject; path: string } }> {
  const def = pipelineDefinitionOf(props);
  if (!def) return [];
  return def.steps.flatMap((step) => trainingJobsOf(step).map((job) => ({ def, step, job })));
}
