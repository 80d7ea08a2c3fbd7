"""Recording a replay while the CLI trains (`python -m gan_core train ... --record [--record-every N]`).

The recorder only reads the run: pictures come from G and D in eval mode under its own fixed noise
(a generator of its own, seeded like the Train tab's: seed + 1), the metrics from
diagnostics.live_metrics (its own generator too). Nothing draws from the run's random stream or
changes a weight, so a recorded run trains exactly as an unrecorded one (tests/gan_core/test_replay.py
checks that the checkpoints come out the same).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from gan_core import replay
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.gan import GAN
from gan_core.pictures.field import compute_field

TARGET_FRAMES = 80  # at most this many frames after step 0 when --record-every is not given
FIXED_POINTS = 512  # fake points per 2D frame (the Train tab's field shows as many)
FIXED_IMAGES = 64  # samples per image frame (80 for a conditional G: 8 of each of 10 classes)


def auto_every(steps: int, log_every: int) -> int:
    """The smallest multiple of log_every that divides `steps` into at most TARGET_FRAMES frames
    (else `steps`: a first and a last frame)."""
    for every in range(log_every, steps + 1, log_every):
        if steps % every == 0 and steps // every <= TARGET_FRAMES:
            return every
    return max(steps, 1)


def check_every(every: int, steps: int) -> None:
    """Loud: frames must be evenly spaced from 0 to the last step, and not too many."""
    if every < 1 or steps % every:
        raise ValueError(f"--record-every must be a whole number that divides the {steps:,} steps; got {every}.")
    if steps // every + 1 > replay.MAX_FRAMES:
        raise ValueError(f"--record-every {every} gives {steps // every + 1} frames; a replay holds at most "
                         f"{replay.MAX_FRAMES} (use --record-every "
                         f"{math.ceil(steps / (replay.MAX_FRAMES - 1))} or more).")


def _plain_metrics(m: dict) -> dict:
    """live_metrics' numbers as plain finite Python numbers (None / NaN / Inf are left out)."""
    out = {}
    for k, v in m.items():
        if k in replay.METRIC_KEYS and isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v):
            out[k] = int(v) if isinstance(v, (int, np.integer)) else float(v)
    return out


class Recorder:
    """Collects frames (every `every` steps, from step 0) and history rows (every log_every steps)."""

    def __init__(self, gan: GAN, every: int):
        self.every = every
        g = torch.Generator(gan.device).manual_seed(gan.cfg.train.seed + 1)
        n = FIXED_POINTS if gan.data.is_points else (80 if gan.num_classes else FIXED_IMAGES)
        self.fixed_z = gan.sample_z(n, generator=g)
        self.fixed_y = (torch.arange(n, device=gan.device) % gan.num_classes) if gan.num_classes else None
        self.steps: list[int] = []
        self.metrics: list[dict] = []
        self.frames: dict[str, list[np.ndarray]] = {}
        self.history_step: list[int] = []
        self.history: list[list[float]] = []
        self.field_meta: dict = {}
        self.real: np.ndarray | None = None

    def add_history(self, step: int, values: dict[str, float]) -> None:
        """One row: the mean of each series over the steps since the last row (NaN where absent)."""
        self.history_step.append(step)
        self.history.append([float(values.get(k, math.nan)) for k in replay.SERIES])

    def step_done(self, gan: GAN, pending: list[dict], final: bool = False) -> None:
        """After each training step. pending: the step results since the CLI's last read-back (it reads
        them back when there are log_every of them, or at the last step): then a history row of their
        means (one sync, as the Trainer's); and a frame when the step is a multiple of `every`."""
        if len(pending) == gan.cfg.train.log_every or final:
            keys = [k for k in replay.SERIES if any(k in p for p in pending)]
            means = torch.stack([torch.stack([p[k] for p in pending if k in p]).float().mean() for k in keys])
            self.add_history(gan.step, dict(zip(keys, means.cpu().tolist())))
        if gan.step % self.every == 0:
            self.add_frame(gan)

    def add_frame(self, gan: GAN) -> None:
        """The picture's data and the live metrics at gan.step (G and D in eval mode, no grad steps)."""
        if gan.data.is_points:
            f = compute_field(gan, self.fixed_z)
            arrows = np.asarray(f["arrows"], dtype=np.float64)
            scale = max(float(np.percentile(np.linalg.norm(arrows, axis=1), 90)), 1e-30)
            self._append(fake=f["fake"], fake_d=f["fake_d"], arrows=arrows / scale,
                         heat=np.clip(f["heat"], -6e4, 6e4), manifold=f["manifold"])
            if self.real is None:
                self.real = f["real"]
                self.field_meta = {"bounds": [float(b) for b in f["bounds"]], "probability": bool(f["probability"]),
                                   "centers": None if f["centers"] is None else np.asarray(f["centers"]).tolist()}
        else:
            G = gan.G_eval
            was = G.training
            G.eval()
            with torch.no_grad():
                x = G(self.fixed_z, self.fixed_y)  # [N, C, H, W] in [-1, 1]
            G.train(was)
            self._append(samples=((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu().numpy())
        self.steps.append(gan.step)
        self.metrics.append(_plain_metrics(live_metrics(gan)))

    def _append(self, **arrays) -> None:
        for k, v in arrays.items():
            self.frames.setdefault(k, []).append(np.asarray(v))

    def save(self, path, gan: GAN, info: dict) -> "replay.Path":
        """Write `path` (a .replay.npz) with the frames so far; `info` adds title, command, seed, ..."""
        arrays = {k: np.stack(v) for k, v in self.frames.items()}
        if self.real is not None:
            arrays["real"] = self.real
        meta = {**info, "config": gan.current_config().to_dict(), "steps": self.steps, "every": self.every,
                "metrics": self.metrics, "series": list(replay.SERIES), **self.field_meta}
        history = np.asarray(self.history, dtype=np.float32).reshape(len(self.history_step), len(replay.SERIES))
        return replay.save(path, meta, self.history_step, history, arrays)
