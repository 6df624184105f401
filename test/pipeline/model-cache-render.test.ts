import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { renderModelCacheFor } from "../../components/model-cache";
import { stageScriptsDir } from "../../components/pipeline/scripts";
import { renderKubernetesPipeline } from "../../pipelines/render/kubernetes";
import { renderSageMakerPipeline } from "../../pipelines/render/sagemaker";
import { validateSageMakerDefinition } from "../validators/sagemaker";
import { expectValidManifests } from "../validators/kubernetes";
import { awsStore, example, gcsStore, h100Pool, l4Pool, minioStore, SAGEMAKER_POOLS, spec } from "./fixtures";

type Container = {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
};
type PodTemplate = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    volumes: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[];
    initContainers: Container[];
    containers: Container[];
  };
};
const podOf = (jobSet: object): PodTemplate =>
  ((jobSet as { spec: unknown }).spec as { replicatedJobs: { template: { spec: { template: PodTemplate } } }[] }).replicatedJobs[0].template.spec.template;
const container = (pod: PodTemplate, name: string): Container => [...pod.spec.initContainers, ...pod.spec.containers].find((c) => c.name === name)!;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

const gkeCache = renderModelCacheFor("model-cache", {
  platform: "gke",
  namespace: "finetune",
  bucket: "acme-finetune",
  modelsUri: gcsStore.modelsUri,
}).contract;
const pvcCache = renderModelCacheFor("model-cache", {
  platform: "kubernetes",
  namespace: "finetune",
  storageClassName: "nfs-rwx",
  modelsUri: minioStore.modelsUri,
}).contract;

describe("Kubernetes renderer with a model cache", () => {
  const gke = renderKubernetesPipeline({ spec: example("document-classifier"), pool: l4Pool, store: gcsStore, namespace: "finetune", modelCache: gkeCache });

  it("training: the cache is mounted read-only, the fetch code is told where it is, GKE injects the FUSE sidecar", () => {
    const pod = podOf(gke.trainingJobSet);
    expect(pod.spec.volumes).toContainEqual({ name: "model-cache", persistentVolumeClaim: { claimName: "model-cache", readOnly: true } });
    const trainer = container(pod, "trainer");
    expect(trainer.volumeMounts).toContainEqual({ name: "model-cache", mountPath: "/model-cache", readOnly: true });
    expect(envOf(trainer)).toMatchObject({ FTKIT_MODEL_CACHE_DIR: "/model-cache", FTKIT_MODEL_CACHE_URI: "gs://acme-finetune/models" });
    expect(pod.metadata.annotations).toMatchObject({ "gke-gcsfuse/volumes": "true" });
    // The launcher still names the store URI: it links the cached snapshot when its marker is there.
    expect(trainer.command).toContain(
      `gs://acme-finetune/models/${example("document-classifier").baseModel.id}@{{workflow.parameters.base-model-revision}}=/workspace/model`,
    );
  });

  it("evaluation: the fetch helper and vLLM (which reads through the link) both mount the cache read-only", () => {
    const pod = podOf(gke.evaluationJobSet);
    for (const name of ["fetch", "vllm"])
      expect(container(pod, name).volumeMounts).toContainEqual({ name: "model-cache", mountPath: "/model-cache", readOnly: true });
    expect(envOf(container(pod, "fetch")).FTKIT_MODEL_CACHE_DIR).toBe("/model-cache");
  });

  it("serving: the base-model fetch and vLLM mount the cache; every object still passes the schemas", () => {
    const dep = gke.objects.find((o) => o.kind === "Deployment")!;
    const pod = (dep.spec as { template: PodTemplate }).template;
    for (const name of ["fetch-base-model", "vllm"])
      expect(container(pod, name).volumeMounts).toContainEqual({ name: "model-cache", mountPath: "/model-cache", readOnly: true });
    expect(pod.metadata.annotations).toMatchObject({ "gke-gcsfuse/volumes": "true" });
    expectValidManifests([...gke.objects, gke.trainingJobSet, gke.evaluationJobSet]);
  });

  it("GCS FUSE is filled by model-init's upload: model-init gets no writer volume and no --cache-dir", () => {
    const wf = gke.workflowTemplate.spec as { volumes: { name: string }[]; templates: { name: string; container?: Container }[] };
    expect(wf.volumes.map((v) => v.name)).not.toContain("model-cache-writer");
    expect(wf.templates.find((t) => t.name === "model-init")!.container!.command).not.toContain("--cache-dir");
  });

  it("a PVC cache is filled by model-init: it mounts the claim read-write and passes --cache-dir as one argv element", () => {
    const r = renderKubernetesPipeline({ spec: example("support-assistant"), pool: l4Pool, store: minioStore, namespace: "finetune", modelCache: pvcCache });
    const wf = r.workflowTemplate.spec as {
      volumes: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[];
      templates: { name: string; container?: Container }[];
    };
    expect(wf.volumes).toContainEqual({ name: "model-cache-writer", persistentVolumeClaim: { claimName: "model-cache" } });
    const init = wf.templates.find((t) => t.name === "model-init")!.container!;
    expect(init.volumeMounts).toContainEqual({ name: "model-cache-writer", mountPath: "/model-cache" });
    const cmd = init.command!;
    expect(cmd.slice(cmd.indexOf("--cache-dir"), cmd.indexOf("--cache-dir") + 2)).toEqual(["--cache-dir", "/model-cache"]);
    // Readers never mount the writer volume.
    expect(podOf(r.trainingJobSet).spec.volumes.map((v) => v.name)).not.toContain("model-cache-writer");
    expectValidManifests([...r.objects, r.trainingJobSet, r.evaluationJobSet]);
  });

  it("without a cache nothing changes: no cache volume, no cache env", () => {
    const r = renderKubernetesPipeline({ spec: example("document-classifier"), pool: l4Pool, store: gcsStore, namespace: "finetune" });
    const pod = podOf(r.trainingJobSet);
    expect(pod.spec.volumes.map((v) => v.name)).not.toContain("model-cache");
    expect(envOf(container(pod, "trainer")).FTKIT_MODEL_CACHE_DIR).toBeUndefined();
    expect(JSON.stringify(r.workflowTemplate)).not.toContain("model-cache");
  });
});

