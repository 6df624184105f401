import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { KubernetesFineTuningPipeline } from "../../components/pipeline/kubernetes";
import { SageMakerFineTuningPipeline } from "../../components/pipeline/sagemaker";
import { runWithMocks, type RecordedResource } from "../../plan/mock-engine";
import { awsStore, example, l4Pool, minioStore, prometheusMonitoring, SAGEMAKER_POOLS } from "./fixtures";

/** An Output the engine resolves only at deployment (as another resource's or stack's value would be). */
const later = <T>(v: T): pulumi.Output<T> => pulumi.output(new Promise<T>((resolve) => setTimeout(() => resolve(v), 5))) as unknown as pulumi.Output<T>;
/** Name, type, parent and inputs of every resource, in a stable order (what must not change with Inputs). */
const shape = (rs: RecordedResource[]) =>
  rs
    .map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs }))
    .sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));

describe("KubernetesFineTuningPipeline takes its contracts and namespace as Inputs", () => {
  const spec = example("support-assistant");
  const args = { spec, pool: l4Pool, hubToken: pulumi.secret("hf_test_token") };

  it("creates the same resources, names and inputs from outputs as from plain values", async () => {
    const plain = await runWithMocks(
      () =>
        new KubernetesFineTuningPipeline("support", {
          ...args,
          store: minioStore,
          namespace: "finetune",
          monitoring: prometheusMonitoring,
          servingClientNamespaces: ["apps"],
        }),
    );
    const outputs = await runWithMocks(
      () =>
        new KubernetesFineTuningPipeline("support", {
          ...args,
          store: later(minioStore),
          namespace: later("finetune"),
          monitoring: later(prometheusMonitoring),
          servingClientNamespaces: later(["apps"]),
        }),
    );
    expect(shape(outputs.resources).length).toBeGreaterThan(10);
    expect(shape(outputs.resources)).toEqual(shape(plain.resources));
  });

  it("accepts the AWS registry's contract with account-dependent fields as outputs (as AwsArtifactRegistry.contract is without accountId)", async () => {
    const { containerRegistry, identity, kmsKeyId, ...rest } = awsStore;
    const plain = await runWithMocks(() => new KubernetesFineTuningPipeline("support", { ...args, store: awsStore, namespace: "finetune" }));
    const outputs = await runWithMocks(
      () =>
        new KubernetesFineTuningPipeline("support", {
          ...args,
          store: { ...rest, containerRegistry: later(containerRegistry), identity: later(identity), kmsKeyId: later(kmsKeyId ?? "") },
          namespace: "finetune",
        }),
    );
    expect(shape(outputs.resources)).toEqual(shape(plain.resources));
  });

  it("keeps submitCommand an output of the namespace", async () => {
    const { outputs } = await runWithMocks(() => ({
      submit: new KubernetesFineTuningPipeline("support", { ...args, store: minioStore, namespace: later("finetune") }).submitCommand,
    }));
    expect(outputs.submit).toBe("argo submit --from workflowtemplate/support-assistant -n finetune");
  });
});

describe("SageMakerFineTuningPipeline takes its store as an Input", () => {
  const base = {
    spec: example("support-assistant"),
    pool: SAGEMAKER_POOLS["l4-spot"],
    subnetIds: ["subnet-0a"],
    securityGroupIds: ["sg-01"],
    hubToken: pulumi.secret("hf_test"),
  };

  it("creates the same resources, names and inputs from a store output as from a plain store", async () => {
    const plain = await runWithMocks(() => new SageMakerFineTuningPipeline("support", { ...base, store: awsStore }));
    const outputs = await runWithMocks(() => new SageMakerFineTuningPipeline("support", { ...base, store: later(awsStore) }));
    expect(shape(outputs.resources).length).toBeGreaterThan(10);
    expect(shape(outputs.resources)).toEqual(shape(plain.resources));
  });
});
