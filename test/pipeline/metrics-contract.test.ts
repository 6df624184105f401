import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MonitoringContract } from "../../core/contracts/monitoring";
import { renderScrapeConfigs, ScrapeTarget } from "../../components/monitoring/kubernetes-manifests";
import { SERVING_METRICS_PORT, SERVING_POD_LABELS } from "../../core/kubernetes";
import {
  pushgatewayGroupPath,
  sageMakerMetricDefinitions,
  TRAINING_METRICS,
  TRAINING_METRICS_ENV,
  trainingLogLine,
  trainingMetricsEnv,
  type TrainingLogValues,
} from "../../pipelines/training-metrics";
import { stageScriptsDir } from "../../components/pipeline/scripts";
import { renderKubernetesPipeline, type KubernetesPipelineRender } from "../../pipelines/render/kubernetes";
import { RUN_IDENTITY_ENV } from "../../pipelines/render/metrics-env";
import { renderSageMakerPipeline } from "../../pipelines/render/sagemaker";
import { expectValidManifests } from "../validators/kubernetes";
import { validateSageMakerDefinition } from "../validators/sagemaker";
import { awsStore, example, l4Pool, minioStore, prometheusMonitoring, SAGEMAKER_POOLS } from "./fixtures";

/**
 * The metrics contract end to end: what the renderers put in the pods / the SageMaker definition, what the
 * Python stage scripts do with exactly that environment (RUN with python3 against a local Pushgateway stand-in),
 * and what monitoring (alerts, CloudWatch alarms, PodMonitors) reads.
 */

type Obj = Record<string, any>;
type Env = { name: string; value?: string; valueFrom?: unknown };
const SCRIPTS = stageScriptsDir();
const RUN = "support-assistant-x7k2p";
const submitted = (m: object): Obj =>
  JSON.parse(
    JSON.stringify(m)
      .replace(/\{\{workflow\.name\}\}/g, RUN)
      .replace(/\{\{workflow\.parameters\.[a-z-]+\}\}/g, "0e9e39f"),
  );
const DRIVER = { mode: "gpu-operator", driverVersion: "580.95.05", maxCudaVersion: "13.0", runtimeClassName: "nvidia", dcgmExporter: true } as const;
const renderK8s = (monitoring?: MonitoringContract): KubernetesPipelineRender =>
  renderKubernetesPipeline({ spec: example("support-assistant"), pool: l4Pool, store: minioStore, namespace: "finetune", monitoring, driver: DRIVER });
const container = (pod: Obj, name: string): Obj => [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c: Obj) => c.name === name);
const trainingPod = (r: KubernetesPipelineRender): Obj => (r.trainingJobSet as Obj).spec.replicatedJobs[0].template.spec.template;
/** A container's plain env as the process sees it (Argo placeholders filled in), with the scripts on PYTHONPATH. */
const processEnv = (env: Env[], extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  ...Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, (e.value as string).replace(/\{\{workflow\.name\}\}/g, RUN)])),
  HOME: os.tmpdir(),
  PYTHONPATH: SCRIPTS,
  PYTHONDONTWRITEBYTECODE: "1",
  ...extra,
});
const isMetricsTransportEnv = (name: string) =>
  (Object.values(TRAINING_METRICS_ENV) as string[]).includes(name) || (Object.values(RUN_IDENTITY_ENV) as string[]).includes(name);

const sageMaker = renderSageMakerPipeline({
  spec: example("support-assistant"),
  pool: SAGEMAKER_POOLS["l4-spot"],
  store: awsStore,
  roleArn: "arn:aws:iam::123456789012:role/finetune-pipeline",
  codeUri: "s3://acme-finetune-artifacts/code/support-assistant",
  configUri: "s3://acme-finetune-artifacts/config/support-assistant",
});
const sageMakerTraining = (sageMaker.definition.Steps as Obj[]).find((s) => s.Name === "Training") as Obj;
const sageMakerTrainerEnv = JSON.parse(sageMakerTraining.Arguments.HyperParameters.ftkit_env) as Record<string, string>;

/** What SageMaker does with each definition: the first capture group of its regex, as a number. */
function extract(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of sageMakerMetricDefinitions()) {
    const m = new RegExp(d.Regex).exec(line);
    if (m) out[d.Name] = Number(m[1]);
  }
  return out;
}

