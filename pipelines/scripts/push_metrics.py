#!/usr/bin/env python3
"""Pushes gauges to a Prometheus Pushgateway (text exposition format, HTTP PUT), standard library only.

Library: ``push(url, job, grouping, samples)``; CLI:
  push_metrics.py --url http://pushgateway:9091 --job finetune-training --group pipeline=support --group run_id=r1 \
      --metric finetune_training_loss=1.23 --metric 'finetune_eval_score{suite="task",metric="exact_match"}=0.9'
A push failure is reported and ignored (exit 0) unless --strict: metrics must never fail a training run.
"""
import argparse
import re
import sys
import urllib.parse
import urllib.request

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


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
        lines.append("%s%s %s" % (name, "{%s}" % label_text if label_text else "", repr(float(value))))
    return "\n".join(lines) + "\n"


def grouping_path(job, grouping):
    path = "/metrics/job/" + urllib.parse.quote(job, safe="")
    for k, v in grouping.items():
        path += "/%s/%s" % (k, urllib.parse.quote(str(v), safe="") or "")
    return path


def push(url, job, grouping, samples, timeout=10, method="PUT"):
    """PUT (replace the group) or POST (merge) ``samples`` under ``job`` + ``grouping``. Raises on HTTP errors."""
    body = render(samples).encode("utf-8")
    req = urllib.request.Request(url.rstrip("/") + grouping_path(job, grouping), data=body, method=method)
    req.add_header("Content-Type", "text/plain; version=0.0.4")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status


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
