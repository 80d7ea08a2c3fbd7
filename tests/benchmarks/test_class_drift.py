"""benchmarks/class_drift.py: the long class's poll drift and memory growth, on made-up results."""

from __future__ import annotations

from benchmarks import class_drift

T0 = 1000.0  # the sampler's clock at the load's t = 0


def _result(first_ms: float, last_ms: float, uss: callable, duration: float = 2700.0) -> dict:
    """A 45-minute load: the steady mark at 13 s, the watched window 50 s before the end; a poll a second
    whose latency is `first_ms` until half time and `last_ms` after; server samples every 5 s."""
    steady, watched, end = 13.0, duration - 50.0, duration
    polls = [(t, t + (first_ms if t < duration / 2 else last_ms) / 1e3, 200, 14000, 100)
             for t in range(14, int(watched))]
    samples = [{"t": T0 + t, "root_uss_mb": uss(t), "root_pss_mb": uss(t) + 300.0} for t in range(0, int(end) + 1, 5)]
    mark = lambda t: {"t": t, "server": {"t": T0 + t}}  # noqa: E731
    return {"marks": {"steady": mark(steady), "watched": mark(watched), "end": mark(end)},
            "students": [{"polls": polls}], "server": {"samples": samples}, "load_s": duration}


def test_drift_is_the_last_windows_p95_over_the_firsts():
    d = class_drift.poll_drift(_result(40.0, 60.0, lambda t: 700.0))
    assert abs(d["first_p95_ms"] - 40.0) < 1e-6 and abs(d["last_p95_ms"] - 60.0) < 1e-6
    assert abs(d["ratio"] - 1.5) < 1e-6
    assert d["first"][0] == 13.0 and d["last"][1] == 2650.0
    assert d["polls_first"] == 299 and d["polls_last"] == 300  # (polls from t = 14 s, one a second)


def test_a_short_load_has_no_drift():
    assert class_drift.poll_drift(_result(40.0, 40.0, lambda t: 700.0, duration=400.0)) is None


def test_memory_growth_over_the_last_half_hour_reads_medians_not_one_sample():
    leak = lambda t: 700.0 + 0.05 * t + (500.0 if t == 900 else 0.0)  # noqa: E731  (one wild sample at t = 900)
    g = class_drift.memory_growth(_result(40.0, 40.0, leak))
    assert g["from_s"] == 900.0 and g["to_s"] == 2700.0
    assert abs(g["uss"]["growth_mb"] - 0.05 * 1800) < 2.0  # (the end's samples all lie before it: 15 s early)
    assert abs(g["pss"]["growth_mb"] - g["uss"]["growth_mb"]) < 1e-9


def test_flat_memory_reads_flat_and_the_rows_say_so():
    res = _result(40.0, 44.0, lambda t: 800.0)
    assert class_drift.memory_growth(res)["uss"]["growth_mb"] == 0.0
    rows = class_drift.markdown(res)
    assert "**1.10x**" in rows and "**+0 MB**" in rows