function python(code: string, env: Record<string, string>, timeoutMs = 20_000) {
  const r = spawnSync("python3", ["-c", code], { encoding: "utf8", env, timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs python3 asynchronously (the local HTTP server must keep answering while it runs). */
function pythonAsync(code: string, env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("python3", ["-c", code], { env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c) => (stdout += c));
    p.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("SageMaker: the trainer plugin prints the line monitoring's metric definitions parse", () => {
  // A fake trainer: a clock the harness moves, a state object with the fields the callbacks read.
  const harness = `
import json, math, sys, types, ftkit_trainer_plugin as p
t = [1000.0]
m = p.MetricsCallback(clock=lambda: t[0])
args = types.SimpleNamespace(output_dir="/nonexistent")
c = types.SimpleNamespace(should_save=False)
st = lambda step: types.SimpleNamespace(global_step=step, is_world_process_zero=True)
def at(now): t[0] = now
m.on_train_begin(args, st(0), c)
at(1010.0); m.on_step_end(args, st(10), c)
at(1012.0); m.on_save(args, st(10), c)
at(1020.0); m.on_log(args, st(10), c, logs={"loss": 0.8125, "learning_rate": 2e-4})
at(1030.0); m.on_step_end(args, st(20), c)
at(1040.0); m.on_log(args, st(20), c, logs={"loss": 0.4321, "eval_loss": 0.51})
at(1100.0); m.heartbeat_once()
at(1110.0); m.on_step_end(args, st(30), c)
at(1140.0); m.on_log(args, st(30), c, logs={"loss": float("nan")})
at(1145.0); m.on_log(args, st(31), c, logs={"loss": float("inf")})
m.on_train_end(args, st(31), c)
`;
  let lines: string[] = [];
  let stderr = "";
  beforeAll(() => {
    const r = python(harness, processEnv(Object.entries(sageMakerTrainerEnv).map(([name, value]) => ({ name, value }))));
    expect(r.code, r.stderr).toBe(0);
    lines = r.stdout.trim().split("\n");
    stderr = r.stderr;
  });
  const tokensPerStep = Number(sageMakerTrainerEnv.FTKIT_TOKENS_PER_STEP);

  it("the training step declares monitoring's definitions and log mode, and the definition still validates", () => {
    expect(sageMakerTraining.Arguments.AlgorithmSpecification.MetricDefinitions).toEqual(sageMakerMetricDefinitions());
    for (const e of trainingMetricsEnv({})) expect(sageMakerTrainerEnv[e.name], e.name).toBe(e.value);
    expect(sageMakerTrainerEnv[RUN_IDENTITY_ENV.pipeline]).toBe("support-assistant");
    expect(Object.keys(sageMakerTrainerEnv).filter((k) => k.includes("PUSHGATEWAY"))).toEqual([]);
    expect(validateSageMakerDefinition(sageMaker.definition)).toEqual([]);
    // SageMaker caps a hyper-parameter value at 2500 characters.
    for (const [k, v] of Object.entries(sageMakerTraining.Arguments.HyperParameters as Record<string, string>)) expect(v.length, k).toBeLessThanOrEqual(2500);
  });

  it("prints one line per log event in exactly trainingLogLine's format, with progress and checkpoint ages", () => {
    expect(stderr).toBe("");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(trainingLogLine({ step: 10, loss: 0.8125, checkpointAgeSeconds: 8, lossIsFinite: 1, secondsSinceProgress: 10, resumes: 0 }));
    expect(extract(lines[0])).toEqual({
      finetune_training_step: 10,
      finetune_training_loss: 0.8125,
      finetune_checkpoint_age_seconds: 8,
      finetune_training_loss_is_finite: 1,
      finetune_training_seconds_since_progress: 10,
      finetune_training_resumes_total: 0,
    });
  });

  it("a line with every value matches EVERY definition, each with its own value", () => {
    const values: TrainingLogValues = {
      step: 20,
      loss: 0.4321,
      validationLoss: 0.51,
      tokensPerSecond: (10 * tokensPerStep) / 20,
      checkpointAgeSeconds: 28,
      lossIsFinite: 1,
      secondsSinceProgress: 10,
      resumes: 0,
    };
    expect(lines[1]).toBe(trainingLogLine(values));
    for (const d of sageMakerMetricDefinitions()) expect(new RegExp(d.Regex).exec(lines[1]), d.Name).not.toBeNull();
    expect(extract(lines[1])).toEqual({
      finetune_training_step: 20,
      finetune_training_loss: 0.4321,
      finetune_validation_loss: 0.51,
      finetune_training_tokens_per_second: (10 * tokensPerStep) / 20,
      finetune_checkpoint_age_seconds: 28,
      finetune_training_loss_is_finite: 1,
      finetune_training_seconds_since_progress: 10,
      finetune_training_resumes_total: 0,
    });
  });

  it("the heartbeat line carries the growing progress and checkpoint ages (the stall and checkpoint alarms)", () => {
    expect(lines[2]).toBe(trainingLogLine({ checkpointAgeSeconds: 88, secondsSinceProgress: 70 }));
    expect(extract(lines[2])).toEqual({ finetune_checkpoint_age_seconds: 88, finetune_training_seconds_since_progress: 70 });
  });

  it("a NaN or infinite loss is logged as nan/inf with loss_is_finite=0, and no loss datapoint", () => {
    expect(lines[3]).toBe(
      trainingLogLine({
        step: 30,
        loss: Number.NaN,
        tokensPerSecond: tokensPerStep / 10,
        checkpointAgeSeconds: 128,
        lossIsFinite: 0,
        secondsSinceProgress: 30,
        resumes: 0,
      }),
    );
    expect(lines[3]).toContain("finetune_training_loss=nan ");
    expect(lines[3]).toContain(" finetune_training_loss_is_finite=0 ");
    expect(extract(lines[3])).toEqual({
      finetune_training_step: 30,
      finetune_training_tokens_per_second: tokensPerStep / 10,
      finetune_checkpoint_age_seconds: 128,
      finetune_training_loss_is_finite: 0,
      finetune_training_seconds_since_progress: 30,
      finetune_training_resumes_total: 0,
    });
    expect(lines[4]).toBe(
      trainingLogLine({
        step: 31,
        loss: Number.POSITIVE_INFINITY,
        tokensPerSecond: tokensPerStep / 5,
        checkpointAgeSeconds: 133,
        lossIsFinite: 0,
        secondsSinceProgress: 0,
        resumes: 0,
      }),
    );
    expect(extract(lines[4])).not.toHaveProperty("finetune_training_loss");
    expect(extract(lines[4]).finetune_training_loss_is_finite).toBe(0);
  });
});

describe("Kubernetes: the rendered environment is monitoring's", () => {
  const r = renderK8s(prometheusMonitoring);
  const expected = [
    ...trainingMetricsEnv(prometheusMonitoring),
    { name: RUN_IDENTITY_ENV.pipeline, value: "support-assistant" },
    { name: RUN_IDENTITY_ENV.runId, value: "{{workflow.name}}" },
  ];

  it("trainer, checkpoint sync and evaluator get trainingMetricsEnv(contract) plus the pipeline/run labels, nothing else", () => {
    const train = trainingPod(r);
    const evalPod = (r.evaluationJobSet as Obj).spec.replicatedJobs[0].template.spec.template;
    for (const c of [container(train, "trainer"), container(train, "checkpoint-sync"), container(evalPod, "evaluator")]) {
      expect(
        (c.env as Env[]).filter((e) => isMetricsTransportEnv(e.name)),
        c.name,
      ).toEqual(expected);
    }
    expect(expected.find((e) => e.name === "FTKIT_PUSHGATEWAY_JOB")?.value).toBe("finetune-training");
    // the old, unread name is gone everywhere
    expect(JSON.stringify(r.objects) + JSON.stringify(r.trainingJobSet)).not.toMatch(/"PUSHGATEWAY_URL"/);
  });

  it("without a Pushgateway the trainer runs in log mode", () => {
    const env = container(trainingPod(renderK8s(undefined)), "trainer").env as Env[];
    expect(env.filter((e) => isMetricsTransportEnv(e.name))).toEqual([...trainingMetricsEnv({}), ...expected.slice(-2)]);
  });

  it("every rendered object (and the JobSets as Argo submits them) still validates", () => {
    expectValidManifests([...r.objects, submitted(r.trainingJobSet), submitted(r.evaluationJobSet)]);
    const bare = renderK8s(undefined);
    expectValidManifests([...bare.objects, submitted(bare.trainingJobSet), submitted(bare.evaluationJobSet)]);
  });
});

describe("Serving: monitoring's PodMonitor finds the vLLM pods", () => {
  const r = renderK8s(prometheusMonitoring);
  const byKind = (kind: string) => r.objects.filter((o) => o.kind === kind) as Obj[];
  const deployment = byKind("Deployment").find((d) => d.metadata.name === "support-assistant-serving")!;
  const podMonitor = renderScrapeConfigs({
    prefix: "finetune",
    namespace: "monitoring",
    selectorLabels: {},
    targetNamespaces: { [ScrapeTarget.Vllm]: ["finetune"] },
    pushgatewayName: "pushgateway",
  })[0] as Obj;

  it("the pod template carries SERVING_POD_LABELS and a container port named SERVING_METRICS_PORT", () => {
    expect(podMonitor.kind).toBe("PodMonitor");
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(SERVING_POD_LABELS);
    for (const [k, v] of Object.entries(podMonitor.spec.selector.matchLabels as Record<string, string>)) expect(labels[k], k).toBe(v);
    const vllm = container(deployment.spec.template, "vllm");
    const port = (vllm.ports as Obj[]).find((p) => p.name === podMonitor.spec.podMetricsEndpoints[0].port);
    expect(port).toEqual({ name: SERVING_METRICS_PORT, containerPort: 8000, protocol: "TCP" });
  });

  it("the Service, NetworkPolicy and HPA still match the Deployment and its port", () => {
    const svc = byKind("Service").find((s) => s.metadata.name === "support-assistant-serving")!;
    expect(svc.spec.ports).toEqual([{ name: SERVING_METRICS_PORT, port: 8000, targetPort: SERVING_METRICS_PORT, protocol: "TCP" }]);
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels as Record<string, string>))
      expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    const allow = byKind("NetworkPolicy").find((n) => n.metadata.name === "support-assistant-allow-serving")!;
    // Prometheus (monitoring namespace) may scrape the container port
    expect(allow.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      ports: [{ protocol: "TCP", port: 8000 }],
    });
    for (const hpa of byKind("HorizontalPodAutoscaler"))
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name });
  });
});

