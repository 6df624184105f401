"""Trainer callbacks the kit adds to Axolotl / Hugging Face Trainer runs (loaded as an Axolotl plugin).

 - TimeCheckpointCallback: asks the trainer to save every FTKIT_CHECKPOINT_INTERVAL_SECONDS of training, so a
   preemption loses at most that much work whatever the step time; after each save, local rank 0 of every node
   writes ``checkpoint-<step>/.saved-node-<node rank>``, the marker the checkpoint sync uploads on.
 - MetricsCallback: on each log event of global rank 0, pushes step, loss, validation loss, tokens per second and
   the resume count to the Pushgateway (PUSHGATEWAY_URL), metric names from FTKIT_METRIC_* (TRAINING_METRICS).
Works without transformers installed (plain classes with the callback method names), which keeps it testable.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:  # pragma: no cover - present in the trainer image
    from transformers import TrainerCallback as _Base
except Exception:  # noqa: BLE001
    _Base = object

try:  # pragma: no cover - present in the trainer image
    from axolotl.integrations.base import BasePlugin as _Plugin
except Exception:  # noqa: BLE001
    _Plugin = object


def _env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class TimeCheckpointCallback(_Base):
    def __init__(self, interval_seconds=None, clock=time.monotonic):
        self.interval = interval_seconds if interval_seconds is not None else _env_int("FTKIT_CHECKPOINT_INTERVAL_SECONDS", 600)
        self.clock = clock
        self.last = clock()
        self.node_rank = _env_int("FTKIT_NODE_RANK", _env_int("JOB_COMPLETION_INDEX", 0))
        self.local_rank = _env_int("LOCAL_RANK", 0)

    def on_step_end(self, args, state, control, **kwargs):
        if self.clock() - self.last >= self.interval:
            control.should_save = True
        return control

    def on_save(self, args, state, control, **kwargs):
        self.last = self.clock()
        if self.local_rank == 0:
            ckpt = os.path.join(args.output_dir, "checkpoint-%d" % state.global_step)
            if os.path.isdir(ckpt):
                with open(os.path.join(ckpt, ".saved-node-%d" % self.node_rank), "w") as f:
                    f.write(str(int(time.time())))
        return control


class MetricsCallback(_Base):
    def __init__(self, push=None):
        from push_metrics import try_push

        self.url = os.environ.get("PUSHGATEWAY_URL", "")
        self.push = push or (lambda samples: try_push(self.url, "finetune-training", self.grouping, samples))
        self.grouping = {"pipeline": os.environ.get("FTKIT_PIPELINE", ""), "run_id": os.environ.get("FTKIT_RUN_ID", "")}
        self.names = {
            "step": os.environ.get("FTKIT_METRIC_STEP", "finetune_training_step"),
            "loss": os.environ.get("FTKIT_METRIC_LOSS", "finetune_training_loss"),
            "eval_loss": os.environ.get("FTKIT_METRIC_VALIDATION_LOSS", "finetune_validation_loss"),
            "tps": os.environ.get("FTKIT_METRIC_TOKENS_PER_SECOND", "finetune_training_tokens_per_second"),
            "last_push": os.environ.get("FTKIT_METRIC_LAST_PUSH", "finetune_training_last_push_timestamp_seconds"),
            "resumes": os.environ.get("FTKIT_METRIC_RESUMES", "finetune_training_resumes_total"),
        }
        self.tokens_per_step = _env_int("FTKIT_TOKENS_PER_STEP", 0)
        self.resumes = _env_int("FTKIT_RESUMES", 0)
        self._last_time = None
        self._last_step = None

    def samples(self, state, logs, now):
        n = self.names
        out = [(n["step"], {}, state.global_step, "gauge"), (n["last_push"], {}, now, "gauge"), (n["resumes"], {}, self.resumes, "counter")]
        if "loss" in logs:
            out.append((n["loss"], {}, logs["loss"], "gauge"))
        if "eval_loss" in logs:
            out.append((n["eval_loss"], {}, logs["eval_loss"], "gauge"))
        if self._last_time is not None and self.tokens_per_step and state.global_step > self._last_step:
            dt = now - self._last_time
            if dt > 0:
                out.append((n["tps"], {}, (state.global_step - self._last_step) * self.tokens_per_step / dt, "gauge"))
        self._last_time, self._last_step = now, state.global_step
        return out

    def on_log(self, args, state, control, logs=None, **kwargs):
        if getattr(state, "is_world_process_zero", True) and logs:
            samples = self.samples(state, logs, time.time())
            # One parseable line per log event: SageMaker's metric definitions read these.
            print("FTKIT_METRICS " + " ".join("%s=%s" % (name, repr(float(value))) for name, _l, value, _k in samples), flush=True)
            self.push(samples)
        return control


class FinetuneKitPlugin(_Plugin):
    """Axolotl plugin (``plugins: [ftkit_trainer_plugin.FinetuneKitPlugin]``) adding the kit's callbacks."""

    def get_input_args(self):
        return None

    def add_callbacks_post_trainer(self, cfg, trainer):
        resumed = os.environ.get("FTKIT_RESUMED_FROM")
        if resumed:
            sys.stderr.write("training: resumed from %s\n" % resumed)
        return [TimeCheckpointCallback(), MetricsCallback()]


def describe():
    return json.dumps({"plugin": "FinetuneKitPlugin", "callbacks": ["TimeCheckpointCallback", "MetricsCallback"]})
