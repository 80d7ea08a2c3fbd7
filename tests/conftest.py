"""Shared fixtures: an in-process app server and a real headless Chromium (Debian's, via Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def batched_reference():
    """(group, numbers per step) of the batched-engine tests' two runs stepped alone (tests/batched_reference.py)."""
    from batched_reference import reference_run

    return reference_run()


@pytest.fixture(scope="module")
def one_thread():
    """Tiny networks on a shared machine: one intra-op thread avoids OpenMP oversubscription stalls.
    Use with `pytestmark = pytest.mark.usefixtures("one_thread")`; the thread count is restored after."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_server():
    """The real app, launched once per test session on a free port. Yields (demo, url)."""
    from app import build_demo, launch_options

    demo = build_demo()
    # a closed page's run waits 5 s for a reload, not the app's 60: the tests share this app, and a run a
    # test's closed page left behind must not hold a training slot or the class process for the next ones
    demo.ctx.registry.reconnect_s = 5.0
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            **launch_options(demo))
    yield demo, url
    demo.ctx.registry.shutdown()
    demo.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download needed)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    yield pg
    ctx.close()


CAPPED_RUNS = 6  # runs that may exist at once in `capped_app` (in all, and per client)


@pytest.fixture(scope="session")
def capped_app():
    """The real app with small caps (2 runs training, CAPPED_RUNS existing): (demo, url). For the
    hostile-input, fault and flood tests, which would otherwise start dozens of run processes."""
    from app import build_demo, launch_options
    from live.factory import run_factory
    from live.serving.sessions import SessionRegistry
    from ui.common import AppContext

    registry = SessionRegistry(trainer_factory=run_factory(), max_running=2, max_runs=CAPPED_RUNS,
                               max_runs_per_client=CAPPED_RUNS)
    demo = build_demo(AppContext(registry=registry))
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                            **launch_options(demo))
    yield demo, url
    registry.shutdown()
    demo.close()


@pytest.fixture
def client(capped_app, monkeypatch):
    """make(session=None) -> a gradio_client Client on `capped_app`: a browser tab, whose heartbeat
    closes when it is closed. `session` sets the session id it sends (an attacker's choice)."""
    from gradio_client import Client

    from ui.common import session_id

    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "1")
    made = []

    def make(session: str | None = None):
        c = Client(capped_app[1], verbose=False)
        if session is not None:
            c.session_hash = session
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
        capped_app[0].ctx.registry.close(session_id(c))


@pytest.fixture(scope="session")
def train_inputs():
    """train_inputs(**changes) -> the Train tab's Start inputs (preset, every setting) as the page sends
    them for ring8, with `changes` to the widget values."""
    from gan_core.presets import get_preset
    from ui.train.settings import KEYS, values_from_config

    def make(**changes) -> list:
        v = {**values_from_config(get_preset("ring8")), **changes}
        return ["ring8", *[v[k] for k in KEYS]]
    return make


@pytest.fixture(scope="session")
def post_event():
    """post_event(url, api_name, data, session) -> the event's output data (see _post_event)."""
    return _post_event


def _post_event(url: str, api_name: str, data: list, session: str) -> list:
    """One event posted as a hand-written client would: raw JSON (NaN and Infinity included, which no
    JSON library sends), to the queue's join endpoint, its answer read from the event stream. An
    event Gradio itself refuses comes back as [None, its error message]."""
    msg = raw_event(url, data, session, api_name=api_name)
    return msg["output"]["data"] if msg.get("success") else [None, str(msg["output"].get("error"))]


