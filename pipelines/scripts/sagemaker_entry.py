#!/usr/bin/env python3
"""SageMaker training entry: turns the training job's hyper-parameters into the train_launcher.py command.

SageMaker passes settings only as hyper-parameters (/opt/ml/input/config/hyperparameters.json, string values):
  ftkit_argv  JSON list: the launcher's arguments ({leader} is replaced by the first host)
  ftkit_env   JSON object: environment for the launcher and the trainer
Node rank and the rendezvous host come from /opt/ml/input/config/resourceconfig.json. The trainer image runs
this as its `train` program (see the image notes in components/pipeline/sagemaker.ts).
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

from ftkit_store import ENV, as_object, run_main

STAGE = "sagemaker"

CONFIG_DIR = os.environ.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")


def build(hyperparameters: Mapping[str, str], resource_config: Mapping[str, Any], code_dir: str) -> tuple[list[str], dict[str, str]]:
    """The launcher command and its environment for this host (rank = index of the host in sorted order)."""
    argv: list[str] = [str(a) for a in json.loads(hyperparameters["ftkit_argv"])]
    env: dict[str, str] = {str(k): str(v) for k, v in json.loads(hyperparameters.get("ftkit_env", "{}")).items()}
    hosts: list[str] = sorted(str(h) for h in resource_config.get("hosts", ["algo-1"]))
    current = str(resource_config.get("current_host", hosts[0]))
    rank = hosts.index(current)
    argv = [a.replace("{leader}", hosts[0]) for a in argv]
    env = dict(env, **{ENV["nodeRank"]: str(rank)}, JOB_COMPLETION_INDEX=str(rank), PYTHONPATH=code_dir)
    return ["python3", os.path.join(code_dir, "train_launcher.py"), "--node-rank", str(rank), *argv], env


def main() -> NoReturn:
    with open(os.path.join(CONFIG_DIR, "hyperparameters.json"), encoding="utf-8") as f:
        hps = json.load(f)
    try:
        with open(os.path.join(CONFIG_DIR, "resourceconfig.json"), encoding="utf-8") as f:
            rc = as_object(json.load(f))
    except FileNotFoundError:
        rc = {}
    code_dir = os.environ.get(ENV["codeDir"], "/opt/ml/input/data/code")
    cmd, env = build(hps, rc, code_dir)
    sys.stderr.write("sagemaker: %s\n" % " ".join(cmd))
    os.execvpe(cmd[0], cmd, dict(os.environ, **env))


if __name__ == "__main__":
    run_main(STAGE, main)
