import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";
import type { DriverStackContract } from "../../core/contracts/driver-stack";
import type { ModelCacheContract } from "../../core/contracts/model-cache";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import type { MonitoringContract } from "../../core/contracts/monitoring";
import { renderMermaid } from "../../pipelines/mermaid";
import { PipelineRenderError, renderKubernetesPipeline, renderScriptsConfigMap, type KubernetesPipelineRender } from "../../pipelines/render/kubernetes";
import type { Placement } from "../../pipelines/sizing";
import { pipelineSpecProblems, type FineTuningPipelineSpec } from "../../pipelines/spec";
import type { FineTuningPipelineSpecArgs } from "../../pipelines/spec-args";
import { fieldsFromRender, isPlainDeep, isKnown, outputProblems, unknownViewError, type InputOwner } from "../validation";
import type { ArtifactStoreContractInput } from "../artifact-registry/contract-input";
import { throwIfProblems, type Problem } from "../../core/problem";
import { loadStageScripts } from "./scripts";
import { DNS_LABEL, type K8sObject } from "../../core/kubernetes";
import type { ServiceAccountIdentity } from "../../core/contracts/pipeline-identity";
import { componentToken, withLegacyAlias } from "../tokens";

/** The API server endpoint Argo's executor reaches (egress). */
export interface ApiServerEndpoint {
  /** CIDRs of the API server. */
  cidrs: string[];
  /** Ports of the API server. */
  ports: number[];
}

/**
 * An artifact-store contract as the pipelines accept it: a plain contract, one whose account-dependent fields
 * are outputs (`AwsArtifactRegistry.contract`), or one output holding the whole contract (another stack's, via
 * `artifactStoreContractFromStack`). The argument types spell it `pulumi.Input<ArtifactStoreContractInput>`.
 */
export type ArtifactStoreContractArg = pulumi.Input<ArtifactStoreContractInput>;

/** Arguments of {@link KubernetesFineTuningPipeline}. */
export interface KubernetesFineTuningPipelineArgs {
  /**
   * The pipeline spec as written (one entry of `finetune:pipelines`; an already parsed spec works too). The component
   * validates it and reports every problem as `spec.<path>`. Plain: it decides the child resources and their names.
   */
  spec: FineTuningPipelineSpecArgs;
  /**
   * Contract of the GPU pool `spec.compute.pool` names (`KueueGpuPool.contract`, or its `contractOutput`). Passed as
   * an Output, the sizing and the pool checks run when it resolves (inside `apply`, same messages) and `placement`
   * is read from `placementOutput`.
   */
  pool: pulumi.Input<GpuPoolContract>;
  /** Contract of the artifact store (`registry.contract`, or another stack's as an output). */
  store: pulumi.Input<ArtifactStoreContractInput>;
  /** Namespace the pipeline runs in; the stack creates it (PSS `restricted`). */
  namespace: pulumi.Input<string>;
  /** Monitoring contract: Pushgateway URL for training/evaluation metrics. @default - metrics are not pushed */
  monitoring?: pulumi.Input<MonitoringContract>;
  /** Driver-stack contract: runtime class for GPU pods. @default - no runtimeClassName */
  driver?: pulumi.Input<DriverStackContract>;
  /**
   * Hugging Face hub token (a Pulumi secret) for gated models; becomes the Kubernetes Secret the model-init
   * stage reads. Required when `spec.baseModel.gated` and no existing `spec.baseModel.hubTokenSecret` is named.
   * @default - no Secret
   */
  hubToken?: pulumi.Input<string>;
  /** CIDRs/ports of the API server for Argo's executor egress. @default { cidrs: ["0.0.0.0/0"], ports: [443, 6443] } */
  apiServer?: pulumi.Input<ApiServerEndpoint>;
  /** CIDRs the model-init stage may reach the model hub at (port 443). @default ["0.0.0.0/0"] */
  hubCidrs?: pulumi.Input<string[]>;
  /** Namespaces whose pods may call the serving endpoint. @default [] */
  servingClientNamespaces?: pulumi.Input<string[]>;
  /** The cluster's model cache (`ModelCache.contract`), mounted read-only where the base model is read. @default - none: pods download the base model */
  modelCache?: pulumi.Input<ModelCacheContract>;
  /**
   * Workload identity of the pipeline's ServiceAccount (`EksPipelineIdentity.identity`); its annotations are
   * merged over `store.serviceAccountAnnotations`.
   * @default - the store contract's annotations only
   */
  identity?: ServiceAccountIdentity;
  /** Position of the pipeline in `finetune:pipelines`, for error keys. @default 0 */
  index?: number;
}

