#!/usr/bin/env python3
"""model-init stage: snapshot the pinned base-model revision into the artifact store once, verified.

If ``<dest>/.complete`` exists the snapshot is already there and nothing is downloaded (idempotent: every run
of every pipeline on the same model@revision shares it). Otherwise the download command (default
``hf download <id> --revision <rev> --local-dir <dir>``; HF_TOKEN from the hub-token Secret for gated models)
fills a scratch directory, the files are verified (config.json, weights, every shard the index names) and a
manifest with sha256 sums is written; the upload ends with ``.complete`` so a half-uploaded snapshot is never used.

With ``--cache-dir`` (a model-cache volume this stage mounts read-write: a ReadWriteMany PVC on bare Kubernetes)
the snapshot is also copied to ``<cache-dir>/<id>@<revision>/``, marker last, unless the cache already holds it;
training, evaluation and serving pods mount the cache read-only and skip their download when the marker is there.
Caches that are the bucket's ``models/`` prefix (GCS FUSE, Mountpoint for S3) need no copy: the upload fills them.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from ftkit_store import FAILED, OK, SNAPSHOT_MARKER, Store, check_value, fail, join, run_main

STAGE = "model-init"
DEFAULT_DOWNLOAD = "hf download {id} --revision {revision} --local-dir {dir}"
WEIGHT_SUFFIXES = (".safetensors", ".bin")


def verify(directory: str) -> list[str]:
    """Problems of a downloaded model directory (empty when usable)."""
    problems: list[str] = []
    files: set[str] = set()
    for dirpath, _d, names in os.walk(directory):
        for n in names:
            files.add(os.path.relpath(os.path.join(dirpath, n), directory).replace(os.sep, "/"))
    if "config.json" not in files:
        problems.append("config.json is missing")
    weights = [f for f in files if f.endswith(WEIGHT_SUFFIXES) and "/" not in f]
    if not weights:
        problems.append("no weights (*.safetensors or *.bin) at the top level")
    for index in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        if index in files:
            with open(os.path.join(directory, index), encoding="utf-8") as f:
                shards = {str(v) for v in json.load(f).get("weight_map", {}).values()}
            missing = sorted(shards - files)
            if missing:
                problems.append("%s names missing shard%s %s" % (index, "" if len(missing) == 1 else "s", ", ".join(missing)))
    return problems


def manifest(directory: str) -> dict[str, dict[str, str | int]]:
    """Relative path → {"sha256", "bytes"} of every file of ``directory`` (dot files and the hub cache skipped)."""
    entries: dict[str, dict[str, str | int]] = {}
    for dirpath, _d, names in os.walk(directory):
        for n in sorted(names):
            if n.startswith(".") or "/.cache/" in os.path.join(dirpath, n):
                continue
            path = os.path.join(dirpath, n)
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            entries[os.path.relpath(path, directory).replace(os.sep, "/")] = {"sha256": h.hexdigest(), "bytes": os.path.getsize(path)}
    return entries


def cache_path(cache_dir: str, model_id: str, revision: str) -> str:
    """``<cache-dir>/<id>@<revision>``: the store layout's ``models/<id>@<revision>`` under the cache mount."""
    return os.path.join(cache_dir, "%s@%s" % (model_id, revision))


def in_cache(cache_dir: str, model_id: str, revision: str) -> bool:
    return os.path.isfile(os.path.join(cache_path(cache_dir, model_id, revision), SNAPSHOT_MARKER))


