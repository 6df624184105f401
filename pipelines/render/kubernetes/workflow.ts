import { stringify } from "yaml";
import {
  dataPrepCommand,
  gateCommand,
  modelInitCommand,
  parameterCheckCommand,
  parameterEnvName,
  probeCommand,
  promoteCommand,
  registerCommand,
  rollbackCommand,
  runStepsCommand,
  trainingSetupCommand,
  waitVersionCommand,
} from "../../commands";
import { monitoringEnabled } from "../../spec";
import { runStages } from "../../stages";
import {
  ARGO_RUN_ID,
  CHECK_PARAMETERS_TASK,
  CONFIG,
  pipelineLabels,
  REVISION_PARAMETER,
  SCRIPTS,
  servingEndpoint,
  WORKFLOW_PARAMETERS,
  type Ctx,
  type EnvVar,
} from "./context";
import type { PipelineJobSets } from "./jobsets";
import {
  CONTAINER_SECURITY_CONTEXT,
  hubTokenEnv,
  modelCacheWriter,
  mounts,
  POD_SECURITY_CONTEXT,
  pullSecrets,
  READ_ONLY_SECURITY_CONTEXT,
  toolsInit,
  volumes,
} from "./pods";
import { type K8sObject } from "../../../core/kubernetes";

/**
 * The Argo objects: the WorkflowTemplate (the seven-stage DAG, light stages as containers, GPU stages as JobSet
 * resource steps) and the CronWorkflows (scheduled runs, monitoring probe). Pure: no Pulumi.
 */

/** A container template for the light (CPU) stages. */
function stageTemplate(
  c: Ctx,
  name: string,
  image: string,
  command: string[],
  opts: {
    cpu?: string;
    memory?: string;
    hubToken?: boolean;
    readOnly?: boolean;
    retries?: number;
    deadline?: number;
    component?: string;
    env?: EnvVar[];
    mounts?: object[];
  } = {},
): object {
  return {
    name,
    metadata: { labels: pipelineLabels(c.spec, opts.component ?? "stage") },
    initContainers: [toolsInit(c.images)],
    container: {
      name: "main",
      image,
      command,
      env: [...c.env, ...(opts.hubToken ? hubTokenEnv(c.spec) : []), ...(opts.env ?? [])],
      envFrom: c.envFrom,
      volumeMounts: [mounts.scripts, mounts.config, mounts.tools, mounts.workspace, mounts.tmp, ...(opts.mounts ?? [])],
      resources: { requests: { cpu: opts.cpu ?? "500m", memory: opts.memory ?? "1Gi" }, limits: { memory: opts.memory ?? "1Gi" } },
      securityContext: opts.readOnly === false ? CONTAINER_SECURITY_CONTEXT : READ_ONLY_SECURITY_CONTEXT,
    },
    retryStrategy: { limit: String(opts.retries ?? 2), retryPolicy: "OnError", backoff: { duration: "30s", factor: "2" } },
    activeDeadlineSeconds: String(opts.deadline ?? 3600),
  };
}

/** A resource template that creates a JobSet and waits for its terminal state. */
function jobSetTemplate(name: string, jobset: K8sObject, deadlineSeconds: number): object {
  return {
    name,
    resource: {
      action: "create",
      setOwnerReference: true,
      successCondition: "status.terminalState == Completed",
      failureCondition: "status.terminalState == Failed",
      manifest: stringify(jobset, { lineWidth: 0 }),
    },
    activeDeadlineSeconds: String(deadlineSeconds),
  };
}