/** The arguments of {@link KubernetesFineTuningPipeline} typed `pulumi.Input`. */
export const KUBERNETES_PIPELINE_INPUT_ARGS = [
  "pool",
  "store",
  "namespace",
  "monitoring",
  "driver",
  "hubToken",
  "apiServer",
  "hubCidrs",
  "servingClientNamespaces",
  "modelCache",
] as const satisfies readonly (keyof KubernetesFineTuningPipelineArgs)[];

/** The arguments of {@link KubernetesFineTuningPipeline} that stay plain, and why. */
export const KUBERNETES_PIPELINE_PLAIN_ARGS: Record<string, string> = {
  spec: "decides the child resources and their names (stages, schedules, serving)",
  identity: "its annotations are merged into the ServiceAccount rendered at construction",
  index: "the position of the pipeline in the config, used in error keys",
};

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
/** Each pipeline's placement when known at construction (the `placement` view). */
const PLACEMENTS = new WeakMap<KubernetesFineTuningPipeline, { owner: InputOwner; placement?: Placement }>();

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
  /**
   * GPUs per node, nodes and sharding the sizing chose, as plain values. Reading it throws when `pool` was passed as
   * an Output: read {@link placementOutput} then.
   */
  get placement(): Placement {
    const v = PLACEMENTS.get(this)!;
    if (v.placement === undefined) throw unknownViewError(v.owner, "placement", "placementOutput");
    return v.placement;
  }
  /** The placement as an Output (always set; resolves to {@link placement} when the pool is known). */
  readonly placementOutput: pulumi.Output<Placement>;
  /** The pipeline DAG as Mermaid. */
  readonly mermaid: string;
  /**
   * Everything rendered (plain objects), for plan output. Where arguments are outputs, rendered with placeholders
   * for them (objects and names are right; the resources get the real render). A getter, not a provider-host output
   * (it holds \`unknown\`).
   */
  get rendered(): KubernetesPipelineRender {
    return RENDERED.get(this)!;
  }
  /** `argo submit --from workflowtemplate/<name> -n <namespace>` starts a run. */
  readonly submitCommand: pulumi.Output<string>;

  constructor(name: string, args: KubernetesFineTuningPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and render before registering anything, so that a bad argument leaves no half-registered component.
    // The plain arguments first: an Output there (e.g. another language's `queue.contract_output` through the
    // provider host) is one clear problem, never `Calling [toString] on an [Output<T>]` inside a message.
    throwIfProblems(COMPONENT, name, outputProblems({ index: args.index }));
    const parsed = pipelineSpecProblems(args.spec);
    const poolKnown = isPlainDeep(args.pool);
    const knownPool = poolKnown ? (args.pool as GpuPoolContract) : undefined;
    const nsProblems = (): Problem[] => (isKnown(args.namespace) && knownPool ? namespaceProblems(args.namespace, knownPool) : []);
    if (!parsed.spec) throwIfProblems(COMPONENT, name, [...parsed.problems, ...nsProblems()]);
    const spec = parsed.spec!;
    const index = args.index ?? 0;
    const resolvable: ResolvableArgs = {
      pool: args.pool,
      modelCache: args.modelCache,
      store: args.store,
      namespace: args.namespace,
      monitoring: args.monitoring,
      driver: args.driver,
      apiServer: args.apiServer,
      hubCidrs: args.hubCidrs,
      servingClientNamespaces: args.servingClientNamespaces,
    };
    // Plain arguments render now (the resources get exactly this render); with outputs among them, the render here
    // uses placeholders for what is unknown and only decides the objects and their names (which depend on the spec
    // alone), and each resource takes its fields from the real render inside `apply`.
    const known = isPlainDeep(resolvable);
    const problems: Problem[] = [];
    const gatedWithoutToken = spec.baseModel.gated && !spec.baseModel.hubTokenSecret && args.hubToken === undefined;
    if (gatedWithoutToken) {
      problems.push({
        path: "hubToken",
        message: `is required because ${spec.baseModel.id} is gated (pulumi config set --secret finetune:hubToken <token>, or name an existing Secret in baseModel.hubTokenSecret)`,
      });
    }
    problems.push(...nsProblems());
    const now: PlainArgs = known ? (resolvable as PlainArgs) : placeholderArgs(resolvable, spec);
    const { store, lateAnnotations } = storeWithIdentity(now.store, args.identity);
    let rendered: KubernetesPipelineRender | undefined;
    try {
      rendered = renderKubernetesPipeline({ spec, ...now, store }, index);
    } catch (e) {
      if (!(e instanceof PipelineRenderError)) throw e;
      problems.push(...e.problems);
    }
    if (rendered) problems.push(...identityProblems(args.identity, rendered.names.serviceAccount, args.namespace));
    throwIfProblems(COMPONENT, name, problems);
    super(componentToken("KubernetesFineTuningPipeline"), name, {}, withLegacyAlias("KubernetesFineTuningPipeline", opts));
    const r = rendered as KubernetesPipelineRender;
    RENDERED.set(this, r);
    this.names = r.names;
    PLACEMENTS.set(this, { owner: { component: COMPONENT, name }, placement: poolKnown ? r.sizing.placement : undefined });
    this.mermaid = renderMermaid(spec);
    this.submitCommand = pulumi.output(args.namespace).apply((ns) => `argo submit --from workflowtemplate/${r.names.workflowTemplate} -n ${ns}`);

    const scriptFiles = loadStageScripts();
    // The real objects, when some arguments are outputs: validated and rendered once they are known.
    const real = known
      ? undefined
      : (pulumi.output(resolvable) as unknown as pulumi.Output<PlainArgs>).apply((v) => {
          throwIfProblems(COMPONENT, name, [
            ...namespaceProblems(v.namespace, v.pool),
            ...identityProblems(args.identity, r.names.serviceAccount, v.namespace),
          ]);
          try {
            const full = renderKubernetesPipeline({ spec, ...v, store: storeWithIdentity(v.store, args.identity).store }, index);
            return { objects: [renderScriptsConfigMap(spec, v.namespace, scriptFiles), ...full.objects], placement: full.sizing.placement };
          } catch (e) {
            if (e instanceof PipelineRenderError) throwIfProblems(COMPONENT, name, e.problems);
            throw e;
          }
        });

    this.placementOutput = real ? real.apply((x) => x.placement) : pulumi.output(r.sizing.placement);
    const realObjects = real?.apply((x) => x.objects);

    const child = (m: K8sObject, dependsOn: pulumi.Resource[] = []): pulumi.CustomResource => {
      const resourceName = `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`;
      const o: pulumi.CustomResourceOptions = { parent: this, dependsOn };
      const Kind = KINDS[`${m.apiVersion}/${m.kind}`];
      const { apiVersion: _a, kind: _k, ...skeleton } = m;
      const rest: Record<string, unknown> = realObjects ? fieldsOf(realObjects, m, skeleton) : skeleton;
      if (Kind) {
        if (m.kind === "Deployment") {
          // The deployment stage scales the Deployment and rolls its pod annotation; Pulumi must not undo that.
          o.ignoreChanges = ["spec.replicas", 'spec.template.metadata.annotations["finetune.dev/model-version"]'];
        }
        if (m.kind === "ServiceAccount" && m.metadata.name === r.names.serviceAccount && lateAnnotations !== undefined) {
          // Annotation values known only at deployment (a role ARN): merged into the resource, not the render.
          rest.metadata = real
            ? pulumi
                .all([rest.metadata as pulumi.Output<K8sObject["metadata"]>, pulumi.output(lateAnnotations)])
                .apply(([md, a]) => ({ ...md, annotations: { ...md.annotations, ...a } }))
            : {
                ...m.metadata,
                annotations: pulumi.output(lateAnnotations).apply((a) => ({ ...m.metadata.annotations, ...a })) as unknown as Record<string, string>,
              };
        }
        return new Kind(resourceName, rest, o);
      }
      return new k8s.apiextensions.CustomResource(
        resourceName,
        (real ? { apiVersion: m.apiVersion, kind: m.kind, ...rest } : m) as unknown as k8s.apiextensions.CustomResourceArgs,
        o,
      );
    };

    const scripts = child(renderScriptsConfigMap(spec, now.namespace, scriptFiles));
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
    this.registerOutputs({ names: this.names, placementOutput: this.placementOutput, mermaid: this.mermaid, submitCommand: this.submitCommand });
  }
}

