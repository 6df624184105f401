"""Trainer callbacks the kit adds to Axolotl / Hugging Face Trainer runs (loaded as an Axolotl plugin).

 - TimeCheckpointCallback: asks the trainer to save every FTKIT_CHECKPOINT_INTERVAL_SECONDS of training, so a
   preemption loses at most that much work whatever the step time; after each save, local rank 0 of every node
   writes ``checkpoint-<step>/.saved-node-<node rank>``, the marker the checkpoint sync uploads on.
 - MetricsCallback: global rank 0's training metrics in monitoring's contract: a ``[finetune-metrics]`` log line
   per log event (SageMaker metric definitions), Pushgateway pushes under the run's group with a ``last_push``
   heartbeat, and a DELETE of the group when training ends (FTKIT_* settings, FTKIT_METRIC_* names).
Works without transformers installed (plain classes with the callback method names), which keeps it testable.
"""
from __future__ import annotations

import atexit
import importlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import push_metrics
from ftkit_store import ENV, MARKERS, as_object
from push_metrics import Sample


def _optional_class(module: str, name: str) -> type:
    """``module.name`` when the trainer image has it, else ``object`` (the callbacks work without transformers)."""
    try:
        found = getattr(importlib.import_module(module), name)
    except Exception:  # noqa: BLE001 - any import failure means "not installed here"
        return object
    return found if isinstance(found, type) else object


if TYPE_CHECKING:
    _Base = object
    _Plugin = object
