import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PipelinePlatformContract } from "../platform";
import { imageRef, MONITORING_CHARTS, MONITORING_IMAGES } from "../../core/versions";
import { COLLECTOR_LABELS } from "./alerts";
import { MonitoringContract } from "../../core/contracts/monitoring";
import { GRAFANA_DASHBOARDS } from "./dashboards";
import { kubePrometheusStackValues } from "./kube-prometheus-stack-values";
import {
  pushgatewayUrl,
  renderDashboardConfigMaps,
  renderManagedPrometheusMonitorings,
  renderMonitoringNamespace,
  renderPrometheusRule,
  renderPushgateway,
  renderScrapeConfigs,
  ScrapeTarget,
} from "./kubernetes-manifests";
import { renderPrometheusRules, RuleFile } from "./prometheus-rules";
import { AlertThresholds, durationSeconds, withDefaultThresholds } from "./thresholds";
import { isPlainDeep, isKnown, outputProblems, unknownViewError, withPlaceholders, type InputOwner } from "../validation";
import { Problem, throwIfProblems } from "../../core/problem";
import { DataProtection, statefulOptions } from "../validation";
import { namespaceProblem, thresholdArgProblems } from "./validation";
import { DNS_LABEL, LABEL_KEY, type K8sObject } from "../../core/kubernetes";
import { componentToken, withLegacyAlias } from "../tokens";

/** How the component gets a Prometheus. */
export const PrometheusMode = {
  /** Install kube-prometheus-stack (pinned) in `namespace`. */
  KubePrometheusStack: "kube-prometheus-stack",
  /** Attach to a Prometheus Operator already in the cluster: only monitors, rules, dashboards and the Pushgateway. */
  Existing: "existing",
  /** GKE Managed Service for Prometheus: Pushgateway + ClusterPodMonitorings; alerts and dashboards live in Cloud Monitoring. */
  ManagedPrometheus: "managed-prometheus",
} as const;
export type PrometheusMode = (typeof PrometheusMode)[keyof typeof PrometheusMode];

/** Namespace of GKE Managed Service for Prometheus' collectors (they scrape the PodMonitorings). */
export const GMP_COLLECTOR_NAMESPACE = "gmp-system";

/** Arguments of {@link PrometheusMonitoring}. */
export interface PrometheusMonitoringArgs {
  /** How to get a Prometheus. @default "kube-prometheus-stack" */
  mode?: PrometheusMode;
  /** Namespace of the monitoring objects (and of kube-prometheus-stack). @default "monitoring" */
  namespace?: pulumi.Input<string>;
  /** Create `namespace` (PSS restricted). @default true, except in mode "existing" */
  createNamespace?: boolean;
  /** Labels the existing Prometheus selects monitors and rules by (required in mode "existing"). @default - `{ release: <releaseName> }` */
  selectorLabels?: Record<string, pulumi.Input<string>>;
  /** Helm release name of kube-prometheus-stack (also its fullname). @default "kube-prometheus-stack" */
  releaseName?: pulumi.Input<string>;
  /** Namespaces training runs in (Argo workflows, JobSets, trainer pods). */
  trainingNamespaces: pulumi.Input<string>[];
  /** Namespaces vLLM serving runs in. @default - `trainingNamespaces` */
  servingNamespaces?: pulumi.Input<string>[];
  /** Namespace of the DCGM exporter (DriverStackContract.dcgmNamespace); empty string: do not scrape DCGM. @default "gpu-operator" */
  dcgmNamespace?: pulumi.Input<string>;
  /**
   * Contract of the pipeline platform (`KubernetesPipelinePlatform.contract`): the namespaces Argo Workflows, JobSet
   * and Kueue really run in, so that the monitors look there. Passed as an Output (`contractOutput`, another stack's
   * or language's), the monitors are planned for all three controllers (those without a namespace argument); a
   * resolved contract that names no namespace for one of them then fails (pass that namespace argument, "" to not
   * scrape it). @default - none: the per-controller namespace arguments, or their upstream defaults
   */
  platform?: pulumi.Input<PipelinePlatformContract>;
  /** Namespace of the Kueue controller; empty string: do not scrape it. @default - `platform.kueueNamespace` (not scraped when absent); "kueue-system" without `platform` */
  kueueNamespace?: pulumi.Input<string>;
  /** Namespace of the JobSet controller; empty string: do not scrape it. @default - `platform.jobsetNamespace` (not scraped when absent); "jobset-system" without `platform` */
  jobsetNamespace?: pulumi.Input<string>;
  /** Namespace of the Argo Workflows controller; empty string: do not scrape it. @default - `platform.argoNamespace` (not scraped when absent); "argo" without `platform` */
  argoNamespace?: pulumi.Input<string>;
  /** Alert thresholds. @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<AlertThresholds>;
  /** Label Grafana's dashboard sidecar watches (one key). @default { grafana_dashboard: "1" } */
  dashboardLabel?: Record<string, string>;
  /** Namespace of the dashboard ConfigMaps. @default - `namespace` */
  dashboardNamespace?: pulumi.Input<string>;
  /** Deliver the Grafana dashboards. @default true (false in mode "managed-prometheus") */
  dashboards?: boolean;
  /** Install Grafana with kube-prometheus-stack. @default true */
  grafana?: boolean;
  /** Prometheus retention; at least the GPU-hours budget window. @default "31d" */
  retention?: string;
  /** Prometheus PVC size. @default "50Gi" */
  storageSize?: string;
  /** StorageClass of the Prometheus PVC. @default - the cluster default */
  storageClassName?: pulumi.Input<string>;
  /** Extra labels on every alert (Alertmanager routing). @default {} */
  alertLabels?: Record<string, pulumi.Input<string>>;
  /** `protect` on the namespace and the Helm release (which owns the Prometheus PVC). @default true */
  protect?: boolean;
  /** `retainOnDelete` on the namespace and the Helm release. @default true */
  retainOnDelete?: boolean;
}

