"""Where training runs: CUDA when it really works, else the CPU with an explicit thread count."""

from __future__ import annotations

import functools
import os

import torch


class DeviceError(RuntimeError):
    pass


def on_zero_gpu() -> bool:
    """ZeroGPU Spaces patch torch.cuda.is_available() to True outside @spaces.GPU functions,
    but a background thread can never use the GPU there: treat it as CPU-only."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "true")


@functools.lru_cache(maxsize=1)
def cuda_usable() -> bool:
    """True only if a tiny kernel actually runs (is_available() alone can lie: drivers, ZeroGPU)."""
    if on_zero_gpu() or not torch.cuda.is_available():
        return False
    try:
        x = torch.ones(4, device="cuda")
        return float((x * 2).sum().item()) == 8.0  # sync point, once
    except Exception:
        return False


@functools.lru_cache(maxsize=1)
def configure_cpu_threads() -> int:
    """Set torch's intra-op threads explicitly: $CPU_CORES (Spaces sets it) or the visible cores."""
    env = os.environ.get("CPU_CORES") or os.environ.get("GAN_CLASSROOM_THREADS")
    try:
        n = int(env) if env else len(os.sched_getaffinity(0))
    except (ValueError, AttributeError):
        n = os.cpu_count() or 1
    n = max(1, n)
    torch.set_num_threads(n)
    return n


def resolve_device(requested: str = "auto") -> torch.device:
    """'auto' -> cuda if usable else cpu; 'cuda' when unusable is an error with a reason."""
    if requested not in ("auto", "cpu", "cuda"):
        raise DeviceError(f"device must be auto, cpu or cuda; got {requested!r}")
    if requested == "cuda" and not cuda_usable():
        why = "this is a ZeroGPU Space (no background CUDA)" if on_zero_gpu() else "no working CUDA GPU was found"
        raise DeviceError(f"device 'cuda' was asked for but {why}; use --device cpu or auto.")
    if requested in ("auto", "cuda") and cuda_usable():
        return torch.device("cuda")
    configure_cpu_threads()
    return torch.device("cpu")


def describe(device: torch.device) -> str:
    """A short label for the status line: 'cuda (NVIDIA H100 80GB HBM3)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"
