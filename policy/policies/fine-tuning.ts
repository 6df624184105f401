/**
 * Fine-tuning policies: spot training survives preemption, no deployment without an evaluation gate, GPU
 * pools are bounded, tainted and scale to zero, drivers are pinned, Karpenter leaves training alone.
 */
import { Level, PolicyGroup, resourcePolicy, stackPolicy, type KitPolicy, type StackView } from "../kit-policy";
import { chartName, describeRelease, HELM_RELEASE, releaseValues } from "../lib/helm";
import {
  asKind,
  isKind,
  isKubernetesType,
  isWorkloadType,
  kubeObjectOf,
  looksLikeTraining,
  podRefsOf,
  podUsesGpu,
  spotReason,
  describeObject,
  type KubeObject,
  type PodRef,
} from "../lib/kubernetes";
import { EKS_NODE_GROUP, GKE_NODE_POOL, isEksGpuNodeGroup, isGkeGpuNodePool, isKarpenterGpuNodePool, karpenterNodePoolOf, poolLabel } from "../lib/pools";
import { DEPLOYMENT_STEP_TYPES, boolArg, isSet, numArg, pipelineDefinitionOf, pipelineTrainingJobs, type PipelineDefinition } from "../lib/sagemaker";
import { arr, isRecord, isUnknown, num, parseJson, rec, str, type JsonObject } from "../lib/values";

const SAGEMAKER_PIPELINE = "aws:sagemaker/pipeline:Pipeline";

/** Default pattern that marks a GPU workload as training (workload, job, template or container names). */
export const TRAINING_NAME_PATTERN = "train|fine-?tun|sft|lora|dpo";

const trainingPatternConfig = {
  trainingNamePattern: {
    type: "string" as const,
    default: TRAINING_NAME_PATTERN,
    description: "Regular expression (case-insensitive) that marks a GPU pod as training, matched against workload, job, template and container names.",
  },
};

/** Durable object-store URI schemes a checkpoint may live under. */
const DURABLE_URI = /^(s3|s3a|gs|gcs|az|abfss?):\/\//i;
/** A value filled in at run time (Argo `{{...}}`, Kubernetes `$(VAR)`). */
const TEMPLATED = /\{\{.+\}\}|\$\(.+\)/;
const CHECKPOINT_WORD = /checkpoint|ckpt/i;

function durableOrTemplated(v: string): boolean {
  return DURABLE_URI.test(v) || TEMPLATED.test(v);
}

