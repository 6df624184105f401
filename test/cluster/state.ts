import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { metricNamesIn } from "../../components/monitoring/metrics";
import { manifestsOf } from "../../plan/manifests";
import type { MockRunResult, RecordedResource } from "../../plan/mock-engine";
import { sharedDir } from "../validators/helm";
import { CLUSTER_SCOPED, renderedReleases } from "./releases";

/**
 * The cluster as one state: the kit's objects, every Helm release rendered from its pinned chart with the values
 * the kit passes (`helm template`), and what operators create at run time (the GPU Operator's DCGM exporter,
 * ../shared/charts/gpu-operator-v26.3.2-assets/). {@link resolveClusterState} then resolves, across all of them,
 * what each object only names: monitor selectors, ports and namespaces; the scraper's selectors; NetworkPolicies
 * between scraper and target; every metric an alert or dashboard reads; references from pods, bindings, queues,
 * workflows and `*.svc` URLs; and the workflow ServiceAccount's RBAC against what the workflow does.
 */

/** An object of the state, with where it comes from (`kit`, `chart:<release>`, `operator:<what>`, `workflow:<template>`). */
export interface StateObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  origin: string;
  [field: string]: unknown;
}

/** A PromQL query the kit evaluates (a rule, a dashboard panel, a Cloud Monitoring condition or chart). */
export interface StateQuery {
  /** Where the query lives, e.g. `PrometheusRule monitoring/x: alert FinetuneGpuXidError`. */
  where: string;
  expr: string;
}

/** One cluster state. */
export interface ClusterState {
  objects: StateObject[];
  queries: StateQuery[];
  /**
   * Metric sources the state cannot resolve and the reason (e.g. GKE-managed DCGM, whose metric list is not pinned
   * in ../shared): queries on them are listed in {@link Resolution.unresolved}, not as findings.
   */
  external: Record<string, string>;
  /** Objects outside the state that references may name. */
  externalObjects: ExternalObject[];
  /** The Helm releases, with the values the kit passes (their `*.svc` URLs are resolved too). */
  releases: { release: string; namespace: string; values: Record<string, unknown> }[];
}

/** The checks, each a kind of finding. */
export const Check = {
  MonitorTarget: "monitor-target",
  ScraperSelects: "scraper-selects",
  NetworkPolicy: "network-policy",
  MetricExported: "metric-exported",
  Reference: "reference",
  Queue: "queue",
  Workflow: "workflow",
  ServiceUrl: "service-url",
  Rbac: "rbac",
} as const;
export type Check = (typeof Check)[keyof typeof Check];

/** A problem the resolver found. */
export interface Finding {
  check: Check;
  /** `Kind namespace/name` of the object at fault. */
  subject: string;
  message: string;
}

/** What the resolver returns. */
export interface Resolution {
  findings: Finding[];
  /** Queries whose metrics come from an {@link ClusterState.external} source, with that source. */
  unresolved: { where: string; metric: string; source: string }[];
  /** Per scrape target: the monitor, what it selected and the exporters it reaches. */
  scraped: { monitor: string; targets: string[]; exporters: string[] }[];
  /** Per query: the exporters its metrics come from (resolved ones only). */
  dependencies: { where: string; exporters: string[] }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Facts: what exports which metric (data, with sources).

/** A metrics exporter: how to recognise its pods, and the metric names it publishes. */
export interface Exporter {
  /** Pod labels that identify it (all must match). */
  podLabels: Record<string, string>;
  /** Metric names; `undefined` when computed from the state (DCGM collectors, Pushgateway pushes). */
  metrics?: readonly string[];
  source: string;
}

/**
 * Exporters and their metric names. Sources (checked 2026-12-01):
 * - kueue: kubernetes-sigs/kueue v0.19 `pkg/metrics/metrics.go` and its integration test
 *   `test/integration/singlecluster/controller/jobs/job/job_controller_test.go` metric list;
 * - jobset: kubernetes-sigs/jobset v0.12 `pkg/metrics/metrics.go` (`jobset_failed_total`, `jobset_completed_total`);
 * - argo: argoproj/argo-workflows v4 `util/telemetry` (OpenTelemetry names, `argo_workflows_` prefix in Prometheus);
 * - kube-state-metrics 2.18 `docs/metrics/workload/pod-metrics.md`;
 * - vllm: vllm-project/vllm `vllm/v1/metrics/loggers.py` (`vllm:` prefix) and prometheus-fastapi-instrumentator's
 *   `http_requests_total`;
 * - dcgm: the collectors file the exporter loads (the GPU Operator's `dcgmExporter.config` ConfigMap, else
 *   ../shared/charts/dcgm-exporter-4.5.3-4.8.2/dcp-metrics-included.csv);
 * - pushgateway: the `FTKIT_METRIC_*` names the pipeline gives its scripts (pipelines/render/metrics-env.ts) plus the
 *   Pushgateway's own `push_time_seconds` (prometheus/pushgateway README, "About timestamps").
 */
export const EXPORTERS: Readonly<Record<string, Exporter>> = {
  dcgm: { podLabels: { app: "nvidia-dcgm-exporter" }, source: "GPU Operator DCGM exporter (collectors file)" },
  kueue: {
    podLabels: { "app.kubernetes.io/name": "kueue", "control-plane": "controller-manager" },
    metrics: [
      "kueue_pending_workloads",
      "kueue_admitted_active_workloads",
      "kueue_evicted_workloads_total",
      "kueue_admission_wait_time_seconds_bucket",
      "kueue_admitted_workloads_total",
      "kueue_cluster_queue_resource_usage",
    ],
    source: "kubernetes-sigs/kueue v0.19 pkg/metrics/metrics.go",
  },
  jobset: {
    podLabels: { "app.kubernetes.io/name": "jobset" },
    metrics: ["jobset_failed_total", "jobset_completed_total"],
    source: "kubernetes-sigs/jobset v0.12 pkg/metrics/metrics.go",
  },
  argo: {
    podLabels: { "app.kubernetes.io/component": "workflow-controller" },
    metrics: ["argo_workflows_gauge", "argo_workflows_total_count", "argo_workflows_pods_total_count"],
    source: "argoproj/argo-workflows v4 metrics (OpenTelemetry → Prometheus)",
  },
  "kube-state-metrics": {
    podLabels: { "app.kubernetes.io/name": "kube-state-metrics" },
    metrics: ["kube_pod_container_resource_requests", "kube_pod_status_phase"],
    source: "kube-state-metrics 2.18 pod metrics",
  },
  vllm: {
    podLabels: { "finetune.dev/metrics": "vllm" },
    metrics: [
      "vllm:e2e_request_latency_seconds_bucket",
      "vllm:time_to_first_token_seconds_bucket",
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:generation_tokens_total",
      "vllm:request_success_total",
      "http_requests_total",
    ],
    source: "vllm-project/vllm v1 metrics loggers + prometheus-fastapi-instrumentator",
  },
  pushgateway: { podLabels: { "app.kubernetes.io/name": "pushgateway" }, source: "Pushgateway: the pipeline's FTKIT_METRIC_* pushes + push_time_seconds" },
};

/** Metrics every Prometheus has without an exporter. */
const BUILTIN_METRICS = new Set(["up"]);

/** Objects the cluster or a chart's hook creates at run time that pods may reference (name → who creates it). */
export const RUNTIME_CREATED: readonly { kind: string; name: RegExp; by: string }[] = [
  { kind: "Secret", name: /^kube-prometheus-stack-admission$/, by: "kube-prometheus-stack's admission-create Job (kube-webhook-certgen), at install" },
  { kind: "ConfigMap", name: /^kube-root-ca\.crt$/, by: "kube-controller-manager's root-CA publisher (every namespace)" },
  { kind: "ServiceAccount", name: /^default$/, by: "kube-controller-manager's ServiceAccount controller (every namespace)" },
];

/** Built-in ClusterRoles (Kubernetes RBAC defaults). */
const BUILTIN_CLUSTER_ROLES = /^(cluster-admin|admin|edit|view|system:.+)$/;
/** Built-in Roles (kube-apiserver bootstrap policy, `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`). */
const BUILTIN_ROLES = new Set([
  "kube-system/extension-apiserver-authentication-reader",
  "kube-system/system::leader-locking-kube-controller-manager",
  "kube-system/system::leader-locking-kube-scheduler",
]);

/** An object the cluster has but the state does not create (the user makes it, e.g. a registry pull Secret the config names). */
export interface ExternalObject {
  kind: string;
  /** @default - cluster-scoped */
  namespace?: string;
  name: string;
  /** Who creates it. */
  reason: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading.

/** The GPU Operator's run-time DCGM exporter objects, for the operator's namespace. */
export function gpuOperatorRuntimeObjects(namespace: string): StateObject[] {
  const dir = path.join(sharedDir(), "charts", "gpu-operator-v26.3.2-assets");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS() as StateObject | null))
    .filter((o): o is StateObject => !!o && typeof o.kind === "string")
    .map((o) => {
      o.metadata = { ...o.metadata, namespace: CLUSTER_SCOPED.has(o.kind) ? undefined : namespace };
      // Bindings name the operator's namespace for their subjects too.
      const subjects = (o as { subjects?: { namespace?: string }[] }).subjects;
      subjects?.forEach((s) => (s.namespace = namespace));
      return { ...o, origin: "operator:gpu-operator" };
    });
}

