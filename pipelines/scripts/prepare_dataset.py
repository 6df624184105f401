#!/usr/bin/env python3
"""data-prep stage: validate a JSONL dataset, de-duplicate it, split it train/validation/test and write statistics.

Reads ``--input`` (a URI or a local file) and writes under ``--output`` (a URI prefix or a local directory):
  train.jsonl, validation.jsonl, test.jsonl   the splits, rows unchanged
  eval.jsonl                                  test rows as {"messages": [...], "prompt": str, "target": str}
  probe.jsonl                                 the first --probe-examples rows of eval.jsonl (monitoring probe)
  stats.json                                  counts, duplicates, lengths, split sizes
Fails (exit ``BAD_INPUT``, one clear line per problem) on malformed rows and when fewer than --min-examples unique examples
remain. Standard library only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from ftkit_store import OK, Store, as_list, as_object, check_value, fail, run_main

STAGE = "data-prep"
ROLES = ("system", "user", "assistant")
MAX_REPORTED = 10
#: A dataset row as parsed from JSON.
Row = dict[str, Any]


def _text(row: Row, key: str, errors: list[str], where: str) -> str | None:
    v = row.get(key)
    if not isinstance(v, str) or not v.strip():
        errors.append('%s: "%s" must be a non-empty string' % (where, key))
        return None
    return v


def check_row(row: object, fmt: str, where: str) -> list[str]:
    """Problems of one parsed row (empty when valid)."""
    errors: list[str] = []
    if not isinstance(row, dict):
        return ["%s: must be a JSON object, got %s" % (where, type(row).__name__)]
    row = as_object(row)
    if fmt == "chat":
        if not isinstance(row.get("messages"), list) or not row["messages"]:
            return ['%s: "messages" must be a non-empty list of {"role", "content"}' % where]
        msgs = [as_object(m) for m in as_list(row["messages"])]
        for i, m in enumerate(msgs):
            content = m.get("content")
            if m.get("role") not in ROLES or not isinstance(content, str) or not content.strip():
                errors.append('%s: messages[%d] must be {"role": one of %s, "content": non-empty string}' % (where, i, "/".join(ROLES)))
        if not errors:
            if not any(m["role"] == "user" for m in msgs):
                errors.append('%s: needs at least one "user" message' % where)
            if msgs[-1]["role"] != "assistant":
                errors.append('%s: the last message must be the "assistant" answer to learn' % where)
    elif fmt == "instruction":
        _text(row, "instruction", errors, where)
        _text(row, "output", errors, where)
        if "input" in row and not isinstance(row["input"], str):
            errors.append('%s: "input" must be a string when present' % where)
    elif fmt == "completion":
        _text(row, "prompt", errors, where)
        _text(row, "completion", errors, where)
    return errors


def normalise(row: Row) -> str:
    """Canonical text of a row for de-duplication: sorted keys, collapsed whitespace, case kept."""
    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return " ".join(v.split())
        if isinstance(v, list):
            return [walk(x) for x in as_list(v)]
        if isinstance(v, dict):
            obj = as_object(v)
            return {k: walk(obj[k]) for k in sorted(obj)}
        return v
    return json.dumps(walk(row), sort_keys=True, ensure_ascii=False)


def to_eval(row: Row, fmt: str) -> Row:
    """A test row as prompt/target for scoring (chat: all messages but the last assistant answer)."""
    if fmt == "chat":
        msgs = row["messages"]
        prompt_msgs = msgs[:-1]
        prompt = "\n".join("%s: %s" % (m["role"], m["content"]) for m in prompt_msgs)
        return {"messages": prompt_msgs, "prompt": prompt, "target": msgs[-1]["content"]}
    if fmt == "instruction":
        prompt = row["instruction"] + ("\n\n" + row["input"] if row.get("input") else "")
        return {"messages": [{"role": "user", "content": prompt}], "prompt": prompt, "target": row["output"]}
    return {"messages": [{"role": "user", "content": row["prompt"]}], "prompt": row["prompt"], "target": row["completion"]}


def read_rows(path: str, fmt: str, label: str) -> tuple[list[Row], list[str]]:
    """Valid rows of a JSONL file and the problems of the others (``<label> line <n>: ...``)."""
    rows: list[Row] = []
    errors: list[str] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = "%s line %d" % (label, n)
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append("%s: not valid JSON (%s)" % (where, e.msg))
                continue
            problems = check_row(row, fmt, where)
            if problems:
                errors.extend(problems)
            else:
                rows.append(row)
    return rows, errors


def dedupe(rows: Sequence[Row]) -> list[Row]:
    """``rows`` without repeats of the same normalised text (first one kept)."""
    seen: set[str] = set()
    out: list[Row] = []
    for r in rows:
        key = hashlib.sha256(normalise(r).encode("utf-8")).hexdigest()
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def split(rows: Sequence[Row], ratios: Mapping[str, float], seed: int) -> tuple[list[Row], list[Row], list[Row]]:
    """Deterministic shuffle, then validation and test take their share (at least one row when their ratio > 0)."""
    order = list(rows)
    random.Random(seed).shuffle(order)
    n = len(order)
    n_val = max(1, round(n * ratios["validation"])) if ratios["validation"] > 0 else 0
    n_test = max(1, round(n * ratios["test"])) if ratios["test"] > 0 else 0
    test = order[:n_test]
    validation = order[n_test:n_test + n_val]
    train = order[n_test + n_val:]
    return train, validation, test


def write_jsonl(path: str, rows: Sequence[Row]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def text_len(row: Row) -> int:
    return len(normalise(row))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Validate, de-duplicate and split a JSONL fine-tuning dataset.")
    ap.add_argument("--input", required=True, help="dataset URI (s3://, gs://) or local file")
    ap.add_argument("--format", required=True, choices=["chat", "instruction", "completion"])
    ap.add_argument("--output", required=True, help="output prefix URI or local directory")
    ap.add_argument("--train", type=float, default=0.9)
    ap.add_argument("--validation", type=float, default=0.05)
    ap.add_argument("--test", type=float, default=0.05)
    ap.add_argument("--validation-input", help="explicit validation set (URI or file)")
    ap.add_argument("--test-input", help="explicit test set (URI or file)")
    ap.add_argument("--min-examples", type=int, default=1000)
    ap.add_argument("--no-dedup", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--probe-examples", type=int, default=50)
    args = ap.parse_args(argv)
    # --input is the workflow parameter dataset-uri on Argo: an object-store URI is checked before it is used.
    for flag, value in (("--input", args.input), ("--validation-input", args.validation_input), ("--test-input", args.test_input)):
        if value and value.startswith(("s3://", "gs://")):
            check_value(STAGE, flag, "object-uri", value)

    if abs(args.train + args.validation + args.test - 1) > 1e-6:
        fail(STAGE, "split ratios %.4g + %.4g + %.4g do not sum to 1 (fix dataset.split)" % (args.train, args.validation, args.test))

    store = Store()
    work = tempfile.mkdtemp(prefix="data-prep-")

    def fetch(uri: str, name: str) -> str:
        if os.path.isdir(uri):
            # A mounted input directory (SageMaker processing input): use its one JSONL file.
            files = sorted(f for f in os.listdir(uri) if f.endswith((".jsonl", ".json")))
            if len(files) != 1:
                fail(STAGE, "expected one .jsonl file in %s, found %d (point dataset.uri at a single JSONL file)" % (uri, len(files)))
            return os.path.join(uri, files[0])
        if not store.exists(uri):
            fail(STAGE, "%s does not exist (upload the dataset there, or fix dataset.uri)" % uri)
        local = os.path.join(work, name)
        store.download_file(uri, local)
        return local

    raw_path = fetch(args.input, "raw.jsonl")
    rows, errors = read_rows(raw_path, args.format, os.path.basename(args.input))
    explicit: dict[str, list[Row]] = {}
    for name, uri in (("validation", args.validation_input), ("test", args.test_input)):
        if uri:
            erows, eerrors = read_rows(fetch(uri, name + ".jsonl"), args.format, os.path.basename(uri))
            explicit[name] = erows
            errors.extend(eerrors)
    if errors:
        listed = errors[:MAX_REPORTED]
        more = "" if len(errors) <= MAX_REPORTED else "\n  … and %d more" % (len(errors) - MAX_REPORTED)
        fail(STAGE, "%d malformed row%s in the %s dataset (fix or remove them):\n  %s%s" % (
            len(errors), "" if len(errors) == 1 else "s", args.format, "\n  ".join(listed), more))

    total = len(rows)
    unique = rows if args.no_dedup else dedupe(rows)
    duplicates = total - len(unique)
    if len(unique) < args.min_examples:
        fail(STAGE, "only %d unique example%s (%d rows, %d duplicates removed), fewer than the minimum %d "
             "(add examples, or lower dataset.minExamples: fewer than ~1,000 examples tends to overfit)" % (
                 len(unique), "" if len(unique) == 1 else "s", total, duplicates, args.min_examples))

    ratios = {"train": args.train, "validation": args.validation, "test": args.test}
    train, validation, test = split(unique, ratios, args.seed)
    validation = explicit.get("validation", validation)
    test = explicit.get("test", test)
    if not train or not test:
        fail(STAGE, "the split left %d training and %d test examples (raise the dataset size or the ratios)" % (len(train), len(test)))

    out = os.path.join(work, "out")
    os.makedirs(out)
    write_jsonl(os.path.join(out, "train.jsonl"), train)
    write_jsonl(os.path.join(out, "validation.jsonl"), validation)
    write_jsonl(os.path.join(out, "test.jsonl"), test)
    eval_rows = [to_eval(r, args.format) for r in test]
    write_jsonl(os.path.join(out, "eval.jsonl"), eval_rows)
    write_jsonl(os.path.join(out, "probe.jsonl"), eval_rows[: args.probe_examples])
    lengths = sorted(text_len(r) for r in unique)
    stats = {
        "format": args.format,
        "rows": total,
        "duplicates": duplicates,
        "unique": len(unique),
        "splits": {"train": len(train), "validation": len(validation), "test": len(test)},
        "explicitSplits": sorted(explicit),
        "characters": {
            "min": lengths[0],
            "median": lengths[len(lengths) // 2],
            "p95": lengths[min(len(lengths) - 1, int(len(lengths) * 0.95))],
            "max": lengths[-1],
        },
        "seed": args.seed,
    }
    with open(os.path.join(out, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=2, sort_keys=True)
    store.upload(out, args.output)
    print(json.dumps({"stage": STAGE, "output": args.output, **stats}, sort_keys=True))
    return OK


if __name__ == "__main__":
    run_main(STAGE, main)
