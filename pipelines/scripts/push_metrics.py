#!/usr/bin/env python3
"""Pushes gauges to a Prometheus Pushgateway (text exposition format, HTTP PUT/POST/DELETE), standard library only.

Library: ``push(url, job, grouping, samples)``, ``delete(url, job, grouping)``, ``grouping_path(job, grouping)``
(the same path as monitoring's ``pushgatewayGroupPath``), ``settings()`` (the FINETUNE_* environment the pipeline
renders from monitoring's ``trainingMetricsEnv``) and ``metric_name(key)`` (metric names from FTKIT_METRIC_*,
rendered from the contract's TRAINING_METRICS: no name is spelled here). CLI:
  push_metrics.py --url http://pushgateway:9091 --job finetune-training --group pipeline=support --group run_id=r1 \
      --metric finetune_training_loss=1.23 --metric 'finetune_eval_score{suite="task",metric="exact_match"}=0.9'
A push failure is reported and ignored (exit 0) unless --strict: metrics must never fail a training run.
"""
import argparse
import base64
import math
import os
import re
import sys
import urllib.parse
import urllib.request

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

# Environment the pipeline renders (monitoring's TRAINING_METRICS_ENV, plus the run identity the pipeline adds).
ENV_MODE = "FINETUNE_METRICS_MODE"
ENV_URL = "FINETUNE_PUSHGATEWAY_URL"
ENV_JOB = "FINETUNE_PUSHGATEWAY_JOB"
ENV_HEARTBEAT = "FINETUNE_METRICS_HEARTBEAT_SECONDS"
ENV_PIPELINE = "FTKIT_PIPELINE"
ENV_RUN_ID = "FTKIT_RUN_ID"


def settings(environ=None):
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


def metric_name(key, environ=None):
    """Name of metric ``key`` (e.g. ``LAST_CHECKPOINT``) from ``FTKIT_METRIC_<key>``; None when not rendered."""
    env = os.environ if environ is None else environ
    return env.get("FTKIT_METRIC_" + key) or None


def format_value(value):
    """A sample value in the exposition format: NaN, +Inf and -Inf spelled as Prometheus spells them."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(samples):
    """Exposition text of ``samples``: a list of (name, labels dict, value, type)."""
    lines = []
    typed = set()
    for name, labels, value, kind in samples:
        if not _NAME.match(name):
            raise ValueError("invalid metric name %r" % name)
        if name not in typed:
            lines.append("# TYPE %s %s" % (name, kind or "gauge"))
            typed.add(name)
        label_text = ",".join('%s="%s"' % (k, _escape(v)) for k, v in sorted(labels.items()))
        lines.append("%s%s %s" % (name, "{%s}" % label_text if label_text else "", format_value(value)))
    return "\n".join(lines) + "\n"


def _segment(label, value):
    """``label/value``; a value with "/" base64url-encoded (``label@base64/...``), an empty one ``label@base64/=``."""
    value = str(value)
    if value == "":
        return "%s@base64/=" % label
    if "/" in value:
        return "%s@base64/%s" % (label, base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("="))
    # encodeURIComponent's unreserved set, so the path equals monitoring's pushgatewayGroupPath byte for byte.
    return "%s/%s" % (label, urllib.parse.quote(value, safe="!*'()"))


def grouping_path(job, grouping):
    """``/metrics/job/<job>/<label>/<value>...``: the Pushgateway group of ``job`` + ``grouping`` (insertion order)."""
    return "/metrics/" + "/".join([_segment("job", job)] + [_segment(k, v) for k, v in grouping.items()])


def push(url, job, grouping, samples, timeout=10, method="PUT"):
    """PUT (replace the group) or POST (merge) ``samples`` under ``job`` + ``grouping``. Raises on HTTP errors."""
    body = render(samples).encode("utf-8")
    req = urllib.request.Request(url.rstrip("/") + grouping_path(job, grouping), data=body, method=method)
    req.add_header("Content-Type", "text/plain; version=0.0.4")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


def delete(url, job, grouping, timeout=10):
    """DELETEs the whole group ``job`` + ``grouping`` (a finished run must not look stalled). Raises on HTTP errors."""
    req = urllib.request.Request(url.rstrip("/") + grouping_path(job, grouping), method="DELETE")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


def try_delete(url, job, grouping):
    """Deletes when ``url`` is set; logs and returns False on failure instead of raising."""
    if not url:
        return False
    try:
        delete(url, job, grouping)
        return True
    except Exception as e:  # noqa: BLE001 - metrics are best effort
        sys.stderr.write("push_metrics: delete at %s failed: %s\n" % (url, e))
        return False


def try_push(url, job, grouping, samples, method="POST"):
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


def parse_sample(text):
    m = _SAMPLE.match(text)
    if not m:
        raise ValueError("metric %r is not NAME[{labels}]=VALUE" % text)
    labels = {}
    if m.group(3):
        for lm in _LABEL.finditer(m.group(3)):
            labels[lm.group(1)] = lm.group(2)
    return (m.group(1), labels, float(m.group(4)), "gauge")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--group", action="append", default=[], help="grouping label k=v")
    ap.add_argument("--metric", action="append", default=[], help='name[{k="v"}]=value')
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args(argv)
    grouping = dict(g.split("=", 1) for g in args.group)
    samples = [parse_sample(m) for m in args.metric]
    try:
        push(args.url, args.job, grouping, samples)
    except Exception as e:  # noqa: BLE001
        sys.stderr.write("push_metrics: %s\n" % e)
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
