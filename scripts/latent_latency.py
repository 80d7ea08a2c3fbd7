"""Latency of the Latent space tab's slider: release -> new image, measured through the running app.

Two measurements, both against app.py running in its own process:

- browser (the must-show number): headless Chromium opens the tab, picks the model and clicks
  random points of the slider tracks. In the page, a pointerup listener stamps the release and
  the new image's `load` event stamps the end: queueing, G(z), PNG encoding, the download and
  the decode are all in it, as a student sees it.
- api: gradio_client calls `/latent_move`, what a release sends, until the image file is on
  disk. gradio_client (2.x) polls its event stream every 50 ms, which adds ~25 ms on average
  and up to 50 ms to each call, so these numbers are an upper bound; the floor row (the same
  endpoint with no model chosen, where the handler returns at once) shows that overhead.

    python scripts/latent_latency.py                          # app.py on checkpoints/
    python scripts/latent_latency.py --stand-ins /tmp/ckpts     # checkpoints/ not trained yet
    python scripts/latent_latency.py --url http://127.0.0.1:7860/ --sources digits mnist5k

`--stand-ins DIR` writes untrained checkpoints of the named presets into DIR and measures on them:
a slider event costs the same for a trained and an untrained G of one architecture.
Each release goes to a fresh random point of a track; if the picture does not change (a G that
ignores z), no new image arrives and the browser measurement times out with an error.
`measure_browser(url, source)` and `measure_api(url, source)` are the reusable parts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

N_SLIDERS = 8  # ui.latent.tab lays out ui.latent.view.MAX_SLIDERS sliders
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# In the page: stamp each slider release, and the load of each new #latent-image picture.
WATCH_JS = """() => {
  window.__released = 0; window.__shown = 0;
  document.addEventListener('pointerup', () => { window.__released = performance.now(); }, true);
  const box = document.querySelector('#latent-image');
  let last = box.querySelector('img') ? box.querySelector('img').src : '';
  new MutationObserver(() => {
    const img = box.querySelector('img');
    if (!img || img.src === last) return;
    last = img.src;
    const stamp = () => { window.__shown = performance.now(); };
    if (img.complete && img.naturalWidth) stamp(); else img.addEventListener('load', stamp, {once: true});
  }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]) of a list of numbers."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def _summary(method: str, source: str, times_ms: list[float]) -> dict:
    return {"method": method, "source": source, "n": len(times_ms), "p50_ms": round(statistics.median(times_ms), 1),
            "p95_ms": round(percentile(times_ms, 95), 1), "max_ms": round(max(times_ms), 1)}


def measure_browser(url: str, source: str, n: int = 40, warmup: int = 3, seed: int = 0) -> dict:
    """Release sliders n times in headless Chromium; time from pointerup to the new image's load."""
    from playwright.sync_api import expect, sync_playwright

    rng = random.Random(seed)
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.get_by_role("tab", name="Latent space").click()
        page.locator("#latent-source input").click()
        page.get_by_role("option", name=source, exact=True).click()
        expect(page.locator("#latent-status")).to_contain_text(source, timeout=60_000)
        expect(page.locator("#latent-image img")).to_be_visible(timeout=30_000)
        page.evaluate(WATCH_JS)
        n_sliders = sum(page.locator(f"#latent-slider-{i}").is_visible() for i in range(N_SLIDERS))
        thumbs = [page.locator(f"#latent-slider-{k} input[type=range]").evaluate(  # thumb positions, 0..1
            "e => (e.value - e.min) / (e.max - e.min)") for k in range(n_sliders)]
        for i in range(warmup + n):
            k = i % n_sliders
            where = 0.05 + 0.9 * rng.random()
            while abs(where - thumbs[k]) < 0.1:  # a click on the thumb moves nothing: no new image to time
                where = 0.05 + 0.9 * rng.random()
            thumbs[k] = where
            slider = page.locator(f"#latent-slider-{k} input[type=range]")
            slider.scroll_into_view_if_needed()  # a click outside the viewport would go nowhere
            track = slider.bounding_box()
            page.evaluate("() => { window.__shown = 0; }")
            page.mouse.click(track["x"] + track["width"] * where, track["y"] + track["height"] / 2)
            page.wait_for_function("() => window.__shown > window.__released", timeout=30_000)
            if i >= warmup:
                times.append(page.evaluate("() => window.__shown - window.__released"))
        browser.close()
    return _summary("browser", source, times)


