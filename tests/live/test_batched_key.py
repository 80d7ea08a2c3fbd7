"""Batchability by construction (live/classroom/batched/key.py): every RunConfig field is declared, and each
declaration holds: a key field changes the group key, a per-run or ignored field does not, and a field
the group cannot do makes the run unbatchable. A field added to gan_core.config fails here until
someone decides what a batched group does with it."""

from __future__ import annotations

import dataclasses

import pytest

from gan_core.config import ConfigError, RunConfig
from gan_core.presets import get_preset
from live.classroom.batched.key import IGNORED, IN_THE_KEY, NOT_BATCHED, PER_RUN, group_key, why_not_batched

BASE = get_preset("ring8", train={"device": "cpu"})


def every_field() -> set[str]:
    cfg = RunConfig()
    return {f"{section.name}.{f.name}" for section in dataclasses.fields(cfg)
            for f in dataclasses.fields(getattr(cfg, section.name))}


# another valid value of each field, on top of BASE (ring8: MLP 2 x 32, pack 2, batch 128, nonsaturating)
OTHER = {
    "data.name": ("spiral",), "data.n_points": (3000,), "data.points": None, "data.path": ("/nowhere",),
    "data.image_size": (28,), "data.channels": (3,), "data.n_images": (16,),
    "model.arch": ("dcgan",), "model.nz": (8,), "model.noise": ("uniform",), "model.hidden": (64,),
    "model.depth": (3,), "model.activation": ("tanh",), "model.ngf": (16,), "model.ndf": (16,),
    "model.init": ("xavier",), "model.conditional": (True,), "model.spectral_norm": (True,),
    "model.minibatch_std": (True,), "model.pack": (4,),
    "loss.objective": ("lsgan",), "loss.gp_weight": (5.0,), "loss.clip_value": (0.05,), "loss.r1_gamma": (1.0,),
    "loss.label_smoothing": (0.1,), "loss.instance_noise": (0.1,), "loss.instance_noise_steps": (500,),
    "loss.instance_noise_start": (10,), "loss.feature_matching": (True,),
    "train.batch_size": (256,), "train.lr_g": (3e-4,), "train.lr_d": (3e-4,), "train.betas_g": ((0.0, 0.9),),
    "train.betas_d": ((0.0, 0.9),), "train.optimizer": ("sgd",), "train.d_steps": (2,), "train.g_steps": (2,),
    "train.unrolled_steps": (3,), "train.grad_clip": (1.0,), "train.ema": (0.0,), "train.steps": (100,),
    "train.seed": (7,), "train.log_every": (5,), "train.device": ("auto",), "train.fused_adam": (True,),
    "train.channels_last": (True,), "train.amp_bf16": (True,), "train.compile": ("default",),
}


def changed(path: str) -> RunConfig | None:
    """BASE with `path` at another value, or None when no config of 2D points can have one (refused)."""
    try:
        return _changed(path)
    except ConfigError:
        return None


def _changed(path: str) -> RunConfig:
    section, name = path.split(".")
    if path == "data.points":
        return BASE.replace(data={"name": "points", "points": ((0.0, 0.0), (1.0, 1.0), (0.5, -0.5))})
    value = OTHER[path][0]
    if getattr(getattr(BASE, section), name) == value:  # (already the base's: a test of nothing)
        pytest.fail(f"OTHER[{path!r}] is the base config's own value")
    if path == "model.arch":
        return BASE.replace(data={"name": "digits"}, model={"arch": "dcgan"})
    return BASE.replace(**{section: {name: value}})


def test_every_field_is_declared_exactly_once():
    declared = [IN_THE_KEY, PER_RUN, NOT_BATCHED, set(IGNORED)]
    fields = every_field()
    missing = fields - set().union(*declared)
    assert not missing, f"declare what a batched group does with {sorted(missing)} in live/classroom/batched/key.py"
    assert sum(len(d) for d in declared) == len(set().union(*declared)), "a field is declared twice"
    assert set().union(*declared) <= fields, "a declared field no longer exists"
    assert set(OTHER) == fields


@pytest.mark.parametrize("path", sorted(IN_THE_KEY))
def test_a_key_field_changes_the_group(path):
    cfg = changed(path)
    assert cfg is not None and group_key(cfg) is not None and group_key(cfg) != group_key(BASE)


@pytest.mark.parametrize("path", sorted(PER_RUN | set(IGNORED)))
def test_a_per_run_or_ignored_field_keeps_the_group(path):
    cfg = changed(path)
    if cfg is None:  # (an ignored field the config refuses on 2D points: it never reaches a group)
        assert path in IGNORED
        return
    assert group_key(cfg) == group_key(BASE)


@pytest.mark.parametrize("path", sorted(NOT_BATCHED))
def test_a_field_the_group_cannot_do_makes_the_run_unbatchable(path):
    cfg = changed(path)
    assert cfg is None or (group_key(cfg) is None and why_not_batched(cfg))  # (None: refused on 2D points)
