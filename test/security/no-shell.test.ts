import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FineTuningPipelineSpecSchema, VALUE_PATTERNS } from "../../pipelines/spec";
import { example, exampleInputs } from "../pipeline/fixtures";
import { renderAll } from "./render-all";
import { allStrings, shellTexts } from "./shell-text";
import { EXIT_CODES } from "../../pipelines/contract";

type Obj = Record<string, any>;
const SCRIPTS = path.join(__dirname, "..", "..", "pipelines", "scripts");
const NAMES = Object.keys(exampleInputs());
const PARAM = /\{\{\s*(?:inputs|workflow)\.parameters\.[\w-]+\s*\}\}/g;

const k8s = (name: string) => renderAll(example(name))[0].output as { objects: Obj[]; trainingJobSet: Obj; evaluationJobSet: Obj };
const sageMaker = (name: string) => renderAll(example(name))[2].output as Obj;
const wf = (name: string) => k8s(name).objects.find((o) => o.kind === "WorkflowTemplate")!;
const template = (name: string, t: string) => wf(name).spec.templates.find((x: Obj) => x.name === t);
const smStep = (def: Obj, name: string): Obj =>
  def.Steps.flatMap((s: Obj) => [s, ...(s.Arguments?.IfSteps ?? []), ...(s.Arguments?.ElseSteps ?? [])]).find((s: Obj) => s.Name === name);