/**
 * The arguments typed `pulumi.Input` (or holding Inputs): everything a user may take from another resource. The
 * rest stay plain because they decide structure (mode, flags, which objects exist), or are kit tuning values
 * (thresholds, retention, storage size, dashboard label) nobody reads from another resource.
 */
export const PROMETHEUS_INPUT_ARGS = [
  "namespace",
  "selectorLabels",
  "releaseName",
  "trainingNamespaces",
  "servingNamespaces",
  "dcgmNamespace",
  "kueueNamespace",
  "jobsetNamespace",
  "argoNamespace",
  "dashboardNamespace",
  "storageClassName",
  "alertLabels",
  "platform",
] as const satisfies readonly (keyof PrometheusMonitoringArgs)[];

/** The arguments of {@link PrometheusMonitoring} that stay plain, and why. */
export const PROMETHEUS_PLAIN_ARGS: Record<string, string> = {
  mode: "decides which resources exist (kube-prometheus-stack, monitors only, or GKE managed collection)",
  createNamespace: "a flag: decides whether a Namespace exists",
  thresholds: "kit tuning values rendered into the alert rules; nobody reads them from another resource",
  dashboardLabel: "Grafana's sidecar label, chosen with the kit (exactly one key, checked at construction)",
  dashboards: "a flag: decides whether the dashboard ConfigMaps exist",
  grafana: "a flag of the chart",
  retention: "tuning, checked against the GPU-hours budget window at construction",
  storageSize: "sizing chosen with the kit",
  protect: "a resource option, fixed when the children are created",
  retainOnDelete: "a resource option, fixed when the children are created",
};

/**
 * {@link PrometheusMonitoringArgs} with every `pulumi.Input` resolved: what the pure planner
 * ({@link resolvePrometheusMonitoring}) reads, at construction when every value is known, inside `apply` otherwise.
 */
export type PlainPrometheusMonitoringArgs = pulumi.Unwrap<PrometheusMonitoringArgs>;

