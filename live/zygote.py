"""The zygote: a helper process that has imported torch and gan_core once, and forks a run process
(live/run_process.py) for each run (`live.single.remote.RemoteTrainer` is the server's handle on one).

    server ──stdin "fork <socket>"──> zygote ──os.fork()──> run process: a Listener on <socket>,
                                                            a thread per connection calling its Trainer

A fork copies the zygote's imported pages instead of importing torch again (milliseconds instead
of seconds for a new interpreter). Forking is only safe from a process without threads, which is why the
zygote runs no torch op and keeps OpenBLAS at one thread, and checks that it has one thread
before it serves. (multiprocessing's forkserver does the same, but re-imports the server's
`__main__`, app.py and gradio, in every child.) A run process dies with the zygote
(PR_SET_PDEATHSIG), the zygote with the server (its stdin closes): nothing outlives the app.
Connections are between our own processes, behind a random authkey: their pickles are not
untrusted data.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import arbitrary_address
from pathlib import Path

from gan_core.errors import WorkerError
from live.run_process import run_process  # what each forked process serves

# ----------------------------------------------------------------------------- in the server

class Zygote:
    """The helper process that forks run processes. One per server, started on first use."""

    def __init__(self, timeout_s: float = 120.0):
        self.authkey = os.urandom(32)
        root = str(Path(__file__).resolve().parent.parent)
        # OpenBLAS (numpy's, scipy's) starts a thread pool at import unless it has 1 thread; the
        # zygote must have no threads when it forks, and a run's numpy work is too small to need them
        env = {"OPENBLAS_NUM_THREADS": "1", **os.environ, "GAN_CLASSROOM_AUTHKEY": self.authkey.hex(),
               "PYTHONPATH": os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
        self._proc = subprocess.Popen([sys.executable, "-c", "from live.zygote import zygote_main; zygote_main()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        self._lock = threading.Lock()
        # reap it the moment it exits (killed, or crashed), so it never lingers as a zombie
        threading.Thread(target=self._proc.wait, name="zygote-reaper", daemon=True).start()
        line = _readline(self._proc.stdout, timeout_s)
        if line.strip() != "ready":
            self._proc.kill()
            raise WorkerError(f"the training helper process did not start ({line.strip() or 'no answer'}); "
                              "set GAN_CLASSROOM_TRAINING=thread to train in the server's process")

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
            line = _readline(self._proc.stdout, 30.0)
            if not line:  # hung (a late answer would be read as the next run's): start a new zygote next time
                self._proc.kill()
        if not line.startswith("pid "):  # this run failed; the zygote and the other runs go on
            raise WorkerError(f"a run process could not start ({line.strip() or 'no answer from the helper'})")
        return int(line[4:]), address

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


class NoHelperProcess(WorkerError):
    """This server cannot have run processes at all: its zygote could not be started even once (no
    fork, a Python that cannot start, a zygote with threads). The one case where a run may train in
    the server's own process instead (live.single.remote.trainer_factory). A zygote that ran and then could
    not be restarted, a fork that failed, a run process that died or did not answer: plain
    WorkerErrors, which a run reports and never answers by building in the server."""


_ZYGOTE: Zygote | None = None
_ZYGOTE_FAILED: str | None = None  # why it could not start: not tried again (each try can take minutes)
_ZYGOTE_LOCK = threading.Lock()


def zygote() -> Zygote:
    """The server's zygote, started (or restarted, if it died) on first use. NoHelperProcess if it
    never started; WorkerError if it ran once and cannot be started again."""
    global _ZYGOTE, _ZYGOTE_FAILED
    with _ZYGOTE_LOCK:
        failed = WorkerError if _ZYGOTE is not None else NoHelperProcess  # (_ZYGOTE: one that ran, alive or not)
        if _ZYGOTE_FAILED:
            raise failed(_ZYGOTE_FAILED)
        if _ZYGOTE is None or not _ZYGOTE.alive:
            try:
                _ZYGOTE = Zygote()
            except (OSError, WorkerError) as e:
                _ZYGOTE_FAILED = str(e)
                raise failed(_ZYGOTE_FAILED) from e
        return _ZYGOTE



# ----------------------------------------------------------------------------- in the zygote, and in a run process

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
                run_process(address, authkey, ready_w)
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
    preload = ("torch", "torch._dynamo", "sklearn.datasets", "live.single.trainer", "gan_core.evaluation.diagnostics")
    for module in preload:
        importlib.import_module(module)
    from gan_core.data import images as image_sets

    image_sets._mnist5k_table()
