"""`python -m gan_core bench`: how fast the engine trains, reaches quality, streams and answers.

    python -m gan_core bench            # full run (~12 min on 2 quiet cores, ~20 at load 10): docs/BENCHMARKS.md
    python -m gan_core bench --quick    # a < 60 s smoke run of every section (tests/benchmarks/test_bench.py)
    python -m gan_core bench --json r.json   # also the numbers: bench_report.write_report(json.load(...), ...)

Sections, each a function returning plain numbers that `write_report` turns into Markdown:
  throughput       our Trainer (as the app runs it) vs the PyTorch DCGAN example's loop
                   (bench_reference.py): same networks, batch, objective and device, measured
                   alternately (ours, ref, ours, ref, ...), so load on a shared machine hits both
  cpu_threads      (CPU) one training step with OpenMP spinning, sleeping (passive) or one thread
  time_to_quality  seconds until ring8 covers 8/8 modes and mnist5k 10/10 classes (live diagnostics)
  streaming        training speed while a student's tab watches the run (the live view's polls of
                   GET live/<token>, as the page sends them) vs nobody watching; the CPU each poll costs
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
from gan_core.presets import get_preset
from gan_core.train import train_step
from live.single.remote import RemoteTrainer
from live.single.trainer import WATCHED_S, Trainer

from .bench_latency import app_slider_latency, latent_latency
from .bench_report import write_report
from .bench_throughput import spread, throughput
from .browser_client import POLL_S, StudentClient

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

def _windows(trainer, poll, plan: Plan) -> dict:
    """Alternate windows without and with a reader that polls as the page does (the next poll 1 s
    after each answer), the order flipped every round (so a drift in the machine's load falls on
    both); steps/s of the run in each. After a polled window the run still counts as watched for
    WATCHED_S (it keeps drawing its picture): the next window waits that out.

    `poll()` makes one poll and returns None or {"cpu_s": the client process's CPU seconds so far
    (absent for a reader in this process), "status": the HTTP status, "bytes": the body's bytes}."""
    rates = {"none": [], "polled": []}
    others = {"none": [], "polled": []}  # CPU s of this process's work other than training (the server)
    polls_in: list[int] = []  # polls answered in each polled window
    latencies: list[float] = []
    client_ms: list[float] = []  # the polling client's own CPU per poll (not the server's: it stands in for a browser)
    body_bytes: list[int] = []  # each 200 answer's body
    statuses: dict[int, int] = {}
    thread = getattr(trainer, "_thread", None)  # a run in a thread: its own CPU clock, where the OS has one
    clock = (time.pthread_getcpuclockid(thread.ident)
             if thread is not None and hasattr(time, "pthread_getcpuclockid") else None)
    measured = clock is not None or thread is None  # a run in its own process: all of ours is the server's
    pid = getattr(trainer, "pid", None)  # a run in its own process (or the class process): its CPU from /proc (Linux)
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

    poll()  # warm caches (the first payload: all the history, texts, a picture) outside the windows
    time.sleep(WATCHED_S + 0.5)
    for r in range(plan.stream_rounds):
        for kind in (("none", "polled") if r % 2 == 0 else ("polled", "none")):
            stop = threading.Event()
            seen = []  # what poll() returned, in this window

            def reader():
                while True:  # (at least one poll per polled window, however short)
                    t = time.perf_counter()
                    seen.append(poll())
                    latencies.append(time.perf_counter() - t)
                    if stop.wait(POLL_S):  # live_view.js: setTimeout(poll, 1000) once the answer is in
                        return

            reader_thread = threading.Thread(target=reader, daemon=True) if kind == "polled" else None
            s0, t0, (p0, c0), r0 = trainer.current_step, time.perf_counter(), cpu(), run_cpu()
            if reader_thread:
                reader_thread.start()
            time.sleep(plan.stream_window_s)
            s1, t1, (p1, c1), r1 = trainer.current_step, time.perf_counter(), cpu(), run_cpu()
            stop.set()
            if reader_thread:
                reader_thread.join()
                time.sleep(WATCHED_S + 0.5)  # no longer watched: the run has stopped drawing
                polls_in.append(len(seen))
            rates[kind].append((s1 - s0) / (t1 - t0))
            others[kind].append((p1 - p0) - (c1 - c0))
            if r0 is not None and r1 is not None and s1 > s0:
                run_cpu_ms[kind].append(1e3 * (r1 - r0) / (s1 - s0))
            answers = [a for a in seen if a is not None]
            for a in answers:
                statuses[a.get("status", 0)] = statuses.get(a.get("status", 0), 0) + 1
                if a.get("status") == 200:
                    body_bytes.append(a["bytes"])
            cpus = [a["cpu_s"] for a in answers if a.get("cpu_s") is not None]
            if len(cpus) > 1 and len(cpus) == len(seen):
                client_ms.append(1e3 * (cpus[-1] - cpus[0]) / (len(cpus) - 1))
    ratios = [p / n for n, p in zip(rates["none"], rates["polled"]) if n > 0]  # (a run starved of a core: no ratio)
    if not ratios:
        raise RuntimeError("the run made no steps in its unwatched windows (the machine gave it no core)")
    out = {"none": spread(rates["none"]), "polled": spread(rates["polled"]), "ratio": spread(ratios),
           "overhead": 1.0 - statistics.median(ratios), "poll_s": spread(latencies),
           "polls_per_window": spread(polls_in), "statuses": {str(k): v for k, v in sorted(statuses.items())}}
    if measured:  # the polled window's extra CPU, per poll answered in it (the server's work for one poll)
        out["server_cpu_ms"] = spread([1e3 * (p - n) / max(1, k)
                                       for n, p, k in zip(others["none"], others["polled"], polls_in)])
    if body_bytes:
        out["bytes"] = spread(body_bytes)
    if client_ms:
        out["client_cpu_ms"] = spread(client_ms)
    if run_cpu_ms["none"] and len(run_cpu_ms["none"]) == len(run_cpu_ms["polled"]):
        # the run's own work per step, watched vs not: the pictures it draws and the snapshots it
        # serves, without the time it waits for a core (which the overhead above also counts)
        out["run_cpu_ms"] = {k: spread(v) for k, v in run_cpu_ms.items()}
        out["run_cpu_overhead"] = statistics.median(p / n for n, p in zip(run_cpu_ms["none"], run_cpu_ms["polled"])) - 1
    return out


# The watching student's tab runs in its own process, at the lowest priority (nice 19): it stands in
# for a student's browser on its own laptop. It is benchmarks/browser_client.py's StudentClient: it
# loads the page (heartbeat and load events included), picks the preset, presses Start as the page
# does (POST queue/join, the answer on the SSE stream) and keeps the live view's store; its own poll
# loop is held, and each line on stdin makes it send the poll that loop would send,
# GET live/<token>?v=&r=&h=&t=&p=, and merge the answer. It reports its CPU, so the report says what it cost.
_CLIENT = """
import asyncio, json, os, sys, time
os.nice(19)
from benchmarks.browser_client import StudentClient

async def main(url, preset):
    c = StudentClient(url)
    await c.open()
    await c.choose("preset", preset)
    await c.click("start")
    c.hold_polls()  # the bench says when to poll
    if c.token is None:
        print("error", json.dumps({"outcome": c.rec.outcome, "errors": c.rec.errors[-3:]}), flush=True)
        return
    print("started", c.session_hash, flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)):
        n = len(c.rec.polls)
        await c.poll()
        p = c.rec.polls[-1] if len(c.rec.polls) > n else None
        print("ok", time.process_time(), p.status if p else 0, p.nbytes if p else 0, flush=True)
    await c.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _streaming_app(preset: str, plan: Plan) -> dict:
    """The real app (app.build_demo with its launch options: the live route included) on a local
    port, watched by one student's tab (`_CLIENT`) in a separate process: Start through the page's
    event, then the live view's polls, answered by ui/live_view/feed.py's LiveRoute (snapshot ->
    payload: texts, history rows since the page's, the picture packed once per frame) as JSON."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    sys.path.insert(0, str(ROOT))
    from app import build_demo, launch_options

    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            **launch_options(demo))
    client = subprocess.Popen([sys.executable, "-c", _CLIENT, url, preset], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)})
    try:
        said = client.stdout.readline().split(maxsplit=2)
        if said[:1] != ["started"]:
            raise RuntimeError(f"the client could not start a run: {' '.join(said) or 'no answer'}")
        trainer = demo.ctx.registry.peek(said[1])  # (peek: only the client's polls mark the run watched)
        deadline = time.monotonic() + 120.0
        while trainer is not None and trainer.snapshot().status != "running" and time.monotonic() < deadline:
            time.sleep(0.5)  # (a run process builds its run first; the windows wait out this snapshot's watching)
        if trainer is None or trainer.snapshot().status != "running":
            raise RuntimeError("the app did not start a run for the client")

        def poll() -> dict:
            client.stdin.write("poll\n")
            client.stdin.flush()
            answer = client.stdout.readline().split()
            if answer[:1] != ["ok"]:
                raise RuntimeError("the polling client stopped")
            return {"cpu_s": float(answer[1]), "status": int(answer[2]), "bytes": int(answer[3])}

        time.sleep(1.0)
        training = ("class process" if getattr(trainer, "shares_a_step", False)
                    else "process" if isinstance(trainer, RemoteTrainer) else "thread")  # (live.factory)
        return {"preset": preset, "how": "app", "training": training, **_windows(trainer, poll, plan)}
    finally:
        client.kill()
        client.wait(10)
        demo.ctx.registry.shutdown()
        demo.close()