/** Defaults and derived values of the arguments, after validation. */
export interface ResolvedPrometheusMonitoring {
  mode: PrometheusMode;
  namespace: string;
  createNamespace: boolean;
  releaseName: string;
  selectorLabels: Record<string, string>;
  dashboardLabel: Record<string, string>;
  dashboardNamespace: string;
  dashboards: boolean;
  trainingNamespaces: string[];
  servingNamespaces: string[];
  targetNamespaces: Partial<Record<ScrapeTarget, string[]>>;
  thresholds: AlertThresholds;
  retention: string;
  storageSize: string;
  pushgatewayName: string;
  pushgatewayUrl: string;
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function labelProblems(path: string, labels: Record<string, string> | undefined): Problem[] {
  return Object.entries(labels ?? {}).flatMap(([k, v]) => [
    ...(LABEL_KEY.test(k) ? [] : [{ path: `${path}.${k}`, message: `"${k}" is not a valid label key (use [prefix/]name of letters, digits, '-', '_', '.')` }]),
    ...(typeof v === "string" && LABEL_VALUE.test(v)
      ? []
      : [
          {
            path: `${path}.${k}`,
            message: `${JSON.stringify(v)} is not a valid label value (at most 63 letters, digits, '-', '_', '.', starting and ending alphanumeric)`,
          },
        ]),
  ]);
}

/** Validates the arguments (every problem at once) and applies defaults. Pure. */
export function resolvePrometheusMonitoring(name: string, args: PlainPrometheusMonitoringArgs): ResolvedPrometheusMonitoring {
  const problems: Problem[] = [];
  const mode = args.mode ?? PrometheusMode.KubePrometheusStack;
  if (!Object.values(PrometheusMode).includes(mode))
    problems.push({
      path: "mode",
      message: `"${mode}" is not a mode (use one of ${Object.values(PrometheusMode)
        .map((m) => `"${m}"`)
        .join(", ")})`,
    });
  const namespace = args.namespace ?? "monitoring";
  const releaseName = args.releaseName ?? "kube-prometheus-stack";
  problems.push(...namespaceProblem("namespace", namespace), ...namespaceProblem("dashboardNamespace", args.dashboardNamespace));
  if (!DNS_LABEL.test(releaseName) || releaseName.length > 40)
    problems.push({
      path: "releaseName",
      message: `"${releaseName}" is not a valid Helm release name here (use at most 40 lowercase letters, digits and '-')`,
    });
  if (!args.trainingNamespaces || args.trainingNamespaces.length === 0)
    problems.push({ path: "trainingNamespaces", message: "is empty (list the namespaces the pipelines run in)" });
  (args.trainingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`trainingNamespaces[${i}]`, ns)));
  (args.servingNamespaces ?? []).forEach((ns, i) => problems.push(...namespaceProblem(`servingNamespaces[${i}]`, ns)));
  for (const key of ["dcgmNamespace", "kueueNamespace", "jobsetNamespace", "argoNamespace"] as const) {
    if (args[key]) problems.push(...namespaceProblem(key, args[key]));
  }
  if (mode === PrometheusMode.Existing && Object.keys(args.selectorLabels ?? {}).length === 0) {
    problems.push({
      path: "selectorLabels",
      message: 'is required in mode "existing" (set the labels your Prometheus selects ServiceMonitors and PrometheusRules by, e.g. { release: "prometheus" })',
    });
  }
  problems.push(
    ...labelProblems("selectorLabels", args.selectorLabels),
    ...labelProblems("dashboardLabel", args.dashboardLabel),
    ...labelProblems("alertLabels", args.alertLabels),
  );
  if (args.dashboardLabel && Object.keys(args.dashboardLabel).length !== 1)
    problems.push({
      path: "dashboardLabel",
      message: `has ${Object.keys(args.dashboardLabel).length} labels (Grafana's sidecar watches exactly one label; give one key and value)`,
    });
  problems.push(...thresholdArgProblems(args.thresholds));
  const thresholds = withDefaultThresholds(args.thresholds);
  const retention = args.retention ?? "31d";
  const retentionSeconds = durationSeconds(retention);
  if (retentionSeconds === undefined || retentionSeconds <= 0)
    problems.push({ path: "retention", message: `"${retention}" is not a Prometheus duration (write it like "31d" or "90d")` });
  else if (
    mode === PrometheusMode.KubePrometheusStack &&
    thresholds.gpuHoursBudget !== undefined &&
    retentionSeconds < (durationSeconds(thresholds.gpuHoursBudgetWindow) ?? 0)
  ) {
    problems.push({
      path: "retention",
      message: `"${retention}" is shorter than the GPU-hours budget window "${thresholds.gpuHoursBudgetWindow}" (raise the retention to at least the window, or shorten the window)`,
    });
  }
  const storageSize = args.storageSize ?? "50Gi";
  if (!QUANTITY.test(storageSize)) problems.push({ path: "storageSize", message: `"${storageSize}" is not a Kubernetes quantity (write it like "50Gi")` });
  throwIfProblems("PrometheusMonitoring", name, problems);

  const trainingNamespaces = [...args.trainingNamespaces];
  const servingNamespaces = args.servingNamespaces && args.servingNamespaces.length > 0 ? [...args.servingNamespaces] : trainingNamespaces;
  // An explicit argument wins; then the platform contract (absent there: not scraped); then the upstream default.
  const pick = (v: string | undefined, fromPlatform: string | undefined, d: string): string[] => {
    const ns = v ?? (args.platform ? fromPlatform : d);
    return ns === undefined || ns === "" ? [] : [ns];
  };
  const pushgatewayName = `${name}-pushgateway`;
  const managed = mode === PrometheusMode.ManagedPrometheus;
  return {
    mode,
    namespace,
    createNamespace: args.createNamespace ?? mode !== PrometheusMode.Existing,
    releaseName,
    selectorLabels: managed ? {} : { ...(args.selectorLabels ?? { release: releaseName }) },
    dashboardLabel: { ...(args.dashboardLabel ?? { grafana_dashboard: "1" }) },
    dashboardNamespace: args.dashboardNamespace ?? namespace,
    dashboards: !managed && (args.dashboards ?? true),
    trainingNamespaces,
    servingNamespaces,
    targetNamespaces: {
      "dcgm-exporter": managed ? [] : pick(args.dcgmNamespace, "gpu-operator", "gpu-operator"),
      kueue: pick(args.kueueNamespace, args.platform?.kueueNamespace, "kueue-system"),
      jobset: pick(args.jobsetNamespace, args.platform?.jobsetNamespace, "jobset-system"),
      "argo-workflows": pick(args.argoNamespace, args.platform?.argoNamespace, "argo"),
      pushgateway: [namespace],
      vllm: servingNamespaces,
    },
    thresholds,
    retention,
    storageSize,
    pushgatewayName,
    pushgatewayUrl: pushgatewayUrl(pushgatewayName, namespace),
  };
}

