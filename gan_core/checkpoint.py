"""Checkpoints: safetensors weights + a JSON sidecar. Loading never unpickles anything.

`save(gan, path)` writes `path.safetensors` and `path.json`. The JSON (config, step, metrics,
package version, how it was made) is also stored in the safetensors header, so one uploaded
.safetensors file is self-contained. `load(path)` checks the format, rebuilds the networks from
the config and checks every tensor's name and shape before loading; anything wrong (a truncated
file, a foreign file, a config that does not match the weights) raises `CheckpointError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from gan_core import __version__
from gan_core.config import IMAGE_SIZES, ConfigError, RunConfig
from gan_core.data.images import dataset_classes, native_channels, native_image_size
from gan_core.errors import CheckpointError
from gan_core.models import build_models

FORMAT = "gan-classroom-checkpoint"
FORMAT_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # refuse larger files before reading them (a classroom DCGAN is a few MB)
MAX_META_CHARS = 1_000_000  # the JSON metadata in the header (a real one is under 20 kB)
MAX_STEP = 10**9  # a step count in the metadata beyond this is not from a real run




@dataclass
class Checkpoint:
    """Networks rebuilt from a checkpoint, in eval mode, plus its metadata."""

    cfg: RunConfig
    G: torch.nn.Module
    D: torch.nn.Module | None
    meta: dict
    num_classes: int
    data_shape: tuple[int, ...]
    path: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).stem if self.path else "checkpoint"


def _paths(path: str | Path) -> tuple[Path, Path]:
    p = Path(path)
    if p.is_file() and p.suffix != ".json":  # e.g. an uploaded temp file with any name
        return p, p.with_suffix(".json")
    base = p.with_suffix("") if p.suffix in (".safetensors", ".json") else p
    return base.with_suffix(".safetensors"), base.with_suffix(".json")


def data_shape_of(cfg: RunConfig) -> tuple[int, ...]:
    if cfg.data.is_points:
        return (2,)
    size = cfg.data.image_size or native_image_size(cfg.data.name)
    return (cfg.data.channels or native_channels(cfg.data.name), size, size)


def save(gan, path: str | Path, *, metrics: dict | None = None, extra: dict | None = None,
         include_d: bool = True) -> Path:
    """Write G (its EMA copy if any), optionally D, and metadata. Returns the .safetensors path."""
    st_path, json_path = _paths(path)
    st_path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"G.{k}": v for k, v in gan.G_eval.state_dict().items()}
    if include_d:
        tensors.update({f"D.{k}": v for k, v in gan.D.state_dict().items()})
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__, "kind": "gan",
        "config": gan.current_config().to_dict(), "step": gan.step,
        "num_classes": gan.data.num_classes, "data_shape": list(gan.data.x.shape[1:]),
        "has_discriminator": include_d, "metrics": metrics or {}, **(extra or {}),
    }
    save_file(tensors, str(st_path), metadata={"gan_classroom": json.dumps(meta)})
    json_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return st_path


def read_meta(path: str | Path) -> dict:
    """The metadata of a checkpoint, from the safetensors header (the JSON sidecar is for people)."""
    st_path, _ = _paths(path)
    if not st_path.is_file():
        raise CheckpointError(f"no checkpoint file at {st_path.name}.")
    if st_path.stat().st_size > MAX_BYTES:
        raise CheckpointError(f"{st_path.name} is larger than {MAX_BYTES // 2**20} MB; not a GAN Classroom checkpoint.")
    try:
        with safe_open(str(st_path), framework="pt") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{st_path.name} is not a readable safetensors file "
                              f"(truncated or another format): {e}") from e
    text = header.get("gan_classroom")
    if not isinstance(text, str):
        raise CheckpointError(f"{st_path.name} is a safetensors file but not a GAN Classroom checkpoint "
                              "(its header has no gan_classroom metadata).")
    if len(text) > MAX_META_CHARS:
        raise CheckpointError(f"{st_path.name}: its metadata is {len(text):,} characters long; a GAN Classroom "
                              f"checkpoint has under {MAX_META_CHARS:,}.")
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:  # RecursionError: JSON nested thousands deep
        raise CheckpointError(f"{st_path.name} is not a GAN Classroom checkpoint: its metadata is not valid JSON "
                              f"({type(e).__name__}).") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise CheckpointError(f"{st_path.name} is not a GAN Classroom checkpoint (format {str(found)[:40]!r}).")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{st_path.name} has checkpoint format {str(meta.get('format_version'))[:20]}; "
                              f"this version reads format {FORMAT_VERSION}.")
    step = meta.get("step", 0)
    if type(step) is not int or not 0 <= step <= MAX_STEP:  # (bool, float, "abc", Infinity: all refused)
        raise CheckpointError(f"{st_path.name}: its step must be a whole number between 0 and {MAX_STEP:,}; "
                              f"got {str(step)[:40]!r}.")
    return meta


def load(path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Rebuild G (and D when present) from a checkpoint, validating every name and shape."""
    st_path, _ = _paths(path)
    meta = read_meta(st_path)
    if meta.get("kind", "gan") != "gan":
        raise CheckpointError(f"{st_path.name} is a {meta.get('kind')} checkpoint, not a GAN.")
    cfg, num_classes, shape = _checked_header(st_path.name, meta)
    try:  # shapes first, on the meta device: nothing is allocated for networks the file cannot fill
        with torch.device("meta"):
            G, D = build_models(cfg, shape, num_classes)
        header_shapes = _header_shapes(st_path)
    except (SafetensorError, OSError, ValueError, KeyError, RuntimeError) as e:
        raise CheckpointError(f"{st_path.name}: cannot check its networks against the file: {e}") from e
    has_d = bool(meta.get("has_discriminator")) and any(k.startswith("D.") for k in header_shapes)
    for prefix, net in [("G", G)] + ([("D", D)] if has_d else []):
        _check_shapes(st_path.name, prefix, net, header_shapes)
    G, D = build_models(cfg, shape, num_classes)  # bounded now: every tensor is in the file, <= MAX_BYTES
    try:
        tensors = load_file(str(st_path), device="cpu")
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{st_path.name} could not be read (truncated or corrupt): {e}") from e
    for prefix, net in [("G", G)] + ([("D", D)] if has_d else []):
        net.load_state_dict({k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")})
    G = G.to(device).eval()
    D = D.to(device).eval() if has_d else None
    return Checkpoint(cfg=cfg, G=G, D=D, meta=meta, num_classes=num_classes, data_shape=shape, path=str(st_path))


def _checked_header(name: str, meta: dict) -> tuple[RunConfig, int, tuple[int, ...]]:
    """(config, classes, data shape) from the metadata, each bounded before anything is built: the
    config by its own validation, the classes and the shape by what that config's dataset has."""
    try:
        cfg = RunConfig.from_dict(meta["config"])
    except (ConfigError, KeyError, TypeError, ValueError, RecursionError) as e:
        raise CheckpointError(f"{name} has an invalid config: {e}") from e
    num_classes = meta.get("num_classes", 0)
    expected_classes = 0 if cfg.data.is_points or cfg.data.name == "folder" else dataset_classes(cfg.data.name)
    if type(num_classes) is not int or num_classes != expected_classes:
        raise CheckpointError(f"{name}: its dataset {cfg.data.name!r} has {expected_classes} classes, but the file "
                              f"says {str(num_classes)[:40]}.")
    shape = meta.get("data_shape") or list(data_shape_of(cfg))
    if not isinstance(shape, list) or not all(type(s) is int for s in shape) or not _plausible_shape(cfg, shape):
        raise CheckpointError(f"{name} has an invalid data shape {str(shape)[:60]}: it does not fit its dataset "
                              f"{cfg.data.name!r} (expected {list(data_shape_of(cfg))}).")
    return cfg, num_classes, tuple(shape)


def _plausible_shape(cfg: RunConfig, shape: list[int]) -> bool:
    """(2,) for points; (C, S, S) with C = 1 or 3 and S the config's image side for images."""
    if cfg.data.is_points:
        return shape == [2]
    side = cfg.data.image_size or native_image_size(cfg.data.name)
    return len(shape) == 3 and shape[0] in (1, 3) and shape[1] == shape[2] == side and side in IMAGE_SIZES


def _header_shapes(st_path: Path) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape, read from the safetensors header alone (no tensor data is read)."""
    with safe_open(str(st_path), framework="pt") as f:
        return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}


def _check_shapes(name: str, prefix: str, net: torch.nn.Module, shapes: dict[str, tuple[int, ...]]) -> None:
    expected = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    got = {k[len(prefix) + 1:]: v for k, v in shapes.items() if k.startswith(prefix + ".")}
    missing, unexpected = set(expected) - set(got), set(got) - set(expected)
    if missing or unexpected:
        raise CheckpointError(f"{name}: {prefix}'s weights do not match its config "
                              f"(missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]}).")
    for k, v in expected.items():
        if got[k] != v:
            raise CheckpointError(f"{name}: {prefix}.{k} has shape {got[k]}, the config needs {v}.")


def list_checkpoints(folder: str | Path) -> list[Path]:
    """GAN checkpoints (not classifiers) in a folder, sorted by name."""
    out = []
    for p in sorted(Path(folder).glob("*.safetensors")):
        try:
            if read_meta(p).get("kind", "gan") == "gan":
                out.append(p)
        except CheckpointError:
            continue
    return out