/** DCGM metric names of a collectors CSV (uncommented lines). */
export function dcgmMetricsOfCsv(csv: string): string[] {
  return csv
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(",")[0].trim());
}

/** The DCGM collectors CSV upstream's exporter loads when no config is named. */
export function upstreamDcgmCsv(): string {
  return fs.readFileSync(path.join(sharedDir(), "charts", "dcgm-exporter-4.5.3-4.8.2", "dcp-metrics-included.csv"), "utf8");
}

function walk(v: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      visit(k, x);
      walk(x, visit);
    }
  }
}

/** PromQL queries in a Grafana or Cloud Monitoring dashboard JSON (`expr` / `prometheusQuery` fields). */
export function dashboardQueries(dashboard: unknown, where: string): StateQuery[] {
  const out: StateQuery[] = [];
  walk(dashboard, (k, v) => {
    if ((k === "expr" || k === "prometheusQuery") && typeof v === "string" && v.trim()) out.push({ where, expr: v });
  });
  return out;
}

const subjectOf = (o: { kind: string; metadata: { name?: string; namespace?: string } }): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Queries the state's own objects carry: PrometheusRules and Grafana dashboard ConfigMaps. */
function objectQueries(objects: StateObject[]): StateQuery[] {
  const out: StateQuery[] = [];
  for (const o of objects.filter((x) => x.origin === "kit")) {
    if (o.kind === "PrometheusRule") {
      for (const g of (o.spec as { groups?: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] }).groups ?? []) {
        for (const r of g.rules) out.push({ where: `${subjectOf(o)}: ${r.alert ? `alert ${r.alert}` : `record ${r.record}`}`, expr: String(r.expr) });
      }
    }
    if (o.kind === "ConfigMap" && o.metadata.labels && Object.keys(o.metadata.labels).some((k) => k.includes("dashboard"))) {
      for (const [file, text] of Object.entries((o.data ?? {}) as Record<string, string>)) {
        if (file.endsWith(".json")) out.push(...dashboardQueries(JSON.parse(text), `${subjectOf(o)}: ${file}`));
      }
    }
  }
  return out;
}

/** Queries of Cloud Monitoring alert policies and dashboards the run creates (PromQL over Managed Prometheus). */
function cloudMonitoringQueries(resources: RecordedResource[]): StateQuery[] {
  const out: StateQuery[] = [];
  for (const r of resources) {
    if (r.type === "gcp:monitoring/alertPolicy:AlertPolicy") {
      for (const c of (r.inputs.conditions ?? []) as { displayName?: string; conditionPrometheusQueryLanguage?: { query: string; alertRule?: string } }[]) {
        const q = c.conditionPrometheusQueryLanguage;
        if (q) out.push({ where: `AlertPolicy ${r.name}: ${q.alertRule ? `alert ${q.alertRule}` : (c.displayName ?? "")}`, expr: q.query });
      }
    }
    if (r.type === "gcp:monitoring/dashboard:Dashboard" && typeof r.inputs.dashboardJson === "string") {
      out.push(...dashboardQueries(JSON.parse(r.inputs.dashboardJson), `Dashboard ${r.name}`));
    }
  }
  return out;
}

/** Options of {@link loadClusterState}. */
export interface LoadOptions {
  /** Metric sources outside the state, with the reason (see {@link ClusterState.external}). @default {} */
  external?: Record<string, string>;
  /** Objects outside the state that references may name. @default [] */
  externalObjects?: ExternalObject[];
}

/**
 * The cluster state of a run: kit objects, every Helm release rendered with its pinned chart and the kit's values
 * (namespace filled in where the chart leaves it to `helm install -n`), and the GPU Operator's run-time objects
 * when a release installs the operator with its DCGM exporter.
 */
