"""What else goes wrong (issue #27): each phenomenon's preset and its cure's are valid, one change apart,
train through the CLI, and every claim of docs/PHENOMENA.md rests on the 5 seeds of
docs/phenomena_results.jsonl (scripts/phenomena_experiment.py); the measures against their formulas.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.config import ConfigError, RunConfig
from gan_core.evaluation import phenomena as measures
from gan_core.presets import PHENOMENA, get_preset, preset_names

ROOT = Path(__file__).resolve().parents[2]


def _experiment():
    spec = importlib.util.spec_from_file_location("phenomena_experiment", ROOT / "scripts" / "phenomena_experiment.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclass looks its module up there)
    spec.loader.exec_module(module)
    return module


experiment = _experiment()
PAIRS = [experiment.preset_pair(p) for p in PHENOMENA]
ALL = [name for pair in PAIRS for name in pair]


# -- the presets ------------------------------------------------------------------------------------------

def test_at_least_five_phenomena_each_with_its_cure_and_a_claim():
    assert len(PHENOMENA) >= 5 and set(experiment.CLAIMS) == set(PHENOMENA)
    names = preset_names()
    for shows, cured in PAIRS:
        assert names.index(cured) == names.index(shows) + 1  # listed side by side


@pytest.mark.parametrize("shows, cured", PAIRS, ids=list(PHENOMENA))
def test_the_cure_is_the_phenomenon_with_only_the_cure_changed(shows, cured):
    base, fixed = get_preset(shows).to_dict(), get_preset(cured).to_dict()
    overrides = PHENOMENA[shows][4]
    changed = {(section, key) for section in base for key in base[section] if base[section][key] != fixed[section][key]}
    assert changed == {(section, key) for section, values in overrides.items() for key in values}


@pytest.mark.parametrize("name", ALL)
def test_each_preset_trains_a_few_steps_through_the_cli(name, tmp_path):
    from gan_core.__main__ import main
    assert main(["train", "--preset", name, "--steps", "5", "--device", "cpu", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / f"{name}.safetensors").exists()


@pytest.mark.parametrize("name", ALL)
def test_the_train_tab_can_show_each_preset(name):
    from ui.train.layout import EMA_DECAYS
    from ui.train.settings import config_from_values, values_from_config
    cfg = get_preset(name)
    assert cfg.train.ema in EMA_DECAYS and 1 <= cfg.train.d_steps <= 10
    assert config_from_values(values_from_config(cfg), name) == cfg


def test_a_small_training_set_is_for_images_only_and_no_larger_than_the_set():
    from gan_core.data import load_dataset
    from gan_core.errors import DatasetError
    assert len(load_dataset(get_preset("memorise").data)) == get_preset("memorise").data.n_images
    with pytest.raises(ConfigError, match="image sets only"):
        get_preset("ring8", data={"n_images": 16})
    with pytest.raises(ConfigError, match="at least 8"):
        get_preset("digits", data={"n_images": 4})
    with pytest.raises(DatasetError, match="only 1,797"):
        load_dataset(get_preset("digits", data={"n_images": 5000}).data)


# -- the committed results --------------------------------------------------------------------------------

ROWS = experiment.load_rows(experiment.RESULTS)


@pytest.mark.parametrize("phenomenon", list(PHENOMENA))
def test_the_committed_results_back_the_phenomenon_and_its_cure(phenomenon):
    """Each preset's 5 seeds are in the results, run with exactly the preset's config, and the claim holds
    in at least 4 of them: the phenomenon in its preset, its absence in the cure's."""
    claim = experiment.CLAIMS[phenomenon]
    for preset, test in zip(experiment.preset_pair(phenomenon), (claim.phenomenon, claim.cure)):
        k, runs = experiment.holds(ROWS, preset, test, claim.measure)
        assert [r["seed"] for r in runs] == list(experiment.SEEDS), f"run scripts/phenomena_experiment.py ({preset})"
        for r in runs:
            assert RunConfig.from_dict(r["run_config"]) == get_preset(preset, train={"seed": r["seed"],
                                                                                     "device": "cpu"})
        assert k >= experiment.HOLDS_IN, f"{preset}: {claim.measure} {test} in only {k} of 5 seeds"


def test_the_doc_shows_the_table_of_the_committed_results():
    text = (ROOT / "docs" / "PHENOMENA.md").read_text()
    assert experiment.table(ROWS) in text, "run PYTHONPATH=. python scripts/phenomena_experiment.py --doc"
    assert "PHENOMENA.md" in (ROOT / "README.md").read_text()


# -- the measures, against their formulas ----------------------------------------------------------------

def test_value_range_is_max_minus_min():
    assert measures.value_range(np.array([[0.2, -1.0], [3.0, 0.0]])) == pytest.approx(4.0)


def test_linear_fit_r2_is_one_for_a_plane_and_small_for_a_bump():
    rows, cols = np.mgrid[0:30, 0:30].astype(float)
    assert measures.linear_fit_r2(0.3 + 0.01 * cols - 0.02 * rows) == pytest.approx(1.0)
    assert measures.linear_fit_r2(np.zeros((30, 30))) == 1.0
    bump = np.exp(-((rows - 14.5) ** 2 + (cols - 14.5) ** 2) / 20)  # symmetric: no plane explains any of it
    assert measures.linear_fit_r2(bump) == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(0)
    h = rng.normal(size=(30, 30)) + cols
    A = np.stack([np.ones(900), cols.ravel(), rows.ravel()], 1)
    fit = A @ np.linalg.lstsq(A, h.ravel(), rcond=None)[0]
    r2 = 1 - ((h.ravel() - fit) ** 2).sum() / ((h - h.mean()) ** 2).sum()
    assert measures.linear_fit_r2(h) == pytest.approx(r2)


def test_tail_mean_and_std_take_the_last_share():
    v = list(range(10))  # the last 30%: 7, 8, 9
    assert measures.tail_mean(v, 0.3) == pytest.approx(8.0)
    assert measures.tail_std(v, 0.3) == pytest.approx(np.std([7, 8, 9]))
    assert measures.tail_mean([5.0], 0.1) == 5.0  # at least one value
    with pytest.raises(ValueError):
        measures.tail_mean(v, 0.0)


def test_sample_drift_is_the_mean_distance_moved():
    a = torch.zeros(2, 2)
    b = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    assert measures.sample_drift(a, b) == pytest.approx(3.0)
    assert measures.sample_drift(torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        measures.sample_drift(a, torch.zeros(3, 2))


def test_memorisation_ratio_is_the_two_medians():
    assert measures.memorisation_ratio({"median_distance": 1.0, "real_median_distance": 4.0}) == 0.25


def test_truncation_scales_z_and_refuses_a_psi_outside_0_1():
    from gan_core.latent import truncate
    z = torch.randn(4, 3)
    assert torch.equal(truncate(z, 1.0), z) and torch.allclose(truncate(z, 0.5), z / 2)
    with pytest.raises(ValueError):
        truncate(z, 0.0)
    with pytest.raises(ValueError):
        truncate(z, 1.5)
