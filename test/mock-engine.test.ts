import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { runWithMocks } from "../plan/mock-engine";

class Comp extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("finetune:test:Comp", name, {}, opts);
    new aws.s3.BucketV2(`${name}-bucket`, {}, { parent: this, protect: true, retainOnDelete: true });
    this.registerOutputs({});
  }
}

describe("mock engine", () => {
  it("records type, parent, protect, retainOnDelete, provider and dependsOn", async () => {
    const { resources, outputs } = await runWithMocks(() => {
      const provider = new k8s.Provider("k8s", { context: "ctx" });
      const c = new Comp("c");
      const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "ft" } }, { provider, dependsOn: [c] });
      return { ns: ns.metadata.name };
    });
    const bucket = resources.find((r) => r.type === "aws:s3/bucketV2:BucketV2")!;
    const comp = resources.find((r) => r.type === "finetune:test:Comp")!;
    expect(bucket.parent).toBe(comp.urn);
    expect(bucket.protect).toBe(true);
    expect(bucket.retainOnDelete).toBe(true);
    const ns = resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    expect(ns.provider).toMatch(/pulumi:providers:kubernetes::k8s$/);
    // dependsOn on a component expands to the component's custom children, as the engine does.
    expect(ns.dependsOn).toContain(bucket.urn);
    expect(ns.inputs.apiVersion).toBe("v1");
    expect(outputs.ns).toBe("ft");
  });

  it("starts each run clean", async () => {
    const a = await runWithMocks(() => {
      new aws.s3.BucketV2("one", {});
    });
    const b = await runWithMocks(() => {
      new aws.s3.BucketV2("two", {});
    });
    expect(a.resources.map((r) => r.name)).toEqual(["one"]);
    expect(b.resources.map((r) => r.name)).toEqual(["two"]);
  });
});

describe("mock engine secrets", () => {
  it("unwraps secrets in inputs and redacts them in redactedInputs", async () => {
    const { resources } = await runWithMocks(() => {
      new k8s.core.v1.Secret("s", { metadata: { name: "hub" }, stringData: { token: pulumi.secret("hf_live") } });
    });
    const s = resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(s.inputs.stringData).toEqual({ token: "hf_live" });
    expect(JSON.stringify(s.redactedInputs)).not.toContain("hf_live");
    // The SDK marks the whole property secret when any value inside it is.
    expect(s.redactedInputs.stringData).toBe("[secret]");
  });
});