else:
    _Base = _optional_class("transformers", "TrainerCallback")
    _Plugin = _optional_class("axolotl.integrations.base", "BasePlugin")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class TimeCheckpointCallback(_Base):
    """Asks the trainer to save every ``interval_seconds`` and marks each finished save for the sync."""

    def __init__(self, interval_seconds: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval: float = interval_seconds if interval_seconds is not None else _env_int(ENV["checkpointIntervalSeconds"], 600)
        self.clock = clock
        self.last = clock()
        self.node_rank = _env_int(ENV["nodeRank"], _env_int("JOB_COMPLETION_INDEX", 0))
        self.local_rank = _env_int("LOCAL_RANK", 0)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.clock() - self.last >= self.interval:
            control.should_save = True
        return control

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.last = self.clock()
        if self.local_rank == 0:
            output_dir: str = args.output_dir
            ckpt = os.path.join(output_dir, "checkpoint-%d" % state.global_step)
            if os.path.isdir(ckpt):
                with open(os.path.join(ckpt, "%s%d" % (MARKERS["local"], self.node_rank)), "w") as f:
                    f.write(str(int(time.time())))
        return control


def _log_number(value: float) -> str:
    """A log-line value as monitoring's trainingLogLine writes it: integers without ".0", nan/inf/-inf spelled out."""
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # pyright: ignore[reportArgumentType]
    except (TypeError, ValueError):
        return False


class MetricsCallback(_Base):
    """Global rank 0's training metrics, as monitoring's contract (pipelines/training-metrics.ts) reads them.

    Every log event: one ``[finetune-metrics] key=value ...`` line on stdout (SageMaker's metric definitions parse
    it: step, loss with ``loss_is_finite``, validation loss, tokens/s, checkpoint age, seconds since the last
    optimizer step, resumes) and, in ``pushgateway`` mode, a POST of step, loss (NaN/Inf as such), validation
    loss, tokens/s, resumes and ``last_push`` to the run's group (``job/<job>/pipeline/<p>/run_id/<r>``).
    A heartbeat thread re-pushes only ``last_push`` (``log`` mode: prints progress and checkpoint age) every
    FTKIT_METRICS_HEARTBEAT_SECONDS, so a hung loop shows as "step unchanged" and a dead process as
    "push stale". ``close()`` (end of training, or interpreter exit) stops the heartbeat and DELETEs the group,
    so a finished run never looks stalled; a killed trainer (SIGKILL, preemption) leaves it for the stall alert.
    Metric names and log keys come from the rendered environment (FTKIT_METRIC_*, FTKIT_METRICS_LOG_KEYS).
    """

    def __init__(self, push: Callable[[list[Sample]], object] | None = None, delete: Callable[[], object] | None = None,
                 clock: Callable[[], float] = time.time, out: IO[str] | None = None, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.settings = push_metrics.settings(env)
        self.grouping = self.settings["grouping"]
        self.url = self.settings["url"]
        self.job = self.settings["job"]
        pushing = bool(self.url and self.job)
        self.push: Callable[[list[Sample]], object] | None = push or ((lambda samples: push_metrics.try_push(self.url, self.job, self.grouping, samples, method="POST")) if pushing else None)
        self.delete: Callable[[], object] | None = delete or ((lambda: push_metrics.try_delete(self.url, self.job, self.grouping)) if pushing else None)
        self.names = {k: push_metrics.metric_name(v, env) for k, v in (
            ("step", "STEP"), ("loss", "LOSS"), ("eval_loss", "VALIDATION_LOSS"), ("tps", "TOKENS_PER_SECOND"),
            ("last_push", "LAST_PUSH"), ("resumes", "RESUMES"))}
        try:
            keys = json.loads(env.get(ENV["metricsLogKeys"], "{}"))
        except ValueError:
            keys = {}
        self.log_keys: dict[str, str] = {k: str(v) for k, v in as_object(keys).items()}
        self.log_prefix = env.get(ENV["metricsLogPrefix"], "")
        missing = sorted([k for k, v in self.names.items() if not v] + ([] if self.log_keys and self.log_prefix else ["log keys"]))
        if missing:
            sys.stderr.write("training: metric names not rendered for %s (FTKIT_METRIC_*, FTKIT_METRICS_LOG_*): those are not reported\n" % ", ".join(missing))
        self.clock = clock
        self.out = out or sys.stdout
        self.tokens_per_step = _env_int(ENV["tokensPerStep"], 0)
        self.resumes = _env_int(ENV["resumes"], 0)
        self._last_time: float | None = None
        self._last_step: int = 0
        now = clock()
        self.progress_step: int | None = None
        self.progress_time = now
        self.checkpoint_time = now
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._atexit = False

    # -- values ---------------------------------------------------------------------------------------------
    def _progress(self, step: int, now: float) -> None:
        if self.progress_step is None or step > self.progress_step:
            self.progress_step, self.progress_time = step, now

    def samples(self, state: Any, logs: Mapping[str, Any], now: float) -> list[Sample]:
        """Pushgateway samples of one log event: (name, labels, value, type), names from FTKIT_METRIC_*."""
        n = self.names
        out: list[tuple[str | None, dict[str, str], float, str]] = [(n["step"], {}, state.global_step, "gauge"), (n["last_push"], {}, now, "gauge"), (n["resumes"], {}, self.resumes, "counter")]
        if "loss" in logs:
            out.append((n["loss"], {}, float(logs["loss"]), "gauge"))
        if "eval_loss" in logs:
            out.append((n["eval_loss"], {}, float(logs["eval_loss"]), "gauge"))
        if self._last_time is not None and self.tokens_per_step and state.global_step > self._last_step:
            dt = now - self._last_time
            if dt > 0:
                out.append((n["tps"], {}, (state.global_step - self._last_step) * self.tokens_per_step / dt, "gauge"))
        self._last_time, self._last_step = now, state.global_step
        return [(name, labels, value, kind) for name, labels, value, kind in out if name]

    def log_values(self, state: Any, logs: Mapping[str, Any], now: float, samples: Sequence[Sample]) -> dict[str, float]:
        """Values of the SageMaker log line, by monitoring's TRAINING_LOG_KEYS key."""
        by_name = {name: value for name, _l, value, _k in samples}
        values: dict[str, float] = {"step": state.global_step, "resumes": self.resumes}
        if "loss" in logs:
            values["loss"] = float(logs["loss"])
            values["lossIsFinite"] = 1 if _finite(logs["loss"]) else 0
        if "eval_loss" in logs:
            values["validationLoss"] = float(logs["eval_loss"])
        tps = self.names["tps"]
        if tps and tps in by_name:
            values["tokensPerSecond"] = round(by_name[tps], 3)
        values.update(self.ages(now))
        return values

    def ages(self, now: float) -> dict[str, float]:
        return {"checkpointAgeSeconds": round(max(0.0, now - self.checkpoint_time), 3), "secondsSinceProgress": round(max(0.0, now - self.progress_time), 3)}

    def log_line(self, values: Mapping[str, float]) -> str:
        """``<prefix> key=value ...`` in FTKIT_METRICS_LOG_KEYS order (the format of monitoring's trainingLogLine)."""
        parts = ["%s=%s" % (key, _log_number(values[k])) for k, key in self.log_keys.items() if k in values]
        return " ".join([self.log_prefix, *parts])

    def _print(self, values: Mapping[str, float]) -> None:
        if self.log_keys and self.log_prefix:
            self.out.write(self.log_line(values) + "\n")
            self.out.flush()

    # -- heartbeat and exit ---------------------------------------------------------------------------------
    def heartbeat_once(self) -> None:
        """One heartbeat: push only ``last_push`` (pushgateway mode) or print progress/checkpoint age (log mode)."""
        with self._lock:
            if self._closed:
                return
            now = self.clock()
            last_push = self.names["last_push"]
            if self.push and last_push:
                self.push([(last_push, {}, now, "gauge")])
            if self.settings["mode"] == "log":
                self._print(self.ages(now))

    def _beat(self) -> None:
        while not self._stop.wait(self.settings["heartbeat"]):
            try:
                self.heartbeat_once()
            except Exception as e:  # noqa: BLE001 - metrics never fail training
                sys.stderr.write("training: metrics heartbeat failed: %s\n" % e)

    def start(self) -> None:
        """Starts the heartbeat thread (once) and registers the exit-time delete."""
        if self._thread is None and self.settings["heartbeat"] > 0:
            self._thread = threading.Thread(target=self._beat, name="ftkit-metrics-heartbeat", daemon=True)
            self._thread.start()
        if not self._atexit:
            atexit.register(self.close)
            self._atexit = True

    def close(self) -> None:
        """Stops the heartbeat, then DELETEs the run's Pushgateway group (once)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self.delete:
                self.delete()

    # -- trainer callbacks ----------------------------------------------------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if getattr(state, "is_world_process_zero", True):
            self._progress(state.global_step, self.clock())
            self.start()
        return control

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self._progress(state.global_step, self.clock())
        return control

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.checkpoint_time = self.clock()
        return control

    def on_log(self, args: Any, state: Any, control: Any, logs: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if getattr(state, "is_world_process_zero", True) and logs:
            with self._lock:
                if self._closed:
                    return control
                now = self.clock()
                self._progress(state.global_step, now)
                samples = self.samples(state, logs, now)
                # One parseable line per log event: SageMaker's metric definitions read these.
                self._print(self.log_values(state, logs, now, samples))
                if self.push:
                    self.push(samples)
        return control

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if getattr(state, "is_world_process_zero", True):
            self.close()
        return control


class FinetuneKitPlugin(_Plugin):
    """Axolotl plugin (``plugins: [ftkit_trainer_plugin.FinetuneKitPlugin]``) adding the kit's callbacks."""

    def get_input_args(self) -> str | None:
        return None

    def add_callbacks_post_trainer(self, cfg: Any, trainer: Any) -> list[Any]:
        resumed = os.environ.get(ENV["resumedFrom"])
        if resumed:
            sys.stderr.write("training: resumed from %s\n" % resumed)
        return [TimeCheckpointCallback(), MetricsCallback()]


def describe() -> str:
    return json.dumps({"plugin": "FinetuneKitPlugin", "callbacks": ["TimeCheckpointCallback", "MetricsCallback"]})