/** True when a container names a checkpoint location in durable storage (env or args). */
function hasCheckpointUri(p: PodRef): boolean {
  return p.containers.some(({ container: c }) => {
    for (const e of arr(c.env)) {
      const name = str(rec(e).name) ?? "";
      const value = rec(e).value;
      if (!CHECKPOINT_WORD.test(name)) continue;
      if (isRecord(rec(e).valueFrom) || isUnknown(value)) return true;
      if (typeof value === "string" && durableOrTemplated(value)) return true;
    }
    const tokens = [...arr(c.command), ...arr(c.args)].filter((x): x is string => typeof x === "string").flatMap((t) => t.split(/\s+/));
    return tokens.some((t, i) => {
      if (CHECKPOINT_WORD.test(t) && /(s3|s3a|gs|gcs):\/\//i.test(t)) return true;
      return i > 0 && CHECKPOINT_WORD.test(tokens[i - 1]) && durableOrTemplated(t);
    });
  });
}

/** Spot GPU training pods of a workload resource. */
function spotTrainingPods(type: string, props: JsonObject, pattern: string): Array<{ pod: PodRef; reason: string }> {
  const obj = kubeObjectOf(type, props);
  if (!obj) return [];
  return podRefsOf(obj).flatMap((p) => {
    if (!podUsesGpu(p) || !looksLikeTraining(p, pattern)) return [];
    const reason = spotReason(p);
    return reason ? [{ pod: p, reason }] : [];
  });
}

function trainingContainerPath(p: PodRef): string {
  const gpu = p.containers.find((c) => arr(Object.keys(rec(rec(c.container.resources).limits))).some((k) => /gpu/.test(String(k))));
  return (gpu ?? p.containers[0])?.path ?? p.specPath;
}

function isWorkloadOrPipeline(type: string): boolean {
  return type === SAGEMAKER_PIPELINE || isWorkloadType(type);
}

const spotTrainingCheckpoints = resourcePolicy<{ trainingNamePattern: string }>({
  name: "spot-training-checkpoints",
  description: "Training that may run on spot capacity checkpoints to durable object storage (Kubernetes: a checkpoint URI; SageMaker: CheckpointConfig).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Kubernetes: give the training container env CHECKPOINT_URI (s3:// or gs:// under the artifact store's checkpoints prefix) and resume from the newest checkpoint. SageMaker: set CheckpointConfig.S3Uri on every managed-spot Training step.",
  config: trainingPatternConfig,
  appliesTo: isWorkloadOrPipeline,
  appliesToLabel: "Kubernetes workloads and SageMaker pipelines",
  check(r, report, config) {
    if (r.type === SAGEMAKER_PIPELINE) {
      for (const { def, step, job } of pipelineTrainingJobs(r.props)) {
        if (boolArg(def, job.args.EnableManagedSpotTraining) !== true) continue;
        const uri = def.resolve(rec(job.args.CheckpointConfig).S3Uri);
        const ok = isSet(def, rec(job.args.CheckpointConfig).S3Uri) && (typeof uri !== "string" || DURABLE_URI.test(uri) || isUnknown(uri));
        if (!ok) {
          report(
            `SageMaker step "${step.name}" uses managed spot training without a checkpoint in S3 (set ${job.path}.CheckpointConfig.S3Uri to an s3:// URI under the checkpoints prefix and LocalPath to /opt/ml/checkpoints)`,
          );
        }
      }
      return;
    }
    for (const { pod, reason } of spotTrainingPods(r.type, r.props, config.trainingNamePattern)) {
      if (hasCheckpointUri(pod)) continue;
      report(
        `${pod.where} trains on GPUs and may run on spot (${reason}) but names no checkpoint location in durable storage (add env CHECKPOINT_URI with an s3:// or gs:// URI under the checkpoints prefix to ${trainingContainerPath(pod)} and resume from the newest checkpoint on restart)`,
      );
    }
  },
});

/** True when a Job spec ignores pod disruptions (preemption) instead of counting them as failures. */
function ignoresDisruption(jobSpec: JsonObject): boolean {
  return arr(rec(jobSpec.podFailurePolicy).rules).some((rule) => {
    const r = rec(rule);
    return str(r.action) === "Ignore" && arr(r.onPodConditions).some((c) => str(rec(c).type) === "DisruptionTarget" && rec(c).status !== "False");
  });
}

const RETRYABLE_POLICIES = ["Always", "OnError", "OnTransientError"];

const spotTrainingToleratesPreemption = resourcePolicy<{ trainingNamePattern: string }>({
  name: "spot-training-tolerates-preemption",
  description:
    "Training that may run on spot survives preemption without burning retries (Job podFailurePolicy ignores DisruptionTarget; JobSets restart; Argo retries errors).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Add podFailurePolicy rule {action: Ignore, onPodConditions: [{type: DisruptionTarget}]} to the training Job (with restartPolicy: Never), give JobSets failurePolicy.maxRestarts ≥ 1, and give Argo training templates retryStrategy {limit ≥ 1, retryPolicy: Always}.",
  config: trainingPatternConfig,
  appliesTo: isWorkloadType,
  appliesToLabel: "Kubernetes workloads",
  check(r, report, config) {
    const reportedJobSets = new Set<string>();
    for (const { pod, reason } of spotTrainingPods(r.type, r.props, config.trainingNamePattern)) {
      if (pod.job && !ignoresDisruption(pod.job.spec)) {
        report(
          `${pod.where} may run on spot (${reason}) but its Job has no podFailurePolicy rule that ignores DisruptionTarget, so each preemption counts against backoffLimit (add {action: Ignore, onPodConditions: [{type: DisruptionTarget}]} to ${pod.job.path}.podFailurePolicy.rules)`,
        );
      }
      if (isKind(pod.owner, "jobset.x-k8s.io", "JobSet") && !reportedJobSets.has(pod.ownerPath)) {
        reportedJobSets.add(pod.ownerPath);
        const max = num(rec(rec(pod.owner.spec).failurePolicy).maxRestarts);
        if (max === undefined || max < 1) {
          report(
            `${describeObject(pod.owner)} may run on spot (${reason}) but restarts 0 times after a preemption (set ${pod.ownerPath}spec.failurePolicy.maxRestarts to at least 1)`,
          );
        }
      }
      if (pod.argoTemplate) {
        const rs = rec(pod.argoTemplate.template.retryStrategy);
        const limit = num(rs.limit);
        const policy = str(rs.retryPolicy) ?? "OnFailure";
        if (limit === undefined || limit < 1 || !RETRYABLE_POLICIES.includes(policy)) {
          report(
            `${pod.where} may run on spot (${reason}) but is not retried when preempted (set ${pod.argoTemplate.path}.retryStrategy to {limit: 3, retryPolicy: Always}; a preempted pod is an error, which retryPolicy OnFailure does not retry)`,
          );
        }
      }
    }
  },
});

const sagemakerSpotMaxWait = resourcePolicy({
  name: "sagemaker-spot-max-wait",
  description: "SageMaker managed spot training sets StoppingCondition.MaxWaitTimeInSeconds ≥ MaxRuntimeInSeconds.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "On every Training step with EnableManagedSpotTraining: true, set StoppingCondition.MaxRuntimeInSeconds and MaxWaitTimeInSeconds, the latter at least as large.",
  appliesTo: [SAGEMAKER_PIPELINE],
  check(r, report) {
    for (const { def, step, job } of pipelineTrainingJobs(r.props)) {
      if (boolArg(def, job.args.EnableManagedSpotTraining) !== true) continue;
      const sc = rec(job.args.StoppingCondition);
      const path = `${job.path}.StoppingCondition`;
      if (!isSet(def, sc.MaxRuntimeInSeconds) || !isSet(def, sc.MaxWaitTimeInSeconds)) {
        const missing = ["MaxRuntimeInSeconds", "MaxWaitTimeInSeconds"].filter((k) => !isSet(def, sc[k]));
        report(
          `SageMaker step "${step.name}" uses managed spot training without ${missing.join(" and ")} (set ${path}.MaxRuntimeInSeconds and ${path}.MaxWaitTimeInSeconds ≥ MaxRuntimeInSeconds)`,
        );
        continue;
      }
      const run = numArg(def, sc.MaxRuntimeInSeconds);
      const wait = numArg(def, sc.MaxWaitTimeInSeconds);
      if (run !== undefined && wait !== undefined && wait < run) {
        report(
          `SageMaker step "${step.name}" waits at most ${wait}s for spot capacity but may run ${run}s (raise ${path}.MaxWaitTimeInSeconds to at least ${run})`,
        );
      }
    }
  },
});

// ---- evaluation gate ------------------------------------------------------------------------------

export const DEPLOY_NAME_PATTERN = "deploy|serve|serving|promot|publish|release|rollout|register";
export const GATE_NAME_PATTERN = "eval|gate|approv|validat|quality";

interface Node {
  name: string;
  template: string;
  path: string;
  when: string;
  /** Upstream task names; `success` when this node runs only if that one succeeded. */
  deps: Array<{ name: string; success: boolean }>;
  continuesOnFailure: boolean;
}

/** Splits an Argo `depends` expression into its dependencies, marking those that require success. */
function parseDepends(expr: string): Array<{ name: string; success: boolean }> {
  const out: Array<{ name: string; success: boolean }> = [];
  let depth = 0;
  let part = "";
  const parts: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth === 0 && expr.startsWith("&&", i)) {
      parts.push(part);
      part = "";
      i++;
      continue;
    }
    part += ch;
  }
  parts.push(part);
  for (const p0 of parts) {
    const p = p0
      .trim()
      .replace(/^\((.*)\)$/, "$1")
      .trim();
    const names = [...p.matchAll(/([A-Za-z0-9_-]+)(?:\.([A-Za-z]+))?/g)];
    const guaranteed = !p.includes("||") && !p.startsWith("!") && names.length === 1 && (names[0][2] === undefined || names[0][2] === "Succeeded");
    for (const m of names) out.push({ name: m[1], success: guaranteed });
  }
  return out;
}