def fill_cache(cache_dir: str, model_id: str, revision: str, work: str) -> None:
    """Copies a verified snapshot into the cache: a scratch directory beside the target, renamed into place, marker last."""
    target = cache_path(cache_dir, model_id, revision)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    scratch = "%s.partial-%d" % (target, os.getpid())
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(work, scratch, ignore=shutil.ignore_patterns(".cache", SNAPSHOT_MARKER))
    if os.path.isdir(target):
        shutil.rmtree(target)  # an earlier copy without its marker: never used, replace it
    os.replace(scratch, target)
    with open(os.path.join(target, SNAPSHOT_MARKER), "w", encoding="utf-8") as f:
        f.write(json.dumps({"model": model_id, "revision": revision}))
    sys.stderr.write("%s: %s@%s copied into the model cache %s\n" % (STAGE, model_id, revision, target))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Snapshot a pinned hub model revision into the artifact store.")
    ap.add_argument("--model-id", required=True)
    ap.add_argument("--revision", required=True)
    ap.add_argument("--dest", required=True, help="<modelsUri>/<hub-id>@<revision>")
    ap.add_argument("--download-command", default=DEFAULT_DOWNLOAD, help="{id}, {revision}, {dir} are substituted")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--cache-dir", default=None, help="model-cache mount to fill with <id>@<revision>/ (read-write)")
    args = ap.parse_args(argv)
    # Both reach the download command's argv and the snapshot's path: a workflow parameter is hostile until checked.
    check_value(STAGE, "--model-id", "hub-id", args.model_id)
    check_value(STAGE, "--revision", "revision", args.revision)
    store = Store()
    marker = join(args.dest, SNAPSHOT_MARKER)
    if store.read_text(marker) is not None:
        if args.cache_dir and not in_cache(args.cache_dir, args.model_id, args.revision):
            work = tempfile.mkdtemp(prefix="model-", dir=args.workdir)
            store.download(args.dest, work)
            fill_cache(args.cache_dir, args.model_id, args.revision, work)
        print(json.dumps({"stage": STAGE, "model": args.model_id, "revision": args.revision, "dest": args.dest, "cached": True}))
        sys.stderr.write("%s: %s@%s is already in the store, nothing to download\n" % (STAGE, args.model_id, args.revision))
        return OK
    if not os.environ.get("HF_TOKEN") and os.environ.get("HF_TOKEN_SECRET_ARN"):
        # SageMaker: the token lives in Secrets Manager; the trainer image's botocore reads it with the job's role.
        try:
            session: Any = importlib.import_module("botocore.session")  # only in the SageMaker trainer image
            client: Any = session.get_session().create_client("secretsmanager")
            os.environ["HF_TOKEN"] = str(client.get_secret_value(SecretId=os.environ["HF_TOKEN_SECRET_ARN"])["SecretString"]).strip()
        except Exception as e:  # noqa: BLE001
            fail(STAGE, "could not read the hub token from %s: %s" % (os.environ["HF_TOKEN_SECRET_ARN"], e), code=FAILED)
    work = tempfile.mkdtemp(prefix="model-", dir=args.workdir)
    cmd = [part.format(id=args.model_id, revision=args.revision, dir=work) for part in shlex.split(args.download_command)]
    sys.stderr.write("%s: %s\n" % (STAGE, " ".join(cmd)))
    code = subprocess.call(cmd)
    if code != 0:
        hint = "" if os.environ.get("HF_TOKEN") else " (if the model is gated, set baseModel.gated and finetune:hubToken, and accept its licence on the hub)"
        fail(STAGE, "download of %s@%s failed with exit code %d%s" % (args.model_id, args.revision, code, hint), code=FAILED)
    problems = verify(work)
    if problems:
        fail(STAGE, "%s@%s is not a usable model snapshot: %s (check the id and revision)" % (args.model_id, args.revision, "; ".join(problems)))
    files = manifest(work)
    with open(os.path.join(work, "ftkit-manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"model": args.model_id, "revision": args.revision, "files": files}, f, indent=2, sort_keys=True)
    store.upload(work, args.dest, exclude=(".cache",))
    summary = json.dumps({"files": len(files), "bytes": sum(int(e["bytes"]) for e in files.values())})
    store.write_text(marker, summary)
    if args.cache_dir and not in_cache(args.cache_dir, args.model_id, args.revision):
        fill_cache(args.cache_dir, args.model_id, args.revision, work)
    print(json.dumps({"stage": STAGE, "model": args.model_id, "revision": args.revision, "dest": args.dest, "cached": False, "files": len(files)}))
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
