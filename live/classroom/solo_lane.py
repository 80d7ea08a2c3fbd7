"""The class process's solo lane: runs of the class whose settings cannot be batched, trained one by one.

A student who switches on a fix that the batched step cannot do (R1, feature matching:
live.classroom.batched.key; unrolled D is batched, in the group of its k) keeps the run: it leaves its group
with all its state (transfer.release: weights, EMA, Adam moments, step, random stream) and trains
here with gan_core's own `train_step`, in the same loop as the class's groups; when the fix is
switched off it rejoins a group (transfer.adopt).

`SoloLane` answers what the class host asks of a `BatchedGroup` (add/remove of a gan_core GAN through
adopt/release, step, export, reset, set_lr, resume, halted, run_ids, book, step_of), so the host's loop,
pictures, slow motion (live/classroom/batched/slow.py) and commands treat both alike. Each run steps alone:
its step costs what a Trainer's does (R1: a double backward), on the class process's thread, and
each run of the lane takes one run's share of the loop's time (live/classroom/fair_share.py), like every other
run of the class: so the lane needs no cap of its own (any number of students may switch R1 on).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch

from gan_core.config import RunConfig
from gan_core.gan import GAN, build_gan
from gan_core.train import train_step
from live.classroom.batched import GOOD_EVERY, SERIES, ExportedRun, StepResult
from live.single.live_fixes import fixes_of, restarted, with_fixes
from live.single.readout import went_bad
from live.single.rollback import LastGood

MAX_SOLO_RUNS = 160  # runs the lane holds (as many as the class process): each run takes only its fair share


@dataclass
class SoloBook:
    """What the host reads of a run's bookkeeping (as a batched RunBook's)."""

    lr_g: float
    lr_d: float
    step: int


@dataclass
class _Solo:
    gan: GAN
    reset_cfg: RunConfig  # what Reset rebuilds from (as a group's book.cfg: the config it joined with)
    good: LastGood | None = None  # the last good copy (NaN/Inf goes back to it)


class SoloLane:
    """The class's unbatched runs, each a gan_core GAN stepped with train_step. One thread edits it."""

    key = "solo"

    def __init__(self):
        self._runs: dict[str, _Solo] = {}
        self.halted: dict[str, str] = {}  # run_id -> why it was halted (as BatchedGroup.halted)

    # -- membership: a run comes in and leaves as a gan_core GAN --------------------------------------
    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def adopt(self, run_id: str, gan: GAN) -> None:
        if run_id in self._runs:
            raise ValueError(f"run {run_id!r} is already in the solo lane")
        if len(self._runs) >= MAX_SOLO_RUNS:
            raise ValueError(f"the class already trains {MAX_SOLO_RUNS} runs with fixes it cannot batch (each "
                             "costs a step of its own): switch one off, or ask your teacher")
        solo = _Solo(gan, gan.current_config())
        solo.good = LastGood.of(gan)
        self._runs[run_id] = solo

    def release(self, run_id: str) -> GAN:
        self.halted.pop(run_id, None)
        return self._runs.pop(run_id).gan

    def remove(self, run_id: str) -> None:
        self.release(run_id)

    def gan(self, run_id: str) -> GAN:
        return self._runs[run_id].gan

    # -- what the host reads and sets -----------------------------------------------------------------
    def book(self, run_id: str) -> SoloBook:
        g = self._runs[run_id].gan
        return SoloBook(g.opt_g.param_groups[0]["lr"], g.opt_d.param_groups[0]["lr"], g.step)

    def step_of(self, run_id: str) -> int:
        return self._runs[run_id].gan.step

    def set_lr(self, run_id: str, lr_g: float | None = None, lr_d: float | None = None) -> None:
        self._runs[run_id].gan.set_lr(lr_g, lr_d)

    def resume(self, run_id: str) -> None:
        self._runs[run_id]  # (KeyError for a run not here, as BatchedGroup.resume)
        self.halted.pop(run_id, None)

    def reset(self, run_id: str) -> None:
        """Back to step 0 from its seed (BatchedGroup.reset), the live fixes kept as they are now."""
        solo = self._runs[run_id]
        cfg = restarted(with_fixes(solo.reset_cfg, 0, **fixes_of(solo.gan.cfg)))
        with torch.random.fork_rng(devices=[]):  # build_gan seeds the global stream
            solo.gan = build_gan(cfg, solo.gan.device, solo.gan.data)
        solo.good = LastGood.of(solo.gan)
        self.halted.pop(run_id, None)

    @torch.no_grad()
    def export(self, run_id: str) -> ExportedRun:
        """Copies of the run's networks (the picture is drawn from them while the lane trains on)."""
        g = self._runs[run_id].gan
        G_ema = copy.deepcopy(g.G_ema) if g.G_ema is not None else None
        return ExportedRun(G=copy.deepcopy(g.G), D=copy.deepcopy(g.D), G_ema=G_ema, step=g.step,
                           cfg=g.current_config())

    # -- the step -------------------------------------------------------------------------------------
    def step(self, active: Mapping[str, str] | Iterable[str]) -> StepResult:
        """One train_step for each active run (run id -> "both", "d" or "g"), one after the other; a run
        whose numbers went NaN/Inf goes back to its last good state and is halted (BatchedGroup.step)."""
        modes = dict(active) if isinstance(active, Mapping) else dict.fromkeys(active, "both")
        run_ids = self.run_ids
        numbers = {name: torch.full((len(run_ids),), math.nan) for name in SERIES}
        stepped, halted = {}, []
        for slot, run_id in enumerate(run_ids):
            mode = modes.get(run_id)
            if mode is None or run_id in self.halted:
                continue
            solo = self._runs[run_id]
            out = train_step(solo.gan, mode)
            values = torch.stack(list(out.values())).float()
            stepped[run_id] = mode
            if not bool(torch.isfinite(values).all()):  # <- a sync per run step (the group does one per step)
                self.halted[run_id] = went_bad("the numbers", solo.gan.step, solo.good.step)
                solo.good.restore(solo.gan)
                halted.append(run_id)
                continue
            for name, value in out.items():
                numbers[name][slot] = value.detach().float().cpu()
            if solo.gan.step - solo.good.step >= GOOD_EVERY:
                solo.good.save(solo.gan)
        return StepResult(run_ids=run_ids, numbers=numbers, halted=tuple(halted), modes=stepped)

