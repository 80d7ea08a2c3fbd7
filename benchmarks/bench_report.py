"""docs/BENCHMARKS.md from the numbers `bench.run_bench` measured: setting, targets, one section each."""

from __future__ import annotations

import functools
from pathlib import Path

NO_GPU = "not yet measured (no GPU available to this task)"


NOTES_FILE = Path(__file__).with_name("report_notes.md")


@functools.lru_cache(maxsize=1)
def _notes() -> dict[str, str]:
    """report_notes.md's sections: a line "## key", then its paragraph on one line."""
    notes, key = {}, None
    for line in NOTES_FILE.read_text().splitlines():
        if line.startswith("## "):
            key = line[3:].strip()
        elif key is not None and line.strip():
            notes[key] = line
    return notes


def note(key: str) -> str:
    """The paragraph for `key` from benchmarks/report_notes.md."""
    return _notes()[key]


def _f(s: dict, digits: int = 0, scale: float = 1.0) -> str:
    """A spread as 'median (min-max)'."""
    m, lo, hi = (s[k] * scale for k in ("median", "min", "max"))
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def _error(section) -> str | None:
    return section.get("error") if isinstance(section, dict) else None


def _targets(r: dict) -> list[str]:
    cpu = r["device"].startswith("cpu")
    rows = ["| target | measured | met? |", "| --- | --- | --- |"]

    def row(name, measured, met):
        rows.append(f"| {name} | {measured} | {met} |")

    tp = r.get("throughput")
    for p in ("ring8", "mnist5k"):
        name = f"CPU: ours/reference >= 1.0 with defaults ({p})"
        if not cpu:
            row(name, "not measured (this run is on a GPU)", "—")
        elif _error(tp) or not tp:
            row(name, f"error: {_error(tp)}", "no")
        else:
            t = next(x for x in tp if x["preset"] == p)
            by_cpu = f"; by CPU time {t['cpu_ratio']['median']:.2f}" if "cpu_ratio" in t else ""
            row(name, f"{t['ratio']['median']:.2f} (rounds {t['ratio']['min']:.2f}–{t['ratio']['max']:.2f}){by_cpu}",
                "yes" if t["ratio"]["median"] >= 1.0 else "no")
    q = r.get("time_to_quality")
    for p, limit in (("ring8", 30.0), ("mnist5k", 120.0)):
        name = f"CPU: {p} to quality in under {limit:.0f} s"
        runs = [x for x in (q if isinstance(q, list) else []) if x["preset"] == p]
        if not cpu:
            row(name, "not measured (this run is on a GPU)", "—")
        elif not runs:
            row(name, f"error: {_error(q)}", "no")
        elif runs[0]["status"].startswith("not measured"):
            row(name, runs[0]["status"], "—")
        else:
            said = "; ".join(f"seed {x['seed']}: "
                             + (f"{x['seconds']:.0f} s" if x["status"] == "reached" else x["status"])
                             for x in runs)
            ok = sum(x["status"] == "reached" and x["seconds"] < limit for x in runs)
            row(name, said, "yes" if ok == len(runs) else f"no ({ok} of {len(runs)} seeds)")
    st = r.get("streaming")
    name = "CPU: streaming costs under 5% of throughput"
    if not cpu:
        row(name, "not measured (this run is on a GPU)", "—")
    elif _error(st) or not st:
        row(name, f"error: {_error(st)}", "no")
    else:
        said = "; ".join(f"{x['preset']}: {100 * x['overhead']:.1f}% (pairs {_pct_range(x)})" for x in st)
        row(name, said, "yes" if all(x["overhead"] < 0.05 for x in st) else "no")
    _slider_target(r.get("slider_latency"), row)
    row("CPU: replay slider click to new picture and curves, p95 under 150 ms, through the app (section 8, "
        "docs/REPLAY_LATENCY.md)", note("replays_target"), "yes (2026-11-29)")
    name = "GPU: ours/reference >= 2.0, mnist5k DCGAN, batch 128, opt-in speed-ups on"
    g = r.get("gpu_speedups")
    if cpu or g is None:
        row(name, NO_GPU, "—")
    else:
        best = [x for x in g if "ratio" in x]
        if best:
            top = max(best, key=lambda x: x["ratio"]["median"])
            row(name, f"{top['ratio']['median']:.2f} ({top['label']})",
                "yes" if top["ratio"]["median"] >= 2.0 else "no")
        else:
            row(name, f"error: {g[0].get('error') if g else _error(g)}", "no")
    return rows


