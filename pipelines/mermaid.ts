import { monitoringEnabled, type FineTuningPipelineSpec } from "./spec";
import { MONITORING_STAGE, runStages, type StageId } from "./stages";

/**
 * The pipeline DAG as a Mermaid flowchart (written by `plan` to `pipelines/<name>.mmd`). The same stage table
 * drives both renderers, so the diagram shows what runs: deployment only behind the evaluation gate, the
 * monitoring probe on its own schedule.
 */
export function renderMermaid(spec: FineTuningPipelineSpec): string {
  const id = (s: StageId) => s.replace(/-/g, "_");
  const stages = runStages(spec.deployment.enabled);
  const lines = [
    "flowchart LR",
    `  %% ${spec.name}: ${spec.method.type} fine-tuning of ${spec.baseModel.id}@${spec.baseModel.revision} on pool ${spec.compute.pool}`,
  ];
  if (spec.schedule) lines.push(`  schedule(["schedule: ${spec.schedule} UTC"]) --> ${id("data-prep")} & ${id("model-init")}`);
  for (const s of stages) {
    const label = `${s.stage}. ${s.title}`;
    lines.push(s.id === "evaluation-gate" ? `  ${id(s.id)}{"${label}"}` : `  ${id(s.id)}["${label}"]`);
  }
  for (const s of stages) {
    for (const d of s.dependsOn) {
      lines.push(d === "evaluation-gate" ? `  ${id(d)} -- passed --> ${id(s.id)}` : `  ${id(d)} --> ${id(s.id)}`);
    }
  }
  lines.push(`  ${id("evaluation-gate")} -. failed .-> stop(["stop: nothing deployed"])`);
  if (spec.deployment.enabled) lines.push(`  ${id("deployment")} -. verify failed .-> rollback(["rollback to the previous version"])`);
  if (monitoringEnabled(spec)) {
    lines.push(`  ${id(MONITORING_STAGE.id)}[["${MONITORING_STAGE.stage}. ${MONITORING_STAGE.title} (${spec.monitoring.schedule} UTC)"]]`);
    lines.push(`  ${id("deployment")} -. live endpoint .-> ${id(MONITORING_STAGE.id)}`);
  }
  return lines.join("\n") + "\n";
}
