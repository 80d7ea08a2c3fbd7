"""The benchmark: its reference loop, its report, the engine changes it led to, and a --quick run."""

from __future__ import annotations

import argparse
import math
import threading

import pytest
import torch

from benchmarks import bench
from benchmarks.bench import QUICK, Plan, run_bench, spread
from benchmarks.bench_reference import ReferenceLoop
from benchmarks.bench_report import NO_GPU, write_report
from gan_core.config import ConfigError
from gan_core.gan import build_gan
from gan_core.presets import get_preset
from gan_core.train import train_step

SECTIONS = ("## Targets", "## 1. Training throughput", "## 2. CPU threads", "## 3. Time to quality",
            "## 4. Streaming overhead", "## 5. Latent slider latency", "## 6. GPU: opt-in speed-ups")


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("preset", ["ring8", "digits"])
def test_reference_loop_trains_the_same_networks(preset):
    """Same seed -> the very weights build_gan starts from; then it trains and logs like the example."""
    cfg = get_preset(preset, train={"device": "cpu"})
    gan = build_gan(cfg, "cpu")
    ref = ReferenceLoop(cfg, gan.data, torch.device("cpu"))
    for ours, theirs in ((gan.G, ref.netG), (gan.D, ref.netD)):
        for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert torch.equal(a, b), name
    before = [p.clone() for p in ref.netG.parameters()]
    for _ in range(3):
        ref.step()
    assert ref.iteration == 3 and ref.log[0].startswith("[2] Loss_D: ")
    numbers = [float(w) for w in ref.log[0].replace("/", " ").split() if w[0].isdigit() and "." in w]
    assert len(numbers) == 5 and all(math.isfinite(x) for x in numbers)
    assert any(not torch.equal(a, b) for a, b in zip(before, ref.netG.parameters()))


def test_the_g_update_reuses_the_d_updates_fake_batch():
    """One G forward per step with 'both' (as the DCGAN example); a G-only step draws its own."""
    gan = build_gan(get_preset("ring8", train={"device": "cpu"}), "cpu")
    calls = []
    gan.G.register_forward_hook(lambda *_: calls.append(1))
    train_step(gan)
    assert len(calls) == 1
    train_step(gan, "g")
    assert len(calls) == 2
    gan.d_steps = 3  # only the last D update's batch is kept
    train_step(gan)
    assert len(calls) == 5


@pytest.mark.slow  # (seconds: a CLI process or many training steps; the full suite runs it, the fast loop not)
@pytest.mark.parametrize("flags", [{"fused_adam": True}, {"channels_last": True}, {"amp_bf16": True},
                                   {"fused_adam": True, "channels_last": True, "amp_bf16": True}])
def test_opt_in_speed_flags_train_like_the_defaults(flags):
    base = build_gan(get_preset("digits", train={"device": "cpu"}), "cpu")
    fast = build_gan(get_preset("digits", train={"device": "cpu", **flags}), "cpu")
    for _ in range(3):
        a, b = train_step(base), train_step(fast)
    for k in a:
        assert math.isfinite(float(b[k]))
        assert float(b[k]) == pytest.approx(float(a[k]), rel=0.05, abs=0.02), k  # bf16: close, not equal


@pytest.mark.parametrize("section, values, message", [
    ("train", {"optimizer": "sgd", "fused_adam": True}, "fused_adam"),
    ("train", {"compile": "fast"}, "train.compile"),
])
def test_opt_in_flags_are_validated(section, values, message):
    with pytest.raises(ConfigError, match=message):
        get_preset("digits", **{section: values})


def test_flag_combinations_that_cannot_work_are_refused():
    with pytest.raises(ConfigError, match="channels_last"):
        get_preset("ring8", train={"channels_last": True})
    with pytest.raises(ConfigError, match="double backward"):
        get_preset("ring8-wgan-gp", train={"compile": "default"})
    with pytest.raises(ConfigError, match="CUDA"):
        build_gan(get_preset("ring8", train={"compile": "reduce-overhead", "device": "cpu"}), "cpu")


