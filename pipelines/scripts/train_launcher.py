#!/usr/bin/env python3
"""training stage launcher: fetch inputs, resume from the newest checkpoint, render the trainer config, train.

Runs in the trainer container on every node (Kubernetes JobSet pod, SageMaker training instance):
 1. downloads the base-model snapshot and the prepared data (``--fetch URI=DIR``, skipped when DIR is filled),
 2. restores the newest complete checkpoint from ``--checkpoints`` into ``--output-dir`` (none on a first run),
 3. renders the final trainer config: the kit's config from training-setup plus run-time paths and
    ``resume_from_checkpoint`` (JSON, which YAML loaders such as Axolotl's read as YAML),
 4. runs the training command (``{config}`` becomes the rendered file, ``{node_rank}`` this node's rank),
 5. on node 0, uploads the final model/adapter (everything but checkpoint-*) to ``--final-output``.
Exit codes: the trainer's; ``BAD_INPUT`` (ftkit_contract.json) when the inputs are unusable (a retry cannot help: the Job's podFailurePolicy
fails the JobSet at once instead of burning restarts).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from checkpoints import REMOTE_MARKER, restore
from ftkit_store import BAD_INPUT, ENV, FAILED, OK, Store, StoreError, cached_snapshot, fetch_into, join, run_main

STAGE = "training"
CONFIG_ERROR = BAD_INPUT


def log(msg: str) -> None:
    sys.stderr.write("%s: %s\n" % (STAGE, msg))
    sys.stderr.flush()


def render_config(base: Mapping[str, Any], output_dir: str, resume: str | None, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The trainer config for this attempt: ``base`` + output/resume paths + ``overrides`` (key=JSON value)."""
    cfg = dict(base)
    cfg["output_dir"] = output_dir
    if resume:
        cfg["resume_from_checkpoint"] = resume
    else:
        cfg.pop("resume_from_checkpoint", None)
    cfg.update(overrides)
    return cfg


def parse_override(text: str) -> tuple[str, Any]:
    """``key=JSON`` → (key, value); a value that is not JSON stays the string."""
    key, _, raw = text.partition("=")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fetch inputs, resume and run the trainer.")
    ap.add_argument("--config", required=True, help="trainer config JSON from training-setup (URI or file)")
    ap.add_argument("--rendered", default="/workspace/run/trainer.json", help="where the final config is written")
    ap.add_argument("--checkpoints", required=True, help="checkpoint prefix URI (or local dir on SageMaker)")
    ap.add_argument("--marker", default=REMOTE_MARKER)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--final-output", help="URI the final model/adapter is uploaded to (node 0)")
    ap.add_argument("--nodes", type=int, default=int(os.environ.get(ENV["nodes"], "1")))
    ap.add_argument("--node-rank", type=int, default=int(os.environ.get("JOB_COMPLETION_INDEX", "0")))
    ap.add_argument("--fetch", action="append", default=[], help="URI=LOCAL_DIR to download before training")
    ap.add_argument("--set", action="append", default=[], help="config override key=JSON")
    ap.add_argument("--dry-run", action="store_true", help="prepare and print the command without running it")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- training command; {config} is the rendered file")
    args = ap.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        log("no training command given after --")
        return CONFIG_ERROR

    store = Store()
    try:
        for spec in args.fetch:
            uri, _, local = spec.rpartition("=")
            if os.path.isdir(local) and os.listdir(local):
                log("%s already present, not downloading" % local)
                continue
            if cached_snapshot(uri) is None and not store.list(uri):
                log("input %s is empty or missing (did the earlier stage succeed?)" % uri)
                return CONFIG_ERROR
            fetch_into(store, uri, local)
        raw = store.read_text(args.config)
    except (StoreError, OSError) as e:
        log("could not fetch inputs: %s" % e)
        return FAILED
    if raw is None:
        log("trainer config %s not found (run training-setup first)" % args.config)
        return CONFIG_ERROR
    try:
        base = json.loads(raw)
    except json.JSONDecodeError as e:
        log("trainer config %s is not valid JSON: %s" % (args.config, e))
        return CONFIG_ERROR

    os.makedirs(args.output_dir, exist_ok=True)
    resume = restore(store, args.checkpoints, args.nodes, args.output_dir, args.marker, count_resume=args.node_rank == 0)
    cfg = render_config(base, args.output_dir, resume, dict(parse_override(s) for s in args.set))
    os.makedirs(os.path.dirname(args.rendered) or ".", exist_ok=True)
    with open(args.rendered, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    cmd = [part.replace("{config}", args.rendered).replace("{node_rank}", str(args.node_rank)) for part in command]
    log("node %d/%d: %s%s" % (args.node_rank, args.nodes, " ".join(cmd), " (resuming from %s)" % resume if resume else ""))
    if args.dry_run:
        print(json.dumps({"command": cmd, "resume": resume, "config": args.rendered}))
        return OK

    resumes = 0
    if "://" in args.checkpoints or os.path.isdir(args.checkpoints):
        state = store.read_text(join(args.checkpoints, "resumes.json"))
        resumes = int(json.loads(state).get("resumes", 0)) if state else 0
    env = dict(os.environ, **{ENV["resumedFrom"]: resume or "", ENV["resumes"]: str(resumes)})
    code = subprocess.call(cmd, env=env)
    if code != 0:
        log("trainer exited with %d" % code)
        return code
    if args.final_output and args.node_rank == 0:
        final = os.path.join(args.output_dir, "final")
        src = final if os.path.isdir(final) else args.output_dir
        for name in sorted(os.listdir(src)):
            if name.startswith("checkpoint-"):
                continue
            path = os.path.join(src, name)
            if os.path.isdir(path):
                store.upload(path, join(args.final_output, name))
            else:
                store.upload_file(path, join(args.final_output, name))
        store.write_text(join(args.final_output, "_SUCCESS"), json.dumps({"resumedFrom": resume}))
        log("uploaded the trained model to %s" % args.final_output)
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
