import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { renderMermaid } from "../pipelines/mermaid";
import { describeSizing, sizePipeline } from "../pipelines/sizing";
import { preflight } from "../stacks/preflight";
import { mandatoryViolations, policyReport, runPolicies, type PolicyViolation } from "../policy/engine";
import { main } from "../stacks/main";
import { parseKitConfig } from "../stacks/config/load";
import type { KitConfig } from "../stacks/config/schema";
import { imagePlanFiles } from "./images";
import { costLines, costReport, POOL_PLATFORM, type CostReport } from "./cost";
import { coldStartLines, coldStartReport, type ColdStartReport } from "./coldstart";
import { manifestsOf, type KubernetesManifest } from "./manifests";
import { runWithMocks, type RecordedResource } from "./mock-engine";
import type { EngineConfig } from "./stack-config";

/** Everything an offline plan produced. */
export interface PlanResult {
  stack: string;
  config: KitConfig;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  manifests: KubernetesManifest[];
  violations: PolicyViolation[];
  /** GPU sizing of each pipeline on its pool (one line each). */
  sizing: string[];
  /** Cost and time per pipeline and the idle cost (cost.json). */
  cost: CostReport;
  /** Time from a spot preemption to the first step again, per pipeline (coldstart.json). */
  coldStart: ColdStartReport;
}

/** GPU sizing of every pipeline against the pool it names (the same check the stacks run before deploying). */
export function sizingLines(config: KitConfig): string[] {
  const { plannedPools } = preflight(config, POOL_PLATFORM[config.target]);
  return config.pipelines.map((spec) => {
    const pool = plannedPools.get(spec.compute.pool);
    return pool ? describeSizing(spec, sizePipeline(spec, pool)) : `${spec.name}: no pool "${spec.compute.pool}"`;
  });
}

/** Strips the namespace from engine config and types it (throws ConfigError on invalid config). */
export function kitConfigOf(engine: EngineConfig): KitConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(engine.config)) {
    if (!k.startsWith("finetune:")) continue;
    try {
      raw[k.slice("finetune:".length)] = JSON.parse(v);
    } catch {
      raw[k.slice("finetune:".length)] = v;
    }
  }
  return parseKitConfig(raw);
}

/** Runs a stack program under mocks with the given config and the policy pack over its resources. */
export async function planStack(stack: string, engine: EngineConfig): Promise<PlanResult> {
  const config = kitConfigOf(engine);
  const { resources, outputs } = await runWithMocks(() => main(), { project: "finetune", stack, config: engine.config, secretKeys: engine.secretKeys });
  const violations = runPolicies(resources, { "pulumi:project": "finetune", "pulumi:stack": stack });
  return {
    stack,
    config,
    resources,
    outputs,
    manifests: manifestsOf(resources),
    violations,
    sizing: sizingLines(config),
    cost: costReport(config),
    coldStart: coldStartReport(config),
  };
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * A Helm release as a values file `helm template -f` reads exactly as the kit passes the values: chart, pinned
 * version, repository and namespace in a comment header, the values at the top level, written as YAML 1.1
 * (what helm's parser speaks), so that strings such as `off`, `yes` or `0755` are quoted and stay strings.
 */
export function helmValuesFile(r: RecordedResource): string {
  const { name, chart, version, namespace, repositoryOpts, values } = r.redactedInputs as {
    name?: string;
    chart?: string;
    version?: string;
    namespace?: string;
    repositoryOpts?: { repo?: string };
    values?: Record<string, unknown>;
  };
  const repo = repositoryOpts?.repo;
  const header = [
    `# Helm release ${name ?? r.name} (Pulumi resource ${r.name})`,
    `# chart: ${chart}`,
    `# version: ${version}`,
    ...(repo ? [`# repository: ${repo}`] : []),
    `# namespace: ${namespace}`,
    `# helm template ${name ?? r.name} ${chart} --version ${version}${repo ? ` --repo ${repo}` : ""} --namespace ${namespace} -f <this file>`,
  ];
  return `${header.join("\n")}\n${stringify(values ?? {}, { version: "1.1" })}`;
}

/** Files a plan writes, relative to `<out>/<stack>/`. */
export function planFiles(result: PlanResult): Map<string, string> {
  const files = new Map<string, string>();
  const resources = result.resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    parent: r.parent,
    inputs: r.redactedInputs,
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    dependsOn: r.dependsOn,
    provider: r.provider,
  }));
  files.set("resources.json", JSON.stringify(resources, null, 2));

  result.manifests.forEach((m, i) => {
    const ns = m.metadata.namespace ? `${m.metadata.namespace}-` : "";
    files.set(`manifests/${String(i + 1).padStart(3, "0")}-${safe(m.kind.toLowerCase())}-${safe(ns + (m.metadata.name ?? "unnamed"))}.yaml`, stringify(m));
    if (m.kind === "PrometheusRule" && m.spec) {
      files.set(`prometheus/${safe(m.metadata.name ?? `rules-${i}`)}.rules.yaml`, stringify(m.spec));
    }
    if (m.kind === "ConfigMap" && m.metadata.labels && "grafana_dashboard" in m.metadata.labels) {
      for (const [k, v] of Object.entries((m.data ?? {}) as Record<string, string>)) {
        if (k.endsWith(".json")) files.set(`dashboards/${safe(k)}`, JSON.stringify(JSON.parse(v), null, 2));
      }
    }
  });

  for (const r of result.resources) {
    if (r.type === "kubernetes:helm.sh/v3:Release") files.set(`helm/${safe(r.name)}.yaml`, helmValuesFile(r));
    if (r.type === "aws:sagemaker/pipeline:Pipeline" && typeof r.inputs.pipelineDefinition === "string") {
      files.set(`sagemaker/${safe(String(r.inputs.pipelineName ?? r.name))}.json`, JSON.stringify(JSON.parse(r.inputs.pipelineDefinition), null, 2));
    }
    if (r.type === "aws:cloudwatch/dashboard:Dashboard" && typeof r.inputs.dashboardBody === "string") {
      files.set(`dashboards/cloudwatch-${safe(String(r.inputs.dashboardName ?? r.name))}.json`, JSON.stringify(JSON.parse(r.inputs.dashboardBody), null, 2));
    }
    if (r.type === "gcp:monitoring/dashboard:Dashboard" && typeof r.inputs.dashboardJson === "string") {
      files.set(`dashboards/cloud-monitoring-${safe(r.name)}.json`, JSON.stringify(JSON.parse(r.inputs.dashboardJson), null, 2));
    }
  }

  for (const p of result.config.pipelines) files.set(`pipelines/${safe(p.name)}.mmd`, renderMermaid(p));

  for (const [rel, text] of imagePlanFiles(result.config, result.manifests)) files.set(rel, text);
  files.set("policy-report.json", JSON.stringify(policyReport(result.violations), null, 2));
  files.set("cost.json", JSON.stringify(result.cost, null, 2));
  files.set("coldstart.json", JSON.stringify(result.coldStart, null, 2));
  return files;
}

