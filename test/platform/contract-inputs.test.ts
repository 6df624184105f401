import { describe, expect, it } from "vitest";
import { KubernetesPipelinePlatform, type PipelinePlatformContract } from "../../components/platform";
import { PrometheusMonitoring } from "../../components/monitoring/prometheus";
import type { KueueContract } from "../../core/contracts/gpu-pool";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, failuresOf, later, type Wrap } from "../components/inputs-helpers";

const kueue: KueueContract = { namespace: "kueue-system", chartVersion: "0.19.2", ready: [] };

describe("KubernetesPipelinePlatform takes the Kueue contract as an Input", () => {
  it("the same resources from an Output as from a plain contract; contractOutput resolves to the plain contract", async () => {
    await expectSameResources((wrap: Wrap) => {
      new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune"], kueue: wrap(kueue) });
    });
    let known: KubernetesPipelinePlatform | undefined;
    let unknown: KubernetesPipelinePlatform | undefined;
    const { outputs } = await runWithMocks(() => {
      known = new KubernetesPipelinePlatform("a", { workflowNamespaces: ["finetune"], kueue });
      unknown = new KubernetesPipelinePlatform("b", { workflowNamespaces: ["finetune"], kueue: later(kueue) });
      return { unknown: unknown.contractOutput };
    });
    expect(known!.contract.kueueNamespace).toBe("kueue-system");
    expect(outputs.unknown).toEqual(known!.contract);
    expect(() => unknown!.contract).toThrow(
      'KubernetesPipelinePlatform "b": contract derives from arguments passed as Outputs and is not known at construction (read contractOutput, a pulumi.Output, instead)',
    );
  });

  it("a Kueue contract with a bad namespace: at construction when known, inside apply (same message) when an Output", async () => {
    const bad = { ...kueue, namespace: "Kueue_System" };
    await expectSameFailureInApply(
      "kueue.namespace",
      () => new KubernetesPipelinePlatform("p", { workflowNamespaces: ["finetune"], kueue: bad }),
      () => new KubernetesPipelinePlatform("p", { workflowNamespaces: ["finetune"], kueue: later(bad) }),
    );
  });
});

describe("PrometheusMonitoring takes the platform contract as an Input", () => {
  const platform: PipelinePlatformContract = {
    namespace: "ml-system",
    argoWorkflows: true,
    jobset: true,
    workflowNamespaces: ["finetune"],
    argoNamespace: "ml-system",
    jobsetNamespace: "ml-system",
    kueueNamespace: "kueue-system",
  };

  it("the same resources (monitors in the platform's namespaces) from an Output as from a plain contract", async () => {
    const resources = await expectSameResources((wrap: Wrap) => {
      new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], platform: wrap(platform) });
    });
    expect(JSON.stringify(resources)).toContain("kueue-system");
  });

  it("a platform contract from KubernetesPipelinePlatform.contractOutput (Kueue an Output) gives the same monitors", async () => {
    await expectSameResources((wrap: Wrap) => {
      const k = wrap(kueue);
      const p = new KubernetesPipelinePlatform("platform", { workflowNamespaces: ["finetune"], namespace: "ml-system", kueue: k });
      new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], platform: k === kueue ? p.contract : p.contractOutput });
    });
  });

  it("a platform without Kueue: not scraped when known; inside apply, the same contract as an Output asks for kueueNamespace", async () => {
    const { kueueNamespace: _k, ...noKueue } = platform;
    const plainRun = await runWithMocks(() => new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], platform: noKueue }));
    expect(plainRun.resources.some((r) => r.name.includes("kueue"))).toBe(false);
    const withEmpty = await runWithMocks(
      () => new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], platform: later(noKueue), kueueNamespace: "" }),
    );
    expect(withEmpty.resources.map((r) => r.name).sort()).toEqual(plainRun.resources.map((r) => r.name).sort());
    const failures = await failuresOf(() => new PrometheusMonitoring("mon", { trainingNamespaces: ["finetune"], platform: later(noKueue) }));
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures)
      expect(f).toContain(
        'PrometheusMonitoring "mon" has invalid arguments (1 problem):\n  platform.kueueNamespace: is absent from the platform contract passed as an Output, but the monitors are planned before Outputs resolve (pass kueueNamespace: "" to not scrape Kueue, or kueueNamespace with its namespace)',
      );
  });
});
