"""Training in a process of its own: `RemoteTrainer` is a Trainer that lives in a run process.

Why. A ring8 step (~4 ms) is mostly Python handing small torch ops to C++, under the GIL. In the
web server's process every poll of every student (HTTP, the plot tables, the PNG: ~30-45 ms of
Python a second per watching tab) takes the GIL from the training thread, and two runs take it
from each other. In its own process a run has its own interpreter and its own GIL: the server
polls it without slowing it, and two students' runs use two cores.

How: `gan_core/zygote.py` forks the run process; this handle sends it the Trainer's calls, one
connection per calling thread (so a Step that waits never blocks another thread's snapshot).
Linux only; everywhere else, or with GAN_CLASSROOM_TRAINING=thread, runs are Trainer threads.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Client
from pathlib import Path

from .trainer import Trainer
from .zygote import WorkerError, zygote

MODE_ENV = "GAN_CLASSROOM_TRAINING"  # "process" or "thread"
CALL_TIMEOUT_S = 60.0  # a call the run process does not answer in this long: it is stuck, end it
INIT_TIMEOUT_S = 1800.0  # building a run can download its dataset first (torchvision: CIFAR-10 is 170 MB)


def processes_available() -> bool:
    """Runs get processes on Linux unless $GAN_CLASSROOM_TRAINING=thread (thread: everywhere else)."""
    mode = os.environ.get(MODE_ENV, "").strip().lower()
    if mode == "thread":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def trainer_factory():
    """What the app builds runs with: run processes where they are available, else Trainer threads."""
    if not processes_available():
        return Trainer

    def process_or_thread(cfg, **kwargs):
        try:
            return RemoteTrainer(cfg, **kwargs)
        except WorkerError as e:  # no helper process on this machine: train in the server's process
            print(f"gan_core.worker: {e}; this run trains in a thread", file=sys.stderr)
            return Trainer(cfg, **kwargs)

    return process_or_thread


def warm_up() -> None:
    """Start the zygote in the background (the app calls this at launch: the first Start then
    does not wait ~4 s for torch to import)."""
    if processes_available():
        threading.Thread(target=lambda: _quietly(zygote), name="zygote-warm-up", daemon=True).start()


def _quietly(fn) -> None:
    try:
        fn()
    except Exception as e:  # the first run will say it; the app must start anyway
        print(f"gan_core.worker: {e}", file=sys.stderr)


class RemoteTrainer:
    """A Trainer's public API, for a Trainer in a run process of its own.

    Every call goes to the run process; each calling thread has its own connection, so a Step that
    waits in one thread never blocks another thread's snapshot. If the process dies, the handle
    says so in its status and message (the last snapshot stays readable); it never raises into the UI.
    """

    def __init__(self, cfg, device=None, data=None, **trainer_kwargs):
        if data is not None:
            raise ValueError("a run process loads its own data: pass data=None")
        self.cfg = cfg
        self._zygote = zygote()
        self.pid, self._address = self._zygote.fork()
        self._local = threading.local()
        self._conns: list = []
        self._conns_lock = threading.Lock()
        self._dead: str | None = None
        self._last: dict | None = None
        try:  # ConfigError / DatasetError come back here; a dataset download may take minutes
            self._call("init", cfg, device, wait_s=INIT_TIMEOUT_S, **trainer_kwargs)
            self._last = self._call("snapshot")  # from now on there is always a last snapshot to show
        except BaseException:
            self.close()
            raise

    # -- the wire ------------------------------------------------------------------------------
    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = Client(self._address, "AF_UNIX", authkey=self._zygote.authkey)
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def _call(self, name: str, *args, wait_s: float = CALL_TIMEOUT_S, **kwargs):
        if self._dead:
            raise WorkerError(self._dead)
        try:
            conn = self._conn()
            conn.send((name, args, kwargs))
            if not conn.poll(wait_s):
                self._kill(f"the training process did not answer {name!r} within {wait_s:.0f} s and was stopped")
                raise WorkerError(self._dead)
            kind, value = conn.recv()
        except (EOFError, OSError) as e:
            self._dead = self._dead or ("the training process stopped unexpectedly (it may have run out of memory). "
                                        "Press Start or Reset for a new run.")
            raise WorkerError(self._dead) from e
        if kind == "error":
            raise value
        return value

    def _kill(self, why: str) -> None:
        self._dead = why
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass

    # -- commands (as Trainer; on a dead process they do nothing, and the status says why) ---------
    def _command(self, name: str, *args, **kwargs) -> None:
        try:
            self._call(name, *args, **kwargs)
        except WorkerError:
            pass

    def start(self) -> None:
        self._command("start")

    resume = start

    def pause(self) -> None:
        self._command("pause")

    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None:
        if mode not in ("both", "d", "g") or n < 1:
            raise ValueError("step needs n >= 1 and mode in both, d, g")
        self._command("step", n, mode, wait=wait, timeout=timeout, wait_s=timeout + CALL_TIMEOUT_S)

    def set_live(self, lr_g: float | None = None, lr_d: float | None = None, d_steps: int | None = None) -> None:
        self._command("set_live", lr_g=lr_g, lr_d=lr_d, d_steps=d_steps)  # its ValueError comes back as one

    def stop(self, timeout: float = 10.0) -> None:
        self._command("stop", timeout, wait_s=timeout + CALL_TIMEOUT_S)

    def reset(self) -> None:
        self._command("reset")

    def close(self) -> None:
        """Stop the run and end its process (the registry calls this when a tab closes)."""
        if not self._dead:
            try:
                self._call("close", wait_s=15.0)  # stops the run; the process exits after answering
                self._dead = "this run was closed"
            except WorkerError:
                self._kill("this run was closed")
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    # -- reading ---------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        try:
            self._last = self._call("snapshot")
        except WorkerError as e:  # the last one the process sent, saying why there is no newer one
            self._last = {**self._last, "status": "error", "message": str(e), "alerts": []}
        return self._last

    @property
    def status(self) -> str:
        try:
            return self._call("status")
        except WorkerError:
            return "error"

    @property
    def alive(self) -> bool:
        try:
            return bool(self._call("alive"))
        except WorkerError:
            return False

    @property
    def current_step(self) -> int:
        return int(self._call("current_step"))

    def render(self) -> dict:
        return self._call("render")

    def save_checkpoint(self, path) -> Path:
        return Path(self._call("save_checkpoint", str(path)))

    def __del__(self):  # best effort: never leave a process behind
        try:
            if not self._dead:
                self._kill("this run was dropped")
        except Exception:
            pass


def wait_for_exit(pid: int, timeout_s: float = 5.0) -> bool:
    """True once process `pid` is gone (tests: a closed run leaves no process)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False