/** Nodes (DAG tasks or steps) of an Argo template that orchestrates others. */
function nodesOf(t: JsonObject, path: string): Node[] | undefined {
  const dag = rec(t.dag);
  if (Array.isArray(dag.tasks)) {
    return dag.tasks.map((x, i) => {
      const task = rec(x);
      const deps = [
        ...arr(task.dependencies).map((d) => ({ name: String(d), success: true })),
        ...(typeof task.depends === "string" ? parseDepends(task.depends) : []),
      ];
      return {
        name: str(task.name) ?? `[${i}]`,
        template: str(task.template) ?? "",
        path: `${path}.dag.tasks[${i}]`,
        when: str(task.when) ?? "",
        deps,
        continuesOnFailure: rec(task.continueOn).failed === true || rec(task.continueOn).error === true,
      };
    });
  }
  if (Array.isArray(t.steps)) {
    const nodes: Node[] = [];
    const earlier: string[] = [];
    t.steps.forEach((group, gi) => {
      const names: string[] = [];
      arr(group).forEach((x, si) => {
        const step = rec(x);
        const name = str(step.name) ?? `[${gi}][${si}]`;
        names.push(name);
        nodes.push({
          name,
          template: str(step.template) ?? "",
          path: `${path}.steps[${gi}][${si}]`,
          when: str(step.when) ?? "",
          deps: earlier.map((e) => ({ name: e, success: true })),
          continuesOnFailure: rec(step.continueOn).failed === true || rec(step.continueOn).error === true,
        });
      });
      earlier.push(...names);
    });
    return nodes;
  }
  return undefined;
}

interface ArgoGateProblem {
  path: string;
  message: string;
}

