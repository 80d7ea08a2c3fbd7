"""What the Replays tab shows for one frame of a recorded run: plain data and text, no gradio.

- `shipped(folder)`: the replays in checkpoints/ that load, name -> title (the menu).
- `get_replay(folder, name)`: a shipped replay by name (never a path from a client), decoded once and
  kept in a byte-bounded LRU.
- `frame_index(replay, value)`: a slider value (a training step, from a client: bounded here) -> frame.
- `picture(replay, i)`, `curves(replay, i)`, `metric_line(replay, i)`: the frame's picture (the 2D field
  or the sample grid), its curves up to that step, and its numbers in a sentence.
- `frame_pngs(replay, i)`: both pictures as PNG bytes, from an LRU: a slider position seen before costs
  a lookup, a new one a drawing (~40 ms for a field) and two PNG encodings.
- `prerender(replay)`: every frame drawn into that LRU on a background thread, once per replay, at the
  lowest CPU priority: the first student to open a replay starts it, and the slider then costs a lookup.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np

from gan_core import replay as rp
from gan_core.lru import ByteLRU
from gan_core.pictures.field_draw import FIELD_LAYERS, PICTURE_WIDTH, draw_field, field_title
from gan_core.pictures.viz import image_grid, png_bytes
from ui.replay.curves import background, draw_curves

REPLAYS = ByteLRU(96 * 2**20, lambda r: r.nbytes)  # decoded replays, shared by every session
FRAMES = ByteLRU(48 * 2**20, lambda pair: len(pair[0]) + len(pair[1]))  # (replay, mtime, frame) -> PNGs
BACKGROUNDS = ByteLRU(32 * 2**20, lambda bg: bg.plot.width * bg.plot.height * 3 + bg.text.width * bg.text.height * 4)
# (a run's curves' background: ~3 MB each)
MIN_SIDE = 440  # the sample grid is blown up (nearest) to about the field's size
LESSON_ORDER = ("ring8", "ring8-collapse", "digits", "mnist5k")  # README's teaching guide


def _key(path: Path) -> tuple:
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


def shipped(folder: str | Path) -> dict[str, str]:
    """name -> title of the replays in `folder` that load, in the teaching guide's order (then by name);
    a broken file is left out of the menu."""
    out = {}
    for path in rp.list_replays(folder):
        try:
            out[path.name[: -len(rp.SUFFIX)]] = _load(path).meta.get("title", "")
        except (rp.ReplayError, OSError):
            continue
    rank = {name: i for i, name in enumerate(LESSON_ORDER)}
    return dict(sorted(out.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _load(path: Path) -> rp.Replay:
    return REPLAYS.get_or_make(_key(path), lambda: rp.load(path))


def get_replay(folder: str | Path, name) -> rp.Replay:
    """The shipped replay called `name`: looked up among the folder's files, so a client's name is only
    ever compared, never joined into a path."""
    for path in rp.list_replays(folder):
        if path.name[: -len(rp.SUFFIX)] == name:
            return _load(path)
    raise ValueError(f"there is no recorded run called {str(name)[:60]!r}.")


def frame_index(replay: rp.Replay, value) -> int:
    """The frame nearest to training step `value` (clamped to the run): a slider sends a step."""
    try:
        step = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"the step must be a number; got {str(value)[:30]!r}.") from None
    if not math.isfinite(step):
        raise ValueError("the step must be a finite number.")
    return int(min(max(round(step / replay.every), 0), replay.n_frames - 1))


def picture(replay: rp.Replay, i: int) -> np.ndarray:
    """Frame i's picture, uint8 [H, W, 3]: GAN Lab's field for 2D data, else the sample grid."""
    if replay.is_points:
        return draw_field(replay.field(i), FIELD_LAYERS, title=field_title(replay.steps[i]), width=PICTURE_WIDTH)
    samples = replay.arrays["samples"][i]  # uint8 [N, C, H, W]
    k = replay.cfg.model.conditional and 10 or 8
    grid = image_grid(samples.astype(np.float32) / 127.5 - 1.0, nrow=k, min_side=0)  # exact: u / 127.5 - 1 -> u
    scale = math.ceil(MIN_SIDE / min(grid.shape[:2]))
    return grid if scale <= 1 else grid.repeat(scale, axis=0).repeat(scale, axis=1)


def curves(replay: rp.Replay, i: int) -> np.ndarray:
    """The run's curves, in colour up to frame i's step, uint8 [H, W, 3] (the axes drawn once per run)."""
    def make():
        history = {"step": replay.history_step, **{k: replay.history[:, j] for j, k in enumerate(replay.series)}}
        return background(history, replay.steps[-1], replay.cfg.loss.objective)
    return draw_curves(BACKGROUNDS.get_or_make(_replay_key(replay), make), replay.steps[i])


def _replay_key(replay: rp.Replay) -> tuple:
    return replay.name, replay.meta.get("created", ""), replay.steps[-1]


def metric_line(replay: rp.Replay, i: int) -> str:
    """'Step 1,200 of 4,000 · modes covered: 6 of 8, 72% of samples near a mode' (Markdown)."""
    head = f"**Step {replay.steps[i]:,}** of {replay.steps[-1]:,}"
    m = replay.metrics[i]
    if "modes_covered" in m and "n_modes" in m:
        near = m.get("high_quality_fraction")
        tail = (f"modes covered: **{m['modes_covered']} of {m['n_modes']}**"
                + (f", {100 * near:.0f}% of samples near a mode" if near is not None else ""))
    elif "classes_covered" in m and "n_classes" in m:
        conf = m.get("mean_confidence")
        tail = (f"digit classes the classifier sees: **{m['classes_covered']} of {m['n_classes']}**"
                + (f", mean confidence {conf:.2f}" if conf is not None else "")
                + (f", KL to uniform {m['kl_to_uniform']:.2f}" if "kl_to_uniform" in m else ""))
    else:
        tail = "no metrics were recorded for this run"
    return f"{head} · {tail}"


def frame_pngs(replay: rp.Replay, i: int) -> tuple[bytes, bytes]:
    """(picture, curves) of frame i as PNG bytes (zlib level 1), cached."""
    key = (*_replay_key(replay), i)
    return FRAMES.get_or_make(key, lambda: (png_bytes(picture(replay, i), compress_level=1),
                                            png_bytes(curves(replay, i), compress_level=1)))


def about(replay: rp.Replay) -> str:
    """Where the replay comes from, for the foot of the tab (the exact command line is in its JSON)."""
    m = replay.meta
    preset, seed = str(m.get("preset", "?"))[:40], m.get("seed", "?")
    return (f"<small>{replay.n_frames} frames, one every {replay.every:,} steps, recorded on "
            f"{str(m.get('created', '?'))[:10]} by `python -m gan_core train --preset {preset} --seed {seed} "
            f"--device cpu --record` (`scripts/record_replays.sh`): the command and seed of the shipped checkpoint "
            f"`{str(m.get('checkpoint', '?'))[:80]}`.</small>")


_PRERENDERING: set = set()
_PRERENDER_LOCK = threading.Lock()


def prerender(replay: rp.Replay) -> threading.Thread | None:
    """Draw all of a replay's frames into the cache on a daemon thread (None: already being done)."""
    key = _replay_key(replay)
    with _PRERENDER_LOCK:
        if key in _PRERENDERING:
            return None
        _PRERENDERING.add(key)

    def work():
        try:  # Linux: a thread's own nice value; the server's threads keep theirs
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        try:
            for i in range(replay.n_frames):
                frame_pngs(replay, i)
        finally:
            with _PRERENDER_LOCK:  # (evicted frames are drawn again on demand, or by a later prerender)
                _PRERENDERING.discard(key)

    thread = threading.Thread(target=work, name=f"replay-prerender-{replay.name[:20]}", daemon=True)
    thread.start()
    return thread
