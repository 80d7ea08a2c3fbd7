"""BatchedGroup: R students' runs of one architecture, stepped together in one batched call.

A class of 30 pressing Start on the same 2D preset would otherwise be 30 separate GAN steps,
each mostly Python and dispatch overhead. The group stacks the runs that share a `GroupKey` and
runs one D update and one G update for all of them as batched matrix products (layers.py).
Each run keeps what is its own: seed and random stream, dataset, learning rates, step count,
Adam step count, pause/step state (the caller says which runs step, and how) and NaN handling.

One step of the group, for the runs named active (the others are not touched at all, not even
their Adam moments): `d_steps` D updates, then `g_steps` G updates, as gan_core.train.train_step
does; per run "d" / "g" modes do one update of one network. Per-run numbers come back as
tensors [R] by slot. After the step each run's numbers are checked for NaN/Inf (one sync): a
run that went bad goes back to its last good copy and is halted until `resume`; the others go on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import torch

from gan_core.config import RunConfig
from gan_core.data import load_dataset
from gan_core.gan import GAN
from gan_core.models import build_models
from live.classroom.batched import draws, objectives, transfer, unroll
from live.classroom.batched.adam import adam_update
from live.classroom.batched.book import RunBook
from live.classroom.batched.key import GroupKey, group_key, why_not_batched
from live.classroom.batched.layers import BatchedDiscriminator, BatchedGenerator
from live.classroom.batched.results import SERIES, ExportedRun, StepResult
from live.classroom.batched.rows import Rows
from live.single.readout import went_bad

MODES = ("both", "d", "g")
GOOD_EVERY = 50  # steps between a run's last-good copies (as live.single.trainer)


class BatchedGroup:
    """The runs of one GroupKey, stepped together. Not thread-safe: one thread steps and edits it."""

    def __init__(self, key: GroupKey, device: torch.device | str = "cpu"):
        self.key, self.device = key, torch.device(device)
        self.G = BatchedGenerator(nz=key.nz, hidden=key.hidden, depth=key.depth, act=key.activation)
        self.D = BatchedDiscriminator(hidden=key.hidden, depth=key.depth, act=key.activation, pack=key.pack,
                                      minibatch_std=key.minibatch_std)
        self.rows, self.good = Rows(), Rows()  # G, D, G_ema, Adam moments: [R, P] each; last good copies
        self._runs: list[RunBook] = []  # by slot
        self._data: dict[tuple, torch.Tensor] = {}  # (data config, seed) -> points [N, 2], shared
        self._X = torch.empty(0)  # the datasets in use, stacked [U, N, 2]
        self._data_slot: dict[tuple, int] = {}
        self.halted: dict[str, str] = {}  # run_id -> why it was halted

    @classmethod
    def for_config(cls, cfg: RunConfig, device: torch.device | str = "cpu") -> "BatchedGroup":
        key = group_key(cfg)
        if key is None:
            raise ValueError(f"this config cannot be batched: {why_not_batched(cfg)}")
        return cls(key, device)

    # -- membership --------------------------------------------------------------------------------
    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(r.run_id for r in self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def slot(self, run_id: str) -> int:
        for slot, run in enumerate(self._runs):
            if run.run_id == run_id:
                return slot
        raise KeyError(f"no run {run_id!r} in this group")

    def add(self, run_id: str, cfg: RunConfig) -> int:
        """A new run, initialised as gan_core's build_gan(cfg) would; returns its slot."""
        if group_key(cfg) != self.key:
            raise ValueError(f"run {run_id!r} does not fit this group: "
                             f"{why_not_batched(cfg) or 'its architecture or step recipe differs'}")
        if any(r.run_id == run_id for r in self._runs):
            raise ValueError(f"run {run_id!r} is already in this group")
        data_key = (cfg.data, cfg.train.seed)
        if data_key not in self._data:  # build_gan: load_dataset(cfg.data, device, seed=cfg.train.seed)
            self._data[data_key] = load_dataset(cfg.data, self.device, seed=cfg.train.seed).x
        run = RunBook(run_id, cfg, torch.Generator(self.device), data_key, cfg.train.lr_g, cfg.train.lr_d)
        row = self._fresh_row(run)
        self._runs.append(run)
        slot = self.rows.append(row)
        self.good.append(row)
        self._restack_data()
        return slot

    def remove(self, run_id: str) -> None:
        """Drop a run; the last slot's run moves into its slot (bit for bit)."""
        slot = self.slot(run_id)
        self.rows.remove(slot)
        self.good.remove(slot)
        self._runs[slot] = self._runs[-1]
        self._runs.pop()
        self.halted.pop(run_id, None)
        self._restack_data()

    def reset(self, run_id: str) -> None:
        """Back to step 0 as the run was added (Trainer.reset): fresh weights and Adam state from its
        seed, its stream re-seeded, its config's learning rates."""
        slot, run = self.slot(run_id), self.book(run_id)
        run.step = run.adam_steps_g = run.adam_steps_d = 0
        run.lr_g, run.lr_d = run.cfg.train.lr_g, run.cfg.train.lr_d
        run.good = (0, 0, 0)
        row = self._fresh_row(run)
        self.rows.set_row(slot, row)
        self.good.set_row(slot, row)
        self.halted.pop(run_id, None)

    def set_lr(self, run_id: str, lr_g: float | None = None, lr_d: float | None = None) -> None:
        """Change one run's learning rates (applies from its next update)."""
        run = self.book(run_id)
        for lr in (lr_g, lr_d):
            if lr is not None and not 0 < lr <= 1:
                raise ValueError(f"learning rate must be in (0, 1]; got {lr}")
        run.lr_g = run.lr_g if lr_g is None else float(lr_g)
        run.lr_d = run.lr_d if lr_d is None else float(lr_d)

    def resume(self, run_id: str) -> None:
        """Let a halted run (NaN/Inf, restored) take steps again."""
        self.slot(run_id)
        self.halted.pop(run_id, None)

    @property
    def datasets_in_use(self) -> int:
        """Distinct (data config, seed) pairs: runs that share one share its points tensor."""
        return self._X.shape[0] if self._runs else 0

    def step_of(self, run_id: str) -> int:
        return self.book(run_id).step

    def book(self, run_id: str) -> RunBook:
        """The run's bookkeeping (settings, stream, counters); its tensors are rows[...][slot(run_id)]."""
        return self._runs[self.slot(run_id)]

    def _fresh_row(self, run: RunBook) -> dict[str, torch.Tensor]:
        """Weights as build_gan makes them: build_models, seeded by cfg.train.seed."""
        cfg = run.cfg
        run.gen.manual_seed(cfg.train.seed)
        G, D = build_models(cfg, (2,), 0)
        g, d = self.G.row_from(G).to(self.device), self.D.row_from(D).to(self.device)
        row = {"G": g, "D": d, "m_G": torch.zeros_like(g), "v_G": torch.zeros_like(g),
               "m_D": torch.zeros_like(d), "v_D": torch.zeros_like(d)}
        if self.key.ema > 0:
            row["G_ema"] = g.clone()
        return row

    def _restack_data(self) -> None:
        keys = list(dict.fromkeys(r.data_key for r in self._runs))  # in use, first-seen order
        self._data = {k: self._data[k] for k in keys}
        self._data_slot = {k: i for i, k in enumerate(keys)}
        self._X = torch.stack([self._data[k] for k in keys]) if keys else torch.empty(0)  # [U, N, 2]

    # -- a run as plain gan_core objects (transfer.py) --------------------------------------------
    def export(self, run_id: str) -> ExportedRun:
        """The run's networks as plain MLPGenerator / MLPDiscriminator copies, and its step."""
        return transfer.export(self, run_id)

    def adopt(self, run_id: str, gan: GAN) -> int:
        """A gan_core run joins mid-training (weights, EMA, Adam state, step, stream); returns its slot."""
        return transfer.adopt(self, run_id, gan)

    def release(self, run_id: str) -> GAN:
        """The run leaves the group as a gan_core GAN that trains on exactly as it would have here."""
        return transfer.release(self, run_id)

    # -- the step ----------------------------------------------------------------------------------
    def step(self, active: Mapping[str, str] | Iterable[str]) -> StepResult:
        """One training step for the active runs: a set of run ids (mode "both"), or run id -> mode
        ("both", "d" or "g", as train_step's). Halted runs are skipped. Ends with one sync."""
        modes = dict(active) if isinstance(active, Mapping) else dict.fromkeys(active, "both")
        by_mode: dict[str, list[int]] = {m: [] for m in MODES}
        for run_id, mode in modes.items():
            if mode not in MODES:
                raise ValueError(f"mode must be both, d or g; got {mode!r}")
            slot = self.slot(run_id)
            if run_id not in self.halted:
                by_mode[mode].append(slot)
        both, d_only, g_only = (sorted(by_mode[m]) for m in MODES)
        R = len(self._runs)
        numbers = {name: torch.full((R,), math.nan, device=self.device) for name in SERIES}
        bad = torch.zeros(R, dtype=torch.bool, device=self.device)

        g_slots = sorted(both + g_only)
        n_d = self.key.d_steps if both else int(bool(d_only))
        kept = None  # (slots, z [A, B, nz], (G's rows, their leaves), fake [A, B, 2] with G's graph or None)
        for i in range(n_d):  # "both" runs take d_steps D updates; "d" runs one, in the first
            slots = sorted(both + (d_only if i == 0 else []))
            keep_fake = bool(both) and i == n_d - 1 and slots == g_slots  # G can reuse this fake batch
            kept = self._d_update(slots, keep_fake, numbers, bad)
        n_g = self.key.g_steps if both else int(bool(g_only))
        for j in range(n_g):
            slots = sorted(both + (g_only if j == 0 else []))
            self._g_update(slots, kept if j == 0 else None, numbers, bad)

        stepped = sorted(both + d_only + g_only)
        for slot in stepped:
            self._runs[slot].step += 1
        halted = self._check(stepped, bad)
        return StepResult(run_ids=self.run_ids, numbers=numbers, halted=halted,
                          modes={self._runs[s].run_id: modes[self._runs[s].run_id] for s in stepped})

    def _index(self, slots: list[int]) -> torch.Tensor | None:
        """None when the slots are every run (no gathering needed), else the slots as [A] long."""
        return None if len(slots) == len(self._runs) else torch.tensor(slots, device=self.device)

    def _take(self, name: str, index: torch.Tensor | None) -> torch.Tensor:
        """Rows [A, P]: the group's own tensor when index is None (updated in place), else a gathered copy."""
        t = self.rows[name]
        return t.detach() if index is None else t.index_select(0, index)

    def _put(self, name: str, index: torch.Tensor | None, value: torch.Tensor) -> None:
        if index is not None:
            self.rows[name].index_copy_(0, index, value.detach())

    def _d_update(self, slots: list[int], keep_fake: bool, numbers: dict, bad: torch.Tensor):
        """One D update of the given runs (gan_core.train.d_step). Returns what the G update may reuse."""
        k, index, runs = self.key, self._index(slots), [self._runs[s] for s in slots]
        gens, stds = [r.gen for r in runs], [r.instance_noise_std() for r in runs]
        flat_d, flat_g = self._take("D", index), self._take("G", index)  # [A, Pd], [A, Pg]
        d_layers = self.D.layout.leaves(flat_d)  # views of flat_d to differentiate by
        g_layers = self.G.layout.leaves(flat_g) if keep_fake else self.G.layout.layers(flat_g)
        # the draws, in d_step's order for each run: batch indices, z, noise on real, noise on fake
        idx = draws.batch_indices(gens, self._X.shape[1], k.batch_size, self.device)  # [A, B]
        data_index = torch.tensor([self._data_slot[r.data_key] for r in runs], device=self.device)
        real = draws.real_batch(self._X, data_index, idx)  # [A, B, 2]
        z = draws.latents(gens, k.batch_size, k.nz, k.noise == "uniform", self.device)  # [A, B, nz]
        with torch.set_grad_enabled(keep_fake):
            fake = self.G(g_layers, z)  # [A, B, 2]
        real_logits = self.D(d_layers, draws.with_instance_noise(real, gens, stds))  # [A, B / pack]
        fake_logits = self.D(d_layers, draws.with_instance_noise(fake.detach(), gens, stds))
        real_target = torch.tensor([1.0 - r.cfg.loss.label_smoothing for r in runs], device=self.device)
        loss = objectives.d_loss(k.objective, real_logits, fake_logits, real_target)  # [A]
        grad = self.D.layout.flat_grad(loss.sum(), d_layers)  # [A, Pd]: run r's row only gets run r's term
        grad_norm = grad.norm(dim=1)  # [A]: each run's total L2 norm over all of D's parameters
        for r in runs:
            r.adam_steps_d += 1
        self._adam("D", index, flat_d, grad, [r.adam_steps_d for r in runs], [r.lr_d for r in runs], k.betas_d)
        self._record(numbers, bad, slots, d_loss=loss.detach(), d_real=objectives.d_report(k.objective, real_logits),
                     d_fake=objectives.d_report(k.objective, fake_logits), grad_norm_d=grad_norm)
        return slots, z, (flat_g, g_layers), (fake if keep_fake else None)

    def _g_update(self, slots: list[int], kept, numbers: dict, bad: torch.Tensor) -> None:
        """One G update of the given runs against their (just updated) D (gan_core.train.g_step), or
        against D looked k updates ahead (unrolled D: unroll.py)."""
        undo = unroll.look_ahead(self, slots) if self.key.unrolled_steps else None
        k, index, runs = self.key, self._index(slots), [self._runs[s] for s in slots]
        gens, stds = [r.gen for r in runs], [r.instance_noise_std() for r in runs]
        if kept is not None and kept[3] is not None:  # the last D update's fake batch, same runs
            (flat_g, g_layers), fake = kept[2], kept[3]
        else:  # "both" runs reuse the z of their last D update, the others draw a fresh one
            flat_g = self._take("G", index)
            g_layers = self.G.layout.leaves(flat_g)
            z_of = dict(zip(kept[0], kept[1])) if kept is not None else {}
            fresh = [r.gen for s, r in zip(slots, runs) if s not in z_of]
            new = iter(draws.latents(fresh, k.batch_size, k.nz, k.noise == "uniform", self.device)) if fresh else None
            z = torch.stack([z_of[s] if s in z_of else next(new) for s in slots])  # [A, B, nz]
            fake = self.G(g_layers, z)
        # D frozen (plain views, no leaves): G's loss needs dL/d(fake), not D's weight gradients
        d_layers = self.D.layout.layers(self._take("D", index))
        fake_logits = self.D(d_layers, draws.with_instance_noise(fake, gens, stds))
        loss = objectives.g_loss(k.objective, fake_logits)  # [A]
        grad = self.G.layout.flat_grad(loss.sum(), g_layers)  # [A, Pg]
        grad_norm = grad.norm(dim=1)
        for r in runs:
            r.adam_steps_g += 1
        self._adam("G", index, flat_g, grad, [r.adam_steps_g for r in runs], [r.lr_g for r in runs], k.betas_g)
        if undo is not None:
            unroll.put_back(self, slots, undo)
        if k.ema > 0:  # theta_ema <- decay theta_ema + (1 - decay) theta (gan_core.train._update_ema)
            ema = self._take("G_ema", index)
            ema.lerp_(flat_g.detach(), 1.0 - k.ema)
            self._put("G_ema", index, ema)
        self._record(numbers, bad, slots, g_loss=loss.detach(), grad_norm_g=grad_norm)

    def _adam(self, net: str, index, param: torch.Tensor, grad: torch.Tensor, steps: list[int],
              lrs: list[float], betas: tuple[float, float]) -> None:
        m, v = self._take(f"m_{net}", index), self._take(f"v_{net}", index)
        adam_update(param.detach(), grad, m, v, torch.tensor(steps, dtype=torch.float64, device=self.device),
                    torch.tensor(lrs, dtype=torch.float64, device=self.device), betas)
        for name, value in ((net, param), (f"m_{net}", m), (f"v_{net}", v)):
            self._put(name, index, value)

    def _record(self, numbers: dict, bad: torch.Tensor, slots: list[int], **values: torch.Tensor) -> None:
        index = torch.tensor(slots, device=self.device)
        for name, value in values.items():
            numbers[name].index_copy_(0, index, value)
            bad.index_copy_(0, index, bad.index_select(0, index) | ~torch.isfinite(value))

    # -- NaN / Inf ---------------------------------------------------------------------------------
    def _check(self, stepped: list[int], bad: torch.Tensor) -> tuple[str, ...]:
        """Restore and halt the runs that went NaN/Inf; refresh the last-good copies that are due."""
        bad_slots = bad.nonzero().flatten().tolist()  # <- the sync point
        for slot in bad_slots:
            run = self._runs[slot]
            self.halted[run.run_id] = went_bad("the numbers", run.step, run.good[0])
            run.step, run.adam_steps_g, run.adam_steps_d = run.good
        if bad_slots:
            self.rows.copy_rows_from(self.good, torch.tensor(bad_slots, device=self.device))
        due = [s for s in stepped if s not in bad_slots and self._runs[s].step - self._runs[s].good[0] >= GOOD_EVERY]
        if due:
            self.good.copy_rows_from(self.rows, torch.tensor(due, device=self.device))
            for s in due:
                r = self._runs[s]
                r.good = (r.step, r.adam_steps_g, r.adam_steps_d)
        return tuple(self._runs[s].run_id for s in bad_slots)
