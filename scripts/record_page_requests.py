"""What the Train tab sends, recorded from Chromium: every request of one tab that loads the page,
presses Start and watches for --watch seconds (benchmarks/README.md compares it with the bench's client).

    python scripts/record_page_requests.py [--url URL] [--watch 15] [--json out.json]

Without --url it starts `python app.py` on a free port (benchmarks/app_server.py). Prints each kind
of request with its count, and for the live view's polls (GET live/<token>) their query strings, the
gaps between them and the statuses they got. Chromium: /usr/bin/chromium (or $CHROMIUM_PATH), headless.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def kind_of(url: str, method: str, post: str | None, deps: dict) -> str:
    """A request as a kind: 'GET /', 'POST queue/join start', 'GET live/<token>', ..."""
    path = urlsplit(url).path
    if re.search(r"/live/[A-Za-z0-9_-]{22}$", path):
        return f"{method} live/<token>"
    if path.endswith("/queue/join"):
        try:
            body = json.loads(post or "{}")
        except ValueError:
            body = {}
        return f"POST queue/join {deps.get(body.get('fn_index'), body.get('fn_index'))}"
    for part, name in (("/heartbeat/", "heartbeat/<session>"), ("/queue/data", "queue/data (SSE)"),
                       ("/assets/", "assets/*"), ("/file=", "file=*"), ("/gradio_api/file", "gradio_api/file=*"),
                       ("theme.css", "theme.css"), ("/static/", "static/*")):
        if part in path:
            return f"{method} {name}"
    return f"{method} {path}"


def record(url: str, watch_s: float) -> dict:
    from playwright.sync_api import sync_playwright

    seen: list[dict] = []
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: seen.append({"t": time.monotonic() - t0, "method": r.method, "url": r.url,
                                                  "post": r.post_data, "request": r}))
        page.goto(url)
        page.wait_for_selector("#start")
        config = page.evaluate("() => window.gradio_config")
        deps = {d["id"]: d.get("api_name") or f"{d['targets'][0][1]} of {d['targets'][0][0]}"
                for d in config["dependencies"]}
        time.sleep(2.0)  # the load events settle
        t_start = time.monotonic() - t0
        page.click("#start")
        page.wait_for_timeout(watch_s * 1000)
        statuses = {}
        for s in seen:
            try:
                resp = s["request"].response()
            except Exception:  # noqa: BLE001 (a request still pending: the heartbeat, the SSE stream)
                resp = None
            statuses[id(s)] = resp.status if resp is not None else None
        browser.close()
    out = []
    for s in seen:
        out.append({"t": round(s["t"], 3), "method": s["method"], "url": s["url"], "post": s["post"],
                    "status": statuses[id(s)], "kind": kind_of(s["url"], s["method"], s["post"], deps)})
    return {"url": url, "start_at": round(t_start, 3), "watch_s": watch_s, "requests": out}


def report(rec: dict) -> str:
    reqs = rec["requests"]
    before = [r for r in reqs if r["t"] < rec["start_at"]]
    after = [r for r in reqs if r["t"] >= rec["start_at"]]
    lines = [f"{len(reqs)} requests: {len(before)} while loading, {len(after)} in the {rec['watch_s']:.0f} s "
             "after Start", "", "| request | at load | after Start |", "| --- | --- | --- |"]
    kinds = sorted({r["kind"] for r in reqs}, key=lambda k: min(r["t"] for r in reqs if r["kind"] == k))
    for k in kinds:
        lines.append(f"| {k} | {sum(r['kind'] == k for r in before)} | {sum(r['kind'] == k for r in after)} |")
    polls = [r for r in reqs if r["kind"].endswith("live/<token>")]
    if polls:
        gaps = [b["t"] - a["t"] for a, b in zip(polls, polls[1:])]
        lines += ["", f"live/<token> polls: {len(polls)}, statuses {sorted({str(p['status']) for p in polls})}, "
                      f"first {polls[0]['t'] - rec['start_at']:.2f} s after the click"
                      + (f", gaps median {statistics.median(gaps):.2f} s (min {min(gaps):.2f}, max {max(gaps):.2f})"
                         if gaps else "")]
        lines += [f"  {p['t'] - rec['start_at']:6.2f} s  {p['status']}  ?{urlsplit(p['url']).query}" for p in polls]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="an app already running (default: start python app.py)")
    ap.add_argument("--watch", type=float, default=15.0, help="seconds to watch after Start (default 15)")
    ap.add_argument("--json", type=Path, help="write every request here")
    args = ap.parse_args()
    if args.url:
        rec = record(args.url, args.watch)
    else:
        from benchmarks.app_server import AppServer

        with AppServer() as server:
            rec = record(server.url, args.watch)
    print(report(rec))
    if args.json:
        args.json.write_text(json.dumps(rec, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
