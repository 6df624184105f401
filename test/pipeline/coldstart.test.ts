import { describe, expect, it } from "vitest";
import { checkpointBytes, estimateColdStart, poolDisk, poolImageDelivery } from "../../pipelines/coldstart";
import {
  COLD_START_ERROR_BOUND,
  DISK_MBPS,
  GZIP_PULL_MBPS,
  INIT_SECONDS,
  NODE_READY_SECONDS,
  PUBLISHED_COLD_STARTS,
  type PublishedColdStart,
} from "../../pipelines/coldstart/figures";
import { estimateMemory } from "../../pipelines/sizing";
import { resolveArchitecture } from "../../pipelines/models";
import { coldStartLines, coldStartReport } from "../../plan/coldstart";
import { kitConfigOf, planFiles, summarize, type PlanResult } from "../../plan/plan";
import { costReport } from "../../plan/cost";
import { loadStackConfigFile, stackConfigPath } from "../../plan/stack-config";

/** The estimate of a published measurement, with the estimator's figures. */
function estimateOf(m: PublishedColdStart, pullMBps?: number): number {
  const e = estimateColdStart({
    platform: m.platform,
    newNode: m.newNode,
    disk: m.disk,
    image: { compressedGB: m.imageGB, delivery: "pulled" },
    model: { bytes: m.bakedWeightsGB * 1e9, source: "cache-warm" },
    checkpointBytes: 0,
    initSeconds: m.init === "none" ? 0 : INIT_SECONDS[m.init].value,
  });
  // A planted fault scales the pull phase as a different pull rate would.
  return pullMBps === undefined ? e.total : e.total - e.image + Math.round((m.imageGB * 1e3) / Math.min(pullMBps, DISK_MBPS[m.disk].value));
}

describe("cold-start estimator", () => {
  it(`holds every published end-to-end cold start within ±${COLD_START_ERROR_BOUND * 100}%`, () => {
    expect(PUBLISHED_COLD_STARTS.length).toBeGreaterThanOrEqual(4);
    for (const m of PUBLISHED_COLD_STARTS) {
      const err = (estimateOf(m) - m.measuredSeconds) / m.measuredSeconds;
      expect(Math.abs(err), `${m.name}: estimate ${estimateOf(m)} s vs measured ${m.measuredSeconds} s`).toBeLessThanOrEqual(COLD_START_ERROR_BOUND);
    }
    // Planted faults: the disk's rate instead of the unpack rate (gp3 131 MB/s), or half the unpack rate, break the bound.
    const worst = (rate: number) => Math.max(...PUBLISHED_COLD_STARTS.map((m) => Math.abs(estimateOf(m, rate) - m.measuredSeconds) / m.measuredSeconds));
    expect(worst(DISK_MBPS.gp3.value)).toBeGreaterThan(COLD_START_ERROR_BOUND);
    expect(worst(GZIP_PULL_MBPS.value / 2)).toBeGreaterThan(COLD_START_ERROR_BOUND);
  });

  it("adds the phases: node, image over min(unpack, disk), model over min(source, disk), checkpoint, init", () => {
    const e = estimateColdStart({
      platform: "karpenter",
      disk: "gp3",
      image: { compressedGB: 10, delivery: "pulled" },
      model: { bytes: 16e9, source: "object-store" },
      checkpointBytes: 1.31e9,
      initSeconds: 60,
    });
    // 10 GB / 28 MB/s = 357 s; 16 GB / min(400, 131.07) MB/s = 122 s; 1.31 GB / 131.07 MB/s = 10 s.
    expect(e).toEqual({ node: 300, image: 357, model: 122, checkpoint: 10, init: 60, total: 849 });
    // NVMe lifts the model and checkpoint phases to the disk's 367 MB/s, not the unpack-bound image.
    expect(
      estimateColdStart({
        platform: "karpenter",
        disk: "nvme",
        image: { compressedGB: 10, delivery: "pulled" },
        model: { bytes: 16e9, source: "object-store" },
        checkpointBytes: 0,
        initSeconds: 0,
      }),
    ).toEqual({ node: 300, image: 357, model: 44, checkpoint: 0, init: 0, total: 701 });
  });

  it("takes image delivery and model source as inputs (streamed, preloaded, hub, warm and cold cache)", () => {
    const base = { platform: "gke", disk: "pd-balanced", checkpointBytes: 0, initSeconds: 0 } as const;
    const image = (delivery: "pulled" | "streamed" | "preloaded") =>
      estimateColdStart({ ...base, newNode: false, image: { compressedGB: 10, delivery }, model: { bytes: 0, source: "hub" } }).image;
    expect([image("pulled"), image("streamed"), image("preloaded")]).toEqual([357, 20, 0]);
    const model = (source: "hub" | "object-store" | "cache-warm" | "cache-cold", cacheMBps?: number) =>
      estimateColdStart({ ...base, newNode: false, image: { compressedGB: 0, delivery: "preloaded" }, model: { bytes: 30e9, source, cacheMBps } }).model;
    // pd-balanced 146.8 MB/s caps hub (300), object store and a cold cache (400); a warm cache reads at its own rate.
    expect([model("hub"), model("object-store"), model("cache-cold"), model("cache-warm"), model("cache-warm", 1500)]).toEqual([204, 204, 204, 204, 20]);
    // New node by default except on existing Kubernetes nodes.
    expect(estimateColdStart({ ...base, image: { compressedGB: 0, delivery: "preloaded" }, model: { bytes: 0, source: "hub" } }).node).toBe(
      NODE_READY_SECONDS.gke.value,
    );
    expect(
      estimateColdStart({ ...base, platform: "kubernetes", image: { compressedGB: 0, delivery: "preloaded" }, model: { bytes: 0, source: "hub" } }).node,
    ).toBe(0);
  });

  it("sizes the checkpoint from the sizing model: adapters + optimizer for LoRA, weights + optimizer for full", () => {
    const arch = resolveArchitecture("meta-llama/Llama-3.1-8B-Instruct")!;
    const lora = estimateMemory({
      arch,
      method: { type: "lora", rank: 16, alpha: 32, dropout: 0.05, targetModules: ["all-linear"], optimizer: "adamw_torch_fused" } as never,
      sequenceLength: 2048,
      batchSize: 1,
      gradientCheckpointing: true,
    });
    // 41.9M adapter parameters × (4 fp32 weight + 8 Adam) bytes.
    expect(lora.trainableParameters).toBe(41_943_040);
    expect(checkpointBytes(lora)).toBe(41_943_040 * 12);
    const full = estimateMemory({
      arch,
      method: { type: "full", optimizer: "adamw_torch_fused" } as never,
      sequenceLength: 2048,
      batchSize: 1,
      gradientCheckpointing: true,
    });
    // 8.03e9 × (2 bf16 weights + 4 bf16 Adam moments).
    expect(checkpointBytes(full)).toBe(8.03e9 * 6);
  });

  it("reads disk and image delivery from the pool contract", () => {
    expect(poolDisk({ platform: "gke" })).toBe("pd-balanced");
    expect(poolDisk({ platform: "karpenter" })).toBe("gp3");
    expect(poolDisk({ platform: "gke", localStorage: { nvmeGB: 375, ephemeralOnNvme: true } })).toBe("nvme");
    expect(poolImageDelivery({})).toBe("pulled");
    expect(poolImageDelivery({ imageCache: { streaming: true, preload: "none" } })).toBe("streamed");
    expect(poolImageDelivery({ imageCache: { streaming: true, preload: "gke-secondary-boot-disk" } })).toBe("preloaded");
  });
});