/** Deployment tasks of an Argo workflow spec that no evaluation gate guards. */
export function ungatedArgoDeployments(wf: JsonObject, specPath: string, deployPattern: string, gatePattern: string): ArgoGateProblem[] {
  const deployRe = new RegExp(deployPattern, "i");
  const gateRe = new RegExp(gatePattern, "i");
  const templates = new Map<string, { t: JsonObject; path: string; nodes?: Node[] }>();
  arr(wf.templates).forEach((x, i) => {
    const t = rec(x);
    const path = `${specPath}.templates[${i}]`;
    templates.set(str(t.name) ?? `[${i}]`, { t, path, nodes: nodesOf(t, path) });
  });
  const isGate = (n: Node): boolean => (gateRe.test(n.name) || gateRe.test(n.template)) && !n.continuesOnFailure;
  const isOrchestrator = (name: string): boolean => templates.get(name)?.nodes !== undefined;

  // gated[template][node] — the node runs only after a gate succeeded (or its `when` reads a gate's result).
  const gatedIn = (nodes: Node[]): Map<string, boolean> => {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const memo = new Map<string, boolean>();
    const visit = (n: Node, seen: Set<string>): boolean => {
      if (memo.has(n.name)) return memo.get(n.name) as boolean;
      if (seen.has(n.name)) return false;
      seen.add(n.name);
      let ok = false;
      for (const d of n.deps) {
        const up = byName.get(d.name);
        if (!up) continue;
        if (d.success && (isGate(up) || visit(up, seen))) ok = true;
      }
      const whenGate = [...n.when.matchAll(/(?:tasks|steps)\.([A-Za-z0-9_-]+)\./g)].some((m) => {
        const up = byName.get(m[1]);
        return up !== undefined && gateRe.test(`${up.name} ${up.template}`);
      });
      memo.set(n.name, ok || whenGate);
      return ok || whenGate;
    };
    const out = new Map<string, boolean>();
    for (const n of nodes) out.set(n.name, visit(n, new Set()));
    return out;
  };
  const gatedNodes = new Map<string, Map<string, boolean>>();
  for (const [name, t] of templates) if (t.nodes) gatedNodes.set(name, gatedIn(t.nodes));

  // A template is invoked gated when every invocation of it is gated (in its template, or that template is).
  const invokedGatedMemo = new Map<string, boolean>();
  const invokedGated = (name: string, seen: Set<string>): boolean => {
    if (invokedGatedMemo.has(name)) return invokedGatedMemo.get(name) as boolean;
    if (seen.has(name)) return false;
    seen.add(name);
    const calls: boolean[] = [];
    for (const [caller, t] of templates) {
      for (const n of t.nodes ?? []) {
        if (n.template !== name) continue;
        calls.push((gatedNodes.get(caller)?.get(n.name) ?? false) || isGate(n) || invokedGated(caller, seen));
      }
    }
    const result = calls.length > 0 && calls.every(Boolean);
    invokedGatedMemo.set(name, result);
    return result;
  };

  const problems: ArgoGateProblem[] = [];
  for (const [tName, t] of templates) {
    for (const n of t.nodes ?? []) {
      if (isOrchestrator(n.template) || isGate(n)) continue;
      if (!deployRe.test(n.name) && !deployRe.test(n.template)) continue;
      if (gatedNodes.get(tName)?.get(n.name) || invokedGated(tName, new Set())) continue;
      problems.push({
        path: n.path,
        message: `deployment task "${n.name}" (template "${tName}") runs without a passed evaluation gate before it (make ${n.path} depend on the evaluation task with dependencies: [<eval task>] or depends: "<eval task>.Succeeded", or guard it with when: "{{tasks.<eval task>.outputs.result}} == pass")`,
      });
    }
  }
  return problems;
}

/** Names of the steps a step depends on: `DependsOn` plus every `{"Get": "Steps.<name>..."}` in its arguments. */
function stepDependencies(step: JsonObject): Set<string> {
  const deps = new Set<string>(
    arr(step.DependsOn)
      .map((d) => str(d) ?? "")
      .filter(Boolean),
  );
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isRecord(v)) return;
    const get = str(v.Get);
    const m = get ? /^Steps\.([^.[]+)/.exec(get) : null;
    if (m) deps.add(m[1]);
    Object.values(v).forEach(visit);
  };
  visit(step.Arguments);
  return deps;
}

/**
 * Deployment steps of a SageMaker pipeline that can run without a passed evaluation gate. A step is gated when
 * it sits in the IfSteps of a Condition step that has conditions, or when it depends (DependsOn or a
 * `Steps.<name>` property reference), directly or transitively, on such a step: SageMaker never runs a step whose
 * dependency sits in a branch that was not taken. (AWS's pipeline schema allows only Training, Processing,
 * Transform, RegisterModel and Fail steps inside IfSteps, so Model/EndpointConfig/Endpoint steps follow the
 * gated RegisterModel step through a dependency.)
 */
