#!/usr/bin/env python3
"""Runs a stage's steps without a shell, and checks workflow parameters before any stage uses them.

``steps JSON``: JSON is a list of steps, run in order; the first that fails ends the run with its exit code.
  {"run": [argv...]}                       run a program (argv elements are strings, or {"env": NAME} for the
                                           value of an environment variable, e.g. SageMaker's execution id)
  {"run": [argv...], "background": LOG}    start it, output to LOG, stop it when the steps end (vLLM sidecar)
  {"untar": DIR, "into": DEST?}            extract every *.tar.gz of DIR into DEST (default: DIR, archives removed)
  {"copy": SRC, "to": DEST}                copy a file, creating DEST's directory
  {"touch": PATH}                          create an empty file, creating its directory
  {"mkdir": PATH}                          create a directory and its parents
No value is ever parsed by a shell: what the spec or a parameter holds stays one argv element.

``check NAME=KIND ...``: each environment variable NAME (``FTKIT_PARAM_<PARAMETER>``) must hold a valid KIND (``ftkit_store.PATTERNS``:
revision, object-uri, hub-id, lm-eval-task). Argo substitutes ``{{workflow.parameters.*}}`` textually into
every template, including the JobSet manifests it creates, so the workflow's first step runs this check with
the parameters in its environment (env values are never parsed) and every other step depends on it. Exit ``BAD_INPUT`` (bad
input, not retried) listing every invalid parameter.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping, Sequence
from typing import IO, Any

from ftkit_store import BAD_INPUT, ENV, OK, PATTERNS, USAGE, fail, problem, run_main

STAGE = "ftkit-run"
PARAM_ENV_PREFIX = ENV["parameterPrefix"]
USAGE_TEXT = "usage: ftkit_run.py steps JSON | check NAME=KIND [NAME=KIND]...\n"


def _argv(spec: Sequence[Any], environ: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for part in spec:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict) and set(part) == {"env"}:  # pyright: ignore[reportUnknownArgumentType]
            name = str(part["env"])  # pyright: ignore[reportUnknownArgumentType]
            value = environ.get(name)
            if not value:
                fail(STAGE, "environment variable %s is not set (the step's Environment must carry it)" % name, code=BAD_INPUT)
            out.append(value)
        else:
            fail(STAGE, "argv element %r is neither a string nor {\"env\": NAME} (a kit bug: report it)" % (part,), code=BAD_INPUT)
    return out


def _untar(directory: str, into: str | None) -> None:
    dest = into or directory
    os.makedirs(dest, exist_ok=True)
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".tar.gz"):
            continue
        path = os.path.join(directory, name)
        with tarfile.open(path, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, filter="data")
            else:  # Python < 3.12: refuse members that leave dest
                for member in tar.getmembers():
                    target = os.path.realpath(os.path.join(dest, member.name))
                    if not target.startswith(os.path.realpath(dest) + os.sep) or member.issym() or member.islnk():
                        fail(STAGE, "%s: member %s leaves %s" % (path, member.name, dest), code=BAD_INPUT)
                tar.extractall(dest)
        if not into:
            os.remove(path)


def run_steps(steps: object, environ: Mapping[str, str] | None = None) -> int:
    """Runs ``steps``; returns the exit code of the first failing step, else 0."""
    environ = os.environ if environ is None else environ
    if not isinstance(steps, list):
        fail(STAGE, "steps must be a JSON list (a kit bug: report it)", code=BAD_INPUT)
    background: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
    try:
        for item in steps:  # pyright: ignore[reportUnknownVariableType]
            if not isinstance(item, dict):
                fail(STAGE, "step %s is not a JSON object (a kit bug: report it)" % json.dumps(item), code=BAD_INPUT)
            step: dict[str, Any] = dict(item)  # pyright: ignore[reportUnknownArgumentType]
            if "run" in step:
                argv = _argv(step["run"], environ)
                if "background" in step:
                    log = open(step["background"], "ab")  # noqa: SIM115 (closed when the steps end, below)
                    background.append((subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT), log))
                    continue
                code = subprocess.call(argv)
                if code != 0:
                    sys.stderr.write("%s: %s exited with %d\n" % (STAGE, argv[0], code))
                    return code
            elif "untar" in step:
                _untar(step["untar"], step.get("into"))
            elif "copy" in step:
                os.makedirs(os.path.dirname(step["to"]) or ".", exist_ok=True)
                shutil.copyfile(step["copy"], step["to"])
            elif "mkdir" in step:
                os.makedirs(step["mkdir"], exist_ok=True)
            elif "touch" in step:
                os.makedirs(os.path.dirname(step["touch"]) or ".", exist_ok=True)
                with open(step["touch"], "a"):
                    pass
            else:
                fail(STAGE, "unknown step %s (a kit bug: report it)" % json.dumps(step), code=BAD_INPUT)
        return OK
    finally:
        for proc, log in background:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def parameter_name(env_name: str) -> str:
    """``FTKIT_PARAM_BASE_MODEL_REVISION`` → ``base-model-revision`` (the name a user passes to ``argo submit -p``)."""
    if env_name.startswith(PARAM_ENV_PREFIX):
        return env_name[len(PARAM_ENV_PREFIX):].lower().replace("_", "-")
    return env_name


def check(pairs: Sequence[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Problems of the environment variables named in ``pairs`` (``NAME=KIND``); empty when all are valid."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    for pair in pairs:
        name, _, kind = pair.partition("=")
        if kind not in PATTERNS:
            problems.append("%s: unknown kind %r (one of %s)" % (name, kind, ", ".join(sorted(PATTERNS))))
            continue
        why = problem(kind, environ.get(name, ""))
        if why:
            problems.append("%s: %s" % (parameter_name(name), why))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "steps":
        return run_steps(json.loads(args[1]))
    if len(args) >= 2 and args[0] == "check":
        problems = check(args[1:])
        for p in problems:
            sys.stderr.write("invalid workflow parameter %s\n" % p)
        if problems:
            return BAD_INPUT
        print("workflow parameters: %s valid" % ", ".join(a.split("=")[0] for a in args[1:]))
        return OK
    sys.stderr.write(USAGE_TEXT)
    return USAGE


if __name__ == "__main__":
    run_main(STAGE, main)
