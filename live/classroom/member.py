"""The server's handle on a run of the class process (live/classroom/host.py): a RemoteTrainer whose
calls go, with its run id, to the one process that steps the whole class in batched groups.

    tab ──> ClassMember("r-3f…") ──Wire──> class process: ClassHost.call("r-3f…", "snapshot")

All members share one process and one pool of connections (CLASS_CONNECTIONS serving threads in
the class process, whatever the class size). Closing a member removes its run; the process stays
for the others. A Step waits here, polling how many of its steps are left, so it never holds one
of the shared connections while the class trains it.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

from live.classroom.batched import group_key
from live.classroom.batched.cost import too_costly
from live.single.remote import COMMAND_TIMEOUT_S, READ_TIMEOUT_S, RemoteTrainer, Wire, WorkerError
from live.snapshot import Snapshot, held, merged
from live.zygote import zygote

CLASS_CONNECTIONS = 8  # serving threads in the class process, shared by every member
MODE_ENV = "GAN_CLASSROOM_BATCHED"  # "0": every run trains in a process of its own, as before
STEP_POLL_S = 0.05

_WIRE: Wire | None = None
_WIRE_LOCK = threading.Lock()


def batching_enabled() -> bool:
    return os.environ.get(MODE_ENV, "1").strip() not in ("0", "off", "false", "no")


def batchable(cfg) -> bool:
    """Whether `cfg` trains in the class process: batchable settings whose step is within the class's
    cost ceiling (a costlier run trains alone, in a process of its own, under the fair queue)."""
    return batching_enabled() and group_key(cfg) is not None and too_costly(cfg) is None


def class_wire() -> Wire:
    """The wire to the class process, forked from the zygote on first use (again if it died)."""
    global _WIRE
    with _WIRE_LOCK:
        if _WIRE is None or _WIRE.dead or not _alive(_WIRE.pid):
            z = zygote()
            pid, address = z.fork()
            _WIRE = Wire(pid, address, z.authkey, max_connections=CLASS_CONNECTIONS)
        return _WIRE


def _remove(wire: Wire, run_id: str, tries: int = 6) -> None:
    """Take a closed run out of the class process, trying again while the process is busy (a run
    left there would train on for nobody); the caller does not wait for it."""
    for _ in range(tries):
        try:
            wire.call(("class", (run_id, "remove", (), {}), {}), COMMAND_TIMEOUT_S)
            return
        except TimeoutError:
            continue
        except (WorkerError, KeyError):
            return


def _alive(pid: int) -> bool:
    """The class process exits by itself once its last run is closed (it is its zygote's child,
    reaped at once, so a gone pid is gone)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class ClassMember(RemoteTrainer):
    """A run in the class process, with a RemoteTrainer's API and behaviour (a dead or hung class
    process shows in every member's snapshot; commands then do nothing)."""

    shares_a_step = True  # one of the class's batched steps: it takes none of the server's training slots
    start_reads = True  # start() brings the snapshot after it: last_snapshot is then fresh (ui/train/handlers.on_start)

    def __init__(self, cfg, device=None, data=None, **run_kwargs):
        if data is not None or device not in (None, "cpu"):
            raise ValueError("a class run trains on the CPU on data the class process loads")
        self.cfg = cfg
        self.run_id = f"r-{uuid.uuid4().hex}"
        self._closed: str | None = None
        self._last: dict | None = None
        self._last_status = "idle"
        try:
            for attempt in (1, 2):  # the class process may have exited (empty) just as this run came
                self._wire = class_wire()
                try:
                    # (2D data: no download) -> the run's first snapshot: from now on there is always one to show
                    self._last = self._call("add", cfg, wait_s=COMMAND_TIMEOUT_S, **run_kwargs)
                    break
                except WorkerError:
                    if attempt == 2:
                        raise
        except BaseException:
            self.close()
            raise

    def _call(self, name: str, *args, wait_s: float = COMMAND_TIMEOUT_S, **kwargs):
        if self._closed:
            raise WorkerError(self._closed)
        try:
            return self._wire.call(("class", (self.run_id, name, args, kwargs), {}), wait_s)
        except KeyError:  # the class process no longer has this run: it was closed (from another thread)
            self._closed = "this run was closed"
            raise WorkerError(self._closed) from None

    def start(self) -> None:
        """Start (or resume), answered with the run's snapshot after it: one call for a Start's answer."""
        self._last_status, self._start_waiting = "running", True
        try:
            snap = self._call("start")
        except (WorkerError, TimeoutError):
            return
        if isinstance(snap, Snapshot):
            self._last, self._last_status = snap, snap.status

    resume = start

    def _fetch_snapshot(self) -> Snapshot:
        """The snapshot, sent less the history and metric rows this member holds already: a run's ~120 KB
        of rows crossed the wire with every poll, and cost the web server more the longer the class ran."""
        before = self._last
        return merged(self._call("snapshot_since", *held(before), wait_s=READ_TIMEOUT_S), before)

    def step(self, n: int = 1, mode: str = "both", wait: bool = True, timeout: float = 120.0) -> None:
        if mode not in ("both", "d", "g") or n < 1:
            raise ValueError("step needs n >= 1 and mode in both, d, g")
        self._last_status = "paused"
        self._command("step", n, mode, wait=False)
        deadline = time.monotonic() + timeout
        while wait and time.monotonic() < deadline:  # (no event crosses the process boundary: poll)
            try:
                if not self._call("steps_pending", wait_s=READ_TIMEOUT_S):
                    return
            except WorkerError:
                return
            except TimeoutError:  # busy, not gone: keep waiting until the deadline
                pass
            time.sleep(STEP_POLL_S)

    def close(self) -> None:
        """Remove this run from the class process (which goes on with the others, or exits if none)."""
        wire = getattr(self, "_wire", None)  # (none yet when the class process could not be had)
        dead = self._dead if wire is not None else None
        self._closed = self._closed or "this run was closed"  # first: calls from other threads stop here
        if wire is not None and not dead:
            threading.Thread(target=_remove, args=(wire, self.run_id), name="class-remove", daemon=True).start()

    def __del__(self):  # the class process outlives its members
        pass