export function ungatedSageMakerDeployments(def: PipelineDefinition, deployPattern: string): string[] {
  const deployRe = new RegExp(deployPattern, "i");
  const realConditions = new Set(def.steps.filter((s) => s.type === "Condition" && arr(rec(s.step.Arguments).Conditions).length > 0).map((s) => s.name));
  const gated = new Set(def.steps.filter((s) => !s.inElse && s.gatedBy.some((c) => realConditions.has(c))).map((s) => s.name));
  for (let changed = true; changed;) {
    changed = false;
    for (const s of def.steps) {
      if (gated.has(s.name) || s.inElse) continue;
      if ([...stepDependencies(s.step)].some((d) => gated.has(d))) {
        gated.add(s.name);
        changed = true;
      }
    }
  }
  return def.steps
    .filter((s) => DEPLOYMENT_STEP_TYPES.includes(s.type) || (["Lambda", "Callback"].includes(s.type) && deployRe.test(s.name)))
    .filter((s) => s.inElse || !gated.has(s.name))
    .map(
      (s) =>
        `SageMaker ${s.type} step "${s.name}" (${s.path}) is not gated by an evaluation (move it into the IfSteps of a Condition step whose Conditions compare the evaluation step's metrics to their thresholds, or make it depend on a step there)`,
    );
}

function argoWorkflowSpecOf(obj: KubeObject | undefined): { spec: JsonObject; path: string } | undefined {
  if (obj && isKind(obj, "argoproj.io", "Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate")) return { spec: rec(obj.spec), path: "spec" };
  if (obj && isKind(obj, "argoproj.io", "CronWorkflow")) return { spec: rec(rec(obj.spec).workflowSpec), path: "spec.workflowSpec" };
  return undefined;
}

const ARGO_KINDS = ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"];

const evaluationGate = resourcePolicy<{ deployNamePattern: string; gateNamePattern: string }>({
  name: "evaluation-gate-before-deploy",
  description:
    "Every pipeline step that registers, promotes or deploys a model runs only after an evaluation gate passed (Argo DAG dependency / SageMaker Condition step).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Argo: make each deploy/register task depend on the evaluation task's success (dependencies, or depends: \"eval.Succeeded\") or guard it with a when on the evaluation's result. SageMaker: put RegisterModel steps inside the IfSteps of a Condition step over the evaluation metrics, and make Model/EndpointConfig/Endpoint steps depend on them.",
  config: {
    deployNamePattern: {
      type: "string",
      default: DEPLOY_NAME_PATTERN,
      description: "Regular expression (case-insensitive) for Argo task/template names and SageMaker Lambda/Callback step names that deploy.",
    },
    gateNamePattern: {
      type: "string",
      default: GATE_NAME_PATTERN,
      description: "Regular expression (case-insensitive) for Argo task/template names that evaluate and gate.",
    },
  },
  appliesTo: (type) =>
    type === SAGEMAKER_PIPELINE || (isKubernetesType(type) && type.startsWith("kubernetes:argoproj.io/") && ARGO_KINDS.includes(type.split(":").pop() ?? "")),
  appliesToLabel: "Argo Workflows (templates, cron workflows) and SageMaker pipelines",
  check(r, report, config) {
    if (r.type === SAGEMAKER_PIPELINE) {
      const def = pipelineDefinitionOf(r.props);
      if (def) ungatedSageMakerDeployments(def, config.deployNamePattern).forEach(report);
      return;
    }
    const obj = kubeObjectOf(r.type, r.props);
    const wf = argoWorkflowSpecOf(obj);
    if (!obj || !wf) return;
    for (const p of ungatedArgoDeployments(wf.spec, wf.path, config.deployNamePattern, config.gateNamePattern)) report(`${describeObject(obj)}: ${p.message}`);
  },
});

// ---- GPU pools ---------------------------------------------------------------------------------

const GPU_POOL_TYPES = (type: string): boolean =>
  type === EKS_NODE_GROUP || type === GKE_NODE_POOL || type.startsWith("kubernetes:karpenter.sh/") || type.startsWith("kubernetes:kueue.x-k8s.io/");