def _results(ratio: float, ring8_s: float | None, overhead: float) -> dict:
    s = spread([ratio, ratio * 0.9, ratio * 1.1])
    one = spread([100.0, 90.0, 110.0])
    ring8 = ({"status": "reached", "seconds": ring8_s, "step": 2000, "metrics": {"modes_covered": 8}}
             if ring8_s is not None else {"status": "not reached in 60 s", "steps": 5000, "last": {}})
    return {
        "quick": False, "device": "cpu (2 threads)", "started": "today", "load_start": (1.0, 1, 1),
        "load_end": (2.0, 2, 2), "seconds": 600.0,
        "versions": {"python": "3", "torch": "2", "gradio": "6", "machine": "x", "OMP_WAIT_POLICY": "PASSIVE"},
        "throughput": [{"preset": p, "batch": 64, "train": {}, "ours": one, "reference": one, "ratio": s}
                       for p in ("ring8", "mnist5k")],
        "time_to_quality": [{"preset": "ring8", "seed": 0, "test": "t", "check_every": 100, "cap_s": 60, **ring8},
                            {"preset": "mnist5k", "seed": 0, "test": "t", "check_every": 100, "cap_s": 300,
                             "status": "not measured: classifier missing"}],
        "streaming": [{"preset": "ring8", "how": "app", "none": one, "polled": one, "ratio": s, "overhead": overhead,
                       "poll_s": spread([0.1]), "server_cpu_ms": spread([41.0, 40.0, 47.0]),
                       "client_cpu_ms": spread([98.0, 103.0]), "training": "process",
                       "bytes": spread([11800, 11000, 12500]), "statuses": {"200": 9, "204": 1},
                       "run_cpu_ms": {"none": spread([3.9]), "polled": spread([4.0])}, "run_cpu_overhead": 0.025}],
        "latent_latency": [{"name": "digits", "what": "g", "calls": 10, "median_ms": 2.0, "p95_ms": 3.0}],
    }


def _target_rows(text: str) -> dict[str, str]:
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| CPU") or line.startswith("| GPU")]
    return {r[0].lstrip("| "): r[2].rstrip(" |") for r in rows}


def test_report_says_which_targets_are_met(tmp_path):
    good = _target_rows(write_report(_results(1.3, 12.0, 0.02), tmp_path / "a.md", "cmd").read_text())
    assert good["CPU: ours/reference >= 1.0 with defaults (ring8)"] == "yes"
    assert good["CPU: ring8 to quality in under 30 s"] == "yes"
    assert good["CPU: mnist5k to quality in under 120 s"] == "—"  # not measured: says so, claims nothing
    assert good["CPU: streaming costs under 5% of throughput"] == "yes"
    bad = _target_rows(write_report(_results(0.8, None, 0.07), tmp_path / "b.md", "cmd").read_text())
    assert bad["CPU: ours/reference >= 1.0 with defaults (mnist5k)"] == "no"
    assert bad["CPU: ring8 to quality in under 30 s"].startswith("no")
    assert bad["CPU: streaming costs under 5% of throughput"] == "no"
    text = (tmp_path / "b.md").read_text()
    # the server's CPU per poll, and the client's, beside the overhead
    assert "| 3.90 → 4.00 (**+2.5%**) | 41.0 (40.0–47.0) | 100.5 (98.0–103.0) |" in text
    assert "| ring8 | app, run in a process |" in text
    assert "| 11.8 KB (11.0–12.5); 1 of 10 were 204 |" in text  # bytes per answer, and the answers with nothing new
    r = _results(1.3, 12.0, 0.02)
    r["presets"], r["load_during"] = {"ring8": "2 x 32 MLP"}, spread([3.0, 2.0, 9.0])
    r["streaming"][0]["training"] = "class process"
    text = write_report(r, tmp_path / "c.md", "cmd").read_text()
    assert "| presets | `ring8`: 2 x 32 MLP (ring8 is the class preset: docs/CLASSROOM.md) |" in text
    assert "| ring8 | app, run in the class process |" in text
    assert "2.0 at the end, 3.0 (2.0–9.0) during the run (1-minute, every 30 s)" in text
    assert NO_GPU in text and "not measured: classifier missing" in text


