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
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ftkit_store import Store, fail, join  # noqa: E402

STAGE = "deployment"
NO_VERSION = 3
ACTIVE = "active"


def read(store, uri):
    text = store.read_text(uri)
    return json.loads(text) if text else None


def main(argv=None):
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
    for name in ("rollback", "current"):
        sub.add_parser(name).add_argument("--registry", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("--registry", required=True)
    f.add_argument("--dest", required=True, help="directory; the version lands in <dest>/<version>")
    args = ap.parse_args(argv)
    store = Store()
    deployed_uri = join(args.registry, "deployed.json")

    if args.cmd == "register":
        gate = read(store, join(args.evaluation, "gate.json"))
        if not gate or not gate.get("passed"):
            fail(STAGE, "version %s did not pass the evaluation gate (%s): refusing to register it" % (args.version, (gate or {}).get("reason", "no gate.json")))
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
        metrics = read(store, join(args.evaluation, "metrics.json")) or {}
        store.write_text(join(dest, "metrics.json"), json.dumps(metrics, indent=2, sort_keys=True))
        store.write_text(join(dest, "gate.json"), json.dumps(gate, indent=2, sort_keys=True))
        model = dict(json.loads(args.provenance), version=args.version, registered=int(time.time()), source=args.source)
        store.write_text(join(dest, "model.json"), json.dumps(model, indent=2, sort_keys=True))
        print(dest)
        return 0

    current = read(store, deployed_uri)
    if args.cmd == "promote":
        dest = join(args.registry, args.version)
        if store.read_text(join(dest, "model.json")) is None:
            fail(STAGE, "version %s is not registered under %s (run register first)" % (args.version, args.registry))
        if current and current.get("version") == args.version:
            print(current.get("previous", {}) and current["previous"].get("version") or "")
            return 0
        previous = None
        if current:
            previous = {k: current[k] for k in ("version", "uri", "metrics") if k in current}
        history = ((current or {}).get("history") or []) + [args.version]
        state = {"version": args.version, "uri": dest, "metrics": read(store, join(dest, "metrics.json")) or {}, "previous": previous, "history": history[-20:], "promoted": int(time.time())}
        probe = store.read_text(join(dest, "probe.jsonl"))
        if probe is not None:
            store.write_text(join(args.registry, "probe.jsonl"), probe)
        store.write_text(deployed_uri, json.dumps(state, indent=2, sort_keys=True))
        print(previous["version"] if previous else "")
        return 0
    if args.cmd == "rollback":
        if not current or not current.get("previous"):
            fail(STAGE, "no previous version to roll back to under %s" % args.registry, code=1)
        prev = current["previous"]
        state = {"version": prev["version"], "uri": prev["uri"], "metrics": prev.get("metrics", {}), "previous": None,
                 "history": (current.get("history") or []) + [prev["version"]], "rolledBackFrom": current["version"], "promoted": int(time.time())}
        store.write_text(deployed_uri, json.dumps(state, indent=2, sort_keys=True))
        sys.stderr.write("%s: rolled back from %s to %s\n" % (STAGE, current["version"], prev["version"]))
        print(prev["version"])
        return 0
    if args.cmd == "current":
        if current:
            print(current["version"])
        return 0
    if not current:
        sys.stderr.write("%s: no version deployed yet under %s\n" % (STAGE, args.registry))
        return NO_VERSION
    target = os.path.join(args.dest, current["version"])
    store.download(current["uri"], target)
    with open(os.path.join(args.dest, "current"), "w", encoding="utf-8") as fh:
        fh.write(current["version"])
    active = os.path.join(args.dest, ACTIVE)
    if os.path.lexists(active):
        os.remove(active)
    os.symlink(current["version"], active)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
