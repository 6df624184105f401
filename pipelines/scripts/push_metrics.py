#!/usr/bin/env python3
"""Pushes gauges to a Prometheus Pushgateway (text exposition format, HTTP PUT/POST/DELETE), standard library only.

Library: ``push(url, job, grouping, samples)``, ``delete(url, job, grouping)``, ``grouping_path(job, grouping)``
(the same path as monitoring's ``pushgatewayGroupPath``), ``settings()`` (the FTKIT_* environment the pipeline
renders from monitoring's ``trainingMetricsEnv``) and ``metric_name(key)`` (metric names from FTKIT_METRIC_*,
rendered from the contract's TRAINING_METRICS: no name is spelled here). CLI:
  push_metrics.py --url http://pushgateway:9091 --job finetune-training --group pipeline=support --group run_id=r1 \
      --metric finetune_training_loss=1.23 --metric 'finetune_eval_score{suite="task",metric="exact_match"}=0.9'
A push failure is reported and ignored (exit 0) unless --strict: metrics must never fail a training run.
"""
from __future__ import annotations

import argparse
import base64
import math
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from ftkit_store import BAD_INPUT, ENV, FAILED, OK, fail, run_main

STAGE = "push_metrics"

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

# Environment the pipeline renders (monitoring's TRAINING_METRICS_ENV, plus the run identity the pipeline adds).
ENV_MODE = ENV["metricsMode"]
ENV_URL = ENV["pushgatewayUrl"]
ENV_JOB = ENV["pushgatewayJob"]
ENV_HEARTBEAT = ENV["metricsHeartbeatSeconds"]
ENV_PIPELINE = ENV["pipeline"]
ENV_RUN_ID = ENV["runId"]

#: One sample: (metric name, labels, value, type such as "gauge").
Sample = tuple[str, Mapping[str, str], float, str]


class Settings(TypedDict):
    """The metrics settings the pipeline rendered into the environment."""

    mode: str
    url: str
    job: str
    heartbeat: float
    grouping: dict[str, str]


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Metrics settings from the rendered environment: mode (``pushgateway`` or ``log``), url, job, heartbeat, grouping."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_URL, "")
    mode = env.get(ENV_MODE) or ("pushgateway" if url else "log")
    try:
        heartbeat = float(env.get(ENV_HEARTBEAT, "60"))
    except ValueError:
        heartbeat = 60.0
    return {
        "mode": mode,
        "url": url if mode == "pushgateway" else "",
        "job": env.get(ENV_JOB, ""),
        "heartbeat": heartbeat,
        "grouping": {"pipeline": env.get(ENV_PIPELINE, ""), "run_id": env.get(ENV_RUN_ID, "")},
    }


def metric_name(key: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Name of metric ``key`` (e.g. ``LAST_CHECKPOINT``) from ``FTKIT_METRIC_<key>``; None when not rendered."""
    env = os.environ if environ is None else environ
    return env.get(ENV["metricNamePrefix"] + key) or None


def format_value(value: float) -> str:
    """A sample value in the exposition format: NaN, +Inf and -Inf spelled as Prometheus spells them."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(samples: Iterable[Sample]) -> str:
    """Exposition text of ``samples``: a list of (name, labels dict, value, type)."""
    lines: list[str] = []
    typed: set[str] = set()
    for name, labels, value, kind in samples:
        if not _NAME.match(name):
            raise ValueError("invalid metric name %r" % name)
        if name not in typed:
            lines.append("# TYPE %s %s" % (name, kind or "gauge"))
            typed.add(name)
        label_text = ",".join('%s="%s"' % (k, _escape(v)) for k, v in sorted(labels.items()))
        lines.append("%s%s %s" % (name, "{%s}" % label_text if label_text else "", format_value(value)))
    return "\n".join(lines) + "\n"


def _segment(label: str, raw: object) -> str:
    """``label/value``; a value with "/" base64url-encoded (``label@base64/...``), an empty one ``label@base64/=``."""
    value = str(raw)
    if value == "":
        return "%s@base64/=" % label
    if "/" in value:
        return "%s@base64/%s" % (label, base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("="))
    # encodeURIComponent's unreserved set, so the path equals monitoring's pushgatewayGroupPath byte for byte.
    return "%s/%s" % (label, urllib.parse.quote(value, safe="!*'()"))


def grouping_path(job: str, grouping: Mapping[str, str]) -> str:
    """``/metrics/job/<job>/<label>/<value>...``: the Pushgateway group of ``job`` + ``grouping`` (insertion order)."""
    return "/metrics/" + "/".join([_segment("job", job)] + [_segment(k, v) for k, v in grouping.items()])


def push(url: str, job: str, grouping: Mapping[str, str], samples: Iterable[Sample], timeout: float = 10, method: str = "PUT") -> int:
    """PUT (replace the group) or POST (merge) ``samples`` under ``job`` + ``grouping``. Raises on HTTP errors."""
    body = render(samples).encode("utf-8")
    req = urllib.request.Request(url.rstrip("/") + grouping_path(job, grouping), data=body, method=method)
    req.add_header("Content-Type", "text/plain; version=0.0.4")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


def delete(url: str, job: str, grouping: Mapping[str, str], timeout: float = 10) -> int:
    """DELETEs the whole group ``job`` + ``grouping`` (a finished run must not look stalled). Raises on HTTP errors."""
    req = urllib.request.Request(url.rstrip("/") + grouping_path(job, grouping), method="DELETE")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


def try_delete(url: str, job: str, grouping: Mapping[str, str]) -> bool:
    """Deletes when ``url`` is set; logs and returns False on failure instead of raising."""
    if not url:
        return False
    try:
        delete(url, job, grouping)
        return True
    except Exception as e:  # noqa: BLE001 - metrics are best effort
        sys.stderr.write("push_metrics: delete at %s failed: %s\n" % (url, e))
        return False


def try_push(url: str, job: str, grouping: Mapping[str, str], samples: Iterable[Sample], method: str = "POST") -> bool:
    """Pushes when ``url`` is set; logs and returns False on failure instead of raising."""
    if not url:
        return False
    try:
        push(url, job, grouping, samples, method=method)
        return True
    except Exception as e:  # noqa: BLE001 - metrics are best effort
        sys.stderr.write("push_metrics: push to %s failed: %s\n" % (url, e))
        return False


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?=(.+)$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse_sample(text: str) -> Sample:
    """``NAME[{k="v",...}]=VALUE`` as a gauge sample; ValueError when it is not one."""
    m = _SAMPLE.match(text)
    if not m:
        raise ValueError("metric %r is not NAME[{labels}]=VALUE" % text)
    labels: dict[str, str] = {}
    if m.group(3):
        for lm in _LABEL.finditer(m.group(3)):
            labels[lm.group(1)] = lm.group(2)
    return (m.group(1), labels, float(m.group(4)), "gauge")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Pushes gauges to a Prometheus Pushgateway.")
    ap.add_argument("--url", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--group", action="append", default=[], help="grouping label k=v")
    ap.add_argument("--metric", action="append", default=[], help='name[{k="v"}]=value')
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args(argv)
    grouping = {k: v for k, _, v in (g.partition("=") for g in args.group)}
    try:
        samples = [parse_sample(m) for m in args.metric]
    except ValueError as e:
        fail(STAGE, "--metric: %s (pass name[{k=\"v\"}]=number)" % e, code=BAD_INPUT)
    try:
        push(args.url, args.job, grouping, samples)
    except Exception as e:  # noqa: BLE001
        sys.stderr.write("push_metrics: %s\n" % e)
        return FAILED if args.strict else OK
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