def measure_api(url: str, source: str | None, n: int = 40, warmup: int = 3, seed: int = 0) -> dict:
    """Call /latent_move n times with gradio_client (one session; random slider values).
    source=None: the same endpoint with no model chosen (the floor: Gradio + client overhead)."""
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=str(Path("/tmp") / "latent_latency"))
    if source is not None:
        status = client.predict(source, seed, api_name="/latent_source")[0]  # (the State output is not sent)
        if "Could not use" in str(status):
            raise RuntimeError(f"the app could not load {source!r}: {status}")
    rng = random.Random(seed)
    times = []
    for i in range(warmup + n):
        values = [round(rng.uniform(-3, 3), 2) for _ in range(N_SLIDERS)]
        t0 = time.perf_counter()
        image, _ = client.predict(seed, None, *values, api_name="/latent_move")  # class None: G's first class
        dt = time.perf_counter() - t0
        if source is not None and not (image and Path(image).is_file()):
            raise RuntimeError(f"/latent_move returned no image for {source!r}")
        if i >= warmup:
            times.append(dt * 1000)
    client.close()
    return _summary("api", source or "(no model: floor)", times)


def make_stand_ins(folder: Path, presets: list[str]) -> None:
    """Untrained checkpoints of each preset's architecture (for when checkpoints/ is empty). Kaiming
    init, not DCGAN's N(0, 0.02): that G paints every pixel about 127, so most slider moves would
    give the very same picture and no new image to time."""
    from gan_core import checkpoint
    from gan_core.gan import build_gan
    from gan_core.presets import get_preset

    folder.mkdir(parents=True, exist_ok=True)
    for name in presets:
        if not (folder / f"{name}.safetensors").exists():
            cfg = get_preset(name, model={"init": "kaiming"}, train={"device": "cpu"})
            checkpoint.save(build_gan(cfg, "cpu"), folder / name,
                            extra={"made_by": "scripts/latent_latency.py --stand-ins (untrained)"})


def stop_app(proc: subprocess.Popen | None) -> None:
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=30)


def print_report(info: dict, as_json: bool, what: str, first: tuple[str, int], source_width: int) -> None:
    """The run_info as JSON, or as a table of p50 / p95 / max per (method, source)."""
    if as_json:
        print(json.dumps(info, indent=2))
        return
    print(f"{info['cpus']} CPUs, load average {info['load_avg_1min']} (1 min); {what}")
    (name, w), sw = first, source_width
    print(f"{name:<{w}}{'source':<{sw}}{'n':>5}{'p50':>8}{'p95':>8}{'max':>8}")
    for r in info["results"]:
        print(f"{r['method']:<{w}}{r['source']:<{sw}}{r['n']:>5}{r['p50_ms']:>8}{r['p95_ms']:>8}{r['max_ms']:>8}")


def run_info(limit_ms: float, results: list) -> dict:
    """The results with what they were measured on: usable CPUs and the 1-minute load average."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": cpus, "load_avg_1min": round(os.getloadavg()[0], 2), "limit_ms": limit_ms, "results": results}


def launch_app(checkpoint_dir: Path, timeout: float = 180.0) -> tuple[subprocess.Popen, str]:
    """`python app.py` in its own process on a free port, reading checkpoints from checkpoint_dir."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GAN_CLASSROOM_CHECKPOINTS": str(checkpoint_dir)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with code {proc.returncode}")
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"app.py did not answer on {url} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running app; default: start app.py in a subprocess")
    ap.add_argument("--sources", nargs="+", default=["digits", "mnist5k", "mnist5k-cgan"],
                    help="checkpoint names as the Source menu shows them")
    ap.add_argument("--stand-ins", type=Path, help="write untrained checkpoints of --sources here and use them")
    ap.add_argument("-n", type=int, default=40, help="slider releases per source and method")
    ap.add_argument("--methods", nargs="+", default=["browser", "api"], choices=["browser", "api"])
    ap.add_argument("--limit-ms", type=float, default=150.0, help="browser p95 budget; exit 1 when a source misses it")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)

    proc, url = None, args.url
    if url is None:
        folder = ROOT / "checkpoints"
        if args.stand_ins:
            make_stand_ins(args.stand_ins, args.sources)
            folder = args.stand_ins
        proc, url = launch_app(folder)
    try:
        results = []
        if "browser" in args.methods:
            results += [measure_browser(url, s, n=args.n) for s in args.sources]
        if "api" in args.methods:
            results += [measure_api(url, None, n=args.n)] + [measure_api(url, s, n=args.n) for s in args.sources]
    finally:
        stop_app(proc)
    print_report(run_info(args.limit_ms, results), args.json, "slider release -> new image, ms", ("method", 9), 20)
    return 0 if all(r["p95_ms"] < args.limit_ms for r in results if r["method"] == "browser") else 1


if __name__ == "__main__":
    sys.exit(main())
