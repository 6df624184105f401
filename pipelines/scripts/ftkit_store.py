"""Object-store access for the finetune-kit stage scripts (python3 standard library only).

URIs: ``s3://bucket/key`` and ``gs://bucket/key`` go through rclone (a static binary the pod's init container
copies to /tools/rclone; credentials come from the environment: IRSA, Workload Identity or an access-key
Secret, configured through ``RCLONE_CONFIG_STORE_*`` variables). ``file:///path`` and plain paths are local
directories: SageMaker's /opt/ml mounts, a PVC, and the tests.
"""
import json
import os
import re
import shutil
import subprocess
import sys


class StoreError(RuntimeError):
    """An object-store operation failed."""


def _is_remote(uri):
    return uri.startswith("s3://") or uri.startswith("gs://")


def _local(uri):
    return uri[len("file://"):] if uri.startswith("file://") else uri


def join(uri, *parts):
    """Joins path segments onto a URI with single slashes."""
    out = uri.rstrip("/")
    for p in parts:
        p = str(p).strip("/")
        if p:
            out = out + "/" + p
    return out


class Store:
    def __init__(self, rclone=None, remote=None):
        self.rclone = rclone or os.environ.get("FTKIT_RCLONE", "/tools/rclone")
        self.remote = remote or os.environ.get("FTKIT_RCLONE_REMOTE", "store")

    # -- rclone plumbing -------------------------------------------------------------------------------------
    def _r(self, uri):
        bucket_key = uri.split("://", 1)[1]
        return "%s:%s" % (self.remote, bucket_key)

    def _run(self, args, data=None):
        try:
            res = subprocess.run([self.rclone] + args, input=data, capture_output=True, check=False)
        except FileNotFoundError:
            raise StoreError("rclone not found at %s (the pod's tools init container copies it there)" % self.rclone)
        if res.returncode != 0:
            raise StoreError("rclone %s failed: %s" % (" ".join(args[:2]), res.stderr.decode("utf-8", "replace").strip()))
        return res.stdout

    # -- operations ------------------------------------------------------------------------------------------
    def list(self, uri):
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
        found = []
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                found.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
        return sorted(found)

    def exists(self, uri):
        if _is_remote(uri):
            parent, name = uri.rstrip("/").rsplit("/", 1)
            return name in self.list(parent)
        return os.path.isfile(_local(uri))

    def read_text(self, uri):
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

    def write_text(self, uri, text):
        if _is_remote(uri):
            self._run(["rcat", self._r(uri)], data=text.encode("utf-8"))
            return
        path = _local(uri)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    def download(self, uri, local_dir):
        """Copies every object under the prefix ``uri`` into ``local_dir``."""
        os.makedirs(local_dir, exist_ok=True)
        if _is_remote(uri):
            self._run(["copy", self._r(uri), local_dir])
            return
        src = _local(uri)
        if os.path.isdir(src):
            shutil.copytree(src, local_dir, dirs_exist_ok=True)

    def download_file(self, uri, local_path):
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        if _is_remote(uri):
            self._run(["copyto", self._r(uri), local_path])
            return
        if not os.path.isfile(_local(uri)):
            raise StoreError("%s does not exist" % uri)
        shutil.copyfile(_local(uri), local_path)

    def upload(self, local_dir, uri, exclude=()):
        """Copies the files of ``local_dir`` under the prefix ``uri`` (skipping names in ``exclude``)."""
        if _is_remote(uri):
            args = ["copy", local_dir, self._r(uri)]
            for pattern in exclude:
                args += ["--exclude", pattern]
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

    def upload_file(self, local_path, uri):
        if _is_remote(uri):
            self._run(["copyto", local_path, self._r(uri)])
            return
        dest = _local(uri)
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copyfile(local_path, dest)

    def delete_prefix(self, uri):
        if _is_remote(uri):
            try:
                self._run(["purge", self._r(uri)])
            except StoreError as e:
                if "directory not found" not in str(e).lower():
                    raise
            return
        shutil.rmtree(_local(uri), ignore_errors=True)


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
BAD_INPUT = 2


def shown(value, limit=80):
    """``value`` as it is safe to print: repr (control characters escaped), cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "... (%d characters)" % len(value)


def problem(kind, value):
    """Why ``value`` is not a valid ``kind`` (None when it is)."""
    if not isinstance(value, str) or re.fullmatch(PATTERNS[kind], value) is None:
        return "%s is not a valid %s (%s)" % (shown(value), kind, HINTS[kind])
    return None


def check_value(stage, what, kind, value):
    """Exits with the bad-input code and ``<stage>: <what>: <problem>`` when ``value`` is not a valid ``kind``."""
    why = problem(kind, value)
    if why:
        fail(stage, "%s: %s" % (what, why), code=BAD_INPUT)
    return value


def fail(stage, message, code=2):
    """Prints ``<stage>: <message>`` to stderr and exits with ``code`` (2: bad input, the run cannot succeed)."""
    sys.stderr.write("%s: %s\n" % (stage, message))
    sys.stderr.flush()
    sys.exit(code)


def main(argv=None):
    """CLI for stage steps: ``fetch URI DIR [URI DIR]...`` (prefix → directory), ``put DIR URI``, ``cat URI``, ``ls URI``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("fetch", "put", "cat", "ls") or (args[0] == "fetch" and len(args) % 2 == 0):
        sys.stderr.write("usage: ftkit_store.py fetch URI DIR [URI DIR]... | put DIR URI | cat URI | ls URI\n")
        return 64
    store = Store()
    try:
        if args[0] == "fetch":
            pairs = list(zip(args[1::2], args[2::2]))
            for uri, _dest in pairs:
                if not store.list(uri):
                    sys.stderr.write("store: %s is empty or missing\n" % uri)
                    return 2
            for uri, dest in pairs:
                store.download(uri, dest)
        elif args[0] == "put":
            store.upload(args[1], args[2])
        elif args[0] == "cat":
            text = store.read_text(args[1])
            if text is None:
                sys.stderr.write("store: %s does not exist\n" % args[1])
                return 2
            sys.stdout.write(text)
        else:
            for f in store.list(args[1]):
                print(f)
    except StoreError as e:
        sys.stderr.write("store: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
