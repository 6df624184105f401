import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { missingTools } from "./global-setup";

describe("suite preflight (test/global-setup.ts)", () => {
  const saved = { PATH: process.env.PATH, PROMTOOL: process.env.PROMTOOL, HELM: process.env.HELM };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("finds promtool and helm on this machine", () => {
    expect(missingTools(path.resolve(__dirname, ".."), false)).toEqual([]);
  });

  it("names the one command to run for each missing tool", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-path-"));
    process.env.PATH = empty;
    delete process.env.PROMTOOL;
    delete process.env.HELM;
    expect(missingTools(empty, false)).toEqual([
      "promtool not found: run `sudo apt-get install -y prometheus` (or set PROMTOOL to a promtool binary)",
      `helm not found (tried $HELM, the PATH and ${path.resolve(empty, "..", "shared", "bin", "helm")}): check out shared/ beside the repository, or install helm v4 and put it on the PATH`,
    ]);
  });

  it("takes tools from PROMTOOL and HELM", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-tools-"));
    for (const t of ["promtool", "helm"]) fs.writeFileSync(path.join(dir, t), "#!/bin/sh\n", { mode: 0o755 });
    process.env.PATH = dir + "-nothing";
    process.env.PROMTOOL = path.join(dir, "promtool");
    process.env.HELM = path.join(dir, "helm");
    expect(missingTools(dir, false)).toEqual([]);
  });
});
