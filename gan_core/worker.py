"""Training in a process of its own: `RemoteTrainer` is a Trainer that lives in a child process.

Why. A ring8 step (~4 ms) is mostly Python handing small torch ops to C++, under the GIL. In the
web server's process every poll of every student (HTTP, the plot tables, the PNG: ~30-45 ms of
Python a second per watching tab) takes the GIL from the training thread, and two runs take it
from each other. In its own process a run has its own interpreter and its own GIL: the server
polls it without slowing it, and two students' runs use two cores.

How (Linux; everywhere else, or with GAN_CLASSROOM_TRAINING=thread, runs are in-process threads):

    web server ──stdin "fork <socket>"──> zygote (imported torch + gan_core once, ~4 s, no threads)
        │                                    │ os.fork(): ~10 ms, shares the imported pages
        │                                    v
        └──── one connection per thread ──> run process: Listener on <socket>, a thread per
              (pickled calls, authkey)       connection calling its Trainer (which trains in its own thread)

Forking the web server itself would copy a process full of threads (unsafe); forking the zygote,
which has imported torch but never run an op, is what multiprocessing's forkserver does. We do
it by hand because forkserver re-imports the server's `__main__` (app.py, gradio) in every child.
A run process dies with the zygote (PR_SET_PDEATHSIG) and the zygote with the server (its stdin
closes), so nothing outlives the app. Only our own processes are on either end of a connection,
behind a random authkey: the pickles are not untrusted data.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Listener, arbitrary_address
from pathlib import Path

MODE_ENV = "GAN_CLASSROOM_TRAINING"  # "process" or "thread"
CALL_TIMEOUT_S = 60.0  # a call the run process does not answer in this long: it is stuck, end it
# what a parent may call on the Trainer in the run process (properties are read, methods called)
CALLS = frozenset({"start", "pause", "step", "set_live", "stop", "reset", "snapshot", "render", "save_checkpoint",
                   "status", "alive", "current_step"})


class WorkerError(RuntimeError):
    """The run's process could not be started, or it stopped (killed, out of memory)."""


def processes_available() -> bool:
    """Runs get processes on Linux unless $GAN_CLASSROOM_TRAINING=thread (thread: everywhere else)."""
    mode = os.environ.get(MODE_ENV, "").strip().lower()
    if mode == "thread":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork")


# ----------------------------------------------------------------------------- the zygote (server side)

