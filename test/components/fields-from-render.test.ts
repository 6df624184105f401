import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { fieldsFromRender } from "../../components/validation";
import { later, settle } from "../monitoring/input-harness";

describe("fieldsFromRender: shape decided now, fields from the render on resolved inputs", () => {
  it("keeps the named fields from the placeholder render and takes every other field from the real one", async () => {
    const shape = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x-script", namespace: "<unknown>" }, data: { a: "1" } };
    const real: pulumi.Output<Record<string, unknown>> = later<Record<string, unknown>>({
      apiVersion: "v9",
      kind: "Other",
      metadata: { name: "x-script", namespace: "team-a" },
      data: { a: "2" },
      extra: true,
    });
    const fields = fieldsFromRender(shape, real, ["apiVersion", "kind"]);
    expect(Object.keys(fields)).toEqual(["apiVersion", "kind", "metadata", "data"]);
    expect(fields.apiVersion).toBe("v1");
    expect(fields.kind).toBe("ConfigMap");
    expect(pulumi.Output.isInstance(fields.metadata)).toBe(true);
    expect(await settle(fields.metadata as pulumi.Output<unknown>)).toEqual({ name: "x-script", namespace: "team-a" });
    expect(await settle(fields.data as pulumi.Output<unknown>)).toEqual({ a: "2" });
  });
});
