import type { ArtifactStoreContract } from "../../../core/contracts/artifact-store";
import type { DriverStackContract } from "../../../core/contracts/driver-stack";
import type { GpuPoolContract } from "../../../core/contracts/gpu-pool";
import type { ModelCacheContract } from "../../../core/contracts/model-cache";
import type { MonitoringContract } from "../../../core/contracts/monitoring";
import { imageRef, PIPELINE_IMAGES } from "../../../core/versions";
import type { CheckedParameter } from "../../commands";
import type { RunLayout } from "../../layout";
import type { ModelArchitecture } from "../../models";
import type { Placement, SizingResult } from "../../sizing";
import { hubTokenSecretOf, type FineTuningPipelineSpec } from "../../spec";
import { MANAGED_BY, type K8sObject } from "../../../core/kubernetes";

/**
 * The Kubernetes renderer's types, names and constants, shared by its object-kind modules (pods, JobSets,
 * workflow, serving, access, network policies). Pure: no Pulumi.
 */

/** A Kubernetes object. */

/** Inputs of the renderer. */
export interface KubernetesPipelineInput {
  spec: FineTuningPipelineSpec;
  pool: GpuPoolContract;
  store: ArtifactStoreContract;
  /** Namespace the pipeline runs in (created by the stack). */
  namespace: string;
  monitoring?: MonitoringContract;
  driver?: DriverStackContract;
  /** API-server egress for Argo's executor (NetworkPolicies cannot select the API server by label). @default { cidrs: ["0.0.0.0/0"], ports: [443, 6443] } */
  apiServer?: { cidrs: string[]; ports: number[] };
  /** CIDRs of the model hub (huggingface.co is served from a CDN). @default ["0.0.0.0/0"] on 443 */
  hubCidrs?: string[];
  /** Namespaces whose pods may call the serving endpoint (besides the pipeline's own pods). @default [] */
  servingClientNamespaces?: string[];
  /** The cluster's model cache, mounted read-only where the base model is read. @default - none: each pod downloads the base model into its `emptyDir` */
  modelCache?: ModelCacheContract;
}

/** Names of the objects the renderer emits (the component creates them under these names). */
export interface PipelineObjectNames {
  serviceAccount: string;
  role: string;
  scriptsConfigMap: string;
  configConfigMap: string;
  hubTokenSecret: string;
  workflowTemplate: string;
  scheduleCron: string;
  monitorCron: string;
  serving: string;
}

export interface KubernetesPipelineRender {
  names: PipelineObjectNames;
  sizing: SizingResult & { placement: Placement; arch: ModelArchitecture };
  /** Objects to create, in dependency order. */
  objects: K8sObject[];
  workflowTemplate: K8sObject;
  cronWorkflows: K8sObject[];
  /** The training JobSet the workflow creates (with the Argo placeholder `{{workflow.name}}` in names). */
  trainingJobSet: K8sObject;
  evaluationJobSet: K8sObject;
  /** Files of the config ConfigMap (trainer.json, sizing.json, thresholds.json). */
  configFiles: Record<string, string>;
}

/** Argo's run id: unique per workflow, stable across retries and JobSet restarts. */
export const ARGO_RUN_ID = "{{workflow.name}}";
/** Where the scripts ConfigMap is mounted. */
export const SCRIPTS = "/scripts";
/** Where the config ConfigMap is mounted. */
export const CONFIG = "/config";
/** The base-model revision as Argo substitutes it: only ever an argv element or env value, checked first. */
export const REVISION_PARAMETER = "{{workflow.parameters.base-model-revision}}";
/** Workflow parameters the stages read, and what each must be (checked by the first step of every run). */
export const WORKFLOW_PARAMETERS: CheckedParameter[] = [
  { name: "dataset-uri", kind: "object-uri" },
  { name: "base-model-revision", kind: "revision" },
];
/** Name of the DAG task that checks the workflow parameters; every root stage depends on it. */
export const CHECK_PARAMETERS_TASK = "check-parameters";
/** vLLM's port (serving and the evaluation sidecar). */
export const SERVING_PORT = 8000;

export function objectNames(spec: FineTuningPipelineSpec): PipelineObjectNames {
  const n = spec.name;
  return {
    serviceAccount: `${n}-pipeline`,
    role: `${n}-pipeline`,
    scriptsConfigMap: `${n}-scripts`,
    configConfigMap: `${n}-config`,
    hubTokenSecret: hubTokenSecretOf(spec).name,
    workflowTemplate: n,
    scheduleCron: n,
    monitorCron: `${n}-monitor`,
    serving: `${n}-serving`,
  };
}

/** Labels every object and pod of the pipeline carries; NetworkPolicies select on them. */
export function pipelineLabels(spec: FineTuningPipelineSpec, component?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "finetune-pipeline",
    "app.kubernetes.io/instance": spec.name,
    ...MANAGED_BY,
    "finetune.dev/pipeline": spec.name,
    ...(component ? { "finetune.dev/component": component } : {}),
  };
}

/** Stage images: the spec's override, else the pin. */
export function stageImages(spec: FineTuningPipelineSpec) {
  return {
    python: imageRef(PIPELINE_IMAGES.python),
    storage: imageRef(PIPELINE_IMAGES.storage),
    dataPrep: spec.stages.dataPrep.image ?? imageRef(PIPELINE_IMAGES.python),
    modelInit: spec.stages.modelInit.image ?? imageRef(PIPELINE_IMAGES.trainer),
    trainingSetup: spec.stages.trainingSetup.image ?? imageRef(PIPELINE_IMAGES.python),
    trainer: spec.stages.training.image ?? imageRef(PIPELINE_IMAGES.trainer),
    evaluator: spec.evaluation.evaluator.image ?? imageRef(PIPELINE_IMAGES.evaluator),
    serving: spec.deployment.serving.image ?? imageRef(PIPELINE_IMAGES.serving),
    deployment: spec.stages.deployment.image ?? imageRef(PIPELINE_IMAGES.python),
    monitoring: spec.stages.monitoring.image ?? imageRef(PIPELINE_IMAGES.python),
  };
}

/** A container environment variable. */
export type EnvVar = { name: string; value?: string; valueFrom?: unknown };

/** Everything the object-kind renderers read: the input, names, images, run layout, sizing and the common env. */
export interface Ctx {
  input: KubernetesPipelineInput;
  spec: FineTuningPipelineSpec;
  names: PipelineObjectNames;
  images: ReturnType<typeof stageImages>;
  layout: RunLayout;
  placement: Placement;
  arch: ModelArchitecture;
  /** Environment every kit container gets (./pods commonEnv). */
  env: EnvVar[];
  envFrom: unknown[];
}

/** The serving Service's in-cluster endpoint (OpenAI API base). */
export function servingEndpoint(c: Ctx): string {
  return `http://${c.names.serving}.${c.input.namespace}.svc:${SERVING_PORT}/v1`;
}