const gpuPoolMaxSize = resourcePolicy<{ maxNodes: number }>({
  name: "gpu-pool-max-size",
  description: "Every GPU pool has a maximum size or GPU quota within the budget (EKS maxSize, GKE autoscaling max, Karpenter limits, Kueue nominalQuota).",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    'Set EKS scalingConfig.maxSize / GKE autoscaling.maxNodeCount (or totalMaxNodeCount) to at most maxNodes, give Karpenter GPU NodePools spec.limits["nvidia.com/gpu"], and give each Kueue ClusterQueue flavor a nominalQuota for the GPU resource.',
  config: { maxNodes: { type: "integer", minimum: 1, default: 32, description: "Largest node count a GPU pool may scale to." } },
  appliesTo: GPU_POOL_TYPES,
  appliesToLabel: "EKS node groups, GKE node pools, Karpenter NodePools and Kueue ClusterQueues",
  check(r, report, { maxNodes }) {
    if (r.type === EKS_NODE_GROUP && isEksGpuNodeGroup(r.props)) {
      const max = num(rec(r.props.scalingConfig).maxSize);
      if (max !== undefined && max > maxNodes)
        report(
          `${poolLabel(r.type, r.name, r.props)} may grow to ${max} GPU nodes, above the budget of ${maxNodes} (lower scalingConfig.maxSize to ${maxNodes} or less)`,
        );
      return;
    }
    if (r.type === GKE_NODE_POOL && isGkeGpuNodePool(r.props)) {
      const as = r.props.autoscaling;
      if (isRecord(as)) {
        const max = num(as.maxNodeCount) ?? num(as.totalMaxNodeCount);
        if (max === undefined)
          report(
            `${poolLabel(r.type, r.name, r.props)} autoscales without a maximum (set autoscaling.maxNodeCount or autoscaling.totalMaxNodeCount to ${maxNodes} or less)`,
          );
        else if (max > maxNodes)
          report(
            `${poolLabel(r.type, r.name, r.props)} may grow to ${max} GPU nodes, above the budget of ${maxNodes} (lower autoscaling.maxNodeCount/totalMaxNodeCount to ${maxNodes} or less)`,
          );
      } else {
        const count = num(r.props.nodeCount) ?? num(r.props.initialNodeCount);
        if (count !== undefined && count > maxNodes)
          report(`${poolLabel(r.type, r.name, r.props)} has ${count} GPU nodes, above the budget of ${maxNodes} (lower nodeCount to ${maxNodes} or less)`);
      }
      return;
    }
    const np = karpenterNodePoolOf(r.type, r.props);
    if (np && isKarpenterGpuNodePool(np)) {
      const limit = rec(rec(np.spec).limits)["nvidia.com/gpu"];
      if (limit === undefined || limit === null || limit === "")
        report(`Karpenter ${describeObject(np)} launches GPU nodes without a GPU limit (set spec.limits["nvidia.com/gpu"] to the most GPUs the pool may hold)`);
      return;
    }
    const obj = asKind(kubeObjectOf(r.type, r.props), "kueue.x-k8s.io", "ClusterQueue");
    if (obj) {
      arr(rec(obj.spec).resourceGroups).forEach((g, gi) => {
        const gpus = arr(rec(g).coveredResources)
          .map(String)
          .filter((x) => /gpu/.test(x));
        arr(rec(g).flavors).forEach((f, fi) => {
          for (const gpu of gpus) {
            const res = arr(rec(f).resources)
              .map(rec)
              .find((x) => str(x.name) === gpu);
            if (!res || res.nominalQuota === undefined || res.nominalQuota === null || res.nominalQuota === "") {
              report(
                `Kueue ${describeObject(obj)} covers ${gpu} without a quota in flavor "${str(rec(f).name) ?? fi}" (set spec.resourceGroups[${gi}].flavors[${fi}].resources[name=${gpu}].nominalQuota)`,
              );
            }
          }
        });
      });
    }
  },
});

const gpuPoolScaleToZero = resourcePolicy({
  name: "gpu-pool-scale-to-zero",
  description: "GPU pools scale to zero nodes when no training runs.",
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Set EKS scalingConfig.minSize: 0 (and desiredSize: 0), GKE autoscaling.minNodeCount/totalMinNodeCount: 0, and leave Karpenter GPU NodePools a disruption.consolidateAfter other than Never.",
  appliesTo: GPU_POOL_TYPES,
  appliesToLabel: "EKS node groups, GKE node pools and Karpenter NodePools",
  check(r, report) {
    if (r.type === EKS_NODE_GROUP && isEksGpuNodeGroup(r.props)) {
      const min = num(rec(r.props.scalingConfig).minSize);
      if (min !== undefined && min > 0)
        report(`${poolLabel(r.type, r.name, r.props)} keeps at least ${min} GPU node(s) running when idle (set scalingConfig.minSize: 0)`);
      return;
    }
    if (r.type === GKE_NODE_POOL && isGkeGpuNodePool(r.props)) {
      const as = r.props.autoscaling;
      if (!isRecord(as)) {
        report(`${poolLabel(r.type, r.name, r.props)} has a fixed size and never scales to zero (add autoscaling with minNodeCount: 0)`);
        return;
      }
      const min = num(as.minNodeCount) ?? num(as.totalMinNodeCount) ?? 0;
      if (min > 0) report(`${poolLabel(r.type, r.name, r.props)} keeps at least ${min} GPU node(s) running when idle (set autoscaling.minNodeCount: 0)`);
      return;
    }
    const np = karpenterNodePoolOf(r.type, r.props);
    if (np && isKarpenterGpuNodePool(np) && str(rec(rec(np.spec).disruption).consolidateAfter) === "Never") {
      report(`Karpenter ${describeObject(np)} never removes empty GPU nodes (set spec.disruption.consolidateAfter to a duration such as 5m)`);
    }
  },
});

