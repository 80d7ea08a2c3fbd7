"""The batched field (live/classroom/batched/field.py) is compute_field's, run by run, for every kind of group."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.data import load_dataset
from gan_core.noise import sample_z
from gan_core.pictures.field import compute_field
from live.classroom.batched import BatchedGroup
from live.classroom.batched.field import copy_rows, fields
from live.classroom.class_run import RunView

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("extra", [{}, {"loss": {"objective": "lsgan"}}, {"loss": {"objective": "hinge"}},
                                   {"model": {"pack": 2}}, {"model": {"minibatch_std": True}},
                                   {"train": {"ema": 0.99}}, {"model": {"noise": "uniform", "nz": 1}}])
def test_each_runs_field_is_compute_fields(extra):
    cfgs = [tiny_cfg(loss=extra.get("loss"), model=extra.get("model"), train={"seed": s, **extra.get("train", {})})
            for s in (0, 1, 2)]
    group = BatchedGroup.for_config(cfgs[0])
    data = [load_dataset(c.data, "cpu", seed=c.train.seed) for c in cfgs]
    for i, c in enumerate(cfgs):
        group.add(f"r{i}", c)
    for _ in range(5):  # trained a little, and differently: the runs' rows differ
        group.step({"r0", "r1", "r2"})
    zs = [sample_z(64, c.model.nz, c.model.noise, torch.Generator().manual_seed(c.train.seed + 1)) for c in cfgs]
    ids = ["r2", "r0"]  # some of the group's runs, in any order
    got = fields(group, copy_rows(group, ids), [zs[2], zs[0]], [data[2], data[0]])
    for rid, field in zip(ids, got):
        i = int(rid[1])
        e = group.export(rid)
        want = compute_field(RunView(G=e.G, D=e.D, G_ema=e.G_ema, data=data[i], cfg=e.cfg, step=e.step), zs[i])
        assert field["bounds"] == pytest.approx(want["bounds"]) and field["probability"] == want["probability"]
        for name in ("real", "fake", "fake_d", "arrows", "heat", "manifold", "centers"):
            a, b = field[name], want[name]
            assert (a is None) == (b is None), name
            if a is not None:
                assert a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-5), name
