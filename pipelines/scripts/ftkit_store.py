"""Object-store access for the finetune-kit stage scripts (python3 standard library only).

URIs: ``s3://bucket/key`` and ``gs://bucket/key`` go through rclone (a static binary the pod's init container
copies to /tools/rclone; credentials come from the environment: IRSA, Workload Identity or an access-key
Secret, configured through ``RCLONE_CONFIG_STORE_*`` variables). ``file:///path`` and plain paths are local
directories: SageMaker's /opt/ml mounts, a PVC, and the tests.
"""
import json
import os
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


def fail(stage, message, code=2):
    """Prints ``<stage>: <message>`` to stderr and exits with ``code`` (2: bad input, the run cannot succeed)."""
    sys.stderr.write("%s: %s\n" % (stage, message))
    sys.stderr.flush()
    sys.exit(code)


def main(argv=None):
    """CLI for shell steps: ``fetch URI DIR`` (prefix → directory), ``put DIR URI``, ``cat URI``, ``ls URI``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("fetch", "put", "cat", "ls"):
        sys.stderr.write("usage: ftkit_store.py fetch URI DIR | put DIR URI | cat URI | ls URI\n")
        return 64
    store = Store()
    try:
        if args[0] == "fetch":
            if not store.list(args[1]):
                sys.stderr.write("store: %s is empty or missing\n" % args[1])
                return 2
            store.download(args[1], args[2])
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
