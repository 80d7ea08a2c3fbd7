"""Shared UI plumbing: the app context passed to every tab, and small helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gan_core.sessions import SessionRegistry

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT_DIR = Path(os.environ.get("GAN_CLASSROOM_CHECKPOINTS", ROOT / "checkpoints"))


@dataclass
class AppContext:
    registry: SessionRegistry  # session hash -> that tab's training run
    checkpoint_dir: Path = CHECKPOINT_DIR


def session_id(request) -> str:
    """Gradio's per-tab session hash ('' in direct function calls, e.g. from tests)."""
    return getattr(request, "session_hash", None) or "local"
