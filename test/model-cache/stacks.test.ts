import * as fs from "fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { stackConfigPath } from "../../plan/stack-config";
import { mandatoryViolations, runPolicies } from "../../policy/engine";
import { manifestsOf, runStack } from "../harness";
import { validateKubernetesObject } from "../validators/kubernetes";

/** Each platform's stack and its model cache: what is created by default, and with which settings. */
const configOf = (stack: string) => (parse(fs.readFileSync(stackConfigPath(stack), "utf8")) as { config: Record<string, unknown> }).config;
type Pod = {
  metadata?: { annotations?: Record<string, string> };
  spec: { volumes?: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[] };
};

describe("model cache per platform stack", () => {
  it("gcp: on by default — a GCS FUSE PV over the artifact bucket's models/ prefix, its claim, and pipelines mounting it", async () => {
    const { resources } = await runStack("gcp");
    const manifests = manifestsOf(resources);
    const pv = manifests.find((m) => m.kind === "PersistentVolume")!;
    const s = pv.spec as { csi: { driver: string; volumeHandle: string }; mountOptions: string[]; accessModes: string[] };
    expect(s.csi.driver).toBe("gcsfuse.csi.storage.gke.io");
    expect(s.mountOptions).toContain("only-dir=models");
    expect(s.mountOptions).toContain("file-cache:max-size-mb:-1");
    expect(s.accessModes).toEqual(["ReadOnlyMany"]);
    const pvc = manifests.find((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "model-cache")!;
    expect(pvc.metadata.namespace).toBe((configOf("gcp")["finetune:gcp"] as { namespace?: string }).namespace ?? "finetune");
    const serving = manifests.filter((m) => m.kind === "Deployment" && String(m.metadata.name).endsWith("-serving"));
    expect(serving.length).toBeGreaterThan(0);
    for (const d of serving) {
      const pod = (d.spec as { template: Pod }).template;
      expect(pod.metadata?.annotations?.["gke-gcsfuse/volumes"]).toBe("true");
      expect(pod.spec.volumes).toContainEqual({ name: "model-cache", persistentVolumeClaim: { claimName: "model-cache", readOnly: true } });
    }
    expect([pv, pvc].flatMap((m) => validateKubernetesObject(m))).toEqual([]);
    expect(mandatoryViolations(runPolicies(resources, {})).map((v) => v.message)).toEqual([]);
  });

  it("gcp: modelCache.enabled false creates no cache", async () => {
    const cfg = configOf("gcp");
    const { resources } = await runStack("gcp", { ...cfg, "finetune:gcp": { ...(cfg["finetune:gcp"] as object), modelCache: { enabled: false } } });
    expect(manifestsOf(resources).filter((m) => m.kind === "PersistentVolume" || m.metadata.name === "model-cache")).toEqual([]);
  });

  it("kubernetes: off without a ReadWriteMany StorageClass; with one, a RWX claim that model-init fills", async () => {
    const off = await runStack("kubernetes");
    expect(manifestsOf(off.resources).filter((m) => m.metadata.name === "model-cache")).toEqual([]);
    const cfg = configOf("kubernetes");
    const { resources } = await runStack("kubernetes", {
      ...cfg,
      "finetune:kubernetes": { ...(cfg["finetune:kubernetes"] as object), modelCache: { storageClassName: "nfs-rwx", sizeGiB: 800 } },
    });
    const manifests = manifestsOf(resources);
    const pvc = manifests.find((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "model-cache")!;
    expect(pvc.spec).toMatchObject({ accessModes: ["ReadWriteMany"], storageClassName: "nfs-rwx", resources: { requests: { storage: "800Gi" } } });
    const wf = manifests.find((m) => m.kind === "WorkflowTemplate")!;
    expect((wf.spec as Pod["spec"]).volumes).toContainEqual({ name: "model-cache-writer", persistentVolumeClaim: { claimName: "model-cache" } });
    expect(validateKubernetesObject(pvc)).toEqual([]);
    expect(mandatoryViolations(runPolicies(resources, {})).map((v) => v.message)).toEqual([]);
  });
});
