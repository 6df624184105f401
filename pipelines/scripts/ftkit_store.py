"""Object-store access for the finetune-kit stage scripts (python3 standard library only).

URIs: ``s3://bucket/key`` and ``gs://bucket/key`` go through rclone (a static binary the pod's init container
copies to /tools/rclone; credentials come from the environment: IRSA, Workload Identity or an access-key
Secret, configured through ``RCLONE_CONFIG_STORE_*`` variables). ``file:///path`` and plain paths are local
directories: SageMaker's /opt/ml mounts, a PVC, and the tests.

This module is also the stage scripts' shared library: value checks (``check_value``), one-line failures
(``fail``, the exit codes) and ``run_main``, the top-level wrapper every script's ``__main__`` goes through so
that an expected failure (the store, a file, malformed JSON) ends as one line and an exit code, never a
traceback. The scripts import it normally: ``python3 /scripts/<file>.py`` puts the scripts' own directory first
on ``sys.path``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn, cast


def _load_contract() -> dict[str, dict[str, Any]]:
    """The constants shared with the renderers (ftkit_contract.json beside this file; pipelines/contract.ts reads the same file)."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ftkit_contract.json"), encoding="utf-8") as f:
        return cast("dict[str, dict[str, Any]]", json.load(f))


CONTRACT = _load_contract()
#: Environment variable names (and name prefixes) the renderers give the containers, by contract key.
ENV: dict[str, str] = {str(k): str(v) for k, v in CONTRACT["env"].items()}
#: Checkpoint completion markers: ``local`` (the trainer plugin's, after a save), ``remote`` (the sync's, after upload).
MARKERS: dict[str, str] = {str(k): str(v) for k, v in CONTRACT["checkpointMarkers"].items()}
#: Written last into a complete base-model snapshot (in the store and in the model cache).
SNAPSHOT_MARKER = str(CONTRACT["modelSnapshot"]["marker"])

# Exit codes shared by every stage script (ftkit_contract.json exitCodes).
OK = int(CONTRACT["exitCodes"]["ok"])
#: A failure a retry may cure (the store was unreachable, another promotion held the lock).
FAILED = int(CONTRACT["exitCodes"]["failed"])
#: Bad input: the run cannot succeed as given (an invalid value, a missing or malformed input, unusable training
#: inputs). Not retried: the JobSets' podFailurePolicy fails at once on it.
BAD_INPUT = int(CONTRACT["exitCodes"]["badInput"])
#: A usage error of the script itself (a kit bug): the argv the renderer built does not parse.
USAGE = int(CONTRACT["exitCodes"]["usage"])


class StoreError(RuntimeError):
    """An object-store operation failed."""


#: How long a lock object stays valid when its holder dies without removing it (seconds). A promotion reads and
#: writes two small objects: far below a minute even on a slow store.
LOCK_TTL_SECONDS = 120.0
#: How long a contender waits for a live holder before failing (seconds).
LOCK_WAIT_SECONDS = 300.0


def _is_remote(uri: str) -> bool:
    return uri.startswith("s3://") or uri.startswith("gs://")


def _local(uri: str) -> str:
    return uri[len("file://"):] if uri.startswith("file://") else uri


def join(uri: str, *parts: object) -> str:
    """Joins path segments onto a URI with single slashes."""
    out = uri.rstrip("/")
    for p in parts:
        segment = str(p).strip("/")
        if segment:
            out = out + "/" + segment
    return out


class BadInput(ValueError):
    """An input the run cannot succeed with (malformed JSON in the store, say): exit ``BAD_INPUT``, no retry."""


class LockHeld(StoreError):
    """Another process holds the lock object (and it has not expired)."""