const COMPONENT = "KubernetesFineTuningPipeline";

/** The arguments that may be outputs and reach the renderer. */
interface ResolvableArgs {
  pool: pulumi.Input<GpuPoolContract>;
  modelCache?: pulumi.Input<ModelCacheContract>;
  store: pulumi.Input<ArtifactStoreContractInput>;
  namespace: pulumi.Input<string>;
  monitoring?: pulumi.Input<MonitoringContract>;
  driver?: pulumi.Input<DriverStackContract>;
  apiServer?: pulumi.Input<ApiServerEndpoint>;
  hubCidrs?: pulumi.Input<string[]>;
  servingClientNamespaces?: pulumi.Input<string[]>;
}

/** The same arguments, resolved. */
interface PlainArgs {
  pool: GpuPoolContract;
  modelCache?: ModelCacheContract;
  store: ArtifactStoreContract;
  namespace: string;
  monitoring?: MonitoringContract;
  driver?: DriverStackContract;
  apiServer?: ApiServerEndpoint;
  hubCidrs?: string[];
  servingClientNamespaces?: string[];
}

/** The namespace must be a DNS label and the pool's LocalQueue's. */
function namespaceProblems(namespace: string, pool: GpuPoolContract): Problem[] {
  const problems: Problem[] = [];
  if (!DNS_LABEL.test(namespace)) problems.push({ path: "namespace", message: `"${namespace}" is not a DNS label (use lowercase letters, digits and '-')` });
  const queueNs = pool.localQueueNamespace;
  if (queueNs !== undefined && queueNs !== namespace) {
    problems.push({
      path: "namespace",
      message: `"${namespace}" is not the namespace of pool ${pool.name}'s LocalQueue "${pool.localQueueName}" ("${queueNs}"), and a LocalQueue admits only workloads of its own namespace (run the pipeline in "${queueNs}", or create a KueueGpuPool for this pool in "${namespace}")`,
    });
  }
  return problems;
}

