import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { applySections } from "../../plan/docs";
import { DCGM_METRICS, JOBSET_METRICS } from "../../components/monitoring/metrics";
import { runWithMocks } from "../../plan/mock-engine";
import { runStack } from "../harness";
import { Check, type ClusterState, type ExternalObject, type Finding, loadClusterState, resolveClusterState, scrapeTableRows, type StateObject } from "./state";

/**
 * Every stack and example as one cluster state (kit objects + the pinned charts rendered with the kit's values +
 * the GPU Operator's run-time objects) resolves with zero findings; each check catches a planted fault.
 */

/** The registry pull Secret `stacks/Pulumi.kubernetes.yaml` names (`artifactStore.containerRegistry.pullSecret`): the user creates it. */
const KUBERNETES_EXTERNAL: ExternalObject[] = [
  { kind: "Secret", namespace: "finetune", name: "regcred", reason: "finetune:artifactStore.containerRegistry.pullSecret (created by the user)" },
];
/** GKE-managed DCGM (gke-managed-system) is GKE's own exporter; its metric list is not pinned in ../shared. */
const GKE_EXTERNAL = { dcgm: "GKE-managed DCGM exporter (gke-managed-system; metric list not pinned here)" };

const EXAMPLES: Record<string, Record<string, string>> = {
  "eks-karpenter-pipeline": {
    "eks-karpenter-pipeline:clusterName": "prod",
    "eks-karpenter-pipeline:region": "us-east-1",
    "eks-karpenter-pipeline:accountId": "123456789012",
    "eks-karpenter-pipeline:bucketName": "acme-prod-finetune-artifacts",
  },
  "gke-spot-pipeline": {
    "gke-spot-pipeline:project": "acme-ml-prod",
    "gke-spot-pipeline:region": "us-central1",
    "gke-spot-pipeline:clusterName": "prod",
    "gke-spot-pipeline:zones": JSON.stringify(["us-central1-a", "us-central1-b"]),
  },
};

const README = path.resolve(__dirname, "..", "..", "README.md");

