"""Latent-slider latency for `python -m gan_core bench`: the handler's work alone, and the whole
round trip through the running app as a student's browser sees it.

  latent_latency       G(z) for one z + `viz.image_grid` + `viz.png_bytes`, on the CPU (where the
                       Latent tab's copies of G live): the floor the app cannot beat.
  app_slider_latency   `scripts/latent_latency.py --methods browser`: app.py in its own process,
                       headless Chromium releases the tab's sliders and times pointerup -> new
                       image `load` (request, queue, G, PNG, download, decode). Needs Playwright and
                       Debian chromium (the test dependencies); without them the row says so.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from gan_core.checkpoint import data_shape_of
from gan_core.frozen import from_checkpoint
from gan_core.models import build_models
from gan_core.pictures.viz import image_grid, png_bytes
from gan_core.presets import get_preset

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SLIDER_SOURCES = ("digits", "mnist5k", "mnist5k-cgan")  # the target: digits and mnist5k


def latent_latency(name: str, calls: int) -> dict:
    """G(z) for one z + image_grid + PNG, on the CPU (where the latent tab's copies live)."""
    path = ROOT / "checkpoints" / f"{name}.safetensors"
    if path.is_file():
        G, what = from_checkpoint(path).G, f"checkpoints/{path.name}"
    else:
        cfg = get_preset(name)
        G, _ = build_models(cfg, data_shape_of(cfg))
        what = f"untrained G of the {name} preset (no shipped checkpoint; same cost)"
    G, nz = G.eval(), G.nz
    gen = torch.Generator().manual_seed(0)
    times = []
    with torch.no_grad():
        for i in range(calls + 3):
            z = torch.randn(1, nz, generator=gen)
            t = time.perf_counter()
            png_bytes(image_grid(G(z), nrow=1))
            if i >= 3:  # the first calls warm the allocator
                times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return {"name": name, "what": what, "calls": calls, "median_ms": statistics.median(times),
            "p95_ms": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]}


def app_slider_latency(releases: int, sources=SLIDER_SOURCES, timeout_s: float = 900.0) -> dict:
    """{'results': [{method, source, n, p50_ms, p95_ms, max_ms}], 'load_avg_1min', 'limit_ms'} from
    the script, or {'skipped': why} when the browser tooling is missing."""
    try:
        import playwright  # noqa: F401  (a test dependency, not an app one)
    except ImportError:
        return {"skipped": "Playwright is not installed (pip install -r requirements-dev.txt)"}
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return {"skipped": "Debian chromium is not installed (bash scripts/install_chromium.sh)"}
    cmd = [sys.executable, str(ROOT / "scripts" / "latent_latency.py"), "--json", "--methods", "browser",
           "-n", str(releases), "--sources", *sources]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
    if not res.stdout.strip().startswith("{"):  # exit 1 only means a p95 over the limit: still a result
        raise RuntimeError(f"scripts/latent_latency.py failed: {res.stderr.strip()[-400:]}")
    return json.loads(res.stdout)