export function loadClusterState(result: MockRunResult, opts: LoadOptions = {}): ClusterState {
  const objects: StateObject[] = manifestsOf(result.resources).map((m) => ({ ...(JSON.parse(JSON.stringify(m)) as StateObject), origin: "kit" }));
  // Rendered with the namespace filled in where the chart leaves it to `helm install -n` (test/cluster/releases.ts).
  const releases = renderedReleases(result);
  for (const rel of releases) {
    objects.push(...rel.objects.map((o) => ({ ...(o as StateObject), origin: `chart:${rel.release}` })));
    const dcgm = (rel.values.dcgmExporter ?? {}) as { enabled?: boolean };
    if (rel.chart.endsWith("gpu-operator") && dcgm.enabled !== false) objects.push(...gpuOperatorRuntimeObjects(rel.namespace));
  }
  return {
    objects,
    queries: [...objectQueries(objects), ...cloudMonitoringQueries(result.resources)],
    external: { ...(opts.external ?? {}) },
    externalObjects: [...(opts.externalObjects ?? [])],
    releases: releases.map((r) => ({ release: r.release, namespace: r.namespace, values: r.values })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pods: every pod template in the state, including the JobSets and steps inside Argo workflow templates.

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; optional?: boolean }; configMapKeyRef?: { name: string; optional?: boolean } };
  }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }[];
}
interface PodSpec {
  serviceAccountName?: string;
  containers?: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string; optional?: boolean };
    configMap?: { name: string; optional?: boolean };
    persistentVolumeClaim?: { claimName: string };
    projected?: { sources: { secret?: { name: string; optional?: boolean }; configMap?: { name: string; optional?: boolean } }[] };
  }[];
  imagePullSecrets?: { name: string }[];
}

/** A pod as a workload would create it. */
export interface PodTemplate {
  owner: string;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

/** Argo `{{…}}` placeholders, replaced before a resource template's manifest is parsed. */
const ARGO_EXPR = /\{\{[^}]*\}\}/g;

/** The objects an Argo resource template creates or patches (manifest parsed, placeholders made inert). */
export function workflowResourceManifests(o: StateObject): { template: string; action: string; conditions: boolean; manifest: StateObject }[] {
  const spec = (o.kind === "CronWorkflow" ? (o.spec as { workflowSpec?: unknown }).workflowSpec : o.spec) as
    { templates?: { name: string; resource?: { action: string; manifest: string; successCondition?: string; failureCondition?: string } }[] } | undefined;
  return (spec?.templates ?? [])
    .filter((t) => t.resource)
    .map((t) => {
      const manifest = parse(t.resource!.manifest.replace(ARGO_EXPR, "argo-run")) as StateObject;
      manifest.metadata = manifest.metadata ?? {};
      if (!manifest.metadata.namespace) manifest.metadata.namespace = o.metadata.namespace;
      return {
        template: t.name,
        action: t.resource!.action,
        conditions: !!(t.resource!.successCondition || t.resource!.failureCondition),
        manifest: { ...manifest, origin: `workflow:${subjectOf(o)}` },
      };
    });
}

/** Every pod template of the state. */
export function podTemplates(objects: StateObject[]): PodTemplate[] {
  const pods: PodTemplate[] = [];
  const add = (
    owner: StateObject,
    t: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } | undefined,
    namespace = owner.metadata.namespace ?? "default",
  ): void => {
    if (t?.spec) pods.push({ owner: subjectOf(owner), namespace, labels: { ...(t.metadata?.labels ?? {}) }, spec: t.spec });
  };
  const visit = (o: StateObject): void => {
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    switch (o.kind) {
      case "Deployment":
      case "DaemonSet":
      case "StatefulSet":
      case "ReplicaSet":
      case "Job":
        add(o, spec.template as never);
        break;
      case "CronJob":
        add(o, (spec.jobTemplate as { spec?: { template?: never } } | undefined)?.spec?.template);
        break;
      case "Pod":
        add(o, { metadata: o.metadata, spec: spec as PodSpec });
        break;
      case "JobSet":
        for (const rj of (spec.replicatedJobs ?? []) as { template?: { spec?: { template?: never } } }[]) add(o, rj.template?.spec?.template);
        break;
      case "WorkflowTemplate":
      case "CronWorkflow":
      case "Workflow": {
        const wf = (o.kind === "CronWorkflow" ? spec.workflowSpec : spec) as
          | {
              serviceAccountName?: string;
              volumes?: PodSpec["volumes"];
              podMetadata?: { labels?: Record<string, string> };
              templates?: {
                container?: Container;
                script?: Container;
                initContainers?: Container[];
                podSpecPatch?: string;
                metadata?: { labels?: Record<string, string> };
                serviceAccountName?: string;
              }[];
            }
          | undefined;
        for (const t of wf?.templates ?? []) {
          const main = t.container ?? t.script;
          if (!main) continue;
          add(o, {
            metadata: { labels: { ...(wf?.podMetadata?.labels ?? {}), ...(t.metadata?.labels ?? {}) } },
            spec: {
              serviceAccountName: t.serviceAccountName ?? wf?.serviceAccountName,
              containers: [{ ...main, name: "main" }],
              initContainers: t.initContainers,
              volumes: wf?.volumes,
            },
          });
        }
        for (const r of workflowResourceManifests(o)) if (r.action === "create" || r.action === "apply") visit(r.manifest);
        break;
      }
      default:
        break;
    }
  };
  objects.forEach(visit);
  return pods;
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution.

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector ?? {}).every(([k, v]) => (labels ?? {})[k] === v);

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selects(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  if (!matches(sel.matchLabels, labels)) return false;
  return (sel.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    switch (e.operator) {
      case "In":
        return v !== undefined && (e.values ?? []).includes(v);
      case "NotIn":
        return v === undefined || !(e.values ?? []).includes(v);
      case "Exists":
        return v !== undefined;
      case "DoesNotExist":
        return v === undefined;
      default:
        return false;
    }
  });
}

/** Labels of a namespace as the API server has them (its own labels + `kubernetes.io/metadata.name`). */
function namespaceLabels(objects: StateObject[], ns: string): Record<string, string> {
  const o = objects.find((x) => x.kind === "Namespace" && x.metadata.name === ns);
  return { ...(o?.metadata.labels ?? {}), "kubernetes.io/metadata.name": ns };
}

/** The scrapers of the state: Prometheus CRs (with their selectors) or GKE Managed Prometheus. */
interface Scraper {
  name: string;
  namespace: string;
  /** Picks up a monitor or rule object. */
  picks: (o: StateObject) => boolean;
  /** The ServiceAccount it scrapes with (Prometheus CRs). */
  serviceAccount?: string;
}