/** The deployment stage: register → promote → roll out → verify; rollback when roll-out or verification fails. */
function deploymentTemplates(c: Ctx): object[] {
  const { spec, layout: l } = c;
  const patch = (version: string) =>
    stringify(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: c.names.serving, namespace: c.input.namespace },
        spec: { replicas: spec.deployment.replicas, template: { metadata: { annotations: { "finetune.dev/model-version": version } } } },
      },
      { lineWidth: 0 },
    );
  const register = registerCommand(spec, SCRIPTS, {
    registry: l.registryModel,
    version: ARGO_RUN_ID,
    source: l.stage("training"),
    evaluation: l.stage("evaluation"),
    probe: `${l.stage("data-prep")}/probe.jsonl`,
    run: ARGO_RUN_ID,
  });
  return [
    {
      name: "deployment",
      dag: {
        tasks: [
          { name: "register", template: "register" },
          { name: "promote", template: "promote", depends: "register.Succeeded" },
          { name: "rollout", template: "rollout", depends: "promote.Succeeded" },
          { name: "verify", template: "verify", depends: "rollout.Succeeded" },
          { name: "rollback", template: "rollback", depends: "rollout.Failed || verify.Failed" },
          { name: "rollback-rollout", template: "rollback-rollout", depends: "rollback.Succeeded" },
        ],
      },
    },
    stageTemplate(c, "register", c.images.deployment, spec.stages.deployment.command ?? register, { memory: "2Gi", deadline: 7200, component: "deployment" }),
    stageTemplate(c, "promote", c.images.deployment, promoteCommand(SCRIPTS, l.registryModel, ARGO_RUN_ID), { component: "deployment" }),
    { name: "rollout", resource: { action: "patch", mergeStrategy: "merge", manifest: patch(ARGO_RUN_ID) } },
    stageTemplate(
      c,
      "verify",
      c.images.deployment,
      runStepsCommand(SCRIPTS, [
        { run: waitVersionCommand(spec, SCRIPTS, { endpoint: servingEndpoint(c), version: ARGO_RUN_ID, timeoutSeconds: 3600 }) },
        {
          run: probeCommand(spec, SCRIPTS, {
            evalFile: `${l.stage("data-prep")}/probe.jsonl`,
            endpoint: servingEndpoint(c),
            out: `${l.stage("deployment")}/smoke-test.json`,
          }),
        },
      ]),
      { deadline: 5400, component: "deployment" },
    ),
    stageTemplate(c, "rollback", c.images.deployment, rollbackCommand(SCRIPTS, l.registryModel), { component: "deployment" }),
    { name: "rollback-rollout", resource: { action: "patch", mergeStrategy: "merge", manifest: patch(`rollback-${ARGO_RUN_ID}`) } },
  ];
}

/** The WorkflowTemplate: parameter check, the seven stages, the JobSets as resource steps. */
export function renderWorkflowTemplate(c: Ctx, jobSets: PipelineJobSets): K8sObject {
  const { spec, input, layout: l, names } = c;
  const stages = runStages(spec.deployment.enabled);
  const runHours = spec.compute.maxWaitHours + 12;
  // A model cache filled by model-init (a ReadWriteMany PVC): model-init mounts it read-write and copies the snapshot in.
  const writer = modelCacheWriter(input.modelCache);
  const templates: object[] = [
    {
      name: "pipeline",
      dag: {
        tasks: [
          { name: CHECK_PARAMETERS_TASK, template: CHECK_PARAMETERS_TASK },
          ...stages.map((s) => ({
            name: s.id,
            template: s.id,
            depends: (s.dependsOn.length ? s.dependsOn : [CHECK_PARAMETERS_TASK]).map((d) => `${d}.Succeeded`).join(" && "),
          })),
        ],
      },
    },
    // Argo substitutes parameters textually (into argv, env and the JobSet manifests alike): they are checked
    // first, read from the environment, before any stage sees them.
    stageTemplate(c, CHECK_PARAMETERS_TASK, c.images.python, parameterCheckCommand(SCRIPTS, WORKFLOW_PARAMETERS), {
      cpu: "100m",
      memory: "128Mi",
      retries: 0,
      deadline: 300,
      component: "stage",
      env: WORKFLOW_PARAMETERS.map((p) => ({ name: parameterEnvName(p.name), value: `{{workflow.parameters.${p.name}}}` })),
    }),
    stageTemplate(
      c,
      "data-prep",
      c.images.dataPrep,
      dataPrepCommand(spec, SCRIPTS, {
        input: "{{workflow.parameters.dataset-uri}}",
        output: l.stage("data-prep"),
        validationInput: spec.dataset.validationUri,
        testInput: spec.dataset.testUri,
      }),
      { cpu: "2", memory: "8Gi", deadline: 4 * 3600, component: "data-prep" },
    ),
    stageTemplate(
      c,
      "model-init",
      c.images.modelInit,
      modelInitCommand(spec, SCRIPTS, { revision: REVISION_PARAMETER, dest: l.baseModel(REVISION_PARAMETER), cacheDir: writer.cacheDir }),
      {
        mounts: writer.mounts,
        cpu: "2",
        memory: "8Gi",
        hubToken: true,
        readOnly: false,
        deadline: 6 * 3600,
        component: "model-init",
      },
    ),
    stageTemplate(
      c,
      "training-setup",
      c.images.trainingSetup,
      trainingSetupCommand(spec, SCRIPTS, {
        trainerConfig: `${CONFIG}/trainer.json`,
        sizing: `${CONFIG}/sizing.json`,
        stats: `${l.stage("data-prep")}/stats.json`,
        output: l.stage("training-setup"),
      }),
      { component: "training-setup" },
    ),
    jobSetTemplate("training", jobSets.training, Math.round(spec.compute.maxWaitHours * 3600)),
    jobSetTemplate("evaluation", jobSets.evaluation, 24 * 3600),
    stageTemplate(
      c,
      "evaluation-gate",
      c.images.python,
      gateCommand(spec, SCRIPTS, {
        metrics: `${l.stage("evaluation")}/metrics.json`,
        thresholds: `${CONFIG}/thresholds.json`,
        deployed: l.deployedPointer,
        out: `${l.stage("evaluation")}/gate.json`,
      }),
      { retries: 1, component: "evaluation-gate" },
    ),
    ...(spec.deployment.enabled ? deploymentTemplates(c) : []),
  ];
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "WorkflowTemplate",
    metadata: {
      name: names.workflowTemplate,
      namespace: input.namespace,
      labels: pipelineLabels(spec),
      ...(spec.description ? { annotations: { "workflows.argoproj.io/description": spec.description } } : {}),
    },
    spec: {
      entrypoint: "pipeline",
      serviceAccountName: names.serviceAccount,
      arguments: {
        parameters: [
          { name: "dataset-uri", value: spec.dataset.uri, description: "Object-store URI of the raw JSONL dataset" },
          { name: "base-model-revision", value: spec.baseModel.revision, description: `Pinned revision of ${spec.baseModel.id}` },
        ],
      },
      securityContext: POD_SECURITY_CONTEXT,
      podMetadata: { labels: pipelineLabels(spec, "stage") },
      workflowMetadata: { labels: pipelineLabels(spec) },
      ...pullSecrets(input.store),
      volumes: volumes(names, spec.compute.ephemeralStorageGiB, writer.volumes),
      activeDeadlineSeconds: runHours * 3600,
      ttlStrategy: { secondsAfterCompletion: 7 * 24 * 3600 },
      podGC: { strategy: "OnPodSuccess" },
      templates,
    },
  };
}

