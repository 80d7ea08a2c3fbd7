"""A classroom on the Train tab: N students' browser tabs against one app server, measured.

    python -m benchmarks.classroom --students 10 [--duration 60] [--preset ring8] [--start-within 10]
                                   [--quiet-window 20] [--url URL [--server-pid PID]] [--json out.json]

Without --url it starts `python app.py` on a free port (its environment passes through, e.g.
GAN_CLASSROOM_MAX_RUNS). Each student (benchmarks/browser_client.py) loads the page, holds the
heartbeat, fires the page's load events, picks the preset (if not the default) and presses Start
at a random moment within --start-within seconds; the live view then polls GET live/<token> as
live_view.js does. After --duration every tab closes, and the bench waits up to 60 s for the
server to end the runs (their processes gone).

What it reports, all read from outside the server: Start's outcome per student (admitted /
queued / refused, from the status line and notice Start answers with); time from pressing Start
to quality, read from the alerts panel ("Modes covered: 8 of 8, >= 80% of samples near a mode";
only 2D mixtures show it) and to step 3,500 for any preset; latency percentiles of the polls and
Start; the polls' body bytes and share of 204s; errors; the server tree's CPU (the web server
process apart from its children: per poll answered in the steady window), PSS, threads and
processes (benchmarks/proc_tree.py). And the training efficiency ratio: near the end, a window
of --quiet-window seconds in which no tab polls (the tabs stay open, their heartbeats go on),
against an equally long window right before it in which all poll: the class's steps/s in each,
from the steps the poll answers carry. This process is the client: it runs at normal priority,
apart from the server.
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
REAP_WAIT_S = 90.0  # (a closed tab's run waits reconnect_s = 60 s for a reload before it is closed)
QUIET_WINDOW_S = 20.0  # the quiet window (no tab polls) and the watched window before it
QUIET_TAIL_S = 10.0  # polling again after the quiet window, before the load ends


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank), or None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


async def _visit(c: StudentClient, rng: random.Random, args, t_open: float) -> None:
    """One student: open the page, pick the preset, press Start at a random moment (the live view then polls)."""
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


def timeline(args) -> dict:
    """When (seconds into the load) the steady window starts, and the watched / quiet windows (or None)."""
    steady = min(args.duration / 2, args.start_within + 3.0)  # every page loaded and Start pressed
    w = args.quiet_window
    quiet = args.duration - w - QUIET_TAIL_S
    if w <= 0 or quiet - w < steady:
        return {"steady": steady, "watched": None, "quiet": None, "resumed": None}
    return {"steady": steady, "watched": quiet - w, "quiet": quiet, "resumed": quiet + w}


async def run_class(url: str, server_pid: int | None, args) -> dict:
    rng = random.Random(args.seed)
    sampler = Sampler(server_pid)
    before = sampler.take("before")
    cpu0, t0 = time.process_time(), time.monotonic()
    background = asyncio.create_task(sampler.every(5.0))
    clients = [StudentClient(url, step_target=STEP_TARGET) for _ in range(args.students)]
    visits = [asyncio.create_task(_visit(c, random.Random(rng.random()), args, t0)) for c in clients]
    plan = timeline(args)
    marks: dict[str, dict] = {}  # label -> {t (monotonic), client_cpu_s, server sample}

    async def mark(label: str, at: float) -> None:
        await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
        marks[label] = {"t": time.monotonic(), "client_cpu_s": time.process_time() - sampler.cpu_s,
                        "server": sampler.take(label)}

    await mark("steady", plan["steady"])
    if plan["quiet"] is not None:
        await mark("watched", plan["watched"])
        await mark("quiet", plan["quiet"])
        for c in clients:
            c.hold_polls()
        await mark("resumed", plan["resumed"])
        for c in clients:
            c.resume_polls()
    await mark("end", args.duration)
    for v in visits:
        if not v.done():
            v.cancel()
    at_end = marks["end"]["server"]
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
    return {"args": vars(args), "url": url, "commit": None if args.url else _commit(),
            "env": {k: v for k, v in os.environ.items() if k.startswith("GAN_CLASSROOM_")}, "load_s": load_s,
            "client_cpu_s": client_cpu, "sampler_cpu_s": sampler.cpu_s,
            "marks": {k: {"t": m["t"] - t0, "client_cpu_s": m["client_cpu_s"], "server": m["server"]}
                      for k, m in marks.items()},
            "students": [_student_result(c, t0) for c in clients], "server": {
                "before": before, "end": at_end, "after": after, "reaped_s": reaped_s,
                "peak_pss_mb": max((s["pss_mb"] for s in sampler.samples), default=None),
                "samples": sampler.samples}}


def _student_result(c: StudentClient, t0: float) -> dict:
    r = c.rec
    steps = [s.step for s in r.seen if s.step is not None]
    off = c._t0 - t0  # this tab's clock -> the load's

    def since(t):
        return None if t is None or r.start_sent is None else t - r.start_sent

    return {"outcome": r.outcome or "no start", "start_notice": r.start_notice, "errors": r.errors,
            "latency": r.latency, "statuses": {str(k): v for k, v in r.statuses.items()}, "gone": r.gone,
            "heartbeats": r.heartbeats, "connections": r.connections,
            # each poll: (sent, answered, HTTP status, body bytes, step as of it), seconds into the load
            "polls": [(round(p.sent + off, 3), round(p.t + off, 3), p.status, p.nbytes, p.step) for p in r.polls],
            "start_to_running_s": since(r.running_at), "start_to_quality_s": since(r.quality_at),
            "quality_step": r.quality_step, "start_to_step_target_s": since(r.step_target_at),
            "steps": [(round(s.t + off, 2), s.step, s.word) for s in r.seen],
            "first_step": steps[0] if steps else None, "last_step": steps[-1] if steps else None}


def efficiency(res: dict) -> dict | None:
    """The class's steps/s while every tab polls (the watched window) and while none does (the quiet
    window), each student's from the steps its poll answers carry: watched from its last answer
    before the window to its last answer before the quiet one; quiet from there to its first answer
    after it. A 204 carries the step of the last 200 (unchanged: nothing new)."""
    m = res.get("marks", {})
    if "quiet" not in m:
        return None
    a, resumed = m["watched"]["t"], m["resumed"]["t"]
    watched = unwatched = after = 0.0
    counted = 0
    for st in res["students"]:
        polls = [p for p in st["polls"] if p[4] is not None]
        pa = [p for p in polls if p[1] <= a]
        pb = [p for p in polls if p[1] < resumed]
        pc = [p for p in polls if p[1] >= resumed]
        if not pa or not pb or not pc or pb[-1][1] <= pa[-1][1] or pc[0][1] <= pb[-1][1]:
            continue
        (ta, sa), (tb, sb), (tc, sc) = (pa[-1][1], pa[-1][4]), (pb[-1][1], pb[-1][4]), (pc[0][1], pc[0][4])
        watched += (sb - sa) / (tb - ta)
        unwatched += (sc - sb) / (tc - tb)
        if pc[-1][1] > tc:  # (and polling again after it, to the end: a drift over time shows here)
            after += (pc[-1][4] - sc) / (pc[-1][1] - tc)
        counted += 1
    return {"students": counted, "watched_steps_per_s": watched, "unwatched_steps_per_s": unwatched,
            "after_steps_per_s": after,
            "ratio": watched / unwatched if unwatched > 0 else None, "window_s": m["resumed"]["t"] - m["quiet"]["t"]}


def _cpu(m0: dict, m1: dict) -> dict | None:
    """The server's CPU between two marks: the web server process alone, and its children."""
    s0, s1 = m0["server"], m1["server"]
    if s0 is None or s1 is None:
        return None
    web = s1["root_cpu_s"] - s0["root_cpu_s"]
    return {"seconds": m1["t"] - m0["t"], "web_s": web, "children_s": (s1["cpu_s"] - s0["cpu_s"]) - web}


