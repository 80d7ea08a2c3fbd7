"""Training in a process of its own: `RemoteTrainer` is a Trainer that lives in a run process.

Why. A ring8 step is mostly Python handing small torch ops to C++, under the GIL. In the web
server's process every poll of every student (HTTP, the curves, the PNG: tens of ms of Python a
second per watching tab) takes the GIL from the training thread, and two runs take it
from each other. In its own process a run has its own interpreter and its own GIL: the server
polls it without slowing it, and two students' runs use two cores.

How: `live/zygote.py` forks the run process; this handle sends it the Trainer's calls, one
connection per calling thread (so a Step that waits never blocks another thread's snapshot).
Linux only; everywhere else, or with GAN_CLASSROOM_TRAINING=thread, runs are Trainer threads.

A run is built in its process, in the background (live.single.building): the handle exists as soon as the
process does, and a slow build (thousands of images to decode) shows as "building" in its snapshots
instead of holding the Start request, and so one of the web server's workers, for minutes.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Client
from pathlib import Path

from live.run import LiveSettings
from live.single.building import ANSWER_WITHIN_S, BUILD_FAILED_VERSION, BUILDING
from live.single.trainer import SLOW_MOTION_TIMEOUT_S, Trainer
from live.snapshot import Snapshot
from live.zygote import NoHelperProcess, WorkerError, zygote

MODE_ENV = "GAN_CLASSROOM_TRAINING"  # "process" or "thread"
READ_TIMEOUT_S = 2.0  # a snapshot or status not answered in this long: show the run as not responding
COMMAND_TIMEOUT_S = 10.0  # a start, pause or live change not answered in this long: the same
GIVE_UP_S = 60.0  # a run process that has answered nothing for this long is stuck: end it
BUILD_TIMEOUT_S = 1800.0  # a run still building after this long is ended (a download of CIFAR-10's 170 MB fits)
MAX_CONNECTIONS = 4  # per run: each is a thread in the run process, so they are pooled, not one per caller
NOT_RESPONDING = ("the training process is not responding (the server may be overloaded); the picture is from "
                  "the last time it answered. If this lasts, press Reset.")
DIED = ("the training process stopped unexpectedly (it may have run out of memory). Press Start or Reset for a "
        "new run.")
DIED_BUILDING = ("the process building your run stopped unexpectedly (it may have run out of memory: fewer or "
                 "smaller images may fit). Press Start or Reset for a new run.")
BUILD_TOO_LONG = (f"building this run took longer than {BUILD_TIMEOUT_S / 60:.0f} minutes, so it was stopped. Try "
                  "fewer or smaller images, then press Start or Reset for a new run.")


def processes_available() -> bool:
    """Runs get processes on Linux unless $GAN_CLASSROOM_TRAINING=thread (thread: everywhere else)."""
    mode = os.environ.get(MODE_ENV, "").strip().lower()
    if mode == "thread":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def trainer_factory():
    """What the app builds runs with: run processes where they are available, else Trainer threads.

    A run falls back to a thread only when this server can have no run process at all
    (NoHelperProcess: its zygote never started). Any other WorkerError (a fork that failed, a run
    process that died or stopped answering while it was built) is raised to the caller, which shows
    its sentence: a build that killed its process, by memory or otherwise, is never tried again inside
    the web server."""
    if not processes_available():
        return Trainer

    def process_or_thread(cfg, **kwargs):
        try:
            return RemoteTrainer(cfg, **kwargs)
        except NoHelperProcess as e:  # no run processes on this machine at all: train in the server's process
            print(f"live.single.remote: {e}; this run trains in a thread", file=sys.stderr)
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
        print(f"live.single.remote: {e}", file=sys.stderr)


class Wire:
    """Calls to one process over a small pool of connections (a call takes a free one, or opens one
    up to `max_connections`, else waits for one), so a Step that waits never blocks a snapshot, and
    the process has at most `max_connections` serving threads however many server threads call it.
    A call not answered in time leaves its connection (its late answer would be read as the next
    call's) and raises TimeoutError; a process that has answered nothing for GIVE_UP_S is ended;
    a dead or ended one raises WorkerError, with `dead` saying why."""

    def __init__(self, pid: int, address: str, authkey: bytes, max_connections: int = MAX_CONNECTIONS):
        self.pid, self._address, self._authkey = pid, address, authkey
        self.max_connections = max_connections
        self._free: list = []  # idle connections
        self._open = 0  # connections open (idle or in a call)
        self._pool = threading.Condition()
        self.dead: str | None = None
        self._silent_since: float | None = None  # since when calls time out with no answer in between

    def _take(self, wait_s: float):
        with self._pool:
            if not self._pool.wait_for(lambda: self._free or self._open < self.max_connections, wait_s):
                self._timed_out()  # every connection is busy with a call not yet answered
            if self._free:
                return self._free.pop()
            self._open += 1
        try:
            return self._connect(wait_s)
        except BaseException:
            self._drop(None)
            raise

    def _connect(self, wait_s: float):
        """A new connection, or TimeoutError: the handshake needs the process to answer, and a frozen
        one never does (multiprocessing's Client has no timeout: it runs in a thread of its own, which
        closes what it got if nobody waits for it any more)."""
        box: dict = {}
        lock, done = threading.Lock(), threading.Event()

        def connect():
            try:
                conn, error = Client(self._address, "AF_UNIX", authkey=self._authkey), None
            except BaseException as e:
                conn, error = None, e
            with lock:
                if box.get("abandoned"):
                    if conn is not None:
                        conn.close()
                    return
                box.update(conn=conn, error=error)
                done.set()

        threading.Thread(target=connect, name="wire-connect", daemon=True).start()
        done.wait(wait_s)
        with lock:
            if not done.is_set():
                box["abandoned"] = True
        if not done.is_set():
            self._timed_out()
        if box["error"] is not None:
            raise box["error"]
        return box["conn"]

    def _timed_out(self) -> None:
        """A call got no answer in time: TimeoutError, or WorkerError once the process has been silent
        for GIVE_UP_S (it is ended then)."""
        now = time.monotonic()
        if self._silent_since is None:
            self._silent_since = now
        elif now - self._silent_since > GIVE_UP_S:
            self.kill(f"the training process did not answer for {GIVE_UP_S:.0f} s and was stopped. "
                      "Press Start or Reset for a new run.")
            raise WorkerError(self.dead)
        raise TimeoutError(NOT_RESPONDING)

    def _give_back(self, conn) -> None:
        with self._pool:
            self._free.append(conn)
            self._pool.notify()

    def _drop(self, conn) -> None:
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
        with self._pool:
            self._open -= 1
            self._pool.notify()

    def call(self, message: tuple, wait_s: float):
        """Send (name, args, kwargs); the value, or the exception the process raised, raised here."""
        if self.dead:
            raise WorkerError(self.dead)
        conn = None
        try:
            conn = self._take(wait_s)
            conn.send(message)
            if not conn.poll(wait_s):
                self._drop(conn)
                conn = None
                self._timed_out()
            kind, value = conn.recv()
        except (TimeoutError, WorkerError):
            raise
        except (EOFError, OSError) as e:
            if conn is not None:
                self._drop(conn)
            self.dead = self.dead or DIED
            raise WorkerError(self.dead) from e
        except BaseException:  # (a message that does not pickle, say): the connection's state is unknown
            if conn is not None:
                self._drop(conn)
            raise
        self._silent_since = None
        self._give_back(conn)
        if kind == "error":
            raise value
        return value

    def kill(self, why: str) -> None:
        self.dead = why
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        with self._pool:
            conns, self._free = self._free, []
        for c in conns:
            self._drop(c)


class RemoteTrainer:
    """A Trainer's public API, for a Trainer in a run process of its own (calls over a `Wire`).

    A run not answering says so in its snapshot (status and message, the picture it had); a dead or
    ended run says so too, with a new snapshot version so the page redraws; commands to it do
    nothing; it never raises into the UI.
    """

    shares_a_step = False  # (a ClassMember does: it does not take one of the server's training slots)
    builds = Trainer  # what the run process builds, called as builds(cfg, device, **kwargs) (a test's waits)
    _start_waiting = False  # Start was pressed while the run is building (it starts when built)
    _born = 0.0  # when the build began (time.monotonic())

    def __init__(self, cfg, device=None, data=None, **trainer_kwargs):
        if data is not None:
            raise ValueError("a run process loads its own data: pass data=None")
        self.cfg = cfg
        self._closed: str | None = None
        self._last: dict | None = None
        self._last_status = "idle"
        self._born = time.monotonic()
        self._wire = self._connect()
        try:  # a build that fails within ANSWER_WITHIN_S raises its ConfigError / DatasetError here
            self._call("init", self.builds, cfg, device, wait_s=ANSWER_WITHIN_S + COMMAND_TIMEOUT_S, **trainer_kwargs)
            self._last = self._call("snapshot")  # from now on there is always a last snapshot to show
            self._last_status = self._last.status
        except BaseException:
            self.close()
            raise

    def _connect(self) -> Wire:
        z = zygote()
        pid, address = z.fork()
        return Wire(pid, address, z.authkey)

    @property
    def pid(self) -> int:
        return self._wire.pid

    @property
    def _dead(self) -> str | None:
        return self._closed or self._wire.dead

    def _call(self, name: str, *args, wait_s: float = COMMAND_TIMEOUT_S, **kwargs):
        if self._closed:
            raise WorkerError(self._closed)
        return self._wire.call((name, args, kwargs), wait_s)

    # -- commands (as Trainer; on a dead or hung process they do nothing, and the status says why) -----
    def _command(self, name: str, *args, **kwargs) -> None:
        try:
            self._call(name, *args, **kwargs)
        except (WorkerError, TimeoutError):
            pass

    def start(self) -> None:
        self._last_status, self._start_waiting = "running", True
        self._command("start")

    resume = start

    def pause(self, reason: str = "") -> None:
        self._last_status, self._start_waiting = "paused", False
        self._command("pause", reason)

    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None:
        if mode not in ("both", "d", "g") or n < 1:
            raise ValueError("step needs n >= 1 and mode in both, d, g")
        self._last_status = "paused"
        self._command("step", n, mode, wait=wait, timeout=timeout, wait_s=timeout + COMMAND_TIMEOUT_S)

    def slow_motion(self) -> list:
        """The process's slow step (its ValueError comes back as one); [] if it does not answer."""
        try:
            frames = self._call("slow_motion", wait_s=SLOW_MOTION_TIMEOUT_S + COMMAND_TIMEOUT_S)
        except (WorkerError, TimeoutError):
            return []
        self._last_status = "paused"
        return frames

    def set_live(self, settings: LiveSettings) -> None:
        self._command("set_live", settings)  # (a ValueError there comes back as one)

    def stop(self, timeout: float = 10.0) -> None:
        self._start_waiting = False
        self._command("stop", timeout, wait_s=timeout + COMMAND_TIMEOUT_S)

    def reset(self) -> None:
        self._command("reset")

    def close(self) -> None:
        """End the run and its process (the registry calls this when a tab closes). A kill: the process
        holds nothing that needs a goodbye, and a polite stop would wait on a run that may be hung."""
        if not self._dead:
            self._wire.kill("this run was closed")
        self._closed = self._closed or "this run was closed"

    # -- reading ---------------------------------------------------------------------------------
    def _fetch_snapshot(self) -> Snapshot:
        """The run's snapshot from its process (a class member asks for only what it lacks)."""
        return self._call("snapshot", wait_s=READ_TIMEOUT_S)

    def snapshot(self) -> Snapshot:
        try:
            snap = self._fetch_snapshot()
        except (WorkerError, TimeoutError) as e:  # the last one the process sent, saying why there is no newer one
            return self._last_problem(self._why(e))
        if snap.status == BUILDING and time.monotonic() - self._born > BUILD_TIMEOUT_S:
            self._wire.kill(BUILD_TOO_LONG)
            return self._last_problem(BUILD_TOO_LONG)
        self._last, self._last_status = snap, self._seen(snap.status)
        if snap.version == BUILD_FAILED_VERSION:  # its sentence is all the process has left to say: end it
            self._wire.kill(snap.message)
        return snap

    def _seen(self, status: str) -> str:
        """The status the registry counts: a run building with a Start waiting holds a training slot
        (it trains the moment it is built), so it counts as running."""
        return "running" if status == BUILDING and self._start_waiting else status

    def _why(self, e: BaseException) -> str:
        """What the page says of a failed call: a process that died while building says so."""
        if self._wire.dead == DIED and self._last.status == BUILDING:
            self._wire.dead = DIED_BUILDING
        return self._wire.dead or str(e)

    def _last_problem(self, message: str) -> Snapshot:
        """The last snapshot marked with what is wrong. Its version is new the first time (the page
        redraws) and negative: never one the process will send (real ones count up from 0), so the
        page also redraws when the process answers again, even with the version it had."""
        last = self._last
        if last.message != message:
            status = "error" if self._dead else last.status
            self._problems = getattr(self, "_problems", 0) + 1
            self._last = last = dataclasses.replace(last, status=status, message=message, alerts=[],
                                                    version=-self._problems)
            self._last_status = status
        return last

    @property
    def last_snapshot(self) -> Snapshot:
        """The snapshot as last fetched (by its own tab's poll): no IPC, for the class board."""
        return self._last

    @property
    def last_status(self) -> str:
        """The status as last seen (no IPC: what the registry's caps count)."""
        return "error" if self._dead else self._last_status

    @property
    def status(self) -> str:
        try:
            self._last_status = self._seen(self._call("status", wait_s=READ_TIMEOUT_S))
        except WorkerError:
            return "error"
        except TimeoutError:
            pass
        return self.last_status

    @property
    def alive(self) -> bool:
        try:
            return bool(self._call("alive", wait_s=READ_TIMEOUT_S))
        except (WorkerError, TimeoutError):
            return False

    @property
    def current_step(self) -> int:
        return int(self._call("current_step", wait_s=READ_TIMEOUT_S))

    def render(self) -> dict:
        return self._call("render")

    def save_checkpoint(self, path) -> Path:
        return Path(self._call("save_checkpoint", str(path), wait_s=GIVE_UP_S))

    def __del__(self):  # best effort: never leave a process behind
        try:
            if not self._dead:
                self._wire.kill("this run was dropped")
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
