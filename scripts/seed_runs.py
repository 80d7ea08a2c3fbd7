"""What the seed experiments share (collapse_experiment.py, phenomena_experiment.py): nested config
overrides, a resumable JSON-lines file of runs, and a pool of one-thread processes that trains the
runs still missing from it, writing each row as it finishes.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def merged(base: dict, extra: dict) -> dict:
    """Two nested override dicts merged section by section ({"train": {...}, "loss": {...}})."""
    out = {k: dict(v) for k, v in base.items()}
    for section, values in extra.items():
        out.setdefault(section, {}).update(values)
    return out


def load_rows(path: Path) -> list[dict]:
    """Every run already in the JSON-lines file (none if it does not exist yet)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def run_all(todo: Iterable[tuple], run_job: Callable[[tuple], dict], path: Path, jobs: int,
            show: Callable[[dict], str]) -> list[dict]:
    """Run each job in `jobs` processes (run_job must set its own thread count), append each row to
    `path` as it finishes (so a stopped run resumes), print show(row); returns the new rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with ProcessPoolExecutor(jobs) as pool:
        for row in pool.map(run_job, list(todo)):
            rows.append(row)
            with path.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(show(row), flush=True)
    return rows


def mean_sd(values: list[float], fmt: str) -> str:
    """"mean ± sd" of the values that are not None, or "-"."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{format(statistics.mean(values), fmt)} ± {format(sd, fmt)}"
