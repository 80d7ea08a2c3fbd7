"""The tree is the architecture: each layer imports only the layers below it.

    gan_core/   the textbook GAN            never imports live, ui, app, benchmarks or gradio
    live/       runs, scheduling, sessions  never imports ui, app, benchmarks or gradio
    ui/, app.py the page                    (anything below)
    benchmarks/ outside all three           (anything)

Read from the source (every import statement, at any depth, lazy ones too), not from what happens
to be imported at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "gan_core": {"live", "ui", "app", "benchmarks", "gradio", "gradio_client"},
    "live": {"ui", "app", "benchmarks", "gradio", "gradio_client"},
}
# `python -m gan_core bench` still runs the benchmarks (as before they moved out): the CLI hands over
# to them, lazily, and only there
ALLOWED = {("gan_core/__main__.py", "benchmarks")}


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every absolute import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(layer):
    offenders = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        bad = {p for p in imported_packages(path) & FORBIDDEN[layer] if (name, p) not in ALLOWED}
        if bad:
            offenders[name] = sorted(bad)
    assert not offenders, f"{layer}/ imports what it must not: {offenders}"


def test_the_rule_reads_lazy_imports_too(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    import gradio as gr\n    from live.serving.sessions import X\n")
    assert imported_packages(f) == {"gradio", "live"}


# inside live/: a run alone and the server's side never reach into the class process (live/__init__.py's map);
# the top (factory.py, run_process.py) is where the two meet
LIVE_FORBIDDEN = {"live/single": "live.classroom", "live/serving": "live.classroom"}


def imported_modules(path: Path) -> set[str]:
    """The full dotted name of every absolute import in a file (and of each name a `from` imports)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import (live/ imports absolutely, so a move shows)"
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("group", sorted(LIVE_FORBIDDEN))
def test_single_runs_and_serving_never_import_the_class_process(group):
    banned = LIVE_FORBIDDEN[group]
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m == banned or
                                                  m.startswith(banned + "."))
                 for p in sorted((ROOT / group).rglob("*.py"))}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"{group}/ imports the class process: {offenders}"


def test_live_reads_like_its_map():
    """Every module of live/ is where live/__init__.py says: the top, or one of its three groups."""
    top = {p.name for p in (ROOT / "live").glob("*.py")}
    assert top == {"__init__.py", "run.py", "snapshot.py", "factory.py", "zygote.py", "run_process.py"}
    groups = {p.name for p in (ROOT / "live").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert groups == {"single", "classroom", "serving"}


def test_the_live_rule_sees_a_banned_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from live.classroom.host import ClassHost\n")
    assert "live.classroom.host" in imported_modules(f)
