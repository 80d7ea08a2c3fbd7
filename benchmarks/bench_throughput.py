"""Section 1 of `python -m gan_core bench`: our Trainer against the reference loop, alternately.

`throughput(preset, device, plan)` returns steps/s of both sides with their spread over rounds,
the per-round ratio ours/reference, and the process CPU time per step of each side.
"""

from __future__ import annotations

import statistics
import time

import torch

from gan_core.data import load_dataset
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.presets import get_preset
from live.single.trainer import Trainer

from .bench_reference import ReferenceLoop


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, device: torch.device) -> float:
    _sync(device)
    t = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t


def _steps_for(run, seconds: float, device: torch.device) -> int:
    """Warm up, then the number of steps `run(n)` makes in about `seconds`."""
    run(3)
    run(3)  # (the first calls pay for allocations, lazy init, compilation)
    n, elapsed = 4, 0.0
    while elapsed < 0.25:
        n *= 2
        elapsed = _timed(lambda: run(n), device)
    return max(3, round(n / elapsed * seconds))


# ------------------------------------------------------------------------------- throughput

def throughput(preset: str, device: torch.device, plan, **train: object) -> dict:
    """Steps/s of our Trainer and of the reference loop, alternately, `plan.rounds` times of
    `plan.round_s` seconds a side (plan: bench.Plan).

    The order flips every round (ours-ref, ref-ours, ...) so a drift in the machine's load hits
    both sides alike; the ratio is the median of the per-round ratios. Beside wall-clock speed,
    the process CPU seconds per step: on a shared machine that counts work, not waiting."""
    cfg = get_preset(preset, train={"device": device.type, **train})
    data = load_dataset(cfg.data, device, seed=cfg.train.seed)
    trainer = Trainer(cfg, device, data=data, metric_fn=live_metrics)
    ref = ReferenceLoop(cfg, data, device)

    def ours(n):
        trainer.step(n, wait=True, timeout=3600)
        if trainer.status == "error":
            raise RuntimeError(trainer.snapshot().message)

    def reference(n):
        for _ in range(n):
            ref.step()

    sides = {"ours": ours, "reference": reference}
    try:
        steps = {k: _steps_for(fn, plan.round_s, device) for k, fn in sides.items()}
        rates: dict = {k: [] for k in sides}
        cpu_ms: dict = {k: [] for k in sides}
        for i in range(plan.rounds):
            for k in (("ours", "reference") if i % 2 == 0 else ("reference", "ours")):
                c0 = time.process_time()
                rates[k].append(steps[k] / _timed(lambda: sides[k](steps[k]), device))
                cpu_ms[k].append((time.process_time() - c0) / steps[k] * 1e3)
    finally:
        trainer.stop()
    return {"preset": preset, "batch": cfg.train.batch_size, "train": dict(train),
            "ours": spread(rates["ours"]), "reference": spread(rates["reference"]),
            "ratio": spread([a / b for a, b in zip(rates["ours"], rates["reference"])]),
            "cpu_ms": {k: spread(v) for k, v in cpu_ms.items()},
            "cpu_ratio": spread([b / a for a, b in zip(cpu_ms["ours"], cpu_ms["reference"])])}
