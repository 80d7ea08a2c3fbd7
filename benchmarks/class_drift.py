"""A long class, read for drift (issue #24's goal 4): does serving get slower or bigger as a class goes on?

Two numbers from one `benchmarks.classroom --json` result of a long load (45 minutes: `--duration 2700`):

- **poll drift**: the p95 of poll latency over the last `window_s` before the quiet window (or the end),
  divided by the p95 over the first `window_s` after every page loaded and pressed Start (the "steady" mark).
  Goal: <= 1.25x. A poll is (sent, answered, status, bytes, step) in seconds into the load.
- **memory growth over the last `tail_s`**: the web server's own memory (USS: its private pages, and PSS)
  at the end of the load minus at `tail_s` before it. Each end is the median of the samples within
  `smooth_s` of it (the sampler reads the tree every 5 s), so one sample taken mid-collection is not the
  answer. Goal: <= 50 MB. USS is the honest number for a leak: PSS also moves when other processes map or
  drop the same shared libraries (torch's), which is not the server's doing.
"""

from __future__ import annotations

import statistics

from benchmarks.classroom import pct

WINDOW_S = 300.0  # 5 minutes at each end of the class
TAIL_S = 1800.0  # memory over the last 30 minutes
SMOOTH_S = 30.0  # each memory reading: the median of the samples within 30 s of it


def poll_drift(res: dict, window_s: float = WINDOW_S) -> dict | None:
    """{first_p95_ms, last_p95_ms, ratio, first/last: [from_s, to_s], polls in each} or None when too short."""
    m = res.get("marks", {})
    if "steady" not in m:
        return None
    start = m["steady"]["t"]
    end = m["watched"]["t"] if "watched" in m else m.get("end", {}).get("t", res.get("load_s", 0.0))
    if end - start < 2 * window_s:
        return None
    polls = [p for st in res["students"] for p in st["polls"] if p[2] in (200, 204)]

    def p95_ms(t0: float, t1: float) -> tuple[float | None, int]:
        lat = [p[1] - p[0] for p in polls if t0 <= p[0] < t1]
        q = pct(lat, 95)
        return (None if q is None else 1e3 * q), len(lat)

    (first, n_first), (last, n_last) = p95_ms(start, start + window_s), p95_ms(end - window_s, end)
    return {"first": [start, start + window_s], "last": [end - window_s, end], "first_p95_ms": first,
            "last_p95_ms": last, "polls_first": n_first, "polls_last": n_last,
            "ratio": last / first if first and last is not None else None}


def memory_growth(res: dict, tail_s: float = TAIL_S, smooth_s: float = SMOOTH_S) -> dict | None:
    """The web server's USS and PSS (MB) at `tail_s` before the load's end and at its end, and the growth."""
    samples = [s for s in res.get("server", {}).get("samples", []) if s.get("root_uss_mb")]
    end = res.get("marks", {}).get("end", {}).get("t")
    if not samples or end is None:
        return None
    base = _load_start(res)
    at = lambda t, key: statistics.median([s[key] for s in samples if abs(s["t"] - base - t) <= smooth_s] or [None])  # noqa: E731
    start = end - tail_s
    if start < 0 or not any(abs(s["t"] - base - start) <= smooth_s for s in samples):
        return None
    out = {"from_s": start, "to_s": end}
    for key, name in (("root_uss_mb", "uss"), ("root_pss_mb", "pss")):
        a, b = at(start, key), at(end, key)
        out[name] = {"from_mb": a, "to_mb": b, "growth_mb": None if a is None or b is None else b - a}
    return out


def _load_start(res: dict) -> float:
    """The sampler's clock (time.monotonic) at the load's t = 0, from a mark that has both clocks."""
    for mark in res.get("marks", {}).values():
        if mark.get("server") is not None:
            return mark["server"]["t"] - mark["t"]
    raise ValueError("no mark carries a server sample: was the server's pid known?")


def markdown(res: dict) -> str:
    """Two table rows for docs/CLASSROOM.md's 45-minute section ('' when the load was too short)."""
    d, g = poll_drift(res), memory_growth(res)
    rows = []
    if d is not None and d["ratio"] is not None:
        rows.append(f"| poll p95, first 5 minutes after all started / last 5 before the quiet window | "
                    f"{d['first_p95_ms']:.0f} / {d['last_p95_ms']:.0f} ms: **{d['ratio']:.2f}x** (goal <= 1.25x) |")
    if g is not None and g["uss"]["growth_mb"] is not None:
        rows.append(f"| the web server's memory over the last 30 minutes: USS / PSS | "
                    f"{g['uss']['from_mb']:.0f} -> {g['uss']['to_mb']:.0f} MB (**{g['uss']['growth_mb']:+.0f} MB**) / "
                    f"{g['pss']['from_mb']:.0f} -> {g['pss']['to_mb']:.0f} MB ({g['pss']['growth_mb']:+.0f} MB) "
                    "(goal <= +50 MB) |")
    return "\n".join(rows)
