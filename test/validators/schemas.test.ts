import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot, schemasDir } from "./schemas";
import { validateKubernetesObject } from "./kubernetes";
import { validateSageMakerDefinition } from "./sagemaker";

// Where the upstream schemas come from, and what happens when they are missing (a failure, never a skip).

const saved = process.env.FINETUNE_KIT_SCHEMAS;
afterEach(() => {
  if (saved === undefined) delete process.env.FINETUNE_KIT_SCHEMAS;
  else process.env.FINETUNE_KIT_SCHEMAS = saved;
});

describe("schemasDir", () => {
  it("defaults to ../shared/schemas from the repository root, whatever the working directory", () => {
    delete process.env.FINETUNE_KIT_SCHEMAS;
    expect(repoRoot()).toBe(path.resolve(__dirname, "..", ".."));
    expect(schemasDir()).toBe(path.resolve(repoRoot(), "..", "shared", "schemas"));
  });

  it("takes FINETUNE_KIT_SCHEMAS (relative paths from the repository root)", () => {
    process.env.FINETUNE_KIT_SCHEMAS = "../shared/schemas/";
    expect(schemasDir()).toBe(path.resolve(repoRoot(), "..", "shared", "schemas"));
  });

  it("fails naming the path tried, where it came from and how to get the data", () => {
    process.env.FINETUNE_KIT_SCHEMAS = "/nonexistent/schemas";
    expect(() => schemasDir()).toThrow(
      "upstream schema folder not found: /nonexistent/schemas (from FINETUNE_KIT_SCHEMAS=/nonexistent/schemas). Set FINETUNE_KIT_SCHEMAS to a folder holding kubernetes/, crds/ and sagemaker/",
    );
  });

  it("makes the validators fail (not pass, not skip) when the folder is missing", () => {
    process.env.FINETUNE_KIT_SCHEMAS = "/nonexistent/schemas";
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: { containers: [] } } } };
    expect(() => validateKubernetesObject(job)).toThrow("upstream schema folder not found: /nonexistent/schemas");
    expect(() => validateSageMakerDefinition({ Version: "2020-12-01", Steps: [] })).toThrow("upstream schema folder not found");
  });
});