class Store:
    """Objects under ``s3://``/``gs://`` (through rclone) or a local directory (``file://`` or a plain path)."""

    def __init__(self, rclone: str | None = None, remote: str | None = None) -> None:
        self.rclone = rclone or os.environ.get(ENV["rclone"], "/tools/rclone")
        self.remote = remote or os.environ.get(ENV["rcloneRemote"], "store")

    # -- rclone plumbing -------------------------------------------------------------------------------------
    def _r(self, uri: str) -> str:
        bucket_key = uri.split("://", 1)[1]
        return "%s:%s" % (self.remote, bucket_key)

    def _run(self, args: list[str], data: bytes | None = None) -> bytes:
        try:
            res = subprocess.run([self.rclone, *args], input=data, capture_output=True, check=False)
        except FileNotFoundError:
            raise StoreError("rclone not found at %s (the pod's tools init container copies it there)" % self.rclone) from None
        if res.returncode != 0:
            raise StoreError("rclone %s failed: %s" % (" ".join(args[:2]), res.stderr.decode("utf-8", "replace").strip()))
        return res.stdout

    # -- operations ------------------------------------------------------------------------------------------
    def list(self, uri: str) -> list[str]:
        """Relative paths of every file under the prefix ``uri`` (empty when there is none)."""
        if _is_remote(uri):
            try:
                out = self._run(["lsjson", "--recursive", "--files-only", self._r(uri)])
            except StoreError as e:
                if "directory not found" in str(e).lower():
                    return []
                raise
            return sorted(item["Path"] for item in json.loads(out.decode("utf-8") or "[]"))
        root = _local(uri)
        if not os.path.isdir(root):
            return []
        found: list[str] = []
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                found.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
        return sorted(found)

    def exists(self, uri: str) -> bool:
        if _is_remote(uri):
            parent, name = uri.rstrip("/").rsplit("/", 1)
            return name in self.list(parent)
        return os.path.isfile(_local(uri))

    def read_text(self, uri: str) -> str | None:
        """Text of one object, or None when it does not exist."""
        if _is_remote(uri):
            if not self.exists(uri):
                return None
            return self._run(["cat", self._r(uri)]).decode("utf-8")
        path = _local(uri)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    def read_json(self, uri: str) -> Any:
        """The JSON document at ``uri``, or None when it does not exist; ``BadInput`` when it is not JSON."""
        text = self.read_text(uri)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise BadInput("%s is not valid JSON (%s)" % (uri, e)) from None

    def write_text(self, uri: str, text: str) -> None:
        if _is_remote(uri):
            self._run(["rcat", self._r(uri)], data=text.encode("utf-8"))
            return
        path = _local(uri)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    def download(self, uri: str, local_dir: str) -> None:
        """Copies every object under the prefix ``uri`` into ``local_dir``."""
        os.makedirs(local_dir, exist_ok=True)
        if _is_remote(uri):
            self._run(["copy", self._r(uri), local_dir])
            return
        src = _local(uri)
        if os.path.isdir(src):
            shutil.copytree(src, local_dir, dirs_exist_ok=True)

    def download_file(self, uri: str, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        if _is_remote(uri):
            self._run(["copyto", self._r(uri), local_path])
            return
        if not os.path.isfile(_local(uri)):
            raise StoreError("%s does not exist" % uri)
        shutil.copyfile(_local(uri), local_path)

    def upload(self, local_dir: str, uri: str, exclude: Sequence[str] = ()) -> None:
        """Copies the files of ``local_dir`` under the prefix ``uri`` (skipping names in ``exclude``)."""
        if _is_remote(uri):
            args = ["copy", local_dir, self._r(uri)]
            for pattern in exclude:
                args.extend(["--exclude", pattern])
            self._run(args)
            return
        dest = _local(uri)
        for dirpath, _dirs, files in os.walk(local_dir):
            for f in files:
                if f in exclude:
                    continue
                src = os.path.join(dirpath, f)
                target = os.path.join(dest, os.path.relpath(src, local_dir))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(src, target)

    def upload_file(self, local_path: str, uri: str) -> None:
        if _is_remote(uri):
            self._run(["copyto", local_path, self._r(uri)])
            return
        dest = _local(uri)
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copyfile(local_path, dest)

    def delete(self, uri: str) -> None:
        """Removes one object (nothing when it does not exist)."""
        if _is_remote(uri):
            try:
                self._run(["deletefile", self._r(uri)])
            except StoreError as e:
                if "not found" not in str(e).lower():
                    raise
            return
        with suppress(FileNotFoundError):
            os.remove(_local(uri))

    def create_exclusive(self, uri: str, text: str) -> bool:
        """Writes ``uri`` only when no object is there; False when one already is (an atomic create-if-absent).

        Local: ``O_CREAT | O_EXCL``. S3: a conditional PUT (``If-None-Match: *``, S3 conditional writes since
        August 2024, https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html) through
        rclone's ``--header-upload``, which passes that header to S3 from rclone 1.72 on (rclone/rclone#8947);
        S3 answers 412 Precondition Failed when the key exists. An rclone or backend that cannot send the
        precondition (an older rclone; GCS, whose ``ifGenerationMatch`` rclone does not expose) gets a best-effort
        create instead: checked absent, written, and read back by ``lock`` (a window of one round trip remains).
        """
        if _is_remote(uri):
            if self.exists(uri):
                return False
            data = text.encode("utf-8")
            try:
                self._run(["rcat", "--header-upload", "If-None-Match: *", self._r(uri)], data=data)
            except StoreError as e:
                message = str(e).lower()
                if "412" in message or "precondition" in message:
                    return False
                if "know how to set key" not in message:
                    raise
                sys.stderr.write("store: this rclone cannot write %s conditionally (rclone >= 1.72 with S3 can): the lock is best effort\n" % uri)
                self._run(["rcat", self._r(uri)], data=data)
            return True
        path = _local(uri)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return True

    @contextmanager
    def lock(self, uri: str, ttl: float = LOCK_TTL_SECONDS, wait: float = LOCK_WAIT_SECONDS, poll: float = 0.2,
             clock: Callable[[], float] = time.time) -> Generator[str, None, None]:
        """Holds the lock object ``uri`` for the ``with`` block; yields this holder's id.

        The lock is an object created only when absent (``create_exclusive``) holding its owner and expiry. A
        holder that died leaves it behind: once ``expires`` has passed, the next contender removes it and takes
        its turn. Waits up to ``wait`` seconds for a live holder, then raises ``LockHeld``.
        """
        owner = "%s/%d/%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        deadline = clock() + wait
        while True:
            body = json.dumps({"owner": owner, "expires": clock() + ttl}, sort_keys=True)
            created = self.create_exclusive(uri, body)
            holder = _lock_holder(self.read_text(uri))
            if created and holder is not None and holder[0] == owner:  # read back: a best-effort create can lose a race
                break
            if holder is not None and holder[1] < clock():
                sys.stderr.write("store: lock %s of %s expired, taking it over\n" % (uri, holder[0]))
                self.delete(uri)
                continue
            if clock() >= deadline:
                if holder is None:
                    raise LockHeld("%s is unreadable (remove it if no other run is changing %s)" % (uri, uri.rsplit("/", 1)[0]))
                raise LockHeld("%s is held by %s (another run is changing it: retry when it has finished)" % (uri, holder[0]))
            time.sleep(poll)
        try:
            yield owner
        finally:
            holder = _lock_holder(self.read_text(uri))
            if holder is not None and holder[0] == owner:  # not one that took over after our expiry
                self.delete(uri)

    def delete_prefix(self, uri: str) -> None:
        if _is_remote(uri):
            try:
                self._run(["purge", self._r(uri)])
            except StoreError as e:
                if "directory not found" not in str(e).lower():
                    raise
            return
        shutil.rmtree(_local(uri), ignore_errors=True)


def as_object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (typed for the checker: JSON keys are strings)."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a JSON list, else an empty one."""
    return cast("list[Any]", value) if isinstance(value, list) else []


def _lock_holder(text: str | None) -> tuple[str, float] | None:
    """(owner, expires) of a lock object's text; None when absent or unreadable (a half-written lock)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return str(data["owner"]), float(data["expires"])
    except (ValueError, KeyError, TypeError):
        return None


# Patterns of the values a workflow parameter or the spec hands to a script. The same bodies as the zod schema's
# (pipelines/spec.ts, VALUE_PATTERNS); a test holds them equal. Matched whole (re.fullmatch).
PATTERNS = {
    "revision": r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
    "object-uri": r"(s3|gs)://[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](/[A-Za-z0-9._~/=+@,:%-]*)?",
    "hub-id": r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?",
    "lm-eval-task": r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
}
HINTS = {
    "revision": "pass a 40-hex commit sha or a release tag such as v1.0, never a branch or ref",
    "object-uri": "pass s3://bucket/key or gs://bucket/key without spaces, quotes or shell characters",
    "hub-id": "pass a hub id such as org/model",
    "lm-eval-task": "pass lm-evaluation-harness task names such as mmlu or arc_easy",
}


def shown(value: object, limit: int = 80) -> str:
    """``value`` as it is safe to print: repr (control characters escaped), cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "... (%d characters)" % len(str(value))


def problem(kind: str, value: object) -> str | None:
    """Why ``value`` is not a valid ``kind`` (None when it is)."""
    if not isinstance(value, str) or re.fullmatch(PATTERNS[kind], value) is None:
        return "%s is not a valid %s (%s)" % (shown(value), kind, HINTS[kind])
    return None


def check_value(stage: str, what: str, kind: str, value: str) -> str:
    """Exits with the bad-input code and ``<stage>: <what>: <problem>`` when ``value`` is not a valid ``kind``."""
    why = problem(kind, value)
    if why:
        fail(stage, "%s: %s" % (what, why), code=BAD_INPUT)
    return value


def fail(stage: str, message: str, code: int = BAD_INPUT) -> NoReturn:
    """Prints ``<stage>: <message>`` to stderr and exits with ``code`` (default ``BAD_INPUT``: the run cannot succeed)."""
    sys.stderr.write("%s: %s\n" % (stage, message))
    sys.stderr.flush()
    sys.exit(code)


def run_main(stage: str, main: Callable[[], int | None]) -> NoReturn:
    """Runs a script's ``main`` and exits with its code; an expected failure becomes ``<stage>: <message>``.

    Store failures and unreadable files exit ``FAILED`` (a retry may help), ``BadInput`` and malformed JSON
    ``BAD_INPUT``; a ``LockHeld`` says who holds the lock. Anything else is a bug in the script and keeps its
    traceback.
    """
    try:
        code = main()
    except StoreError as e:
        fail(stage, str(e), code=FAILED)
    except BadInput as e:
        fail(stage, str(e), code=BAD_INPUT)
    except json.JSONDecodeError as e:
        fail(stage, "malformed JSON: %s (fix the file or value it came from)" % e, code=BAD_INPUT)
    except OSError as e:
        fail(stage, "%s (check the path and that the earlier stage wrote it)" % e, code=FAILED)
    except KeyboardInterrupt:
        fail(stage, "interrupted", code=130)
    sys.exit(OK if code is None else code)


def cached_snapshot(uri: str) -> str | None:
    """The model-cache directory that holds ``uri`` complete, or None.

    The renderer sets ``FTKIT_MODEL_CACHE_URI`` (the store prefix the cache mirrors, ``<modelsUri>``) and
    ``FTKIT_MODEL_CACHE_DIR`` (where the cache is mounted) when the pod mounts a model cache; a snapshot
    ``<modelsUri>/<x>`` is usable from ``<dir>/<x>`` once its completion marker is there.
    """
    prefix = os.environ.get(ENV["modelCacheUri"], "").rstrip("/")
    root = os.environ.get(ENV["modelCacheDir"], "")
    if not prefix or not root or not uri.startswith(prefix + "/"):
        return None
    rel = uri[len(prefix) + 1:].strip("/")
    if not rel or ".." in rel.split("/"):
        return None
    path = os.path.join(root, rel)
    return path if os.path.isfile(os.path.join(path, SNAPSHOT_MARKER)) else None


def fetch_into(store: Store, uri: str, local_dir: str) -> bool:
    """Makes ``uri`` available at ``local_dir``: a link into the model cache when it holds the snapshot (True),
    else a download (False)."""
    cached = cached_snapshot(uri)
    if cached is None:
        store.download(uri, local_dir)
        return False
    if os.path.isdir(local_dir) and not os.path.islink(local_dir):
        if os.listdir(local_dir):
            store.download(uri, local_dir)
            return False
        os.rmdir(local_dir)
    elif os.path.islink(local_dir):
        os.remove(local_dir)
    os.makedirs(os.path.dirname(local_dir) or ".", exist_ok=True)
    os.symlink(cached, local_dir)
    sys.stderr.write("store: %s served from the model cache (%s), not downloaded\n" % (uri, cached))
    return True


def main(argv: Iterable[str] | None = None) -> int:
    """CLI for stage steps: ``fetch URI DIR [URI DIR]...`` (prefix → directory), ``put DIR URI``, ``cat URI``, ``ls URI``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("fetch", "put", "cat", "ls") or (args[0] == "fetch" and len(args) % 2 == 0):
        sys.stderr.write("usage: ftkit_store.py fetch URI DIR [URI DIR]... | put DIR URI | cat URI | ls URI\n")
        return USAGE
    store = Store()
    try:
        if args[0] == "fetch":
            pairs = list(zip(args[1::2], args[2::2]))
            for uri, _dest in pairs:
                if cached_snapshot(uri) is None and not store.list(uri):
                    sys.stderr.write("store: %s is empty or missing\n" % uri)
                    return BAD_INPUT
            for uri, dest in pairs:
                fetch_into(store, uri, dest)
        elif args[0] == "put":
            store.upload(args[1], args[2])
        elif args[0] == "cat":
            text = store.read_text(args[1])
            if text is None:
                sys.stderr.write("store: %s does not exist\n" % args[1])
                return BAD_INPUT
            sys.stdout.write(text)
        else:
            for f in store.list(args[1]):
                print(f)
    except StoreError as e:
        sys.stderr.write("store: %s\n" % e)
        return FAILED
    return OK


if __name__ == "__main__":
    run_main("store", main)