function scrapersOf(objects: StateObject[]): Scraper[] {
  const out: Scraper[] = [];
  for (const p of objects.filter((o) => o.kind === "Prometheus" && o.apiVersion.startsWith("monitoring.coreos.com/"))) {
    const spec = (p.spec ?? {}) as Record<string, LabelSelector | undefined>;
    const ns = p.metadata.namespace ?? "default";
    const field: Record<string, [string, string]> = {
      ServiceMonitor: ["serviceMonitorSelector", "serviceMonitorNamespaceSelector"],
      PodMonitor: ["podMonitorSelector", "podMonitorNamespaceSelector"],
      PrometheusRule: ["ruleSelector", "ruleNamespaceSelector"],
    };
    out.push({
      name: subjectOf(p),
      namespace: ns,
      serviceAccount: (p.spec as { serviceAccountName?: string }).serviceAccountName ?? "default",
      picks: (o) => {
        const f = field[o.kind];
        if (!f) return false;
        // prometheus-operator: a nil selector selects nothing; a nil namespace selector means the Prometheus' own namespace.
        const sel = spec[f[0]];
        const nsSel = spec[f[1]];
        if (sel === undefined || sel === null) return false;
        const oNs = o.metadata.namespace ?? "default";
        const nsOk = nsSel === undefined || nsSel === null ? oNs === ns : selects(nsSel, namespaceLabels(objects, oNs));
        return nsOk && selects(sel, o.metadata.labels ?? {});
      },
    });
  }
  if (objects.some((o) => o.kind === "ClusterPodMonitoring" || o.kind === "PodMonitoring")) {
    // GKE Managed Service for Prometheus: its collectors in gmp-system scrape every (Cluster)PodMonitoring.
    out.push({ name: "GKE Managed Prometheus", namespace: "gmp-system", picks: (o) => o.kind === "ClusterPodMonitoring" || o.kind === "PodMonitoring" });
  }
  return out;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

function containerPorts(p: PodTemplate): { name?: string; containerPort: number }[] {
  return (p.spec.containers ?? []).flatMap((c) => c.ports ?? []);
}

/** The pods of a Service (its selector, in its namespace). */
function podsOfService(svc: StateObject, pods: PodTemplate[]): PodTemplate[] {
  const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
  if (!sel || Object.keys(sel).length === 0) return [];
  return pods.filter((p) => p.namespace === svc.metadata.namespace && matches(sel, p.labels));
}

/** Does a pod listen on a Service port's target (number or name)? */
function podServes(p: PodTemplate, sp: ServicePort): boolean {
  const target = sp.targetPort ?? sp.port;
  return containerPorts(p).some((cp) => (typeof target === "number" ? cp.containerPort === target : cp.name === target));
}

/** A resolved scrape: monitor → pods it reaches and on which container port. */
interface Scrape {
  monitor: StateObject;
  targets: { pod: PodTemplate; port: { name?: string; containerPort: number } }[];
}

function monitorNamespaces(m: StateObject, allNamespaces: string[]): string[] {
  const nsSel = (m.spec as { namespaceSelector?: { matchNames?: string[]; any?: boolean } }).namespaceSelector;
  if (nsSel?.any) return allNamespaces;
  if (nsSel?.matchNames && nsSel.matchNames.length) return nsSel.matchNames;
  return [m.metadata.namespace ?? "default"];
}

function resolveMonitors(objects: StateObject[], pods: PodTemplate[], findings: Finding[], own: (o: StateObject) => boolean): Scrape[] {
  const allNs = [...new Set([...objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n), ...pods.map((p) => p.namespace)])];
  const scrapes: Scrape[] = [];
  for (const m of objects.filter(own)) {
    const subject = subjectOf(m);
    if (m.kind === "ServiceMonitor") {
      const spec = m.spec as { selector: LabelSelector; endpoints: { port?: string }[] };
      const nss = monitorNamespaces(m, allNs);
      const services = objects.filter(
        (o) => o.kind === "Service" && nss.includes(o.metadata.namespace ?? "") && selects(spec.selector, o.metadata.labels ?? {}),
      );
      if (services.length === 0) {
        findings.push({
          check: Check.MonitorTarget,
          subject,
          message: `selects no Service in namespace(s) ${nss.join(", ")} (selector ${JSON.stringify(spec.selector.matchLabels ?? {})})`,
        });
        continue;
      }
      const targets: Scrape["targets"] = [];
      for (const ep of spec.endpoints) {
        const withPort = services.filter((s) => ((s.spec as { ports?: ServicePort[] }).ports ?? []).some((p) => p.name === ep.port));
        if (withPort.length === 0) {
          findings.push({
            check: Check.MonitorTarget,
            subject,
            message: `endpoint port "${ep.port}" is not a port of the selected Service(s) ${services.map(subjectOf).join(", ")}`,
          });
          continue;
        }
        for (const s of withPort) {
          const sp = (s.spec as { ports: ServicePort[] }).ports.find((p) => p.name === ep.port)!;
          const backing = podsOfService(s, pods).filter((p) => podServes(p, sp));
          if (backing.length === 0)
            findings.push({
              check: Check.MonitorTarget,
              subject,
              message: `${subjectOf(s)} port "${ep.port}" reaches no pod listening on ${sp.targetPort ?? sp.port}`,
            });
          for (const p of backing)
            targets.push({
              pod: p,
              port: containerPorts(p).find((cp) =>
                typeof (sp.targetPort ?? sp.port) === "number" ? cp.containerPort === (sp.targetPort ?? sp.port) : cp.name === sp.targetPort,
              )!,
            });
        }
      }
      scrapes.push({ monitor: m, targets });
    } else if (m.kind === "PodMonitor" || m.kind === "ClusterPodMonitoring" || m.kind === "PodMonitoring") {
      const spec = m.spec as { selector: LabelSelector; podMetricsEndpoints?: { port?: string }[]; endpoints?: { port?: string | number }[] };
      const nss = m.kind === "ClusterPodMonitoring" ? allNs : monitorNamespaces(m, allNs);
      const selected = pods.filter((p) => nss.includes(p.namespace) && selects(spec.selector, p.labels));
      if (selected.length === 0) {
        findings.push({
          check: Check.MonitorTarget,
          subject,
          message: `selects no pod in namespace(s) ${m.kind === "ClusterPodMonitoring" ? "(all)" : nss.join(", ")} (selector ${JSON.stringify(spec.selector.matchLabels ?? {})})`,
        });
        continue;
      }
      const targets: Scrape["targets"] = [];
      for (const ep of spec.podMetricsEndpoints ?? spec.endpoints ?? []) {
        const hits = selected.flatMap((p) =>
          containerPorts(p)
            .filter((cp) => (typeof ep.port === "number" ? cp.containerPort === ep.port : cp.name === ep.port))
            .map((port) => ({ pod: p, port })),
        );
        if (hits.length === 0)
          findings.push({
            check: Check.MonitorTarget,
            subject,
            message: `port "${ep.port}" is not a container port of the selected pods (${[...new Set(selected.map((p) => p.owner))].join(", ")})`,
          });
        targets.push(...hits);
      }
      scrapes.push({ monitor: m, targets });
    }
  }
  return scrapes;
}

/** One end of a connection: a namespace, and the pod's labels when known (a scraper's pods are not in the state). */
interface Peer {
  namespace: string;
  labels?: Record<string, string>;
}

