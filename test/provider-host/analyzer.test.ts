import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportedComponents } from "../../provider-host";
import { analyzeEach, type ComponentVerdict } from "./harness";

/** Today's verdicts of the host's analyzer; update this file (and analyzer-failures.md) as component types get fixed. */
const TODAY = JSON.parse(fs.readFileSync(path.join(__dirname, "analyzer-failures.json"), "utf8")) as {
  passing: string[];
  failing: Record<string, { firstError: string; allErrors: string[] }>;
};

/** Every ComponentResource class index.ts exports (what run-plugin hands the host; order is module load order, not compared). */
const EXPORTED = [
  "PipelineNamespace",
  "EfaDevicePlugin",
  "EksGpuNodePool",
  "GkeGpuNodePool",
  "KarpenterGpuNodePool",
  "KarpenterInterruptionQueue",
  "KueueGpuPool",
  "KueueInstall",
  "CudaDriverStack",
  "GpuSmokeTest",
  "AwsArtifactRegistry",
  "GcpArtifactRegistry",
  "KubernetesArtifactStore",
  "EksPipelineIdentity",
  "PrometheusMonitoring",
  "CloudWatchMonitoring",
  "CloudMonitoring",
  "KubernetesFineTuningPipeline",
  "SageMakerFineTuningPipeline",
  "KubernetesPipelinePlatform",
  "ModelCache",
];

/** What the analyzer accepts today, in export order. */
const PASSING = [
  "PipelineNamespace",
  "EfaDevicePlugin",
  "EksGpuNodePool",
  "GkeGpuNodePool",
  "KarpenterGpuNodePool",
  "KarpenterInterruptionQueue",
  "KueueGpuPool",
  "KueueInstall",
  "CudaDriverStack",
  "GpuSmokeTest",
  "AwsArtifactRegistry",
  "GcpArtifactRegistry",
  "KubernetesArtifactStore",
  "EksPipelineIdentity",
  "CloudMonitoring",
  "CloudWatchMonitoring",
  "PrometheusMonitoring",
  "KubernetesFineTuningPipeline",
  "SageMakerFineTuningPipeline",
  "KubernetesPipelinePlatform",
  "ModelCache",
];

let verdicts: ComponentVerdict[];
beforeAll(() => {
  verdicts = analyzeEach(exportedComponents().map((c) => c.name));
}, 180_000);

describe("provider host analyzer: what it accepts today", () => {
  it("sees every exported ComponentResource class", () => {
    expect(
      exportedComponents()
        .map((c) => c.name)
        .sort(),
    ).toEqual([...EXPORTED].sort());
    expect([...TODAY.passing, ...Object.keys(TODAY.failing)].sort()).toEqual([...EXPORTED].sort());
  });

  it("accepts all 21 exported components (analyzer-failures.json `passing`; `failing` is empty)", () => {
    expect(PASSING.length).toBe(21);
    expect(TODAY.failing).toEqual({});
    expect(
      verdicts
        .filter((v) => v.firstError === undefined)
        .map((v) => v.name)
        .sort(),
    ).toEqual([...PASSING].sort());
    expect(TODAY.passing).toEqual(PASSING);
    for (const v of verdicts.filter((x) => x.firstError === undefined)) {
      expect(v.allErrors).toEqual([]);
      expect(Object.keys(v.result!.components)).toEqual([v.name]);
    }
  });

  it("rejects each other component with the exact error of analyzer-failures.json (first error and every rejected property)", () => {
    const failing = Object.fromEntries(
      verdicts.filter((v) => v.firstError !== undefined).map((v) => [v.name, { firstError: v.firstError, allErrors: v.allErrors }]),
    );
    expect(failing).toEqual(TODAY.failing);
    // The first error the host reports is always one of the properties the full run lists.
    for (const [name, f] of Object.entries(TODAY.failing)) expect(f.allErrors, name).toContain(f.firstError);
  });

  it("the three that take the pipeline spec pass: `spec` is the named FineTuningPipelineSpecArgs, the store one named Input type, the policy documents JSON", () => {
    for (const name of ["EksPipelineIdentity", "KubernetesFineTuningPipeline", "SageMakerFineTuningPipeline"]) {
      const v = verdicts.find((x) => x.name === name)!;
      expect(v.firstError, name).toBeUndefined();
      const inputs = (v.result!.components[name] as { inputs: Record<string, { ref?: string; plain?: boolean }> }).inputs;
      expect(JSON.stringify(inputs.spec), name).toContain("FineTuningPipelineSpecArgs");
    }
  });

  it("CloudMonitoring's notificationChannel is the named NotificationChannelSpec (a `type` enum, its fields Inputs)", () => {
    const v = verdicts.find((x) => x.name === "CloudMonitoring")!;
    expect(v.firstError).toBeUndefined();
    const inputs = (v.result!.components.CloudMonitoring as { inputs: Record<string, unknown> }).inputs;
    expect(JSON.stringify(inputs.notificationChannel)).toContain("NotificationChannelSpec");
  });

  it("analyzer-failures.md names every failing component", () => {
    const md = fs.readFileSync(path.join(__dirname, "analyzer-failures.md"), "utf8");
    const missing = Object.keys(TODAY.failing).filter((n) => !md.includes(`### ${n}`));
    expect(missing).toEqual([]);
  });
});