describe("plan: cold start per pipeline", () => {
  const config = kitConfigOf(loadStackConfigFile(stackConfigPath("gcp")));
  const report = coldStartReport(config);

  it("estimates every gcp pipeline beside its checkpoint interval and warns where the cold start outweighs lost work", () => {
    expect(report.pipelines.map((p) => [p.pipeline, p.estimate.total, p.checkpointIntervalSeconds, p.coldStartDominates])).toEqual([
      ["support-assistant", 485, 600, true],
      ["doc-classifier", 448, 600, true],
      ["legal-70b-full", 1402, 600, true],
    ]);
    const legal = report.pipelines[2];
    // Full bf16 (6 B/param: weights + Adam moments) under FSDP over 2 nodes: each node restores 70.6e9 × 6 / 2 bytes.
    expect(legal.assumptions).toEqual({
      disk: "nvme",
      imageDelivery: "streamed",
      modelSource: "object-store",
      imageGB: 10,
      modelGB: 141.2,
      checkpointGB: 211.8,
      nodes: 2,
    });
    const lines = coldStartLines(report);
    expect(lines[0]).toBe(
      "support-assistant: cold start ~8m05s (node 5m00s, image 20s streamed 10 GB on nvme, model 44s 16.1 GB from object-store, checkpoint 1s 0.3 GB, init 2m00s) vs checkpoint every 10m00s (expected lost work 5m00s)",
    );
    expect(lines[1]).toMatch(/^ {2}WARNING support-assistant: one preemption loses more to the cold start \(8m05s\) than to lost work \(5m00s\)/);
    // Planted fault: with a 40-minute interval (20 minutes of expected lost work) the small pipelines no longer warn.
    const relaxed = coldStartReport({
      ...config,
      pipelines: config.pipelines.map((p) => ({ ...p, checkpointing: { ...p.checkpointing, intervalMinutes: 40 } })),
    });
    expect(relaxed.pipelines.map((p) => p.coldStartDominates)).toEqual([false, false, true]);
    expect(coldStartLines(relaxed).filter((l) => l.includes("WARNING"))).toHaveLength(1);
  });

  it("plan writes coldstart.json and prints the cold-start lines", () => {
    const result: PlanResult = {
      stack: "gcp",
      config,
      resources: [],
      outputs: {},
      manifests: [],
      violations: [],
      sizing: [],
      cost: costReport(config),
      coldStart: report,
    };
    const files = planFiles(result);
    expect(JSON.parse(files.get("coldstart.json")!)).toEqual(JSON.parse(JSON.stringify(report)));
    const text = summarize(result);
    expect(text).toContain("Cold start after a preemption (estimates, see coldstart.json):\n");
    for (const line of coldStartLines(report)) expect(text).toContain(`  ${line}`);
  });
});