interface PolicyPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: unknown;
}

/**
 * Does a NetworkPolicy peer admit `other`? Pods are matched by namespace and pod selectors only: an `ipBlock`
 * is meant for cluster-external addresses (Kubernetes docs, NetworkPolicy `ipBlock`), and Cilium (GKE Dataplane V2)
 * does not apply CIDR rules to pod-to-pod traffic, so it admits no pod here.
 */
function peerAdmits(objects: StateObject[], policyNs: string, peer: PolicyPeer, other: Peer): boolean {
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector !== undefined ? selects(peer.namespaceSelector, namespaceLabels(objects, other.namespace)) : other.namespace === policyNs;
  if (!nsOk) return false;
  if (!peer.podSelector || (Object.keys(peer.podSelector.matchLabels ?? {}).length === 0 && !(peer.podSelector.matchExpressions ?? []).length)) return true;
  return other.labels !== undefined && selects(peer.podSelector, other.labels);
}

/**
 * The NetworkPolicies that isolate `pod` in `direction` without admitting `other` on the pod-side port `port`
 * (ingress: the pod's container port; egress: the destination pod's port); undefined when the traffic is allowed.
 */
function blockedBy(
  objects: StateObject[],
  direction: "Ingress" | "Egress",
  pod: Peer & { labels: Record<string, string> },
  other: Peer,
  port: { name?: string; containerPort: number },
): StateObject[] | undefined {
  const rulesKey = direction === "Ingress" ? "ingress" : "egress";
  const peersKey = direction === "Ingress" ? "from" : "to";
  const policies = objects
    .filter((o) => o.kind === "NetworkPolicy" && o.metadata.namespace === pod.namespace)
    .filter((np) => {
      const spec = np.spec as { podSelector?: LabelSelector; policyTypes?: string[]; egress?: unknown[] };
      // policyTypes defaults to Ingress, plus Egress when the policy has egress rules.
      const types = spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
      return types.includes(direction) && selects(spec.podSelector, pod.labels);
    });
  if (policies.length === 0) return undefined;
  const admits = policies.some((np) =>
    (((np.spec as Record<string, unknown>)[rulesKey] ?? []) as Record<string, unknown>[]).some((rule) => {
      const peers = rule[peersKey] as PolicyPeer[] | undefined;
      const ports = rule.ports as { port?: number | string }[] | undefined;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerAdmits(objects, pod.namespace, peer, other));
      const portOk = !ports || ports.length === 0 || ports.some((p) => p.port === undefined || p.port === port.containerPort || p.port === port.name);
      return peerOk && portOk;
    }),
  );
  return admits ? undefined : policies;
}

/** Pushgateway metrics: the FTKIT_METRIC_* names the state's pods are given. */
function pushedMetrics(pods: PodTemplate[]): Set<string> {
  const out = new Set<string>();
  for (const p of pods)
    for (const c of p.spec.containers ?? []) for (const e of c.env ?? []) if (e.name.startsWith("FTKIT_METRIC_") && e.value) out.add(e.value);
  return out;
}

/** DCGM metrics the state's exporter publishes: the collectors ConfigMap named in the operator's ClusterPolicy, else upstream's default file. */
function dcgmMetrics(objects: StateObject[]): Set<string> {
  const policy = objects.find((o) => o.kind === "ClusterPolicy");
  const configName = (policy?.spec as { dcgmExporter?: { config?: { name?: string } } } | undefined)?.dcgmExporter?.config?.name;
  if (configName) {
    const cm =
      objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === configName && o.metadata.namespace === policy?.metadata.namespace) ??
      objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === configName);
    const csv = (cm?.data as Record<string, string> | undefined)?.["dcgm-metrics.csv"];
    return new Set(csv ? dcgmMetricsOfCsv(csv) : []);
  }
  return new Set(dcgmMetricsOfCsv(upstreamDcgmCsv()));
}

function exportersOfPod(pod: PodTemplate): string[] {
  return Object.entries(EXPORTERS)
    .filter(([, e]) => matches(e.podLabels, pod.labels))
    .map(([n]) => n);
}

const SVC_URL = /\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(\d+))?(?![\w.-])/g;