const gpuPoolTainted = resourcePolicy<{ taintKey: string }>({
  name: "gpu-pool-tainted",
  description: "GPU pools carry a NoSchedule GPU taint so that pods without GPU tolerations stay off GPU nodes.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Add taint nvidia.com/gpu with effect NO_SCHEDULE (EKS taints) / NoSchedule (Karpenter spec.template.spec.taints). GKE taints GPU node pools itself.",
  config: { taintKey: { type: "string", default: "nvidia.com/gpu", description: "Taint key GPU nodes carry." } },
  appliesTo: (type) => type === EKS_NODE_GROUP || type.startsWith("kubernetes:karpenter.sh/"),
  appliesToLabel: "EKS node groups and Karpenter NodePools",
  check(r, report, { taintKey }) {
    if (r.type === EKS_NODE_GROUP && isEksGpuNodeGroup(r.props)) {
      const ok = arr(r.props.taints).some((t) => str(rec(t).key) === taintKey && str(rec(t).effect) === "NO_SCHEDULE");
      if (!ok)
        report(
          `${poolLabel(r.type, r.name, r.props)} has no ${taintKey} taint, so any pod can land on its GPU nodes (add taints: [{key: "${taintKey}", value: "present", effect: "NO_SCHEDULE"}])`,
        );
      return;
    }
    const np = karpenterNodePoolOf(r.type, r.props);
    if (np && isKarpenterGpuNodePool(np)) {
      const ok = arr(rec(rec(rec(np.spec).template).spec).taints).some((t) => str(rec(t).key) === taintKey && str(rec(t).effect) === "NoSchedule");
      if (!ok)
        report(
          `Karpenter ${describeObject(np)} launches GPU nodes without the ${taintKey} taint (add {key: "${taintKey}", effect: NoSchedule} to spec.template.spec.taints)`,
        );
    }
  },
});

const gpuDriverPinned = resourcePolicy({
  name: "gpu-driver-pinned",
  description:
    'GPU driver versions are pinned, never "latest" (GKE gpuDriverVersion, GPU Operator ClusterPolicy/NVIDIADriver, the gpu-operator chart version).',
  enforcementLevel: Level.Advisory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Use GKE gpuDriverVersion DEFAULT (or INSTALLATION_DISABLED with the GPU Operator), set ClusterPolicy spec.driver.version / NVIDIADriver spec.version to a release, and pin the gpu-operator chart version.",
  appliesTo: (type) => type === GKE_NODE_POOL || type === HELM_RELEASE || type.startsWith("kubernetes:nvidia.com/"),
  appliesToLabel: "GKE node pools, GPU Operator resources and Helm releases",
  check(r, report) {
    if (r.type === GKE_NODE_POOL) {
      arr(rec(r.props.nodeConfig).guestAccelerators).forEach((g, i) => {
        if (str(rec(rec(g).gpuDriverInstallationConfig).gpuDriverVersion) === "LATEST") {
          report(
            `${poolLabel(r.type, r.name, r.props)} installs the LATEST GPU driver, which changes under running training (set nodeConfig.guestAccelerators[${i}].gpuDriverInstallationConfig.gpuDriverVersion: DEFAULT)`,
          );
        }
      });
      return;
    }
    if (r.type === HELM_RELEASE) {
      if (chartName(r.props) !== "gpu-operator") return;
      const version = str(r.props.version);
      if (!version || version === "latest")
        report(`${describeRelease(r.name, r.props)} has no pinned chart version (set version to a released chart version such as the one in core/versions.ts)`);
      const driver = rec(releaseValues(r.props).driver);
      if (driver.enabled !== false && str(driver.version) === "latest")
        report(
          `${describeRelease(r.name, r.props)} sets driver.version: latest (set values.driver.version to a driver release, e.g. the one the CUDA compatibility matrix names)`,
        );
      return;
    }
    const obj = kubeObjectOf(r.type, r.props);
    const cp = asKind(obj, "nvidia.com", "ClusterPolicy");
    if (cp) {
      const driver = rec(rec(cp.spec).driver);
      if (driver.enabled === false) return;
      const v = driver.version;
      if (isUnknown(v)) return;
      if (!str(v) || str(v) === "latest") report(`GPU Operator ${describeObject(cp)} does not pin the driver (set spec.driver.version to a driver release)`);
    }
    const nd = asKind(obj, "nvidia.com", "NVIDIADriver");
    if (nd) {
      const v = rec(nd.spec).version;
      if (!isUnknown(v) && (!str(v) || str(v) === "latest"))
        report(`GPU Operator ${describeObject(nd)} does not pin the driver (set spec.version to a driver release)`);
    }
  },
});

