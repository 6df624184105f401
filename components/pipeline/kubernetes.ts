import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import type { MonitoringContract } from "../../core/contracts/monitoring";
import { renderMermaid } from "../../pipelines/mermaid";
import { PipelineRenderError, renderKubernetesPipeline, renderScriptsConfigMap, type KubernetesPipelineRender } from "../../pipelines/render/kubernetes";
import type { Placement } from "../../pipelines/sizing";
import type { FineTuningPipelineSpec } from "../../pipelines/spec";
import { isKnown } from "../validation";
import { throwIfProblems, type Problem } from "../../core/problem";
import { loadStageScripts } from "./scripts";
import { DNS_LABEL, type K8sObject } from "../../core/kubernetes";

/**
 * A workload identity for the pipeline's ServiceAccount (e.g. `EksPipelineIdentity.identity`): the annotations
 * the ServiceAccount needs (IRSA: `eks.amazonaws.com/role-arn`; EKS Pod Identity: none, the association binds
 * it), merged over the store contract's own.
 */
export interface ServiceAccountIdentity {
  /** The ServiceAccount the identity is bound to; must be the pipeline's (`objectNames(spec).serviceAccount`). */
  serviceAccountName: string;
  /** Namespace the identity is bound in; must be the pipeline's. */
  namespace: pulumi.Input<string>;
  /** Annotations the ServiceAccount needs. */
  serviceAccountAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Where the Kubernetes API server listens (Argo's executor egress). */
export interface ApiServerEndpoint {
  /** CIDRs of the API server. */
  cidrs: string[];
  /** Ports of the API server. */
  ports: number[];
}

/** Arguments of {@link KubernetesFineTuningPipeline}. */
export interface KubernetesFineTuningPipelineArgs {
  /** The pipeline spec, validated (`FineTuningPipelineSpecSchema`, i.e. one entry of `finetune:pipelines`). */
  spec: FineTuningPipelineSpec;
  /** Contract of the GPU pool `spec.compute.pool` names. */
  pool: GpuPoolContract;
  /** Contract of the artifact store. */
  store: ArtifactStoreContract;
  /** Namespace the pipeline runs in; the stack creates it (PSS `restricted`). */
  namespace: string;
  /** Monitoring contract: Pushgateway URL for training/evaluation metrics. @default - metrics are not pushed */
  monitoring?: MonitoringContract;
  /** Driver-stack contract: runtime class for GPU pods. @default - no runtimeClassName */
  driver?: DriverStackContract;
  /**
   * Hugging Face hub token (a Pulumi secret) for gated models; becomes the Kubernetes Secret the model-init
   * stage reads. Required when `spec.baseModel.gated` and no existing `spec.baseModel.hubTokenSecret` is named.
   * @default - no Secret
   */
  hubToken?: pulumi.Input<string>;
  /** CIDRs/ports of the API server for Argo's executor egress. @default { cidrs: ["0.0.0.0/0"], ports: [443, 6443] } */
  apiServer?: ApiServerEndpoint;
  /** CIDRs the model-init stage may reach the model hub at (port 443). @default ["0.0.0.0/0"] */
  hubCidrs?: string[];
  /** Namespaces whose pods may call the serving endpoint. @default [] */
  servingClientNamespaces?: string[];
  /**
   * Workload identity of the pipeline's ServiceAccount (`EksPipelineIdentity.identity`); its annotations are
   * merged over `store.serviceAccountAnnotations`.
   * @default - the store contract's annotations only
   */
  identity?: ServiceAccountIdentity;
  /** Position of the pipeline in `finetune:pipelines`, for error keys. @default 0 */
  index?: number;
}

/** Kubernetes resource classes by `apiVersion/kind`: facts in a table, not an if-chain. */
const KINDS: Record<string, new (name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource> = {
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount as never,
  "v1/ConfigMap": k8s.core.v1.ConfigMap as never,
  "v1/Service": k8s.core.v1.Service as never,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role as never,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding as never,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy as never,
  "apps/v1/Deployment": k8s.apps.v1.Deployment as never,
  "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler as never,
};

/** Each pipeline's render, kept off the instance so the provider host does not take it for an output. */
const RENDERED = new WeakMap<KubernetesFineTuningPipeline, KubernetesPipelineRender>();

/**
 * One fine-tuning pipeline on Kubernetes: the Argo WorkflowTemplate whose DAG is the seven stages (GPU stages as
 * Kueue-admitted JobSets), CronWorkflows for scheduled runs and the monitoring probe, the vLLM serving Deployment
 * when deployment is enabled, and everything they need in the namespace: ServiceAccount (workload identity from
 * the store contract), a Role limited to JobSets / the serving Deployment / Argo task results, scripts and config
 * ConfigMaps, the hub-token Secret, and default-deny NetworkPolicies with explicit egress. Needs the Argo
 * Workflows and JobSet controllers (`KubernetesPipelinePlatform`) and Kueue (the GPU pool).
 */
export class KubernetesFineTuningPipeline extends pulumi.ComponentResource {
  /** Names of the Kubernetes objects (ServiceAccount, WorkflowTemplate, …). */
  readonly names: KubernetesPipelineRender["names"];
  /** GPUs per node, nodes and sharding the sizing chose. */
  readonly placement: Placement;
  /** The pipeline DAG as Mermaid. */
  readonly mermaid: string;
  /** Everything rendered (plain objects), for plan output; a getter, not a provider-host output (it holds `unknown`). */
  get rendered(): KubernetesPipelineRender {
    return RENDERED.get(this)!;
  }
  /** `argo submit --from workflowtemplate/<name> -n <namespace>` starts a run. */
  readonly submitCommand: string;

  constructor(name: string, args: KubernetesFineTuningPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and render before registering anything, so that a bad argument leaves no half-registered component.
    const { spec } = args;
    const problems: Problem[] = [];
    const gatedWithoutToken = spec.baseModel.gated && !spec.baseModel.hubTokenSecret && args.hubToken === undefined;
    if (gatedWithoutToken) {
      problems.push({ path: "hubToken", message: `is required because ${spec.baseModel.id} is gated (pulumi config set --secret finetune:hubToken <token>, or name an existing Secret in baseModel.hubTokenSecret)` });
    }
    if (!DNS_LABEL.test(args.namespace)) problems.push({ path: "namespace", message: `"${args.namespace}" is not a DNS label (use lowercase letters, digits and '-')` });
    const queueNs = args.pool.localQueueNamespace;
    if (queueNs !== undefined && queueNs !== args.namespace) {
      problems.push({
        path: "namespace",
        message: `"${args.namespace}" is not the namespace of pool ${args.pool.name}'s LocalQueue "${args.pool.localQueueName}" ("${queueNs}"), and a LocalQueue admits only workloads of its own namespace (run the pipeline in "${queueNs}", or create a KueueGpuPool for this pool in "${args.namespace}")`,
      });
    }
    const { store, lateAnnotations } = storeWithIdentity(args.store, args.identity);
    let rendered: KubernetesPipelineRender | undefined;
    try {
      rendered = renderKubernetesPipeline(
        { spec, pool: args.pool, store, namespace: args.namespace, monitoring: args.monitoring, driver: args.driver, apiServer: args.apiServer, hubCidrs: args.hubCidrs, servingClientNamespaces: args.servingClientNamespaces },
        args.index ?? 0,
      );
    } catch (e) {
      if (!(e instanceof PipelineRenderError)) throw e;
      problems.push(...e.problems);
    }
    if (rendered) problems.push(...identityProblems(args.identity, rendered.names.serviceAccount, args.namespace));
    throwIfProblems("KubernetesFineTuningPipeline", name, problems);
    super("finetune:pipeline:KubernetesFineTuningPipeline", name, {}, opts);
    const r = rendered as KubernetesPipelineRender;
    RENDERED.set(this, r);
    this.names = r.names;
    this.placement = r.sizing.placement;
    this.mermaid = renderMermaid(spec);
    this.submitCommand = `argo submit --from workflowtemplate/${r.names.workflowTemplate} -n ${args.namespace}`;

    const child = (m: K8sObject, dependsOn: pulumi.Resource[] = []): pulumi.CustomResource => {
      const resourceName = `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`;
      const o: pulumi.CustomResourceOptions = { parent: this, dependsOn };
      const Kind = KINDS[`${m.apiVersion}/${m.kind}`];
      if (Kind) {
        if (m.kind === "Deployment") {
          // The deployment stage scales the Deployment and rolls its pod annotation; Pulumi must not undo that.
          o.ignoreChanges = ["spec.replicas", 'spec.template.metadata.annotations["finetune.dev/model-version"]'];
        }
        const { apiVersion: _a, kind: _k, ...rest } = m;
        if (m.kind === "ServiceAccount" && m.metadata.name === r.names.serviceAccount && lateAnnotations !== undefined) {
          // Annotation values known only at deployment (a role ARN): merged into the resource, not the render.
          rest.metadata = { ...m.metadata, annotations: pulumi.output(lateAnnotations).apply((a) => ({ ...m.metadata.annotations, ...a })) as unknown as Record<string, string> };
        }
        return new Kind(resourceName, rest as Record<string, unknown>, o);
      }
      return new k8s.apiextensions.CustomResource(resourceName, m as unknown as k8s.apiextensions.CustomResourceArgs, o);
    };

    const scripts = child(renderScriptsConfigMap(spec, args.namespace, loadStageScripts()));
    const before: pulumi.Resource[] = [scripts];
    if (spec.baseModel.gated && args.hubToken !== undefined && !spec.baseModel.hubTokenSecret) {
      before.push(
        new k8s.core.v1.Secret(
          `${name}-hub-token`,
          {
            metadata: { name: r.names.hubTokenSecret, namespace: args.namespace, labels: { "finetune.dev/pipeline": spec.name } },
            type: "Opaque",
            stringData: { HF_TOKEN: pulumi.secret(args.hubToken) },
          },
          { parent: this },
        ),
      );
    }
    const created: pulumi.CustomResource[] = [];
    for (const m of r.objects) {
      const isWorkflow = m.apiVersion.startsWith("argoproj.io/");
      created.push(child(m, isWorkflow ? [...before, ...created.filter((c) => !(c instanceof k8s.apiextensions.CustomResource))] : []));
    }
    this.registerOutputs({ names: this.names, placement: this.placement, mermaid: this.mermaid, submitCommand: this.submitCommand });
  }
}

/**
 * The store contract the renderer gets: the identity's annotations merged over the store's, where they are plain
 * strings now; `lateAnnotations` is set when some are Outputs, for the ServiceAccount resource to merge.
 */
function storeWithIdentity(store: ArtifactStoreContract, identity: ServiceAccountIdentity | undefined): { store: ArtifactStoreContract; lateAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>> } {
  if (identity === undefined) return { store };
  const a = identity.serviceAccountAnnotations;
  const plain = isKnown(a) && Object.values(a).every((v) => typeof v === "string");
  return plain
    ? { store: { ...store, serviceAccountAnnotations: { ...store.serviceAccountAnnotations, ...(a as Record<string, string>) } } }
    : { store, lateAnnotations: a };
}

/** The identity must be bound to the ServiceAccount the renderer names, in the pipeline's namespace. */
function identityProblems(identity: ServiceAccountIdentity | undefined, serviceAccount: string, namespace: string): Problem[] {
  if (identity === undefined) return [];
  const problems: Problem[] = [];
  if (identity.serviceAccountName !== serviceAccount) {
    problems.push({ path: "identity.serviceAccountName", message: `"${identity.serviceAccountName}" is not the pipeline's ServiceAccount "${serviceAccount}" (create the identity from this pipeline's spec)` });
  }
  if (isKnown(identity.namespace) && identity.namespace !== namespace) {
    problems.push({ path: "identity.namespace", message: `"${identity.namespace}" is not the pipeline's namespace "${namespace}" (create the identity with the pipeline's namespace)` });
  }
  return problems;
}
