import { DASHBOARD_FOLDER_ANNOTATION } from "./kubernetes-manifests";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../core/kubernetes";

/**
 * Pure renderer of the kube-prometheus-stack Helm values the kit installs with: every pod PSS restricted
 * (node-exporter, which needs host namespaces and hostPath, is off — node metrics come from the kubelet/cAdvisor
 * and GPU metrics from DCGM), Prometheus selects ServiceMonitors/PodMonitors/PrometheusRules by the contract's
 * selector labels in every namespace, persistent Prometheus storage with a retention long enough for the
 * GPU-hours budget window, and Grafana's dashboard sidecar watching the contract's dashboard label.
 */

/** Options of {@link kubePrometheusStackValues}. */
export interface KubePrometheusStackValuesOptions {
  /** Labels monitors and rules must carry (become the selectors). */
  selectorLabels: Record<string, string>;
  /** Label (one key/value) Grafana's sidecar watches for dashboard ConfigMaps. */
  dashboardLabel: Record<string, string>;
  /** Prometheus TSDB retention (Prometheus duration). */
  retention: string;
  /** Prometheus PVC size (Kubernetes quantity). */
  storageSize: string;
  /** StorageClass of the Prometheus PVC. @default - the cluster default */
  storageClassName?: string;
  /** Grafana on/off. */
  grafana: boolean;
}

/**
 * CPU/memory requests of every container the release runs (the chart leaves them all empty). Figures: the
 * commented examples in the pinned charts' values.yaml (kube-prometheus-stack 84.5.0: prometheus-operator
 * requests 100m/100Mi, prometheusSpec and alertmanagerSpec memory 400Mi; grafana 12.3.0: grafana 100m/128Mi,
 * sidecar 50m/50Mi; kube-state-metrics 7.3.0: 10m/32Mi); CPU where the example gives only memory, and the
 * admission-webhook Jobs (one certificate, one patch), sized by the kit.
 */
export const KUBE_PROMETHEUS_STACK_REQUESTS = {
  prometheusOperator: { cpu: "100m", memory: "100Mi" },
  admissionJobs: { cpu: "10m", memory: "32Mi" },
  prometheus: { cpu: "200m", memory: "400Mi" },
  alertmanager: { cpu: "20m", memory: "400Mi" },
  grafana: { cpu: "100m", memory: "128Mi" },
  grafanaSidecar: { cpu: "50m", memory: "50Mi" },
  kubeStateMetrics: { cpu: "10m", memory: "32Mi" },
} as const;

const requests = (r: { cpu: string; memory: string }): { requests: { cpu: string; memory: string } } => ({ requests: { ...r } });
const R = KUBE_PROMETHEUS_STACK_REQUESTS;

const POD_SECURITY = restrictedPodSecurity(1000, 2000);

/** Helm values for kube-prometheus-stack. */
export function kubePrometheusStackValues(o: KubePrometheusStackValuesOptions): Record<string, unknown> {
  const matchLabels = { matchLabels: { ...o.selectorLabels } };
  const [labelKey, labelValue] = Object.entries(o.dashboardLabel)[0] ?? ["grafana_dashboard", "1"];
  const volumeClaimSpec: Record<string, unknown> = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storageSize } } };
  if (o.storageClassName) volumeClaimSpec.storageClassName = o.storageClassName;
  return {
    crds: { enabled: true },
    defaultRules: {
      create: true,
      labels: { ...o.selectorLabels },
      // node-exporter is not deployed (it needs host namespaces and hostPath, which PSS restricted forbids).
      rules: { node: false, nodeExporterAlerting: false, nodeExporterRecording: false },
    },
    nodeExporter: { enabled: false },
    kubeStateMetrics: { enabled: true },
    "kube-state-metrics": {
      securityContext: { enabled: true, ...restrictedPodSecurity(65534) },
      containerSecurityContext: restrictedContainerSecurity(),
      resources: requests(R.kubeStateMetrics),
      prometheus: { monitor: { additionalLabels: { ...o.selectorLabels } } },
    },
    prometheusOperator: {
      securityContext: POD_SECURITY,
      containerSecurityContext: restrictedContainerSecurity(),
      resources: requests(R.prometheusOperator),
      admissionWebhooks: { patch: { securityContext: { ...POD_SECURITY, runAsUser: 2000 }, resources: requests(R.admissionJobs) } },
    },
    prometheus: {
      prometheusSpec: {
        retention: o.retention,
        resources: requests(R.prometheus),
        securityContext: POD_SECURITY,
        // The rule, ServiceMonitor and PodMonitor selectors are set below, so their `*NilUsesHelmValues` flags
        // would change nothing (no dead values); probes have no selector of the kit's: select every Probe.
        probeSelectorNilUsesHelmValues: false,
        ruleSelector: matchLabels,
        serviceMonitorSelector: matchLabels,
        podMonitorSelector: matchLabels,
        ruleNamespaceSelector: {},
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        storageSpec: { volumeClaimTemplate: { spec: volumeClaimSpec } },
      },
    },
    alertmanager: { alertmanagerSpec: { securityContext: POD_SECURITY, resources: requests(R.alertmanager) } },
    grafana: {
      enabled: o.grafana,
      defaultDashboardsEnabled: true,
      securityContext: restrictedPodSecurity(472),
      containerSecurityContext: restrictedContainerSecurity(),
      resources: requests(R.grafana),
      sidecar: {
        securityContext: restrictedContainerSecurity(),
        resources: requests(R.grafanaSidecar),
        dashboards: {
          enabled: true,
          label: labelKey,
          labelValue,
          searchNamespace: "ALL",
          folderAnnotation: DASHBOARD_FOLDER_ANNOTATION,
          provider: { foldersFromFilesStructure: true },
        },
      },
    },
  };
}