/** The rule file this configuration installs (what `plan` writes and promtool checks). Pure. */
export function prometheusRulesOf(r: ResolvedPrometheusMonitoring, alertLabels: Record<string, string> = {}): RuleFile {
  return renderPrometheusRules({
    thresholds: r.thresholds,
    scope: { trainingNamespaces: r.trainingNamespaces, servingNamespaces: r.servingNamespaces, labels: COLLECTOR_LABELS.prometheus },
    extraLabels: alertLabels,
  });
}

/** Every Kubernetes object the component creates (besides the Helm release), in creation order. Pure. */
export function renderPrometheusMonitoringObjects(name: string, r: ResolvedPrometheusMonitoring, alertLabels: Record<string, string> = {}): K8sObject[] {
  const objects: K8sObject[] = [];
  if (r.createNamespace) objects.push(renderMonitoringNamespace(r.namespace));
  objects.push(...renderPushgateway({ name: r.pushgatewayName, namespace: r.namespace, image: imageRef(MONITORING_IMAGES.pushgateway) }));
  if (r.mode === PrometheusMode.ManagedPrometheus) {
    const targets = (Object.keys(r.targetNamespaces) as ScrapeTarget[]).filter((t) => (r.targetNamespaces[t] ?? []).length > 0);
    objects.push(...renderManagedPrometheusMonitorings(name, r.pushgatewayName, targets));
    return objects;
  }
  objects.push(
    ...renderScrapeConfigs({
      prefix: name,
      namespace: r.namespace,
      selectorLabels: r.selectorLabels,
      targetNamespaces: r.targetNamespaces,
      pushgatewayName: r.pushgatewayName,
    }),
  );
  objects.push(renderPrometheusRule(`${name}-alerts`, r.namespace, r.selectorLabels, prometheusRulesOf(r, alertLabels)));
  if (r.dashboards) objects.push(...renderDashboardConfigMaps(name, r.dashboardNamespace, r.dashboardLabel, GRAFANA_DASHBOARDS));
  return objects;
}

