"""Checkpoints: an exact round trip, and every kind of bad file refused with CheckpointError, never unpickled."""

import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from gan_core import checkpoint as ckpt
from gan_core.checkpoint import CheckpointError
from gan_core.gan import build_gan
from gan_core.train import train_step

from conftest import tiny_cfg

pytestmark = pytest.mark.usefixtures("one_thread")


def refuse_pickle(*args, **kwargs):
    raise AssertionError("a checkpoint was unpickled")


def load(path):
    """ckpt.load with every way into pickle shut (torch.load is pickle underneath): loading must not need it."""
    with pytest.MonkeyPatch.context() as mp:
        for module, name in ((torch, "load"), (pickle, "load"), (pickle, "loads"), (pickle, "Unpickler")):
            mp.setattr(module, name, refuse_pickle)
        return ckpt.load(path)


def trained(cfg, steps=3):
    gan = build_gan(cfg, "cpu")
    for _ in range(steps):
        train_step(gan)
    return gan


@pytest.fixture(scope="module")
def digits_gan():
    return trained(tiny_cfg("digits"))


@pytest.fixture
def saved(tmp_path, digits_gan):
    return ckpt.save(digits_gan, tmp_path / "run")


def outputs(G, nz, num_classes=0, n=8):
    z = torch.randn(n, nz, generator=torch.Generator().manual_seed(0))
    y = torch.arange(n) % num_classes if num_classes else None
    G.eval()
    with torch.no_grad():
        return G(z, y)


# --- round trip ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dataset,model,train", [
    ("digits", {}, {}),
    ("digits", {"conditional": True, "spectral_norm": True, "minibatch_std": True, "pack": 2}, {"ema": 0.9}),
    ("ring8", {"pack": 4}, {}),
])
def test_round_trip_gives_identical_outputs(tmp_path, dataset, model, train):
    gan = trained(tiny_cfg(dataset, model=model, train=train))
    gan.set_lr(lr_g=3e-4)  # a live change: the checkpoint records the lr in use
    path = ckpt.save(gan, tmp_path / "run", metrics={"fd": 1.5})
    assert path.suffix == ".safetensors" and path.with_suffix(".json").is_file()
    c = load(path)
    nc = gan.num_classes
    assert torch.equal(outputs(gan.G_eval, gan.cfg.model.nz, nc), outputs(c.G, c.cfg.model.nz, c.num_classes))
    x = outputs(gan.G_eval, gan.cfg.model.nz, nc)
    y = torch.arange(8) % nc if nc else None
    gan.D.eval()
    with torch.no_grad():
        assert torch.equal(gan.D(x, y), c.D(x, y))
    assert c.cfg == gan.current_config() and c.cfg.train.lr_g == 3e-4
    assert c.meta["step"] == 3 and c.meta["metrics"] == {"fd": 1.5} and c.meta["kind"] == "gan"
    assert c.data_shape == tuple(gan.data.x.shape[1:]) and c.name == "run"
    assert not c.G.training and not c.D.training


def test_ema_generator_is_what_gets_saved(tmp_path):
    gan = trained(tiny_cfg("digits", train={"ema": 0.5}))
    c = load(ckpt.save(gan, tmp_path / "ema"))
    assert torch.equal(outputs(c.G, 8), outputs(gan.G_ema, 8))
    assert not torch.equal(outputs(c.G, 8), outputs(gan.G, 8))


def test_without_discriminator(tmp_path, digits_gan):
    c = load(ckpt.save(digits_gan, tmp_path / "g_only", include_d=False))
    assert c.D is None and c.meta["has_discriminator"] is False


@pytest.mark.parametrize("given", ["run", "run.safetensors", "run.json"])
def test_any_of_the_three_names_finds_the_checkpoint(saved, given):
    assert load(saved.parent / given).meta["step"] == 3


def test_an_uploaded_file_with_any_name(tmp_path, saved):
    upload = tmp_path / "tmpa8f3k2"  # Gradio's temp names: no suffix, no sidecar
    upload.write_bytes(saved.read_bytes())
    assert load(upload).meta["step"] == 3


def test_sidecar_json_matches_the_header(saved):
    assert json.loads(saved.with_suffix(".json").read_text()) == ckpt.read_meta(saved)


def test_list_checkpoints_skips_foreign_and_classifier_files(tmp_path, digits_gan):
    ckpt.save(digits_gan, tmp_path / "b_run")
    ckpt.save(digits_gan, tmp_path / "a_clf", extra={"kind": "classifier"})
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 50)
    save_file({"w": torch.zeros(2)}, str(tmp_path / "plain.safetensors"))
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["b_run.safetensors"]


# --- bad files ------------------------------------------------------------------------------------

def refused(path, match):
    with pytest.raises(CheckpointError, match=match):
        load(path)


