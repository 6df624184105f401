import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { applySections } from "../plan/docs";
import { configReferenceRows } from "../plan/config-reference";
import { generatedSections } from "../plan/readme-sections";
import { componentArgRows, componentArgsTable } from "../plan/args-table";
import { COMPONENT_ARGS } from "../plan/component-args";

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

  it("the arguments table lists every component's every argument as Input or plain, with the reason where plain", () => {
    const table = componentArgsTable();
    expect(readme).toContain(`### Which arguments take outputs`);
    expect(readme).toContain(table);
    const lines = table.split("\n").slice(2);
    expect(lines.length).toBe(COMPONENT_ARGS.reduce((n, c) => n + componentArgRows(c).length, 0));
    for (const line of lines) {
      const [component, argument, kind, reason] = line.split(" | ").map((x) => x.replace(/^\| ?| ?\|$/g, ""));
      expect(["Input", "plain"], `${component} ${argument}`).toContain(kind);
      if (kind === "plain") expect(reason.trim().length, `${component} ${argument}`).toBeGreaterThan(15);
    }
    expect(table).toContain("| KueueGpuPool | `pool` | Input |  |");
    expect(table).toContain("| GcpArtifactRegistry | `project` | plain | decides the default bucket name");
  });
});
