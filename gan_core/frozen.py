"""What the latent and diagnostics tabs look at: a live run or a saved checkpoint, as one `Source`.

A Source holds its own *copies* of G and D in eval mode, so the UI can generate from them
while the training thread keeps updating the originals (no shared mutable networks).
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from gan_core import checkpoint as ckpt
from gan_core.config import RunConfig
from gan_core.data import Dataset, load_dataset
from gan_core.errors import DatasetError
from gan_core.lru import ByteLRU
from gan_core.noise import seeded_z


def _tensor_bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def _source_bytes(src: "Source") -> int:
    nets = [src.G] + ([src.D] if src.D is not None else [])
    return _tensor_bytes([t for net in nets for t in (*net.parameters(), *net.buffers())])


def _dataset_bytes(d: Dataset) -> int:
    return _tensor_bytes([t for t in (d.x, d.y) if t is not None])


# Shared by every student, so bounded in bytes (least recently used out first); keyed by everything
# that changes the content: a dataset by its whole DataConfig, a checkpoint by path, mtime and size.
DATA_CACHE: ByteLRU[Dataset] = ByteLRU(512 * 2**20, _dataset_bytes)
CHECKPOINT_CACHE: ByteLRU["Source"] = ByteLRU(256 * 2**20, _source_bytes)


@dataclass
class Source:
    name: str
    cfg: RunConfig
    G: nn.Module  # eval mode, on CPU unless said otherwise
    D: nn.Module | None
    num_classes: int  # the classes G and D are conditioned on; 0 for an unconditional GAN
    step: int = 0
    meta: dict = field(default_factory=dict)
    from_file: bool = False  # read from a checkpoint file: its data.path names no folder we trust

    @property
    def nz(self) -> int:
        return self.cfg.model.nz

    @property
    def is_points(self) -> bool:
        return self.cfg.data.is_points

    @property
    def device(self) -> torch.device:
        return next(self.G.parameters()).device

    def sample_z(self, n: int, seed: int = 0) -> torch.Tensor:
        """z [n, nz] from the model's noise distribution, reproducible from `seed` on any device."""
        return seeded_z(n, self.nz, self.cfg.model.noise, seed).to(self.device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, y: torch.Tensor | int | None = None) -> torch.Tensor:
        """G(z, y) -> [n, 2] points or [n, C, H, W] images in [-1, 1]. y: int or [n] labels."""
        if self.num_classes:
            if y is None:
                y = torch.arange(z.shape[0]) % self.num_classes
            y = torch.as_tensor(y, dtype=torch.long).expand(z.shape[0]).to(self.device)
        else:
            y = None
        return self.G(z.to(self.device), y)

    def real_data(self) -> Dataset:
        """The run's real dataset on CPU (cached per data config: many students share one copy)."""
        if self.from_file and self.cfg.data.name == "folder":  # never read a server path named by a file
            raise DatasetError("this checkpoint was trained on an image folder, which is not on this server: "
                               "its real images cannot be compared with.")
        return DATA_CACHE.get_or_make(self.cfg.data, lambda: load_dataset(self.cfg.data, "cpu", seed=0))


def from_checkpoint(path: str | Path) -> Source:
    """Load (and cache, by path and modification time) a GAN checkpoint as a Source.
    Raises checkpoint.CheckpointError with a readable message for a bad file."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as e:
        raise ckpt.CheckpointError(f"no checkpoint file at {p.name}.") from e
    return CHECKPOINT_CACHE.get_or_make((str(p.resolve()), st.st_mtime_ns, st.st_size), lambda: _load(p))


def _load(p: Path) -> Source:
    c = ckpt.load(p, "cpu")
    conditioned = c.num_classes if c.cfg.model.conditional else 0  # the file records the dataset's classes
    return Source(name=c.name, cfg=c.cfg, G=c.G, D=c.D, num_classes=conditioned,
                  step=int(c.meta.get("step", 0)), meta=c.meta, from_file=True)


def from_trainer(trainer, name: str = "this session's run") -> Source:
    """A snapshot copy of a live run's networks (moved to CPU, eval mode). A run in a process of
    its own (worker.RemoteTrainer) hands them over as a checkpoint file, read back with the same
    validated loader as any checkpoint."""
    gan = getattr(trainer, "gan", None)
    if gan is not None:
        return from_gan(gan, name)
    with tempfile.TemporaryDirectory(prefix="gan-live-") as folder:
        try:
            path = trainer.save_checkpoint(Path(folder) / "live")
        except RuntimeError as e:  # worker.WorkerError: the run's process has stopped
            raise ckpt.CheckpointError(f"this session's run cannot be read: {e}") from e
        c = ckpt.load(path, "cpu")
    conditioned = c.num_classes if c.cfg.model.conditional else 0
    return Source(name=name, cfg=trainer.cfg, G=c.G, D=c.D, num_classes=conditioned, step=int(c.meta["step"]),
                  meta={"live": True})


def from_gan(gan, name: str) -> Source:
    """A copy of a GAN's networks (CPU, eval mode): what the CLI evaluates after training."""
    G = copy.deepcopy(gan.G_eval).cpu().eval()
    D = copy.deepcopy(gan.D).cpu().eval()
    return Source(name=name, cfg=gan.cfg, G=G, D=D, num_classes=gan.num_classes, step=gan.step,
                  meta={"live": True})
