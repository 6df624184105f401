import { describe, expect, it } from "vitest";
import { renderGpuOperatorValues } from "../../components/cuda-driver-stack/gpu-operator";
import {
  DCGM_COLLECTORS_CONFIGMAP,
  dcgmCollectorsCsv,
  KIT_DCGM_COLLECTORS,
  UPSTREAM_DEFAULT_DCGM_COLLECTORS,
} from "../../components/monitoring/dcgm-collectors";
import { DCGM_METRICS } from "../../components/monitoring/metrics";
import { dcgmMetricsOfCsv, upstreamDcgmCsv } from "../cluster/state";

describe("the DCGM exporter's collectors", () => {
  it("keep every collector upstream's default file exports, in order, and add the volatile ECC counters", () => {
    expect(UPSTREAM_DEFAULT_DCGM_COLLECTORS.map((c) => c.field)).toEqual(dcgmMetricsOfCsv(upstreamDcgmCsv()));
    expect(KIT_DCGM_COLLECTORS.map((c) => c.field).slice(UPSTREAM_DEFAULT_DCGM_COLLECTORS.length)).toEqual([
      "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL",
      "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
    ]);
    // Upstream ships the ECC counters commented out: without the kit's file the ECC alert could never fire.
    expect(dcgmMetricsOfCsv(upstreamDcgmCsv())).not.toContain(DCGM_METRICS.eccDbeVolatile);
  });

  it("every DCGM metric the kit's alerts and dashboards read is collected", () => {
    const collected = dcgmMetricsOfCsv(dcgmCollectorsCsv());
    for (const m of Object.values(DCGM_METRICS)) expect(collected).toContain(m);
  });

  it("the GPU Operator values make the chart create the collectors ConfigMap and point the exporter at it", () => {
    const layout = { chart: true, driver: true, toolkit: true, devicePlugin: true, dcgmExporter: true, gfd: true, nfd: true, dcgm: "gpu-operator" as const };
    const values = renderGpuOperatorValues({ layout, driverVersion: "580.95.05", migStrategy: "single", mig: false, dcgmExporter: true });
    expect(values.dcgmExporter).toEqual({
      enabled: true,
      serviceMonitor: { enabled: false },
      config: { name: DCGM_COLLECTORS_CONFIGMAP, create: true, data: dcgmCollectorsCsv() },
      resources: { requests: { cpu: "50m", memory: "128Mi" } },
    });
    const off = renderGpuOperatorValues({ layout, driverVersion: "580.95.05", migStrategy: "single", mig: false, dcgmExporter: false });
    expect(off.dcgmExporter).toEqual({ enabled: false, serviceMonitor: { enabled: false } });
  });
});
