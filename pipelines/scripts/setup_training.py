#!/usr/bin/env python3
"""training-setup stage: check the run's inputs against the rendered trainer config and sizing, write both.

Inputs: the trainer config and sizing the kit rendered from the spec (mounted from a ConfigMap on Kubernetes,
a processing input on SageMaker) and data-prep's stats.json. Writes ``trainer.json`` and ``sizing.json`` (with
the step count this dataset gives) under ``--output``. Fails when the sizing did not fit, or when the training
split is smaller than one optimizer step across every GPU.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ftkit_store import Store, fail, join  # noqa: E402

STAGE = "training-setup"


def load(store, uri):
    text = store.read_text(uri) if "://" in uri else (open(uri, encoding="utf-8").read() if os.path.isfile(uri) else None)
    if text is None:
        fail(STAGE, "%s not found" % uri)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        fail(STAGE, "%s is not valid JSON: %s" % (uri, e))
    return None


def main(argv=None):
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
        fail(STAGE, "the training split has %d examples, fewer than one optimizer step needs (%d = micro-batch × accumulation × %d GPUs) (add data or lower training.batchSize/gradientAccumulationSteps)" % (train, per_step, gpus))
    steps_per_epoch = math.ceil(train / per_step)
    sizing = dict(sizing, dataset={"train": train, "stepsPerEpoch": steps_per_epoch, "totalSteps": int(math.ceil(steps_per_epoch * float(cfg.get("num_epochs", 1))))})
    for name, data in (("trainer.json", cfg), ("sizing.json", sizing)):
        text = json.dumps(data, indent=2, sort_keys=True)
        if "://" in args.output:
            store.write_text(join(args.output, name), text)
        else:
            os.makedirs(args.output, exist_ok=True)
            with open(os.path.join(args.output, name), "w", encoding="utf-8") as f:
                f.write(text)
    print(json.dumps({"stage": STAGE, "gpus": gpus, **sizing["dataset"]}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