/** The contract this configuration produces. Pure. */
export function prometheusContractOf(r: ResolvedPrometheusMonitoring): MonitoringContract {
  const contract: MonitoringContract = {
    platform: r.mode === PrometheusMode.ManagedPrometheus ? "cloud-monitoring" : "prometheus",
    selectorLabels: { ...r.selectorLabels },
    namespace: r.namespace,
    pushgatewayUrl: r.pushgatewayUrl,
    // GKE Managed Prometheus scrapes with its own collectors, which run in gmp-system.
    scraperNamespaces: r.mode === PrometheusMode.ManagedPrometheus ? [GMP_COLLECTOR_NAMESPACE] : [r.namespace],
  };
  if (r.mode === PrometheusMode.KubePrometheusStack) contract.alertTarget = `http://${r.releaseName}-alertmanager.${r.namespace}.svc:9093`;
  if (r.dashboards) contract.dashboardLabel = { ...r.dashboardLabel };
  return contract;
}

/** Kinds the component creates, mapped to the Pulumi resource that creates them. */
function createObject(name: string, obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, obj as unknown as k8s.core.v1.NamespaceArgs, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, obj as unknown as k8s.core.v1.ServiceArgs, opts);
    case "v1/ConfigMap":
      return new k8s.core.v1.ConfigMap(name, obj as unknown as k8s.core.v1.ConfigMapArgs, opts);
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, obj as unknown as k8s.apps.v1.DeploymentArgs, opts);
    default:
      return new k8s.apiextensions.CustomResource(name, obj as unknown as k8s.apiextensions.CustomResourceArgs, opts);
  }
}

/** Plain views of each component, kept off the instance so the provider host does not take them for outputs. */
interface PrometheusViews {
  owner: InputOwner;
  known: boolean;
  contract?: MonitoringContract;
  dashboardUrls?: string[];
  rules?: RuleFile;
  rulesOutput: pulumi.Output<RuleFile | undefined>;
}
const VIEWS = new WeakMap<PrometheusMonitoring, PrometheusViews>();

/**
 * Prometheus-based monitoring for the Kubernetes stacks (bare Kubernetes and GKE): kube-prometheus-stack or an
 * existing Prometheus Operator, a Pushgateway for training metrics, ServiceMonitors/PodMonitors for DCGM,
 * Kueue, JobSet, Argo, the Pushgateway and vLLM, the kit's PrometheusRule and Grafana dashboards; or, on GKE
 * with Managed Service for Prometheus, the Pushgateway and ClusterPodMonitorings.
 */
export class PrometheusMonitoring extends pulumi.ComponentResource {
  /**
   * What monitoring tells the pipeline and the stacks, as plain values. Reading it throws when an argument it
   * derives from (a namespace, the release name, a selector label) was passed as an Output: read
   * {@link contractOutput} then.
   */
  get contract(): MonitoringContract {
    const s = VIEWS.get(this)!;
    if (s.contract === undefined) throw unknownViewError(s.owner, "contract", "contractOutput");
    return s.contract;
  }
  /** The contract as one Output (always set; resolves to {@link contract} when every argument is known). */
  readonly contractOutput: pulumi.Output<MonitoringContract>;
  /** URLs of the Grafana dashboards (in-cluster Grafana service; reach it with `kubectl port-forward`). Throws like {@link contract}. */
  get dashboardUrls(): string[] {
    const s = VIEWS.get(this)!;
    if (s.dashboardUrls === undefined) throw unknownViewError(s.owner, "dashboardUrls", "dashboardUrlsOutput");
    return s.dashboardUrls;
  }
  /** {@link dashboardUrls} as an Output. */
  readonly dashboardUrlsOutput: pulumi.Output<string[]>;
  /** The rule file installed as the PrometheusRule's spec (absent in mode "managed-prometheus"). Throws like {@link contract}. */
  get rules(): RuleFile | undefined {
    const s = VIEWS.get(this)!;
    if (!s.known) throw unknownViewError(s.owner, "rules", "rulesOutput");
    return s.rules;
  }
  /** {@link rules} as an Output (a getter, not a provider-host output: a rule is a union of two shapes). */
  get rulesOutput(): pulumi.Output<RuleFile | undefined> {
    return VIEWS.get(this)!.rulesOutput;
  }
  /** The kube-prometheus-stack release (mode "kube-prometheus-stack" only). */
  readonly release?: k8s.helm.v3.Release;

