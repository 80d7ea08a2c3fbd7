"""No function in the page's code is longer than a screen: a tab's build lays out and wires, its
handlers live at module level (issue #25). Read from the source with `ast`, nested functions too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 80  # from the `def` line to the last line of the body (decorators not counted)


def long_functions(path: Path, root: Path = ROOT, limit: int = MAX_LINES) -> list[str]:
    """'file:line name (n lines)' for each function in `path` over `limit` lines."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_the_ui_is_over_80_lines():
    files = sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "app.py"]
    assert len(files) > 20
    offenders = [f for path in files for f in long_functions(path)]
    assert not offenders, f"functions over {MAX_LINES} lines (split them): {offenders}"


def test_the_rule_counts_nested_functions_and_names_them(tmp_path):
    body = "\n".join(f"        x{i} = {i}" for i in range(85))
    f = tmp_path / "m.py"
    f.write_text(f"def outer():\n    def inner():\n{body}\n    return inner\n")
    assert long_functions(f, tmp_path) == ["m.py:1 outer (88 lines)", "m.py:2 inner (86 lines)"]
    assert long_functions(f, tmp_path, limit=90) == []
