import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { PLAN_USAGE, planCommand } from "../../plan/cli-run";
import { planStack, writePlan } from "../../plan/plan";
import { loadStackConfigFile, stackConfigPath } from "../../plan/stack-config";
import { helmBinary } from "../validators/helm";
import { promtoolCheckRules } from "../validators/promtool";
import { validateKubernetesObject } from "../validators/kubernetes";

const root = path.resolve(__dirname, "..", "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The values helm reads from a values file: a one-template chart that prints `.Values` as JSON. */
function valuesHelmReads(valuesFile: string): unknown {
  const chart = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-echo-"));
  fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: echo\nversion: 0.1.0\n");
  fs.mkdirSync(path.join(chart, "templates"));
  fs.writeFileSync(path.join(chart, "templates", "values.yaml"), "values: {{ .Values | toJson | quote }}\n");
  const home = path.join(chart, ".home");
  const out = execFileSync(helmBinary(), ["template", "echo", chart, "-f", valuesFile], {
    encoding: "utf8",
    env: { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
  });
  fs.rmSync(chart, { recursive: true, force: true });
  return JSON.parse((parse(out.replace(/^---.*$/m, "").replace(/^#.*$/gm, "")) as { values: string }).values);
}

describe("offline plan", () => {
  it("writes helm/<release>.yaml files that helm template -f reads as exactly the kit's values", { timeout: 120_000 }, async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-plan-"));
    const result = await planStack("kubernetes", loadStackConfigFile(stackConfigPath("kubernetes")));
    const dir = writePlan(result, out);
    const releases = result.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    expect(releases.length).toBe(6);
    for (const r of releases) {
      const file = path.join(dir, "helm", `${r.name}.yaml`);
      expect(fs.readFileSync(file, "utf8")).toContain(`# chart: ${r.inputs.chart}\n# version: ${r.inputs.version}\n`);
      // JSON round trip: helm holds every number as float64 and prints it back as JSON.
      expect(valuesHelmReads(file), r.name).toEqual(JSON.parse(JSON.stringify(r.redactedInputs.values)));
    }
    // Planted fault: the YAML 1.2 writer the plan used before leaves `off` bare, and helm reads a boolean.
    const minio = releases.find((r) => r.inputs.chart === "minio")!;
    const bare = path.join(out, "yaml-1.2.yaml");
    fs.writeFileSync(bare, stringify(minio.inputs.values));
    expect(fs.readFileSync(bare, "utf8")).toContain("MINIO_BROWSER: off");
    expect((valuesHelmReads(bare) as { environment: Record<string, unknown> }).environment).toEqual({ MINIO_BROWSER: false });
  });

  it("writes every file DESIGN.md §9 lists for the kubernetes stack, each usable by its tool", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-plan-"));
    const result = await planStack("kubernetes", loadStackConfigFile(stackConfigPath("kubernetes")));
    const dir = writePlan(result, out);
    const files = walk(dir).map((f) => path.relative(dir, f));
    expect(files).toEqual(
      expect.arrayContaining([
        "resources.json",
        "policy-report.json",
        "pipelines/support-assistant.mmd",
        "pipelines/doc-classifier.mmd",
        "pipelines/legal-70b-full.mmd",
      ]),
    );
    const resources = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8")) as Array<Record<string, unknown>>;
    expect(resources).toHaveLength(result.resources.length);
    expect(Object.keys(resources[0])).toEqual(expect.arrayContaining(["type", "name", "parent", "inputs", "protect", "retainOnDelete", "dependsOn"]));
    // Secrets never reach the files.
    expect(fs.readFileSync(path.join(dir, "resources.json"), "utf8")).not.toContain("offline-placeholder-secret");
    const manifests = files.filter((f) => f.startsWith("manifests/"));
    expect(manifests.length).toBe(result.manifests.length);
    for (const f of manifests) expect(validateKubernetesObject(parse(fs.readFileSync(path.join(dir, f), "utf8")))).toEqual([]);
    const rules = files.filter((f) => f.startsWith("prometheus/"));
    expect(rules.length).toBeGreaterThan(0);
    for (const f of rules) expect(promtoolCheckRules(fs.readFileSync(path.join(dir, f), "utf8")).ok).toBe(true);
    expect(files.filter((f) => f.startsWith("dashboards/")).length).toBe(4);
    expect(files.filter((f) => f.startsWith("helm/")).length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, "pipelines/support-assistant.mmd"), "utf8")).toMatch(/^flowchart LR/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "policy-report.json"), "utf8"))).toEqual({ summary: { mandatory: 0, advisory: 0 }, violations: [] });
  });

  it("writes the SageMaker definitions of the aws-sagemaker stack", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-plan-"));
    const dir = writePlan(await planStack("aws-sagemaker", loadStackConfigFile(stackConfigPath("aws-sagemaker"))), out);
    const defs = walk(path.join(dir, "sagemaker")).map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as { Version: string });
    expect(defs.map((d) => d.Version)).toEqual(["2020-12-01", "2020-12-01"]);
  });

  it("exits 0 with a summary, 2 on invalid config and 3 on a mandatory policy violation", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-cli-"));
    const ok = execFileSync(tsx, ["plan/cli.ts", "--stack", "gcp", "--out", out], { cwd: root, encoding: "utf8" });
    expect(ok).toContain("Stack gcp (target gcp):");
    expect(ok).toContain("Policies: 0 mandatory violation(s)");
    expect(ok).toMatch(/support-assistant: qlora 8\.0B on l4-spot: 1 node × 1 GPU/);

    const example = parse(fs.readFileSync(stackConfigPath("gcp"), "utf8")) as { config: Record<string, unknown> };
    const badFile = path.join(out, "bad.yaml");
    fs.writeFileSync(badFile, stringify({ config: { ...example.config, "finetune:gcp": { project: "acme-ml-prod" } } }));
    const bad = spawnSync(tsx, ["plan/cli.ts", "--stack", "gcp", "--config", badFile, "--out", out], { cwd: root, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("finetune:gcp.region: is required (set it to a string)");

    // Turning off protection of the artifact store is a data-loss risk the pack refuses.
    const carelessFile = path.join(out, "careless.yaml");
    const store = example.config["finetune:artifactStore"] as Record<string, unknown>;
    fs.writeFileSync(carelessFile, stringify({ config: { ...example.config, "finetune:artifactStore": { ...store, protect: false } } }));
    const careless = spawnSync(tsx, ["plan/cli.ts", "--stack", "gcp", "--config", carelessFile, "--out", out], { cwd: root, encoding: "utf8" });
    expect(careless.status).toBe(3);
    expect(careless.stdout).toContain("[mandatory] stateful-resources-protected");

    const usage = spawnSync(tsx, ["plan/cli.ts", "--stack", "azure"], { cwd: root, encoding: "utf8" });
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('unknown stack "azure" (use one of kubernetes, gcp, aws-sagemaker)');
    // Four CLI runs of a whole stack each: give them room on a loaded 2-core machine.
  }, 240_000);

  it("the CLI as a subprocess: --help exits 0, a YAML syntax error and a config of another stack exit 2 with keyed lines", () => {
    const help = spawnSync(tsx, ["plan/cli.ts", "--help"], { cwd: root, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run plan -- --stack <kubernetes\|gcp\|aws-sagemaker> \[--config FILE\] \[--out DIR\]\n/);
    expect(help.stderr).toBe("");

    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ftk-cli-"));
    const broken = path.join(out, "broken.yaml");
    fs.writeFileSync(broken, "config:\n  finetune:target: gcp\n\tfinetune:name: x\u001b[2J\n");
    const yamlError = spawnSync(tsx, ["plan/cli.ts", "--stack", "gcp", "--config", broken, "--out", out], { cwd: root, encoding: "utf8" });
    expect(yamlError.status).toBe(2);
    expect(yamlError.stderr).toBe(
      `Invalid finetune-kit configuration (1 problem):\n  ${broken}:3:1: Tabs are not allowed as indentation (indent with spaces, not tabs)\n`,
    );

    const mismatch = spawnSync(tsx, ["plan/cli.ts", "--stack", "gcp", "--config", stackConfigPath("kubernetes"), "--out", out], {
      cwd: root,
      encoding: "utf8",
    });
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr).toBe(
      'Invalid finetune-kit configuration (1 problem):\n  finetune:target: is "kubernetes" but the stack is "gcp" (use the gcp stack\'s config, e.g. stacks/Pulumi.gcp.yaml, or select the stack "kubernetes")\n',
    );
    expect(fs.existsSync(path.join(out, "gcp"))).toBe(false);
  });

  it("planCommand in-process: usage errors exit 1, an --out that is a file is a usage error, not a stack trace", async () => {
    const run = async (argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await planCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    };
    expect(await run(["-h"])).toEqual({ code: 0, stdout: `${PLAN_USAGE}\n`, stderr: "" });
    expect(await run(["--stack"])).toEqual({ code: 1, stdout: "", stderr: `--stack needs a value\n${PLAN_USAGE}\n` });
    expect(await run(["--stack", "gcp", "--banana"])).toEqual({ code: 1, stdout: "", stderr: `unknown argument --banana\n${PLAN_USAGE}\n` });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ftk-cli-")), "not-a-folder");
    fs.writeFileSync(file, "");
    const blocked = await run(["--stack=aws-sagemaker", `--out=${file}`]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(
      new RegExp(`^cannot write the plan under ${file}: (ENOTDIR|EEXIST) \\(choose another --out folder, one you can write to\\)\n$`),
    );
  });
});