def test_streaming_windows_flip_their_order_and_wait_until_nobody_watches(monkeypatch):
    """Window sleeps and settle gaps in the order the protocol promises: (none, polled),
    (polled, none), ...; after every polled window a WATCHED_S gap so the next window has no
    drawing left over from the reader."""
    class FakeTrainer:
        _n = 0
        _thread = threading.current_thread()

        @property
        def current_step(self):  # advances on every read, so every window has a rate
            FakeTrainer._n += 7
            return FakeTrainer._n

    trainer = FakeTrainer()
    sleeps, answers = [], iter([200, 204] * 50)
    monkeypatch.setattr(bench.time, "sleep", sleeps.append)

    def poll():  # as the client answers: its CPU so far, the HTTP status, the body's bytes
        status = next(answers)
        return {"cpu_s": 0.0, "status": status, "bytes": 9000 if status == 200 else 0}

    r = bench._windows(trainer, poll, Plan(stream_rounds=3, stream_window_s=0.25))
    gap, w = bench.WATCHED_S + 0.5, 0.25
    assert sleeps == [gap, w, w, gap, w, gap, w, w, w, gap]  # warm-up | none polled | polled none | none polled
    assert r["ratio"]["n"] == r["none"]["n"] == r["polled"]["n"] == 3
    assert r["server_cpu_ms"]["n"] == 3  # the other threads' CPU, from the training thread's own clock
    assert r["run_cpu_ms"]["none"]["n"] == r["run_cpu_ms"]["polled"]["n"] == 3  # and the run's own CPU per step
    n = sum(r["statuses"].values())  # the polls of the 3 watched windows (at least one each), not the warm-up's
    assert r["polls_per_window"]["n"] == 3 and n >= 3 and r["statuses"]["200"] >= 1
    assert r["bytes"]["median"] == 9000 and r["bytes"]["n"] == r["statuses"].get("200", 0)


def test_report_judges_the_slider_latency_through_the_app(tmp_path):
    r = _results(1.3, 12.0, 0.02)
    assert "—" == _target_rows(write_report(r, tmp_path / "none.md", "cmd").read_text())[
        "CPU: latent slider release to new image, p95 under 150 ms, through the app (digits)"]  # not run: no claim
    r["slider_latency"] = {"load_avg_1min": 1.5, "limit_ms": 150, "results": [
        {"method": "browser", "source": "digits", "n": 60, "p50_ms": 60.0, "p95_ms": 95.0, "max_ms": 120.0},
        {"method": "browser", "source": "mnist5k", "n": 60, "p50_ms": 90.0, "p95_ms": 171.0, "max_ms": 210.0}]}
    text = write_report(r, tmp_path / "a.md", "cmd").read_text()
    rows = _target_rows(text)
    assert rows["CPU: latent slider release to new image, p95 under 150 ms, through the app (digits)"] == "yes"
    assert rows["CPU: latent slider release to new image, p95 under 150 ms, through the app (mnist5k)"] == "no"
    assert "| checkpoints/mnist5k | 90 | **171** | 210 | 60 |" in text
    r["slider_latency"] = {"skipped": "Playwright is not installed"}
    assert "Skipped: Playwright is not installed." in write_report(r, tmp_path / "b.md", "cmd").read_text()


@pytest.mark.slow
def test_quick_bench_writes_every_section(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    assert run_bench(argparse.Namespace(quick=True, device="cpu", out=str(out))) == 0
    text = out.read_text()
    for heading in SECTIONS:
        assert heading in text, heading
    assert "Error" not in text and "error:" not in text
    assert f"torch {torch.__version__}" in text and "gradio" in text and "--quick" in text
    assert NO_GPU in text
    ring8_row = next(line for line in text.splitlines() if line.startswith("| ring8 | 128 |"))
    assert ring8_row.endswith(f"| {QUICK.rounds} |")  # the throughput rounds really ran
