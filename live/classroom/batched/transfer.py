"""One run of a BatchedGroup as plain gan_core objects, and back.

- `export`: copies of the run's G, D (and EMA G) as MLPGenerator / MLPDiscriminator modules,
  for what works on one run's modules: the visuals, the field view, checkpoints.
- `adopt` / `release`: a run moves in or out mid-training with everything that decides its
  future (weights, EMA, Adam moments and step counts, step, random stream), e.g. when its
  student picks settings of another group, or ones that cannot be batched. It then trains on
  exactly as it would have where it was (tests/live/test_batched_group.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from gan_core.gan import GAN, build_gan
from live.classroom.batched.results import ExportedRun

if TYPE_CHECKING:
    from live.classroom.batched.group import BatchedGroup


@torch.no_grad()
def export(group: "BatchedGroup", run_id: str) -> ExportedRun:
    slot, run = group.slot(run_id), group.book(run_id)
    G, D = group.G.plain(), group.D.plain()
    group.G.load_row(group.rows["G"][slot].cpu(), G)
    group.D.load_row(group.rows["D"][slot].cpu(), D)
    G_ema = None
    if group.key.ema > 0:
        G_ema = group.G.plain().eval().requires_grad_(False)
        group.G.load_row(group.rows["G_ema"][slot].cpu(), G_ema)
    cfg = run.cfg.replace(train={"lr_g": run.lr_g, "lr_d": run.lr_d})
    return ExportedRun(G=G.to(group.device), D=D.to(group.device),
                       G_ema=G_ema.to(group.device) if G_ema is not None else None, step=run.step, cfg=cfg)


def adopt(group: "BatchedGroup", run_id: str, gan: GAN) -> int:
    """Add a gan_core run mid-training to `group`; returns its slot."""
    slot = group.add(run_id, gan.current_config())  # with its live lrs and d_steps
    run = group.book(run_id)
    run.gen.set_state(gan.gen.get_state())
    run.step = gan.step
    row = {"G": group.G.row_from(gan.G), "D": group.D.row_from(gan.D)}
    if gan.G_ema is not None:
        row["G_ema"] = group.G.row_from(gan.G_ema)
    adam_steps = {}
    for net, spec, module, opt in (("G", group.G, gan.G, gan.opt_g), ("D", group.D, gan.D, gan.opt_d)):
        linears = spec.linears(module)
        state = [opt.state.get(p, {}) for m in linears for p in (m.weight, m.bias)]
        steps = {int(s["step"]) for s in state if "step" in s}
        if len(steps) > 1:
            raise ValueError(f"{net}'s parameters have taken different numbers of Adam steps: {sorted(steps)}")
        adam_steps[net] = steps.pop() if steps else 0
        if adam_steps[net]:  # else the fresh row's zero moments are torch's too
            for moment, key in (("m", "exp_avg"), ("v", "exp_avg_sq")):
                row[f"{moment}_{net}"] = spec.layout.row_from([(opt.state[m.weight][key], opt.state[m.bias][key])
                                                              for m in linears])
    run.adam_steps_g, run.adam_steps_d = adam_steps["G"], adam_steps["D"]
    row = {name: value.to(group.device) for name, value in row.items()}
    group.rows.set_row(slot, row)
    group.good.set_row(slot, row)
    run.good = (run.step, run.adam_steps_g, run.adam_steps_d)
    return slot


def release(group: "BatchedGroup", run_id: str) -> GAN:
    """Take a run out of `group` as a gan_core GAN."""
    slot, run = group.slot(run_id), group.book(run_id)
    cfg = run.cfg.replace(train={"lr_g": run.lr_g, "lr_d": run.lr_d})
    with torch.random.fork_rng(devices=[]):  # build_gan seeds the global stream
        gan = build_gan(cfg, group.device)
    with torch.no_grad():
        group.G.load_row(group.rows["G"][slot], gan.G)
        group.D.load_row(group.rows["D"][slot], gan.D)
        if gan.G_ema is not None:
            group.G.load_row(group.rows["G_ema"][slot], gan.G_ema)
    for net, spec, module, opt, steps in (("G", group.G, gan.G, gan.opt_g, run.adam_steps_g),
                                          ("D", group.D, gan.D, gan.opt_d, run.adam_steps_d)):
        if steps == 0:
            continue  # torch's Adam has no state before its first step
        m, v = spec.layout.tensors(group.rows[f"m_{net}"][slot]), spec.layout.tensors(group.rows[f"v_{net}"][slot])
        for lin, (m_w, m_b), (v_w, v_b) in zip(spec.linears(module), m, v):
            for p, exp_avg, exp_avg_sq in ((lin.weight, m_w, v_w), (lin.bias, m_b, v_b)):
                opt.state[p] = {"step": torch.tensor(float(steps)), "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    gan.step = run.step
    gan.gen.set_state(run.gen.get_state())
    group.remove(run_id)
    return gan