describe("each stack and example as one cluster state", () => {
  it("the README's table says, per stack, what Prometheus scrapes and which alerts depend on it, as resolved", async () => {
    const kubernetes = resolveClusterState(loadClusterState(await runStack("kubernetes"), { externalObjects: KUBERNETES_EXTERNAL }));
    const gcp = resolveClusterState(loadClusterState(await runStack("gcp"), { external: GKE_EXTERNAL }));
    const table = [
      "| stack | exporter | scraped by (monitor → workload) | alerts that depend on it |",
      "|---|---|---|---|",
      ...scrapeTableRows("kubernetes", kubernetes),
      ...scrapeTableRows("gcp", gcp, GKE_EXTERNAL),
    ].join("\n");
    const text = fs.readFileSync(README, "utf8");
    if (process.env.FINETUNE_KIT_WRITE_README === "1") fs.writeFileSync(README, applySections(text, { "scrape-table": table }));
    expect(applySections(text, { "scrape-table": table })).toBe(text);
    // The defects of issue 10: Argo and JobSet are scraped, so the pipeline and training failure alerts can fire.
    expect(table).toContain(
      "| kubernetes | argo | monitoring/finetune-monitoring-argo-workflows → finetune-system/argo-workflows-workflow-controller | FinetunePipelineFailed |",
    );
    expect(table).toContain("| kubernetes | jobset | monitoring/finetune-monitoring-jobset → finetune-system/jobset-controller | FinetuneTrainingJobFailed |");
  });

  it("kubernetes: zero findings; Prometheus scrapes DCGM, Kueue, JobSet, Argo, the Pushgateway, vLLM and kube-state-metrics", async () => {
    const res = resolveClusterState(loadClusterState(await runStack("kubernetes"), { externalObjects: KUBERNETES_EXTERNAL }));
    expect(res.findings).toEqual([]);
    expect(res.unresolved).toEqual([]);
    const kit = Object.fromEntries(res.scraped.filter((s) => s.monitor.includes("finetune-monitoring-")).map((s) => [s.monitor, s.targets]));
    expect(kit).toEqual({
      "ServiceMonitor monitoring/finetune-monitoring-dcgm-exporter": ["DaemonSet gpu-operator/nvidia-dcgm-exporter"],
      "ServiceMonitor monitoring/finetune-monitoring-kueue": ["Deployment kueue-system/kueue-controller-manager"],
      "ServiceMonitor monitoring/finetune-monitoring-jobset": ["Deployment finetune-system/jobset-controller"],
      "ServiceMonitor monitoring/finetune-monitoring-argo-workflows": ["Deployment finetune-system/argo-workflows-workflow-controller"],
      "ServiceMonitor monitoring/finetune-monitoring-pushgateway": ["Deployment monitoring/finetune-monitoring-pushgateway"],
      "PodMonitor monitoring/finetune-monitoring-vllm": ["Deployment finetune/support-assistant-serving", "Deployment finetune/doc-classifier-serving"],
    });
    expect(res.scraped.find((s) => s.exporters.includes("kube-state-metrics"))?.monitor).toBe(
      "ServiceMonitor monitoring/kube-prometheus-stack-kube-state-metrics",
    );
  });

  it("gcp: zero findings; Managed Prometheus scrapes Argo, vLLM and the Pushgateway; only DCGM queries are left to GKE's managed exporter", async () => {
    const res = resolveClusterState(loadClusterState(await runStack("gcp"), { external: GKE_EXTERNAL }));
    expect(res.findings).toEqual([]);
    expect(res.scraped.map((s) => [s.monitor, s.exporters])).toEqual([
      ["ClusterPodMonitoring finetune-monitoring-argo-workflows", ["argo"]],
      ["ClusterPodMonitoring finetune-monitoring-vllm", ["vllm"]],
      ["ClusterPodMonitoring finetune-monitoring-pushgateway", ["pushgateway"]],
    ]);
    expect(res.unresolved.length).toBeGreaterThan(0);
    expect(res.unresolved.filter((u) => !u.metric.startsWith("DCGM_FI_"))).toEqual([]);
  });

  it("aws-sagemaker: no Kubernetes objects, nothing to resolve", async () => {
    const state = loadClusterState(await runStack("aws-sagemaker"));
    expect(state.objects).toEqual([]);
    expect(resolveClusterState(state).findings).toEqual([]);
  });

  for (const [example, config] of Object.entries(EXAMPLES)) {
    it(`examples/${example}: zero findings`, async () => {
      const run = await runWithMocks(async () => ({ ...(await import(`../../examples/${example}/index`)) }), { project: example, config });
      const state = loadClusterState(run);
      expect(state.objects.some((o) => o.kind === "WorkflowTemplate")).toBe(true);
      expect(resolveClusterState(state).findings).toEqual([]);
    });
  }
});

