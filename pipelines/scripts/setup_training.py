#!/usr/bin/env python3
"""training-setup stage: check the run's inputs against the rendered trainer config and sizing, write both.

Inputs: the trainer config and sizing the kit rendered from the spec (mounted from a ConfigMap on Kubernetes,
a processing input on SageMaker) and data-prep's stats.json. Writes ``trainer.json`` and ``sizing.json`` (with
the step count this dataset gives) under ``--output``. Fails when the sizing did not fit, or when the training
split is smaller than one optimizer step across every GPU.
"""
from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import Any

from ftkit_store import OK, Store, fail, join, run_main

STAGE = "training-setup"


def load(store: Store, uri: str) -> dict[str, Any]:
    """The JSON object at ``uri`` (a URI or a file); fails (bad input) when it is missing or not an object."""
    text = store.read_text(uri)
    if text is None:
        fail(STAGE, "%s not found (the earlier stage writes it)" % uri)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        fail(STAGE, "%s is not valid JSON: %s" % (uri, e))
    if not isinstance(data, dict):
        fail(STAGE, "%s is not a JSON object" % uri)
    return dict(data)  # pyright: ignore[reportUnknownArgumentType]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check and publish the trainer config for this run.")
    ap.add_argument("--trainer-config", required=True)
    ap.add_argument("--sizing", required=True)
    ap.add_argument("--stats", required=True, help="data-prep stats.json")
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    store = Store()
    cfg = load(store, args.trainer_config)
    sizing = load(store, args.sizing)
    stats = load(store, args.stats)
    if not sizing.get("fits"):
        fail(STAGE, "the sizing does not fit the pool: %s" % sizing.get("reason", "unknown"))
    gpus = int(sizing["placement"]["totalGpus"])
    per_step = int(cfg.get("micro_batch_size", 1)) * int(cfg.get("gradient_accumulation_steps", 1)) * gpus
    train = int(stats["splits"]["train"])
    if train < per_step:
        fail(STAGE, "the training split has %d examples, fewer than one optimizer step needs (%d = micro-batch × accumulation × %d GPUs) "
             "(add data or lower training.batchSize/gradientAccumulationSteps)" % (train, per_step, gpus))
    steps_per_epoch = math.ceil(train / per_step)
    sizing = dict(sizing, dataset={"train": train, "stepsPerEpoch": steps_per_epoch, "totalSteps": math.ceil(steps_per_epoch * float(cfg.get("num_epochs", 1)))})
    for name, data in (("trainer.json", cfg), ("sizing.json", sizing)):
        store.write_text(join(args.output, name), json.dumps(data, indent=2, sort_keys=True))
    print(json.dumps({"stage": STAGE, "gpus": gpus, **sizing["dataset"]}, sort_keys=True))
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