  constructor(name: string, args: PrometheusMonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before registering anything: a bad argument fails the program with every problem, and no half-built
    // component. With every argument known the planner runs once, on the values. Otherwise it runs now on the
    // arguments with each Output replaced by a valid placeholder (structure, child names, the known values'
    // problems) and again inside apply on the real values (their problems fail the deployment, same messages).
    // An Output where a plain value is needed: report only that (the other checks would read its placeholder).
    throwIfProblems("PrometheusMonitoring", name, outputProblems(args, PROMETHEUS_INPUT_ARGS));
    const known = isPlainDeep(args);
    // A platform contract not known yet: planned as naming all three controllers (checked inside apply).
    const planArgs = args.platform === undefined || isKnown(args.platform) ? args : { ...args, platform: UNKNOWN_PLATFORM };
    const shape = resolvePrometheusMonitoring(
      name,
      known ? (args as PlainPrometheusMonitoringArgs) : withPlaceholders(planArgs as PlainPrometheusMonitoringArgs, UNKNOWN_NAMESPACE),
    );
    super(componentToken("PrometheusMonitoring"), name, {}, withLegacyAlias("PrometheusMonitoring", opts));
    const owner: InputOwner = { component: "PrometheusMonitoring", name };
    const shapeObjects = renderPrometheusMonitoringObjects(name, shape, withPlaceholders(args.alertLabels ?? {}, UNKNOWN_NAMESPACE) as Record<string, string>);
    const real = known
      ? undefined
      : pulumi.output(args).apply((a) => {
          const plain = a as PlainPrometheusMonitoringArgs;
          throwIfProblems(owner.component, name, [...emptyControllerNamespaceProblems(args, plain), ...unknownPlatformProblems(args, plain)]);
          const r = resolvePrometheusMonitoring(name, plain);
          const objects = renderPrometheusMonitoringObjects(name, r, plain.alertLabels);
          return { r, a: plain, objects };
        });
    // A value of the resolved configuration: plain when every argument is known, else an Output.
    const at = <T>(f: (r: ResolvedPrometheusMonitoring, a: PlainPrometheusMonitoringArgs, objects: K8sObject[]) => T): pulumi.Input<T> =>
      real === undefined ? f(shape, args as PlainPrometheusMonitoringArgs, shapeObjects) : (real.apply((x) => f(x.r, x.a, x.objects)) as pulumi.Output<T>);
    // Known: the object itself. Unknown: the placeholder render's kind and apiVersion, every other field from the real render.
    const objectArgs = (o: K8sObject, i: number): K8sObject =>
      real === undefined
        ? o
        : (Object.fromEntries(
            Object.keys(o).map((k) => [
              k,
              k === "apiVersion" || k === "kind" ? o[k] : at((_r, _a, objs) => (objs[i] as unknown as Record<string, unknown>)[k]),
            ]),
          ) as unknown as K8sObject);

    const protection: DataProtection = { protect: args.protect, retainOnDelete: args.retainOnDelete };
    const nsIndex = shapeObjects.findIndex((o) => o.kind === "Namespace");
    const ns = nsIndex >= 0 ? createObject(`${name}-namespace`, objectArgs(shapeObjects[nsIndex], nsIndex), statefulOptions(this, protection)) : undefined;
    const afterNs: pulumi.Resource[] = ns ? [ns] : [];

    if (shape.mode === PrometheusMode.KubePrometheusStack) {
      const pin = MONITORING_CHARTS.kubePrometheusStack;
      this.release = new k8s.helm.v3.Release(
        `${name}-kube-prometheus-stack`,
        {
          name: at((r) => r.releaseName),
          chart: pin.chart,
          version: pin.version,
          repositoryOpts: { repo: pin.repo },
          namespace: at((r) => r.namespace),
          createNamespace: false,
          atomic: true,
          cleanupOnFail: true,
          timeout: 900,
          maxHistory: 5,
          values: at((r, a) => ({
            fullnameOverride: r.releaseName,
            ...kubePrometheusStackValues({
              selectorLabels: r.selectorLabels,
              dashboardLabel: r.dashboardLabel,
              retention: r.retention,
              storageSize: r.storageSize,
              storageClassName: a.storageClassName,
              grafana: a.grafana ?? true,
            }),
          })),
        },
        statefulOptions(this, protection, { dependsOn: afterNs }),
      );
    }
    const crdReady: pulumi.Resource[] = this.release ? [this.release] : afterNs;
    shapeObjects.forEach((o, i) => {
      if (i === nsIndex) return;
      const isCr = !o.apiVersion.startsWith("v1") && o.apiVersion !== "apps/v1";
      createObject(
        `${name}-${o.kind.toLowerCase()}-${o.metadata.name.startsWith(`${name}-`) ? o.metadata.name.slice(name.length + 1) : o.metadata.name}`,
        objectArgs(o, i),
        { parent: this, dependsOn: isCr ? crdReady : afterNs },
      );
    });

    const rulesOf = (r: ResolvedPrometheusMonitoring, a: PlainPrometheusMonitoringArgs): RuleFile | undefined =>
      r.mode === PrometheusMode.ManagedPrometheus ? undefined : prometheusRulesOf(r, a.alertLabels);
    const urlsOf = (r: ResolvedPrometheusMonitoring, a: PlainPrometheusMonitoringArgs): string[] =>
      r.mode === PrometheusMode.KubePrometheusStack && (a.grafana ?? true) && r.dashboards
        ? Object.values(GRAFANA_DASHBOARDS).map((d) => `http://${r.releaseName}-grafana.${r.namespace}.svc/d/${d.uid}`)
        : [];
    if (real === undefined) {
      const a = args as PlainPrometheusMonitoringArgs;
      const rules = rulesOf(shape, a);
      const contract = prometheusContractOf(shape);
      const dashboardUrls = urlsOf(shape, a);
      VIEWS.set(this, { owner, known, rules, contract, dashboardUrls, rulesOutput: pulumi.output(rules) });
      this.contractOutput = pulumi.output(contract);
      this.dashboardUrlsOutput = pulumi.output(dashboardUrls);
      this.registerOutputs({ contract, dashboardUrls, rules });
    } else {
      const rulesOutput = real.apply((x) => rulesOf(x.r, x.a));
      VIEWS.set(this, { owner, known, rulesOutput });
      this.contractOutput = real.apply((x) => prometheusContractOf(x.r));
      this.dashboardUrlsOutput = real.apply((x) => urlsOf(x.r, x.a));
      this.registerOutputs({ contract: this.contractOutput, dashboardUrls: this.dashboardUrlsOutput, rules: rulesOutput });
    }
  }
}

