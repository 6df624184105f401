/**
 * The pack as the Pulumi CLI runs it: `policy/` is started with the SDK's own policy-pack runner
 * (`@pulumi/pulumi/cmd/run-policy-pack`, which loads index.ts through ts-node with type checking, exactly as
 * `pulumi preview --policy-pack policy` does), and the analyzer is asked over gRPC what it holds and what it
 * finds. Its answers must equal what `runPolicies` (used by `npm run plan` and every other test) reports.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPolicies, policies, type PolicyResource, type PolicyViolation } from "../../policy/engine";
import { bucket, carelessJob, gkeGpuPool, privilegedJob } from "./cases";
import { PROJECT, STACK } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const ROOT = path.resolve(__dirname, "../..");
const PACK_DIR = path.join(ROOT, "policy");
const RUNNER = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [ROOT] });
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let child: ChildProcess | undefined;
let client: any;
let stderr = "";

type Call = (req: unknown, cb: (err: Error | null, res: any) => void) => void;
function call<T>(method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => (client[method] as Call).call(client, req, (err, res) => (err ? reject(err) : resolve(res as T))));
}

function options(r: PolicyResource) {
  const o = new analyzerPb.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  if (r.parent) o.setParent(r.parent);
  return o;
}

/** The engine shows a violation as the policy's description, a newline, and the message `runPolicies` records. */
function asShown(v: PolicyViolation): PolicyViolation {
  const p = policies.find((x) => x.name === v.policy);
  return { ...v, message: `${p?.description}\n${v.message}` };
}

function diagnostics(res: any): PolicyViolation[] {
  return res.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    enforcementLevel: LEVELS[d.getEnforcementlevel()],
    ...(d.getUrn() ? { urn: d.getUrn() } : {}),
    message: d.getMessage(),
  }));
}

async function analyze(r: PolicyResource): Promise<PolicyViolation[]> {
  const req = new analyzerPb.AnalyzeRequest();
  req.setType(r.type);
  req.setName(r.name);
  req.setUrn(r.urn);
  req.setProperties(Struct.fromJavaScript(r.inputs));
  req.setOptions(options(r));
  return diagnostics(await call("analyze", req));
}

async function analyzeStack(resources: PolicyResource[]): Promise<PolicyViolation[]> {
  const req = new analyzerPb.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const a = new analyzerPb.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(r.urn);
      a.setProperties(Struct.fromJavaScript(r.inputs));
      a.setOptions(options(r));
      if (r.parent) a.setParent(r.parent);
      a.setDependenciesList(r.dependsOn);
      return a;
    }),
  );
  return diagnostics(await call("analyzeStack", req));
}

beforeAll(async () => {
  // What the CLI does for a local Node.js pack: run the SDK's runner in the pack's folder with the pack as program.
  child = spawn(process.execPath, [RUNNER, "127.0.0.1:0", "."], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr?.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child?.stdout?.on("data", (d) => {
      out += String(d);
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child?.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const cfg = new analyzerPb.AnalyzerStackConfigureRequest();
  cfg.setStack(STACK);
  cfg.setProject(PROJECT);
  await call("configureStack", cfg);
}, 120_000);

afterAll(() => {
  client?.close();
  child?.kill();
});

describe("finetune-guard under the Pulumi policy runner", () => {
  it("serves the pack with every policy, level, description, remediation and config schema", async () => {
    const info = await call<any>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("finetune-guard");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getSupportsconfig()).toBe(true);
    const served = info.getPoliciesList().map((p: any) => ({
      name: p.getName(),
      description: p.getDescription(),
      enforcementLevel: LEVELS[p.getEnforcementlevel()],
      remediation: p.getRemediationSteps(),
      config: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}).sort(),
    }));
    expect(served).toEqual(
      policies.map((p) => ({
        name: p.name,
        description: p.description,
        enforcementLevel: p.enforcementLevel,
        remediation: p.remediationSteps,
        config: Object.keys(p.configSchema.properties).sort(),
      })),
    );
  });

  it("reports per resource exactly what runPolicies reports", async () => {
    for (const r of [carelessJob(), privilegedJob(), gkeGpuPool({ autoscaling: { totalMinNodeCount: 2 } }, { serviceAccount: "default" })]) {
      const expected = runPolicies([r], {}).filter((v) => policies.find((p) => p.name === v.policy)?.kind === "resource");
      const got = await analyze(r);
      // Per-resource diagnostics carry no URN on the wire: the engine ties them to the resource it asked about.
      expect(got).toEqual(expected.map(asShown).map(({ urn: _urn, ...v }) => v));
      expect(got.length).toBeGreaterThan(0);
    }
  });

  it("reports for the stack exactly what runPolicies reports", async () => {
    const resources = [carelessJob(), bucket("open"), gkeGpuPool()];
    const expected = runPolicies(resources, {}).filter((v) => policies.find((p) => p.name === v.policy)?.kind === "stack");
    const got = await analyzeStack(resources);
    expect(got).toEqual(expected.map(asShown));
    expect(got.map((v) => v.policy)).toContain("s3-public-access-block");
  });

  it("judges inputs unknown during preview without failing the policy", async () => {
    const pool = gkeGpuPool({}, { serviceAccount: UNKNOWN_STRING });
    expect(await analyze(pool)).toEqual([]);
  });
});