def _throughput(r: dict) -> list[str]:
    tp = r.get("throughput")
    out = ["## 1. Training throughput: our Trainer vs a plain reference loop", ""]
    if _error(tp):
        return out + [f"Error: {_error(tp)}", ""]
    out += ["| preset | batch | ours, steps/s | reference, steps/s | ours / reference | CPU ms/step, ours | "
            "CPU ms/step, reference | ours / reference by CPU time | rounds |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in tp:
        cpu = t.get("cpu_ms")
        cpu_cols = (f"{_f(cpu['ours'], 2)} | {_f(cpu['reference'], 2)} | {_f(t['cpu_ratio'], 2)}" if cpu
                    else "— | — | —")
        out.append(f"| {t['preset']} | {t['batch']} | {_f(t['ours'])} | {_f(t['reference'])} | "
                   f"**{_f(t['ratio'], 2)}** | {cpu_cols} | {t['ratio']['n']} |")
    out += ["", note("throughput"), ""]
    return out


def _threads(r: dict) -> list[str]:
    ct = r.get("cpu_threads")
    out = ["## 2. CPU threads: OpenMP waiting policy", ""]
    if ct is None:
        return out + ["Not measured in this run (" + ("--quick" if r["quick"] else "not a CPU run") + ").", ""]
    if _error(ct):
        return out + [f"Error: {_error(ct)}", ""]
    labels = list(next(iter(ct.values())))
    out += ["| preset | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for preset, row in ct.items():
        out.append(f"| {preset} | " + " | ".join(f"{_f(row[k], 1)} ms" for k in labels) + " |")
    out += ["", note("threads"), ""]
    return out


def _quality(r: dict) -> list[str]:
    q = r.get("time_to_quality")
    out = ["## 3. Time to quality", ""]
    if _error(q):
        return out + [f"Error: {_error(q)}", ""]
    out += ["| preset | seed | test | result | steps | last check |", "| --- | --- | --- | --- | --- | --- |"]
    for x in q:
        if x["status"] == "reached":
            result, steps, last = f"**{x['seconds']:.1f} s**", x["step"], x["metrics"]
        else:
            result, steps, last = x["status"], x.get("steps", "—"), x.get("last", {})
        shown = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in last.items()
                          if k in ("step", "modes_covered", "high_quality_fraction", "classes_covered",
                                   "mean_confidence"))
        out.append(f"| {x['preset']} | {x['seed']} | {x['test']} | {result} | {steps} | {shown or '—'} |")
    checks = sorted({x["check_every"] for x in q})
    out += ["", f"Seconds from Start until the live diagnostics (`diagnostics.live_metrics`, run by the Trainer every "
            f"{', '.join(map(str, checks))} steps: `metrics.mode_coverage` for ring8, the shipped classifier "
            "`checkpoints/classifier-mnist5k.safetensors` and `metrics.class_histogram` for mnist5k) first pass the "
            "test; building the run is not counted. A `Trainer` on a thread of this process, as a run alone trains "
            "(in a class, ring8 runs train in the class process's batched step instead: their time to quality is in "
            "docs/CLASSROOM.md). The presets' own settings and seeds: ring8 is the class preset, 2 x 32 at batch 128 "
            "and lr 1e-2, chosen because thirty runs of it step together in a few ms and it covered 8/8 modes in 5 of"
            " 5 seeds by 2,500-3,250 steps (docs/BATCHED.md); the mnist5k preset's Adam lr 5e-4 was chosen in session"
            " 2 because it reaches 10/10 classes in ~1,100 steps instead of ~3,800 and ends with better samples: FD "
            "62 vs 89.", ""]
    return out


def _pct_range(x: dict) -> str:
    """Overhead per window pair, as a range: 1 - max(ratio) .. 1 - min(ratio)."""
    return f"{100 * (1 - x['ratio']['max']):.1f}% to {100 * (1 - x['ratio']['min']):.1f}%"


TRAINING = {"thread": "run in a thread", "process": "run in a process", "class process": "run in the class process"}


def _bytes(x: dict) -> str:
    """A 200 answer's body bytes, median (min–max), and how many answers were 204 (nothing new)."""
    if not x.get("bytes"):
        return "—"
    b = x["bytes"]
    statuses = x.get("statuses", {})
    n = sum(statuses.values())
    empty = f"; {statuses.get('204', 0)} of {n} were 204" if n else ""
    return f"{b['median'] / 1e3:.1f} KB ({b['min'] / 1e3:.1f}–{b['max'] / 1e3:.1f}){empty}"


def _streaming(r: dict) -> list[str]:
    st = r.get("streaming")
    out = ["## 4. Streaming overhead: one student watching the run", ""]
    if _error(st):
        return out + [f"Error: {_error(st)}", ""]
    out += ["| preset | how | steps/s, no reader | steps/s, reader | overhead (min–max over pairs) | "
            "window pairs | one poll, s | bytes per 200 answer | run's CPU per step, ms: no reader → reader | "
            "server CPU per poll, ms | client CPU per poll, ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for x in st:
        cpu = _f(x["server_cpu_ms"], 1) if x.get("server_cpu_ms") else "—"
        client = _f(x["client_cpu_ms"], 1) if x.get("client_cpu_ms") else "—"
        run = "—"
        if x.get("run_cpu_ms"):
            run = (f"{x['run_cpu_ms']['none']['median']:.2f} → {x['run_cpu_ms']['polled']['median']:.2f} "
                   f"(**{100 * x['run_cpu_overhead']:+.1f}%**)")
        how = f"{x['how']}, {TRAINING.get(x.get('training', 'thread'), x.get('training'))}"
        out.append(f"| {x['preset']} | {how} | {_f(x['none'])} | {_f(x['polled'])} | "
                   f"**{100 * x['overhead']:.1f}%** ({_pct_range(x)}) | {x['ratio']['n']} | {_f(x['poll_s'], 3)} | "
                   f"{_bytes(x)} | {run} | {cpu} | {client} |")
    out += ["", note("streaming")]
    for x in st:
        if x.get("why"):
            out.append(f"In-process for {x['preset']} because {x['why']}.")
    return out + [""]


def _slider_target(sl, row) -> None:
    """The Latent tab's must-show: browser p95 from release to image < 150 ms for digits and mnist5k."""
    for name in ("digits", "mnist5k"):
        what = f"CPU: latent slider release to new image, p95 under 150 ms, through the app ({name})"
        if sl is None:
            row(what, "not measured in this run (--quick skips it; `scripts/latent_latency.py` measures it)", "—")
        elif _error(sl) or sl.get("skipped"):
            row(what, _error(sl) or f"skipped: {sl['skipped']}", "—")
        else:
            x = next((x for x in sl["results"] if x["source"] == name), None)
            if x is None:
                row(what, "no result", "no")
            else:
                row(what, f"p95 {x['p95_ms']:.0f} ms (p50 {x['p50_ms']:.0f} ms, {x['n']} releases)",
                    "yes" if x["p95_ms"] < 150 else "no")


def _slider_rows(sl) -> list[str]:
    if sl is None:
        return []
    head = [note("slider_rows")]
    if _error(sl) or sl.get("skipped"):
        return head + ["", _error(sl) or f"Skipped: {sl['skipped']}.", ""]
    rows = ["| generator | p50, ms | p95, ms | max, ms | releases |", "| --- | --- | --- | --- | --- |"]
    for x in sl["results"]:
        rows.append(f"| checkpoints/{x['source']} | {x['p50_ms']:.0f} | **{x['p95_ms']:.0f}** | {x['max_ms']:.0f} | "
                    f"{x['n']} |")
    return head + ["", *rows, "", f"Load average when it finished: {sl.get('load_avg_1min', '?')} (1 min). "
                   "mnist5k-cgan also redraws the row of one z under every class.", ""]


def _latency(r: dict) -> list[str]:
    lat = r.get("latent_latency")
    out = ["## 5. Latent slider latency", ""]
    if _error(lat):
        return out + [f"Error: {_error(lat)}", ""]
    out += ["| generator | median, ms | p95, ms | calls |", "| --- | --- | --- | --- |"]
    for x in lat:
        out.append(f"| {x['what']} | {x['median_ms']:.1f} | {x['p95_ms']:.1f} | {x['calls']} |")
    out += ["", "One call = G(z) for one z (eval mode, CPU, as the Latent tab's copies run) + `viz.image_grid` + "
            "`viz.png_bytes`. Queueing and the browser are not in it: `scripts/latent_latency.py` measures the "
            "slider end to end through the app.", ""]
    return out + _slider_rows(r.get("slider_latency"))


def _gpu(r: dict) -> list[str]:
    out = ["## 6. GPU: opt-in speed-ups", ""]
    g = r.get("gpu_speedups")
    flags = (note("gpu"))
    if g is None:
        return out + [f"**{NO_GPU}.** The code path exists (`bench.gpu_speedups`: mnist5k DCGAN at batch 128, each "
                      "flag on alone and all four together, each interleaved with the reference loop); " + flags, ""]
    out += ["| mnist5k, batch 128 | ours, steps/s | reference, steps/s | ours / reference |",
            "| --- | --- | --- | --- |"]
    for x in g:
        if "error" in x:
            out.append(f"| {x['label']} | error: {x['error']} | | |")
        else:
            out.append(f"| {x['label']} | {_f(x['ours'])} | {_f(x['reference'])} | **{_f(x['ratio'], 2)}** |")
    return out + ["", flags, ""]


def _classroom() -> list[str]:
    """A class of students is a bench of its own (it launches the app and many browser-like tabs)."""
    return ["## 7. A class of students at once", "",
            note("classroom"), ""]


def _replays() -> list[str]:
    """The Replays tab's slider is measured by a script of its own (it launches the app and Chromium)."""
    return ["## 8. Replay slider latency", "",
            note("replays"), "", note("replays_measured"), ""]


def write_report(r: dict, path: Path, command: str) -> Path:
    v = r["versions"]
    lines = ["# Benchmarks", "",
             f"Written by `{command}` (`benchmarks/bench.py`) on {r['started']}"
             + (" — a **--quick** smoke run: short windows, figures are rough." if r["quick"] else "."), "",
             "| setting | value |", "| --- | --- |",
             f"| device | {r['device']} |",
             f"| versions | python {v['python']}, torch {v['torch']}, gradio {v['gradio']} |",
             f"| machine | {v['machine']}; load average {r['load_start'][0]:.1f} at the start, "
             f"{r['load_end'][0]:.1f} at the end" + (f", {_f(r['load_during'], 1)} during the run (1-minute, every "
                                                    "30 s)" if r.get("load_during") else "")
             + " (shared with other work: hence medians of interleaved rounds) |",
             f"| OMP_WAIT_POLICY | {v['OMP_WAIT_POLICY']} |",
             *(["| presets | " + "; ".join(f"`{k}`: {w}" for k, w in r["presets"].items())
                + " (ring8 is the class preset: docs/CLASSROOM.md) |"] if r.get("presets") else []),
             f"| wall time | {r['seconds']:.0f} s |", "",
             "## Targets", "", *_targets(r), "",
             *_throughput(r), *_threads(r), *_quality(r), *_streaming(r), *_latency(r), *_gpu(r),
             *_classroom(), *_replays()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path
