"""What one step of a 2D MLP run costs the class process, in units of the default preset's step.

    step_cost(get_preset("ring8"))   # 1.0 by definition
    step_cost(get_preset("grid25"))  # ~2.8: 3 x 128 at batch 512 (measured: 3.8)
    too_costly(cfg)                  # None, or the sentence a student reads

A step is `passes` passes of forward + backward through G and D (d_steps D updates, each of the k
unrolled look-ahead D updates, g_steps G updates), and each pass costs a fixed overhead (Python and
small kernel launches: it dominates the tiny default nets) plus a part that grows with the work,
batch x multiply-adds of G and D per sample:

    ms(cfg) ~= passes x (PASS_OVERHEAD + batch x macs / MACS_PER_OVERHEAD)        (relative units)

MACS_PER_OVERHEAD (how many sample-MACs cost as much as one pass's overhead) was fitted on a 2-core
VM from one run's batched step: ring8 1.7 ms, ring8 with 10 D steps 9.9 ms, grid25 6.3 ms,
3 x 256 at batch 512 15.9 ms, 8 x 256 at batch 1024 with 10 D steps and nz 128 604 ms
(`python -m benchmarks.hostile --costs` measures them again next to this model).

A run whose cost is over CLASS_COST_CEILING does not join the class process: one step of it would
hold the class's single loop for longer than a whole class step of thirty default runs. It trains
alone, in a process of its own, under the fair queue of training slots (live/serving/sessions.py).
"""

from __future__ import annotations

from gan_core.config import RunConfig

MACS_PER_OVERHEAD = 14e6  # batch x MACs per sample that cost as much as one pass's fixed overhead
CLASS_COST_CEILING = 8.0  # the costliest step the class process takes, in default-preset steps


def _mlp_macs(widths: list[int]) -> int:
    """Multiply-adds of one sample through an MLP with these layer widths."""
    return sum(a * b for a, b in zip(widths, widths[1:]))


def _macs_per_sample(cfg: RunConfig) -> float:
    """G's and D's multiply-adds per sample (D sees `pack` samples at once: per sample, its first layer)."""
    m = cfg.model
    hidden = [m.hidden] * m.depth
    g = _mlp_macs([m.nz, *hidden, 2])
    d = _mlp_macs([2 * m.pack, *hidden, 1]) / m.pack
    return g + d


def _passes(cfg: RunConfig) -> int:
    """Forward + backward passes in one step: each D update (and unrolled look-ahead) and each G update."""
    t = cfg.train
    return t.d_steps + t.unrolled_steps + t.g_steps


def _raw(cfg: RunConfig) -> float:
    return _passes(cfg) * (1.0 + cfg.train.batch_size * _macs_per_sample(cfg) / MACS_PER_OVERHEAD)


_UNIT = None


def step_cost(cfg: RunConfig) -> float:
    """This run's step in units of the default preset's (ring8) step."""
    global _UNIT
    if _UNIT is None:
        from gan_core.presets import get_preset  # (late: presets import the whole config space)

        _UNIT = _raw(get_preset("ring8"))
    return _raw(cfg) / _UNIT


def too_costly(cfg: RunConfig, ceiling: float = CLASS_COST_CEILING) -> str | None:
    """None when the class process may take this run, else why not, in words a student reads."""
    cost = step_cost(cfg)
    if cost <= ceiling:
        return None
    return (f"one step of these settings costs about {cost:.0f} times a default run's step (the class trains "
            f"runs up to {ceiling:.0f} times)")
