"""What the diagnostics tab can diagnose: this session's live run or a checkpoint in ctx.checkpoint_dir.

`diagnosis_for` turns a choice into a `Diagnosis`, or raises `SourceProblem` with a sentence the
tab shows as it is. Checkpoint diagnoses are cached (a file's numbers never change for the same n
and seed), so comparing against the same checkpoint again is instant; the live run never is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from gan_core import checkpoint, frozen
from gan_core.errors import ClassroomError
from gan_core.evaluation.diagnostics import Diagnosis, run_diagnosis
from ui.common import AppContext
from ui.latent.view import checked_seed

LIVE = "this session's run (Train tab)"
NONE = "(none)"
_CACHE: OrderedDict = OrderedDict()  # (path, mtime, n, seed) -> Diagnosis
_CACHE_SIZE = 6  # a Diagnosis of 2,000 MNIST images holds ~15 MB of samples
_LOCK = threading.Lock()
MAX_SAMPLES = 5000  # the tab's largest choice; the API may send anything


class SourceProblem(ClassroomError, ValueError):
    """A choice that cannot be diagnosed, with a message for the student."""


def source_choices(ctx: AppContext) -> list[str]:
    """The live run first, then the GAN checkpoints (not the classifiers) by name."""
    folder = Path(ctx.checkpoint_dir)
    return [LIVE] + ([p.stem for p in checkpoint.list_checkpoints(folder)] if folder.is_dir() else [])


# What a newcomer sees first: the classic contrast, a collapsing run beside a healthy one.
FIRST_PAIR = ("ring8-collapse", "ring8")


def default_choices(choices: list[str]) -> tuple[str, str]:
    """(source, compare) the tab opens on: ring8-collapse vs ring8 when shipped, else the first
    checkpoint alone, else this session's run."""
    a, b = FIRST_PAIR
    if a in choices and b in choices:
        return a, b
    shipped = [c for c in choices if c != LIVE]
    return (shipped[0], NONE) if shipped else (LIVE, NONE)


def diagnosis_for(ctx: AppContext, choice: str | None, session: str, n: int, seed: int) -> Diagnosis:
    """Diagnose the chosen source with n samples from `seed`."""
    if not choice or choice == NONE:
        raise SourceProblem("Pick what to diagnose: this session's run or a checkpoint.")
    try:
        n, seed = int(n), checked_seed(seed)
    except (TypeError, ValueError, OverflowError) as e:
        raise SourceProblem(f"Not diagnosed: {e}") from None
    if not 20 <= n <= MAX_SAMPLES:
        raise SourceProblem(f"Not diagnosed: the number of samples must be between 20 and {MAX_SAMPLES:,}; got {n}.")
    if choice == LIVE:
        trainer = ctx.registry.get(session)
        if trainer is None:
            raise SourceProblem("There is no run in this browser tab yet. Start one in the **Train** tab (a few "
                                "hundred steps are enough to see collapse begin), or pick a checkpoint.")
        return _diagnose(lambda: frozen.from_trainer(trainer), n, seed)
    path = Path(ctx.checkpoint_dir) / f"{Path(choice).name}.safetensors"
    if not path.is_file():
        raise SourceProblem(f"There is no checkpoint called {choice!r} in {Path(ctx.checkpoint_dir).name}/. "
                            f"Pick one from the list.")
    key = (str(path), path.stat().st_mtime, n, seed)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    diag = _diagnose(lambda: frozen.from_checkpoint(path), n, seed)
    with _LOCK:
        _CACHE[key] = diag
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return diag


def _diagnose(load, n: int, seed: int) -> Diagnosis:
    try:
        return run_diagnosis(load(), n=n, seed=seed)
    except ClassroomError as e:
        raise SourceProblem(str(e)) from e
    except ValueError as e:  # e.g. a diverged G that makes NaN; too few samples
        raise SourceProblem(f"The diagnosis failed: {e}") from e
