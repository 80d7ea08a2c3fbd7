"""A run process: what each process the zygote forks (live/zygote.py) serves, over its Unix socket.

It holds either one student's run (a `live.single.building.RunBuild`, which becomes a Trainer: the
`init` call) or the class process (a `live.classroom.host.ClassHost`, made on the first `class` call).
Each connection is a thread answering (name, args, kwargs) -> ("ok", value) | ("error", exc), in order.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from multiprocessing.connection import Listener

from gan_core.errors import WorkerError
from live.run import RUN_CALLS as CALLS  # the Run protocol's members: what a run process answers
from live.snapshot import since

RUN_NICENESS = 5  # run processes' niceness above the server's: the server answers first when cores are busy
ALONE_NICENESS = 5  # a run alone yields further, to the class process: one student's costly run (over the
#                     class's cost ceiling, live/classroom/batched/cost.py) gets the CPU the class leaves,
#                     not a core of it


def run_process(address: str, authkey: bytes, ready_w: int) -> None:
    zygote_pid = os.getppid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the zygote
    if os.getppid() != zygote_pid:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote's auto-reaping would hide a subprocess's exit code
    os.nice(RUN_NICENESS)  # training yields the CPU to the web server, so pages answer under load
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the zygote's pipes are not ours: stdin from nothing, stdout to the log
    os.dup2(2, 1)
    listener = Listener(address, "AF_UNIX", authkey=authkey)
    os.write(ready_w, b"1")
    os.close(ready_w)
    state: dict = {"trainer": None, "lock": threading.Lock()}
    while True:
        try:
            conn = listener.accept()
        except Exception:  # a failed handshake (wrong key): ignore that caller
            continue
        threading.Thread(target=_serve, args=(conn, state), daemon=True).start()


def _serve(conn, state: dict) -> None:
    """Answer one connection's calls in order: (name, args, kwargs) -> ("ok", value) | ("error", exc)."""
    while True:
        try:
            name, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            value = _dispatch(state, name, args, kwargs)
            reply = ("ok", value)
        except BaseException as e:  # raised again in the server, same type and message
            reply = ("error", e)
        try:
            conn.send(reply)
        except OSError:  # the caller hung up (its read timed out on a busy machine, or the server went): done
            return
        except Exception as e:  # an exception or value that does not pickle: say what it was
            conn.send(("error", WorkerError(f"{type(e).__name__}: {e}")))
        if name == "close":
            os._exit(0)


def _class_call(state: dict, run_id: str, method: str, args: tuple, kwargs: dict):
    """A call on one run of the class process (its ClassHost made on the first call)."""
    host = state.get("host")
    if host is None:
        with state["lock"]:
            if state.get("host") is None:
                from live.classroom.host import ClassHost

                state["host"] = ClassHost(exit_when_empty=True)
        host = state["host"]
    if method == "add":  # -> the new run's first snapshot (one call fewer for a Start)
        return host.add(run_id, *args, **kwargs).snapshot()
    if method == "remove":
        return host.remove(run_id)
    if method == "start":  # -> the run's snapshot after it (the page's answer to Start needs no second call)
        host.call(run_id, "start", args, kwargs)
        return host.call(run_id, "snapshot", (), {})
    if method == "snapshot_since":  # -> the snapshot less the rows the member holds (live/snapshot.since)
        return since(host.call(run_id, "snapshot", (), {}), *args)
    if method not in CALLS | {"steps_pending"}:
        raise WorkerError(f"the class process cannot answer {method!r}")
    return host.call(run_id, method, args, kwargs)


def _yield_to_the_class(increment: int) -> None:
    """This run process, every thread of it, `increment` nicer (Linux keeps a nice value per thread:
    os.nice would change only the calling one; threads made later inherit their maker's)."""
    for tid in os.listdir("/proc/self/task"):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), min(19, os.getpriority(os.PRIO_PROCESS, int(tid)) + increment))
        except OSError:  # (a thread that just ended)
            pass


def _dispatch(state: dict, name: str, args: tuple, kwargs: dict):
    from live.single.building import ANSWER_WITHIN_S, RunBuild

    if name == "class":  # the class process: (run id, method, args, kwargs) for live.classroom.host
        return _class_call(state, *args)
    if name == "init":  # args: (what to build, cfg, device); the build goes on in a thread (live.single.building)
        with state["lock"]:
            if state["trainer"] is None:
                _yield_to_the_class(ALONE_NICENESS)
                state["trainer"] = RunBuild(*args, **kwargs)
        return state["trainer"].wait(ANSWER_WITHIN_S)
    run = state["trainer"]
    if name == "close":
        if run is not None:
            run.stop()
        return None
    if run is None or name not in CALLS:
        raise WorkerError(f"the run process cannot answer {name!r}")
    return run.answer(name, args, kwargs)
