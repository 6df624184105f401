import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GRAFANA_DASHBOARDS } from "../../components/monitoring/dashboards";
import { PrometheusMonitoring, PrometheusMonitoringArgs } from "../../components/monitoring/prometheus";
import { TRAINING_METRICS } from "../../core/contracts/monitoring";
import { MONITORING_CHARTS, MONITORING_IMAGES } from "../../core/versions";
import { manifestsOf, ofType, one, runWithMocks } from "../harness";
import { expectValidManifests } from "../validators/kubernetes";
import { promtoolCheckRules, rulesYamlOf } from "../validators/promtool";
import { expectValidManagedPrometheus } from "./gmp-schema";

async function run(args: PrometheusMonitoringArgs, name = "mon") {
  let component: PrometheusMonitoring | undefined;
  const result = await runWithMocks(() => {
    component = new PrometheusMonitoring(name, args);
    return { contract: component.contract, dashboards: component.dashboardUrls };
  });
  return { ...result, component: component as PrometheusMonitoring, manifests: manifestsOf(result.resources) };
}

function constructionError(args: PrometheusMonitoringArgs): string {
  try {
    new PrometheusMonitoring("mon", args);
  } catch (e) {
    expect(pulumi.InputPropertiesError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error("expected construction to fail");
}

describe("PrometheusMonitoring (kube-prometheus-stack)", () => {
  it("installs the pinned chart with PSS-restricted values and contract selectors, protected", async () => {
    const { resources, outputs } = await run({ trainingNamespaces: ["finetune"], thresholds: { gpuHoursBudget: 5000 } });
    const release = one(resources, "kubernetes:helm.sh/v3:Release");
    const pin = MONITORING_CHARTS.kubePrometheusStack;
    expect(release.inputs).toMatchObject({
      chart: "kube-prometheus-stack",
      version: pin.version,
      repositoryOpts: { repo: pin.repo },
      namespace: "monitoring",
      name: "kube-prometheus-stack",
    });
    expect(release.protect).toBe(true);
    expect(release.retainOnDelete).toBe(true);
    const v = release.inputs.values;
    expect(v.nodeExporter.enabled).toBe(false);
    expect(v.grafana.initChownData).toBeUndefined(); // only rendered with persistence, which Grafana does not use
    expect(v.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" });
    const spec = v.prometheus.prometheusSpec;
    expect(spec.ruleSelector).toEqual({ matchLabels: { release: "kube-prometheus-stack" } });
    expect(spec.serviceMonitorSelector).toEqual({ matchLabels: { release: "kube-prometheus-stack" } });
    expect(spec.podMonitorSelector).toEqual({ matchLabels: { release: "kube-prometheus-stack" } });
    expect(spec.retention).toBe("31d");
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe("50Gi");
    for (const sc of [spec.securityContext, v.alertmanager.alertmanagerSpec.securityContext, v.prometheusOperator.securityContext, v.grafana.securityContext]) {
      expect(sc).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    }
    for (const c of [v.prometheusOperator.containerSecurityContext, v.grafana.containerSecurityContext, v.grafana.sidecar.securityContext]) {
      expect(c).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
    expect(outputs.contract).toEqual({
      platform: "prometheus",
      selectorLabels: { release: "kube-prometheus-stack" },
      namespace: "monitoring",
      pushgatewayUrl: "http://mon-pushgateway.monitoring.svc:9091",
      alertTarget: "http://kube-prometheus-stack-alertmanager.monitoring.svc:9093",
      dashboardLabel: { grafana_dashboard: "1" },
      scraperNamespaces: ["monitoring"],
    });
    expect(outputs.dashboards).toEqual(Object.values(GRAFANA_DASHBOARDS).map((d) => `http://kube-prometheus-stack-grafana.monitoring.svc/d/${d.uid}`));
  });

  it("every Kubernetes object validates strictly and the PrometheusRule passes promtool", async () => {
    const { manifests } = await run({ trainingNamespaces: ["finetune", "team-b"], servingNamespaces: ["serving"], thresholds: { gpuHoursBudget: 100 } });
    expectValidManifests(manifests);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      [
        "Namespace/monitoring",
        "Deployment/mon-pushgateway",
        "Service/mon-pushgateway",
        "ServiceMonitor/mon-dcgm-exporter",
        "ServiceMonitor/mon-kueue",
        "ServiceMonitor/mon-jobset",
        "ServiceMonitor/mon-argo-workflows",
        "ServiceMonitor/mon-pushgateway",
        "PodMonitor/mon-vllm",
        "PrometheusRule/mon-alerts",
        "ConfigMap/mon-dashboard-gpu-fleet",
        "ConfigMap/mon-dashboard-training-run",
        "ConfigMap/mon-dashboard-pipeline",
        "ConfigMap/mon-dashboard-serving",
      ].sort(),
    );
    const rule = manifests.find((m) => m.kind === "PrometheusRule")!;
    expect(rule.metadata.labels).toMatchObject({ release: "kube-prometheus-stack" });
    expect(promtoolCheckRules(rulesYamlOf(rule)).ok).toBe(true);
    expect(JSON.stringify(rule.spec)).toContain('namespace=~\\"finetune|team-b\\"');
  });

  it("the namespace enforces PSS restricted and the Pushgateway pod meets it", async () => {
    const { manifests, resources } = await run({ trainingNamespaces: ["finetune"] });
    const ns = manifests.find((m) => m.kind === "Namespace")!;
    expect(ns.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
    expect(one(resources, "kubernetes:core/v1:Namespace").protect).toBe(true);
    const dep = manifests.find((m) => m.kind === "Deployment") as unknown as { spec: { template: { spec: Record<string, any> } } };
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.containers[0].image).toBe(`${MONITORING_IMAGES.pushgateway.repository}:${MONITORING_IMAGES.pushgateway.tag}`);
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod.volumes.every((v: Record<string, unknown>) => !("hostPath" in v))).toBe(true);
  });

  it("monitors select their targets, honour labels of exporters and use the controllers' secure endpoints", async () => {
    const { manifests } = await run({ trainingNamespaces: ["finetune"], dcgmNamespace: "nvidia-gpu", argoNamespace: "workflows" });
    type Monitor = { spec: Record<string, any>; metadata: { labels: Record<string, string> } };
    const byName: Record<string, Monitor> = Object.fromEntries(manifests.map((m) => [m.metadata.name, m as unknown as Monitor]));
    expect(byName["mon-dcgm-exporter"].spec).toMatchObject({
      namespaceSelector: { matchNames: ["nvidia-gpu"] },
      endpoints: [{ port: "gpu-metrics", honorLabels: true }],
    });
    expect(byName["mon-argo-workflows"].spec.namespaceSelector).toEqual({ matchNames: ["workflows"] });
    expect(byName["mon-kueue"].spec.endpoints[0]).toMatchObject({ scheme: "https", bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" });
    expect(byName["mon-pushgateway"].spec).toMatchObject({
      selector: { matchLabels: { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": "mon-pushgateway" } },
      endpoints: [{ honorLabels: true }],
    });
    expect(byName["mon-vllm"].spec).toMatchObject({
      selector: { matchLabels: { "finetune.dev/metrics": "vllm" } },
      namespaceSelector: { matchNames: ["finetune"] },
    });
    for (const m of Object.values(byName).filter((x) => x.spec?.endpoints || x.spec?.podMetricsEndpoints))
      expect(m.metadata.labels.release).toBe("kube-prometheus-stack");
  });

  it("takes the Argo, JobSet and Kueue namespaces from the platform contract; a controller the platform does not name is not scraped", async () => {
    const platform = {
      namespace: "ml-system",
      argoWorkflows: true,
      jobset: true,
      workflowNamespaces: ["finetune"],
      argoNamespace: "ml-system",
      jobsetNamespace: "ml-system",
      kueueNamespace: "queues",
    };
    const namespaces = (manifests: { kind: string; metadata: { name?: string }; spec?: unknown }[]) =>
      Object.fromEntries(
        manifests
          .filter((m) => m.kind === "ServiceMonitor")
          .map((m) => [m.metadata.name, (m.spec as { namespaceSelector: { matchNames: string[] } }).namespaceSelector.matchNames]),
      );
    expect(namespaces((await run({ trainingNamespaces: ["finetune"], platform })).manifests)).toEqual({
      "mon-dcgm-exporter": ["gpu-operator"],
      "mon-kueue": ["queues"],
      "mon-jobset": ["ml-system"],
      "mon-argo-workflows": ["ml-system"],
      "mon-pushgateway": ["monitoring"],
    });
    const { argoNamespace: _a, kueueNamespace: _k, ...withoutArgoAndKueue } = platform;
    expect(namespaces((await run({ trainingNamespaces: ["finetune"], platform: withoutArgoAndKueue, jobsetNamespace: "jobs" })).manifests)).toEqual({
      "mon-dcgm-exporter": ["gpu-operator"],
      "mon-jobset": ["jobs"],
      "mon-pushgateway": ["monitoring"],
    });
  });

  it("dashboard ConfigMaps carry the sidecar label and the dashboard JSON", async () => {
    const { manifests } = await run({
      trainingNamespaces: ["finetune"],
      dashboardLabel: { "grafana.io/dashboard": "finetune" },
      dashboardNamespace: "grafana",
    });
    const cms = manifests.filter((m) => m.kind === "ConfigMap") as unknown as Array<{
      metadata: { namespace: string; labels: Record<string, string> };
      data: Record<string, string>;
    }>;
    expect(cms).toHaveLength(4);
    for (const cm of cms) {
      expect(cm.metadata.namespace).toBe("grafana");
      expect(cm.metadata.labels["grafana.io/dashboard"]).toBe("finetune");
      const [file, json] = Object.entries(cm.data)[0];
      expect(JSON.parse(json).uid).toBe(GRAFANA_DASHBOARDS[file].uid);
    }
  });

  it("children are named from the component name and parented to it", async () => {
    const { resources } = await run({ trainingNamespaces: ["finetune"] }, "obs");
    const comp = one(resources, "finetune-kit:index:PrometheusMonitoring");
    const children = resources.filter((r) => r.parent === comp.urn);
    expect(children.length).toBe(15);
    for (const c of children) expect(c.name.startsWith("obs-")).toBe(true);
    const rule = one(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    expect(rule.dependsOn).toContain(one(resources, "kubernetes:helm.sh/v3:Release").urn);
  });
});

describe("PrometheusMonitoring (existing Prometheus)", () => {
  it("installs no chart and labels monitors and rules with the given selector", async () => {
    const { resources, manifests, outputs } = await run({
      mode: "existing",
      namespace: "observability",
      selectorLabels: { prometheus: "main" },
      trainingNamespaces: ["finetune"],
      grafana: false,
    });
    expect(ofType(resources, "kubernetes:helm.sh/v3:Release")).toHaveLength(0);
    expect(manifests.some((m) => m.kind === "Namespace")).toBe(false);
    expectValidManifests(manifests);
    for (const m of manifests.filter((x) => x.apiVersion === "monitoring.coreos.com/v1")) expect(m.metadata.labels).toMatchObject({ prometheus: "main" });
    expect(outputs.contract).toMatchObject({
      platform: "prometheus",
      selectorLabels: { prometheus: "main" },
      namespace: "observability",
      pushgatewayUrl: "http://mon-pushgateway.observability.svc:9091",
    });
    expect((outputs.contract as Record<string, unknown>).alertTarget).toBeUndefined();
  });

  it("requires selector labels", () => {
    expect(constructionError({ mode: "existing", trainingNamespaces: ["finetune"] })).toBe(
      'PrometheusMonitoring "mon" has invalid arguments (1 problem):\n  selectorLabels: is required in mode "existing" (set the labels your Prometheus selects ServiceMonitors and PrometheusRules by, e.g. { release: "prometheus" })',
    );
  });
});

describe("PrometheusMonitoring (GKE Managed Service for Prometheus)", () => {
  it("deploys the Pushgateway and ClusterPodMonitorings, no rules or dashboards", async () => {
    const { manifests, outputs, component } = await run({ mode: "managed-prometheus", trainingNamespaces: ["finetune"] });
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      [
        "Namespace/monitoring",
        "Deployment/mon-pushgateway",
        "Service/mon-pushgateway",
        "ClusterPodMonitoring/mon-argo-workflows",
        "ClusterPodMonitoring/mon-pushgateway",
        "ClusterPodMonitoring/mon-vllm",
      ].sort(),
    );
    expectValidManifests(manifests.filter((m) => m.apiVersion !== "monitoring.googleapis.com/v1"));
    expectValidManagedPrometheus(manifests.filter((m) => m.apiVersion === "monitoring.googleapis.com/v1"));
    // Managed Prometheus scrapes with GKE's collectors in gmp-system: pipelines must admit that namespace.
    expect(outputs.contract).toEqual({
      platform: "cloud-monitoring",
      selectorLabels: {},
      namespace: "monitoring",
      pushgatewayUrl: "http://mon-pushgateway.monitoring.svc:9091",
      scraperNamespaces: ["gmp-system"],
    });
    expect(component.rules).toBeUndefined();
  });
});

describe("PrometheusMonitoring argument validation", () => {
  it("reports every problem at once, each tied to its argument", () => {
    const message = constructionError({
      trainingNamespaces: ["Fine_Tune"],
      thresholds: {
        gpuIdleUtilizationPercent: 120,
        gpuTemperatureCelsius: 30,
        trainingStalledAfter: "half an hour",
        gpuHoursBudget: 10,
        gpuHoursBudgetWindow: "60d",
      },
      storageSize: "50GB",
      dashboardLabel: { a: "1", b: "2" },
    });
    expect(message.split("\n")).toEqual([
      'PrometheusMonitoring "mon" has invalid arguments (7 problems):',
      "  trainingNamespaces[0]: \"Fine_Tune\" is not a DNS-1123 label (use at most 63 lowercase letters, digits and '-')",
      "  dashboardLabel: has 2 labels (Grafana's sidecar watches exactly one label; give one key and value)",
      "  thresholds.gpuIdleUtilizationPercent: 120 % is outside the allowed range 0–100 % (set it to a value from 0 to 100)",
      "  thresholds.gpuTemperatureCelsius: 30 °C is outside the allowed range 40–110 °C (set it to a value from 40 to 110)",
      '  thresholds.trainingStalledAfter: "half an hour" is not a Prometheus duration (write it like "30m", "2h", "1h30m" or "7d"; units ms, s, m, h, d, w, y)',
      '  retention: "31d" is shorter than the GPU-hours budget window "60d" (raise the retention to at least the window, or shorten the window)',
      '  storageSize: "50GB" is not a Kubernetes quantity (write it like "50Gi")',
    ]);
  });

  it("requires at least one training namespace", () => {
    expect(constructionError({ trainingNamespaces: [] })).toContain("trainingNamespaces: is empty (list the namespaces the pipelines run in)");
  });

  it("the training metrics contract names what the Pushgateway carries", () => {
    expect(Object.values(TRAINING_METRICS)).toContain("finetune_training_last_push_timestamp_seconds");
  });
});
