import type { FineTuningPipelineSpec } from "./spec";

/** The pipeline DAG as a Mermaid flowchart. Placeholder until the pipeline capability lands. */
export function renderMermaid(spec: FineTuningPipelineSpec): string {
  return `flowchart LR\n  %% ${spec.name}\n`;
}