// ---- Karpenter -----------------------------------------------------------------------------------

const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";

function usesKarpenter(resources: ReadonlyArray<{ type: string; props: JsonObject }>): boolean {
  return resources.some((r) => karpenterNodePoolOf(r.type, r.props) !== undefined || (r.type === HELM_RELEASE && chartName(r.props) === "karpenter"));
}

const karpenterDoNotDisrupt = stackPolicy<{ trainingNamePattern: string }>({
  name: "karpenter-do-not-disrupt",
  description:
    "Where Karpenter manages nodes, GPU training pods carry the karpenter.sh/do-not-disrupt annotation so consolidation never evicts a running training.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    'Add annotation karpenter.sh/do-not-disrupt: "true" to the pod template metadata of every training Job, JobSet replicated job and Argo training template.',
  config: trainingPatternConfig,
  check(stack, report, config) {
    if (!usesKarpenter(stack.resources)) return;
    for (const r of stack.resources) {
      if (!isWorkloadType(r.type)) continue;
      const obj = kubeObjectOf(r.type, r.props);
      if (!obj) continue;
      for (const p of podRefsOf(obj)) {
        if (!podUsesGpu(p) || !looksLikeTraining(p, config.trainingNamePattern)) continue;
        if (p.annotations[DO_NOT_DISRUPT] === "true") continue;
        report(
          `${p.where} is GPU training on Karpenter-managed nodes without the ${DO_NOT_DISRUPT} annotation (set ${p.metadataPath}.annotations["${DO_NOT_DISRUPT}"]: "true")`,
          r.urn,
        );
      }
    }
  },
});

const SPOT_WARNING = "EC2 Spot Instance Interruption Warning";

/** True when the stack routes EC2 spot interruption warnings into an SQS queue (EventBridge rule → target → queue). */
function hasInterruptionQueue(stack: StackView): boolean {
  const rules = stack.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => {
    const pattern = rec(parseJson(r.props.eventPattern));
    return arr(pattern["detail-type"]).includes(SPOT_WARNING);
  });
  const queues = new Set(stack.ofType("aws:sqs/queue:Queue").map((q) => q.urn));
  return stack
    .ofType("aws:cloudwatch/eventTarget:EventTarget")
    .some((t) => rules.some((r) => t.dependencies.includes(r.urn)) && t.dependencies.some((d) => queues.has(d)));
}

const karpenterInterruptionQueue = stackPolicy({
  name: "karpenter-interruption-queue",
  description:
    "Karpenter has its SQS interruption queue (fed by EventBridge spot-interruption rules; settings.interruptionQueue on a Karpenter release) so spot interruptions drain nodes ahead of termination.",
  enforcementLevel: Level.Mandatory,
  group: PolicyGroup.FineTuning,
  remediation:
    "Create the interruption queue with its EventBridge rules (KarpenterInterruptionQueue does) and set the Karpenter chart value settings.interruptionQueue to the queue name.",
  check(stack, report) {
    const releases = stack.ofType(HELM_RELEASE).filter((r) => chartName(r.props) === "karpenter");
    const configured = (r: { props: JsonObject }): boolean => {
      const q = rec(releaseValues(r.props).settings).interruptionQueue;
      return isUnknown(q) || (typeof q === "string" && q.length > 0);
    };
    for (const r of releases) {
      if (!configured(r))
        report(
          `${describeRelease(r.name, r.props)} has no interruption queue (set values.settings.interruptionQueue to the name of the SQS queue that receives EC2 spot interruption events)`,
          r.urn,
        );
    }
    if (releases.length > 0 || hasInterruptionQueue(stack)) return;
    for (const r of stack.resources) {
      const np = karpenterNodePoolOf(r.type, r.props);
      if (np) {
        report(
          `Karpenter ${describeObject(np)} has no interruption queue in this stack (create an SQS queue fed by EventBridge rules for "${SPOT_WARNING}" and the other EC2 interruption events, e.g. with KarpenterInterruptionQueue, and set it as Karpenter's settings.interruptionQueue)`,
          r.urn,
        );
      }
    }
  },
});

export const fineTuningPolicies: KitPolicy[] = [
  spotTrainingCheckpoints,
  spotTrainingToleratesPreemption,
  sagemakerSpotMaxWait,
  evaluationGate,
  gpuPoolMaxSize,
  gpuPoolScaleToZero,
  gpuPoolTainted,
  gpuDriverPinned,
  karpenterDoNotDisrupt,
  karpenterInterruptionQueue,
];