def raw_event(url: str, data: list, session: str, *, api_name: str | None = None, fn_index: int | None = None,
              query: dict | None = None, headers: dict | None = None, event_data=None) -> dict:
    """An event (by api_name, or by fn_index) joined as a browser joins it, with the page's `query` (what
    gr.Request.query_params reads) and extra `headers` (e.g. X-Forwarded-For); -> its process_completed
    message. The JSON is written by hand so NaN and Infinity go as bare words, as a hostile client sends them."""
    import httpx

    if fn_index is None:
        config = _CONFIGS.get(url) or _CONFIGS.setdefault(url, httpx.get(url + "config", timeout=30).json())
        fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session, "event_data": event_data,
                       "trigger_id": None}, allow_nan=True)
    r = httpx.post(url + "gradio_api/queue/join", params=query, content=body, timeout=30,
                   headers={"content-type": "application/json", **(headers or {})})
    assert r.status_code == 200, r.text[:300]
    with httpx.stream("GET", url + "gradio_api/queue/data", params={"session_hash": session}, timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("the event stream ended without an answer")


_CONFIGS: dict[str, dict] = {}  # url -> the app's config (its events' numbers)


def live_poll(url: str, token: str, have: dict | None = None) -> dict | None:
    """One poll of a run's live view as the Train tab's script makes it (ui/live_view/feed.py):
    GET {url}live/{token}, saying it has `have` (the last payload it got; None: nothing yet, so the
    whole payload comes). -> the payload (its status_html, alerts_html, step, status, history...), or
    None when nothing changed since `have` (HTTP 204). Any other answer (404, 410, 429) fails the test:
    a test that polls in a loop polls no faster than the page does (every_s=0.5).
    `token`: the first output of the tab's Start / Step / Reset answer, its ["token"]."""
    import httpx

    query = {} if have is None else {"v": have["version"]}
    r = httpx.get(f"{url}live/{token}", params=query, timeout=30)
    if r.status_code == 204:
        return None
    assert r.status_code == 200, f"live/{token} answered {r.status_code}: {r.text[:300]}"
    return r.json()


def status_of(answer) -> str:
    """The status line (HTML) that a Train tab button's answer (its outputs; the first is the live view's
    value) or a poll's payload shows."""
    value = answer if isinstance(answer, dict) else answer[0]
    return (value["payload"] if "payload" in value else value)["status_html"]


def png_header(width: int, height: int) -> bytes:
    """69 bytes: a PNG whose header claims width x height, its data cut short (nothing decodes). What a
    pixel bomb looks like to a header pass; a real black 4096 x 4096 PNG is 49 KB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


# -- one tiny config, one trainer factory, one wait helper ------------------------------------------

def tiny_cfg(dataset="ring8", image_dir=None, *, loss=None, train=None, model=None):
    """A run small enough for a unit test: 2D points with a 2 x 16 MLP, or images with an 8-map DCGAN.
    dataset "folder" / "zip" need image_dir: {"folder": path, "zip": path} (8 px RGB images)."""
    from gan_core.config import POINT_DATASETS, RunConfig

    if dataset in POINT_DATASETS:
        data, arch = {"name": dataset, "n_points": 1000}, {"arch": "mlp", "hidden": 16, "depth": 2}
    else:
        data, arch = {"name": dataset}, {"arch": "dcgan", "nz": 8, "ngf": 8, "ndf": 8}
        if dataset in ("folder", "zip"):
            data = {"name": "folder", "path": image_dir[dataset], "image_size": 8, "channels": 3}
    return RunConfig.from_dict({"data": data, "model": {**arch, **(model or {})}, "loss": loss or {},
                                "train": {"batch_size": 16, "log_every": 5, "device": "cpu", **(train or {})}})


@pytest.fixture
def make_trainer():
    """Trainer factory (tiny_cfg() by default); every trainer it made is stopped at the end of the test."""
    from live.single.trainer import Trainer

    made = []

    def make(cfg=None, **kwargs):
        t = Trainer(cfg or tiny_cfg(), device="cpu", **kwargs)
        made.append(t)
        return t

    yield make
    for t in made:
        t.stop()
        assert not t.alive


def poll_until(predicate, timeout_s: float = 30.0, every_s: float = 0.02):
    """Poll `predicate` until it is truthy (and return that value) or timeout_s passes (its last value)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    return predicate()


@pytest.fixture(scope="session")
def wait_for():
    """wait_for(predicate, timeout_s=30) -> its value once truthy: for what a test can poll, never a sleep."""
    return poll_until


# -- tiers ------------------------------------------------------------------------------------------
# A test that launches the app is `slow` and one that drives Chromium is `browser`, by the fixtures it
# uses, so no marker can be forgotten: `pytest -m "not slow and not browser"` is the fast loop.
SLOW_FIXTURES = {"app_server", "capped_app", "client", "client_factory", "post_event"}
BROWSER_FIXTURES = {"browser", "page"}


@pytest.fixture
def fast_unload(monkeypatch):
    monkeypatch.setenv("GRADIO_HEARTBEAT_INTERVAL", "1")  # the server notices a closed page within ~1 s


def shown_step(page) -> int:
    """The step the Train tab's status line shows (-1 before it shows one)."""
    import re

    match = re.search(r"step ([\d,]+)", page.locator("#status").inner_text())
    return int(match.group(1).replace(",", "")) if match else -1


def open_tab(page, url: str, name: str, elem_id: str) -> None:
    """Load the app in a Playwright page and open the tab called `name` (its panel is #elem_id). On a
    narrow screen Gradio folds the last tabs into a "More tabs" menu: then through that menu."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#tabs")).to_be_visible(timeout=30_000)
    tab = page.get_by_role("tab", name=name)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()
    expect(page.locator(f"#{elem_id}")).to_be_visible(timeout=30_000)


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
