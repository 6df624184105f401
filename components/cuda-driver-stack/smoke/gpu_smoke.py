#!/usr/bin/env python3
"""GPU smoke test for finetune-kit GPU pools.

Proves the CUDA stack works on a node: prints the NVIDIA driver version, the GPUs the container sees, runs a
small matrix multiply and reports its measured rate in TFLOP/s. Uses PyTorch when installed, else CuPy, else
only nvidia-smi (no matmul then).

Exit codes: 0 = GPU works; 2 = no GPU visible; 3 = fewer GPUs than --expect-gpus; 4 = the matmul failed or gave
a wrong result; 5 = GPUs visible but no driver information. The last line of output is
`GPU_SMOKE_RESULT {json}` for log parsing.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

#: A matmul backend's report (JSON-serialisable).
Report = dict[str, Any]

EXIT_OK, EXIT_NO_GPU, EXIT_TOO_FEW, EXIT_MATMUL, EXIT_NO_DRIVER = 0, 2, 3, 4, 5


def nvidia_smi() -> dict[str, Any] | None:
    """Driver version and GPU names from nvidia-smi, or None when it is missing or fails."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=driver_version,name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    rows = [[c.strip() for c in line.split(",")] for line in out.stdout.strip().splitlines() if line.strip()]
    if not rows:
        return None
    return {"driver": rows[0][0], "gpus": [{"name": r[1], "memory_mib": r[2] if len(r) > 2 else ""} for r in rows]}


def proc_driver_version() -> str | None:
    """Driver version from /proc/driver/nvidia/version (present when the kernel module is loaded)."""
    try:
        with open("/proc/driver/nvidia/version", encoding="utf-8") as f:
            first = f.readline()
    except OSError:
        return None
    for tok in first.split():
        if tok.count(".") >= 1 and tok.replace(".", "").isdigit():
            return tok
    return None


def matmul_torch(n: int, iters: int) -> Report:
    import torch  # pyright: ignore[reportMissingImports]  # noqa: PLC0415 (optional dependency)

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        return {"backend": "torch", "gpus": 0}
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    dev = torch.device("cuda:0")
    a = torch.randn(n, n, device=dev, dtype=dtype)
    b = torch.randn(n, n, device=dev, dtype=dtype)
    c = a @ b
    for _ in range(2):
        c = a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        c = a @ b
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    # Correctness on a small slice against float32 on the GPU.
    ref = a[:64].float() @ b.float()
    ok = bool(torch.allclose(c[:64].float(), ref, rtol=5e-2, atol=5e-1 * (n ** 0.5)))
    return {
        "backend": "torch",
        "torch_version": torch.__version__,
        "cuda_runtime": torch.version.cuda,
        "gpus": count,
        "names": [torch.cuda.get_device_name(i) for i in range(count)],
        "dtype": str(dtype).replace("torch.", ""),
        "tflops": 2 * n ** 3 * iters / seconds / 1e12,
        "seconds": seconds,
        "correct": ok,
    }


def matmul_cupy(n: int, iters: int) -> Report:
    import cupy  # pyright: ignore[reportMissingImports]  # noqa: PLC0415 (optional dependency)

    count = cupy.cuda.runtime.getDeviceCount()
    if count == 0:
        return {"backend": "cupy", "gpus": 0}
    a = cupy.random.standard_normal((n, n), dtype=cupy.float32)
    b = cupy.random.standard_normal((n, n), dtype=cupy.float32)
    c = a @ b
    cupy.cuda.Device(0).synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        c = a @ b
    cupy.cuda.Device(0).synchronize()
    seconds = time.perf_counter() - start
    ok = bool(cupy.allclose(c[:64], a[:64] @ b, rtol=1e-3, atol=1e-2))
    return {
        "backend": "cupy",
        "cupy_version": cupy.__version__,
        "cuda_runtime": str(cupy.cuda.runtime.runtimeGetVersion()),
        "gpus": count,
        "dtype": "float32",
        "tflops": 2 * n ** 3 * iters / seconds / 1e12,
        "seconds": seconds,
        "correct": ok,
    }


