import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesFineTuningPipeline } from "../../components/pipeline/kubernetes";
import { SageMakerFineTuningPipeline } from "../../components/pipeline/sagemaker";
import { renderModelCacheFor } from "../../components/model-cache";
import { runWithMocks } from "../harness";
import { expectSameFailureInApply, expectSameResources, later, type Wrap } from "../components/inputs-helpers";
import { awsStore, example, l4Pool, minioStore, SAGEMAKER_POOLS } from "./fixtures";

const pool = { ...l4Pool, localQueueName: "l4-spot", localQueueNamespace: "finetune" };
const cache = renderModelCacheFor("model-cache", {
  platform: "kubernetes",
  namespace: "finetune",
  storageClassName: "nfs-rwx",
  modelsUri: minioStore.modelsUri,
}).contract;
const base = { spec: example("support-assistant"), store: minioStore, namespace: "finetune", hubToken: pulumi.secret("hf_test") };

describe("KubernetesFineTuningPipeline takes its pool and model-cache contracts as Inputs", () => {
  it("a pool and a model cache passed as Outputs give the same resources, names and inputs as plain ones", async () => {
    const resources = await expectSameResources((wrap: Wrap) => {
      new KubernetesFineTuningPipeline("support", { ...base, pool: wrap(pool), modelCache: wrap(cache) });
    });
    expect(resources.length).toBeGreaterThan(10);
    // The contracts reached the pods: the queue label and the cache's claim.
    const template = JSON.stringify(resources.find((r) => r.inputs.kind === "WorkflowTemplate")?.inputs);
    expect(template).toMatch(/kueue.x-k8s.io\/queue-name[^,]*l4-spot/);
    expect(template).toMatch(new RegExp(`claimName[^,]*${cache.claimName}`));
  });

  it("with both Outputs and the namespace an Output too, still the same resources", async () => {
    const plainRun = await runWithMocks(() => new KubernetesFineTuningPipeline("support", { ...base, pool }));
    const outputRun = await runWithMocks(() => new KubernetesFineTuningPipeline("support", { ...base, pool: later(pool), namespace: later("finetune") }));
    const shape = (rs: typeof plainRun.resources) =>
      rs.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })).sort((a, b) => a.name.localeCompare(b.name));
    expect(shape(outputRun.resources)).toEqual(shape(plainRun.resources));
  });

  it("placement: plain when the pool is known; from placementOutput (same value) when the pool is an Output", async () => {
    let known: KubernetesFineTuningPipeline | undefined;
    let unknown: KubernetesFineTuningPipeline | undefined;
    const { outputs } = await runWithMocks(() => {
      known = new KubernetesFineTuningPipeline("a", { ...base, pool });
      unknown = new KubernetesFineTuningPipeline("b", { ...base, pool: later(pool) });
      return { known: known.placementOutput, unknown: unknown.placementOutput };
    });
    expect(known!.placement.totalGpus).toBe(1);
    expect(outputs.unknown).toEqual(known!.placement);
    expect(outputs.known).toEqual(known!.placement);
    expect(() => unknown!.placement).toThrow(
      'KubernetesFineTuningPipeline "b": placement derives from arguments passed as Outputs and is not known at construction (read placementOutput, a pulumi.Output, instead)',
    );
    // Names do not depend on the pool.
    expect(unknown!.names).toEqual(known!.names);
  });

  it("a pool whose LocalQueue is in another namespace: at construction when known, inside apply (same message) when an Output", async () => {
    await expectSameFailureInApply(
      "namespace",
      () => new KubernetesFineTuningPipeline("support", { ...base, pool, namespace: "research" }),
      () => new KubernetesFineTuningPipeline("support", { ...base, pool: later(pool), namespace: "research" }),
    );
  });

  it("a pool too small for the spec: at construction when known, inside apply (same message) when an Output", async () => {
    const small = { ...pool, gpuMemoryGiB: 8 };
    await expectSameFailureInApply(
      "finetune:pipelines[0].compute.pool",
      () => new KubernetesFineTuningPipeline("support", { ...base, pool: small }),
      () => new KubernetesFineTuningPipeline("support", { ...base, pool: later(small) }),
    );
  });
});

describe("SageMakerFineTuningPipeline takes its pool contract as an Input", () => {
  const sm = { spec: example("support-assistant"), subnetIds: ["subnet-0a"], securityGroupIds: ["sg-01"], hubToken: pulumi.secret("hf_test") };
  const smPool = SAGEMAKER_POOLS["l4-spot"];

  it("a pool (and store) passed as Outputs give the same resources, names and inputs as plain ones", async () => {
    const resources = await expectSameResources((wrap: Wrap) => {
      new SageMakerFineTuningPipeline("support", { ...sm, pool: wrap(smPool), store: wrap(awsStore) });
    });
    expect(resources.length).toBeGreaterThan(10);
    const definition = String(resources.find((r) => r.type === "aws:sagemaker/pipeline:Pipeline")?.inputs.pipelineDefinition);
    expect(definition).toContain(smPool.instanceType);
  });

  it("the pool alone an Output (store plain): the same resources", async () => {
    await expectSameResources((wrap: Wrap) => {
      new SageMakerFineTuningPipeline("support", { ...sm, pool: wrap(smPool), store: awsStore });
    });
  });

  it("placement: plain when the pool is known; from placementOutput (same value) when it is an Output", async () => {
    let known: SageMakerFineTuningPipeline | undefined;
    let unknown: SageMakerFineTuningPipeline | undefined;
    const { outputs } = await runWithMocks(() => {
      known = new SageMakerFineTuningPipeline("a", { ...sm, pool: smPool, store: awsStore });
      unknown = new SageMakerFineTuningPipeline("b", { ...sm, pool: later(smPool), store: awsStore });
      return { unknown: unknown.placementOutput };
    });
    expect(outputs.unknown).toEqual(known!.placement);
    expect(() => unknown!.placement).toThrow('SageMakerFineTuningPipeline "b": placement derives from arguments passed as Outputs');
  });

  it("a Kubernetes pool: at construction when known, inside apply (same message) when an Output", async () => {
    await expectSameFailureInApply(
      "pool",
      () => new SageMakerFineTuningPipeline("support", { ...sm, pool: l4Pool, store: awsStore }),
      () => new SageMakerFineTuningPipeline("support", { ...sm, pool: later(l4Pool), store: awsStore }),
    );
  });

  it("a pool with smaller nodes than the spec asks for: at construction when known, inside apply (same message) when an Output", async () => {
    const spec = example("support-assistant");
    const wide = { ...sm, spec: { ...spec, compute: { ...spec.compute, gpusPerNode: 4 } } };
    await expectSameFailureInApply(
      "finetune:pipelines[0].compute.gpusPerNode",
      () => new SageMakerFineTuningPipeline("support", { ...wide, pool: smPool, store: awsStore }),
      () => new SageMakerFineTuningPipeline("support", { ...wide, pool: later(smPool), store: awsStore }),
    );
  });
});