class _OneRun:
    """The registry's part in a poll (live.serving.sessions.SessionRegistry: peek, get, queue_note) for one run."""

    def __init__(self, run):
        self.run = run

    def peek(self, session):
        return self.run

    get = peek

    def queue_note(self, session):
        return ""


def _streaming_in_process(preset: str, device: torch.device, plan: Plan, why: str) -> dict:
    """A Trainer in its thread, and a reader that does in this process what the server does for a
    poll (ui/live_view/feed.py LiveFeed.answer: snapshot, payload packed as JSON) with the page's
    query, kept by a StudentClient's store as the browser keeps it (its merge of the answer is in
    the figures too: a parse of a few KB)."""
    sys.path.insert(0, str(ROOT))
    from ui.live_view.feed import LiveFeed
    from ui.live_view.payload import Have


    cfg = get_preset(preset, train={"device": device.type})
    trainer = Trainer(cfg, device, metric_fn=live_metrics)
    feed = LiveFeed(_OneRun(trainer))
    token = feed.token_for("bench", trainer)
    tab = StudentClient("http://127.0.0.1:9/")  # (its store only: nothing is sent)

    def poll() -> dict:
        status, body = feed.answer(token, Have.from_query(dict(kv.split("=") for kv in tab.query().split("&"))))
        if status == 200:
            tab._apply(json.loads(body))
        return {"status": status, "bytes": len(body)}

    trainer.start()
    try:
        time.sleep(1.0)
        return {"preset": preset, "how": "in-process", "training": "thread", "why": why,
                **_windows(trainer, poll, plan)}
    finally:
        trainer.stop()
        tab.http.close()


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
    loads, done = [], threading.Event()  # the 1-minute load average every 30 s: how shared the machine was

    def sample_load():
        while not done.wait(30.0):
            loads.append(os.getloadavg()[0])

    threading.Thread(target=sample_load, name="bench-load", daemon=True).start()

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
    done.set()
    if loads:
        r["load_during"] = spread(loads)
    r["versions"] = versions()
    r["presets"] = preset_forms()
    if getattr(args, "json", None):  # the numbers, for a report rewritten later (its prose edited)
        Path(args.json).write_text(json.dumps(r, indent=1))
    out = write_report(r, Path(args.out), " ".join(["python -m gan_core bench"] + sys.argv[2:]))
    print(f"wrote {out} in {r['seconds']:.0f} s", file=sys.stderr)
    return 0


def preset_forms(names=("ring8", "mnist5k")) -> dict[str, str]:
    """The measured presets' networks and optimiser, in words (the report says what its rows are of)."""
    out = {}
    for name in names:
        cfg = get_preset(name)
        m, t = cfg.model, cfg.train
        net = (f"{m.depth} x {m.hidden} MLP" + (f", pack {m.pack}" if m.pack > 1 else "") if m.arch == "mlp"
               else f"DCGAN (nz {m.nz}, ngf {m.ngf}, ndf {m.ndf})")
        lr = f"{t.lr_g:g}" if t.lr_g == t.lr_d else f"{t.lr_g:g} (G) / {t.lr_d:g} (D)"
        out[name] = f"{net}, batch {t.batch_size}, Adam lr {lr}, {cfg.loss.objective}"
    return out


def versions() -> dict:
    def v(pkg):
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {"python": platform.python_version(), "torch": torch.__version__, "gradio": v("gradio"),
            "cpu threads": torch.get_num_threads(), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores visible"}