/** Stands in for unknown store fields in the construction-time render (never reaches a resource). */
const PLACEHOLDER = "placeholder";
const PLACEHOLDER_STORE: ArtifactStoreContract = {
  platform: "aws",
  scheme: "s3",
  bucket: PLACEHOLDER,
  datasetsUri: `s3://${PLACEHOLDER}/datasets`,
  modelsUri: `s3://${PLACEHOLDER}/models`,
  checkpointsUri: `s3://${PLACEHOLDER}/checkpoints`,
  runsUri: `s3://${PLACEHOLDER}/runs`,
  registryUri: `s3://${PLACEHOLDER}/registry`,
  containerRegistry: `${PLACEHOLDER}.invalid/${PLACEHOLDER}`,
  serviceAccountAnnotations: {},
  identity: PLACEHOLDER,
  egress: { hosts: [], cidrs: [], ports: [443] },
};

/**
 * Stands in for a pool contract not known yet: a pool of the name the spec gives, big enough for any sizing (the
 * construction-time render decides only the objects and their names, which depend on the spec alone).
 */
function placeholderPool(spec: FineTuningPipelineSpec): GpuPoolContract {
  const gpus = Math.max(8, spec.compute.gpusPerNode ?? 0, spec.deployment.gpusPerReplica);
  return {
    name: spec.compute.pool,
    platform: "kubernetes",
    gpuType: "h200",
    gpusPerNode: gpus,
    gpuMemoryGiB: 141,
    computeCapability: "9.0",
    architecture: "hopper",
    capacityTypes: ["on-demand"],
    maxNodes: Math.max(64, spec.compute.nodes ?? 0),
    nodeSelector: {},
    tolerations: [],
    localQueueName: PLACEHOLDER,
    karpenter: false,
    gpuResourceName: "nvidia.com/gpu",
  };
}