describe("Pushgateway: the scripts push where monitoring looks, heartbeat, and delete on exit", () => {
  type Req = { method: string; url: string; body: string; at: number };
  let server: http.Server;
  let base = "";
  const requests: Req[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({ method: req.method ?? "", url: req.url ?? "", body, at: Date.now() });
        // The Pushgateway answers 200 to PUT/POST and 202 to DELETE.
        res.writeHead(req.method === "DELETE" ? 202 : 200).end();
      });
    });
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  /** Requests of one group path, in arrival order. */
  const at = (p: string) => requests.filter((q) => q.url === p);
  /** The sample lines of an exposition body. */
  const samples = (body: string) => body.split("\n").filter((l) => l && !l.startsWith("#"));

  /** Renders the pipeline with the local Pushgateway in the contract and returns that container's process env. */
  const renderedEnv = (containerName: "trainer" | "checkpoint-sync") => {
    const r = renderK8s({ ...prometheusMonitoring, pushgatewayUrl: base });
    return container(trainingPod(r), containerName).env as Env[];
  };

  it("Python's group path equals pushgatewayGroupPath for every kind of label value", () => {
    const cases: [string, string][] = [
      ["support-assistant", RUN],
      ["a/b", ""],
      ["chat sft", "r:1"],
      ["ünï", "x(1)!*'~"],
      ["p", "a/b/c?"],
    ];
    const r = python(
      `import json, push_metrics as m\nprint(json.dumps([m.grouping_path("finetune-training", {"pipeline": a, "run_id": b}) for a, b in json.loads(${JSON.stringify(JSON.stringify(cases))})]))`,
      processEnv([]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(cases.map(([a, b]) => pushgatewayGroupPath(a, b)));
  });

  it("trainer: every log step POSTs step + last_push (+ loss, resumes) to the run's group; the heartbeat re-pushes last_push only; exit DELETEs the group", async () => {
    const group = pushgatewayGroupPath("support-assistant", RUN);
    const env = processEnv(renderedEnv("trainer"), { FTKIT_METRICS_HEARTBEAT_SECONDS: "0.2", FTKIT_RESUMES: "2" });
    expect(renderedEnv("trainer").find((e) => e.name === "FTKIT_METRICS_HEARTBEAT_SECONDS")?.value).toBe("60");
    // The training loop logs twice with heartbeats in between, then the process exits WITHOUT on_train_end
    // (an exception in the trainer): the atexit hook must still delete the group.
    const r = await pythonAsync(
      `
import time, types, ftkit_trainer_plugin as p
m = p.MetricsCallback()
args = types.SimpleNamespace(output_dir="/nonexistent"); c = types.SimpleNamespace(should_save=False)
st = lambda step: types.SimpleNamespace(global_step=step, is_world_process_zero=True)
m.on_train_begin(args, st(0), c)
m.on_log(args, st(10), c, logs={"loss": 1.5})
time.sleep(0.7)
m.on_log(args, st(20), c, logs={"loss": float("nan"), "eval_loss": 1.25})
time.sleep(0.5)
raise SystemExit(3)
`,
      env,
    );
    expect(r.code, r.stderr).toBe(3);
    const reqs = at(group);
    expect(reqs.length).toBeGreaterThanOrEqual(5);
    expect(requests.filter((q) => q.url.includes("/job/finetune-training/") && q.url !== group)).toEqual([]);
    const names = (q: Req) => samples(q.body).map((l) => l.split(/[ {]/)[0]);
    const [first, ...rest] = reqs;
    expect(first.method).toBe("POST");
    expect(names(first).sort()).toEqual([TRAINING_METRICS.lastPush, TRAINING_METRICS.loss, TRAINING_METRICS.resumes, TRAINING_METRICS.step].sort());
    expect(samples(first.body)).toEqual(
      expect.arrayContaining([`${TRAINING_METRICS.step} 10.0`, `${TRAINING_METRICS.loss} 1.5`, `${TRAINING_METRICS.resumes} 2.0`]),
    );
    expect(first.body).toContain(`# TYPE ${TRAINING_METRICS.resumes} counter`);
    // exactly the two log events carry the step; every other POST is a heartbeat with last_push alone
    const stepPushes = reqs.filter((q) => names(q).includes(TRAINING_METRICS.step));
    expect(stepPushes.map((q) => samples(q.body).find((l) => l.startsWith(`${TRAINING_METRICS.step} `)))).toEqual([
      `${TRAINING_METRICS.step} 10.0`,
      `${TRAINING_METRICS.step} 20.0`,
    ]);
    const heartbeats = rest.filter((q) => q.method === "POST" && !stepPushes.includes(q));
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    for (const h of heartbeats) {
      expect(names(h)).toEqual([TRAINING_METRICS.lastPush]);
      expect(Number(samples(h.body)[0].split(" ")[1])).toBeCloseTo(h.at / 1000, -1);
    }
    const second = rest.find((q) => q.body.includes(`${TRAINING_METRICS.step} 20.0`))!;
    // non-finite loss pushed as NaN: the FinetuneTrainingLossNotFinite alert (loss != loss) sees it
    expect(samples(second.body)).toEqual(expect.arrayContaining([`${TRAINING_METRICS.loss} NaN`, `${TRAINING_METRICS.validationLoss} 1.25`]));
    const last = reqs[reqs.length - 1];
    expect(last).toMatchObject({ method: "DELETE", body: "" });
    expect(reqs.filter((q) => q.method === "DELETE")).toHaveLength(1);
    // The log line is printed in push mode too.
    expect(r.stdout).toContain("[finetune-metrics] finetune_training_step=20 finetune_training_loss=nan");
  });

  it("trainer: on_train_end stops the heartbeat and DELETEs the group once (no push after it)", async () => {
    const group = pushgatewayGroupPath("support-assistant", RUN);
    const before = at(group).length;
    const env = processEnv(renderedEnv("trainer"), { FTKIT_METRICS_HEARTBEAT_SECONDS: "0.1" });
    const r = await pythonAsync(
      `
import time, types, ftkit_trainer_plugin as p
m = p.MetricsCallback()
args = types.SimpleNamespace(output_dir="/nonexistent"); c = types.SimpleNamespace(should_save=False)
st = lambda step: types.SimpleNamespace(global_step=step, is_world_process_zero=True)
m.on_train_begin(args, st(0), c)
m.on_log(args, st(5), c, logs={"loss": 0.5})
time.sleep(0.35)
m.on_train_end(args, st(5), c)
m.on_log(args, st(6), c, logs={"loss": 0.4})
time.sleep(0.35)
`,
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const reqs = at(group).slice(before);
    expect(reqs.map((q) => q.method).filter((m) => m === "DELETE")).toEqual(["DELETE"]);
    expect(reqs[reqs.length - 1].method).toBe("DELETE");
    expect(reqs.some((q) => q.body.includes(`${TRAINING_METRICS.step} 6.0`))).toBe(false);
  });

  it("checkpoint sync POSTs the last-checkpoint time into the same group (the trainer's DELETE removes it too)", async () => {
    const group = pushgatewayGroupPath("support-assistant", RUN);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-metrics-ckpt-"));
    try {
      const local = path.join(dir, "local");
      fs.mkdirSync(path.join(local, "checkpoint-40"), { recursive: true });
      fs.writeFileSync(path.join(local, "checkpoint-40", "adapter.bin"), "x");
      fs.writeFileSync(path.join(local, "checkpoint-40", ".saved-node-0"), "1");
      const before = at(group).length;
      const script = path.join(SCRIPTS, "checkpoints.py");
      const r = await pythonAsync(
        `import runpy, sys\nsys.argv = ${JSON.stringify([script, "sync", "--once", "--checkpoints", path.join(dir, "remote"), "--local", local])}\nrunpy.run_path(sys.argv[0], run_name="__main__")`,
        processEnv(renderedEnv("checkpoint-sync")),
      );
      expect(r.code, r.stderr).toBe(0);
      const pushes = at(group).slice(before);
      expect(pushes).toHaveLength(1);
      expect(pushes[0].method).toBe("POST");
      expect(samples(pushes[0].body)).toHaveLength(1);
      const [name, value] = samples(pushes[0].body)[0].split(" ");
      expect(name).toBe(TRAINING_METRICS.lastCheckpoint);
      expect(Math.abs(Number(value) - Date.now() / 1000)).toBeLessThan(60);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("evaluation gate PUTs scores and the gate flag under the run's grouping, names from the rendered env", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-metrics-eval-"));
    try {
      fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify({ task: { exact_match: 0.8 }, general: {}, safety: {} }));
      const r = renderK8s({ ...prometheusMonitoring, pushgatewayUrl: base });
      const evaluator = container((r.evaluationJobSet as Obj).spec.replicatedJobs[0].template.spec.template, "evaluator");
      const script = path.join(SCRIPTS, "evaluate.py");
      const res = await pythonAsync(
        `import runpy, sys\nsys.argv = ${JSON.stringify([script, "gate", "--metrics", path.join(dir, "metrics.json"), "--thresholds", "[]", "--out", path.join(dir, "gate.json")])}\nrunpy.run_path(sys.argv[0], run_name="__main__")`,
        processEnv(evaluator.env as Env[]),
      );
      expect(res.code, res.stderr).toBe(0);
      const push = requests.find((q) => q.url.startsWith("/metrics/job/finetune-evaluation/"))!;
      expect(push.method).toBe("PUT");
      expect(push.url).toBe(`/metrics/job/finetune-evaluation/pipeline/support-assistant/run_id/${RUN}`);
      expect(samples(push.body)).toEqual([
        `${TRAINING_METRICS.evalScore}{metric="exact_match",suite="task"} 0.8`,
        `${TRAINING_METRICS.evalGatePassed}{suite="all"} 1.0`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("push_metrics.py CLI uses the same group path", async () => {
    const r = await pythonAsync(
      `import push_metrics, sys\nsys.exit(push_metrics.main(["--url", ${JSON.stringify(base)}, "--job", "finetune-training", "--group", "pipeline=a/b", "--group", "run_id=r 1", "--metric", "${TRAINING_METRICS.step}=3"]))`,
      processEnv([]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(requests.some((q) => q.url === pushgatewayGroupPath("a/b", "r 1") && q.method === "PUT")).toBe(true);
  });
});
