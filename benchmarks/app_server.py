"""Start the app as a classroom's server would run it: `python app.py` in a process of its own.

The bench measures the server from outside (benchmarks/proc_tree.py), so it must be its own
process tree, started the documented way, never imported into the client's process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .proc_tree import sample

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`with AppServer(env={...}) as server:` -> server.url, server.pid; stopped (the whole tree) on exit."""

    def __init__(self, env: dict | None = None, log_path: Path | None = None, ready_timeout_s: float = 180.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**os.environ, "GRADIO_SERVER_PORT": str(self.port), "PORT": str(self.port),
                    "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
        self.log_path = log_path
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def __enter__(self) -> "AppServer":
        log = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with code {self.proc.returncode} before serving")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the app did not serve {self.url} within {self.ready_timeout_s:.0f} s")
            time.sleep(0.5)
        self.settle()
        return self

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait for the start-up work to finish (the zygote imports torch in the background at
        launch): until the tree's CPU stops rising, so the load's numbers do not include it."""
        deadline = time.monotonic() + timeout_s
        last = sample(self.pid).cpu_s
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = sample(self.pid).cpu_s
            if now - last < 0.05:
                return
            last = now

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # the zygote and the run processes follow the server (live/zygote.py)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)  # its own session: only this tree
            self.proc.wait(10)
