import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { applySections } from "../plan/docs";
import { configReferenceRows } from "../plan/config-reference";
import { generatedSections } from "../plan/readme-sections";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");

describe("README sections generated from code", () => {
  it("are up to date (run npm run docs)", () => {
    expect(applySections(readme, generatedSections())).toBe(readme);
  });

  it("the config reference lists every top-level key of the schema, with types, defaults and descriptions", () => {
    const rows = configReferenceRows();
    const top = rows.filter((r) => !r.key.slice("finetune:".length).includes(".") && !r.key.includes("["));
    expect(top.map((r) => r.key)).toEqual([
      "finetune:target",
      "finetune:name",
      "finetune:kubernetes",
      "finetune:gcp",
      "finetune:aws",
      "finetune:gpuPools",
      "finetune:driverStack",
      "finetune:artifactStore",
      "finetune:monitoring",
      "finetune:pipelines",
    ]);
    expect(rows.find((r) => r.key === "finetune:kubernetes.context")).toMatchObject({
      type: "string",
      required: true,
      description: expect.stringContaining("kubeconfig context"),
    });
    expect(rows.find((r) => r.key === "finetune:gpuPools[].minNodes")).toMatchObject({ default: "`0`" });
    // Every key a user can set appears; a row without a description is allowed, a missing key is not.
    expect(rows.length).toBeGreaterThan(150);
  });
});
