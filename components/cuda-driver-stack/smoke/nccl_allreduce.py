#!/usr/bin/env python3
"""Two-node NCCL all-reduce bandwidth smoke test for finetune-kit GPU pools.

Runs in each pod of an Indexed Job (one pod per node). The launcher starts one worker process per GPU (no shell, no
MPI, no torchrun): global rank = node rank x GPUs per node + local rank, the node rank being the Job's completion
index (`JOB_COMPLETION_INDEX`); the workers rendezvous at `MASTER_ADDR:MASTER_PORT` (pod 0 through the Job's
headless Service) with torch.distributed's `env://` store, time an all-reduce of a large buffer and report, on node
0, the bus bandwidth as nccl-tests defines it (busbw = algbw x 2(n-1)/n, NVIDIA/nccl-tests PERFORMANCE.md).

Exit codes: 0 = bandwidth at or above --min-busbw-gbps; 2 = no GPU visible; 3 = fewer GPUs than --gpus-per-node;
4 = the all-reduce gave a wrong sum; 5 = PyTorch is not installed in the image; 6 = bandwidth below the threshold;
7 = a worker failed otherwise (rendezvous or NCCL error: worth a retry); 64 = bad arguments or environment. The last
line node 0 prints is `NCCL_SMOKE_RESULT {json}` for log parsing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

EXIT_OK, EXIT_NO_GPU, EXIT_TOO_FEW, EXIT_WRONG_SUM, EXIT_NO_TORCH, EXIT_BELOW, EXIT_WORKER, EXIT_USAGE = 0, 2, 3, 4, 5, 6, 7, 64
#: Worker exit codes that say something about the node (not worth a retry); any other failure becomes EXIT_WORKER.
DEFINITE = (EXIT_NO_GPU, EXIT_TOO_FEW, EXIT_WRONG_SUM, EXIT_NO_TORCH)


class UsageError(Exception):
    """A bad argument or environment variable (exit 64)."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="finetune-kit two-node NCCL all-reduce smoke test")
    p.add_argument("--nodes", type=int, required=True, help="pods (nodes) in the test")
    p.add_argument("--gpus-per-node", type=int, required=True)
    p.add_argument("--min-busbw-gbps", type=float, required=True, help="pass mark: all-reduce bus bandwidth in GB/s")
    p.add_argument("--interconnect", default="none", help="interconnect kind, printed with the result")
    p.add_argument("--size-mib", type=int, default=1024, help="all-reduce buffer per GPU in MiB")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--timeout-s", type=int, default=600, help="rendezvous and collective timeout")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result-file", default="/tmp/nccl_smoke_result.json", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    for name in ("nodes", "gpus_per_node", "size_mib", "iters", "timeout_s"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.warmup < 0 or a.min_busbw_gbps < 0:
        p.error("--warmup and --min-busbw-gbps must not be negative")
    return a


def node_rank(env: dict[str, str], nodes: int) -> int:
    """The node rank from the Indexed Job's completion index."""
    raw = env.get("JOB_COMPLETION_INDEX")
    if raw is None or not raw.isdigit():
        raise UsageError(f"JOB_COMPLETION_INDEX is {raw!r}: run this in an Indexed Job (completionMode: Indexed)")
    rank = int(raw)
    if rank >= nodes:
        raise UsageError(f"JOB_COMPLETION_INDEX {rank} is outside 0..{nodes - 1} (--nodes {nodes})")
    return rank


def worker_env(base: dict[str, str], node: int, local_rank: int, gpus_per_node: int, nodes: int) -> dict[str, str]:
    """The environment of one worker: torch.distributed's env:// variables (MASTER_ADDR / MASTER_PORT come from the pod)."""
    for key in ("MASTER_ADDR", "MASTER_PORT"):
        if not base.get(key):
            raise UsageError(f"{key} is not set: the pod must name node 0 (the Job's pod 0 through its headless Service)")
    return {
        **base,
        "RANK": str(node * gpus_per_node + local_rank),
        "LOCAL_RANK": str(local_rank),
        "WORLD_SIZE": str(nodes * gpus_per_node),
        "LOCAL_WORLD_SIZE": str(gpus_per_node),
    }


def bus_bandwidth(size_bytes: int, seconds_per_iter: float, world: int) -> tuple[float, float]:
    """(algbw, busbw) in GB/s (1e9 bytes) of an all-reduce, as nccl-tests computes them."""
    algbw = size_bytes / seconds_per_iter / 1e9
    return algbw, algbw * 2 * (world - 1) / world


def evaluate(result: dict[str, Any], min_busbw: float, interconnect: str) -> tuple[int, list[str], dict[str, Any]]:
    """Exit code, report lines and summary of node 0's measurement."""
    world = int(result["world"])
    per_iter = float(result["seconds"]) / int(result["iters"])
    algbw, busbw = bus_bandwidth(int(result["size_bytes"]), per_iter, world)
    summary: dict[str, Any] = {
        **result,
        "interconnect": interconnect,
        "algbw_gbps": round(algbw, 2),
        "busbw_gbps": round(busbw, 2),
        "min_busbw_gbps": min_busbw,
    }
    lines = [
        f"all-reduce: {result['size_bytes']} B x{result['iters']} over {world} GPUs ({interconnect}; NCCL {result.get('nccl_version')})",
        f"algbw {algbw:.2f} GB/s, busbw {busbw:.2f} GB/s ({busbw * 8:.1f} Gbit/s); pass mark {min_busbw:.2f} GB/s",
    ]
    if not result.get("correct", False):
        return EXIT_WRONG_SUM, [*lines, "WRONG SUM: the all-reduce result does not match the expected sum"], {**summary, "status": "wrong-sum"}
    if busbw < min_busbw:
        return EXIT_BELOW, [*lines, f"BELOW THRESHOLD: busbw {busbw:.2f} GB/s < {min_busbw:.2f} GB/s"], {**summary, "status": "below-threshold"}
    return EXIT_OK, lines, {**summary, "status": "ok"}


def combine(codes: Sequence[int]) -> int:
    """One exit code for the node from its workers' codes: the first definite failure, else EXIT_WORKER, else 0."""
    for c in codes:
        if c in DEFINITE:
            return c
    return EXIT_WORKER if any(codes) else EXIT_OK


def worker(a: argparse.Namespace) -> int:
    """One rank: time the all-reduce; rank 0 writes the measurement to --result-file."""
    try:
        import torch  # pyright: ignore[reportMissingImports]  # noqa: PLC0415 (present in the smoke images only)
        import torch.distributed as dist  # pyright: ignore[reportMissingImports]  # noqa: PLC0415
    except ImportError:
        print("PyTorch is not installed in this image: the NCCL smoke test needs torch with CUDA", file=sys.stderr)
        return EXIT_NO_TORCH
    from datetime import timedelta  # noqa: PLC0415 (worker-only path)

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        print("NO GPU: no NVIDIA GPU is visible to this container", file=sys.stderr)
        return EXIT_NO_GPU
    if count < a.gpus_per_node:
        print(f"TOO FEW GPUS: expected {a.gpus_per_node}, see {count}.", file=sys.stderr)
        return EXIT_TOO_FEW
    rank, local, world = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"]), int(os.environ["WORLD_SIZE"])
    torch.cuda.set_device(local)
    dist.init_process_group("nccl", init_method="env://", rank=rank, world_size=world, timeout=timedelta(seconds=a.timeout_s))
    n = a.size_mib * (1 << 20) // 4
    x = torch.empty(n, dtype=torch.float32, device=f"cuda:{local}")
    x.fill_(float(rank + 1))
    dist.all_reduce(x)
    expected = world * (world + 1) / 2
    correct = bool(torch.all(x == expected).item())
    x.zero_()
    for _ in range(a.warmup):
        dist.all_reduce(x)
    torch.cuda.synchronize()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(a.iters):
        dist.all_reduce(x)
    torch.cuda.synchronize()
    elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64, device=f"cuda:{local}")
    ok = torch.tensor([1 if correct else 0], dtype=torch.int32, device=f"cuda:{local}")
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    dist.all_reduce(ok, op=dist.ReduceOp.MIN)
    if rank == 0:
        nccl = torch.cuda.nccl.version()
        with open(a.result_file, "w", encoding="utf-8") as f:
            json.dump({
                "size_bytes": n * 4, "iters": a.iters, "seconds": float(elapsed.item()), "world": world, "correct": bool(ok.item()),
                "nccl_version": ".".join(str(v) for v in nccl) if isinstance(nccl, tuple) else str(nccl), "torch_version": torch.__version__,
            }, f)
    dist.destroy_process_group()
    return EXIT_OK


