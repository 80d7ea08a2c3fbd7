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
    f.write_text("def f():\n    import gradio as gr\n    from live.sessions import X\n")
    assert imported_packages(f) == {"gradio", "live"}
