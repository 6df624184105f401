import type { GrafanaDashboard } from "./dashboards";
import type { RuleFile } from "./prometheus-rules";
import {
  KIT_LABELS,
  RESTRICTED_NAMESPACE_LABELS,
  SERVING_METRICS_PORT,
  SERVING_POD_LABELS,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  type K8sObject,
} from "../../core/kubernetes";

/**
 * Pure renderers of the Kubernetes objects monitoring needs: namespace, Pushgateway, ServiceMonitors and
 * PodMonitors (prometheus-operator), the PrometheusRule, dashboard ConfigMaps, and the Managed Service for
 * Prometheus ClusterPodMonitorings (GKE). Plain objects in, plain objects out; no Pulumi here.
 */

/** The monitoring namespace, enforcing PSS restricted. */
export function renderMonitoringNamespace(name: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        ...KIT_LABELS,
        ...RESTRICTED_NAMESPACE_LABELS,
      },
    },
  };
}

/** Options of {@link renderPushgateway}. */
export interface PushgatewayOptions {
  name: string;
  namespace: string;
  /** `repository:tag`. */
  image: string;
  /** @default 1 */
  replicas?: number;
}

/** Port the Pushgateway listens on. */
export const PUSHGATEWAY_PORT = 9091;

/** Selector labels of the Pushgateway pods/service. */
export function pushgatewayLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": name };
}

