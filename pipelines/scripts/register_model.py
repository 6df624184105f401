#!/usr/bin/env python3
"""deployment stage: the model registry in the object store, promotion and rollback.

Registry layout under ``--registry`` (``<registryUri>/<model>``):
  <version>/...          the trained model/adapter, metrics.json, gate.json, model.json (provenance), probe.jsonl
  probe.jsonl            the deployed version's probe examples (the monitoring probe reads them)
  deployed.json          {"version", "uri", "metrics", "previous": {...} | null, "history": [versions]}
Subcommands:
  register  copy the training output + evaluation results to <version>/ (refuses when the gate did not pass)
  promote   make <version> the deployed one (keeps the previous for rollback); prints the previous version
  rollback  restore the previous deployed version; prints it (exit 1 when there is none)
  current   print the deployed version (nothing when none)
  fetch     download the deployed version into --dest/<version>, write --dest/current and point the symlink
            --dest/active at it (serving pods' init container: vLLM reads a fixed path, no shell needed); exit 3
            when nothing is deployed yet
Concurrency: promote and rollback read, change and rewrite ``deployed.json`` while holding the lock object
``deployed.json.lock`` (``Store.lock``: created only when absent, expires when its holder died). A second
promotion waits for the first (up to ``--lock-wait`` seconds) and then applies itself on the new state, so
neither is lost; when the wait runs out it fails with exit 1 naming the holder (a retry may succeed).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from ftkit_store import FAILED, LOCK_WAIT_SECONDS, OK, Store, as_list, as_object, fail, join, run_main

STAGE = "deployment"
NO_VERSION = 3
ACTIVE = "active"


def promoted(current: dict[str, Any], version: str, dest: str, metrics: Any, now: int) -> dict[str, Any]:
    """The deployed state after promoting ``version`` over ``current`` (empty on a first deployment)."""
    previous = {k: current[k] for k in ("version", "uri", "metrics") if k in current} if current else None
    history = [*as_list(current.get("history")), version]
    return {"version": version, "uri": dest, "metrics": metrics or {}, "previous": previous, "history": history[-20:], "promoted": now}


def rolled_back(current: dict[str, Any], now: int) -> dict[str, Any]:
    """The deployed state after restoring ``current["previous"]``."""
    prev = as_object(current["previous"])
    return {"version": prev["version"], "uri": prev["uri"], "metrics": prev.get("metrics", {}), "previous": None,
            "history": [*as_list(current.get("history")), prev["version"]], "rolledBackFrom": current["version"], "promoted": now}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Register, promote and roll back model versions.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("register")
    r.add_argument("--registry", required=True)
    r.add_argument("--version", required=True)
    r.add_argument("--source", required=True, help="training output prefix")
    r.add_argument("--evaluation", required=True, help="evaluation output prefix (metrics.json, gate.json)")
    r.add_argument("--provenance", default="{}", help="JSON merged into model.json")
    r.add_argument("--probe", help="probe.jsonl from data-prep, kept with the version for the monitoring probe")
    p = sub.add_parser("promote")
    p.add_argument("--registry", required=True)
    p.add_argument("--version", required=True)
    rb = sub.add_parser("rollback")
    rb.add_argument("--registry", required=True)
    for parser in (p, rb):
        parser.add_argument("--lock-wait", type=float, default=LOCK_WAIT_SECONDS,
                            help="seconds to wait while another promotion or rollback holds the registry's lock")
    sub.add_parser("current").add_argument("--registry", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("--registry", required=True)
    f.add_argument("--dest", required=True, help="directory; the version lands in <dest>/<version>")
    args = ap.parse_args(argv)
    store = Store()
    deployed_uri = join(args.registry, "deployed.json")
    lock_uri = deployed_uri + ".lock"

    if args.cmd == "register":
        gate = store.read_json(join(args.evaluation, "gate.json"))
        if not gate or not gate.get("passed"):
            fail(STAGE, "version %s did not pass the evaluation gate (%s): refusing to register it" % (args.version, as_object(gate).get("reason", "no gate.json")))
        if store.read_text(join(args.source, "_SUCCESS")) is None:
            fail(STAGE, "training output %s is incomplete (no _SUCCESS)" % args.source)
        dest = join(args.registry, args.version)
        work = tempfile.mkdtemp(prefix="register-")
        store.download(args.source, work)
        store.upload(work, dest)
        if args.probe:
            probe = store.read_text(args.probe)
            if probe is not None:
                store.write_text(join(dest, "probe.jsonl"), probe)
        metrics = as_object(store.read_json(join(args.evaluation, "metrics.json")))
        store.write_text(join(dest, "metrics.json"), json.dumps(metrics, indent=2, sort_keys=True))
        store.write_text(join(dest, "gate.json"), json.dumps(gate, indent=2, sort_keys=True))
        model = dict(json.loads(args.provenance), version=args.version, registered=int(time.time()), source=args.source)
        store.write_text(join(dest, "model.json"), json.dumps(model, indent=2, sort_keys=True))
        print(dest)
        return OK

    if args.cmd == "promote":
        dest = join(args.registry, args.version)
        if store.read_text(join(dest, "model.json")) is None:
            fail(STAGE, "version %s is not registered under %s (run register first)" % (args.version, args.registry))
        metrics = store.read_json(join(dest, "metrics.json"))
        probe = store.read_text(join(dest, "probe.jsonl"))
        with store.lock(lock_uri, wait=args.lock_wait):
            # Read under the lock: a promotion that finished while this one waited is the state to build on.
            current = as_object(store.read_json(deployed_uri))
            if current.get("version") == args.version:
                print(as_object(current.get("previous")).get("version") or "")
                return OK
            state = promoted(current, args.version, dest, metrics, int(time.time()))
            if probe is not None:
                store.write_text(join(args.registry, "probe.jsonl"), probe)
            store.write_text(deployed_uri, json.dumps(state, indent=2, sort_keys=True))
        print(state["previous"]["version"] if state["previous"] else "")
        return OK
    if args.cmd == "rollback":
        with store.lock(lock_uri, wait=args.lock_wait):
            current = as_object(store.read_json(deployed_uri))
            if not current.get("previous"):
                fail(STAGE, "no previous version to roll back to under %s" % args.registry, code=FAILED)
            state = rolled_back(current, int(time.time()))
            store.write_text(deployed_uri, json.dumps(state, indent=2, sort_keys=True))
        sys.stderr.write("%s: rolled back from %s to %s\n" % (STAGE, current["version"], state["version"]))
        print(state["version"])
        return OK
    current = as_object(store.read_json(deployed_uri))
    if args.cmd == "current":
        if current:
            print(current["version"])
        return OK
    if not current:
        sys.stderr.write("%s: no version deployed yet under %s\n" % (STAGE, args.registry))
        return NO_VERSION
    version = str(current["version"])
    target = os.path.join(args.dest, version)
    store.download(current["uri"], target)
    with open(os.path.join(args.dest, "current"), "w", encoding="utf-8") as fh:
        fh.write(version)
    active = os.path.join(args.dest, ACTIVE)
    if os.path.lexists(active):
        os.remove(active)
    os.symlink(version, active)
    print(target)
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
