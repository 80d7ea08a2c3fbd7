"""A classroom on the Train tab: N students' browser tabs against one app server, measured.

    python -m benchmarks.classroom --students 10 [--duration 60] [--preset ring8] [--start-within 10]
                                   [--url URL [--server-pid PID]] [--json out.json]

Without --url it starts `python app.py` on a free port (its environment passes through, e.g.
GAN_CLASSROOM_MAX_RUNS). Each student (benchmarks/browser_client.py) loads the page, holds the
heartbeat, polls every second, picks the preset (if not the default) and presses Start at a random
moment within --start-within seconds. After --duration every tab closes, and the bench waits up
to 60 s for the server to end the runs (their processes gone).

What it reports, all read from outside the server: Start's outcome per student (admitted /
queued / refused, from the status line and notice Start answers with); time from pressing Start
to quality, read from the alerts panel ("Modes covered: 8 of 8, >= 80% of samples near a mode";
only 2D mixtures show it) and to step 3,500 for any preset; latency percentiles of poll and Start;
errors and skipped ticks; the server tree's CPU, PSS, threads and processes (benchmarks/proc_tree.py).
This process is the client: it runs at normal priority, apart from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import proc_tree
from .app_server import ROOT, AppServer
from .browser_client import StudentClient

DEFAULT_PRESET = "ring8"
STEP_TARGET = 3500  # steps: a fixed amount of training to time, for presets with no mode count on the page
REAP_WAIT_S = 60.0


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank), or None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


async def _visit(c: StudentClient, rng: random.Random, args, t_open: float) -> None:
    """One student: open the page, pick the preset, press Start at a random moment (the timer polls meanwhile)."""
    start_at = t_open + rng.uniform(0.0, args.start_within)
    await asyncio.sleep(rng.uniform(0.0, 1.0))  # a class opens the page within a second or so
    try:
        await c.open()
    except Exception as e:  # a page that does not load is an error of the run, reported
        c.rec.errors.append(f"page load: {type(e).__name__}: {e}")
        return
    if args.preset != DEFAULT_PRESET:
        await c.choose("preset", args.preset)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    await c.click("start")


def _loadavg() -> float | None:
    """The machine's 1-minute load average: other work on a shared machine shows here."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _commit() -> str | None:
    """The commit of the app this bench started (its checkout), for labelling results."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or None
    except OSError:
        return None


class Sampler:
    """The server tree's numbers every `every` seconds in a thread-free way: called from the loop."""

    def __init__(self, pid: int | None):
        self.pid, self.samples = pid, []
        self.cpu_s = 0.0  # this process's CPU spent reading /proc: not the client's, subtracted from it

    def take(self, label: str = "") -> dict | None:
        if self.pid is None:
            return None
        c = time.process_time()
        s = {"t": time.monotonic(), "label": label, "loadavg": _loadavg(), **asdict(proc_tree.sample(self.pid))}
        self.samples.append(s)
        self.cpu_s += time.process_time() - c
        return s

    async def every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.take()


async def run_class(url: str, server_pid: int | None, args) -> dict:
    rng = random.Random(args.seed)
    sampler = Sampler(server_pid)
    before = sampler.take("before")
    cpu0, t0 = time.process_time(), time.monotonic()
    background = asyncio.create_task(sampler.every(5.0))
    clients = [StudentClient(url, step_target=STEP_TARGET) for _ in range(args.students)]
    visits = [asyncio.create_task(_visit(c, random.Random(rng.random()), args, t0)) for c in clients]
    # the client's own CPU per poll, once every page has loaded and pressed Start (page loads cost more)
    steady_at = min(args.duration / 2, args.start_within + 3.0)
    await asyncio.sleep(steady_at)
    cpu_a, ticks_a = time.process_time() - sampler.cpu_s, sum(c.rec.ticks for c in clients)
    await asyncio.sleep(args.duration - steady_at)
    cpu_b, ticks_b = time.process_time() - sampler.cpu_s, sum(c.rec.ticks for c in clients)
    for v in visits:
        if not v.done():
            v.cancel()
    at_end = sampler.take("end of load")
    client_cpu = time.process_time() - cpu0 - sampler.cpu_s
    load_s = time.monotonic() - t0
    await asyncio.gather(*visits, return_exceptions=True)
    await asyncio.gather(*(c.close() for c in clients))
    background.cancel()
    closed_at = time.monotonic()
    after, reaped_s = at_end, None
    if before is not None:
        while time.monotonic() - closed_at < REAP_WAIT_S:
            await asyncio.sleep(0.5)
            after = sampler.take("after close")
            if after["processes"] <= before["processes"]:
                reaped_s = time.monotonic() - closed_at
                break
        await asyncio.sleep(2.0)  # what stays once the runs are gone
        after = sampler.take("after close")
    steady = 1e3 * (cpu_b - cpu_a) / (ticks_b - ticks_a) if ticks_b > ticks_a else None
    return {"args": vars(args), "url": url, "commit": None if args.url else _commit(),
            "env": {k: v for k, v in os.environ.items() if k.startswith("GAN_CLASSROOM_")}, "load_s": load_s,
            "client_cpu_s": client_cpu, "sampler_cpu_s": sampler.cpu_s, "client_steady_ms_per_poll": steady,
            "students": [_student_result(c) for c in clients], "server": {
                "before": before, "end": at_end, "after": after, "reaped_s": reaped_s,
                "peak_pss_mb": max((s["pss_mb"] for s in sampler.samples), default=None),
                "samples": sampler.samples}}