class Zygote:
    """The helper process that forks run processes. One per server, started on first use."""

    def __init__(self, timeout_s: float = 120.0):
        self.authkey = os.urandom(32)
        root = str(Path(__file__).resolve().parent.parent)
        # OpenBLAS (numpy's, scipy's) starts a thread pool at import unless it has 1 thread; the
        # zygote must have no threads when it forks, and a run's numpy work is too small to need them
        env = {"OPENBLAS_NUM_THREADS": "1", **os.environ, "GAN_CLASSROOM_AUTHKEY": self.authkey.hex(),
               "PYTHONPATH": os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
        self._proc = subprocess.Popen([sys.executable, "-c", "from gan_core.worker import zygote_main; zygote_main()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        self._lock = threading.Lock()
        self._folder = tempfile.mkdtemp(prefix="gan-classroom-runs-")
        self._expect("ready", timeout_s)

    def _expect(self, word: str, timeout_s: float) -> str:
        line = _readline(self._proc.stdout, timeout_s)
        if not line.startswith(word):
            self._proc.kill()
            raise WorkerError(f"the training helper process did not start ({line.strip() or 'no answer'}); "
                              f"set {MODE_ENV}=thread to train in the server's process")
        return line[len(word):].strip()

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def fork(self) -> tuple[int, str]:
        """A fresh run process, listening: (pid, socket address)."""
        address = arbitrary_address("AF_UNIX")
        with self._lock:
            if not self.alive:
                raise WorkerError("the training helper process has stopped")
            self._proc.stdin.write(f"fork {address}\n")
            self._proc.stdin.flush()
            return int(self._expect("pid", 30.0)), address

    def close(self) -> None:
        try:
            self._proc.stdin.close()  # EOF: the zygote exits, and its run processes with it
            self._proc.wait(5)
        except Exception:
            self._proc.kill()


def _readline(stream, timeout_s: float) -> str:
    """One line from a pipe, or '' after timeout_s (a thread reads: pipes have no timeout)."""
    out = []
    reader = threading.Thread(target=lambda: out.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    return out[0] if out else ""


_ZYGOTE: Zygote | None = None
_ZYGOTE_FAILED: str | None = None  # why it could not start: not tried again (each try can take minutes)
_ZYGOTE_LOCK = threading.Lock()


def zygote() -> Zygote:
    """The server's zygote, started (or restarted, if it died) on first use."""
    global _ZYGOTE, _ZYGOTE_FAILED
    with _ZYGOTE_LOCK:
        if _ZYGOTE_FAILED:
            raise WorkerError(_ZYGOTE_FAILED)
        if _ZYGOTE is None or not _ZYGOTE.alive:
            try:
                _ZYGOTE = Zygote()
            except (OSError, WorkerError) as e:
                _ZYGOTE_FAILED = str(e)
                raise WorkerError(_ZYGOTE_FAILED) from e
        return _ZYGOTE


def trainer_factory():
    """What the app builds runs with: run processes where they are available, else Trainer threads."""
    from .trainer import Trainer

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


# ----------------------------------------------------------------------------- the zygote (its own process)

def zygote_main() -> None:
    """Import what a run needs, then fork a run process for each "fork <address>" line on stdin."""
    _preload()
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    if threads != 1:  # fork would copy a process with threads in it: refuse (the server falls back to threads)
        print(f"failed: the zygote has {threads} threads after its imports (is OPENBLAS_NUM_THREADS > 1?)", flush=True)
        return
    authkey = bytes.fromhex(os.environ.pop("GAN_CLASSROOM_AUTHKEY"))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # run processes are reaped by the kernel
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.startswith("fork "):
            continue
        address = line[5:].strip()
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the run process
            os.close(ready_r)
            code = 0
            try:
                _run_process(address, authkey, ready_w)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(ready_w)
        ok = os.read(ready_r, 1)  # the child listens (b"1") or died (b"")
        os.close(ready_r)
        print(f"pid {pid}" if ok else "failed: the run process could not listen", flush=True)


def _preload() -> None:
    """What every run would otherwise import or read first (~2 s), done once here: torch, gan_core,
    torch._dynamo (the first optimiser imports it), sklearn's digits loader, the MNIST-5k table.
    None of it runs a torch op, so no OpenMP or CUDA threads exist when the zygote forks."""
    import torch._dynamo  # noqa: F401
    from sklearn.datasets import load_digits  # noqa: F401

    from . import data, diagnostics, trainer  # noqa: F401

    data._mnist5k_table()


def _run_process(address: str, authkey: bytes, ready_w: int) -> None:
    zygote_pid = os.getppid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the zygote
    if os.getppid() != zygote_pid:
        return
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
        except Exception as e:  # an exception or value that does not pickle: say what it was
            conn.send(("error", WorkerError(f"{type(e).__name__}: {e}")))
        if name == "close":
            os._exit(0)


def _dispatch(state: dict, name: str, args: tuple, kwargs: dict):
    from .trainer import Trainer

    if name == "init":
        with state["lock"]:
            if state["trainer"] is None:
                state["trainer"] = Trainer(*args, **kwargs)
        return os.getpid()
    trainer = state["trainer"]
    if name == "close":
        if trainer is not None:
            trainer.stop()
        return None
    if trainer is None or name not in CALLS:
        raise WorkerError(f"the run process cannot answer {name!r}")
    value = getattr(trainer, name)
    return value(*args, **kwargs) if callable(value) else value


# ----------------------------------------------------------------------------- the server's handle

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
        try:
            self._call("init", cfg, device, **trainer_kwargs)  # ConfigError / DatasetError come back here
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
        except WorkerError as e:
            if self._last is None:
                raise
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