describe("multi-node training over the pool's interconnect", () => {
  const efaPool = {
    ...h100Pool,
    instanceType: "p5.48xlarge",
    interconnect: { kind: "efa" as const, offered: "efa" as const, devicesPerNode: 32, resourceName: "vpc.amazonaws.com/efa", compactPlacement: true },
  };

  it("EFA: the trainer requests every EFA interface and huge pages, with the libfabric env", () => {
    const r = renderKubernetesPipeline({ spec: example("multi-node-full"), pool: efaPool, store: minioStore, namespace: "finetune" });
    const trainer = container(podOf(r.trainingJobSet), "trainer");
    for (const side of ["requests", "limits"] as const)
      expect(trainer.resources![side]).toMatchObject({ "vpc.amazonaws.com/efa": "32", "hugepages-2Mi": "5120Mi" });
    expect(envOf(trainer)).toMatchObject({ FI_PROVIDER: "efa", FI_EFA_USE_DEVICE_RDMA: "1", FI_EFA_FORK_SAFE: "1", NCCL_SOCKET_IFNAME: "^lo,docker" });
    expectValidManifests([r.trainingJobSet]);
  });

  it("a pool without an interconnect keeps default TCP (no EFA request, no FI_ env)", () => {
    const r = renderKubernetesPipeline({ spec: example("multi-node-full"), pool: h100Pool, store: minioStore, namespace: "finetune" });
    const trainer = container(podOf(r.trainingJobSet), "trainer");
    expect(Object.keys(trainer.resources!.requests)).not.toContain("vpc.amazonaws.com/efa");
    expect(Object.keys(envOf(trainer)).filter((n) => n.startsWith("FI_"))).toEqual([]);
  });
});

