"""The committed results of a preset: "healthy in k of 5 seeds", read from the measured tables in docs/,
for the board to show beside what the class measures (issue #27, "Measure together").

Each source is a JSON-lines file of measured runs (one run a line: the data or preset it started from,
the configuration's name, the seed, the steps, the modes covered and the high-quality fraction) written
by a script of the project, and a rule naming the preset a line measured. Today:

    docs/collapse_results.jsonl   scripts/collapse_experiment.py: the collapse lesson (ring8-collapse and
                                  its fixes, `+ttur` ...; docs/MODE_COLLAPSE.md)
    docs/phenomena_results.jsonl  scripts/phenomena_experiment.py: what else goes wrong (saturation, ... and
                                  each `+<cure>`; docs/PHENOMENA.md). A line counts when its preset meets its
                                  own claim (gan_core.evaluation.phenomena.CLAIMS): "shows it" for the
                                  phenomenon, "cured" for its cure.

More files are one more `Source` in SOURCES, with their own rules where their lines differ (`name`: the
preset a line measured; `healthy`: whether it met the bar). A line counts for a preset only when it
measured the preset itself from step 0 (not a fix switched on live, not an older version of a preset); a
line that names its `preset` counts for that one. Healthy, by default, is the collapse lesson's bar: every
mode but at most one covered, with a high-quality fraction of at least 0.6 (7 of 8 modes on the ring).
Plain data and text, no gradio.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gan_core.evaluation.phenomena import CLAIMS, passes
from gan_core.presets import PHENOMENA, PRESETS

ROOT = Path(__file__).resolve().parents[2]
HQ_BAR = 0.6  # the lesson's high-quality fraction bar (docs/MODE_COLLAPSE.md)


@dataclass(frozen=True)
class Committed:
    preset: str
    healthy: int  # seeds that met the bar
    seeds: int  # seeds measured
    steps: int  # steps each run trained
    source: Source

    @property
    def text(self) -> str:
        """'healthy in 5 of 5 seeds (6,000 steps; docs/MODE_COLLAPSE.md)'."""
        return (f"{self.source.verb(self.preset)} in {self.healthy} of {self.seeds} seeds "
                f"({self.steps:,} steps; {self.source.what})")


def preset_of(record: dict) -> str | None:
    """The preset a measured line trained from step 0, or None ('ring8-collapse (G 20x faster than D)'
    -> 'ring8-collapse'; data 'ring8-collapse' with config '+ttur' -> 'ring8-collapse+ttur'; a fix
    switched on live, or a configuration with no preset of its own -> None)."""
    data, config = str(record.get("data", "")), str(record.get("config", ""))
    if record.get("live"):
        return None
    if isinstance(record.get("preset"), str) and record["preset"] in PRESETS:
        return record["preset"]
    if config == data or config.startswith(data + " ("):
        name = data
    elif config.startswith("+"):
        name = data + config
    else:
        return None
    return name if name in PRESETS else None


def healthy(record: dict) -> bool:
    """The lesson's bar: every mode but at most one covered, and a high-quality fraction of at least HQ_BAR."""
    try:
        return (int(record["modes_covered"]) >= int(record["n_modes"]) - 1
                and float(record["high_quality_fraction"]) >= HQ_BAR)
    except (KeyError, TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Source:
    path: str  # relative to the repository's root
    what: str  # the page that explains it
    name: Callable[[dict], str | None] = preset_of  # the preset a line measured from step 0, or None
    healthy: Callable[[dict], bool] = healthy  # did the line's run meet the bar
    verb: Callable[[str], str] = lambda preset: "healthy"  # what meeting the bar means, for a preset


def _claim(preset: str):
    """(the phenomenon's claim, whether `preset` is its cure) for a phenomena preset, else (None, False)."""
    phenomenon, _, cure = preset.partition("+")
    return (CLAIMS.get(phenomenon) if phenomenon in PHENOMENA else None), bool(cure)


def meets_its_claim(record: dict) -> bool:
    """A phenomena line: its preset showed the phenomenon (or, for the cure, was cured) by the claim's measure."""
    claim, cured = _claim(str(record.get("preset", "")))
    if claim is None:
        return False
    value = record.get(claim.measure)
    return isinstance(value, (int, float)) and passes(float(value), claim.cure if cured else claim.phenomenon)


def claim_verb(preset: str) -> str:
    claim, cured = _claim(preset)
    if claim is None:
        return "healthy"
    op, bar = claim.cure if cured else claim.phenomenon
    measure = claim.words.split(",")[0].split(" (")[0].split(" over ")[0]  # "G's gradient norm, mean ...": its name
    if len(measure) > 40:  # (a long one by its key: "memorisation ratio")
        measure = claim.measure.replace("_", " ")
    return f"{'cured' if cured else 'shows it'} ({measure} {op} {bar:g})"


SOURCES = (Source("docs/collapse_results.jsonl", "docs/MODE_COLLAPSE.md"),
           Source("docs/phenomena_results.jsonl", "docs/PHENOMENA.md", healthy=meets_its_claim, verb=claim_verb))


def read(source: Source, root: Path = ROOT) -> dict[str, Committed]:
    """{preset: its committed result} from one source (a missing file: nothing). Where a preset was measured
    at more than one length, the longest counts."""
    path = root / source.path
    if not path.exists():
        return {}
    runs: dict[tuple[str, int], list[bool]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        name = source.name(record)
        if name is not None:
            runs.setdefault((name, int(record.get("steps", 0))), []).append(source.healthy(record))
    found: dict[str, Committed] = {}
    for (name, steps), ok in sorted(runs.items(), key=lambda item: item[0][1]):
        found[name] = Committed(name, sum(ok), len(ok), steps, source)
    return found


@functools.cache
def table() -> dict[str, Committed]:
    """Every source's results (read once: the files change with a commit, not while the app runs)."""
    found: dict[str, Committed] = {}
    for source in SOURCES:
        found.update(read(source))
    return found


def committed(preset: str) -> Committed | None:
    return table().get(preset)
