import { policyListMarkdown } from "../policy/engine";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { renderMermaid } from "../pipelines/mermaid";
import { FineTuningPipelineSpecSchema } from "../pipelines/spec";
import { configReferenceMarkdown } from "./config-reference";

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
    "policy-list": policyListMarkdown(),
    "pipeline-dag": pipelineDag(),
  };
}