describe("SageMaker training inputs and warm pool", () => {
  const base = { store: awsStore, roleArn: "arn:aws:iam::1:role/r", codeUri: "s3://a/b", configUri: "s3://a/c" };
  type TrainingArgs = { InputDataConfig: { ChannelName: string; InputMode: string }[]; ResourceConfig: Record<string, unknown> };
  const training = (def: unknown): TrainingArgs =>
    (def as { Steps: { Name: string; Arguments: TrainingArgs }[] }).Steps.find((s) => s.Name === "Training")!.Arguments;

  it("model and data channels stream in FastFile mode; config and code stay File", () => {
    const r = renderSageMakerPipeline({ ...base, spec: example("support-assistant"), pool: SAGEMAKER_POOLS["l4-spot"] });
    expect(Object.fromEntries(training(r.definition).InputDataConfig.map((c) => [c.ChannelName, c.InputMode]))).toEqual({
      model: "FastFile",
      data: "FastFile",
      config: "File",
      code: "File",
    });
    expect(validateSageMakerDefinition(r.definition)).toEqual([]);
  });

  it("no warm pool: the published pipeline schema has no KeepAlivePeriodInSeconds in a Training step's ResourceConfig", () => {
    const r = renderSageMakerPipeline({ ...base, spec: spec({ compute: { pool: "l4-spot", spot: false } }), pool: SAGEMAKER_POOLS["l4-spot"] });
    expect(training(r.definition).ResourceConfig).not.toHaveProperty("KeepAlivePeriodInSeconds");
    // Planted: what a warm pool would need is rejected by AWS's schema, which is why the kit does not emit it.
    const planted = structuredClone(r.definition) as unknown as { Steps: { Name: string; Arguments: TrainingArgs }[] };
    planted.Steps.find((x) => x.Name === "Training")!.Arguments.ResourceConfig.KeepAlivePeriodInSeconds = 900;
    expect(validateSageMakerDefinition(planted)).toEqual([expect.stringContaining('must NOT have additional property "KeepAlivePeriodInSeconds"')]);
  });
});

describe("stage scripts use a cached snapshot only when its marker is there", () => {
  const run = (code: string, env: Record<string, string>) =>
    spawnSync("python3", ["-c", code], { cwd: stageScriptsDir(), env: { ...process.env, ...env }, encoding: "utf8" });

  it("links <cache>/<id>@<rev> when .complete exists, and downloads otherwise", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-cache-"));
    const cache = path.join(tmp, "cache");
    const store = path.join(tmp, "store", "models");
    for (const root of [cache, store]) fs.mkdirSync(path.join(root, "org", "m@abc"), { recursive: true });
    fs.writeFileSync(path.join(store, "org", "m@abc", "config.json"), "{}");
    fs.writeFileSync(path.join(cache, "org", "m@abc", "config.json"), "{}");
    const env = { FTKIT_MODEL_CACHE_DIR: cache, FTKIT_MODEL_CACHE_URI: store };
    const code = `import sys; from ftkit_store import Store, fetch_into; print(fetch_into(Store(), sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(path.join(store, "org", "m@abc"))}, ${JSON.stringify(path.join(tmp, "w1"))}))`;
    // No marker yet: a download (a copy), not a link.
    let r = run(code, env);
    expect(r.stdout.trim()).toBe("False");
    expect(fs.lstatSync(path.join(tmp, "w1")).isSymbolicLink()).toBe(false);
    fs.writeFileSync(path.join(cache, "org", "m@abc", ".complete"), "{}");
    r = run(code.replace("w1", "w2"), env);
    expect(r.stdout.trim()).toBe("True");
    expect(fs.readlinkSync(path.join(tmp, "w2"))).toBe(path.join(cache, "org", "m@abc"));
    // A URI outside the mirrored prefix, or '..' in it, is never served from the cache.
    r = run(
      `from ftkit_store import cached_snapshot; print(cached_snapshot(${JSON.stringify(store + "/../models/org/m@abc")}), cached_snapshot("s3://other/models/org/m@abc"))`,
      env,
    );
    expect(r.stdout.trim()).toBe("None None");
  });

  it("fetch_model.py --cache-dir copies a stored snapshot into the cache, marker last", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-fill-"));
    const dest = path.join(tmp, "store", "models", "org", "m@abc");
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, "config.json"), "{}");
    fs.writeFileSync(path.join(dest, ".complete"), "{}");
    const r = spawnSync(
      "python3",
      [
        path.join(stageScriptsDir(), "fetch_model.py"),
        "--model-id",
        "org/m",
        "--revision",
        "abc",
        "--dest",
        dest,
        "--workdir",
        tmp,
        "--cache-dir",
        path.join(tmp, "cache"),
      ],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(tmp, "cache", "org", "m@abc", "config.json"), "utf8")).toBe("{}");
    expect(JSON.parse(fs.readFileSync(path.join(tmp, "cache", "org", "m@abc", ".complete"), "utf8"))).toEqual({ model: "org/m", revision: "abc" });
    expect(fs.readdirSync(path.join(tmp, "cache", "org")).filter((n) => n.includes(".partial-"))).toEqual([]);
  });
});