/** The CronWorkflows: scheduled runs of the template (when the spec has a schedule) and the monitoring probe. */
export function renderCronWorkflows(c: Ctx): K8sObject[] {
  const { spec, input, names, layout: l } = c;
  const out: K8sObject[] = [];
  if (spec.schedule) {
    out.push({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name: names.scheduleCron, namespace: input.namespace, labels: pipelineLabels(spec) },
      spec: {
        schedules: [spec.schedule],
        timezone: "UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        workflowMetadata: { labels: pipelineLabels(spec) },
        workflowSpec: { workflowTemplateRef: { name: names.workflowTemplate } },
      },
    });
  }
  if (monitoringEnabled(spec)) {
    const probeRun = ARGO_RUN_ID;
    out.push({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name: names.monitorCron, namespace: input.namespace, labels: pipelineLabels(spec, "monitoring") },
      spec: {
        schedules: [spec.monitoring.schedule],
        timezone: "UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        workflowMetadata: { labels: pipelineLabels(spec, "monitoring") },
        workflowSpec: {
          entrypoint: "probe",
          serviceAccountName: names.serviceAccount,
          securityContext: POD_SECURITY_CONTEXT,
          podMetadata: { labels: pipelineLabels(spec, "monitoring") },
          volumes: volumes(names, 5),
          activeDeadlineSeconds: 3600,
          ttlStrategy: { secondsAfterCompletion: 2 * 24 * 3600 },
          podGC: { strategy: "OnPodSuccess" },
          templates: [
            stageTemplate(
              c,
              "probe",
              c.images.monitoring,
              probeCommand(spec, SCRIPTS, {
                evalFile: `${l.registryModel}/probe.jsonl`,
                endpoint: servingEndpoint(c),
                out: `${input.store.runsUri}/${spec.name}/monitoring/${probeRun}/probe.json`,
              }),
              { retries: 1, component: "monitoring" },
            ),
          ],
        },
      },
    });
  }
  return out;
}
