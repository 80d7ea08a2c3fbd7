"""A run build that takes exactly as long as a test wants: it waits on a named pipe until the test
lets it go (or kills its process), so "a slow build" needs no big dataset and nothing is timed.

Set `live.single.remote.RemoteTrainer.builds` to `Gate.builds()`: the run process unpickles it by name, so
this module is imported there as `tests.gated_build` (the zygote's path has the repository root) and
tests import it by that name too.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from gan_core.errors import DatasetError
from live.single.trainer import Trainer

FAIL = b"fail"  # what release() writes for a build that fails (as a folder with no images does)
FAILURE = ("no images found in gated.zip (0 file(s) skipped as not images). "
           "Use PNG or JPEG files, in a folder or a .zip.")


class GatedTrainer(Trainer):
    """A Trainer whose build first reads the gate to its end (a named pipe: blocks until the test's
    release() has written and closed it), when its seed is one of `seeds` (None: every seed)."""

    def __init__(self, cfg, device=None, data=None, *, gate: str, seeds: tuple | None = None, **kwargs):
        if seeds is None or cfg.train.seed in seeds:
            with open(gate, "rb") as f:
                if f.read() == FAIL:
                    raise DatasetError(FAILURE)
        super().__init__(cfg, device, data, **kwargs)


class Gate:
    def __init__(self, folder: Path):
        self.path = Path(folder) / "build-gate"
        os.mkfifo(self.path)

    def builds(self, seeds: tuple | None = None):
        """What RemoteTrainer.builds is set to: builds of these seeds (None: all) wait for release()."""
        return functools.partial(GatedTrainer, gate=str(self.path), seeds=seeds)

    def release(self, verdict: bytes = b"go", timeout_s: float = 30.0) -> None:
        """Let the waiting build go on (or fail, with FAIL); waits (polling) for a build to be waiting."""
        from conftest import poll_until

        fd = poll_until(lambda: self._open_for_writing(), timeout_s)
        assert fd, "no build was waiting at the gate"
        os.write(fd, verdict)
        os.close(fd)

    def _open_for_writing(self) -> int | None:
        try:  # non-blocking: ENXIO until a reader (the build) has the pipe open
            return os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return None
