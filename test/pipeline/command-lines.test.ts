import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../pipelines/contract";
import { renderAll } from "../security/render-all";
import { example } from "./fixtures";

/**
 * Every container command line the renderers emit (Kubernetes on MinIO and GCS, SageMaker; all three example
 * pipelines; every stage, sidecar, init container, step-runner step and the SageMaker launcher argv) goes through
 * the target script's real parser: argparse for the scripts that use it (parse_args is run, then stopped before
 * main does anything), the usage rules of ftkit_store.py and ftkit_run.py for the two that do not. A flag spelled
 * in pipelines/commands.ts that the script does not define fails here.
 */

const SCRIPTS = path.join(__dirname, "..", "..", "pipelines", "scripts");
const EXAMPLES = ["support-assistant", "document-classifier", "multi-node-full"] as const;

/** One command line and where it came from. */
interface CommandLine {
  where: string;
  argv: string[];
}

/**
 * A SageMaker `Get`/`Std:Join` or a step runner `{ env }` element stands for a run-time value: any string parses.
 * A Kubernetes `$(VAR)` reference is expanded by the kubelet from the container's env (the node rank: an index).
 */
const element = (a: unknown): string => (typeof a !== "string" ? "run-time-value" : /^\$\([A-Z_]+\)$/.test(a) ? "0" : a);

/** Every command line in a render: `command` (+ `args`) of containers, ContainerEntrypoint, the launcher's ftkit_argv. */
function commandLines(node: unknown, where: string, out: CommandLine[] = []): CommandLine[] {
  if (Array.isArray(node)) {
    node.forEach((n, i) => commandLines(n, `${where}[${i}]`, out));
    return out;
  }
  if (!node || typeof node !== "object") return out;
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.command)) out.push({ where: `${where}.command`, argv: [...o.command, ...(Array.isArray(o.args) ? o.args : [])].map(element) });
  if (Array.isArray(o.ContainerEntrypoint)) out.push({ where: `${where}.ContainerEntrypoint`, argv: o.ContainerEntrypoint.map(element) });
  // sagemaker_entry.py runs `python3 <code>/train_launcher.py --node-rank <rank> <ftkit_argv...>`.
  if (typeof o.ftkit_argv === "string")
    out.push({
      where: `${where}.ftkit_argv`,
      argv: ["python3", "/opt/ml/input/data/code/train_launcher.py", "--node-rank", "0", ...(JSON.parse(o.ftkit_argv) as string[])],
    });
  for (const [k, v] of Object.entries(o)) if (k !== "command" && k !== "ContainerEntrypoint") commandLines(v, `${where}.${k}`, out);
  return out;
}

/**
 * The parse check, in Python: reads [{where, argv}] on stdin, prints [{where, script, error}] for every python3
 * script command line (step-runner steps included), error null when it parses.
 */
const CHECKER = String.raw`
import argparse, io, json, os, runpy, sys, contextlib
scripts = sys.argv[1]
sys.path.insert(0, scripts)
class Parsed(Exception):
    pass
original = argparse.ArgumentParser.parse_args
def parse_then_stop(self, args=None, namespace=None):
    original(self, args, namespace)
    raise Parsed()
argparse.ArgumentParser.parse_args = parse_then_stop
import ftkit_store
results = []
def check(where, argv):
    if len(argv) < 2 or argv[0] != "python3" or not argv[1].endswith(".py"):
        for i, a in enumerate(argv):
            if a == "--" and i + 2 < len(argv) and argv[i + 1] == "python3":
                check(where, argv[i + 1:])
        return
    script = os.path.basename(argv[1])
    args = argv[2:]
    error = None
    if script == "ftkit_store.py":
        if len(args) < 2 or args[0] not in ("fetch", "put", "cat", "ls") or (args[0] == "fetch" and len(args) % 2 == 0) or (args[0] == "put" and len(args) != 3):
            error = "usage: %r" % args
    elif script == "ftkit_run.py":
        if len(args) == 2 and args[0] == "steps":
            for i, step in enumerate(json.loads(args[1])):
                if "run" in step:
                    check("%s steps[%d]" % (where, i), [a if isinstance(a, str) else "run-time-value" for a in step["run"]])
        elif len(args) >= 2 and args[0] == "check":
            bad = [a for a in args[1:] if a.partition("=")[2] not in ftkit_store.PATTERNS or not a.startswith(ftkit_store.ENV["parameterPrefix"])]
            error = "check pairs %r" % bad if bad else None
        else:
            error = "usage: %r" % args
    else:
        path = os.path.join(scripts, script)
        if not os.path.exists(path):
            error = "no such script"
        else:
            main = runpy.run_path(path, run_name="ftkit_parse_check")["main"]
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err):
                    main(args)
                error = "parse_args was never called"
            except Parsed:
                pass
            except SystemExit as e:
                error = "exit %s: %s" % (e.code, err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else "")
    results.append({"where": where, "script": script, "error": error})
for c in json.load(sys.stdin):
    check(c["where"], c["argv"])
print(json.dumps(results))
`;

interface ParseResult {
  where: string;
  script: string;
  error: string | null;
}