describe("no value in a script: the kit's rendered output runs no shell", () => {
  for (const name of NAMES) {
    it(`${name}: no shell text in any manifest, Argo template, JobSet or SageMaker definition`, () => {
      for (const r of renderAll(example(name))) expect(shellTexts(r.output), r.renderer).toEqual([]);
    });
  }

  it("every workflow parameter occurrence is an env value or a whole argv element's part, never shell text", () => {
    for (const name of NAMES) {
      const out = k8s(name);
      const where: string[] = [];
      const visit = (v: unknown, at: string): void => {
        if (typeof v === "string") {
          if (PARAM.test(v)) where.push(at.replace(/\[\d+\]/g, "[]"));
          PARAM.lastIndex = 0;
          return;
        }
        if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${at}[${i}]`));
        if (v && typeof v === "object") {
          const o = v as Obj;
          if (o.resource?.manifest) return visit(parse(o.resource.manifest), `${at}.manifest`);
          for (const [k, x] of Object.entries(o)) visit(x, `${at}.${k}`);
        }
      };
      visit(out.objects, "");
      // Only: the check step's env, argv elements (command), and the JobSet/stage argv — never a script.
      for (const w of new Set(where)) expect(w, name).toMatch(/(\.env\[\]\.value|\.command\[\]|\.args\[\])$/);
      expect(where.some((w) => w.endsWith(".env[].value"))).toBe(true);
    }
  });

  it("the first DAG task checks the parameters from its environment; every root stage depends on it", () => {
    const t = template("support-assistant", "check-parameters");
    expect(t.container.command).toEqual([
      "python3",
      "/scripts/ftkit_run.py",
      "check",
      "FTKIT_PARAM_DATASET_URI=object-uri",
      "FTKIT_PARAM_BASE_MODEL_REVISION=revision",
    ]);
    expect(t.container.env.slice(-2)).toEqual([
      { name: "FTKIT_PARAM_DATASET_URI", value: "{{workflow.parameters.dataset-uri}}" },
      { name: "FTKIT_PARAM_BASE_MODEL_REVISION", value: "{{workflow.parameters.base-model-revision}}" },
    ]);
    expect(t.retryStrategy.limit).toBe("0");
    const tasks = wf("support-assistant").spec.templates[0].dag.tasks as Obj[];
    expect(tasks[0]).toEqual({ name: "check-parameters", template: "check-parameters" });
    for (const task of tasks.slice(1)) expect(task.depends, task.name).toBeTruthy();
  });

  it("the check step, run as Argo would run it, rejects a hostile parameter with the bad-input exit code and accepts the defaults", () => {
    const t = template("support-assistant", "check-parameters");
    const params = Object.fromEntries(wf("support-assistant").spec.arguments.parameters.map((p: Obj) => [p.name, p.value]));
    const run = (overrides: Record<string, string>) => {
      const values = { ...params, ...overrides };
      // Argo substitutes {{workflow.parameters.x}} into the env value; nothing parses it.
      const env = Object.fromEntries(
        (t.container.env as Obj[])
          .filter((e) => e.value !== undefined)
          .map((e) => [e.name, String(e.value).replace(PARAM, (m) => values[m.replace(/^\{\{\s*workflow\.parameters\.|\s*\}\}$/g, "")])]),
      );
      const argv = (t.container.command as string[]).map((a) => a.replace("/scripts", SCRIPTS));
      return spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: { ...process.env, ...env, PYTHONPATH: SCRIPTS } });
    };
    const ok = run({});
    expect([ok.status, ok.stdout.trim()]).toEqual([0, "workflow parameters: FTKIT_PARAM_DATASET_URI, FTKIT_PARAM_BASE_MODEL_REVISION valid"]);
    const bad = run({ "base-model-revision": "v1.0; rm -rf /*", "dataset-uri": "s3://bucket/$(curl attacker)" });
    expect(bad.status).toBe(EXIT_CODES.badInput);
    expect(bad.stderr).toBe(
      "invalid workflow parameter dataset-uri: 's3://bucket/$(curl attacker)' is not a valid object-uri (pass s3://bucket/key or gs://bucket/key without spaces, quotes or shell characters)\n" +
        "invalid workflow parameter base-model-revision: 'v1.0; rm -rf /*' is not a valid revision (pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref)\n",
    );
    const ref = run({ "base-model-revision": "refs/heads/main" });
    expect([ref.status, ref.stderr]).toEqual([
      EXIT_CODES.badInput,
      "invalid workflow parameter base-model-revision: 'refs/heads/main' is not a valid revision (pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref)\n",
    ]);
    const long = run({ "base-model-revision": "a".repeat(5000) });
    expect(long.stderr).toBe(
      `invalid workflow parameter base-model-revision: '${"a".repeat(79)}... (5000 characters) is not a valid revision (pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref)\n`,
    );
  });

  it("the scripts check the same patterns as the schema", () => {
    const r = spawnSync("python3", ["-c", "import json, ftkit_store; print(json.dumps(ftkit_store.PATTERNS))"], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: SCRIPTS },
    });
    expect(JSON.parse(r.stdout)).toEqual(VALUE_PATTERNS);
  });

  it("Kubernetes: the evaluation JobSet fetches and evaluates with argv; lm_eval gets the tasks as one argv element", () => {
    const pod = k8s("support-assistant").evaluationJobSet.spec.replicatedJobs[0].template.spec.template.spec;
    expect(pod.initContainers[1].command).toEqual([
      "python3",
      "/scripts/ftkit_store.py",
      "fetch",
      "s3://finetune/models/meta-llama/Llama-3.1-8B-Instruct@{{workflow.parameters.base-model-revision}}",
      "/workspace/model",
      "s3://finetune/runs/support-assistant/{{workflow.name}}/training",
      "/workspace/adapter",
      "s3://finetune/runs/support-assistant/{{workflow.name}}/data-prep",
      "/workspace/data",
    ]);
    const evaluator = pod.containers[0].command as string[];
    expect(evaluator.slice(0, 3)).toEqual(["python3", "/scripts/ftkit_run.py", "steps"]);
    const steps = JSON.parse(evaluator[3]) as Obj[];
    expect(steps.map((s) => s.mkdir ?? s.run.slice(0, 3).join(" "))).toEqual([
      "/workspace/evaluation/lm-eval",
      "python3 /scripts/evaluate.py task",
      "lm_eval --model local-completions",
      "lm_eval --model local-completions",
      "python3 /scripts/evaluate.py collect",
      "python3 /scripts/ftkit_store.py put",
    ]);
    expect(steps[2].run.slice(5)).toEqual(["--tasks", "mmlu,arc_easy,hellaswag", "--limit", "500", "--output_path", "/workspace/evaluation/lm-eval/general"]);
    expect(steps[4].run.slice(-6)).toEqual([
      "--general-tasks",
      "mmlu,arc_easy,hellaswag",
      "--safety-tasks",
      "truthfulqa_mc2,toxigen",
      "--out",
      "/workspace/evaluation/metrics.json",
    ]);
  });

  it("Kubernetes: serving fetches the registry version and the base model in two argv init containers; vLLM runs without a shell", () => {
    const d = k8s("support-assistant").objects.find((o) => o.kind === "Deployment")!.spec.template.spec;
    expect(d.initContainers.map((c: Obj) => [c.name, c.command])).toEqual([
      ["tools", ["cp", "/usr/local/bin/rclone", "/tools/rclone"]],
      ["fetch", ["python3", "/scripts/register_model.py", "fetch", "--registry", "s3://finetune/registry/support-assistant", "--dest", "/models/adapters"]],
      [
        "fetch-base-model",
        [
          "python3",
          "/scripts/ftkit_store.py",
          "fetch",
          "s3://finetune/models/meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659",
          "/models/base",
        ],
      ],
    ]);
    expect(d.containers[0].command).toEqual(["vllm"]);
    expect(d.containers[0].args).toContain("support-assistant=/models/adapters/active");
  });

  it("SageMaker: ModelInit passes the revision parameter as an argv element; Evaluation and RegisterVersion run steps, not a shell", () => {
    const def = sageMaker("support-assistant");
    expect(smStep(def, "ModelInit").Arguments.AppSpecification.ContainerEntrypoint).toEqual([
      "python3",
      "/opt/ml/processing/input/code/fetch_model.py",
      "--model-id",
      "meta-llama/Llama-3.1-8B-Instruct",
      "--revision",
      { Get: "Parameters.BaseModelRevision" },
      "--dest",
      "/opt/ml/processing/output/model",
      "--workdir",
      "/workspace",
    ]);
    const evalSteps = JSON.parse(smStep(def, "Evaluation").Arguments.AppSpecification.ContainerEntrypoint[3]) as Obj[];
    expect(evalSteps[0]).toEqual({ untar: "/opt/ml/processing/input/adapter" });
    expect(evalSteps[1].run[0]).toBe("vllm");
    expect(evalSteps[1].background).toBe("/tmp/vllm.log");
    const reg = JSON.parse(smStep(def, "RegisterVersion").Arguments.AppSpecification.ContainerEntrypoint[3]) as Obj[];
    expect(reg.slice(0, 3)).toEqual([
      { copy: "/opt/ml/processing/input/registry/deployed.json", to: "/opt/ml/processing/registry/deployed.json" },
      { untar: "/opt/ml/processing/input/training", into: "/tmp/training" },
      { touch: "/tmp/training/_SUCCESS" },
    ]);
    expect(reg[3].run.slice(2, 7)).toEqual(["register", "--registry", "/opt/ml/processing/registry", "--version", { env: "FTKIT_RUN_ID" }]);
    expect(smStep(def, "RegisterVersion").Arguments.Environment.FTKIT_RUN_ID).toEqual({ Get: "Execution.PipelineExecutionId" });
  });

  it("an evaluator command override runs as argv, never joined into a shell line", () => {
    const input = { ...exampleInputs()["support-assistant"] } as Obj;
    input.evaluation = { ...input.evaluation, evaluator: { command: ["python3", "my_eval.py", "--tasks", "a; rm -rf /"] } };
    const outputs = renderAll(FineTuningPipelineSpecSchema.parse(input));
    const pod = (outputs[0].output as Obj).evaluationJobSet.spec.replicatedJobs[0].template.spec.template.spec;
    expect(JSON.parse(pod.containers[0].command[3])[0]).toEqual({ run: ["python3", "my_eval.py", "--tasks", "a; rm -rf /"] });
    for (const r of outputs) expect(shellTexts(r.output)).toEqual([]);
    expect(allStrings(outputs[2].output).some((s) => s === "a; rm -rf /")).toBe(true);
  });
});
