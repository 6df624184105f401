import { LOCAL } from "../../commands";
import { runLayout } from "../../layout";
import { hubTokenSecretOf, type FineTuningPipelineSpec } from "../../spec";
import { renderConfigFiles, sizeOrThrow } from "../shared";
import { renderAccess } from "./access";
import { ARGO_RUN_ID, objectNames, pipelineLabels, stageImages, type Ctx, type KubernetesPipelineInput, type KubernetesPipelineRender } from "./context";
import { renderJobSets } from "./jobsets";
import { renderNetworkPolicies } from "./network-policies";
import { commonEnv, storeEnv } from "./pods";
import { renderServing } from "./serving";
import { renderCronWorkflows, renderWorkflowTemplate } from "./workflow";
import { type K8sObject } from "../../../core/kubernetes";

/**
 * Pure renderer: pipeline spec + contracts → the Kubernetes objects of one pipeline (Argo WorkflowTemplate and
 * CronWorkflows, JobSets for the GPU stages admitted by Kueue, vLLM serving, RBAC, NetworkPolicies, config).
 * No Pulumi: plain objects in, plain objects out. One module per object kind:
 *   context.ts           types, object names, labels, images, constants
 *   pods.ts              the pod/container preamble (security contexts, env, volumes, mounts, GPU placement)
 *   jobsets.ts           training and evaluation JobSets (Kueue, failure policy)
 *   workflow.ts          WorkflowTemplate and CronWorkflows
 *   serving.ts           vLLM Deployment, Service, HPA
 *   access.ts            ServiceAccount, Role, RoleBinding
 *   network-policies.ts  NetworkPolicies
 */

export { PipelineRenderError } from "../shared";
export {
  ARGO_RUN_ID,
  CHECK_PARAMETERS_TASK,
  objectNames,
  pipelineLabels,
  stageImages,
  type KubernetesPipelineInput,
  type KubernetesPipelineRender,
  type PipelineObjectNames,
} from "./context";
export { NON_RETRIABLE_EXIT_CODE } from "./jobsets";
export { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT, storeEnv } from "./pods";

/**
 * Renders every Kubernetes object of a pipeline. Throws {@link PipelineRenderError} when the spec does not fit
 * the pool (validatePipelineAgainstPool), listing every problem.
 */
export function renderKubernetesPipeline(input: KubernetesPipelineInput, index = 0): KubernetesPipelineRender {
  const { spec, pool, store } = input;
  const sized = sizeOrThrow(spec, pool, index);
  const names = objectNames(spec);
  const c: Ctx = {
    input,
    spec,
    names,
    images: stageImages(spec),
    layout: runLayout(spec, store, ARGO_RUN_ID),
    placement: sized.placement,
    arch: sized.arch,
    env: commonEnv(spec, input, ARGO_RUN_ID),
    envFrom: storeEnv(store).envFrom,
  };
  const configFiles = renderConfigFiles(spec, sized, { baseModel: LOCAL.model, dataDir: LOCAL.data, outputDir: LOCAL.output });
  const configMap: K8sObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: names.configConfigMap, namespace: input.namespace, labels: pipelineLabels(spec) },
    data: configFiles,
  };
  const jobSets = renderJobSets(c);
  const workflowTemplate = renderWorkflowTemplate(c, jobSets);
  const cronWorkflows = renderCronWorkflows(c);
  const objects: K8sObject[] = [
    ...renderAccess(c),
    ...renderNetworkPolicies(c),
    configMap,
    ...(spec.deployment.enabled ? renderServing(c) : []),
    workflowTemplate,
    ...cronWorkflows,
  ];
  return {
    names,
    sizing: { ...sized.sizing, placement: sized.placement, arch: sized.arch },
    objects,
    workflowTemplate,
    cronWorkflows,
    trainingJobSet: jobSets.training,
    evaluationJobSet: jobSets.evaluation,
    configFiles,
  };
}

/** The scripts ConfigMap (file name → content); contents come from `loadStageScripts()`. */
export function renderScriptsConfigMap(spec: FineTuningPipelineSpec, namespace: string, files: Record<string, string>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: objectNames(spec).scriptsConfigMap, namespace, labels: pipelineLabels(spec) },
    data: { ...files },
  };
}

/** The hub-token Secret's shape (its value is a Pulumi secret the component fills in). */
export function hubTokenSecretRef(spec: FineTuningPipelineSpec): { name: string; key: string } {
  return hubTokenSecretOf(spec);
}
