"""`python -m gan_core bench`: how fast the engine trains, reaches quality, streams and answers.

    python -m gan_core bench            # full run (~12 min on 2 CPU cores), writes docs/BENCHMARKS.md
    python -m gan_core bench --quick    # a < 60 s smoke run of every section (tests/benchmarks/test_bench.py)

Sections, each a function returning plain numbers that `write_report` turns into Markdown:
  throughput       our Trainer (as the app runs it) vs the PyTorch DCGAN example's loop
                   (bench_reference.py): same networks, batch, objective and device, measured
                   alternately (ours, ref, ours, ref, ...), so load on a shared machine hits both
  cpu_threads      (CPU) one training step with OpenMP spinning, sleeping (passive) or one thread
  time_to_quality  seconds until ring8 covers 8/8 modes and mnist5k 10/10 classes (live diagnostics)
  streaming        training speed while a client polls the app's Train tab at 1 Hz vs no client
  latent_latency   one latent-slider image: G(z) + image_grid + PNG encoding
  slider_latency   the same through the running app in Chromium, release to new image (bench_latency.py)
  gpu_speedups     (CUDA) fused Adam, channels_last, bf16 autocast, torch.compile / CUDA graphs
Every figure is a median with its spread (min-max over rounds): single timings mean little here.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_core.device import describe, resolve_device
from gan_core.evaluation.classifier import classifier_for
from gan_core.evaluation.diagnostics import live_metrics
from gan_core.gan import build_gan
from gan_core.pictures.field_draw import FIELD_LAYERS
from gan_core.pictures.viz import png_bytes
from gan_core.presets import get_preset
from gan_core.train import train_step
from live.single.remote import RemoteTrainer
from live.single.trainer import WATCHED_S, Trainer

from .bench_latency import app_slider_latency, latent_latency
from .bench_report import write_report
from .bench_throughput import spread, throughput

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"ratio_cpu": 1.0, "ring8_s": 30.0, "mnist5k_s": 120.0, "streaming": 0.05, "ratio_gpu": 2.0}
GPU_VARIANTS = (("defaults", {}), ("fused Adam", {"fused_adam": True}), ("channels_last", {"channels_last": True}),
                ("bf16 autocast", {"amp_bf16": True}), ("torch.compile", {"compile": "default"}),
                ("compile + CUDA graphs", {"compile": "reduce-overhead"}),
                ("all four", {"fused_adam": True, "channels_last": True, "amp_bf16": True,
                              "compile": "reduce-overhead"}))


@dataclass(frozen=True)
class Plan:
    """How long each section measures."""

    rounds: int = 25  # interleaved rounds per throughput comparison (order flipped every round)
    round_s: float = 1.0  # seconds per side per round
    ring8_seeds: tuple[int, ...] = (0, 1, 2)
    ring8_cap_s: float = 80.0  # give up on time to quality after this long
    mnist5k_cap_s: float = 300.0
    check_every: int = 100  # steps between quality checks
    stream_presets: tuple[str, ...] = ("ring8", "mnist5k")
    stream_rounds: int = 10  # (no reader, reader) window pairs
    stream_window_s: float = 5.0
    stream_via_app: bool = True  # False: the in-process version (no server)
    latency_calls: int = 100
    app_latency_releases: int = 60  # slider releases per generator in Chromium; 0 = skip
    thread_rounds: int = 2  # 0 = skip the OpenMP comparison
    thread_s: float = 3.0


FULL = Plan()
QUICK = Plan(rounds=3, round_s=0.5, ring8_seeds=(0,), ring8_cap_s=5.0, mnist5k_cap_s=4.0, check_every=50,
             stream_presets=("ring8",), stream_rounds=1, stream_window_s=2.0, stream_via_app=False,
             latency_calls=15, thread_rounds=0, app_latency_releases=0)


# ------------------------------------------------------------------------------- CPU threads

THREAD_VARIANTS = (("2 threads, OpenMP spins (libgomp default)", 2, None),
                   ("2 threads, OMP_WAIT_POLICY=PASSIVE (gan_core's wait policy)", 2, "PASSIVE"),
                   ("1 thread (gan_core's default on <= 2 cores)", 1, "PASSIVE"))


def _probe(preset: str, threads: int, seconds: float) -> None:
    """(In a subprocess.) Print the median ms of one train_step over ~`seconds`, as JSON."""
    torch.set_num_threads(threads)
    gan = build_gan(get_preset(preset, train={"device": "cpu"}), "cpu")
    for _ in range(3):
        train_step(gan)
    chunks, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(chunks) < 3:
        t = time.perf_counter()
        for _ in range(3):
            train_step(gan)
        chunks.append((time.perf_counter() - t) / 3 * 1e3)
    print(json.dumps({"ms": statistics.median(chunks)}))


def cpu_threads(plan: Plan) -> dict:
    """ms per step under each OpenMP setting, interleaved across fresh processes (the wait policy
    is read once, when torch loads OpenMP: torch is imported first so gan_core's default cannot apply)."""
    results: dict = {}
    for _ in range(plan.thread_rounds):
        for preset in ("ring8", "mnist5k"):
            for label, threads, policy in THREAD_VARIANTS:
                env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
                if policy:
                    env["OMP_WAIT_POLICY"] = policy
                env["PYTHONPATH"] = str(ROOT)
                code = ("import torch; from benchmarks.bench import _probe; "
                        f"_probe({preset!r}, {threads}, {plan.thread_s})")
                out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
                if out.returncode:
                    raise RuntimeError(out.stderr[-500:])
                ms = json.loads(out.stdout.splitlines()[-1])["ms"]
                results.setdefault(preset, {}).setdefault(label, []).append(ms)
    return {p: {label: spread(v) for label, v in r.items()} for p, r in results.items()}


# ------------------------------------------------------------------------------- time to quality

QUALITY = {  # preset -> (the live metric test, in words)
    "ring8": (lambda m: m.get("modes_covered") == 8 and m.get("high_quality_fraction", 0) >= 0.8,
              "8/8 modes covered and high-quality fraction >= 0.8 (2,500 samples)"),
    "mnist5k": (lambda m: m.get("classes_covered") == 10 and m.get("mean_confidence", 0) >= 0.8,
                "10/10 classes covered and mean classifier confidence >= 0.8 (500 samples)"),
}


def time_to_quality(preset: str, seed: int, device: torch.device, cap_s: float, check_every: int) -> dict:
    """Train with the Trainer (live diagnostics every `check_every` steps) until the quality test
    passes or `cap_s` seconds pass. Seconds count from Start (building the run is not included)."""
    reached, words = QUALITY[preset]
    cfg = get_preset(preset, train={"seed": seed, "device": device.type})
    out = {"preset": preset, "seed": seed, "cap_s": cap_s, "check_every": check_every, "test": words}
    if not cfg.data.is_points and classifier_for(cfg.data.name, device) is None:
        return {**out, "status": "not measured: classifier missing"}
    hit, found, t0 = threading.Event(), {}, [0.0]

    def check(gan):
        m = live_metrics(gan)
        if not hit.is_set() and reached(m):
            found.update(seconds=time.perf_counter() - t0[0], step=gan.step, metrics=m)
            hit.set()
        return m

    trainer = Trainer(cfg, device, metric_fn=check, metrics_every=check_every)
    t0[0] = time.perf_counter()
    trainer.start()
    hit.wait(cap_s)
    trainer.stop()
    snap = trainer.snapshot()
    last = snap.metrics[-1] if snap.metrics else {}
    if snap.status == "error":
        return {**out, "status": f"error: {snap.message}", "last": last}
    if not found:
        return {**out, "status": f"not reached in {cap_s:.0f} s", "steps": snap.step, "last": last}
    return {**out, "status": "reached", **found}


# ------------------------------------------------------------------------------- streaming

def _windows(trainer: Trainer, poll, plan: Plan) -> dict:
    """Alternate windows without and with a 1 Hz reader, the order flipped every round (so a drift
    in the machine's load falls on both); steps/s of the run in each. After a polled window the
    run still counts as watched for WATCHED_S (it keeps drawing): the next window waits that out."""
    rates = {"none": [], "polled": []}
    others = {"none": [], "polled": []}  # CPU s/s of this process's work other than training (the server)
    latencies: list[float] = []
    client_ms: list[float] = []  # the polling client's own CPU per poll (not the server's: it stands in for a browser)
    thread = getattr(trainer, "_thread", None)  # a run in a thread: its own CPU clock, where the OS has one
    clock = (time.pthread_getcpuclockid(thread.ident)
             if thread is not None and hasattr(time, "pthread_getcpuclockid") else None)
    measured = clock is not None or thread is None  # a run in its own process: all of ours is the server's
    pid = getattr(trainer, "pid", None)  # a run in its own process: its CPU from /proc (Linux)
    run_cpu_ms: dict = {"none": [], "polled": []}  # the run's own CPU per step (thread or process)

    def cpu():  # (this process's CPU, the training thread's CPU if it is in this process), seconds
        return time.process_time(), (time.clock_gettime(clock) if clock is not None else 0.0)

    def run_cpu():  # the run's CPU seconds: its thread's clock, or its process's user + system time
        if clock is not None:
            return time.clock_gettime(clock)
        if pid is not None and os.path.exists(f"/proc/{pid}/stat"):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return None

    poll()  # warm caches (fonts, first figure) outside the windows
    time.sleep(WATCHED_S + 0.5)
    for r in range(plan.stream_rounds):
        for kind in (("none", "polled") if r % 2 == 0 else ("polled", "none")):
            stop = threading.Event()

            seen = []  # what poll() returned: the client process's CPU seconds so far, or None

            def reader():
                while not stop.is_set():
                    t = time.perf_counter()
                    seen.append(poll())
                    latencies.append(time.perf_counter() - t)
                    stop.wait(max(0.0, t + 1.0 - time.perf_counter()))  # next tick 1 s after the last began

            reader_thread = threading.Thread(target=reader, daemon=True) if kind == "polled" else None
            s0, t0, (p0, c0), r0 = trainer.current_step, time.perf_counter(), cpu(), run_cpu()
            if reader_thread:
                reader_thread.start()
            time.sleep(plan.stream_window_s)
            s1, t1, (p1, c1), r1 = trainer.current_step, time.perf_counter(), cpu(), run_cpu()
            stop.set()
            if reader_thread:
                reader_thread.join()
                time.sleep(WATCHED_S + 0.5)  # no longer watched: the trainer has stopped drawing
            rates[kind].append((s1 - s0) / (t1 - t0))
            others[kind].append(((p1 - p0) - (c1 - c0)) / (t1 - t0))
            if r0 is not None and r1 is not None and s1 > s0:
                run_cpu_ms[kind].append(1e3 * (r1 - r0) / (s1 - s0))
            if len(seen) > 1 and None not in seen:
                client_ms.append(1e3 * (seen[-1] - seen[0]) / (len(seen) - 1))
    ratios = [p / n for n, p in zip(rates["none"], rates["polled"])]
    out = {"none": spread(rates["none"]), "polled": spread(rates["polled"]), "ratio": spread(ratios),
           "overhead": 1.0 - statistics.median(ratios), "poll_s": spread(latencies)}
    if measured:  # one poll a second: the extra CPU seconds per second are the CPU per poll
        out["server_cpu_ms"] = spread([1e3 * (p - n) for n, p in zip(others["none"], others["polled"])])
    if client_ms:
        out["client_cpu_ms"] = spread(client_ms)
    if run_cpu_ms["none"] and len(run_cpu_ms["none"]) == len(run_cpu_ms["polled"]):
        # the run's own work per step, watched vs not: the pictures it draws and the snapshots it
        # serves, without the time it waits for a core (which the overhead above also counts)
        out["run_cpu_ms"] = {k: spread(v) for k, v in run_cpu_ms.items()}
        out["run_cpu_overhead"] = statistics.median(p / n for n, p in zip(run_cpu_ms["none"], run_cpu_ms["polled"])) - 1
    return out


# The polling client runs in its own process, at the lowest priority (nice 19): it stands in for a
# student's browser on its own laptop. In the server's process its Python (HTTP, JSON, the PNG
# download) would take the GIL from a training thread; at normal priority its ~100 ms of CPU per
# poll would compete for this machine's cores as a browser never does. It reports its CPU, so the
# report says what it cost.
_CLIENT = """
import json, os, sys
os.nice(19)
from gradio_client import Client
client = Client(sys.argv[1], verbose=False)
client.predict(*json.loads(sys.argv[2]), api_name="/start")
print(client.session_hash, flush=True)
for line in sys.stdin:
    client.predict(api_name="/poll")
    print("ok", sum(os.times()[:2]), flush=True)  # and this process's CPU seconds so far
"""


def _streaming_app(preset: str, plan: Plan) -> dict:
    """The real app (app.build_demo) on a local port, polled through gradio_client's /poll from a
    separate process: the Train tab's 1 s timer handler (snapshot -> DataFrames + picture -> JSON
    and a PNG file the client downloads)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    sys.path.insert(0, str(ROOT))
    from app import build_demo
    from ui.train.settings import KEYS, values_from_config

    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True)
    v = values_from_config(get_preset(preset))
    start_args = json.dumps([preset, list(FIELD_LAYERS), *[v[k] for k in KEYS]])
    client = subprocess.Popen([sys.executable, "-c", _CLIENT, url, start_args], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        session = client.stdout.readline().strip()
        trainer = demo.ctx.registry.get(session)
        if trainer is None or trainer.status != "running":
            raise RuntimeError("the app did not start a run for the client")

        def poll() -> float:
            client.stdin.write("poll\n")
            client.stdin.flush()
            answer = client.stdout.readline().split()
            if answer[:1] != ["ok"]:
                raise RuntimeError("the polling client stopped")
            return float(answer[1])

        time.sleep(1.0)
        training = "process" if isinstance(trainer, RemoteTrainer) else "thread"  # (worker.trainer_factory)
        return {"preset": preset, "how": "app", "training": training, **_windows(trainer, poll, plan)}
    finally:
        client.kill()
        client.wait(10)
        demo.ctx.registry.shutdown()
        demo.close()


def _streaming_in_process(preset: str, device: torch.device, plan: Plan, why: str) -> dict:
    """A Trainer in its thread, and a reader that builds what the Train tab builds each tick:
    snapshot, the curves and the picture, PNG-encoded."""
    sys.path.insert(0, str(ROOT))
    from ui.train import view

    cfg = get_preset(preset, train={"device": device.type})
    trainer = Trainer(cfg, device, metric_fn=live_metrics)

    def poll():
        snap = trainer.snapshot()
        png_bytes(view.curves_image(snap.history, cfg.loss.objective), compress_level=1)
        image = view.visual_image(snap)
        if image is not None:
            png_bytes(image, compress_level=1)  # as ui.train.view.png_file

    trainer.start()
    try:
        time.sleep(1.0)
        return {"preset": preset, "how": "in-process", "training": "thread", "why": why,
                **_windows(trainer, poll, plan)}
    finally:
        trainer.stop()


def streaming(preset: str, device: torch.device, plan: Plan) -> dict:
    if plan.stream_via_app:
        try:
            return _streaming_app(preset, plan)
        except Exception as e:  # the app cannot be built or driven: say so and measure in-process
            return _streaming_in_process(preset, device, plan, f"the app could not be used ({type(e).__name__}: {e})")
    return _streaming_in_process(preset, device, plan, "--quick skips the server")

# ------------------------------------------------------------------------------- GPU

def gpu_speedups(device: torch.device, plan: Plan) -> list[dict]:
    """mnist5k DCGAN at batch 128: each opt-in flag alone, then all four, each against the reference."""
    rows = []
    for label, flags in GPU_VARIANTS:
        try:
            rows.append({"label": label, **throughput("mnist5k", device, plan, batch_size=128, **flags)})
        except Exception as e:  # one flag failing must not hide the others
            rows.append({"label": label, "error": f"{type(e).__name__}: {e}"[:300]})
    return rows


# ------------------------------------------------------------------------------- the run

def run_bench(args) -> int:
    plan = QUICK if args.quick else FULL
    device = resolve_device(args.device)
    started, t_start, load0 = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), time.perf_counter(), os.getloadavg()
    r: dict = {"quick": bool(args.quick), "device": describe(device), "started": started, "load_start": load0}

    def section(name, fn):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        try:
            r[name] = fn()
        except Exception as e:  # a broken section is reported, not fatal to the others
            r[name] = {"error": f"{type(e).__name__}: {e}"[:500]}
        print(f"bench: {name} done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)

    section("throughput", lambda: [throughput(p, device, plan) for p in ("ring8", "mnist5k")])
    if device.type == "cpu" and plan.thread_rounds:
        section("cpu_threads", lambda: cpu_threads(plan))
    section("time_to_quality", lambda: [time_to_quality("ring8", s, device, plan.ring8_cap_s, plan.check_every)
                                        for s in plan.ring8_seeds]
            + [time_to_quality("mnist5k", 0, device, plan.mnist5k_cap_s, plan.check_every)])
    section("streaming", lambda: [streaming(p, device, plan) for p in plan.stream_presets])
    section("latent_latency", lambda: [latent_latency(n, plan.latency_calls) for n in ("digits", "mnist5k")])
    if plan.app_latency_releases:
        section("slider_latency", lambda: app_slider_latency(plan.app_latency_releases))
    if device.type == "cuda":
        section("gpu_speedups", lambda: gpu_speedups(device, plan))
    r["seconds"] = time.perf_counter() - t_start
    r["load_end"] = os.getloadavg()
    r["versions"] = versions()
    out = write_report(r, Path(args.out), " ".join(["python -m gan_core bench"] + sys.argv[2:]))
    print(f"wrote {out} in {r['seconds']:.0f} s", file=sys.stderr)
    return 0


def versions() -> dict:
    def v(pkg):
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {"python": platform.python_version(), "torch": torch.__version__, "gradio": v("gradio"),
            "cpu threads": torch.get_num_threads(), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores visible"}

