#!/usr/bin/env python3
"""Checkpoints in the object store: find the newest complete one, restore it, and sync new ones (sidecar).

Layout under ``--checkpoints`` (``<checkpointsUri>/<pipeline>/<run-id>``):
  checkpoint-<step>/...                      files written by the trainer (every node uploads its own shards)
  checkpoint-<step>/.complete-node-<rank>    written by node <rank>'s sync after its files are uploaded
  resumes.json                               {"resumes": N}: restarts that resumed from a checkpoint
A checkpoint is complete when every node has written its marker; only complete checkpoints are resumed from.
Locally, the trainer plugin writes ``checkpoint-<step>/.saved-node-<rank>`` when a save has finished, so the
sync never uploads a half-written checkpoint. On SageMaker (which syncs /opt/ml/checkpoints itself) the local
directory is the store and ``--marker .saved-node-`` selects the trainer's markers.

Subcommands:
  newest   print the newest complete checkpoint's name (nothing, and exit 0, when there is none yet)
  restore  download the newest complete checkpoint into --dest; print its local path (or nothing)
  sync     upload complete local checkpoints, mark them, prune old ones; loops every --interval seconds
           until SIGTERM (then one last pass), or once with --once
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence

from ftkit_store import MARKERS, Store, join, run_main

STAGE = "checkpoints"
CKPT = re.compile(r"^checkpoint-(\d+)$")
REMOTE_MARKER = MARKERS["remote"]
LOCAL_MARKER = MARKERS["local"]


def log(msg: str) -> None:
    sys.stderr.write("%s: %s\n" % (STAGE, msg))
    sys.stderr.flush()


def complete_checkpoints(files: Iterable[str], nodes: int, marker: str = REMOTE_MARKER) -> list[tuple[int, str]]:
    """(step, name) of complete checkpoints among relative ``files``, newest first."""
    markers: dict[str, set[str]] = {}
    for f in files:
        parts = f.split("/")
        if len(parts) == 2 and CKPT.match(parts[0]) and parts[1].startswith(marker):
            rank = parts[1][len(marker):]
            markers.setdefault(parts[0], set()).add(rank)
    need = {str(r) for r in range(nodes)}
    done = [(step_of(name), name) for name, ranks in markers.items() if need <= ranks]
    return sorted(done, reverse=True)


def step_of(name: str) -> int:
    """The step of a ``checkpoint-<step>`` name (callers matched CKPT first)."""
    m = CKPT.match(name)
    if m is None:
        raise ValueError("%s is not a checkpoint-<step> name" % name)
    return int(m.group(1))


def all_checkpoints(files: Iterable[str]) -> list[tuple[int, str]]:
    names = {f.split("/")[0] for f in files if "/" in f and CKPT.match(f.split("/")[0])}
    return sorted(((step_of(n), n) for n in names), reverse=True)


def newest(store: Store, uri: str, nodes: int, marker: str = REMOTE_MARKER) -> str | None:
    done = complete_checkpoints(store.list(uri), nodes, marker)
    return done[0][1] if done else None


def restore(store: Store, uri: str, nodes: int, dest: str, marker: str = REMOTE_MARKER, count_resume: bool = False) -> str | None:
    """Downloads the newest complete checkpoint into ``dest``; returns its local path or None."""
    name = newest(store, uri, nodes, marker)
    if name is None:
        log("no checkpoint yet under %s: training starts from the base model" % uri)
        return None
    local = os.path.join(dest, name)
    if os.path.abspath(local) != os.path.abspath(os.path.join(uri.replace("file://", ""), name)):
        store.download(join(uri, name), local)
    log("resuming from %s (newest complete checkpoint of %d)" % (name, len(complete_checkpoints(store.list(uri), nodes, marker))))
    if count_resume:
        state = json.loads(store.read_text(join(uri, "resumes.json")) or '{"resumes": 0}')
        state["resumes"] = int(state.get("resumes", 0)) + 1
        state["last"] = {"checkpoint": name, "time": int(time.time())}
        store.write_text(join(uri, "resumes.json"), json.dumps(state, sort_keys=True))
    return local


class Syncer:
    """Uploads this node's finished checkpoints, marks them and (rank 0) prunes old ones."""

    def __init__(self, store: Store, local: str, uri: str, rank: int, nodes: int, keep: int,
                 metrics: Callable[[float], None] | None = None) -> None:
        self.store, self.local, self.uri = store, local, uri
        self.rank, self.nodes, self.keep = rank, nodes, keep
        self.metrics = metrics
        self.uploaded: set[str] = set()

    def local_complete(self) -> list[tuple[int, str]]:
        if not os.path.isdir(self.local):
            return []
        out: list[tuple[int, str]] = []
        for name in os.listdir(self.local):
            m = CKPT.match(name)
            if m and os.path.isfile(os.path.join(self.local, name, LOCAL_MARKER + str(self.rank))):
                out.append((int(m.group(1)), name))
        return sorted(out)

    def pass_once(self, report: bool = True) -> list[str]:
        """Uploads every complete local checkpoint not yet uploaded; prunes (rank 0). Returns names uploaded.
        ``report=False`` (the pass after SIGTERM, when the trainer has exited and deleted its metrics group) uploads
        without pushing, so a finished run's group is not re-created."""
        done: list[str] = []
        for _step, name in self.local_complete():
            if name in self.uploaded:
                continue
            src = os.path.join(self.local, name)
            self.store.upload(src, join(self.uri, name), exclude=(LOCAL_MARKER + str(self.rank),))
            self.store.write_text(join(self.uri, name, REMOTE_MARKER + str(self.rank)), str(int(time.time())))
            self.uploaded.add(name)
            done.append(name)
            log("uploaded %s from node %d" % (name, self.rank))
        if done and self.metrics and report:
            self.metrics(time.time())
        if self.rank == 0:
            self.prune()
        return done

    def prune(self) -> list[str]:
        """Keeps the newest ``keep`` complete checkpoints, and deletes anything older than the oldest kept one."""
        files = self.store.list(self.uri)
        complete = complete_checkpoints(files, self.nodes)
        if len(complete) <= self.keep:
            return []
        oldest_kept = complete[self.keep - 1][0]
        removed: list[str] = []
        for step, name in all_checkpoints(files):
            if step < oldest_kept:
                self.store.delete_prefix(join(self.uri, name))
                removed.append(name)
        if removed:
            log("pruned %s (keeping the newest %d)" % (", ".join(removed), self.keep))
        return removed


