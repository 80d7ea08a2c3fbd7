"""Where training runs: CUDA when it really works, else the CPU with an explicit thread count."""

from __future__ import annotations

import functools
import os
import threading

import torch

from gan_core.errors import DeviceError


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


def cpu_cores() -> int:
    """The cores this process may use: $CPU_CORES (Spaces sets it) or the visible cores."""
    try:
        env = os.environ.get("CPU_CORES")
        n = int(env) if env else len(os.sched_getaffinity(0))
    except (ValueError, AttributeError):
        n = os.cpu_count() or 1
    return max(1, n)


def threads_for(arch: str | None = None) -> int:
    """Intra-op threads for one CPU run (measured in docs/BENCHMARKS.md, section 2).

    $GAN_CLASSROOM_THREADS, when set, wins ($CPU_CORES only says how many cores there are).
    Otherwise: 1 for the 2D MLPs (too small to gain from threads: a second thread only adds
    synchronisation); 1 for everything on <= 2 cores (a DCGAN step costs a little more, and the
    other core stays free for the web server, the pictures and a second student's run); all cores
    for the convolutional runs on bigger machines.
    """
    env = os.environ.get("GAN_CLASSROOM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    cores = cpu_cores()
    return 1 if arch == "mlp" or cores <= 2 else cores


@functools.lru_cache(maxsize=1)
def configure_cpu_threads() -> int:
    """Set the process's default intra-op threads (what new threads start with): threads_for()."""
    n = threads_for()
    torch.set_num_threads(n)
    return n


def use_cpu_threads(arch: str | None = None) -> int:
    """Give the *calling* thread its run's intra-op threads (a training thread, at its start).

    torch.set_num_threads sets the calling thread's OpenMP team size, so other training threads
    and the web server keep theirs; but it also sets the default that threads started later pick
    up, so a throwaway thread puts that default back. Returns the count, for the status line.
    """
    n = threads_for(arch)
    default = torch.get_num_threads()  # this thread's lazy init (else its first op resets the size): the default
    torch.set_num_threads(n)
    if n != default:
        restore = threading.Thread(target=torch.set_num_threads, args=(default,), name="threads-default")
        restore.start()
        restore.join()
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


def describe(device: torch.device, threads: int | None = None) -> str:
    """A short label for the status line: 'cuda (NVIDIA H100 80GB HBM3)' or 'cpu (2 threads)'.

    `threads`: the run's own count (use_cpu_threads); default: the calling thread's."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    n = threads if threads is not None else torch.get_num_threads()
    return f"cpu ({n} thread{'s' if n != 1 else ''})"