def run_matmul(n: int, iters: int) -> tuple[Report | None, str | None]:
    """(result, error) from the first backend that imports; (None, None) when none is installed."""
    backends: tuple[Callable[[int, int], Report], ...] = (matmul_torch, matmul_cupy)
    for fn in backends:
        try:
            return fn(n, iters), None
        except ImportError:
            continue
        except Exception as exc:  # noqa: BLE001 - a CUDA error is a result, not a crash of the test
            return None, f"{fn.__name__}: {type(exc).__name__}: {exc}"
    return None, None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="finetune-kit GPU smoke test")
    # String defaults go through type=int too: a malformed SMOKE_* value is argparse's one-line error, not a traceback.
    parser.add_argument("--size", type=int, default=os.environ.get("SMOKE_MATMUL_SIZE", "8192"), help="matrix size n (n x n)")
    parser.add_argument("--iters", type=int, default=os.environ.get("SMOKE_MATMUL_ITERS", "20"))
    parser.add_argument("--expect-gpus", type=int, default=os.environ.get("SMOKE_EXPECT_GPUS", "1"))
    args = parser.parse_args(argv)

    smi = nvidia_smi()
    driver = (smi or {}).get("driver") or proc_driver_version()
    result, error = run_matmul(args.size, args.iters)
    gpus = (result or {}).get("gpus") or len((smi or {}).get("gpus", []))
    summary = {
        "driver_version": driver,
        "gpus_visible": gpus,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "nvidia_visible_devices": os.environ.get("NVIDIA_VISIBLE_DEVICES"),
    }

    print(f"driver version: {driver or 'not found'}")
    print(f"GPUs visible:   {gpus}")
    for g in (smi or {}).get("gpus", []):
        print(f"  - {g['name']} ({g['memory_mib']} MiB)")

    if gpus == 0:
        why = "nvidia-smi not found" if shutil.which("nvidia-smi") is None else "nvidia-smi found no GPU"
        print(
            "NO GPU: no NVIDIA GPU is visible to this container "
            f"({why}; driver: {driver or 'not found'}; CUDA_VISIBLE_DEVICES={summary['cuda_visible_devices']!r}). "
            "Check that the pod requests nvidia.com/gpu, runs on a GPU node, and that the driver and device plugin are ready.",
            file=sys.stderr,
        )
        print("GPU_SMOKE_RESULT " + json.dumps({**summary, "status": "no-gpu"}))
        return EXIT_NO_GPU
    if not driver:
        print("GPUs are visible but no NVIDIA driver version could be read (nvidia-smi and /proc/driver/nvidia missing).", file=sys.stderr)
        print("GPU_SMOKE_RESULT " + json.dumps({**summary, "status": "no-driver"}))
        return EXIT_NO_DRIVER
    if gpus < args.expect_gpus:
        print(f"TOO FEW GPUS: expected {args.expect_gpus}, see {gpus}.", file=sys.stderr)
        print("GPU_SMOKE_RESULT " + json.dumps({**summary, "status": "too-few-gpus"}))
        return EXIT_TOO_FEW
    if error or (result and not result.get("correct", True)):
        print(f"MATMUL FAILED: {error or 'result does not match the float32 reference'}", file=sys.stderr)
        print("GPU_SMOKE_RESULT " + json.dumps({**summary, **(result or {}), "status": "matmul-failed", "error": error}))
        return EXIT_MATMUL
    if result is None:
        print("matmul: skipped (neither torch nor cupy is installed; driver and GPUs checked with nvidia-smi only)")
        print("GPU_SMOKE_RESULT " + json.dumps({**summary, "status": "ok", "matmul": "skipped"}))
        return EXIT_OK
    print(f"matmul:         {args.size}x{args.size} {result['dtype']} x{args.iters} on {result['backend']} "
          f"(CUDA runtime {result.get('cuda_runtime')}): {result['tflops']:.1f} TFLOP/s")
    print("GPU_SMOKE_RESULT " + json.dumps({**summary, **result, "status": "ok"}))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