def _student_result(c: StudentClient) -> dict:
    r = c.rec
    steps = [s.step for s in r.seen if s.step is not None]

    def since(t):
        return None if t is None or r.start_sent is None else t - r.start_sent

    return {"outcome": r.outcome or "no start", "start_notice": r.start_notice, "errors": r.errors,
            "latency": r.latency, "ticks": r.ticks, "skipped": r.skipped, "files": r.files,
            "heartbeats": r.heartbeats, "connections": r.connections,
            "start_to_running_s": since(r.running_at), "start_to_quality_s": since(r.quality_at),
            "quality_step": r.quality_step, "start_to_step_target_s": since(r.step_target_at),
            "steps": [(round(s.t, 2), s.step, s.word) for s in r.seen],
            "first_step": steps[0] if steps else None, "last_step": steps[-1] if steps else None}


def summary(res: dict) -> dict:
    """The numbers of the table."""
    st = res["students"]
    outcomes: dict[str, int] = {}
    for s in st:
        outcomes[s["outcome"]] = outcomes.get(s["outcome"], 0) + 1
    lat = {k: [x for s in st for x in s.get("latency", {}).get(k, [])] for k in ("poll", "start")}
    qual = [s["start_to_quality_s"] for s in st if s.get("start_to_quality_s") is not None]
    target = [s["start_to_step_target_s"] for s in st if s.get("start_to_step_target_s") is not None]
    errors = [e for s in st for e in s["errors"]]
    ticks = sum(s.get("ticks", 0) for s in st)
    srv = res["server"]
    out = {"students": len(st), "outcomes": outcomes, "latency_ms": {
        k: {q: (None if pct(v, q) is None else 1e3 * pct(v, q)) for q in (50, 95, 99)} | {"n": len(v)}
        for k, v in lat.items()},
        "quality": {"reached": len(qual), "of_admitted": outcomes.get("admitted", 0), "min_s": min(qual, default=None),
                    "p50_s": pct(qual, 50), "max_s": max(qual, default=None)},
        "step_target": {"reached": len(target), "min_s": min(target, default=None), "p50_s": pct(target, 50),
                        "max_s": max(target, default=None)},
        "refusals": [s["start_notice"] for s in st if s["outcome"] in ("refused", "queued")],
        "last_steps": sorted(s["last_step"] for s in st if s.get("last_step") is not None),
        "errors": len(errors), "first_errors": errors[:5], "ticks": ticks,
        "skipped": sum(s.get("skipped", 0) for s in st),
        "client_cpu_ms_per_poll": res["client_steady_ms_per_poll"],
        "client_cpu_s": res["client_cpu_s"]}
    if srv["before"] is not None:
        b, e, a = srv["before"], srv["end"], srv["after"]
        out["loadavg"] = {"before": b.get("loadavg"), "max": max((x["loadavg"] for x in srv["samples"]
                                                                  if x.get("loadavg") is not None), default=None)}
        root = e["root_cpu_s"] - b["root_cpu_s"] if "root_cpu_s" in b else None
        out["server"] = {"cpu_s": e["cpu_s"] - b["cpu_s"], "cores": (e["cpu_s"] - b["cpu_s"]) / res["load_s"],
                         "server_process_cpu_s": root,
                         "pss_mb": {"before": b["pss_mb"], "end": e["pss_mb"], "peak": srv["peak_pss_mb"],
                                    "after": a["pss_mb"]},
                         "threads": {"before": b["threads"], "end": e["threads"], "after": a["threads"]},
                         "processes": {"before": b["processes"], "end": e["processes"], "after": a["processes"]},
                         "reaped_s": srv["reaped_s"]}
    return out


def _f(x, digits=0, unit="") -> str:
    return "–" if x is None else f"{x:,.{digits}f}{unit}"