/** Resolves everything in the state; see the file comment. */
export function resolveClusterState(state: ClusterState): Resolution {
  const { objects } = state;
  const findings: Finding[] = [];
  const pods = podTemplates(objects);
  const scrapers = scrapersOf(objects);

  // 1. Monitors select something real; the scraper picks every kit monitor and rule; NetworkPolicies admit it.
  // The kit's monitors are held to account; the charts' own monitors (kube-state-metrics, the control plane, whose
  // static pods are not in the state) only tell which exporters are scraped.
  const scrapes = [...resolveMonitors(objects, pods, findings, (o) => o.origin === "kit"), ...resolveMonitors(objects, pods, [], (o) => o.origin !== "kit")];
  for (const o of objects.filter(
    (x) => x.origin === "kit" && ["ServiceMonitor", "PodMonitor", "PrometheusRule", "ClusterPodMonitoring", "PodMonitoring"].includes(x.kind),
  )) {
    if (scrapers.length === 0)
      findings.push({ check: Check.ScraperSelects, subject: subjectOf(o), message: "no Prometheus (or Managed Prometheus) in the cluster state picks it up" });
    else if (!scrapers.some((s) => s.picks(o))) {
      findings.push({
        check: Check.ScraperSelects,
        subject: subjectOf(o),
        message: `not picked up by ${scrapers.map((s) => s.name).join(", ")} (labels ${JSON.stringify(o.metadata.labels ?? {})})`,
      });
    }
  }
  for (const s of scrapes) {
    const scrapersOfMonitor = scrapers.filter((x) => x.picks(s.monitor));
    // Controllers' secure metrics (controller-runtime's filter) authorise the scraper's token: `get` on the `/metrics` URL.
    const tokenAuth =
      s.monitor.origin === "kit" &&
      ((s.monitor.spec as { endpoints?: { bearerTokenFile?: string; authorization?: unknown }[] }).endpoints ?? []).some(
        (e) => e.bearerTokenFile || e.authorization,
      );
    for (const sc of scrapersOfMonitor.filter((x) => tokenAuth && x.serviceAccount)) {
      const allowed = rulesOf(objects, sc.namespace, sc.serviceAccount!).some(
        ({ rule }) => (rule.nonResourceURLs ?? []).some((u) => u === "/metrics" || u === "*") && (rule.verbs.includes("get") || rule.verbs.includes("*")),
      );
      if (!allowed)
        findings.push({
          check: Check.MonitorTarget,
          subject: subjectOf(s.monitor),
          message: `authenticates with ${sc.name}'s token, but ServiceAccount ${sc.namespace}/${sc.serviceAccount} may not get /metrics`,
        });
    }
    for (const t of s.targets) {
      for (const sc of scrapersOfMonitor) {
        const blocking = blockedBy(objects, "Ingress", t.pod, { namespace: sc.namespace }, t.port);
        if (blocking)
          findings.push({
            check: Check.NetworkPolicy,
            subject: subjectOf(s.monitor),
            message: `${sc.name} (namespace ${sc.namespace}) cannot reach ${t.pod.owner} port ${t.port.name ?? t.port.containerPort}: ${blocking.map(subjectOf).join(", ")} admit no ingress from it`,
          });
      }
    }
  }

  // 2. Every metric a query reads is exported by a scraped exporter (or recorded by a rule).
  const scraped = new Set(scrapes.filter((s) => scrapers.some((x) => x.picks(s.monitor))).flatMap((s) => s.targets.flatMap((t) => exportersOfPod(t.pod))));
  const exported = new Map<string, string>();
  const metricsOf: Record<string, Iterable<string>> = {
    ...Object.fromEntries(Object.entries(EXPORTERS).map(([n, e]) => [n, e.metrics ?? []])),
    dcgm: dcgmMetrics(objects),
    pushgateway: [...pushedMetrics(pods), "push_time_seconds"],
  };
  for (const [name, ms] of Object.entries(metricsOf)) if (scraped.has(name)) for (const m of ms) exported.set(m, name);
  const recorded = new Set(state.queries.map((q) => /: record (\S+)$/.exec(q.where)?.[1]).filter((x): x is string => !!x));
  const externalOf = (metric: string): string | undefined =>
    Object.keys(state.external).find((src) => [...(metricsOf[src] ?? [])].includes(metric) || (src === "dcgm" && metric.startsWith("DCGM_FI_")));
  const unresolved: Resolution["unresolved"] = [];
  const recordedFrom = new Map<string, string[]>();
  const dependencies: Resolution["dependencies"] = [];
  const sourcesOf = (expr: string): string[] => [
    ...new Set(metricNamesIn(expr).flatMap((m) => (exported.has(m) ? [exported.get(m)!] : (recordedFrom.get(m) ?? [])))),
  ];
  for (const q of state.queries) {
    const rec = /: record (\S+)$/.exec(q.where)?.[1];
    if (rec) recordedFrom.set(rec, sourcesOf(q.expr));
  }
  for (const q of state.queries) {
    dependencies.push({ where: q.where, exporters: sourcesOf(q.expr).sort() });
    for (const metric of metricNamesIn(q.expr)) {
      if (BUILTIN_METRICS.has(metric) || recorded.has(metric) || exported.has(metric)) continue;
      const ext = externalOf(metric);
      if (ext) {
        unresolved.push({ where: q.where, metric, source: ext });
        continue;
      }
      const owner = Object.entries(metricsOf).find(([, ms]) => [...ms].includes(metric))?.[0];
      findings.push({
        check: Check.MetricExported,
        subject: q.where,
        message: owner ? `${metric} comes from ${owner}, which nothing in the state scrapes` : `${metric} is exported by nothing in the state`,
      });
    }
  }

  // 3. References from pods.
  const exists = (kind: string, ns: string | undefined, name: string): boolean =>
    objects.some((o) => o.kind === kind && o.metadata.name === name && (CLUSTER_SCOPED.has(kind) || o.metadata.namespace === ns)) ||
    RUNTIME_CREATED.some((r) => r.kind === kind && r.name.test(name)) ||
    state.externalObjects.some((x) => x.kind === kind && x.name === name && (x.namespace === undefined || x.namespace === ns)) ||
    (kind === "Role" && BUILTIN_ROLES.has(`${ns}/${name}`));
  for (const p of pods) {
    const missing = (kind: string, name: string): void => {
      if (!exists(kind, p.namespace, name))
        findings.push({ check: Check.Reference, subject: p.owner, message: `${kind} ${p.namespace}/${name} does not exist` });
    };
    if (p.spec.serviceAccountName) missing("ServiceAccount", p.spec.serviceAccountName);
    for (const v of p.spec.volumes ?? []) {
      if (v.secret && !v.secret.optional) missing("Secret", v.secret.secretName);
      if (v.configMap && !v.configMap.optional) missing("ConfigMap", v.configMap.name);
      if (v.persistentVolumeClaim) missing("PersistentVolumeClaim", v.persistentVolumeClaim.claimName);
      for (const src of v.projected?.sources ?? []) {
        if (src.secret && !src.secret.optional) missing("Secret", src.secret.name);
        if (src.configMap && !src.configMap.optional) missing("ConfigMap", src.configMap.name);
      }
    }
    for (const s of p.spec.imagePullSecrets ?? []) missing("Secret", s.name);
    for (const c of [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        const sk = e.valueFrom?.secretKeyRef;
        const ck = e.valueFrom?.configMapKeyRef;
        if (sk && !sk.optional) missing("Secret", sk.name);
        if (ck && !ck.optional) missing("ConfigMap", ck.name);
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef && !e.secretRef.optional) missing("Secret", e.secretRef.name);
        if (e.configMapRef && !e.configMapRef.optional) missing("ConfigMap", e.configMapRef.name);
      }
    }
  }
  for (const pvc of objects.filter((o) => o.kind === "PersistentVolumeClaim")) {
    const sc = (pvc.spec as { storageClassName?: string }).storageClassName;
    if (sc && !exists("StorageClass", undefined, sc))
      findings.push({ check: Check.Reference, subject: subjectOf(pvc), message: `StorageClass ${sc} does not exist` });
  }
  for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
    const ref = b.roleRef as { kind: string; name: string };
    const ok =
      ref.kind === "ClusterRole"
        ? exists("ClusterRole", undefined, ref.name) || BUILTIN_CLUSTER_ROLES.test(ref.name)
        : exists("Role", b.metadata.namespace, ref.name);
    if (!ok)
      findings.push({
        check: Check.Reference,
        subject: subjectOf(b),
        message: `${ref.kind} ${ref.kind === "Role" ? `${b.metadata.namespace}/` : ""}${ref.name} does not exist`,
      });
    for (const s of (b.subjects ?? []) as { kind: string; name: string; namespace?: string }[]) {
      if (s.kind === "ServiceAccount" && !exists("ServiceAccount", s.namespace ?? b.metadata.namespace, s.name)) {
        findings.push({
          check: Check.Reference,
          subject: subjectOf(b),
          message: `ServiceAccount ${s.namespace ?? b.metadata.namespace}/${s.name} does not exist`,
        });
      }
    }
  }

  // 4. Queues: LocalQueue → ClusterQueue → ResourceFlavor; each queue-name label → a LocalQueue in its namespace.
  for (const lq of objects.filter((o) => o.kind === "LocalQueue")) {
    const cq = (lq.spec as { clusterQueue: string }).clusterQueue;
    if (!exists("ClusterQueue", undefined, cq)) findings.push({ check: Check.Queue, subject: subjectOf(lq), message: `ClusterQueue ${cq} does not exist` });
  }
  for (const cq of objects.filter((o) => o.kind === "ClusterQueue")) {
    for (const rg of (cq.spec as { resourceGroups?: { flavors: { name: string }[] }[] }).resourceGroups ?? []) {
      for (const f of rg.flavors)
        if (!exists("ResourceFlavor", undefined, f.name))
          findings.push({ check: Check.Queue, subject: subjectOf(cq), message: `ResourceFlavor ${f.name} does not exist` });
    }
  }
  const queued = [
    ...objects,
    ...objects.filter((o) => o.kind === "WorkflowTemplate" || o.kind === "CronWorkflow").flatMap((o) => workflowResourceManifests(o).map((r) => r.manifest)),
  ];
  for (const o of queued) {
    const q = o.metadata.labels?.["kueue.x-k8s.io/queue-name"];
    if (q && !exists("LocalQueue", o.metadata.namespace, q)) {
      const elsewhere = objects.filter((x) => x.kind === "LocalQueue" && x.metadata.name === q).map((x) => x.metadata.namespace);
      findings.push({
        check: Check.Queue,
        subject: `${subjectOf(o)} (${o.origin})`,
        message: `names LocalQueue "${q}", which does not exist in namespace ${o.metadata.namespace}${elsewhere.length ? ` (it exists in ${elsewhere.join(", ")})` : ""}`,
      });
    }
  }

  // 5. Argo: templateRefs and CronWorkflow → WorkflowTemplate.
  for (const o of objects.filter((x) => x.kind === "WorkflowTemplate" || x.kind === "CronWorkflow" || x.kind === "Workflow")) {
    walk(o.spec, (k, v) => {
      if ((k === "templateRef" || k === "workflowTemplateRef") && v && typeof v === "object") {
        const ref = v as { name: string; clusterScope?: boolean };
        const kind = ref.clusterScope ? "ClusterWorkflowTemplate" : "WorkflowTemplate";
        if (!exists(kind, o.metadata.namespace, ref.name))
          findings.push({
            check: Check.Workflow,
            subject: subjectOf(o),
            message: `${k} names ${kind} ${o.metadata.namespace}/${ref.name}, which does not exist`,
          });
      }
    });
  }

  // 6. `*.svc` URLs the kit writes (env, args, values) → a Service with that port.
  const seen = new Set<string>();
  const writers: { subject: string; data: unknown }[] = [
    ...objects.filter((x) => x.origin === "kit").map((o) => ({ subject: subjectOf(o), data: o as unknown })),
    ...(state.releases ?? []).map((r) => ({ subject: `HelmRelease ${r.namespace}/${r.release} values`, data: r.values as unknown })),
  ];
  for (const { subject, data } of writers) {
    walk(data, (_k, v) => {
      if (typeof v !== "string") return;
      for (const m of v.matchAll(SVC_URL)) {
        const [, name, , ns, , port] = m;
        const key = `${subject} ${m[0]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const svc = objects.find((s) => s.kind === "Service" && s.metadata.name === name && s.metadata.namespace === ns);
        const wanted = port ? Number(port) : /https:\/\/[^\s]*$/.test(v.slice(0, m.index ?? 0)) ? 443 : 80;
        if (!svc) findings.push({ check: Check.ServiceUrl, subject, message: `${m[0]}: Service ${ns}/${name} does not exist` });
        else if (!((svc.spec as { ports?: ServicePort[] }).ports ?? []).some((p) => p.port === wanted)) {
          findings.push({ check: Check.ServiceUrl, subject, message: `${m[0]}: Service ${ns}/${name} has no port ${wanted}` });
        }
      }
    });
  }

  // 6b. Pods that call a `*.svc` URL may reach it: their namespace's egress policies and the target's ingress policies.
  const reported = new Set<string>();
  for (const p of pods) {
    for (const c of [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])]) {
      const texts = [
        ...(c.env ?? []).map((e) => e.value ?? ""),
        ...((c as { args?: string[] }).args ?? []),
        ...((c as { command?: string[] }).command ?? []),
        ...((c as { source?: string }).source ? [(c as { source?: string }).source!] : []),
      ];
      for (const text of texts) {
        for (const m of text.matchAll(SVC_URL)) {
          const [, name, , ns, , port] = m;
          const svc = objects.find((x) => x.kind === "Service" && x.metadata.name === name && x.metadata.namespace === ns);
          const sp = ((svc?.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []).find((x) => x.port === (port ? Number(port) : 80));
          if (!svc || !sp) continue; // reported by the *.svc check
          for (const dest of podsOfService(svc, pods)) {
            const target = containerPorts(dest).find((cp) =>
              typeof (sp.targetPort ?? sp.port) === "number" ? cp.containerPort === (sp.targetPort ?? sp.port) : cp.name === sp.targetPort,
            );
            if (!target) continue;
            const key = `${p.owner} ${m[0]} ${dest.owner}`;
            if (reported.has(key)) continue;
            reported.add(key);
            const out = blockedBy(objects, "Egress", p, dest, target);
            if (out)
              findings.push({
                check: Check.NetworkPolicy,
                subject: p.owner,
                message: `cannot reach ${m[0]} (${dest.owner} port ${target.containerPort}): ${out.map(subjectOf).join(", ")} admit no egress to it`,
              });
            const inn = blockedBy(objects, "Ingress", dest, p, target);
            if (inn)
              findings.push({
                check: Check.NetworkPolicy,
                subject: p.owner,
                message: `cannot reach ${m[0]} (${dest.owner} port ${target.containerPort}): ${inn.map(subjectOf).join(", ")} admit no ingress from it`,
              });
          }
        }
      }
    }
  }

  // 7. The workflow ServiceAccount's RBAC covers what the workflow does, and nothing more.
  findings.push(...workflowRbacFindings(objects));

  return {
    findings,
    unresolved,
    dependencies,
    scraped: scrapes.map((s) => ({
      monitor: subjectOf(s.monitor),
      targets: [...new Set(s.targets.map((t) => t.pod.owner))],
      exporters: [...new Set(s.targets.flatMap((t) => exportersOfPod(t.pod)))],
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// RBAC.

interface PolicyRule {
  nonResourceURLs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** One permission: `verb group/resource[/name]`. */
interface Permission {
  group: string;
  resource: string;
  verb: string;
  name?: string;
}

const permissionText = (p: Permission): string => `${p.verb} ${p.group || "core"}/${p.resource}${p.name ? `/${p.name}` : ""}`;

/** Plural resource of a kind (the kinds workflows touch). */
function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  return k.endsWith("s") ? `${k}es` : `${k}s`;
}

/**
 * What a workflow needs from the API, per Argo Workflows 4.x's executor: each resource template's action on its
 * manifest's kind (and `get` when it waits on a success/failure condition: `workflow/executor/resource.go`
 * `checkResourceState` GETs the object), and `create`/`patch` on `workflowtaskresults` (the executor reports
 * outputs through them since 3.5; docs/workflow-rbac.md).
 */
export function workflowNeeds(o: StateObject): Permission[] {
  const needs: Permission[] = [
    { group: "argoproj.io", resource: "workflowtaskresults", verb: "create" },
    { group: "argoproj.io", resource: "workflowtaskresults", verb: "patch" },
  ];
  for (const r of workflowResourceManifests(o)) {
    const group = r.manifest.apiVersion.includes("/") ? r.manifest.apiVersion.split("/")[0] : "";
    const resource = resourceOf(r.manifest.kind);
    // A name with a run placeholder cannot be named in a Role's resourceNames.
    const name = r.manifest.metadata.name && !String(r.manifest.metadata.name).includes("argo-run") ? String(r.manifest.metadata.name) : undefined;
    needs.push({ group, resource, verb: r.action, name });
    if (r.conditions || r.action === "patch") needs.push({ group, resource, verb: "get", name });
  }
  return needs;
}

const grants = (rule: PolicyRule, p: Permission): boolean =>
  (rule.apiGroups ?? [""]).some((g) => g === p.group || g === "*") &&
  (rule.resources ?? []).some((r) => r === p.resource || r === "*") &&
  (rule.verbs.includes(p.verb) || rule.verbs.includes("*")) &&
  (!rule.resourceNames || rule.resourceNames.length === 0 || (p.name !== undefined && rule.resourceNames.includes(p.name)));

/** Rules bound to a ServiceAccount (RoleBindings in its namespace, ClusterRoleBindings). */
function rulesOf(objects: StateObject[], ns: string, sa: string): { rule: PolicyRule; from: string }[] {
  const out: { rule: PolicyRule; from: string }[] = [];
  for (const b of objects.filter((o) => (o.kind === "RoleBinding" && o.metadata.namespace === ns) || o.kind === "ClusterRoleBinding")) {
    const bound = ((b.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).some(
      (s) => s.kind === "ServiceAccount" && s.name === sa && (s.namespace ?? b.metadata.namespace) === ns,
    );
    if (!bound) continue;
    const ref = b.roleRef as { kind: string; name: string };
    const role = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.kind === "ClusterRole" || o.metadata.namespace === ns));
    for (const rule of (role?.rules ?? []) as PolicyRule[]) out.push({ rule, from: role ? subjectOf(role) : `${ref.kind} ${ref.name}` });
  }
  return out;
}

function workflowRbacFindings(objects: StateObject[]): Finding[] {
  const findings: Finding[] = [];
  const bySa = new Map<string, { ns: string; sa: string; needs: { perm: Permission; owner: string }[] }>();
  for (const o of objects.filter((x) => x.kind === "WorkflowTemplate" || x.kind === "Workflow" || x.kind === "CronWorkflow")) {
    const wf = (o.kind === "CronWorkflow" ? (o.spec as { workflowSpec?: unknown }).workflowSpec : o.spec) as {
      serviceAccountName?: string;
      workflowTemplateRef?: { name: string };
    };
    const ref = wf.workflowTemplateRef
      ? objects.find((t) => t.kind === "WorkflowTemplate" && t.metadata.name === wf.workflowTemplateRef!.name && t.metadata.namespace === o.metadata.namespace)
      : undefined;
    const sa = wf.serviceAccountName ?? (ref?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? "default";
    const ns = o.metadata.namespace ?? "default";
    const key = `${ns}/${sa}`;
    const entry = bySa.get(key) ?? { ns, sa, needs: [] };
    entry.needs.push(...workflowNeeds(o).map((perm) => ({ perm, owner: subjectOf(o) })));
    bySa.set(key, entry);
  }
  for (const { ns, sa, needs: all } of bySa.values()) {
    const needs = [...new Map(all.map((n) => [permissionText(n.perm), n.perm])).values()];
    const rules = rulesOf(objects, ns, sa);
    for (const n of needs) {
      const owners = [...new Set(all.filter((x) => permissionText(x.perm) === permissionText(n)).map((x) => x.owner))].sort();
      if (!rules.some((r) => grants(r.rule, n)))
        findings.push({
          check: Check.Rbac,
          subject: `ServiceAccount ${ns}/${sa}`,
          message: `${owners.join(", ")} needs "${permissionText(n)}", which no bound role grants`,
        });
    }
    // Nothing more: every granted (verb, resource) must serve a need.
    for (const { rule, from } of rules) {
      for (const g of rule.apiGroups ?? [""]) {
        for (const res of rule.resources ?? []) {
          for (const verb of rule.verbs) {
            const used = needs.some((n) => (n.group === g || g === "*") && (n.resource === res || res === "*") && (n.verb === verb || verb === "*"));
            if (!used)
              findings.push({
                check: Check.Rbac,
                subject: from,
                message: `grants "${verb} ${g || "core"}/${res}" to ServiceAccount ${ns}/${sa}, which no workflow of it uses`,
              });
          }
        }
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------------------------
// The README table: per stack, what Prometheus scrapes and which alerts depend on it.

/** Alert name of a query location (`… alert X`: a PrometheusRule alert, or a Cloud Monitoring condition's `alertRule`). */
function alertOf(where: string): string | undefined {
  return /: alert (\S+)$/.exec(where)?.[1];
}

/** Markdown rows `| stack | exporter | scraped (monitor → workload) | alerts |` for one resolved stack. */
export function scrapeTableRows(stack: string, res: Resolution, external: Record<string, string> = {}): string[] {
  const rows: string[] = [];
  const exporters = [...new Set([...res.scraped.flatMap((s) => s.exporters), ...Object.keys(external)])].sort();
  for (const e of exporters) {
    const monitors = res.scraped.filter((s) => s.exporters.includes(e));
    const where = monitors.length
      ? monitors.map((m) => `${m.monitor.replace(/^\S+ /, "")} → ${m.targets.map((t) => t.replace(/^\S+ /, "")).join(", ")}`).join("; ")
      : (external[e] ?? "");
    const alerts = [
      ...new Set(
        [
          ...res.dependencies.filter((d) => d.exporters.includes(e)).map((d) => alertOf(d.where)),
          ...res.unresolved.filter((u) => u.source === e).map((u) => alertOf(u.where)),
        ].filter((a): a is string => !!a),
      ),
    ].sort();
    rows.push(`| ${stack} | ${e} | ${where} | ${alerts.length ? alerts.join(", ") : "(dashboards only)"} |`);
  }
  return rows;
}
