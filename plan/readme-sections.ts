import { policyListMarkdown } from "../policy/engine";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { renderMermaid } from "../pipelines/mermaid";
import { FineTuningPipelineSpecSchema } from "../pipelines/spec";
import * as versions from "../core/versions";
import type { ChartPin, ImagePin } from "../core/versions";
import { configReferenceMarkdown } from "./config-reference";
import { componentArgsTable } from "./args-table";
import { exampleColdStartTable } from "./coldstart";
import { exampleCostTable } from "./cost";
import { kitConfigOf } from "./plan";
import { loadStackConfigFile, stackConfigPath } from "./stack-config";

/** Every pinned chart and image of core/versions.ts, with the date it was checked. */
function versionTable(): string {
  const rows: string[] = ["| capability | kind | name | pinned | source | checked |", "|---|---|---|---|---|---|"];
  const groups: Array<[string, Record<string, ChartPin>, Record<string, ImagePin>]> = [
    ["GPU pools + CUDA stack", versions.GPU_STACK_CHARTS, versions.GPU_STACK_IMAGES],
    ["pipeline", versions.PIPELINE_CHARTS, versions.PIPELINE_IMAGES],
    ["artifact registry", versions.REGISTRY_CHARTS, versions.REGISTRY_IMAGES],
    ["monitoring", versions.MONITORING_CHARTS, versions.MONITORING_IMAGES],
  ];
  for (const [group, charts, images] of groups) {
    for (const c of Object.values(charts)) rows.push(`| ${group} | chart | \`${c.chart}\` | ${c.version} | ${c.repo} | ${c.checked} |`);
    for (const i of Object.values(images)) rows.push(`| ${group} | image | \`${i.repository}\` | ${i.tag} | | ${i.checked} |`);
  }
  return rows.join("\n");
}

/** The Mermaid DAG of the example support-assistant pipeline. */
function pipelineDag(): string {
  const file = path.resolve(__dirname, "..", "pipelines", "examples", "support-assistant.yaml");
  const spec = FineTuningPipelineSpecSchema.parse(parse(fs.readFileSync(file, "utf8")));
  return ["```mermaid", renderMermaid(spec).trim(), "```"].join("\n");
}

/** Generated README sections by marker name. */
export function generatedSections(): Record<string, string> {
  return {
    "config-reference": configReferenceMarkdown(),
    "component-args": componentArgsTable(),
    "policy-list": policyListMarkdown(),
    "pipeline-dag": pipelineDag(),
    versions: versionTable(),
    "example-costs": exampleCostTable((stack) => kitConfigOf(loadStackConfigFile(stackConfigPath(stack)))),
    "example-coldstarts": exampleColdStartTable((stack) => kitConfigOf(loadStackConfigFile(stackConfigPath(stack)))),
  };
}
