import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as rootApi from "../index";
import * as awsApi from "../api/aws";
import * as gcpApi from "../api/gcp";
import * as kubernetesApi from "../api/kubernetes";

const root = path.resolve(__dirname, "..");
const ENTRIES = { kubernetes: "api/kubernetes.ts", aws: "api/aws.ts", gcp: "api/gcp.ts" } as const;
type Entry = keyof typeof ENTRIES;

/**
 * Root exports no per-cloud entry offers, each with the reason. Empty today: every public name has a home in
 * `finetune-kit/kubernetes`, `finetune-kit/aws` or `finetune-kit/gcp`.
 */
const ROOT_ONLY: Record<string, string> = {};

/**
 * Every export (value or type) of each file, as `name -> declaring file:position`: the TypeScript checker follows
 * re-exports to the declaration. Modules under node_modules read as empty (the kit's own exports never resolve
 * there), which keeps the program small (~3 s instead of ~25 s with the cloud SDKs' typings).
 */
function exportsOf(files: string[]): Map<string, Map<string, string>> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    noEmit: true,
    noLib: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (file.includes("/node_modules/") ? ts.createSourceFile(file, "export {};", lang) : read(file, lang, ...rest));
  const program = ts.createProgram(
    files.map((f) => path.join(root, f)),
    options,
    host,
  );
  const checker = program.getTypeChecker();
  return new Map(
    files.map((f) => {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, f))!)!;
      const names = new Map<string, string>();
      for (const e of checker.getExportsOfModule(moduleSymbol)) {
        const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
        const decl = target.declarations![0];
        names.set(e.name, `${path.relative(root, decl.getSourceFile().fileName)}:${decl.pos}`);
      }
      return [f, names];
    }),
  );
}

/** Packages under node_modules that requiring `file` (through tsx, in a fresh node process) loads. */
async function loadedPackages(file: string): Promise<string[]> {
  const script = `require(${JSON.stringify(path.join(root, file))});
const found = new Set();
for (const k of Object.keys(require.cache)) { const m = /node_modules\\/(@pulumi\\/[^/]+)\\//.exec(k); if (m) found.add(m[1]); }
process.stdout.write(JSON.stringify([...found].sort()));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", script], { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as string[];
}

describe("per-cloud entry points", () => {
  it("every entry export (value or type) is the root's export of that name; every root export has an entry", () => {
    const all = exportsOf(["index.ts", ...Object.values(ENTRIES)]);
    const rootNames = all.get("index.ts")!;
    const offered = new Set<string>();
    for (const file of Object.values(ENTRIES)) {
      const mismatched = [...all.get(file)!].filter(([name, decl]) => rootNames.get(name) !== decl).map(([name]) => `${file}: ${name}`);
      expect(mismatched).toEqual([]);
      for (const name of all.get(file)!.keys()) offered.add(name);
    }
    expect([...rootNames.keys()].filter((n) => !offered.has(n) && !(n in ROOT_ONLY))).toEqual([]);
    expect(Object.keys(ROOT_ONLY).filter((n) => offered.has(n) || !rootNames.has(n))).toEqual([]);
    // The clouds share the Kubernetes entry and add only their own components.
    expect(all.get(ENTRIES.aws)!.has("EksGpuNodePool")).toBe(true);
    expect(all.get(ENTRIES.aws)!.has("GkeGpuNodePool")).toBe(false);
    expect(all.get(ENTRIES.gcp)!.has("GkeGpuNodePool")).toBe(true);
    expect(all.get(ENTRIES.gcp)!.has("AwsArtifactRegistry")).toBe(false);
    expect(all.get(ENTRIES.kubernetes)!.has("KubernetesFineTuningPipeline")).toBe(true);
  });

  it("at run time each entry's values are the very objects the root exports (one class per component)", () => {
    const entries: Record<Entry, Record<string, unknown>> = { kubernetes: kubernetesApi, aws: awsApi, gcp: gcpApi };
    const rootValues = rootApi as Record<string, unknown>;
    for (const [entry, values] of Object.entries(entries)) {
      const differing = Object.keys(values).filter((k) => values[k] !== rootValues[k]);
      expect(differing, entry).toEqual([]);
    }
    expect(Object.keys(kubernetesApi).length).toBeGreaterThan(200);
    expect(awsApi.EksGpuNodePool).toBe(rootApi.EksGpuNodePool);
    expect(gcpApi.KubernetesFineTuningPipeline).toBe(kubernetesApi.KubernetesFineTuningPipeline);
  });

  it("finetune-kit/kubernetes loads neither cloud SDK, /aws never loads @pulumi/gcp, /gcp never loads @pulumi/aws", async () => {
    const [kubernetes, aws, gcp, everything] = await Promise.all([...Object.values(ENTRIES), "index.ts"].map(loadedPackages));
    expect(kubernetes).toEqual(expect.arrayContaining(["@pulumi/kubernetes", "@pulumi/pulumi"]));
    expect(kubernetes.filter((p) => p === "@pulumi/aws" || p === "@pulumi/gcp")).toEqual([]);
    expect(aws).toContain("@pulumi/aws");
    expect(aws).not.toContain("@pulumi/gcp");
    expect(gcp).toContain("@pulumi/gcp");
    expect(gcp).not.toContain("@pulumi/aws");
    // The probe sees a cloud SDK when one is loaded: the root entry loads both.
    expect(everything).toEqual(expect.arrayContaining(["@pulumi/aws", "@pulumi/gcp"]));
  }, 120_000);
});
