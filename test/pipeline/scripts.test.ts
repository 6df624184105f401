import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageScriptsDir } from "../../components/pipeline/scripts";
import { pipelineMetricsEnv } from "../../pipelines/render/metrics-env";
import { CHECKPOINT_MARKERS, EXIT_CODES } from "../../pipelines/contract";
import { NON_RETRIABLE_EXIT_CODE } from "../../pipelines/render/kubernetes";

const BAD_INPUT = EXIT_CODES.badInput;

/**
 * The stage scripts the kit ships, RUN with python3 on data generated here, success and failure paths.
 * The object store is a local directory (the scripts' local-store mode, also used on SageMaker).
 */
const SCRIPTS = stageScriptsDir();
const run = (script: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync("python3", [path.join(SCRIPTS, script), ...args], { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const runAsync = async (script: string, args: string[], env: Record<string, string> = {}) => {
  try {
    const r = await promisify(execFile)("python3", [path.join(SCRIPTS, script), ...args], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: SCRIPTS, ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};
let root: string;
const tmp = (name: string) => {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const writeJsonl = (file: string, rows: unknown[]) =>
  fs.writeFileSync(file, rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));
const chatRow = (i: number) => ({
  messages: [
    { role: "system", content: "You are Acme's friendly support agent." },
    { role: "user", content: `Where is order #${i}?` },
    { role: "assistant", content: `Order #${i} ships tomorrow. Anything else I can help with?` },
  ],
});

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ftkit-scripts-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("prepare_dataset.py (data-prep)", () => {
  it("validates, de-duplicates, splits deterministically and writes statistics", () => {
    const dir = tmp("dp-ok");
    const rows = [
      ...Array.from({ length: 1200 }, (_, i) => chatRow(i)),
      chatRow(3),
      chatRow(7),
      { ...chatRow(9), messages: chatRow(9).messages.map((m) => ({ ...m, content: `  ${m.content}  ` })) },
    ];
    writeJsonl(path.join(dir, "raw.jsonl"), rows);
    const r = run("prepare_dataset.py", [
      "--input",
      path.join(dir, "raw.jsonl"),
      "--format",
      "chat",
      "--output",
      path.join(dir, "out"),
      "--min-examples",
      "1000",
      "--probe-examples",
      "10",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const stats = readJson(path.join(dir, "out", "stats.json"));
    expect(stats).toMatchObject({ rows: 1203, duplicates: 3, unique: 1200, splits: { train: 1080, validation: 60, test: 60 }, format: "chat" });
    const lines = (f: string) =>
      fs
        .readFileSync(path.join(dir, "out", f), "utf8")
        .trim()
        .split("\n");
    expect(lines("train.jsonl")).toHaveLength(1080);
    expect(lines("probe.jsonl")).toHaveLength(10);
    const evalRow = JSON.parse(lines("eval.jsonl")[0]);
    expect(Object.keys(evalRow).sort()).toEqual(["messages", "prompt", "target"]);
    expect(evalRow.messages.at(-1).role).toBe("user");
    expect(evalRow.target).toMatch(/ships tomorrow/);
    // no test example leaks into training
    const train = new Set(lines("train.jsonl"));
    expect(lines("test.jsonl").filter((l) => train.has(l))).toEqual([]);
    // deterministic
    run("prepare_dataset.py", ["--input", path.join(dir, "raw.jsonl"), "--format", "chat", "--output", path.join(dir, "out2"), "--min-examples", "1000"]);
    expect(fs.readFileSync(path.join(dir, "out2", "test.jsonl"), "utf8")).toBe(fs.readFileSync(path.join(dir, "out", "test.jsonl"), "utf8"));
  });

  it("fails with a clear message under the minimum example count (after de-duplication)", () => {
    const dir = tmp("dp-few");
    writeJsonl(path.join(dir, "raw.jsonl"), [
      ...Array.from({ length: 40 }, (_, i) => ({ instruction: `Classify doc ${i}`, output: '{"type":"invoice"}' })),
      { instruction: "Classify doc 1", output: '{"type":"invoice"}' },
    ]);
    const r = run("prepare_dataset.py", [
      "--input",
      path.join(dir, "raw.jsonl"),
      "--format",
      "instruction",
      "--output",
      path.join(dir, "out"),
      "--min-examples",
      "1000",
    ]);
    expect(r.code).toBe(BAD_INPUT);
    expect(r.stderr.trim()).toBe(
      "data-prep: only 40 unique examples (41 rows, 1 duplicates removed), fewer than the minimum 1000 (add examples, or lower dataset.minExamples: fewer than ~1,000 examples tends to overfit)",
    );
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });

  it("fails on malformed rows, naming each line", () => {
    const dir = tmp("dp-bad");
    writeJsonl(path.join(dir, "raw.jsonl"), [
      chatRow(1),
      "{not json",
      { messages: [{ role: "user", content: "hi" }] },
      {
        messages: [
          { role: "robot", content: "beep" },
          { role: "assistant", content: "x" },
        ],
      },
      { prompt: "p" },
      chatRow(2),
    ]);
    const r = run("prepare_dataset.py", ["--input", path.join(dir, "raw.jsonl"), "--format", "chat", "--output", path.join(dir, "out"), "--min-examples", "1"]);
    expect(r.code).toBe(BAD_INPUT);
    expect(r.stderr.trim().split("\n")).toEqual([
      "data-prep: 4 malformed rows in the chat dataset (fix or remove them):",
      "  raw.jsonl line 2: not valid JSON (Expecting property name enclosed in double quotes)",
      '  raw.jsonl line 3: the last message must be the "assistant" answer to learn',
      '  raw.jsonl line 4: messages[0] must be {"role": one of system/user/assistant, "content": non-empty string}',
      '  raw.jsonl line 5: "messages" must be a non-empty list of {"role", "content"}',
    ]);
  });

  it("uses an explicit test set and reports a missing dataset", () => {
    const dir = tmp("dp-explicit");
    writeJsonl(
      path.join(dir, "raw.jsonl"),
      Array.from({ length: 50 }, (_, i) => ({ prompt: `p${i}`, completion: `c${i}` })),
    );
    writeJsonl(
      path.join(dir, "test.jsonl"),
      Array.from({ length: 7 }, (_, i) => ({ prompt: `t${i}`, completion: `u${i}` })),
    );
    const r = run("prepare_dataset.py", [
      "--input",
      `file://${dir}/raw.jsonl`,
      "--format",
      "completion",
      "--output",
      path.join(dir, "out"),
      "--min-examples",
      "10",
      "--train",
      "0.9",
      "--validation",
      "0.1",
      "--test",
      "0",
      "--test-input",
      path.join(dir, "test.jsonl"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(path.join(dir, "out", "stats.json")).splits).toEqual({ train: 45, validation: 5, test: 7 });
    const missing = run("prepare_dataset.py", ["--input", path.join(dir, "nope.jsonl"), "--format", "chat", "--output", path.join(dir, "o2")]);
    expect(missing.code).toBe(BAD_INPUT);
    expect(missing.stderr).toContain(`data-prep: ${path.join(dir, "nope.jsonl")} does not exist (upload the dataset there, or fix dataset.uri)`);
  });
});

/** A checkpoint directory as the trainer + kit plugin leave it on a node. */
function localCheckpoint(outputDir: string, step: number, node: number, saved = true) {
  const d = path.join(outputDir, `checkpoint-${step}`);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, `shard-node${node}.safetensors`), `weights ${step}`);
  if (node === 0) fs.writeFileSync(path.join(d, "trainer_state.json"), JSON.stringify({ global_step: step }));
  if (saved) fs.writeFileSync(path.join(d, `${CHECKPOINT_MARKERS.local}${node}`), "1");
}

describe("checkpoints.py (find newest, resume, sync)", () => {
  it("reports no checkpoint yet on a first run (exit 0, nothing on stdout)", () => {
    const store = tmp("ck-empty");
    const r = run("checkpoints.py", ["newest", "--checkpoints", store]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no checkpoint yet under ${store}`);
  });

  it("uploads only checkpoints whose save finished, marks them per node, and resumes from the newest complete one", () => {
    const store = tmp("ck-store");
    const node0 = tmp("ck-node0");
    const node1 = tmp("ck-node1");
    localCheckpoint(node0, 100, 0);
    localCheckpoint(node1, 100, 1);
    localCheckpoint(node0, 200, 0);
    localCheckpoint(node1, 200, 1, false); // node 1 still writing step 200
    localCheckpoint(node0, 300, 0, false);
    expect(run("checkpoints.py", ["sync", "--once", "--checkpoints", store, "--local", node0, "--node-rank", "0", "--nodes", "2"]).code).toBe(0);
    expect(run("checkpoints.py", ["sync", "--once", "--checkpoints", store, "--local", node1, "--node-rank", "1", "--nodes", "2"]).code).toBe(0);
    expect(fs.readdirSync(store).sort()).toEqual(["checkpoint-100", "checkpoint-200"]);
    expect(fs.readdirSync(path.join(store, "checkpoint-100")).sort()).toEqual([
      ".complete-node-0",
      ".complete-node-1",
      "shard-node0.safetensors",
      "shard-node1.safetensors",
      "trainer_state.json",
    ]);
    // step 200 lacks node 1: the newest COMPLETE checkpoint is 100
    expect(run("checkpoints.py", ["newest", "--checkpoints", store, "--nodes", "2"]).stdout.trim()).toBe("checkpoint-100");
    localCheckpoint(node1, 200, 1);
    run("checkpoints.py", ["sync", "--once", "--checkpoints", store, "--local", node1, "--node-rank", "1", "--nodes", "2"]);
    expect(run("checkpoints.py", ["newest", "--checkpoints", store, "--nodes", "2"]).stdout.trim()).toBe("checkpoint-200");

    const dest = tmp("ck-restore");
    const restored = run("checkpoints.py", ["restore", "--checkpoints", store, "--nodes", "2", "--dest", dest, "--count-resume"]);
    expect(restored.stdout.trim()).toBe(path.join(dest, "checkpoint-200"));
    expect(fs.readdirSync(path.join(dest, "checkpoint-200"))).toContain("shard-node1.safetensors");
    expect(readJson(path.join(store, "resumes.json")).resumes).toBe(1);
  });

  it("keeps the newest K complete checkpoints and prunes older ones", () => {
    const store = tmp("ck-prune");
    const node = tmp("ck-prune-node");
    for (const step of [10, 20, 30, 40]) localCheckpoint(node, step, 0);
    const r = run("checkpoints.py", ["sync", "--once", "--checkpoints", store, "--local", node, "--keep", "2"]);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(store).sort()).toEqual(["checkpoint-30", "checkpoint-40"]);
    expect(r.stderr).toContain("pruned checkpoint-20, checkpoint-10 (keeping the newest 2)");
  });
});

describe("train_launcher.py (training: fetch, resume, render config, train)", () => {
  const setup = (name: string) => {
    const dir = tmp(name);
    const store = path.join(dir, "store");
    fs.mkdirSync(path.join(store, "setup"), { recursive: true });
    fs.mkdirSync(path.join(store, "data"), { recursive: true });
    fs.writeFileSync(path.join(store, "data", "train.jsonl"), "{}\n");
    fs.writeFileSync(
      path.join(store, "setup", "trainer.json"),
      JSON.stringify({ base_model: "/workspace/model", micro_batch_size: 2, resume_from_checkpoint: "stale" }),
    );
    return { dir, store };
  };

  it("starts from the base model when there is no checkpoint, and resumes from the newest one after a restart", () => {
    const { dir, store } = setup("tl-resume");
    const args = (out: string) => [
      "--config",
      path.join(store, "setup", "trainer.json"),
      "--rendered",
      path.join(dir, "rendered.json"),
      "--checkpoints",
      path.join(store, "ckpt"),
      "--output-dir",
      out,
      "--fetch",
      `${path.join(store, "data")}=${path.join(dir, "data")}`,
      "--dry-run",
      "--",
      "torchrun",
      "--node-rank={node_rank}",
      "-m",
      "axolotl.cli.train",
      "{config}",
    ];
    const first = run("train_launcher.py", args(path.join(dir, "out1")));
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      command: ["torchrun", "--node-rank=0", "-m", "axolotl.cli.train", path.join(dir, "rendered.json")],
      resume: null,
      config: path.join(dir, "rendered.json"),
    });
    expect(readJson(path.join(dir, "rendered.json"))).toEqual({ base_model: "/workspace/model", micro_batch_size: 2, output_dir: path.join(dir, "out1") });
    expect(fs.existsSync(path.join(dir, "data", "train.jsonl"))).toBe(true);

    // a preempted attempt left checkpoint-50 (complete) and checkpoint-60 (incomplete) in the store
    for (const [step, complete] of [
      [50, true],
      [60, false],
    ] as const) {
      const d = path.join(store, "ckpt", `checkpoint-${step}`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, "adapter_model.safetensors"), "w");
      if (complete) fs.writeFileSync(path.join(d, ".complete-node-0"), "1");
    }
    const second = run("train_launcher.py", args(path.join(dir, "out2")));
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).resume).toBe(path.join(dir, "out2", "checkpoint-50"));
    expect(readJson(path.join(dir, "rendered.json")).resume_from_checkpoint).toBe(path.join(dir, "out2", "checkpoint-50"));
    expect(fs.existsSync(path.join(dir, "out2", "checkpoint-50", "adapter_model.safetensors"))).toBe(true);
    expect(second.stderr).toContain("resuming from checkpoint-50");
  });

  it("runs the trainer, substitutes {config} and {node_rank}, and uploads the final model without checkpoints", () => {
    const { dir, store } = setup("tl-run");
    const trainer = `import json,os,sys; cfg=json.load(open(sys.argv[1])); out=cfg['output_dir']; os.makedirs(out+'/checkpoint-9',exist_ok=True); open(out+'/adapter_model.safetensors','w').write('final'); open(out+'/rank.txt','w').write(sys.argv[2])`;
    const r = run("train_launcher.py", [
      "--config",
      path.join(store, "setup", "trainer.json"),
      "--rendered",
      path.join(dir, "r.json"),
      "--checkpoints",
      path.join(store, "ckpt"),
      "--output-dir",
      path.join(dir, "out"),
      "--final-output",
      path.join(store, "training"),
      "--node-rank",
      "0",
      "--",
      "python3",
      "-c",
      trainer,
      "{config}",
      "{node_rank}",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(store, "training")).sort()).toEqual(["_SUCCESS", "adapter_model.safetensors", "rank.txt"]);
    expect(fs.readFileSync(path.join(store, "training", "rank.txt"), "utf8")).toBe("0");
  });

  it("exits the bad-input code (no retry) when the trainer config is missing or inputs are absent, and passes the trainer's failure through", () => {
    const { dir, store } = setup("tl-bad");
    const noConfig = run("train_launcher.py", [
      "--config",
      path.join(store, "nope.json"),
      "--checkpoints",
      path.join(store, "ckpt"),
      "--output-dir",
      path.join(dir, "o"),
      "--",
      "true",
    ]);
    expect([noConfig.code, noConfig.stderr.trim().split("\n").at(-1)]).toEqual([
      42,
      `training: trainer config ${path.join(store, "nope.json")} not found (run training-setup first)`,
    ]);
    const noInput = run("train_launcher.py", [
      "--config",
      path.join(store, "setup", "trainer.json"),
      "--checkpoints",
      path.join(store, "ckpt"),
      "--output-dir",
      path.join(dir, "o"),
      "--fetch",
      `${path.join(store, "missing")}=${path.join(dir, "m")}`,
      "--",
      "true",
    ]);
    expect(noInput.code).toBe(BAD_INPUT);
    expect(noInput.stderr).toContain("is empty or missing (did the earlier stage succeed?)");
    fs.writeFileSync(path.join(store, "setup", "broken.json"), "{");
    expect(
      run("train_launcher.py", [
        "--config",
        path.join(store, "setup", "broken.json"),
        "--rendered",
        path.join(dir, "x.json"),
        "--checkpoints",
        path.join(store, "ckpt"),
        "--output-dir",
        path.join(dir, "o"),
        "--",
        "true",
      ]).code,
    ).toBe(BAD_INPUT);
    expect(
      run("train_launcher.py", [
        "--config",
        path.join(store, "setup", "trainer.json"),
        "--rendered",
        path.join(dir, "x.json"),
        "--checkpoints",
        path.join(store, "ckpt"),
        "--output-dir",
        path.join(dir, "o"),
        "--",
        "python3",
        "-c",
        "raise SystemExit(7)",
      ]).code,
    ).toBe(7);
  });
});

describe("evaluate.py gate", () => {
  const metrics = { task: { exact_match: 0.82, json_valid: 1 }, general: { "mmlu/acc": 0.61 }, safety: { "truthfulqa_mc2/acc": 0.5 } };
  const thresholds = [
    { suite: "task", metric: "exact_match", min: 0.8 },
    { suite: "general", metric: "mmlu/acc", min: 0.6 },
  ];

  it("passes when every threshold is met and nothing regressed against the deployed version", () => {
    const dir = tmp("gate-pass");
    fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify(metrics));
    fs.writeFileSync(
      path.join(dir, "deployed.json"),
      JSON.stringify({ version: "run-1", metrics: { task: { exact_match: 0.8 }, general: { "mmlu/acc": 0.62 } } }),
    );
    const r = run("evaluate.py", [
      "gate",
      "--metrics",
      path.join(dir, "metrics.json"),
      "--thresholds",
      JSON.stringify(thresholds),
      "--deployed",
      path.join(dir, "deployed.json"),
      "--out",
      path.join(dir, "gate.json"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(path.join(dir, "gate.json"))).toMatchObject({ passed: true, failures: [], deployedVersion: "run-1" });
  });

  it("fails (exit 1) with the reason when a threshold is missed or a metric regressed", () => {
    const dir = tmp("gate-fail");
    fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify({ ...metrics, task: { exact_match: 0.7 } }));
    fs.writeFileSync(
      path.join(dir, "deployed.json"),
      JSON.stringify({ version: "run-1", metrics: { general: { "mmlu/acc": 0.66 }, safety: { "truthfulqa_mc2/acc": 0.5 } } }),
    );
    const r = run("evaluate.py", [
      "gate",
      "--metrics",
      path.join(dir, "metrics.json"),
      "--thresholds",
      JSON.stringify(thresholds),
      "--deployed",
      path.join(dir, "deployed.json"),
      "--out",
      path.join(dir, "gate.json"),
    ]);
    expect(r.code).toBe(1);
    const reason =
      "evaluation gate failed: task/exact_match = 0.7 is below the minimum 0.8; general/mmlu/acc = 0.61 regressed from 0.66 of the deployed version run-1 (more than 0.02)";
    expect(r.stderr.trim()).toBe(`evaluation-gate: ${reason}`);
    expect(readJson(path.join(dir, "gate.json"))).toMatchObject({ passed: false, reason });
  });

  it("with --no-fail leaves the decision to a later step (SageMaker's Condition) and treats a missing metric as a failure", () => {
    const dir = tmp("gate-nofail");
    fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify({ task: {} }));
    fs.writeFileSync(path.join(dir, "thresholds.json"), JSON.stringify([{ suite: "safety", metric: "toxigen/acc", min: 0.5 }]));
    const r = run("evaluate.py", [
      "gate",
      "--metrics",
      path.join(dir, "metrics.json"),
      "--thresholds",
      path.join(dir, "thresholds.json"),
      "--deployed",
      path.join(dir, "absent.json"),
      "--out",
      path.join(dir, "gate.json"),
      "--no-fail",
    ]);
    expect(r.code).toBe(0);
    expect(readJson(path.join(dir, "gate.json"))).toMatchObject({
      passed: false,
      failures: ["safety/toxigen/acc was not measured (check the evaluation logs)"],
      deployedVersion: null,
    });
  });

  it("collects lm-evaluation-harness results per suite and fails when a suite produced nothing", () => {
    const dir = tmp("collect");
    fs.mkdirSync(path.join(dir, "lm", "general", "model"), { recursive: true });
    fs.writeFileSync(path.join(dir, "task.json"), JSON.stringify({ task: { exact_match: 0.9 }, latency: { p95_seconds: 1.2 } }));
    fs.writeFileSync(
      path.join(dir, "lm", "general", "model", "results_2026-11-29T00-00-00.json"),
      JSON.stringify({ results: { mmlu: { "acc,none": 0.64, "acc_stderr,none": 0.01, alias: "mmlu" }, arc_easy: { "acc,none": 0.8, "acc_norm,none": 0.78 } } }),
    );
    const ok = run("evaluate.py", [
      "collect",
      "--task-scores",
      path.join(dir, "task.json"),
      "--lm-eval-dir",
      path.join(dir, "lm"),
      "--general-tasks",
      "mmlu,arc_easy",
      "--out",
      path.join(dir, "metrics.json"),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readJson(path.join(dir, "metrics.json"))).toEqual({
      task: { exact_match: 0.9 },
      general: { "mmlu/acc": 0.64, "arc_easy/acc": 0.8, "arc_easy/acc_norm": 0.78 },
      safety: {},
      latency: { p95_seconds: 1.2 },
    });
    const missing = run("evaluate.py", [
      "collect",
      "--task-scores",
      path.join(dir, "task.json"),
      "--lm-eval-dir",
      path.join(dir, "lm"),
      "--safety-tasks",
      "toxigen",
      "--out",
      path.join(dir, "m2.json"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("evaluation: lm-evaluation-harness produced no results for safety task toxigen (check the evaluator logs)");
  });
});

describe("evaluate.py task scoring, probe and metrics push against live HTTP endpoints", () => {
  let server: http.Server;
  let base = "";
  const pushes: { method: string; url: string; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (req.url === "/v1/chat/completions") {
          const prompt = JSON.parse(body).messages.at(-1).content as string;
          const answer = prompt.includes("invoice") ? '{"type": "invoice", "total": 10}' : "not json";
          res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ choices: [{ message: { content: answer } }] }));
        } else if (req.url === "/v1/models") {
          res.writeHead(200).end(JSON.stringify({ data: [{ id: "doc-classifier", root: "/models/adapters/run-7" }] }));
        } else if (req.url?.startsWith("/metrics/")) {
          pushes.push({ method: req.method ?? "", url: req.url, body });
          res.writeHead(200).end();
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  it("scores the held-out examples (exact match, JSON validity, field accuracy)", async () => {
    const dir = tmp("task");
    writeJsonl(path.join(dir, "eval.jsonl"), [
      { messages: [{ role: "user", content: "Classify: invoice #1" }], prompt: "", target: '{"type": "invoice", "total": 10}' },
      { messages: [{ role: "user", content: "Classify: invoice #2" }], prompt: "", target: '{"type": "invoice", "total": 12}' },
      { messages: [{ role: "user", content: "Classify: contract" }], prompt: "", target: '{"type": "contract"}' },
    ]);
    const r = await runAsync("evaluate.py", [
      "task",
      "--eval-file",
      path.join(dir, "eval.jsonl"),
      "--endpoint",
      `${base}/v1`,
      "--model",
      "doc-classifier",
      "--metrics",
      "exact_match,json_valid,json_field_accuracy",
      "--out",
      path.join(dir, "task.json"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const task = readJson(path.join(dir, "task.json"));
    expect(task.task).toEqual({ exact_match: 0.333333, json_valid: 0.666667, json_field_accuracy: 0.5 });
    expect(task.examples).toBe(3);
  });

  it("probe: fails below the minimum score and pushes scores and the pass flag to the Pushgateway", async () => {
    const dir = tmp("probe");
    writeJsonl(path.join(dir, "probe.jsonl"), [{ messages: [{ role: "user", content: "contract please" }], prompt: "", target: '{"type": "contract"}' }]);
    const r = await runAsync(
      "evaluate.py",
      [
        "probe",
        "--eval-file",
        path.join(dir, "probe.jsonl"),
        "--endpoint",
        `${base}/v1`,
        "--model",
        "doc-classifier",
        "--metrics",
        "json_valid",
        "--min-score",
        "0.9",
        "--max-latency",
        "5",
        "--out",
        path.join(dir, "probe.json"),
      ],
      Object.fromEntries(pipelineMetricsEnv({ pushgatewayUrl: base }, "doc-classifier", "monitor-1").map((e) => [e.name, e.value])),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("monitoring: probe failed: task score 0 is below 0.9");
    const push = pushes.find((p) => p.url.startsWith("/metrics/job/finetune-probe"))!;
    expect(push.method).toBe("PUT");
    expect(push.url).toBe("/metrics/job/finetune-probe/pipeline/doc-classifier/run_id/monitor-1");
    expect(push.body).toContain('finetune_eval_score{metric="json_valid",suite="probe"} 0.0');
    expect(push.body).toContain('finetune_eval_gate_passed{suite="probe"} 0.0');
  });

  it("waits until the endpoint serves the new version (deployment verify)", async () => {
    const ok = await runAsync("evaluate.py", [
      "wait-version",
      "--endpoint",
      `${base}/v1`,
      "--model",
      "doc-classifier",
      "--version",
      "run-7",
      "--consecutive",
      "2",
      "--interval",
      "0.05",
      "--timeout",
      "5",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const stale = await runAsync("evaluate.py", [
      "wait-version",
      "--endpoint",
      `${base}/v1`,
      "--model",
      "doc-classifier",
      "--version",
      "run-8",
      "--interval",
      "0.05",
      "--timeout",
      "0.3",
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("deployment: the endpoint did not serve version run-8 within 0s (last seen: /models/adapters/run-7)");
  });

  it("push_metrics.py pushes gauges in the text format and never fails a run on a push error", async () => {
    const r = await runAsync("push_metrics.py", [
      "--url",
      base,
      "--job",
      "finetune-training",
      "--group",
      "pipeline=support",
      "--group",
      "run_id=r 1",
      "--metric",
      "finetune_training_loss=1.25",
      "--metric",
      'finetune_eval_score{suite="task",metric="chrf"}=0.5',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const push = pushes.find((p) => p.url.startsWith("/metrics/job/finetune-training"))!;
    expect(push.url).toBe("/metrics/job/finetune-training/pipeline/support/run_id/r%201");
    expect(push.body).toBe(
      '# TYPE finetune_training_loss gauge\nfinetune_training_loss 1.25\n# TYPE finetune_eval_score gauge\nfinetune_eval_score{metric="chrf",suite="task"} 0.5\n',
    );
    const down = await runAsync("push_metrics.py", ["--url", "http://127.0.0.1:1", "--job", "j", "--metric", "x=1"]);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain("push_metrics:");
    expect((await runAsync("push_metrics.py", ["--url", "http://127.0.0.1:1", "--job", "j", "--metric", "x=1", "--strict"])).code).toBe(1);
  });
});

describe("fetch_model.py (model-init)", () => {
  const fakeHf = (files: string) => `python3 -c "import os,sys; d=sys.argv[1]; [open(os.path.join(d,f),'w').write('x') for f in '${files}'.split(',')]" {dir}`;

  it("downloads once, verifies, writes a manifest and the completion marker; later runs reuse the snapshot", () => {
    const dest = path.join(tmp("mi"), "models", "acme", "m@abc");
    const first = run("fetch_model.py", [
      "--model-id",
      "acme/m",
      "--revision",
      "abc",
      "--dest",
      dest,
      "--download-command",
      fakeHf("config.json,model.safetensors,tokenizer.json"),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ cached: false, files: 3 });
    expect(fs.readdirSync(dest).sort()).toEqual([".complete", "config.json", "ftkit-manifest.json", "model.safetensors", "tokenizer.json"]);
    expect(readJson(path.join(dest, "ftkit-manifest.json")).files["config.json"].sha256).toBe(
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
    );
    const again = run("fetch_model.py", ["--model-id", "acme/m", "--revision", "abc", "--dest", dest, "--download-command", "false"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).cached).toBe(true);
  });

  it("rejects a snapshot without weights or with missing shards, and explains a failed download", () => {
    const dir = tmp("mi-bad");
    const r = run("fetch_model.py", [
      "--model-id",
      "acme/m",
      "--revision",
      "abc",
      "--dest",
      path.join(dir, "a"),
      "--download-command",
      fakeHf("config.json,README.md"),
    ]);
    expect(r.code).toBe(BAD_INPUT);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      "model-init: acme/m@abc is not a usable model snapshot: no weights (*.safetensors or *.bin) at the top level (check the id and revision)",
    );
    expect(fs.existsSync(path.join(dir, "a", ".complete"))).toBe(false);
    const failed = run("fetch_model.py", ["--model-id", "meta-llama/x", "--revision", "abc", "--dest", path.join(dir, "b"), "--download-command", "false"], {
      HF_TOKEN: "",
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      "download of meta-llama/x@abc failed with exit code 1 (if the model is gated, set baseModel.gated and finetune:hubToken, and accept its licence on the hub)",
    );
  });
});

describe("setup_training.py (training-setup)", () => {
  it("publishes the trainer config and sizing with the step count, and refuses a split smaller than one optimizer step", () => {
    const dir = tmp("setup");
    fs.writeFileSync(path.join(dir, "trainer.json"), JSON.stringify({ micro_batch_size: 2, gradient_accumulation_steps: 8, num_epochs: 3 }));
    fs.writeFileSync(path.join(dir, "sizing.json"), JSON.stringify({ fits: true, placement: { totalGpus: 2 } }));
    fs.writeFileSync(path.join(dir, "stats.json"), JSON.stringify({ splits: { train: 1000 } }));
    const ok = run("setup_training.py", [
      "--trainer-config",
      path.join(dir, "trainer.json"),
      "--sizing",
      path.join(dir, "sizing.json"),
      "--stats",
      path.join(dir, "stats.json"),
      "--output",
      path.join(dir, "out"),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readJson(path.join(dir, "out", "sizing.json")).dataset).toEqual({ train: 1000, stepsPerEpoch: 32, totalSteps: 96 });
    fs.writeFileSync(path.join(dir, "stats.json"), JSON.stringify({ splits: { train: 20 } }));
    const small = run("setup_training.py", [
      "--trainer-config",
      path.join(dir, "trainer.json"),
      "--sizing",
      path.join(dir, "sizing.json"),
      "--stats",
      path.join(dir, "stats.json"),
      "--output",
      path.join(dir, "out2"),
    ]);
    expect(small.code).toBe(BAD_INPUT);
    expect(small.stderr.trim()).toBe(
      "training-setup: the training split has 20 examples, fewer than one optimizer step needs (32 = micro-batch × accumulation × 2 GPUs) (add data or lower training.batchSize/gradientAccumulationSteps)",
    );
  });
});

describe("register_model.py (deployment: registry, promotion, rollback)", () => {
  it("registers only gated-through versions, promotes with a previous version kept, rolls back, and serves the deployed one", () => {
    const dir = tmp("reg");
    const reg = path.join(dir, "registry", "support");
    const mk = (v: string, passed: boolean) => {
      fs.mkdirSync(path.join(dir, v, "training"), { recursive: true });
      fs.mkdirSync(path.join(dir, v, "evaluation"), { recursive: true });
      fs.writeFileSync(path.join(dir, v, "training", "adapter_model.safetensors"), v);
      fs.writeFileSync(path.join(dir, v, "training", "_SUCCESS"), "{}");
      fs.writeFileSync(path.join(dir, v, "evaluation", "gate.json"), JSON.stringify({ passed, reason: passed ? "passed" : "evaluation gate failed: x" }));
      fs.writeFileSync(path.join(dir, v, "evaluation", "metrics.json"), JSON.stringify({ task: { exact_match: v === "run-1" ? 0.8 : 0.85 } }));
      fs.writeFileSync(path.join(dir, v, "probe.jsonl"), `{"v":"${v}"}\n`);
    };
    const register = (v: string) =>
      run("register_model.py", [
        "register",
        "--registry",
        reg,
        "--version",
        v,
        "--source",
        path.join(dir, v, "training"),
        "--evaluation",
        path.join(dir, v, "evaluation"),
        "--probe",
        path.join(dir, v, "probe.jsonl"),
        "--provenance",
        '{"baseModel":"meta-llama/Llama-3.1-8B-Instruct"}',
      ]);
    expect(run("register_model.py", ["fetch", "--registry", reg, "--dest", path.join(dir, "serve")]).code).toBe(3);
    mk("run-0", false);
    const refused = register("run-0");
    expect(refused.code).toBe(BAD_INPUT);
    expect(refused.stderr.trim()).toBe("deployment: version run-0 did not pass the evaluation gate (evaluation gate failed: x): refusing to register it");
    mk("run-1", true);
    mk("run-2", true);
    expect(register("run-1").code).toBe(0);
    expect(run("register_model.py", ["promote", "--registry", reg, "--version", "run-1"]).stdout.trim()).toBe("");
    expect(register("run-2").code).toBe(0);
    expect(run("register_model.py", ["promote", "--registry", reg, "--version", "run-2"]).stdout.trim()).toBe("run-1");
    expect(readJson(path.join(reg, "deployed.json"))).toMatchObject({
      version: "run-2",
      previous: { version: "run-1" },
      history: ["run-1", "run-2"],
      metrics: { task: { exact_match: 0.85 } },
    });
    expect(fs.readFileSync(path.join(reg, "probe.jsonl"), "utf8")).toBe('{"v":"run-2"}\n');
    expect(readJson(path.join(reg, "run-2", "model.json"))).toMatchObject({ version: "run-2", baseModel: "meta-llama/Llama-3.1-8B-Instruct" });
    const rb = run("register_model.py", ["rollback", "--registry", reg]);
    expect(rb.stdout.trim()).toBe("run-1");
    expect(rb.stderr).toContain("rolled back from run-2 to run-1");
    expect(run("register_model.py", ["rollback", "--registry", reg]).code).toBe(1);
    const fetched = run("register_model.py", ["fetch", "--registry", reg, "--dest", path.join(dir, "serve")]);
    expect(fetched.stdout.trim()).toBe(path.join(dir, "serve", "run-1"));
    expect(fs.readFileSync(path.join(dir, "serve", "current"), "utf8")).toBe("run-1");
    // vLLM serves the fixed path <dest>/active (no shell to read `current`)
    expect(fs.readlinkSync(path.join(dir, "serve", "active"))).toBe("run-1");
    expect(fs.readFileSync(path.join(dir, "serve", "active", "adapter_model.safetensors"), "utf8")).toBe("run-1");
    expect(fs.readFileSync(path.join(dir, "serve", "run-1", "adapter_model.safetensors"), "utf8")).toBe("run-1");
    expect(run("register_model.py", ["promote", "--registry", reg, "--version", "run-9"]).code).toBe(BAD_INPUT);
  });
});

describe("register_model.py: concurrent promotions (lock object deployed.json.lock)", () => {
  /** A registry with versions registered (gate passed, training complete) under <dir>/registry/m. */
  const registry = (name: string, versions: string[]) => {
    const dir = tmp(name);
    const reg = path.join(dir, "registry", "m");
    for (const v of versions) {
      for (const d of ["training", "evaluation"]) fs.mkdirSync(path.join(dir, v, d), { recursive: true });
      fs.writeFileSync(path.join(dir, v, "training", "_SUCCESS"), "{}");
      fs.writeFileSync(path.join(dir, v, "evaluation", "gate.json"), JSON.stringify({ passed: true, reason: "passed" }));
      const r = run("register_model.py", [
        "register",
        "--registry",
        reg,
        "--version",
        v,
        "--source",
        path.join(dir, v, "training"),
        "--evaluation",
        path.join(dir, v, "evaluation"),
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    return reg;
  };
  const lock = (reg: string, expiresIn: number) =>
    fs.writeFileSync(path.join(reg, "deployed.json.lock"), JSON.stringify({ owner: "other-host/7/abcd1234", expires: Date.now() / 1000 + expiresIn }));

  it("promotes four versions at once: each applies itself on the state the previous one left, none is lost", async () => {
    const versions = ["run-a", "run-b", "run-c", "run-d"];
    const reg = registry("reg-race", versions);
    const results = await Promise.all(versions.map((v) => runAsync("register_model.py", ["promote", "--registry", reg, "--version", v])));
    expect(results.map((r) => [r.code, r.stderr.includes("Traceback")])).toEqual(versions.map(() => [0, false]));
    const deployed = readJson(path.join(reg, "deployed.json"));
    // every promotion is in the history exactly once, and each one's "previous" is the one before it in that order
    expect([...deployed.history].sort()).toEqual(versions);
    expect(results.map((r) => r.stdout.trim()).sort()).toEqual(["", ...deployed.history.slice(0, -1)].sort());
    expect(deployed.version).toBe(deployed.history[3]);
    expect(deployed.previous.version).toBe(deployed.history[2]);
    expect(fs.existsSync(path.join(reg, "deployed.json.lock"))).toBe(false);
  });

  it("with the read-modify-write window held open (0.3 s after each read of deployed.json), four racing promotions still all land", () => {
    const versions = ["run-a", "run-b", "run-c", "run-d"];
    const reg = registry("reg-window", versions);
    // Four promotions in threads of one process, the store's read of deployed.json slowed: without the lock every one
    // reads the empty state and the last write wins (the history keeps one version); with it they serialise.
    const r = spawnSync(
      "python3",
      [
        "-c",
        `
import json, sys, threading, time
import ftkit_store, register_model
read = ftkit_store.Store.read_json
def slow(self, uri):
    value = read(self, uri)
    if uri.endswith("deployed.json"):
        time.sleep(0.3)
    return value
ftkit_store.Store.read_json = slow
codes = []
threads = [threading.Thread(target=lambda v=v: codes.append(register_model.main(["promote", "--registry", sys.argv[1], "--version", v]))) for v in sys.argv[2:]]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(codes))
`,
        reg,
        ...versions,
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual([0, 0, 0, 0]);
    const deployed = readJson(path.join(reg, "deployed.json"));
    expect([...deployed.history].sort()).toEqual(versions);
    expect(deployed.previous.version).toBe(deployed.history[2]);
  });

  it("fails cleanly (exit 1, one line naming the holder) while another promotion holds the lock, and changes nothing", () => {
    const reg = registry("reg-held", ["run-a", "run-b"]);
    expect(run("register_model.py", ["promote", "--registry", reg, "--version", "run-a"]).code).toBe(0);
    const before = fs.readFileSync(path.join(reg, "deployed.json"), "utf8");
    lock(reg, 600);
    const held = run("register_model.py", ["promote", "--registry", reg, "--version", "run-b", "--lock-wait", "0.3"]);
    expect([held.code, held.stderr]).toEqual([
      1,
      `deployment: ${reg}/deployed.json.lock is held by other-host/7/abcd1234 (another run is changing it: retry when it has finished)\n`,
    ]);
    const rollback = run("register_model.py", ["rollback", "--registry", reg, "--lock-wait", "0"]);
    expect([rollback.code, rollback.stderr.split("\n").length]).toEqual([1, 2]);
    expect(fs.readFileSync(path.join(reg, "deployed.json"), "utf8")).toBe(before);
    expect(readJson(path.join(reg, "deployed.json.lock")).owner).toBe("other-host/7/abcd1234");
  });

  it("takes over a lock whose holder died (expired), then promotes", () => {
    const reg = registry("reg-expired", ["run-a"]);
    lock(reg, -1);
    const r = run("register_model.py", ["promote", "--registry", reg, "--version", "run-a", "--lock-wait", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`store: lock ${reg}/deployed.json.lock of other-host/7/abcd1234 expired, taking it over\n`);
    expect(readJson(path.join(reg, "deployed.json")).version).toBe("run-a");
    expect(fs.existsSync(path.join(reg, "deployed.json.lock"))).toBe(false);
  });
});

describe("register_model.py promotion on an object store (a fake rclone over a local directory)", () => {
  /** rclone's subcommands the promotion uses, against FAKE_ROOT; `If-None-Match: *` answers 412 when the key exists, as S3 does. */
  const FAKE_RCLONE = `#!/usr/bin/env python3
import json, os, sys
root, args, headers = os.environ["FAKE_ROOT"], sys.argv[1:], []
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
while "--header-upload" in args:
    i = args.index("--header-upload")
    headers.append(args[i + 1])
    del args[i:i + 2]
cmd, rest = args[0], args[1:]
def local(remote):
    return os.path.join(root, remote.split(":", 1)[1])
if cmd == "lsjson":
    d = local(rest[-1])
    if not os.path.isdir(d):
        sys.exit("error listing: directory not found")
    print(json.dumps([{"Path": os.path.relpath(os.path.join(p, f), d)} for p, _, fs in os.walk(d) for f in fs]))
elif cmd == "cat":
    sys.stdout.write(open(local(rest[0])).read())
elif cmd == "rcat":
    if headers and os.environ.get("FAKE_OLD"):
        sys.exit("ERROR : Don" + chr(39) + "t know how to set key 'If-None-Match' on upload")
    target = local(rest[0])
    if "If-None-Match: *" in headers and os.path.exists(target):
        sys.exit("Failed to rcat: PreconditionFailed: At least one of the pre-conditions you specified did not hold, status code: 412")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    open(target, "w").write(sys.stdin.read())
elif cmd == "deletefile":
    os.remove(local(rest[0]))
else:
    sys.exit("fake rclone: unsupported " + cmd)
`;
  const setup = (name: string) => {
    const dir = tmp(name);
    const rclone = path.join(dir, "rclone");
    fs.writeFileSync(rclone, FAKE_RCLONE, { mode: 0o755 });
    const root = path.join(dir, "root");
    for (const v of ["run-a", "run-b"]) {
      fs.mkdirSync(path.join(root, "bucket", "registry", "m", v), { recursive: true });
      fs.writeFileSync(path.join(root, "bucket", "registry", "m", v, "model.json"), JSON.stringify({ version: v }));
    }
    const log = path.join(dir, "calls.log");
    const env = { FTKIT_RCLONE: rclone, FAKE_ROOT: root, FAKE_LOG: log };
    const calls = () =>
      fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[]);
    return { root, env, calls, deployed: () => readJson(path.join(root, "bucket", "registry", "m", "deployed.json")) };
  };

  it("creates the lock with a conditional write (If-None-Match: *), removes its own, waits on a live one, and a racing create gets 412", () => {
    const { root, env, calls, deployed } = setup("reg-s3");
    const r = run("register_model.py", ["promote", "--registry", "s3://bucket/registry/m", "--version", "run-a"], env);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(deployed()).toMatchObject({ version: "run-a", uri: "s3://bucket/registry/m/run-a" });
    const lockWrites = calls().filter((c) => c[0] === "rcat" && c.at(-1) === "store:bucket/registry/m/deployed.json.lock");
    expect(lockWrites).toEqual([["rcat", "--header-upload", "If-None-Match: *", "store:bucket/registry/m/deployed.json.lock"]]);
    expect(calls().filter((c) => c[0] === "deletefile")).toEqual([["deletefile", "store:bucket/registry/m/deployed.json.lock"]]);
    // a live lock (exists, unexpired): no overwrite, a clean failure after the wait
    fs.writeFileSync(
      path.join(root, "bucket", "registry", "m", "deployed.json.lock"),
      JSON.stringify({ owner: "pod-x/1/ffff0000", expires: Date.now() / 1000 + 600 }),
    );
    const held = run("register_model.py", ["promote", "--registry", "s3://bucket/registry/m", "--version", "run-b", "--lock-wait", "0.2"], env);
    expect([held.code, held.stderr]).toEqual([
      1,
      "deployment: s3://bucket/registry/m/deployed.json.lock is held by pod-x/1/ffff0000 (another run is changing it: retry when it has finished)\n",
    ]);
    expect(deployed().version).toBe("run-a");
    // the race the existence check cannot see: S3 refuses the conditional write (412) and the lock stays the holder's
    const race = spawnSync(
      "python3",
      [
        "-c",
        "import ftkit_store as f; s = f.Store(); s.exists = lambda uri: False; print(s.create_exclusive('s3://bucket/registry/m/deployed.json.lock', 'mine'))",
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS, ...env } },
    );
    expect([race.status, race.stdout]).toEqual([0, "False\n"]);
    expect(readJson(path.join(root, "bucket", "registry", "m", "deployed.json.lock")).owner).toBe("pod-x/1/ffff0000");
  });

  it("with an rclone that cannot send the precondition, falls back to a checked, read-back lock and says so", () => {
    const { env, deployed } = setup("reg-old-rclone");
    const r = run("register_model.py", ["promote", "--registry", "gs://bucket/registry/m", "--version", "run-b"], { ...env, FAKE_OLD: "1" });
    expect([r.code, r.stderr]).toEqual([
      0,
      "store: this rclone cannot write gs://bucket/registry/m/deployed.json.lock conditionally (rclone >= 1.72 with S3 can): the lock is best effort\n",
    ]);
    expect(deployed().version).toBe("run-b");
  });
});

describe("expected failures end as one line and an exit code, never a traceback (ftkit_store.run_main)", () => {
  it("a store failure (rclone missing) exits 1 with the store's message", () => {
    const r = run("register_model.py", ["current", "--registry", "s3://bucket/registry/m"], { FTKIT_RCLONE: "/nonexistent/rclone" });
    expect([r.code, r.stderr]).toEqual([1, "deployment: rclone not found at /nonexistent/rclone (the pod's tools init container copies it there)\n"]);
    const c = run("checkpoints.py", ["newest", "--checkpoints", "gs://bucket/ckpt"], { FTKIT_RCLONE: "/nonexistent/rclone" });
    expect([c.code, c.stderr]).toEqual([1, "checkpoints: rclone not found at /nonexistent/rclone (the pod's tools init container copies it there)\n"]);
  });

  it("malformed JSON in the store is bad input (the bad-input exit code) naming the object", () => {
    const dir = tmp("bad-json");
    fs.writeFileSync(path.join(dir, "deployed.json"), "{");
    const r = run("register_model.py", ["current", "--registry", dir]);
    expect([r.code, r.stderr]).toEqual([
      BAD_INPUT,
      `deployment: ${dir}/deployed.json is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))\n`,
    ]);
    const steps = run("ftkit_run.py", ["steps", "[{"]);
    expect([steps.code, steps.stderr.split("\n")[0]]).toEqual([
      BAD_INPUT,
      "ftkit-run: malformed JSON: Expecting property name enclosed in double quotes: line 1 column 3 (char 2) (fix the file or value it came from)",
    ]);
  });

  it("an unknown task metric and a malformed --metric are bad input, not a traceback", () => {
    const dir = tmp("bad-metric");
    writeJsonl(path.join(dir, "eval.jsonl"), [{ messages: [{ role: "user", content: "x" }], prompt: "", target: "y" }]);
    const r = run("evaluate.py", [
      "task",
      "--eval-file",
      path.join(dir, "eval.jsonl"),
      "--endpoint",
      "http://127.0.0.1:1/v1",
      "--model",
      "m",
      "--metrics",
      "exact_match,bleu",
      "--out",
      path.join(dir, "t.json"),
    ]);
    expect([r.code, r.stderr]).toEqual([
      BAD_INPUT,
      "evaluation: --metrics: unknown task metric bleu (one of exact_match, json_valid, json_field_accuracy, chrf)\n",
    ]);
    const p = run("push_metrics.py", ["--url", "http://127.0.0.1:1", "--job", "j", "--metric", "x=abc"]);
    expect([p.code, p.stderr]).toEqual([BAD_INPUT, "push_metrics: --metric: could not convert string to float: 'abc' (pass name[{k=\"v\"}]=number)\n"]);
  });

  it("the scripts' exit codes come from ftkit_contract.json: one bad-input code, the one the JobSets' podFailurePolicy matches", () => {
    const r = spawnSync(
      "python3",
      ["-c", "import json, ftkit_store as f, train_launcher as t; print(json.dumps([f.OK, f.FAILED, f.BAD_INPUT, f.USAGE, t.CONFIG_ERROR]))"],
      { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS } },
    );
    expect(JSON.parse(r.stdout)).toEqual([EXIT_CODES.ok, EXIT_CODES.failed, NON_RETRIABLE_EXIT_CODE, EXIT_CODES.usage, NON_RETRIABLE_EXIT_CODE]);
  });

  it("no stage script inserts into sys.path: they import each other as modules of one folder", () => {
    const offenders = fs
      .readdirSync(SCRIPTS)
      .filter((f) => f.endsWith(".py") && /sys\.path\.(insert|append)/.test(fs.readFileSync(path.join(SCRIPTS, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});

describe("trainer plugin and SageMaker entry", () => {
  const py = (code: string, env: Record<string, string> = {}) =>
    spawnSync("python3", ["-c", code], { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS, ...env } });

  it("asks the trainer to save every interval and marks a finished save for the sync", () => {
    const out = tmp("plugin");
    fs.mkdirSync(path.join(out, "checkpoint-40"));
    const r = py(
      `
import types, ftkit_trainer_plugin as p
t = [0.0]
cb = p.TimeCheckpointCallback(interval_seconds=600, clock=lambda: t[0])
args = types.SimpleNamespace(output_dir=${JSON.stringify(out)})
state = types.SimpleNamespace(global_step=40, is_world_process_zero=True)
c = types.SimpleNamespace(should_save=False)
t[0] = 599; cb.on_step_end(args, state, c); print(c.should_save)
t[0] = 600; cb.on_step_end(args, state, c); print(c.should_save)
cb.on_save(args, state, c); print(cb.last)
m = p.MetricsCallback(push=lambda s: print(sorted(n for n, *_ in s)), clock=lambda: 1000.0)
m.on_log(args, state, c, logs={"loss": 1.5})
`,
      { FTKIT_NODE_RANK: "1", ...Object.fromEntries(pipelineMetricsEnv({ pushgatewayUrl: "http://127.0.0.1:1" }, "p", "r").map((e) => [e.name, e.value])) },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(["False", "True", "600"]);
    expect(lines[3]).toBe(
      "[finetune-metrics] finetune_training_step=40 finetune_training_loss=1.5 finetune_checkpoint_age_seconds=0 finetune_training_loss_is_finite=1 finetune_training_seconds_since_progress=0 finetune_training_resumes_total=0",
    );
    expect(lines[4]).toBe(
      "['finetune_training_last_push_timestamp_seconds', 'finetune_training_loss', 'finetune_training_resumes_total', 'finetune_training_step']",
    );
    expect(fs.existsSync(path.join(out, "checkpoint-40", `${CHECKPOINT_MARKERS.local}1`))).toBe(true);
  });

  it("builds the launcher command from SageMaker hyper-parameters and the resource config", () => {
    const r = py(`
import json, sagemaker_entry as e
cmd, env = e.build({"ftkit_argv": json.dumps(["--nodes", "2", "--", "torchrun", "--rdzv-endpoint={leader}:29500"]), "ftkit_env": json.dumps({"FTKIT_PIPELINE": "p"})}, {"hosts": ["algo-2", "algo-1"], "current_host": "algo-2"}, "/code")
print(json.dumps([cmd, env["FTKIT_NODE_RANK"], env["FTKIT_PIPELINE"]]))
`);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      ["python3", "/code/train_launcher.py", "--node-rank", "1", "--nodes", "2", "--", "torchrun", "--rdzv-endpoint=algo-1:29500"],
      "1",
      "p",
    ]);
  });
});

describe("hostile values: the scripts check what they receive before use (the bad-input exit code)", () => {
  it("fetch_model.py refuses a revision or model id that is not one, before any download", () => {
    const dir = tmp("mi-hostile");
    const marker = path.join(dir, "downloaded");
    const download = `python3 -c "open('${marker}','w').write('x')"`;
    const bad = run("fetch_model.py", ["--model-id", "acme/m", "--revision", "v1.0; rm -rf /*", "--dest", path.join(dir, "a"), "--download-command", download]);
    expect([bad.code, bad.stderr]).toEqual([
      BAD_INPUT,
      "model-init: --revision: 'v1.0; rm -rf /*' is not a valid revision (pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref)\n",
    ]);
    const id = run("fetch_model.py", ["--model-id", "acme/$(id)", "--revision", "v1.0", "--dest", path.join(dir, "b"), "--download-command", download]);
    expect([id.code, id.stderr]).toEqual([BAD_INPUT, "model-init: --model-id: 'acme/$(id)' is not a valid hub-id (pass a hub id such as org/model)\n"]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("prepare_dataset.py refuses a dataset URI with shell characters (the Argo parameter dataset-uri)", () => {
    const r = run("prepare_dataset.py", ["--input", "s3://bucket/x`id`.jsonl", "--format", "chat", "--output", tmp("dp-hostile")]);
    expect([r.code, r.stderr]).toEqual([
      BAD_INPUT,
      "data-prep: --input: 's3://bucket/x`id`.jsonl' is not a valid object-uri (pass s3://bucket/key or gs://bucket/key without spaces, quotes or shell characters)\n",
    ]);
  });

  it("evaluate.py collect refuses a task name that is not one", () => {
    const dir = tmp("ev-hostile");
    fs.writeFileSync(path.join(dir, "task.json"), JSON.stringify({ task: {} }));
    const r = run("evaluate.py", [
      "collect",
      "--task-scores",
      path.join(dir, "task.json"),
      "--lm-eval-dir",
      dir,
      "--general-tasks",
      "mmlu,arc;id",
      "--out",
      path.join(dir, "m.json"),
    ]);
    expect([r.code, r.stderr]).toEqual([
      BAD_INPUT,
      "evaluation: --general-tasks: 'arc;id' is not a valid lm-eval-task (pass lm-evaluation-harness task names such as mmlu or arc_easy)\n",
    ]);
  });
});

describe("ftkit_run.py (steps without a shell)", () => {
  const steps = (list: unknown[], env: Record<string, string> = {}) => run("ftkit_run.py", ["steps", JSON.stringify(list)], env);

  it("runs argv as given: shell text stays one literal argument; {env} elements read the environment", () => {
    const dir = tmp("run-argv");
    const out = path.join(dir, "argv.json");
    const r = steps(
      [{ run: ["python3", "-c", "import json,sys; json.dump(sys.argv[1:], open(sys.argv[1],'w'))", out, "$(id)", "`id`; rm -rf /", { env: "FTKIT_RUN_ID" }] }],
      { FTKIT_RUN_ID: "exec-1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(out)).toEqual([out, "$(id)", "`id`; rm -rf /", "exec-1"]);
  });

  it("stops at the first failing step with its exit code; an unset {env} is bad input", () => {
    const dir = tmp("run-fail");
    const r = steps([{ run: ["python3", "-c", "raise SystemExit(7)"] }, { touch: path.join(dir, "never") }]);
    expect([r.code, r.stderr]).toEqual([7, "ftkit-run: python3 exited with 7\n"]);
    expect(fs.existsSync(path.join(dir, "never"))).toBe(false);
    const unset = steps([{ run: ["echo", { env: "FTKIT_NOT_SET" }] }], { FTKIT_NOT_SET: "" });
    expect([unset.code, unset.stderr]).toEqual([
      BAD_INPUT,
      "ftkit-run: environment variable FTKIT_NOT_SET is not set (the step's Environment must carry it)\n",
    ]);
  });

  it("untars (in place, or into a directory), copies, touches, makes directories and stops background programs", () => {
    const dir = tmp("run-files");
    const src = path.join(dir, "src");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "adapter_config.json"), "{}");
    const adapter = tmp("run-files/adapter");
    expect(spawnSync("tar", ["-czf", path.join(adapter, "model.tar.gz"), "-C", src, "adapter_config.json"]).status).toBe(0);
    fs.copyFileSync(path.join(adapter, "model.tar.gz"), path.join(dir, "training.tar.gz"));
    fs.writeFileSync(path.join(dir, "deployed.json"), '{"version":"v1"}');
    const log = path.join(dir, "bg.log");
    const r = steps([
      { untar: adapter },
      { untar: dir, into: path.join(dir, "training") },
      { copy: path.join(dir, "deployed.json"), to: path.join(dir, "registry", "deployed.json") },
      { touch: path.join(dir, "training", "_SUCCESS") },
      { mkdir: path.join(dir, "out", "lm-eval") },
      { run: ["python3", "-c", "import time; print('serving', flush=True); time.sleep(60)"], background: log },
      { run: ["python3", "-c", "import time; time.sleep(0.5)"] },
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(adapter)).toEqual(["adapter_config.json"]);
    expect(fs.readdirSync(path.join(dir, "training")).sort()).toEqual(["_SUCCESS", "adapter_config.json"]);
    expect(fs.existsSync(path.join(dir, "training.tar.gz"))).toBe(true);
    expect(readJson(path.join(dir, "registry", "deployed.json"))).toEqual({ version: "v1" });
    expect(fs.statSync(path.join(dir, "out", "lm-eval")).isDirectory()).toBe(true);
    expect(fs.readFileSync(log, "utf8")).toBe("serving\n");
  });

  it("check: every invalid parameter listed with the bad-input exit code; valid ones pass", () => {
    const ok = run("ftkit_run.py", ["check", "FTKIT_PARAM_BASE_MODEL_REVISION=revision"], {
      FTKIT_PARAM_BASE_MODEL_REVISION: "0e9e39f249a16976918f6564b8830bc894c89659",
    });
    expect([ok.code, ok.stdout]).toEqual([0, "workflow parameters: FTKIT_PARAM_BASE_MODEL_REVISION valid\n"]);
    const bad = run("ftkit_run.py", ["check", "FTKIT_PARAM_BASE_MODEL_REVISION=revision", "FTKIT_PARAM_DATASET_URI=object-uri"], {
      FTKIT_PARAM_BASE_MODEL_REVISION: "v1\nid",
      FTKIT_PARAM_DATASET_URI: "",
    });
    expect([bad.code, bad.stderr]).toEqual([
      BAD_INPUT,
      "invalid workflow parameter base-model-revision: 'v1\\nid' is not a valid revision (pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref)\n" +
        "invalid workflow parameter dataset-uri: '' is not a valid object-uri (pass s3://bucket/key or gs://bucket/key without spaces, quotes or shell characters)\n",
    ]);
  });
});
