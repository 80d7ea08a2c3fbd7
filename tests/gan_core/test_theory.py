"""The theory tab's mathematics (gan_core/theory) against closed forms, and the `dirac` CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate

from gan_core.config import ConfigError
from gan_core.theory import dirac, g_losses
from gan_core.theory.divergence import (
    LOG2,
    LOG4,
    Dist1D,
    cell_masses,
    divergences,
    grid_for,
    jsd,
    optimal_d,
    slope,
    sweep_mean,
    value,
    value_at_optimal_d,
    w1,
)

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
DATA = Dist1D("gaussian", 0.0, 1.0)


# -- the optimal D, JSD, V(D*, G), W1 -------------------------------------------------------------

@pytest.mark.parametrize("shape", ["gaussian", "uniform"])
def test_jsd_of_identical_distributions_is_zero(shape):
    p = Dist1D(shape, 0.3, 0.7)
    assert divergences(p, p).jsd == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("gap", [0.1, 1.0, 5.0])
def test_jsd_of_disjoint_uniforms_is_log2_whatever_the_gap_while_w1_grows(gap):
    p = Dist1D("uniform", 0.0, 1.0 / math.sqrt(3))  # support [-1, 1]
    q = Dist1D("uniform", 2.0 + gap, 1.0 / math.sqrt(3))  # support [1 + gap, 3 + gap]
    out = divergences(p, q)
    assert out.jsd == pytest.approx(LOG2, abs=1e-12)
    assert out.value == pytest.approx(0.0, abs=1e-12)  # -log 4 + 2 log 2: D* is 1 on p, 0 on q
    assert out.w1 == pytest.approx(2.0 + gap, rel=1e-6)  # equal widths: the shift


def test_jsd_slope_is_zero_for_disjoint_supports_and_w1_slope_is_one():
    p = Dist1D("uniform", 0.0, 0.5)
    js = lambda m: divergences(p, Dist1D("uniform", m, 0.5)).jsd  # noqa: E731
    w = lambda m: divergences(p, Dist1D("uniform", m, 0.5)).w1  # noqa: E731
    assert slope(js, 4.0) == pytest.approx(0.0, abs=1e-9)
    assert slope(w, 4.0) == pytest.approx(1.0, rel=1e-4)
    assert slope(js, 0.5) > 0.1  # overlapping: the JSD does move with G


def _jsd_quad(p: Dist1D, q: Dist1D) -> float:
    """The continuous JSD by adaptive quadrature of the densities (an independent computation)."""
    def integrand(x):
        a, b = float(p.pdf(x)), float(q.pdf(x))
        m = 0.5 * (a + b)
        return 0.5 * ((a * math.log(a / m) if a > 0 else 0.0) + (b * math.log(b / m) if b > 0 else 0.0))
    lo, hi = min(p.support(12)[0], q.support(12)[0]), max(p.support(12)[1], q.support(12)[1])
    return integrate.quad(integrand, lo, hi, limit=400, epsabs=1e-12)[0]


@pytest.mark.parametrize("mean,std", [(0.5, 1.0), (2.0, 0.5), (-1.0, 2.0), (4.0, 1.0)])
def test_jsd_of_two_gaussians_matches_a_high_resolution_integral(mean, std):
    q = Dist1D("gaussian", mean, std)
    assert divergences(DATA, q).jsd == pytest.approx(_jsd_quad(DATA, q), abs=2e-5)


def test_jsd_of_overlapping_uniforms_has_a_closed_form():
    # U[0, 2] vs U[1, 3]: on [1, 2] both are 1/2 (no contribution); on [0, 1] and [2, 3] one is 1/2, the
    # mixture 1/4: 1/2 (1/2 * 1 * log 2) * 2 = log(2) / 2.
    p, q = Dist1D("uniform", 1.0, 1 / math.sqrt(3)), Dist1D("uniform", 2.0, 1 / math.sqrt(3))
    assert divergences(p, q, n_cells=6000).jsd == pytest.approx(LOG2 / 2, abs=1e-3)


@pytest.mark.parametrize("q", [Dist1D("gaussian", 1.5, 0.8), Dist1D("uniform", 0.5, 1.2), Dist1D("gaussian", 0.0, 1.0)])
def test_value_at_the_optimal_d_is_minus_log4_plus_twice_the_jsd(q):
    out = divergences(DATA, q)
    assert out.value == pytest.approx(-LOG4 + 2 * out.jsd, abs=1e-10)


def test_optimal_d_matches_the_formula_and_beats_any_other_d():
    q = Dist1D("gaussian", 1.0, 0.6)
    x = np.linspace(-3, 3, 13)
    pd, pg = DATA.pdf(x), q.pdf(x)
    assert np.allclose(optimal_d(pd, pg), pd / (pd + pg))
    assert np.isnan(optimal_d(np.array([0.0]), np.array([0.0])))[0]  # no mass: D is undefined
    edges = grid_for(DATA, q)
    md, mg = cell_masses(DATA, edges), cell_masses(q, edges)
    best = value_at_optimal_d(md, mg)
    inside = (md > 1e-12) & (mg > 1e-12)  # where D* is not rounded to 0 or 1, value() from D* agrees
    assert value(md[inside], mg[inside], optimal_d(md, mg)[inside]) == pytest.approx(
        value_at_optimal_d(md[inside], mg[inside]), abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        other = np.clip(optimal_d(md, mg) + 0.05 * rng.standard_normal(md.shape), 1e-6, 1 - 1e-6)
        assert value(md, mg, other) < best
    assert value(md, mg, np.full_like(md, 0.5)) == pytest.approx(-LOG4)  # D = 1/2 everywhere


@pytest.mark.parametrize("m1,m2,s", [(0.0, 1.0, 1.0), (-2.0, 3.0, 0.5), (0.0, 0.0, 2.0)])
def test_w1_of_gaussians_with_equal_std_is_the_gap_of_the_means(m1, m2, s):
    p, q = Dist1D("gaussian", m1, s), Dist1D("gaussian", m2, s)
    assert w1(p, q, grid_for(p, q, n_cells=8000)) == pytest.approx(abs(m1 - m2), abs=1e-5)


def test_w1_of_uniforms_of_different_widths():
    # U[0, 1] vs U[0, 2]: integral |F1 - F2| = 1/4 + 1/4 = 1/2 (or, by quantiles, integral of |u - 2u| du).
    p, q = Dist1D("uniform", 0.5, 1 / math.sqrt(12)), Dist1D("uniform", 1.0, 2 / math.sqrt(12))
    assert w1(p, q, grid_for(p, q, n_cells=8000)) == pytest.approx(0.5, abs=1e-6)


def test_sweep_over_the_mean_agrees_with_one_at_a_time():
    g = Dist1D("gaussian", 0.0, 0.7)
    means = np.array([-3.0, -0.5, 0.0, 1.25, 4.0])
    js, w = sweep_mean(DATA, g, means, n_cells=8000)
    for m, j, ww in zip(means, js, w):
        one = divergences(DATA, Dist1D("gaussian", float(m), 0.7), n_cells=8000)
        assert j == pytest.approx(one.jsd, abs=1e-4) and ww == pytest.approx(one.w1, abs=1e-4)


def test_jsd_is_capped_and_symmetric():
    a, b = np.array([0.2, 0.8, 0.0]), np.array([0.5, 0.1, 0.4])
    assert jsd(a, b) == pytest.approx(jsd(b, a))
    assert 0 < jsd(a, b) < LOG2


@pytest.mark.parametrize("kwargs", [dict(shape="cauchy"), dict(std=0.0), dict(std=-1.0), dict(mean=float("nan"))])
def test_bad_distributions_are_refused(kwargs):
    with pytest.raises(ValueError):
        Dist1D(**kwargs)


# -- saturating vs non-saturating G loss ----------------------------------------------------------

def test_saturating_gradient_vanishes_as_d_goes_to_zero_and_non_saturating_does_not():
    d = np.array([1e-1, 1e-2, 1e-4, 1e-8])
    sat, ns = np.abs(g_losses.saturating_grad_logit(d)), np.abs(g_losses.nonsaturating_grad_logit(d))
    assert np.all(np.diff(sat) < 0) and sat[-1] < 1e-7  # -> 0
    assert np.all(ns > 0.89)  # -> 1
    assert np.all(sat < ns)


def test_g_loss_gradients_are_the_derivatives_through_the_sigmoid():
    logits = np.linspace(-6, 6, 25)
    d, h = 1 / (1 + np.exp(-logits)), 1e-6

    def sig(logit):
        return 1 / (1 + np.exp(-logit))

    num_sat = (g_losses.saturating_loss(sig(logits + h)) - g_losses.saturating_loss(sig(logits - h))) / (2 * h)
    num_ns = (g_losses.nonsaturating_loss(sig(logits + h)) - g_losses.nonsaturating_loss(sig(logits - h))) / (2 * h)
    assert np.allclose(g_losses.saturating_grad_logit(d), num_sat, atol=1e-6)
    assert np.allclose(g_losses.nonsaturating_grad_logit(d), num_ns, atol=1e-6)
    num_d = (g_losses.nonsaturating_loss(d + h) - g_losses.nonsaturating_loss(d - h)) / (2 * h)
    assert np.allclose(g_losses.nonsaturating_grad_d(d), num_d, rtol=1e-4)


def test_flat_point_and_bad_probabilities():
    d = g_losses.flat_point(0.1)
    assert d == pytest.approx(1 / 11)
    assert abs(g_losses.saturating_grad_logit(d)) == pytest.approx(0.1 * abs(g_losses.nonsaturating_grad_logit(d)))
    with pytest.raises(ValueError):
        g_losses.saturating_loss(np.array([0.5, 1.2]))


# -- the Dirac-GAN ------------------------------------------------------------------------------

def _numeric_jacobian(s, h=1e-5):
    cols = []
    for dt, dp in ((h, 0.0), (0.0, h)):
        plus, minus = dirac.field(s, dt, dp), dirac.field(s, -dt, -dp)
        cols.append([(plus[i] - minus[i]) / (2 * h) for i in range(2)])
    return np.array(cols).T  # rows: (v_theta, v_psi); columns: (theta, psi)


@pytest.mark.parametrize("objective", ["gan", "nsgan", "wgan", "gan-r1", "instance-noise"])
def test_the_jacobian_matches_the_field(objective):
    s = dirac.DiracSettings(objective=objective, gamma=0.7, sigma=0.8)
    assert np.allclose(dirac.jacobian_at_equilibrium(s), _numeric_jacobian(s), atol=1e-6)


@pytest.mark.parametrize("objective,imag", [("gan", 0.5), ("nsgan", 0.5), ("wgan", 1.0)])
def test_eigenvalues_are_purely_imaginary_without_regularisation(objective, imag):
    ev = dirac.eigenvalues(dirac.DiracSettings(objective=objective))
    assert np.allclose(ev.real, 0.0) and np.allclose(sorted(ev.imag), [-imag, imag])


@pytest.mark.parametrize("gamma", [0.1, 1.0, 3.0])
def test_r1_moves_the_eigenvalues_to_the_left(gamma):
    ev = dirac.eigenvalues(dirac.DiracSettings(objective="gan-r1", gamma=gamma))
    assert np.all(ev.real < 0)
    assert np.allclose(np.sort_complex(ev), np.sort_complex(np.roots([1, gamma, 0.25])))  # l^2 + gamma l + 1/4


def test_instance_noise_eigenvalues_follow_the_papers_lemma():
    sigma = 0.8  # lambda = f''(0) sigma^2 +- sqrt(f''(0)^2 sigma^4 - f'(0)^2)
    expected = np.array([-0.25 * sigma ** 2 + s * np.sqrt(complex(0.0625 * sigma ** 4 - 0.25)) for s in (1, -1)])
    got = dirac.eigenvalues(dirac.DiracSettings(objective="instance-noise", sigma=sigma))
    assert np.allclose(np.sort_complex(got), np.sort_complex(expected))


def test_wgan_gp_has_no_jacobian_at_the_kink():
    with pytest.raises(ConfigError, match="kink"):
        dirac.jacobian_at_equilibrium(dirac.DiracSettings(objective="wgan-gp"))


def test_simultaneous_gan_steps_spiral_out():
    run = dirac.trajectory(dirac.DiracSettings(objective="gan", steps=500, lr=0.2, start=(1.0, 1.0)))
    assert run.final_distance > 2 * math.sqrt(2)
    assert run.distances[-1] > run.distances[250] > run.distances[0]
    near = dirac.trajectory(dirac.DiracSettings(objective="gan", steps=200, lr=0.2, start=(1e-3, 0.0)))
    rate = math.sqrt(1 + (0.2 * 0.5) ** 2)  # |1 + i h f'(0)| per step, the linearisation
    assert near.final_distance / near.distances[0] == pytest.approx(rate ** 200, rel=1e-3)
    assert dirac.spectral_radius(dirac.DiracSettings(objective="gan", lr=0.2)) == pytest.approx(rate)


@pytest.mark.parametrize("objective", ["gan", "wgan"])
def test_alternating_steps_circle_and_stay_bounded(objective):
    s = dirac.DiracSettings(objective=objective, updates="alternating", steps=5000, lr=0.1, start=(0.3, 0.0))
    run = dirac.trajectory(s)
    assert run.max_distance < 2 * run.distances[0] and run.final_distance > 0.5 * run.distances[0]
    assert dirac.spectral_radius(s) == pytest.approx(1.0, abs=1e-12)
    assert np.linalg.det(dirac.update_matrix(s)) == pytest.approx(1.0)


def test_r1_with_gamma_one_converges_from_one_one():
    for updates in dirac.UPDATES:
        run = dirac.trajectory(dirac.DiracSettings(objective="gan-r1", gamma=1.0, updates=updates, steps=500,
                                                   lr=0.2, start=(1.0, 1.0)))
        assert run.final_distance < 1e-6, updates
        assert not run.diverged


def test_r1_with_gamma_zero_is_the_plain_gan():
    a = dirac.trajectory(dirac.DiracSettings(objective="gan-r1", gamma=0.0, steps=50))
    b = dirac.trajectory(dirac.DiracSettings(objective="gan", steps=50))
    assert np.allclose(a.points, b.points)


def test_instance_noise_converges_and_its_field_at_zero_noise_is_the_gans():
    run = dirac.trajectory(dirac.DiracSettings(objective="instance-noise", sigma=1.0, steps=1000, lr=0.2))
    assert run.final_distance < 1e-3
    th, ps = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 5))
    quiet = dirac.field(dirac.DiracSettings(objective="instance-noise", sigma=0.0), th, ps)
    plain = dirac.field(dirac.DiracSettings(objective="gan"), th, ps)
    assert np.allclose(quiet, plain)


def test_wgan_clips_psi_and_a_blow_up_stops_early():
    run = dirac.trajectory(dirac.DiracSettings(objective="wgan", steps=300, lr=0.3, start=(2.0, 0.5)))
    assert np.max(np.abs(run.points[:, 1])) <= 1.0 + 1e-12
    wild = dirac.trajectory(dirac.DiracSettings(objective="wgan-gp", steps=10_000, lr=5.0))
    assert wild.diverged and len(wild.points) < 10_001 and np.all(np.isfinite(wild.points))


def test_field_grid_shapes():
    th, ps, vt, vp = dirac.field_grid(dirac.DiracSettings(objective="instance-noise"), span=2.0, n=7)
    assert th.shape == ps.shape == vt.shape == vp.shape == (7, 7)
    assert np.allclose(vt, dirac.field(dirac.DiracSettings(objective="instance-noise"), th, ps)[0])


@pytest.mark.parametrize("kwargs", [dict(objective="lsgan"), dict(updates="random"), dict(steps=-1),
                                    dict(steps=dirac.MAX_STEPS + 1), dict(steps=2.5), dict(lr=0.0), dict(lr=-0.1),
                                    dict(lr=float("inf")), dict(gamma=-1.0), dict(sigma=-0.1),
                                    dict(start=(1.0,)), dict(start=(float("nan"), 0.0))])
def test_bad_dirac_settings_are_refused_with_a_sentence(kwargs):
    with pytest.raises(ConfigError) as err:
        dirac.DiracSettings(**kwargs)
    assert str(err.value).endswith((".", ")"))


# -- the CLI ------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gan_core", "dirac", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
def test_cli_json_for_r1_and_for_the_plain_gan():
    r1 = _cli("--objective", "gan-r1", "--gamma", "1", "--updates", "simultaneous", "--steps", "500", "--lr", "0.2",
              "--start", "1,1", "--json")
    assert r1.returncode == 0, r1.stderr
    out = json.loads(r1.stdout)
    assert out["final_distance"] < 1e-6 and out["max_distance"] == pytest.approx(math.sqrt(2))
    assert len(out["end"]) == 2 and out["steps_done"] == 500 and out["diverged"] is False
    gan = json.loads(_cli("--objective", "gan", "--steps", "500", "--lr", "0.2", "--json").stdout)
    direct = dirac.trajectory(dirac.DiracSettings(objective="gan", steps=500, lr=0.2))
    assert gan["final_distance"] == pytest.approx(direct.final_distance) and gan["final_distance"] > 2
    alt = _cli("--objective", "wgan", "--updates", "alternating", "--steps", "50", "--start=-0.5,0.25")
    assert alt.returncode == 0 and "distance to (0, 0)" in alt.stdout


BAD_ARGS = [("--steps", "-5"), ("--lr", "0"), ("--lr", "-1"), ("--steps", "1000000"), ("--start", "1"),
            ("--start", "a,b"), ("--start", "1,2,3"), ("--gamma", "-2"), ("--objective", "lsgan"), ("--steps", "ten")]


@pytest.mark.parametrize("args", BAD_ARGS)
def test_cli_bad_values_exit_2_with_an_error_line(args, capsys):
    from gan_core.__main__ import main

    try:
        rc = main(["dirac", *args])
    except SystemExit as stop:  # argparse's own refusals (a word where a number goes, an unknown choice)
        rc = stop.code
    err = capsys.readouterr()
    assert rc == 2 and err.out == ""
    assert "error: " in err.err.strip().splitlines()[-1]  # the last line says what is wrong


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("args", [BAD_ARGS[0], BAD_ARGS[5]])
def test_cli_bad_values_never_print_a_traceback(args):
    res = _cli(*args)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")  # one line