/** Writes the plan under `<outDir>/<stack>/`, replacing an earlier plan of the same stack. Returns the folder. */
export function writePlan(result: PlanResult, outDir: string): string {
  const dir = path.resolve(outDir, result.stack);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of planFiles(result)) writeFile(path.join(dir, rel), text);
  return dir;
}

/** A readable summary: resource tree by component, counts, pipelines, policy results. */
export function summarize(result: PlanResult): string {
  const lines: string[] = [];
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const children = new Map<string, RecordedResource[]>();
  const roots: RecordedResource[] = [];
  for (const r of result.resources) {
    const p = r.parent && byUrn.has(r.parent) ? r.parent : undefined;
    if (p) children.set(p, [...(children.get(p) ?? []), r]);
    else roots.push(r);
  }
  const count = (r: RecordedResource): number => (children.get(r.urn) ?? []).reduce((n, c) => n + 1 + count(c), 0);
  const custom = result.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length;
  lines.push(
    `Stack ${result.stack} (target ${result.config.target}): ${result.resources.length} resources (${custom} cloud/cluster objects, ${result.resources.length - custom} components/providers)`,
  );
  lines.push("");
  lines.push("Resource tree:");
  const walk = (r: RecordedResource, depth: number): void => {
    const kids = children.get(r.urn) ?? [];
    const n = count(r);
    lines.push(`${"  ".repeat(depth + 1)}${r.custom ? "" : "▸ "}${r.name} (${r.type})${n ? ` — ${n} below` : ""}${r.protect ? " [protected]" : ""}`);
    if (!r.custom) for (const c of kids) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  lines.push("");
  const types = new Map<string, number>();
  for (const r of result.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
  lines.push("Counts by type:");
  for (const [t, n] of [...types.entries()].sort()) lines.push(`  ${String(n).padStart(4)}  ${t}`);
  lines.push("");
  lines.push(`Kubernetes objects: ${result.manifests.length}`);
  lines.push(`Pipelines (GPU sizing): ${result.config.pipelines.length ? "" : "none"}`);
  for (const s of result.sizing) lines.push(`  ${s}`);
  lines.push("Cost and time (estimates, see cost.json):");
  for (const s of costLines(result.cost)) lines.push(`  ${s}`);
  lines.push("Cold start after a preemption (estimates, see coldstart.json):");
  for (const s of coldStartLines(result.coldStart)) lines.push(`  ${s}`);
  const mandatory = mandatoryViolations(result.violations);
  const advisory = result.violations.filter((v) => v.enforcementLevel !== "mandatory");
  lines.push(`Policies: ${mandatory.length} mandatory violation(s), ${advisory.length} advisory`);
  for (const v of [...mandatory, ...advisory]) lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? ` (${v.urn.split("::").pop()})` : ""}`);
  return lines.join("\n");
}
