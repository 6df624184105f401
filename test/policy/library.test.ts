import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..", "..");

describe("finetune-kit/policy as a library", () => {
  it("loads from a directory without package.json, starts no policy server, and runs the pack over plain resources", () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-policy-lib-"));
    const script = `
      const lib = require(${JSON.stringify(path.join(root, "policy", "library.ts"))});
      const loaded = Object.keys(require.cache).filter((k) => /@pulumi[\\\\/]policy[\\\\/](server|policy)\\.js$/.test(k));
      const v = lib.runPolicies([{ type: "kubernetes:core/v1:Pod", name: "p", urn: "urn:pulumi:s::p::kubernetes:core/v1:Pod::p",
        inputs: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox:1.37", securityContext: { privileged: true } }] } },
        protect: false, retainOnDelete: false, dependsOn: [] }]);
      console.log(JSON.stringify({ loaded, policies: lib.policies.length, privileged: v.filter((x) => x.policy === "pss-no-privileged").length,
        mandatory: lib.mandatoryViolations(v).length > 0 }));
    `;
    const r = spawnSync(process.execPath, ["--require", createRequire(__filename).resolve("tsx/cjs"), "-e", script], {
      cwd,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NODE_PATH: path.join(root, "node_modules") },
    });
    expect(r.stderr).not.toMatch(/Version must be defined/);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    expect(out.loaded).toEqual([]);
    expect(out.policies).toBeGreaterThanOrEqual(40);
    expect(out.privileged).toBe(1);
    expect(out.mandatory).toBe(true);
  });
});
