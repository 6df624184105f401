import { describe, expect, it } from "vitest";
import { GRAFANA_DASHBOARDS } from "../../components/monitoring/dashboards";
import { KIT_METRICS, metricNamesIn } from "../../components/monitoring/metrics";

describe("Grafana dashboards", () => {
  it("ships the four dashboards with unique uids", () => {
    expect(Object.keys(GRAFANA_DASHBOARDS).sort()).toEqual(["gpu-fleet.json", "pipeline.json", "serving.json", "training-run.json"]);
    const uids = Object.values(GRAFANA_DASHBOARDS).map((d) => d.uid);
    expect(new Set(uids).size).toBe(4);
  });

  it("every panel query references only metrics in the kit's metric list", () => {
    const unknown: string[] = [];
    let queries = 0;
    for (const [file, d] of Object.entries(GRAFANA_DASHBOARDS)) {
      for (const p of d.panels) {
        expect(p.targets.length, `${file} panel "${p.title}" has no query`).toBeGreaterThan(0);
        for (const t of p.targets) {
          queries++;
          const names = metricNamesIn(t.expr);
          expect(names.length, `${file} "${p.title}" ${t.expr} reads no metric`).toBeGreaterThan(0);
          for (const n of names) if (!KIT_METRICS.has(n)) unknown.push(`${file} "${p.title}": ${n}`);
        }
      }
      for (const v of d.templating.list.filter((x) => x.type === "query")) {
        for (const n of metricNamesIn(String(v.definition).replace(/^label_values\((.*),\s*\w+\)$/, "$1")))
          if (!KIT_METRICS.has(n)) unknown.push(`${file} variable ${v.name}: ${n}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(queries).toBeGreaterThan(40);
  });

  it("the metric check is real: an unknown metric is caught", () => {
    expect(metricNamesIn('avg(DCGM_FI_DEV_GPU_UTILIZATION{Hostname=~"$node"})').filter((n) => !KIT_METRICS.has(n))).toEqual(["DCGM_FI_DEV_GPU_UTILIZATION"]);
  });

  it("panels fit Grafana's 24-column grid without overlapping, and queries use the datasource variable", () => {
    for (const [file, d] of Object.entries(GRAFANA_DASHBOARDS)) {
      const cells = new Set<string>();
      expect(d.templating.list.some((v) => v.name === "datasource" && v.type === "datasource")).toBe(true);
      for (const p of d.panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${file} "${p.title}"`).toBe(true);
        for (let i = x; i < x + w; i++)
          for (let j = y; j < y + h; j++) {
            const key = `${i},${j}`;
            expect(cells.has(key), `${file} "${p.title}" overlaps at ${key}`).toBe(false);
            cells.add(key);
          }
        expect(p.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      }
    }
  });

  it("covers the GPU fleet, a training run, pipelines and serving", () => {
    const reads = (file: string) => new Set(GRAFANA_DASHBOARDS[file].panels.flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr))));
    expect(reads("gpu-fleet.json")).toContain("DCGM_FI_DEV_GPU_UTIL");
    expect(reads("training-run.json")).toContain("finetune_training_loss");
    expect(reads("training-run.json")).toContain("finetune_training_tokens_per_second");
    expect(reads("pipeline.json")).toContain("kueue_pending_workloads");
    expect(reads("pipeline.json")).toContain("argo_workflows_total_count");
    expect(reads("serving.json")).toContain("vllm:e2e_request_latency_seconds_bucket");
  });
});
