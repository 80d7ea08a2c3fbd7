"""The theory tab's handlers called directly (no browser): every control gives pictures and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from gan_core.theory.dirac import OBJECTIVES
from ui.theory import dirac as td
from ui.theory import tab as theory_tab


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_draws_and_says_what_to_see(objective):
    field, frame, distance, numbers = theory_tab._dirac(objective, 0.2, 100, 1.0, 0.5, 1.0, 1.0)
    assert field.ndim == 3 and field.shape[2] == 3 and field.dtype == np.uint8
    assert distance.ndim == 3 and field.std() > 0
    assert td.WHAT_TO_SEE[objective] in numbers and "simultaneous" in numbers and "alternating" in numbers
    assert ("no Jacobian" in numbers or "none" in numbers) == (objective == "wgan-gp")


def test_a_click_maps_to_theta_psi_through_the_frame():
    _, frame, _, _ = theory_tab._dirac("gan-r1", 0.2, 50, 1.0, 0.5, 1.0, 1.0)  # converges: the view is [-2, 2]^2
    (x0, x1), (y_bottom, y_top) = frame["x"], frame["y"]
    assert frame["span"] == 2.0
    assert td.pixel_to_point(frame, x0, y_bottom) == (-2.0, -2.0)
    assert td.pixel_to_point(frame, x1, y_top) == (2.0, 2.0)
    assert td.pixel_to_point(frame, (x0 + x1) / 2, (y_bottom + y_top) / 2) == pytest.approx((0.0, 0.0), abs=0.01)
    assert td.pixel_to_point(frame, x0 - 5, y_top) is None  # left of the axes
    wide = {**frame, "span": 8.0}
    assert td.pixel_to_point(wide, x1, y_top) == (td.START_LIMIT, td.START_LIMIT)  # kept within the sliders


def test_a_spiralling_run_widens_the_view():
    _, frame, _, _ = theory_tab._dirac("gan", 0.2, 500, 1.0, 0.5, 1.0, 1.0)
    assert 3.0 < frame["span"] <= td.MAX_SPAN


@pytest.mark.parametrize("mean,std,shape,phrase", [(4.5, 0.5, "gaussian", "sits at log 2"),
                                                   (0.0, 0.5, "gaussian", "G matches p_data"),
                                                   (0.0, 1.2, "uniform", "one support holds the other"),
                                                   (1.0, 0.5, "gaussian", "They overlap")])
def test_divergence_section_says_what_to_see(mean, std, shape, phrase):
    densities, curves, numbers = theory_tab._divergence(shape, mean, std)
    assert densities.shape[2] == curves.shape[2] == 3
    assert phrase in numbers


@pytest.mark.parametrize("d,phrase", [(0.01, "confidently rejects"), (0.3, "D still wins"), (0.8, "D is fooled")])
def test_g_loss_section_says_what_to_see(d, phrase):
    loss, grad, numbers = theory_tab._g_loss(d)
    assert loss.shape[2] == grad.shape[2] == 3 and phrase in numbers