/** In-cluster URL of the Pushgateway (what training pods push to). */
export function pushgatewayUrl(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc:${PUSHGATEWAY_PORT}`;
}

/**
 * Pushgateway Deployment + Service, PSS restricted (non-root, read-only root, no capabilities). Its state is
 * persisted to an emptyDir every minute so a container restart keeps the last pushes (a pod reschedule loses
 * them; trainers re-push within a minute).
 */
export function renderPushgateway(o: PushgatewayOptions): K8sObject[] {
  const sel = pushgatewayLabels(o.name);
  const labels = { ...KIT_LABELS, ...sel, "app.kubernetes.io/component": "training-metrics" };
  const probe = (path: string) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        replicas: o.replicas ?? 1,
        selector: { matchLabels: sel },
        strategy: { type: "Recreate" },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(65534),
            containers: [
              {
                name: "pushgateway",
                image: o.image,
                imagePullPolicy: "IfNotPresent",
                args: [`--web.listen-address=:${PUSHGATEWAY_PORT}`, "--persistence.file=/data/pushgateway.metrics", "--persistence.interval=1m"],
                ports: [{ name: "http", containerPort: PUSHGATEWAY_PORT, protocol: "TCP" }],
                readinessProbe: probe("/-/ready"),
                livenessProbe: probe("/-/healthy"),
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "data", mountPath: "/data" }],
              },
            ],
            volumes: [{ name: "data", emptyDir: { sizeLimit: "256Mi" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: { type: "ClusterIP", selector: sel, ports: [{ name: "http", port: PUSHGATEWAY_PORT, targetPort: "http", protocol: "TCP" }] },
    },
  ];
}

/** Names of the things the kit scrapes. */
export const ScrapeTarget = {
  Dcgm: "dcgm-exporter",
  Kueue: "kueue",
  JobSet: "jobset",
  Argo: "argo-workflows",
  Pushgateway: "pushgateway",
  Vllm: "vllm",
} as const;
export type ScrapeTarget = (typeof ScrapeTarget)[keyof typeof ScrapeTarget];

/** Where each scrape target lives and how to reach it (upstream defaults; facts in a table). */
export interface ScrapeTargetSpec {
  kind: "ServiceMonitor" | "PodMonitor";
  /** Label selector of the Service (ServiceMonitor) or Pod (PodMonitor). */
  selector: Record<string, string>;
  /** Port name. */
  port: string;
  /** Controller metrics behind controller-runtime's authenticated HTTPS endpoint. */
  secure: boolean;
  /** Keep the series' own `namespace`/`pod` labels (exporters and controllers that report on other pods' workloads). */
  honorLabels: boolean;
  interval: string;
}

/**
 * The metrics Services / pods as the pinned charts and operators create them (test/cluster/state.test.ts renders
 * the charts and resolves each selector and port):
 * - DCGM: GPU Operator v26.3.2 `assets/state-dcgm-exporter/0400_service.yaml` (label `app`, port `gpu-metrics`);
 * - Kueue 0.19.2 `charts/kueue/templates/manager/auth_proxy_service.yaml`: the controller's three Services
 *   (metrics, webhook, visibility) share `control-plane`/`app.kubernetes.io/name`, and the visibility Service also
 *   names its port `https`, so `app.kubernetes.io/component: metrics-service` picks the metrics one alone;
 * - JobSet 0.12.0 `charts/jobset/templates/prometheus/manager_metrics_service.yaml`: labels
 *   `app.kubernetes.io/name: jobset`, `app.kubernetes.io/component: controller` (no `control-plane` label);
 * - Argo Workflows chart `templates/controller/workflow-controller-service.yaml`: `app.kubernetes.io/component`.
 */
export const SCRAPE_TARGET_SPECS: Readonly<Record<ScrapeTarget, ScrapeTargetSpec>> = {
  "dcgm-exporter": {
    kind: "ServiceMonitor",
    selector: { app: "nvidia-dcgm-exporter" },
    port: "gpu-metrics",
    secure: false,
    honorLabels: true,
    interval: "15s",
  },
  kueue: {
    kind: "ServiceMonitor",
    selector: { "control-plane": "controller-manager", "app.kubernetes.io/name": "kueue", "app.kubernetes.io/component": "metrics-service" },
    port: "https",
    secure: true,
    honorLabels: false,
    interval: "30s",
  },
  jobset: {
    kind: "ServiceMonitor",
    selector: { "app.kubernetes.io/name": "jobset", "app.kubernetes.io/component": "controller" },
    port: "https",
    secure: true,
    honorLabels: true,
    interval: "30s",
  },
  "argo-workflows": {
    kind: "ServiceMonitor",
    selector: { "app.kubernetes.io/component": "workflow-controller" },
    port: "metrics",
    secure: false,
    honorLabels: true,
    interval: "30s",
  },
  pushgateway: { kind: "ServiceMonitor", selector: {}, port: "http", secure: false, honorLabels: true, interval: "30s" },
  vllm: { kind: "PodMonitor", selector: { ...SERVING_POD_LABELS }, port: SERVING_METRICS_PORT, secure: false, honorLabels: false, interval: "15s" },
};

/** Options of {@link renderScrapeConfigs}. */
export interface ScrapeConfigOptions {
  /** Name prefix of the objects. */
  prefix: string;
  /** Namespace the monitors are created in (the monitoring namespace). */
  namespace: string;
  /** Labels Prometheus selects monitors by. */
  selectorLabels: Record<string, string>;
  /** Namespaces each target lives in; a target without namespaces is not scraped. */
  targetNamespaces: Partial<Record<ScrapeTarget, string[]>>;
  /** Pushgateway Service name (its selector labels). */
  pushgatewayName: string;
}

const TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** ServiceMonitors/PodMonitors for every target with namespaces. */
export function renderScrapeConfigs(o: ScrapeConfigOptions): K8sObject[] {
  const out: K8sObject[] = [];
  for (const target of Object.values(ScrapeTarget)) {
    const namespaces = o.targetNamespaces[target];
    if (!namespaces || namespaces.length === 0) continue;
    const spec = SCRAPE_TARGET_SPECS[target];
    const selector = target === ScrapeTarget.Pushgateway ? pushgatewayLabels(o.pushgatewayName) : spec.selector;
    const endpoint: Record<string, unknown> = { port: spec.port, interval: spec.interval, path: "/metrics" };
    if (spec.honorLabels) endpoint.honorLabels = true;
    if (spec.secure) {
      // controller-runtime's secure metrics: TLS with the controller's self-signed serving cert, authorised by
      // Prometheus' service-account token (kube-prometheus-stack grants `get` on the /metrics non-resource URL).
      endpoint.scheme = "https";
      endpoint.bearerTokenFile = TOKEN_FILE;
      endpoint.tlsConfig = { insecureSkipVerify: true };
    }
    const metadata = { name: `${o.prefix}-${target}`, namespace: o.namespace, labels: { ...KIT_LABELS, ...o.selectorLabels } };
    const common = { selector: { matchLabels: selector }, namespaceSelector: { matchNames: [...namespaces] } };
    out.push(
      spec.kind === "ServiceMonitor"
        ? { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata, spec: { ...common, endpoints: [endpoint] } }
        : { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata, spec: { ...common, podMetricsEndpoints: [endpoint] } },
    );
  }
  return out;
}

/** The PrometheusRule object carrying the kit's rule file. */
export function renderPrometheusRule(name: string, namespace: string, selectorLabels: Record<string, string>, rules: RuleFile): K8sObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name, namespace, labels: { ...KIT_LABELS, ...selectorLabels } },
    spec: rules,
  };
}

/** Folder the dashboards land in (Grafana sidecar `folderAnnotation`). */
export const DASHBOARD_FOLDER_ANNOTATION = "grafana_folder";

/** One ConfigMap per dashboard, labelled for Grafana's dashboard sidecar. */
export function renderDashboardConfigMaps(
  prefix: string,
  namespace: string,
  label: Record<string, string>,
  dashboards: Readonly<Record<string, GrafanaDashboard>>,
): K8sObject[] {
  return Object.entries(dashboards).map(([file, dashboard]) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: `${prefix}-dashboard-${file.replace(/\.json$/, "")}`,
      namespace,
      labels: { ...KIT_LABELS, ...label },
      annotations: { [DASHBOARD_FOLDER_ANNOTATION]: "Fine-tuning" },
    },
    data: { [file]: JSON.stringify(dashboard) },
  }));
}

/**
 * Managed Service for Prometheus (GKE): ClusterPodMonitorings for the same targets (`monitoring.googleapis.com/v1`,
 * fields from the GMP API reference: `selector`, `endpoints[].port|path|interval|scheme`). GMP keeps `namespace`,
 * `pod` and `job` as protected target labels, so the DCGM exporter's workload labels appear as
 * `exported_namespace`/`exported_pod` (see DCGM_WORKLOAD_LABELS.managedPrometheus).
 */
export function renderManagedPrometheusMonitorings(prefix: string, pushgatewayName: string, targets: ScrapeTarget[]): K8sObject[] {
  return targets
    .filter((t) => !SCRAPE_TARGET_SPECS[t].secure)
    .map((t) => {
      const spec = SCRAPE_TARGET_SPECS[t];
      const selector = t === ScrapeTarget.Pushgateway ? pushgatewayLabels(pushgatewayName) : spec.selector;
      return {
        apiVersion: "monitoring.googleapis.com/v1",
        kind: "ClusterPodMonitoring",
        metadata: { name: `${prefix}-${t}`, labels: { ...KIT_LABELS } },
        spec: {
          selector: { matchLabels: selector },
          endpoints: [{ port: t === ScrapeTarget.Pushgateway ? "http" : spec.port, path: "/metrics", interval: spec.interval }],
        },
      };
    });
}