describe("planted faults: each check catches its fault", () => {
  let base: ClusterState;
  beforeAll(async () => {
    base = loadClusterState(await runStack("kubernetes"), { externalObjects: KUBERNETES_EXTERNAL });
  }, 120_000);

  /** A copy of the kubernetes state with `plant` applied to its objects; the findings of `check`. */
  function findingsWith(check: Finding["check"], plant: (objects: StateObject[]) => StateObject[] | void, queries = base.queries): Finding[] {
    const objects = structuredClone(base.objects);
    const planted = plant(objects) ?? objects;
    return resolveClusterState({ ...base, objects: planted, queries }).findings.filter((f) => f.check === check);
  }
  const one = (objects: StateObject[], kind: string, name: string): StateObject => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name} in the state`);
    return o;
  };
  const monitorSpec = (o: StateObject) =>
    o.spec as { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string }[] };

  it("a wrong selector label (the JobSet monitor's old control-plane label)", () => {
    const found = findingsWith(Check.MonitorTarget, (objects) => {
      monitorSpec(one(objects, "ServiceMonitor", "finetune-monitoring-jobset")).selector.matchLabels = {
        "control-plane": "controller-manager",
        "app.kubernetes.io/name": "jobset",
      };
    });
    expect(found).toEqual([
      {
        check: "monitor-target",
        subject: "ServiceMonitor monitoring/finetune-monitoring-jobset",
        message: 'selects no Service in namespace(s) finetune-system (selector {"control-plane":"controller-manager","app.kubernetes.io/name":"jobset"})',
      },
    ]);
  });

  it("a wrong namespace (Argo looked for in `argo`, the old default) also silences the alerts on its metrics", () => {
    const plant = (objects: StateObject[]) => {
      monitorSpec(one(objects, "ServiceMonitor", "finetune-monitoring-argo-workflows")).namespaceSelector.matchNames = ["argo"];
    };
    expect(findingsWith(Check.MonitorTarget, plant)).toEqual([
      {
        check: "monitor-target",
        subject: "ServiceMonitor monitoring/finetune-monitoring-argo-workflows",
        message: 'selects no Service in namespace(s) argo (selector {"app.kubernetes.io/component":"workflow-controller"})',
      },
    ]);
    const metrics = findingsWith(Check.MetricExported, plant);
    expect(
      metrics.some(
        (f) =>
          f.subject.endsWith("alert FinetunePipelineFailed") && f.message === "argo_workflows_total_count comes from argo, which nothing in the state scrapes",
      ),
    ).toBe(true);
  });

  it("a port the selected Service does not have", () => {
    const found = findingsWith(Check.MonitorTarget, (objects) => {
      monitorSpec(one(objects, "ServiceMonitor", "finetune-monitoring-pushgateway")).endpoints[0].port = "metrics";
    });
    expect(found).toEqual([
      {
        check: "monitor-target",
        subject: "ServiceMonitor monitoring/finetune-monitoring-pushgateway",
        message: 'endpoint port "metrics" is not a port of the selected Service(s) Service monitoring/finetune-monitoring-pushgateway',
      },
    ]);
  });

  it("a monitor Prometheus does not pick up (selector label missing)", () => {
    const found = findingsWith(Check.ScraperSelects, (objects) => {
      delete one(objects, "PodMonitor", "finetune-monitoring-vllm").metadata.labels!.release;
    });
    expect(found).toEqual([
      {
        check: "scraper-selects",
        subject: "PodMonitor monitoring/finetune-monitoring-vllm",
        message:
          'not picked up by Prometheus monitoring/kube-prometheus-stack-prometheus (labels {"app.kubernetes.io/managed-by":"finetune-kit","app.kubernetes.io/part-of":"finetune-kit"})',
      },
    ]);
  });

  it("a scraper whose token may not read the controllers' secure /metrics", () => {
    const found = findingsWith(Check.MonitorTarget, (objects) => {
      const role = one(objects, "ClusterRole", "kube-prometheus-stack-prometheus") as StateObject & { rules: { nonResourceURLs?: string[] }[] };
      role.rules = role.rules.filter((r) => !r.nonResourceURLs);
    });
    const message =
      "authenticates with Prometheus monitoring/kube-prometheus-stack-prometheus's token, but ServiceAccount monitoring/kube-prometheus-stack-prometheus may not get /metrics";
    expect(found).toEqual([
      { check: "monitor-target", subject: "ServiceMonitor monitoring/finetune-monitoring-kueue", message },
      { check: "monitor-target", subject: "ServiceMonitor monitoring/finetune-monitoring-jobset", message },
    ]);
  });

  it("a NetworkPolicy that keeps Prometheus (and the pipeline's probes) from vLLM", () => {
    const found = findingsWith(Check.NetworkPolicy, (objects) =>
      objects.filter((o) => !(o.kind === "NetworkPolicy" && o.metadata.name === "support-assistant-allow-serving")),
    );
    expect(found).toEqual([
      {
        check: "network-policy",
        subject: "PodMonitor monitoring/finetune-monitoring-vllm",
        message:
          "Prometheus monitoring/kube-prometheus-stack-prometheus (namespace monitoring) cannot reach Deployment finetune/support-assistant-serving port http: NetworkPolicy finetune/default-deny-all, NetworkPolicy finetune/support-assistant-default-deny admit no ingress from it",
      },
      // The same policy admits the pipeline's own smoke test and probe: they lose the endpoint too.
      ...["CronWorkflow finetune/support-assistant-monitor", "WorkflowTemplate finetune/support-assistant"].map((subject) => ({
        check: "network-policy",
        subject,
        message:
          "cannot reach support-assistant-serving.finetune.svc:8000 (Deployment finetune/support-assistant-serving port 8000): NetworkPolicy finetune/default-deny-all, NetworkPolicy finetune/support-assistant-default-deny admit no ingress from it",
      })),
    ]);
  });

  it("an egress policy that keeps the trainer from the Pushgateway (training alerts would never fire)", () => {
    const found = findingsWith(Check.NetworkPolicy, (objects) => {
      const np = one(objects, "NetworkPolicy", "legal-70b-full-allow-egress").spec as { egress: { ports: { port: number }[] }[] };
      np.egress = np.egress.filter((r) => !r.ports.some((p) => p.port === 9091));
    });
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => f.subject)).toContain("JobSet finetune/argo-run-train");
    expect(found.find((f) => f.subject === "JobSet finetune/argo-run-train")?.message).toBe(
      "cannot reach finetune-monitoring-pushgateway.monitoring.svc:9091 (Deployment monitoring/finetune-monitoring-pushgateway port 9091): NetworkPolicy finetune/default-deny-all, NetworkPolicy finetune/legal-70b-full-default-deny, NetworkPolicy finetune/legal-70b-full-allow-dns, NetworkPolicy finetune/legal-70b-full-allow-training-mesh, NetworkPolicy finetune/legal-70b-full-allow-egress admit no egress to it",
    );
  });

  it("an in-cluster store reached only through an ipBlock (pod IPs are not matched on every CNI)", () => {
    const found = findingsWith(Check.NetworkPolicy, (objects) => {
      const np = one(objects, "NetworkPolicy", "doc-classifier-allow-egress").spec as {
        egress: { to: { namespaceSelector?: unknown }[]; ports: { port: number }[] }[];
      };
      np.egress = np.egress.filter((r) => !(r.ports.some((p) => p.port === 9000) && r.to.some((t) => t.namespaceSelector)));
    });
    expect(found.map((f) => f.subject).sort()).toEqual([
      "CronWorkflow finetune/doc-classifier-monitor",
      "Deployment finetune/doc-classifier-serving",
      "WorkflowTemplate finetune/doc-classifier",
    ]);
    expect(
      found.every((f) =>
        f.message.startsWith("cannot reach finetune-minio.finetune-storage.svc.cluster.local:9000 (Deployment finetune-storage/finetune-minio port 9000)"),
      ),
    ).toBe(true);
  });

  it("a metric nobody exports: the ECC counter with the exporter's default collectors, and an invented name", () => {
    const found = findingsWith(
      Check.MetricExported,
      (objects) => {
        const policy = one(objects, "ClusterPolicy", "cluster-policy").spec as { dcgmExporter: { config?: unknown } };
        delete policy.dcgmExporter.config;
      },
      [...base.queries, { where: "planted", expr: "sum(finetune_invented_metric)" }],
    );
    expect(found.map((f) => `${f.subject}: ${f.message}`)).toEqual([
      `ConfigMap monitoring/finetune-monitoring-dashboard-gpu-fleet: gpu-fleet.json: ${DCGM_METRICS.eccDbeVolatile} is exported by nothing in the state`,
      `PrometheusRule monitoring/finetune-monitoring-alerts: alert FinetuneGpuEccDoubleBitError: ${DCGM_METRICS.eccDbeVolatile} is exported by nothing in the state`,
      "planted: finetune_invented_metric is exported by nothing in the state",
    ]);
  });

  it("an exporter nothing scrapes (no JobSet monitor): the training-failure alert cannot fire", () => {
    const found = findingsWith(Check.MetricExported, (objects) =>
      objects.filter((o) => !(o.kind === "ServiceMonitor" && o.metadata.name === "finetune-monitoring-jobset")),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every(
        (f) =>
          f.message === `${JOBSET_METRICS.failed} comes from jobset, which nothing in the state scrapes` ||
          f.message === `${JOBSET_METRICS.completed} comes from jobset, which nothing in the state scrapes`,
      ),
    ).toBe(true);
    expect(found.map((f) => f.subject)).toContain("PrometheusRule monitoring/finetune-monitoring-alerts: alert FinetuneTrainingJobFailed");
  });

  it("a missing Secret", () => {
    const found = findingsWith(Check.Reference, (objects) =>
      objects.filter((o) => !(o.kind === "Secret" && o.metadata.name === "support-assistant-hub-token")),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((f) => f.message))).toEqual(new Set(["Secret finetune/support-assistant-hub-token does not exist"]));
    expect(found.map((f) => f.subject)).toContain("WorkflowTemplate finetune/support-assistant");
  });

  it("a RoleBinding to a Role that does not exist", () => {
    const found = findingsWith(Check.Reference, (objects) => objects.filter((o) => !(o.kind === "Role" && o.metadata.name === "doc-classifier-pipeline")));
    expect(found).toEqual([
      { check: "reference", subject: "RoleBinding finetune/doc-classifier-pipeline", message: "Role finetune/doc-classifier-pipeline does not exist" },
    ]);
  });

  it("a LocalQueue in another namespace than the JobSets that name it", () => {
    const found = findingsWith(Check.Queue, (objects) => {
      one(objects, "LocalQueue", "h100-spot").metadata.namespace = "research";
    });
    const message = 'names LocalQueue "h100-spot", which does not exist in namespace finetune (it exists in research)';
    expect(found).toEqual([
      { check: "queue", subject: "Job finetune/gpu-smoke-h100-spot (kit)", message },
      { check: "queue", subject: "JobSet finetune/argo-run-train (workflow:WorkflowTemplate finetune/legal-70b-full)", message },
      { check: "queue", subject: "JobSet finetune/argo-run-eval (workflow:WorkflowTemplate finetune/legal-70b-full)", message },
    ]);
  });

  it("a ClusterQueue whose ResourceFlavor is gone", () => {
    const found = findingsWith(Check.Queue, (objects) => objects.filter((o) => !(o.kind === "ResourceFlavor" && o.metadata.name === "l4-spot-on-demand")));
    expect(found).toEqual([{ check: "queue", subject: "ClusterQueue l4-spot", message: "ResourceFlavor l4-spot-on-demand does not exist" }]);
  });

  it("a CronWorkflow whose WorkflowTemplate is gone", () => {
    const found = findingsWith(Check.Workflow, (objects) => objects.filter((o) => !(o.kind === "WorkflowTemplate" && o.metadata.name === "support-assistant")));
    expect(found).toEqual([
      {
        check: "workflow",
        subject: "CronWorkflow finetune/support-assistant",
        message: "workflowTemplateRef names WorkflowTemplate finetune/support-assistant, which does not exist",
      },
    ]);
  });

  it("a *.svc URL whose Service has no such port", () => {
    const found = findingsWith(Check.ServiceUrl, (objects) => {
      (one(objects, "Service", "finetune-monitoring-pushgateway").spec as { ports: { port: number }[] }).ports[0].port = 9092;
    });
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((f) => f.message))).toEqual(
      new Set(["finetune-monitoring-pushgateway.monitoring.svc:9091: Service monitoring/finetune-monitoring-pushgateway has no port 9091"]),
    );
  });

  it("a *.svc URL in Helm values that names no Service", () => {
    const releases = [
      ...base.releases,
      { release: "grafana-extra", namespace: "monitoring", values: { datasource: { url: "http://prometheus-operated.monitoring.svc:9090" } } },
    ];
    const found = resolveClusterState({ ...base, releases }).findings.filter((f) => f.check === Check.ServiceUrl);
    expect(found).toEqual([
      {
        check: "service-url",
        subject: "HelmRelease monitoring/grafana-extra values",
        message: "prometheus-operated.monitoring.svc:9090: Service monitoring/prometheus-operated does not exist",
      },
    ]);
  });

  it("an RBAC gap (no get on JobSets: the workflow cannot wait for training) and an excess grant (delete)", () => {
    const found = findingsWith(Check.Rbac, (objects) => {
      const role = one(objects, "Role", "support-assistant-pipeline") as StateObject & { rules: { resources: string[]; verbs: string[] }[] };
      const jobsets = role.rules.find((r) => r.resources.includes("jobsets"))!;
      jobsets.verbs = ["create", "delete"];
    });
    expect(found).toEqual([
      {
        check: "rbac",
        subject: "ServiceAccount finetune/support-assistant-pipeline",
        message: 'WorkflowTemplate finetune/support-assistant needs "get jobset.x-k8s.io/jobsets", which no bound role grants',
      },
      {
        check: "rbac",
        subject: "Role finetune/support-assistant-pipeline",
        message: 'grants "delete jobset.x-k8s.io/jobsets" to ServiceAccount finetune/support-assistant-pipeline, which no workflow of it uses',
      },
    ]);
  });
});