function parseAll(lines: CommandLine[]): ParseResult[] {
  const r = spawnSync("python3", ["-c", CHECKER, SCRIPTS], {
    input: JSON.stringify(lines),
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`checker failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ParseResult[];
}

const renders = EXAMPLES.flatMap((name) =>
  renderAll(example(name)).map((r) => ({ name: `${name} ${r.renderer}`, lines: commandLines(r.output, `${name}/${r.renderer}`) })),
);
const allLines = renders.flatMap((r) => r.lines);

describe("every rendered command line parses with the target script's own parser", () => {
  const results = parseAll(allLines);

  it("covers every stage script the renderers call, on every platform and example", () => {
    const scripts = new Set(results.map((r) => r.script));
    expect([...scripts].sort()).toEqual([
      "checkpoints.py",
      "evaluate.py",
      "fetch_model.py",
      "ftkit_run.py",
      "ftkit_store.py",
      "prepare_dataset.py",
      "register_model.py",
      "setup_training.py",
      "train_launcher.py",
    ]);
    for (const r of renders) expect(results.filter((x) => x.where.startsWith(r.name.replace(" ", "/"))).length, r.name).toBeGreaterThan(8);
    // the SageMaker launcher argv (ftkit_argv) and the step-runner steps are among them
    expect(results.filter((r) => r.where.endsWith("ftkit_argv")).length).toBe(EXAMPLES.length);
    expect(results.filter((r) => r.where.includes(" steps[") && r.script === "evaluate.py").length).toBeGreaterThan(EXAMPLES.length * 4);
  });

  it("no command line is rejected", () => {
    expect(results.filter((r) => r.error !== null)).toEqual([]);
  });

  it("a misspelled flag is caught (planted fault): --output-dir → --output_dir in the training command, --limit → --limt in an evaluation step", () => {
    const train = allLines.find((l) => l.argv[1]?.endsWith("train_launcher.py"))!;
    const planted = { where: "planted-train", argv: train.argv.map((a) => (a === "--output-dir" ? "--output_dir" : a)) };
    const steps = allLines.find((l) => l.argv[1]?.endsWith("ftkit_run.py") && l.argv[2] === "steps" && l.argv[3].includes("evaluate.py"))!;
    const plantedSteps = { where: "planted-steps", argv: [...steps.argv.slice(0, 3), steps.argv[3].replace('"--limit"', '"--limt"')] };
    const [t, ...s] = parseAll([planted, plantedSteps]).filter((r) => r.error !== null);
    expect(t.where).toBe("planted-train");
    expect(t.error).toMatch(/^exit 2: .*the following arguments are required: --output-dir/);
    expect(s.length).toBeGreaterThan(0);
    expect(s[0].error).toMatch(/^exit 2: .*unrecognized arguments: --limt/);
  });

  it("an unknown ftkit_store subcommand and a check pair with an unknown kind are caught", () => {
    const errors = parseAll([
      { where: "store", argv: ["python3", "/scripts/ftkit_store.py", "fetc", "s3://a/b", "/d"] },
      { where: "check", argv: ["python3", "/scripts/ftkit_run.py", "check", "FTKIT_PARAM_X=revison"] },
    ]).map((r) => r.error);
    expect(errors).toEqual(["usage: ['fetc', 's3://a/b', '/d']", "check pairs ['FTKIT_PARAM_X=revison']"]);
  });
});

describe("the constants shared with the scripts come from one file", () => {
  it("the Python side reads ftkit_contract.json: exit codes, markers and env names equal the TypeScript side's", () => {
    const r = spawnSync(
      "python3",
      [
        "-c",
        "import json, ftkit_store as f, checkpoints as c; print(json.dumps([f.OK, f.FAILED, f.BAD_INPUT, f.USAGE, c.LOCAL_MARKER, c.REMOTE_MARKER, f.ENV]))",
      ],
      { encoding: "utf8", env: { ...process.env, PYTHONPATH: SCRIPTS, PYTHONDONTWRITEBYTECODE: "1" } },
    );
    const [ok, failed, bad, usage, local, remote, env] = JSON.parse(r.stdout);
    expect([ok, failed, bad, usage]).toEqual([EXIT_CODES.ok, EXIT_CODES.failed, EXIT_CODES.badInput, EXIT_CODES.usage]);
    expect([local, remote]).toEqual([".saved-node-", ".complete-node-"]);
    // one prefix for every variable the kit defines
    expect(Object.values(env as Record<string, string>).filter((v) => !v.startsWith("FTKIT_"))).toEqual([]);
  });

  it("both JobSets fail at once on the one bad-input exit code", () => {
    for (const name of EXAMPLES) {
      const k8s = renderAll(example(name))[0].output as { trainingJobSet: any; evaluationJobSet: any };
      for (const js of [k8s.trainingJobSet, k8s.evaluationJobSet]) {
        const rules = js.spec.replicatedJobs[0].template.spec.podFailurePolicy.rules;
        expect(rules[1].onExitCodes.values, `${name} ${js.metadata.name}`).toEqual([EXIT_CODES.badInput]);
      }
    }
  });
});
