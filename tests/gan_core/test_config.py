"""Config validation: every impossible setting is a ConfigError whose message names the field to change."""

import dataclasses
import json

import pytest

from gan_core.config import ConfigError, DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from gan_core.presets import get_preset, preset_names


def digits(**sections) -> dict:
    """A valid image config as a nested dict, with some sections' values overridden."""
    base = {"data": {"name": "digits"}, "model": {"arch": "dcgan"}, "train": {"batch_size": 64}}
    for name, values in sections.items():
        base[name] = {**base.get(name, {}), **values}
    return base


@pytest.mark.parametrize("d,field", [
    (digits(data={"image_size": 16}), "data.image_size"),
    (digits(data={"image_size": -8}), "data.image_size"),
    (digits(data={"channels": 2}), "data.channels"),
    (digits(data={"name": "imagenet"}), "data.name"),
    ({"data": {"name": "folder"}, "model": {"arch": "dcgan"}}, "data.path"),
    ({"data": {"name": "ring8", "n_points": 10}}, "data.n_points"),
    (digits(train={"lr_g": -1e-4}), "train.lr_g"),
    (digits(train={"lr_d": 0.0}), "train.lr_d"),
    (digits(train={"lr_d": 3.0}), "train.lr_d"),
    (digits(train={"lr_g": float("nan")}), "train.lr_g"),
    (digits(train={"batch_size": 0}), "train.batch_size"),
    (digits(train={"betas_d": [0.5, 1.0]}), "train.betas_d"),
    (digits(train={"betas_g": [0.5]}), "train.betas_g"),
    (digits(train={"optimizer": "rmsprop"}), "train.optimizer"),
    (digits(train={"d_steps": 0}), "train.d_steps"),
    (digits(train={"g_steps": 11}), "train.g_steps"),
    (digits(train={"ema": 1.0}), "train.ema"),
    (digits(train={"grad_clip": -1}), "train.grad_clip"),
    (digits(train={"device": "tpu"}), "train.device"),
    (digits(train={"unrolled_steps": 3}), "unrolled"),
    (digits(model={"pack": 3}), "pack size 3 must divide the batch size 64"),
    (digits(model={"pack": 9}), "model.pack"),
    (digits(model={"nz": 0}), "model.nz"),
    (digits(model={"ngf": 2}), "model.ngf"),
    (digits(model={"arch": "transformer"}), "model.arch"),
    (digits(model={"arch": "mlp"}), "needs model.arch='dcgan'"),
    ({"data": {"name": "ring8"}, "model": {"arch": "dcgan"}}, "needs model.arch='mlp'"),
    ({"data": {"name": "ring8"}, "model": {"conditional": True}}, "conditional GAN needs class labels"),
    ({"data": {"name": "folder", "path": "x"}, "model": {"arch": "dcgan", "conditional": True}}, "an image folder"),
    (digits(loss={"objective": "energy"}), "loss.objective"),
    (digits(loss={"objective": "wgan", "label_smoothing": 0.1}), "label smoothing only applies"),
    (digits(loss={"label_smoothing": 0.5}), "loss.label_smoothing"),
    (digits(loss={"gp_weight": -1}), "loss.gp_weight"),
    (digits(loss={"r1_gamma": -1}), "loss.r1_gamma"),
    (digits(loss={"clip_value": 0}), "loss.clip_value"),
    (digits(loss={"instance_noise_steps": 0}), "loss.instance_noise_steps"),
])
def test_invalid_settings_name_the_field(d, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.").replace("(", r"\(")):
        RunConfig.from_dict(d)


@pytest.mark.parametrize("d,named", [
    ({"data": {"name": "ring8", "colour": 1}}, "unknown data setting(s): colour"),
    ({"train": {"lr": 1e-3, "epochs": 3}}, "unknown train setting(s): epochs, lr"),
    ({"optim": {}}, "unknown config section(s): optim"),
])
def test_from_dict_unknown_keys_are_errors(d, named):
    with pytest.raises(ConfigError) as e:
        RunConfig.from_dict(d)
    assert named in str(e.value)


@pytest.mark.parametrize("d", [{"train": {"lr_g": "fast"}}, {"model": {"hidden": None}}, [1, 2], "ring8"])
def test_from_dict_wrong_types_are_config_errors(d):
    with pytest.raises(ConfigError):
        RunConfig.from_dict(d)


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown preset 'ring9'; choose one of .*ring8"):
        get_preset("ring9")


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_is_a_valid_config(name):
    cfg = get_preset(name, train={"seed": 7})
    assert cfg.train.seed == 7
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


def test_defaults_are_a_2d_run():
    cfg = RunConfig()
    assert cfg.data.is_points and cfg.model.arch == "mlp"
    assert RunConfig.from_dict({}) == cfg


def test_json_round_trip():
    cfg = RunConfig.from_dict(digits(model={"conditional": True, "pack": 2}, train={"betas_g": (0.0, 0.9)}))
    back = RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))  # tuples come back as lists
    assert back == cfg and back.train.betas_g == (0.0, 0.9)


def test_replace():
    cfg = RunConfig()
    new = cfg.replace(train={"lr_d": 1e-3}, loss={"objective": "hinge"})
    assert new.train.lr_d == 1e-3 and new.loss.objective == "hinge" and cfg.train.lr_d == 2e-4
    with pytest.raises(ConfigError, match="train.lr_d"):
        cfg.replace(train={"lr_d": -1})
    with pytest.raises(ConfigError, match="unknown config section"):
        cfg.replace(optim={"lr": 1})


def test_configs_are_frozen():
    cfg = RunConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.train.lr_g = 1.0


@pytest.mark.parametrize("klass", [DataConfig, ModelConfig, LossConfig, TrainConfig])
def test_every_field_has_a_default(klass):
    klass()  # the sections build on their own: from_dict can take any subset


@pytest.mark.parametrize("section, field, value, words", [
    ("train", "batch_size", 64.0, "train.batch_size must be a whole number; got 64.0 (float)"),
    ("train", "steps", True, "train.steps must be a whole number; got True (bool)"),
    ("train", "lr_d", "1e-3", "train.lr_d must be a number; got '1e-3' (str)"),
    ("model", "spectral_norm", 1, "model.spectral_norm must be true or false; got 1 (int)"),
    ("data", "name", 3, "data.name must be text; got 3 (int)"),
])
def test_wrong_scalar_types_are_refused_by_name(section, field, value, words):
    with pytest.raises(ConfigError) as e:
        RunConfig.from_dict({section: {field: value}})
    assert str(e.value) == words


def test_a_whole_number_is_a_fine_learning_rate():
    assert RunConfig.from_dict({"train": {"lr_g": 1}}).train.lr_g == 1