/**
 * Stands in for a namespace (or label value) passed as an Output while the planner decides structure and child
 * names; a valid DNS label, never emitted (the real value replaces it inside apply).
 */
const UNKNOWN_NAMESPACE = "unknown-until-deployed";

/** Stands in for a platform contract passed as an Output: every controller named (the monitors are planned for them). */
const UNKNOWN_PLATFORM: PipelinePlatformContract = {
  namespace: UNKNOWN_NAMESPACE,
  argoWorkflows: true,
  jobset: true,
  workflowNamespaces: [],
  argoNamespace: UNKNOWN_NAMESPACE,
  jobsetNamespace: UNKNOWN_NAMESPACE,
  kueueNamespace: UNKNOWN_NAMESPACE,
};

/** A platform contract passed as an Output that resolves without a controller's namespace the monitors were planned for. */
function unknownPlatformProblems(args: PrometheusMonitoringArgs, plain: PlainPrometheusMonitoringArgs): Problem[] {
  if (args.platform === undefined || isKnown(args.platform) || plain.platform === undefined) return [];
  const platform = plain.platform;
  return (
    [
      ["kueueNamespace", "Kueue"],
      ["jobsetNamespace", "JobSet"],
      ["argoNamespace", "Argo Workflows"],
    ] as const
  )
    .filter(([k]) => args[k] === undefined && platform[k] === undefined)
    .map(([k, what]) => ({
      path: `platform.${k}`,
      message: `is absent from the platform contract passed as an Output, but the monitors are planned before Outputs resolve (pass ${k}: "" to not scrape ${what}, or ${k} with its namespace)`,
    }));
}

/** Controller namespaces passed as Outputs that resolve to "": the objects to scrape them were already planned. */
function emptyControllerNamespaceProblems(args: PrometheusMonitoringArgs, plain: PlainPrometheusMonitoringArgs): Problem[] {
  return (["dcgmNamespace", "kueueNamespace", "jobsetNamespace", "argoNamespace"] as const)
    .filter((k) => args[k] !== undefined && !isKnown(args[k]) && plain[k] === "")
    .map((k) => ({
      path: k,
      message: 'is an Output that resolved to "" (pass the literal "" to not scrape this controller: the monitors are planned before Outputs resolve)',
    }));
}