def launch(a: argparse.Namespace, env: dict[str, str]) -> int:
    """Start one worker per GPU, wait for all, and on node 0 report the measurement."""
    node = node_rank(env, a.nodes)
    forwarded = [
        "--nodes", str(a.nodes), "--gpus-per-node", str(a.gpus_per_node), "--min-busbw-gbps", str(a.min_busbw_gbps),
        "--size-mib", str(a.size_mib), "--warmup", str(a.warmup), "--iters", str(a.iters), "--timeout-s", str(a.timeout_s),
        "--result-file", a.result_file, "--worker",
    ]
    envs = [worker_env(env, node, i, a.gpus_per_node, a.nodes) for i in range(a.gpus_per_node)]
    print(f"node {node} of {a.nodes}: starting {a.gpus_per_node} workers (ranks {node * a.gpus_per_node}..{(node + 1) * a.gpus_per_node - 1}), "
          f"rendezvous {env['MASTER_ADDR']}:{env['MASTER_PORT']}", flush=True)
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), *forwarded], env=e) for e in envs]
    code = combine([p.wait() for p in procs])
    if code != EXIT_OK:
        print(f"NCCL SMOKE FAILED on node {node}: worker exit codes gave {code}", file=sys.stderr)
        print("NCCL_SMOKE_RESULT " + json.dumps({"node": node, "status": "worker-failed", "exit_code": code, "interconnect": a.interconnect}))
        return code
    if node != 0:
        print(f"node {node}: workers finished; node 0 reports the bandwidth")
        return EXIT_OK
    with open(a.result_file, encoding="utf-8") as f:
        result: dict[str, Any] = json.load(f)
    code, lines, summary = evaluate(result, a.min_busbw_gbps, a.interconnect)
    for line in lines[:2]:
        print(line)
    for line in lines[2:]:
        print(line, file=sys.stderr)
    print("NCCL_SMOKE_RESULT " + json.dumps(summary))
    return code


def main(argv: Sequence[str] | None = None) -> int:
    a = parse_args(argv)
    try:
        return worker(a) if a.worker else launch(a, dict(os.environ))
    except UsageError as exc:
        print(f"nccl_allreduce.py: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