/** Stands in for a model-cache contract not known yet (its fields reach only the objects' contents, never their names). */
const PLACEHOLDER_CACHE: ModelCacheContract = {
  backend: "pvc",
  namespace: PLACEHOLDER,
  claimName: PLACEHOLDER,
  mountPath: "/model-cache",
  readOnly: true,
  fill: "model-init",
  modelsUri: `s3://${PLACEHOLDER}/models`,
  podAnnotations: {},
};

/** The arguments with placeholders where they are not known yet (a known namespace, or the pool's queue namespace). */
function placeholderArgs(v: ResolvableArgs, spec: FineTuningPipelineSpec): PlainArgs {
  const pool = isPlainDeep(v.pool) ? (v.pool as GpuPoolContract) : placeholderPool(spec);
  const plain = <T>(x: pulumi.Input<T> | undefined): T | undefined => (isPlainDeep(x) ? (x as T | undefined) : undefined);
  const store: ArtifactStoreContract = isKnown(v.store as pulumi.Input<ArtifactStoreContract>)
    ? (Object.fromEntries(
        Object.entries(v.store).map(([k, x]) => [k, isPlainDeep(x) ? x : PLACEHOLDER_STORE[k as keyof ArtifactStoreContract]]),
      ) as unknown as ArtifactStoreContract)
    : PLACEHOLDER_STORE;
  return {
    store,
    pool,
    modelCache: v.modelCache === undefined ? undefined : isPlainDeep(v.modelCache) ? (v.modelCache as ModelCacheContract) : PLACEHOLDER_CACHE,
    namespace: isKnown(v.namespace) ? v.namespace : (pool.localQueueNamespace ?? PLACEHOLDER),
    monitoring: plain(v.monitoring),
    driver: plain(v.driver),
    apiServer: plain(v.apiServer),
    hubCidrs: plain(v.hubCidrs),
    servingClientNamespaces: plain(v.servingClientNamespaces),
  };
}

/** A resource's fields taken from the real render: the object of the same apiVersion, kind and name. */
function fieldsOf(real: pulumi.Output<K8sObject[]>, m: K8sObject, shape: Record<string, unknown>): Record<string, unknown> {
  const same = real.apply((objects) => {
    const o = objects.find((x) => x.apiVersion === m.apiVersion && x.kind === m.kind && x.metadata.name === m.metadata.name);
    if (!o) throw new Error(`${COMPONENT}: the render has no ${m.kind} ${m.metadata.name} (the object set depends on the spec only; report this as a bug)`);
    return o as unknown as Record<string, unknown>;
  });
  return fieldsFromRender(shape, same);
}

/**
 * The store contract the renderer gets: the identity's annotations merged over the store's, where they are plain
 * strings now; `lateAnnotations` is set when some are Outputs, for the ServiceAccount resource to merge.
 */
function storeWithIdentity(
  store: ArtifactStoreContract,
  identity: ServiceAccountIdentity | undefined,
): { store: ArtifactStoreContract; lateAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>> } {
  if (identity === undefined) return { store };
  const a = identity.serviceAccountAnnotations;
  const plain = isKnown(a) && Object.values(a).every((v) => typeof v === "string");
  return plain
    ? { store: { ...store, serviceAccountAnnotations: { ...store.serviceAccountAnnotations, ...(a as Record<string, string>) } } }
    : { store, lateAnnotations: a };
}

/** The identity must be bound to the ServiceAccount the renderer names, in the pipeline's namespace. */
function identityProblems(identity: ServiceAccountIdentity | undefined, serviceAccount: string, namespace: pulumi.Input<string>): Problem[] {
  if (identity === undefined) return [];
  const problems: Problem[] = [];
  if (identity.serviceAccountName !== serviceAccount) {
    problems.push({
      path: "identity.serviceAccountName",
      message: `"${identity.serviceAccountName}" is not the pipeline's ServiceAccount "${serviceAccount}" (create the identity from this pipeline's spec)`,
    });
  }
  if (isKnown(identity.namespace) && isKnown(namespace) && identity.namespace !== namespace) {
    problems.push({
      path: "identity.namespace",
      message: `"${identity.namespace}" is not the pipeline's namespace "${namespace}" (create the identity with the pipeline's namespace)`,
    });
  }
  return problems;
}