def metrics_pusher() -> Callable[[float], None] | None:
    """POSTs the last-checkpoint time into the run's training group (FTKIT_PUSHGATEWAY_URL/_JOB, pipeline,
    run_id), so the trainer's DELETE at the end of training removes it with the rest of the run's series."""
    from push_metrics import metric_name, settings, try_push  # noqa: PLC0415 (only the sync sidecar pushes)

    cfg = settings()
    name = metric_name("LAST_CHECKPOINT")
    if not (cfg["url"] and cfg["job"] and name):
        return None

    def push(ts: float) -> None:
        try_push(cfg["url"], cfg["job"], cfg["grouping"], [(name, {}, ts, "gauge")], method="POST")

    return push


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Find, restore and sync training checkpoints.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for cmd in ("newest", "restore", "sync"):
        p = sub.add_parser(cmd)
        p.add_argument("--checkpoints", required=True, help="checkpoint prefix URI or local directory")
        p.add_argument("--nodes", type=int, default=1)
        p.add_argument("--marker", default=REMOTE_MARKER)
        if cmd == "restore":
            p.add_argument("--dest", required=True)
            p.add_argument("--count-resume", action="store_true")
        if cmd == "sync":
            p.add_argument("--local", required=True)
            p.add_argument("--node-rank", type=int, default=0)
            p.add_argument("--keep", type=int, default=3)
            p.add_argument("--interval", type=float, default=30)
            p.add_argument("--once", action="store_true")
    args = ap.parse_args(argv)
    store = Store()
    if args.cmd == "newest":
        name = newest(store, args.checkpoints, args.nodes, args.marker)
        if name is None:
            log("no checkpoint yet under %s" % args.checkpoints)
        else:
            print(name)
        return 0
    if args.cmd == "restore":
        path = restore(store, args.checkpoints, args.nodes, args.dest, args.marker, args.count_resume)
        if path:
            print(path)
        return 0
    syncer = Syncer(store, args.local, args.checkpoints, args.node_rank, args.nodes, args.keep, metrics_pusher())
    if args.once:
        syncer.pass_once()
        return 0
    stopping = {"now": False}

    def stop(_sig: int, _frm: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping["now"]:
        try:
            syncer.pass_once()
        except Exception as e:  # noqa: BLE001 - keep syncing; the next pass retries
            log("sync pass failed (will retry): %s" % e)
        deadline = time.time() + args.interval
        while not stopping["now"] and time.time() < deadline:
            time.sleep(min(1.0, args.interval))
    syncer.pass_once(report=False)
    log("final sync done")
    return 0


if __name__ == "__main__":
    run_main(STAGE, main)
