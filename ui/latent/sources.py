"""Where the Latent space tab's models come from: this session's run, `checkpoints/`, or an upload.

Every way a source can fail (no run yet, a foreign or truncated file, a dataset that cannot be
loaded) raises one of SOURCE_ERRORS with a sentence the tab shows as it is; the tab then keeps
the model it had.
"""

from __future__ import annotations

from pathlib import Path

from gan_core import checkpoint, frozen
from gan_core.errors import CheckpointError, ClassroomError
from gan_core.frozen import Source
from ui.common import AppContext
from ui.latent.view import LatentView, conditional_classes

LIVE = "this session's run (Train tab)"
UPLOADED = "uploaded: "
MAX_UPLOADS = 4  # checkpoints one tab keeps uploaded (each up to checkpoint.MAX_BYTES on disk)
SOURCE_ERRORS = (ClassroomError, LookupError, OSError, ValueError)


def source_choices(ctx: AppContext, uploaded: dict[str, str]) -> list[str]:
    """The live run, then the GAN checkpoints in ctx.checkpoint_dir (by name), then this tab's uploads."""
    folder = Path(ctx.checkpoint_dir)
    shipped = [p.stem for p in checkpoint.list_checkpoints(folder)] if folder.is_dir() else []
    return [LIVE, *shipped, *uploaded]


FIRST_SOURCE = "mnist5k"  # what the tab opens on without a run: 28x28 digits, as the guides say (not 8x8 digits)


def first_source(choices: list[str]) -> str | None:
    """The source the tab opens on when this session has no run: FIRST_SOURCE, else the first checkpoint."""
    shipped = [c for c in choices if c != LIVE]
    return FIRST_SOURCE if FIRST_SOURCE in shipped else next(iter(shipped), None)


def load_source(ctx: AppContext, label: str, uploaded: dict[str, str], session: str) -> Source:
    """The Source behind a choice. The live run is copied now (training goes on with the original)."""
    if label == LIVE:
        trainer = ctx.registry.get(session)
        if trainer is None:
            raise LookupError("there is no run in this session yet. Start one in the Train tab (a few hundred "
                              "steps are enough to see structure), then press Reload here.")
        return frozen.from_trainer(trainer)
    if label in uploaded:
        return frozen.from_checkpoint(uploaded[label])
    shipped = source_choices(ctx, {})[1:]
    if label not in shipped:  # a name from the page is looked up, never joined into a path
        raise LookupError(f"there is no checkpoint called {str(label)[:60]!r}. Pick one from the list.")
    return frozen.from_checkpoint(Path(ctx.checkpoint_dir) / f"{label}.safetensors")


def add_upload(file: str | None, uploaded: dict[str, str]) -> tuple[str, dict[str, str], Source]:
    """Validate an uploaded checkpoint by loading it. Returns (its label, the new uploads dict, the Source).
    A refused file is deleted at once; a tab keeps its last MAX_UPLOADS uploads (older files deleted)."""
    if not file:
        raise CheckpointError("no file arrived; pick a .safetensors checkpoint saved by GAN Classroom.")
    try:
        src = frozen.from_checkpoint(file)  # raises CheckpointError with the reason
    except BaseException:
        Path(file).unlink(missing_ok=True)
        raise
    label = UPLOADED + Path(file).name[:80]
    kept = {k: v for k, v in uploaded.items() if k != label}
    while len(kept) >= MAX_UPLOADS:
        oldest = next(iter(kept))
        Path(kept.pop(oldest)).unlink(missing_ok=True)
    return label, {**kept, label: str(file)}, src


def describe(view: LatentView) -> str:
    """One status line: what the model is and what the sliders do."""
    src = view.source
    if view.mode == "dims":
        sliders = f"one slider per latent coordinate ({src.cfg.model.noise} noise)"
    else:
        sliders = (f"sliders move z along G's top {view.n_sliders} principal directions (GANSpace-style), "
                   "from the seed's z")
    what = (f"**this session's run**, a copy taken at step {src.step} (press Reload for newer weights)"
            if src.meta.get("live") else f"**{src.name}**, a checkpoint trained for {src.step} steps")
    cond = ", conditional on the class" if conditional_classes(src) else ""
    return f"{what} · data: {src.cfg.data.name} · latent size nz = {src.nz}{cond} · {sliders}."
