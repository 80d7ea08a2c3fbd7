"""Datasets as tensors on the training device: `load_dataset(cfg)` -> `Dataset`.

Small sets live whole on the device and a batch is drawn by indexing with random integers
(no DataLoader: for 20k points or 5k images the loader's overhead would dominate a step).
The sets themselves: 2D point sets in points.py (mixtures with *known* mode centres and std,
which the mode-collapse metrics need), built-in image sets in images.py, a student's own
points in own_points.py (or images: own_images.py), an image folder or zip in folder.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gan_core.config import OWN_POINTS, DataConfig
from gan_core.data.folder import load_image_folder
from gan_core.data.images import load_image_set, resize_images
from gan_core.data.own_points import OWN_POINTS_STD, sample_own_points
from gan_core.data.points import make_points, mixture_centers
from gan_core.errors import DatasetError


@dataclass
class Dataset:
    """Real data for one run, already on the device."""

    name: str
    x: torch.Tensor  # [N, 2] points or [N, C, H, W] images in [-1, 1]
    y: torch.Tensor | None = None  # [N] class labels (long) or None
    num_classes: int = 0
    centers: torch.Tensor | None = None  # [M, 2] mode centres of a Gaussian mixture
    std: float = 0.0  # std of each mixture component
    class_names: tuple[str, ...] = ()
    skipped: int = 0  # image folders: files that were not images

    @property
    def is_points(self) -> bool:
        return self.x.dim() == 2

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x.shape[1:])  # (C, H, W)

    def __len__(self) -> int:
        return self.x.shape[0]

    def sample(self, batch_size: int, generator: torch.Generator | None = None):
        """A random batch: (x [B, ...], y [B] or None). Indices drawn on the data's device."""
        idx = torch.randint(len(self), (batch_size,), device=self.x.device, generator=generator)
        return self.x[idx], (self.y[idx] if self.y is not None else None)


def load_dataset(cfg: DataConfig, device: torch.device | str = "cpu", seed: int = 0) -> Dataset:
    """Load the configured dataset onto `device`. Raises DatasetError with a clear message."""
    name = cfg.name
    if name == OWN_POINTS:  # a student's drawing or file: no known modes
        return Dataset(name, sample_own_points(cfg.points, cfg.n_points, seed).to(device), std=OWN_POINTS_STD)
    if cfg.is_points:
        centers, std = mixture_centers(name)
        x = make_points(name, cfg.n_points, seed)
        return Dataset(name, x.to(device), centers=None if centers is None else centers.to(device), std=std)
    if name == "folder":  # a student's images: no labels
        x, skipped = load_image_folder(cfg.path, size=cfg.image_size or 32, channels=cfg.channels or 1)
        return Dataset(name, _first(x, cfg.n_images, name).to(device), skipped=skipped)
    x, y, names = load_image_set(name)
    x, y = _first(x, cfg.n_images, name), _first(y, cfg.n_images, name)
    if cfg.image_size:
        x = resize_images(x, cfg.image_size)
    return Dataset(name, x.to(device), y.to(device), num_classes=len(names), class_names=names)


def _first(rows: torch.Tensor, n: int, name: str) -> torch.Tensor:
    """The first n rows (all for n = 0): data.n_images, a tiny training set G can memorise. The first
    ones, not a random draw, so every seed trains on the same set (digits and MNIST cycle through the classes)."""
    if n > len(rows):
        raise DatasetError(f"data.n_images is {n:,} but {name} has only {len(rows):,} images.")
    return rows[:n] if n else rows
