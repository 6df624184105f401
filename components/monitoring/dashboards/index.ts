import gpuFleet from "./gpu-fleet.json";
import pipeline from "./pipeline.json";
import serving from "./serving.json";
import trainingRun from "./training-run.json";

/**
 * The kit's Grafana dashboards (JSON model, datasource chosen through the `datasource` variable), keyed by file
 * name. Delivered to Grafana as ConfigMaps its dashboard sidecar picks up (see renderDashboardConfigMaps).
 */
export const GRAFANA_DASHBOARDS: Readonly<Record<string, GrafanaDashboard>> = Object.freeze({
  "gpu-fleet.json": gpuFleet as GrafanaDashboard,
  "training-run.json": trainingRun as GrafanaDashboard,
  "pipeline.json": pipeline as GrafanaDashboard,
  "serving.json": serving as GrafanaDashboard,
});

/** The part of Grafana's dashboard model the kit relies on. */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> };
  panels: GrafanaPanel[];
  [key: string]: unknown;
}

/** A dashboard panel. */
export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Array<{ refId: string; expr: string; legendFormat?: string; datasource?: unknown }>;
  [key: string]: unknown;
}
