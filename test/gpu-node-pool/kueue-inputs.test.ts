import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KueueGpuPool, KueueInstall, type KueueGpuPoolArgs } from "../../components/gpu-node-pool/kueue";
import { existingNodesPoolContract } from "../../components/gpu-node-pool/pool-contract";
import type { GpuPoolContract } from "../../core/contracts/gpu-pool";
import { runWithMocks, type RecordedResource } from "../harness";
import { expectContractFailsLikePlain, known, later, settle } from "../monitoring/input-harness";
import { expectSameFailureInApply } from "../components/inputs-helpers";

const shape = (rs: RecordedResource[]) =>
  rs
    .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs, dependsOn: r.dependsOn.length }))
    .sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));

const pool = (): GpuPoolContract => existingNodesPoolContract({ name: "a100", gpuType: "a100-80gb", gpusPerNode: 4, maxNodes: 3 });

/** Runs a Kueue install and a queued pool built from `wrap`ped arguments; returns the resources and the queue. */
async function run(wrap: <T>(v: T) => pulumi.Input<T>, extra: Partial<KueueGpuPoolArgs> = {}) {
  let queue: KueueGpuPool | undefined;
  const result = await runWithMocks(() => {
    const kueue = new KueueInstall("kueue", {});
    queue = new KueueGpuPool("a100-queue", {
      pool: wrap(pool()),
      namespace: wrap("training"),
      kueue: wrap(kueue.contract),
      cohort: wrap("gpus"),
      clusterQueueName: wrap("a100-cq"),
      ...extra,
    });
  });
  return { resources: result.resources, queue: queue! };
}

describe("KueueGpuPool takes the pool and Kueue contracts, the namespace and the queue names as Inputs", () => {
  it.each([
    ["known Outputs", known],
    ["Outputs resolved later", later],
  ] as const)("%s give the same resources, properties and contract as plain values", async (_, wrap) => {
    const plain = await run((v) => v);
    const output = await run(wrap as <T>(v: T) => pulumi.Input<T>);
    expect(plain.resources.map((r) => r.name).sort()).toEqual([
      "a100-queue",
      "a100-queue-cluster-queue",
      "a100-queue-flavor-on-demand",
      "a100-queue-flavor-spot",
      "a100-queue-local-queue",
      "kueue",
      "kueue-chart",
      "kueue-ns",
    ]);
    expect(shape(output.resources)).toEqual(shape(plain.resources));
    const contract = plain.queue.contract;
    expect(contract).toMatchObject({ localQueueName: "a100", localQueueNamespace: "training", flavors: ["a100-spot", "a100-on-demand"] });
    expect(await settle(output.queue.contractOutput)).toEqual(contract);
    expect(await settle(plain.queue.contractOutput)).toEqual(contract);
    expect(await settle(output.queue.clusterQueueName)).toBe("a100-cq");
    expect(await settle(output.queue.localQueueName)).toBe("a100");
  });

  it("the flavors wait for Kueue's release whether its contract is plain or an Output", async () => {
    for (const wrap of [(v: unknown) => v, later] as const) {
      const { resources } = await run(wrap as <T>(v: T) => pulumi.Input<T>);
      const release = resources.find((r) => r.name === "kueue-chart")!;
      const flavors = resources.filter((r) => r.type === "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor");
      expect(flavors).toHaveLength(2);
      for (const f of flavors) expect(f.dependsOn).toContain(release.urn);
    }
  });

  it("the plain contract throws a clear error when the pool is an Output; contractOutput resolves", async () => {
    const { queue } = await run(later);
    expect(() => queue.contract).toThrow(
      'KueueGpuPool "a100-queue": contract derives from arguments passed as Outputs and is not known at construction (read contractOutput, a pulumi.Output, instead)',
    );
  });

  it.each([
    ["namespace", { namespace: "Fine_Tune" }, { namespace: later("Fine_Tune") }],
    ["pool.gpuType", { pool: { ...pool(), gpuType: "z100" } }, { pool: later({ ...pool(), gpuType: "z100" }) }],
    ["pool.capacityTypes", { pool: { ...pool(), capacityTypes: [] } }, { pool: later({ ...pool(), capacityTypes: [] }) }],
  ] as [string, Partial<KueueGpuPoolArgs>, Partial<KueueGpuPoolArgs>][])(
    "%s: an invalid value as an Output fails inside apply with the message a plain one gets at construction",
    async (path, plainBad, outputBad) => {
      await expectContractFailsLikePlain(
        path,
        () => new KueueGpuPool("q", { pool: pool(), namespace: "ml", ...plainBad }),
        () => new KueueGpuPool("q", { pool: pool(), namespace: "ml", ...outputBad }),
      );
    },
  );

  it("a known bad namespace is reported at construction even when the pool is an Output", () => {
    expect(() => new KueueGpuPool("q", { pool: later(pool()), namespace: "Fine_Tune" })).toThrow(
      'KueueGpuPool "q" has invalid arguments (1 problem):\n  namespace: "Fine_Tune" is not a DNS-1123 label',
    );
  });

  it("the quota tuning arguments stay plain: an Output there is a clear error", () => {
    expect(() => new KueueGpuPool("q", { pool: pool(), namespace: "ml", cpuPerNode: later(4) as unknown as number })).toThrow(
      /cpuPerNode: is a pulumi.Output \(or Promise\), but this argument needs a plain value/,
    );
  });
});

describe("KueueInstall takes its namespace as an Input", () => {
  it("an Output namespace gives the same resources; the contract is then read from contractOutput", async () => {
    let install: KueueInstall | undefined;
    const plain = await runWithMocks(() => new KueueInstall("kueue", { namespace: "queues" }));
    const output = await runWithMocks(() => {
      install = new KueueInstall("kueue", { namespace: later("queues") });
    });
    expect(shape(output.resources)).toEqual(shape(plain.resources));
    expect(() => install!.contract).toThrow('KueueInstall "kueue": contract derives from arguments passed as Outputs');
    expect((await settle(install!.contractOutput)).namespace).toBe("queues");
    expect(await settle(install!.namespace)).toBe("queues");
  });

  it("a bad namespace: at construction when known, inside apply (same message) when an Output", async () => {
    await expectSameFailureInApply(
      "namespace",
      () => new KueueInstall("kueue", { namespace: "Kueue_NS" }),
      () => new KueueInstall("kueue", { namespace: later("Kueue_NS") }),
    );
  });
});