def _answered(res: dict, t0: float, t1: float) -> list:
    return [p for st in res["students"] for p in st["polls"] if t0 <= p[1] < t1]


def summary(res: dict) -> dict:
    """The numbers of the table."""
    st = res["students"]
    outcomes: dict[str, int] = {}
    for s in st:
        outcomes[s["outcome"]] = outcomes.get(s["outcome"], 0) + 1
    lat = {k: [x for s in st for x in s.get("latency", {}).get(k, [])] for k in ("live", "start")}
    qual = [s["start_to_quality_s"] for s in st if s.get("start_to_quality_s") is not None]
    target = [s["start_to_step_target_s"] for s in st if s.get("start_to_step_target_s") is not None]
    errors = [e for s in st for e in s["errors"]]
    polls = [p for s in st for p in s.get("polls", [])]
    statuses: dict[str, int] = {}
    for p in polls:
        statuses[str(p[2])] = statuses.get(str(p[2]), 0) + 1
    ok_bytes = [p[3] for p in polls if p[2] == 200]
    all_bytes = [p[3] for p in polls]
    held = res.get("marks", {}).get("quiet", {}).get("t", math.inf)  # (the gap across the quiet window is left out)
    gaps = [b[0] - a[0] for s in st for a, b in zip(s.get("polls", []), s.get("polls", [])[1:])
            if not a[0] < held <= b[0]]
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
        "errors": len(errors), "first_errors": errors[:5], "polls": len(polls),
        "statuses": statuses, "gone": [s["gone"] for s in st if s.get("gone")],
        "bytes": {"p50_200": pct(ok_bytes, 50), "p95_200": pct(ok_bytes, 95), "p50_all": pct(all_bytes, 50),
                  "p95_all": pct(all_bytes, 95), "mean_all": statistics.fmean(all_bytes) if all_bytes else None,
                  "share_204": statuses.get("204", 0) / len(polls) if polls else None},
        "period_s": {"p50": pct(gaps, 50), "p95": pct(gaps, 95)},
        "client_cpu_s": res["client_cpu_s"], "efficiency": efficiency(res)}
    m = res.get("marks", {})
    end = "quiet" if "quiet" in m else "end"
    if "steady" in m and end in m:
        n = len(_answered(res, m["steady"]["t"], m[end]["t"]))
        out["steady"] = {"from_s": m["steady"]["t"], "to_s": m[end]["t"], "polls": n,
                         "client_ms_per_poll": 1e3 * (m[end]["client_cpu_s"] - m["steady"]["client_cpu_s"]) / n
                         if n else None, "cpu": _cpu(m["steady"], m[end])}
        c = out["steady"]["cpu"]
        if c is not None and n:
            c["web_ms_per_poll"] = 1e3 * c["web_s"] / n
    if "quiet" in m:
        out["windows"] = {"watched": _cpu(m["watched"], m["quiet"]), "quiet": _cpu(m["quiet"], m["resumed"]),
                          "watched_polls": len(_answered(res, m["watched"]["t"], m["quiet"]["t"]))}
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
    for k in ("live", "start"):
        L = s["latency_ms"][k]
        row(f"{'poll (GET live/)' if k == 'live' else k} latency p50 / p95 / p99 (n)",
            f"{_f(L[50])} / {_f(L[95])} / {_f(L[99])} ms ({L['n']})")
    per = s["period_s"]
    row("polls answered (by HTTP status); poll period p50 / p95",
        f"{s['polls']} (" + ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items())) +
        f"); {_f(per['p50'], 2)} / {_f(per['p95'], 2)} s")
    by = s["bytes"]
    row("bytes per poll: 200 answers p50 / p95; all answers p50 / p95 / mean; share of 204",
        f"{_f(by['p50_200'])} / {_f(by['p95_200'])} B; {_f(by['p50_all'])} / {_f(by['p95_all'])} / "
        f"{_f(by['mean_all'])} B; {_f(None if by['share_204'] is None else 100 * by['share_204'], 1)}%")
    row("errors", f"{s['errors']}" + (f": {s['first_errors'][0]}" if s["errors"] else "") +
        (f"; poll loops ended early (410/404): {len(s['gone'])}" if s["gone"] else ""))
    sd = s.get("steady")
    if sd:
        row(f"client CPU per poll, steady window ({sd['from_s']:.0f}-{sd['to_s']:.0f} s, {sd['polls']} polls) / "
            "whole load", f"{_f(sd['client_ms_per_poll'], 2, ' ms')} / {s['client_cpu_s']:.1f} s")
        c = sd["cpu"]
        if c is not None:
            row("web server process CPU per poll answered, steady window (its CPU / polls)",
                f"{_f(c.get('web_ms_per_poll'), 2, ' ms')} ({c['web_s']:.1f} s / {sd['polls']})")
            row("steady window CPU: web server process / its children (class, runs, zygote)",
                f"{c['web_s'] / c['seconds']:.2f} / {c['children_s'] / c['seconds']:.2f} cores")
    e = s.get("efficiency")
    if e:
        w = s["windows"]
        row(f"training efficiency: class steps/s watched (all poll) / unwatched (none polls), {e['window_s']:.0f} s "
            f"each, {e['students']} students", f"{e['watched_steps_per_s']:,.0f} / {e['unwatched_steps_per_s']:,.0f}"
            f" steps/s = **{_f(e['ratio'], 3)}** (polling again after it, to the end: {e['after_steps_per_s']:,.0f})")
        if w["watched"] is not None:
            cores = lambda x, k: x[k] / x["seconds"]  # noqa: E731
            row("those windows' CPU: web server watched / quiet; children watched / quiet",
                f"{cores(w['watched'], 'web_s'):.2f} / {cores(w['quiet'], 'web_s'):.2f} cores; "
                f"{cores(w['watched'], 'children_s'):.2f} / {cores(w['quiet'], 'children_s'):.2f} cores")
            if w["watched_polls"]:
                extra = w["watched"]["web_s"] - w["quiet"]["web_s"] * w["watched"]["seconds"] / w["quiet"]["seconds"]
                row("web server CPU the polls add, per poll (watched minus quiet window)",
                    f"{1e3 * extra / w['watched_polls']:.2f} ms ({w['watched_polls']} polls)")
    if "server" in s:
        v = s["server"]
        row("server tree CPU over the load (user+sys)", f"{v['cpu_s']:.1f} s = {v['cores']:.2f} cores")
        if v.get("server_process_cpu_s") is not None:
            row("of which the web server process alone", f"{v['server_process_cpu_s']:.1f} s")
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
    p.add_argument("--quiet-window", type=float, default=QUIET_WINDOW_S,
                   help="seconds without polls near the end, against as many with (default 20; 0: none)")
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
    from benchmarks import class_drift  # (it reads this module's percentiles: imported late, no cycle)

    args = parse_args(argv)
    if args.report:
        res = json.loads(args.report.read_text())
        print(markdown(res, summary(res)))
        print(class_drift.markdown(res))
        return 0
    res, s = run(args)
    print(markdown(res, s))
    print(class_drift.markdown(res))
    if args.json:
        args.json.write_text(json.dumps({"summary": s, **res}, indent=1, default=str))
    return 0 if s["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