def markdown(res: dict, s: dict) -> str:
    a = res["args"]
    lines = [f"**Classroom**: {s['students']} students, {a['preset']}, {a['duration']:.0f} s of load, Start within "
             f"{a['start_within']:.0f} s, {res['url']}" + (f" (app at {res['commit']})" if res.get("commit") else "") +
             "".join(f", {k}={v}" for k, v in res.get("env", {}).items()), "", "| measure | value |", "| --- | --- |"]
    row = lambda k, v: lines.append(f"| {k} | {v} |")  # noqa: E731
    row("Start: admitted / queued / refused", " / ".join(str(s["outcomes"].get(k, 0))
                                                         for k in ("admitted", "queued", "refused")) +
        "".join(f", {k} {v}" for k, v in s["outcomes"].items() if k not in ("admitted", "queued", "refused")))
    if s["refusals"]:
        row("what a refused / queued student reads (the first)", s["refusals"][0].replace("|", "/"))
    spread = lambda d: f"min {_f(d['min_s'], 1)} / p50 {_f(d['p50_s'], 1)} / max {_f(d['max_s'], 1)} s"  # noqa: E731
    q = s["quality"]
    row("Start to quality (the page's alerts: all modes covered, >= 80% near a mode)",
        f"{q['reached']} of {q['of_admitted']} admitted; {spread(q)}")
    t = s["step_target"]
    row(f"Start to step {STEP_TARGET:,}", f"{t['reached']} students; {spread(t)}")
    if s["last_steps"]:
        ls = s["last_steps"]
        row("last step shown (min / median / max)", f"{ls[0]:,} / {int(statistics.median(ls)):,} / {ls[-1]:,}")
    for k in ("poll", "start"):
        L = s["latency_ms"][k]
        row(f"{k} latency p50 / p95 / p99 (n)", f"{_f(L[50])} / {_f(L[95])} / {_f(L[99])} ms ({L['n']})")
    row("ticks sent / skipped (a poll still pending)", f"{s['ticks']} / {s['skipped']}")
    row("errors", f"{s['errors']}" + (f": {s['first_errors'][0]}" if s["errors"] else ""))
    row("client CPU: per poll once all have started / whole load", f"{_f(s['client_cpu_ms_per_poll'], 1, ' ms')} / "
                                                                     f"{s['client_cpu_s']:.1f} s")
    if "server" in s:
        v = s["server"]
        row("server tree CPU over the load (user+sys)", f"{v['cpu_s']:.1f} s = {v['cores']:.2f} cores")
        if v.get("server_process_cpu_s") is not None:
            ticks = s["ticks"] or 1
            row("of which the web server process alone (and divided by polls sent)",
                f"{v['server_process_cpu_s']:.1f} s ({1e3 * v['server_process_cpu_s'] / ticks:.1f} ms)")
        p = v["pss_mb"]
        row("server tree PSS before / end / peak / after close",
            f"{p['before']:,.0f} / {p['end']:,.0f} / {p['peak']:,.0f} / {p['after']:,.0f} MB")
        for k in ("threads", "processes"):
            row(f"server tree {k} before / end of load / after close",
                f"{v[k]['before']} / {v[k]['end']} / {v[k]['after']}")
        la = s["loadavg"]
        row("machine load average (1 min) before / max during", f"{_f(la['before'], 1)} / {_f(la['max'], 1)}")
        row("runs reaped after the tabs closed", "not within 60 s" if v["reaped_s"] is None else
            f"yes, {v['reaped_s']:.1f} s after")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.classroom", description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.add_argument("--start-within", type=float, default=10.0, help="each student presses Start within this many s")
    p.add_argument("--url", help="an app already running (default: start python app.py)")
    p.add_argument("--server-pid", type=int, help="with --url: the server's pid, for its CPU and memory")
    p.add_argument("--seed", type=int, default=0, help="of the students' timings")
    p.add_argument("--json", type=Path, help="write the raw results here")
    p.add_argument("--log", type=Path, help="the started app's output (default: discarded)")
    p.add_argument("--report", type=Path, help="print the table of a --json file written before, and run nothing")
    args = p.parse_args(argv)
    if args.students is None and args.report is None:
        p.error("--students is required")
    return args


def run_async(coro):
    """asyncio.run(coro) in a thread of its own: the caller's thread may have a loop running already
    (a test session that drives Chromium through Playwright's sync API has one)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="classroom-clients") as pool:
        return pool.submit(asyncio.run, coro).result()


def run(args) -> tuple[dict, dict]:
    if args.url:
        res = run_async(run_class(args.url, args.server_pid, args))
    else:
        with AppServer(log_path=args.log) as server:
            res = run_async(run_class(server.url, server.pid, args))
    return res, summary(res)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report:
        res = json.loads(args.report.read_text())
        print(markdown(res, summary(res)))
        return 0
    res, s = run(args)
    print(markdown(res, s))
    if args.json:
        args.json.write_text(json.dumps({"summary": s, **res}, indent=1, default=str))
    return 0 if s["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
