import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PrometheusMonitoring, type PrometheusMonitoringArgs } from "../../components/monitoring/prometheus";
import { ofType, one, runWithMocks, type RecordedResource } from "../harness";
import { deploymentFailures, expectContractFailsLikePlain, known, later, settle } from "./input-harness";

const plainArgs: PrometheusMonitoringArgs = {
  namespace: "obs",
  releaseName: "prom",
  trainingNamespaces: ["ft-a", "ft-b"],
  servingNamespaces: ["serve"],
  dcgmNamespace: "gpu",
  kueueNamespace: "kq",
  jobsetNamespace: "js",
  argoNamespace: "wf",
  dashboardNamespace: "grafana",
  storageClassName: "fast",
  selectorLabels: { release: "prom" },
  alertLabels: { team: "ml" },
};

/** `plainArgs` with every Input argument wrapped by `wrap`. */
function wrapped(wrap: <T>(v: T) => pulumi.Output<T>): PrometheusMonitoringArgs {
  return {
    namespace: wrap("obs"),
    releaseName: wrap("prom"),
    trainingNamespaces: [wrap("ft-a"), "ft-b"],
    servingNamespaces: [wrap("serve")],
    dcgmNamespace: wrap("gpu"),
    kueueNamespace: wrap("kq"),
    jobsetNamespace: wrap("js"),
    argoNamespace: wrap("wf"),
    dashboardNamespace: wrap("grafana"),
    storageClassName: wrap("fast"),
    selectorLabels: { release: wrap("prom") },
    alertLabels: { team: wrap("ml") },
  };
}

async function run(args: PrometheusMonitoringArgs, preview = false) {
  let c: PrometheusMonitoring | undefined;
  const result = await runWithMocks(
    () => {
      c = new PrometheusMonitoring("mon", args);
      return { contract: c.contractOutput, urls: c.dashboardUrlsOutput };
    },
    { preview },
  );
  return { ...result, component: c as PrometheusMonitoring };
}

const view = (rs: RecordedResource[]) =>
  rs.map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs, protect: r.protect, dependsOn: r.dependsOn.length }));

describe("PrometheusMonitoring takes pulumi.Input arguments", () => {
  it.each([
    ["known Outputs", known],
    ["Outputs that resolve later", later],
  ])("%s: the children and their inputs are exactly those of the plain values", async (_what, wrap) => {
    const plain = await run(plainArgs);
    const outs = await run(wrapped(wrap));
    expect(view(outs.resources)).toEqual(view(plain.resources));
    expect(outs.outputs).toEqual(plain.outputs);
    // Spot checks of what the Outputs reached.
    const release = one(outs.resources, "kubernetes:helm.sh/v3:Release");
    expect(release.inputs).toMatchObject({ name: "prom", namespace: "obs" });
    expect(
      (release.inputs.values as { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { storageClassName: string } } } } } }).prometheus
        .prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName,
    ).toBe("fast");
    const rule = one(outs.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    expect(rule.inputs.metadata).toMatchObject({ namespace: "obs", labels: { release: "prom" } });
    expect(JSON.stringify(rule.inputs.spec)).toContain('namespace=~\\"ft-a|ft-b\\"');
    expect(JSON.stringify(rule.inputs.spec)).toContain('"team":"ml"');
    expect(outs.outputs.contract).toMatchObject({
      namespace: "obs",
      selectorLabels: { release: "prom" },
      pushgatewayUrl: "http://mon-pushgateway.obs.svc:9091",
      alertTarget: "http://prom-alertmanager.obs.svc:9093",
    });
    for (const cm of ofType(outs.resources, "kubernetes:core/v1:ConfigMap")) expect((cm.inputs.metadata as { namespace: string }).namespace).toBe("grafana");
  });

  it("unknown during preview: same children with the same names, the Output-derived inputs unknown", async () => {
    const ns = pulumi.output(pulumi.unknown as unknown as string);
    const previewRun = await runWithMocks(
      () => {
        new PrometheusMonitoring("mon", { ...plainArgs, namespace: ns });
      },
      { preview: true },
    );
    const plain = await run(plainArgs);
    const kids = previewRun.resources;
    // Registration order may differ (inputs resolve asynchronously); the set of children may not.
    expect(kids.map((r) => `${r.type} ${r.name}`).sort()).toEqual(plain.resources.map((r) => `${r.type} ${r.name}`).sort());
    // The engine's unknown sentinel: the value is decided at deployment.
    expect(one(kids, "kubernetes:helm.sh/v3:Release").inputs.namespace).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    expect(one(kids, "kubernetes:helm.sh/v3:Release").inputs.chart).toBe("kube-prometheus-stack");
    expect(pulumi.Output.isInstance(ns)).toBe(true);
  });

  it("the plain views throw a clear error when they derive from Outputs; the Output views resolve", async () => {
    const { component } = await run(wrapped(known));
    expect(() => component.contract).toThrow(
      'PrometheusMonitoring "mon": contract derives from arguments passed as Outputs and is not known at construction (read contractOutput, a pulumi.Output, instead)',
    );
    expect(() => component.dashboardUrls).toThrow("read dashboardUrlsOutput");
    expect(() => component.rules).toThrow("read rulesOutput");
    expect((await settle(component.rulesOutput))?.groups.length).toBeGreaterThan(0);
  });

  it.each([
    ["namespace", { namespace: "Bad_NS" }, { namespace: later("Bad_NS") }],
    ["trainingNamespaces[1]", { trainingNamespaces: ["ok", "UP"] }, { trainingNamespaces: ["ok", later("UP")] }],
    ["releaseName", { releaseName: "x".repeat(41) }, { releaseName: later("x".repeat(41)) }],
    ["selectorLabels.release", { selectorLabels: { release: "-bad-" } }, { selectorLabels: { release: later("-bad-") } }],
  ] as [string, Partial<PrometheusMonitoringArgs>, Partial<PrometheusMonitoringArgs>][])(
    "%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction",
    async (path, plainBad, outputBad) => {
      await expectContractFailsLikePlain(
        path,
        () => new PrometheusMonitoring("mon", { trainingNamespaces: ["ft"], ...plainBad }),
        () => new PrometheusMonitoring("mon", { trainingNamespaces: ["ft"], ...outputBad }),
      );
    },
  );

  it('a controller namespace Output that resolves to "" fails (the monitor was planned)', async () => {
    let c: PrometheusMonitoring | undefined;
    let failure: pulumi.InputPropertiesError | undefined;
    const failures = await deploymentFailures(
      () => {
        c = new PrometheusMonitoring("mon", { trainingNamespaces: ["ft"], kueueNamespace: later("") });
      },
      async () => {
        failure = (await settle((c as PrometheusMonitoring).contractOutput).catch((e: unknown) => e)) as pulumi.InputPropertiesError;
      },
    );
    expect(failures.length).toBeGreaterThan(0);
    expect(failure?.errors).toEqual([
      {
        propertyPath: "kueueNamespace",
        reason: 'is an Output that resolved to "" (pass the literal "" to not scrape this controller: the monitors are planned before Outputs resolve)',
      },
    ]);
  });
});
