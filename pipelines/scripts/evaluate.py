#!/usr/bin/env python3
"""evaluation stage, its gate, and the monitoring probe (standard library only).

Subcommands:
  task     score the held-out test split (eval.jsonl) against an OpenAI-compatible endpoint (the vLLM server
           that serves the candidate; the live endpoint for the probe): exact_match, json_valid,
           json_field_accuracy, chrf, plus latency; writes {"task": {...}, "latency": {...}}
  collect  merge task scores and lm-evaluation-harness results (results_*.json under --lm-eval-dir) into one
           metrics.json: {"task": {...}, "general": {"mmlu/acc": ...}, "safety": {...}}
  gate     compare metrics.json with the thresholds and with the deployed model's metrics; write gate.json
           {"passed": bool, "reason": str, "failures": [...]}; exit 1 with the reason when it fails (unless
           --no-fail, where a later step decides, as SageMaker's Condition step does)
  probe    task scoring against the live endpoint + thresholds; pushes scores, latency and a pass flag
Metric direction: higher is better except names containing loss, perplexity, bits_per_byte, ter or latency.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from ftkit_store import BAD_INPUT, FAILED, OK, Store, as_object, check_value, fail, run_main

STAGE = "evaluation"
LOWER_IS_BETTER = ("loss", "perplexity", "bits_per_byte", "ter", "latency")
GATE_FAILED = 1
TASK_METRICS = ("exact_match", "json_valid", "json_field_accuracy", "chrf")
#: A parsed JSON document (the scripts' inputs and outputs).
Json = Any


def lower_is_better(metric: str) -> bool:
    return any(token in metric for token in LOWER_IS_BETTER)


# ---- task metrics --------------------------------------------------------------------------------------------
def _norm(s: object) -> str:
    return " ".join(str(s).strip().split())


def _json(s: object) -> tuple[bool, Json]:
    text = str(s).strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("\n") + 1:] if "\n" in text else text
    try:
        return True, json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return False, None


def _char_ngrams(s: str, n: int) -> list[str]:
    s = s.replace(" ", "")
    return [s[i:i + n] for i in range(max(0, len(s) - n + 1))]


def chrf(hyp: str, ref: str, max_n: int = 6, beta: float = 2.0) -> float:
    """Character n-gram F-score (Popović 2015), averaged over n = 1..6, in [0, 1]."""
    precisions: list[float] = []
    recalls: list[float] = []
    for n in range(1, max_n + 1):
        h, r = _char_ngrams(hyp, n), _char_ngrams(ref, n)
        if not h or not r:
            continue
        counts: dict[str, int] = {}
        for g in r:
            counts[g] = counts.get(g, 0) + 1
        match = 0
        for g in h:
            if counts.get(g, 0) > 0:
                counts[g] -= 1
                match += 1
        precisions.append(match / len(h))
        recalls.append(match / len(r))
    if not precisions:
        return 1.0 if _norm(hyp) == _norm(ref) else 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p == 0 and r == 0:
        return 0.0
    return (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def score(pairs: Sequence[tuple[str, object]], metrics: Sequence[str]) -> dict[str, float]:
    """Mean of each metric over (prediction, target) pairs."""
    totals = dict.fromkeys(metrics, 0.0)
    for pred, target in pairs:
        for m in metrics:
            if m == "exact_match":
                totals[m] += 1.0 if _norm(pred) == _norm(target) else 0.0
            elif m == "json_valid":
                totals[m] += 1.0 if _json(pred)[0] else 0.0
            elif m == "json_field_accuracy":
                ok_t, t = _json(target)
                ok_p, p = _json(pred)
                fields, answer = as_object(t), as_object(p)
                if ok_t and fields:
                    good = sum(1 for k, v in fields.items() if ok_p and isinstance(p, dict) and answer.get(k) == v)
                    totals[m] += good / len(fields)
                else:
                    totals[m] += 1.0 if ok_p and p == t else 0.0
            elif m == "chrf":
                totals[m] += chrf(_norm(pred), _norm(target))
            else:
                raise ValueError("unknown task metric %r" % m)
    n = max(1, len(pairs))
    return {m: round(v / n, 6) for m, v in totals.items()}


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def complete(endpoint: str, model: str, messages: Json, max_tokens: int, timeout: float, api_key: str | None = None) -> str:
    body = json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0}).encode("utf-8")
    req = urllib.request.Request(endpoint.rstrip("/") + "/chat/completions", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if api_key:
        req.add_header("Authorization", "Bearer " + api_key)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        data = json.loads(resp.read().decode("utf-8"))
    return str(data["choices"][0]["message"]["content"])


def wait_ready(endpoint: str, timeout: float) -> bool:
    deadline = time.time() + timeout
    last: Exception | None = None
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(endpoint.rstrip("/") + "/models", timeout=10) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError) as e:
            last = e
        time.sleep(2)
    fail(STAGE, "endpoint %s not ready after %ds (%s)" % (endpoint, timeout, last), code=FAILED)


def run_task(store: Store, eval_file: str, endpoint: str, model: str, metrics: Sequence[str], limit: int, max_tokens: int, timeout: float) -> dict[str, Json]:
    text = store.read_text(eval_file)
    if text is None:
        fail(STAGE, "%s not found (did data-prep run?)" % eval_file)
    rows: list[Json] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and len(rows) < limit:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                fail(STAGE, "%s line %d: not valid JSON (%s) (data-prep writes one JSON object a line)" % (eval_file, number, e.msg))
    if not rows:
        fail(STAGE, "%s has no examples" % eval_file)
    pairs: list[tuple[str, object]] = []
    latencies: list[float] = []
    errors = 0
    for row in rows:
        t0 = time.time()
        try:
            pred = complete(endpoint, model, row["messages"], max_tokens, timeout, os.environ.get("OPENAI_API_KEY"))
        except (urllib.error.URLError, OSError, KeyError, ValueError) as e:
            errors += 1
            sys.stderr.write("%s: request failed: %s\n" % (STAGE, e))
            pred = ""
        latencies.append(time.time() - t0)
        pairs.append((pred, row["target"]))
    return {
        "task": score(pairs, metrics),
        "latency": {"p50_seconds": round(percentile(latencies, 0.5), 4), "p95_seconds": round(percentile(latencies, 0.95), 4)},
        "examples": len(rows),
        "errors": errors,
    }


def served_root(endpoint: str, model: str, timeout: float = 10) -> str | None:
    """The `root` (local path) the endpoint serves ``model`` from, or None."""
    with urllib.request.urlopen(endpoint.rstrip("/") + "/models", timeout=timeout) as resp:
        data = json.loads(resp.read().decode("utf-8"))
    for entry in data.get("data", []):
        if entry.get("id") == model:
            return str(entry.get("root") or "")
    return None


def wait_version(endpoint: str, model: str, version: str, timeout: float, consecutive: int = 5, interval: float = 3.0) -> bool:
    """Waits until ``consecutive`` answers in a row (load-balanced over replicas) serve ``version``."""
    deadline = time.time() + timeout
    streak = 0
    seen: str | None = None
    while time.time() < deadline:
        try:
            seen = served_root(endpoint, model)
        except (urllib.error.URLError, OSError, ValueError) as e:
            seen = "unreachable (%s)" % e
        streak = streak + 1 if seen is not None and seen.rstrip("/").endswith(version) else 0
        if streak >= consecutive:
            return True
        time.sleep(interval)
    fail("deployment", "the endpoint did not serve version %s within %ds (last seen: %s)" % (version, timeout, seen), code=FAILED)


# ---- lm-eval results -----------------------------------------------------------------------------------------
def lm_eval_metrics(directory: str, tasks: Sequence[str]) -> dict[str, float]:
    """`<task>/<metric>` → value from every results*.json under ``directory`` for ``tasks`` (stderr entries skipped)."""
    out: dict[str, float] = {}
    for path in sorted(glob.glob(os.path.join(directory, "**", "results*.json"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            results = json.load(f).get("results", {})
        for task, values in results.items():
            if task not in tasks:
                continue
            for key, value in values.items():
                if not isinstance(value, (int, float)) or isinstance(value, bool) or "stderr" in key:
                    continue
                metric = key.split(",")[0]
                out["%s/%s" % (task, metric)] = value
    return out


# ---- the gate ------------------------------------------------------------------------------------------------
def gate(metrics: Json, thresholds: Json, deployed: Json = None, max_regression: float = 0.02) -> dict[str, Json]:
    """Returns {"passed", "reason", "failures"}; ``thresholds``: [{"suite", "metric", "min"?, "max"?}]."""
    failures: list[str] = []
    for t in thresholds:
        suite, name = t["suite"], t["metric"]
        value = metrics.get(suite, {}).get(name)
        if value is None:
            failures.append("%s/%s was not measured (check the evaluation logs)" % (suite, name))
            continue
        if t.get("min") is not None and value < t["min"]:
            failures.append("%s/%s = %.4g is below the minimum %.4g" % (suite, name, value, t["min"]))
        if t.get("max") is not None and value > t["max"]:
            failures.append("%s/%s = %.4g is above the maximum %.4g" % (suite, name, value, t["max"]))
    if deployed:
        old_metrics = deployed.get("metrics", {})
        for suite in ("task", "general", "safety"):
            for name, old in sorted(old_metrics.get(suite, {}).items()):
                new = metrics.get(suite, {}).get(name)
                if new is None or not isinstance(old, (int, float)):
                    continue
                drop = (new - old) if lower_is_better(name) else (old - new)
                if drop > max_regression + 1e-12:
                    failures.append("%s/%s = %.4g regressed from %.4g of the deployed version %s (more than %.4g)" % (
                        suite, name, new, old, deployed.get("version", "?"), max_regression))
    passed = not failures
    if passed:
        versus = " and no regression versus the deployed version %s" % deployed.get("version", "?") if deployed else ""
        reason = "passed: every threshold met" + versus
    else:
        reason = "evaluation gate failed: " + "; ".join(failures)
    return {"passed": passed, "reason": reason, "failures": failures}


def write_json(store: Store, uri: str, data: Json) -> None:
    """Writes ``data`` as indented JSON to ``uri`` (a URI or a local path)."""
    store.write_text(uri, json.dumps(data, indent=2, sort_keys=True))


def push_eval(metrics: Json, result: Json, suite_label: str | None = None) -> None:
    """PUTs scores and the gate flag to the Pushgateway (FTKIT_PUSHGATEWAY_URL) under job finetune-evaluation
    (or finetune-probe) and the run's pipeline/run_id grouping; metric names from FTKIT_METRIC_*."""
    from push_metrics import Sample, grouping_path, metric_name, settings, try_push  # noqa: PLC0415

    cfg = settings()
    score_name, gate_name = metric_name("EVAL_SCORE"), metric_name("EVAL_GATE_PASSED")
    if not (cfg["url"] and score_name and gate_name):
        return
    samples: list[Sample] = []
    for suite in ("task", "general", "safety"):
        for name, value in sorted(metrics.get(suite, {}).items()):
            samples.append((score_name, {"suite": suite_label or suite, "metric": name}, value, "gauge"))
    samples.append((gate_name, {"suite": suite_label or "all"}, 1 if result["passed"] else 0, "gauge"))
    job = "finetune-evaluation" if suite_label is None else "finetune-probe"
    if not try_push(cfg["url"], job, cfg["grouping"], samples, method="PUT"):
        sys.stderr.write("%s: metrics not pushed to %s%s\n" % (STAGE, cfg["url"], grouping_path(job, cfg["grouping"])))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluation, gate and probe.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for cmd in ("task", "probe"):
        p = sub.add_parser(cmd)
        p.add_argument("--eval-file", required=True)
        p.add_argument("--endpoint", required=True, help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
        p.add_argument("--model", required=True, help="served model name (the LoRA adapter's)")
        p.add_argument("--metrics", default="exact_match")
        p.add_argument("--limit", type=int, default=1000)
        p.add_argument("--max-tokens", type=int, default=512)
        p.add_argument("--timeout", type=float, default=120)
        p.add_argument("--wait", type=float, default=0, help="seconds to wait for the endpoint to become ready")
        p.add_argument("--out", required=True)
        if cmd == "probe":
            p.add_argument("--min-score", type=float, required=True)
            p.add_argument("--max-latency", type=float, required=True)
    w = sub.add_parser("wait-version")
    w.add_argument("--endpoint", required=True)
    w.add_argument("--model", required=True)
    w.add_argument("--version", required=True)
    w.add_argument("--timeout", type=float, default=1800)
    w.add_argument("--consecutive", type=int, default=5)
    w.add_argument("--interval", type=float, default=3.0)
    c = sub.add_parser("collect")
    c.add_argument("--task-scores", required=True)
    c.add_argument("--lm-eval-dir", required=True)
    c.add_argument("--general-tasks", default="")
    c.add_argument("--safety-tasks", default="")
    c.add_argument("--out", required=True)
    g = sub.add_parser("gate")
    g.add_argument("--metrics", required=True)
    g.add_argument("--thresholds", required=True, help="JSON list or a file containing it")
    g.add_argument("--deployed", help="the registry's deployed.json (URI or file); absent/missing: first deployment")
    g.add_argument("--max-regression", type=float, default=0.02)
    g.add_argument("--out", required=True)
    g.add_argument("--no-fail", action="store_true")
    args = ap.parse_args(argv)
    store = Store()

    if args.cmd == "wait-version":
        wait_version(args.endpoint, args.model, args.version, args.timeout, args.consecutive, args.interval)
        print("serving %s" % args.version)
        return OK

    if args.cmd in ("task", "probe"):
        if args.wait:
            wait_ready(args.endpoint, args.wait)
        metrics = [m for m in args.metrics.split(",") if m]
        unknown = [m for m in metrics if m not in TASK_METRICS]
        if unknown:
            fail(STAGE, "--metrics: unknown task metric %s (one of %s)" % (", ".join(unknown), ", ".join(TASK_METRICS)), code=BAD_INPUT)
        result = run_task(store, args.eval_file, args.endpoint, args.model, metrics, args.limit, args.max_tokens, args.timeout)
        if args.cmd == "probe":
            worst = min(result["task"].values()) if result["task"] else 0.0
            problems: list[str] = []
            if worst < args.min_score:
                problems.append("task score %.4g is below %.4g" % (worst, args.min_score))
            if result["latency"]["p95_seconds"] > args.max_latency:
                problems.append("p95 latency %.3gs is above %.3gs" % (result["latency"]["p95_seconds"], args.max_latency))
            result["passed"] = not problems
            result["reason"] = "; ".join(problems) or "probe passed"
            push_eval({"task": dict(result["task"], latency_p95_seconds=result["latency"]["p95_seconds"])}, result, suite_label="probe")
        write_json(store, args.out, result)
        print(json.dumps(result, sort_keys=True))
        if args.cmd == "probe" and not result["passed"]:
            sys.stderr.write("monitoring: probe failed: %s\n" % result["reason"])
            return FAILED
        return OK

    if args.cmd == "collect":
        task = store.read_json(args.task_scores)
        if task is None:
            fail(STAGE, "task scores %s not found" % args.task_scores)
        general = [check_value(STAGE, "--general-tasks", "lm-eval-task", t) for t in args.general_tasks.split(",") if t]
        safety = [check_value(STAGE, "--safety-tasks", "lm-eval-task", t) for t in args.safety_tasks.split(",") if t]
        metrics = {
            "task": task.get("task", {}),
            "general": lm_eval_metrics(args.lm_eval_dir, general),
            "safety": lm_eval_metrics(args.lm_eval_dir, safety),
            "latency": task.get("latency", {}),
        }
        for suite, tasks in (("general", general), ("safety", safety)):
            missing = [t for t in tasks if not any(k.startswith(t + "/") for k in metrics[suite])]
            if missing:
                fail(STAGE, "lm-evaluation-harness produced no results for %s task%s %s (check the evaluator logs)" % (
                    suite, "" if len(missing) == 1 else "s", ", ".join(missing)), code=FAILED)
        write_json(store, args.out, metrics)
        print(json.dumps(metrics, sort_keys=True))
        return OK

    metrics = store.read_json(args.metrics)
    if metrics is None:
        fail(STAGE, "metrics %s not found (the evaluation step must run first)" % args.metrics)
    raw = args.thresholds
    thresholds = json.loads(raw) if raw.strip().startswith("[") else store.read_json(raw)
    deployed = store.read_json(args.deployed) if args.deployed else None
    result = gate(metrics, thresholds or [], deployed, args.max_regression)
    result["metrics"] = metrics
    result["deployedVersion"] = deployed.get("version") if deployed else None
    write_json(store, args.out, result)
    push_eval(metrics, result)
    print(result["reason"])
    if not result["passed"] and not args.no_fail:
        sys.stderr.write("evaluation-gate: %s\n" % result["reason"])
        return GATE_FAILED
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