@pytest.mark.parametrize("keep", [0.5, 0.9, 20, 4, 0])
def test_truncated_file(saved, keep):
    raw = saved.read_bytes()
    n = int(len(raw) * keep) if isinstance(keep, float) else keep
    saved.write_bytes(raw[:n])
    refused(saved, "truncated")


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.safetensors"
    p.write_bytes(torch.randint(0, 256, (4096,), generator=torch.Generator().manual_seed(0),
                                dtype=torch.uint8).numpy().tobytes())
    refused(p, "not a readable safetensors file")


def test_a_pickle_is_refused_not_loaded(tmp_path, digits_gan):
    """A torch.save file (a zip of pickles) named like a checkpoint."""
    p = tmp_path / "model.safetensors"
    torch.save({"G": digits_gan.G.state_dict()}, p)
    refused(p, "not a readable safetensors file")


def test_plain_safetensors_without_our_metadata(tmp_path, digits_gan):
    p = tmp_path / "plain.safetensors"
    save_file({f"G.{k}": v.contiguous() for k, v in digits_gan.G.state_dict().items()}, str(p))
    refused(p, "not a GAN Classroom checkpoint")


def test_json_file(tmp_path, saved):
    p = tmp_path / "config.safetensors"
    p.write_text(json.dumps(ckpt.read_meta(saved)))
    refused(p, "not a readable safetensors file")


def rewrite(path, meta, tensors=None, cfg=None):
    """Re-save a checkpoint's tensors under tampered metadata."""
    from safetensors.torch import load_file

    tensors = tensors if tensors is not None else load_file(str(path))
    if cfg is not None:
        meta = {**meta, "config": cfg.to_dict()}
    save_file(tensors, str(path), metadata={"gan_classroom": json.dumps(meta) if not isinstance(meta, str) else meta})


@pytest.mark.parametrize("header", ["not json", "[1, 2]", '"a string"', "null", json.dumps({"format": "other"}),
                                    json.dumps({"format": "gan-classroom-checkpoint", "format_version": 99})])
def test_foreign_or_future_metadata(saved, header):
    rewrite(saved, header)
    refused(saved, "GAN Classroom checkpoint|format")


@pytest.mark.parametrize("change,match", [
    ({"ngf": 16}, "has shape"),  # same layers, other widths
    ({"nz": 4}, "has shape"),
    ({"minibatch_std": True}, "has shape"),
    ({"spectral_norm": True}, "do not match its config"),  # other parameter names
    ({"conditional": True}, "has shape"),
])
def test_weights_of_one_config_under_another_configs_metadata(saved, digits_gan, change, match):
    meta = ckpt.read_meta(saved)
    other = digits_gan.cfg.replace(model=change)
    rewrite(saved, {**meta, "num_classes": 10}, cfg=other)
    refused(saved, match)


def test_image_size_tampered_in_data_shape(saved):
    meta = ckpt.read_meta(saved)
    rewrite(saved, {**meta, "data_shape": [1, 16, 16]})
    refused(saved, "invalid data shape .* does not fit")


@pytest.mark.parametrize("data_shape", ["abc", [1, "x", 8], 7])
def test_garbage_data_shape(saved, data_shape):
    rewrite(saved, {**ckpt.read_meta(saved), "data_shape": data_shape})
    refused(saved, "invalid")


def test_a_weight_removed(saved):
    from safetensors.torch import load_file

    tensors = load_file(str(saved))
    del tensors["G.net.0.weight"]
    rewrite(saved, ckpt.read_meta(saved), tensors)
    refused(saved, r"G's weights do not match its config \(missing \['net.0.weight'\]")


@pytest.mark.parametrize("config", [{"model": {"ngf": 3}}, {"model": {"colour": 1}}, "ring8", None])
def test_invalid_config_in_metadata(saved, config):
    rewrite(saved, {**ckpt.read_meta(saved), "config": config})
    refused(saved, "invalid config")


def test_classifier_checkpoint_given_to_load(tmp_path, digits_gan):
    p = ckpt.save(digits_gan, tmp_path / "clf", extra={"kind": "classifier"})
    refused(p, "is a classifier checkpoint, not a GAN")


def test_missing_file(tmp_path):
    refused(tmp_path / "nothing_here", "no checkpoint file")


def test_oversized_file_is_refused_before_reading(saved, monkeypatch):
    monkeypatch.setattr(ckpt, "MAX_BYTES", 100)
    refused(saved, "larger than")


@pytest.mark.parametrize("conditional, classes", [(False, 0), (True, 10)])
def test_a_loaded_source_counts_only_the_classes_g_is_conditioned_on(tmp_path, conditional, classes):
    """The file records the dataset's 10 classes either way; a Source of an unconditional G has none
    (so no class picker, no labels fed to G or D), exactly like a live run's Source."""
    from gan_core import frozen
    from gan_core.presets import get_preset

    gan = build_gan(get_preset("digits", model={"conditional": conditional}), "cpu")
    path = ckpt.save(gan, tmp_path / "digits")
    assert ckpt.read_meta(path)["num_classes"] == 10
    assert frozen.from_checkpoint(path).num_classes == classes == frozen.from_gan(gan, "live").num_classes
