"""The tree passes the linter: `ruff check .` with the settings in ruff.toml (pycodestyle, pyflakes,
import order, lines of at most 120 characters). Here so that the README's one test command, which CI
runs, lints too. `ruff check --fix .` sorts imports; long lines are wrapped by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_check_passes():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, f"ruff check . failed (exit {out.returncode}):\n{out.stdout}{out.stderr}"
