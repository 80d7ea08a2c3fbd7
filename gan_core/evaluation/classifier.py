"""A small digit classifier: the "judge" behind the image metrics.

Mode collapse on images is measured by asking a classifier trained on the *real* data which
class each generated sample is (the class histogram), and by comparing real and generated
samples in its penultimate feature space (precision / recall, density / coverage, Fréchet
distance), as TF-GAN's MNIST example does. Those numbers are only as good as the judge, so its
held-out accuracy is measured on a split it never trained on and stored in its metadata.

Files: `checkpoints/classifier-<dataset>.safetensors` (+ `.json`), the same safetensors-header
metadata as GAN checkpoints (see checkpoint.py) with "kind": "classifier".
Made by `python -m gan_core train-classifier --dataset digits --out checkpoints/`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from gan_core import __version__
from gan_core.checkpoint import FORMAT, FORMAT_VERSION, CheckpointError, read_meta
from gan_core.config import DataConfig
from gan_core.data import load_dataset
from gan_core.models import initialised_from

# Which shipped classifier judges which dataset: full MNIST is the same 28x28 digits as MNIST-5k.
CLASSIFIER_FOR = {"digits": "digits", "mnist5k": "mnist5k", "mnist": "mnist5k"}
DEFAULT_EPOCHS = {"digits": 20, "mnist5k": 12}
HELD_OUT_SHARE = 0.2  # a fifth of the data is never trained on: the accuracy we report
FEATURE_DIM = 64  # width of the penultimate layer: the feature space of the image metrics
_CACHE: dict[tuple, "DigitClassifier"] = {}
_LOCK = threading.Lock()


class DigitClassifier(nn.Module):
    """Two conv blocks and two linear layers. For image_size s (8 or 28) and width w:

        x      [B, C, s, s]            pixels in [-1, 1], like the GAN's data
        conv   [B, w, s, s]  -> pool   [B, w, s/2, s/2]
        conv   [B, 2w, s/2, s/2] -> pool [B, 2w, s/4, s/4]      (8: 2x2, 28: 7x7)
        linear [B, FEATURE_DIM]        features(x): the penultimate layer
        linear [B, num_classes]        logits
    """

    def __init__(self, *, image_size: int, channels: int = 1, num_classes: int = 10, width: int = 16,
                 feature_dim: int = FEATURE_DIM):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4; got {image_size}")
        self.image_size, self.channels, self.num_classes = image_size, channels, num_classes
        self.width, self.feature_dim = width, feature_dim
        self.conv = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # w x s/2 x s/2
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 2w x s/4 x s/4
        )
        side = image_size // 4
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * side * side, feature_dim), nn.ReLU())
        self.dropout = nn.Dropout(0.3)  # only while training: fights overfitting on 1,437 digits
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations [B, feature_dim]: the space the image metrics compare in."""
        return self.fc(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))  # logits [B, num_classes]

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Softmax class probabilities [B, num_classes], in eval mode, batch by batch."""
        return torch.cat([F.softmax(self(chunk), dim=1) for chunk in self._chunks(x, batch_size)])

    @torch.no_grad()
    def embed(self, x: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
        """(features [B, feature_dim], probabilities [B, num_classes]) in one pass."""
        feats = [self.features(chunk) for chunk in self._chunks(x, batch_size)]
        feats = torch.cat(feats)
        return feats, F.softmax(self.head(feats), dim=1)

    def _chunks(self, x: torch.Tensor, batch_size: int):
        self.eval()
        device = next(self.parameters()).device
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"this classifier takes images [B, {expected[0]}, {expected[1]}, {expected[2]}]; "
                             f"got {tuple(x.shape)}")
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size].to(device=device, dtype=torch.float32)


# ---------------------------------------------------------------------------------------- training

def held_out_split(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random split of range(n): (train indices, held-out indices [n * HELD_OUT_SHARE])."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_held = int(round(n * HELD_OUT_SHARE))
    return order[n_held:], order[:n_held]


@torch.no_grad()
def accuracy(model: DigitClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model.predict_proba(x).argmax(1) == y).float().mean())


def train_classifier(dataset_name: str, epochs: int | None = None, seed: int = 0, *, batch_size: int = 64,
                     lr: float = 1e-3, verbose: bool = False) -> tuple[DigitClassifier, float]:
    """Train on 80% of `dataset_name` (digits or mnist5k) -> (model in eval mode, held-out accuracy).

    Plain Adam on cross-entropy, no augmentation: sklearn's 8x8 digits fill their frame, so
    even a one-pixel shift would cut strokes off.
    """
    if dataset_name not in DEFAULT_EPOCHS:
        raise ValueError(f"classifiers are trained for {', '.join(DEFAULT_EPOCHS)}; got {dataset_name!r}")
    epochs = DEFAULT_EPOCHS[dataset_name] if epochs is None else int(epochs)
    data = load_dataset(DataConfig(name=dataset_name), "cpu")
    x, y = data.x, data.y  # [N, 1, s, s] in [-1, 1], [N]
    train_idx, held_idx = held_out_split(len(x), seed)
    torch.manual_seed(seed)
    model = DigitClassifier(image_size=x.shape[-1], channels=x.shape[1], num_classes=data.num_classes)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        for batch in torch.randperm(len(train_idx), generator=g).split(batch_size):
            xb, yb = x[train_idx[batch]], y[train_idx[batch]]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}: loss {loss.item():.3f}, "
                  f"held-out accuracy {accuracy(model, x[held_idx], y[held_idx]):.4f}")
    model.eval()
    return model, accuracy(model, x[held_idx], y[held_idx])


# ----------------------------------------------------------------------------------- save / load

def save_classifier(model: DigitClassifier, path: str | Path, meta: dict) -> Path:
    """Write `path.safetensors` (metadata also in its header) and `path.json`. Returns the first."""
    base = Path(path).with_suffix("")
    st_path, json_path = base.with_suffix(".safetensors"), base.with_suffix(".json")
    st_path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
            "kind": "classifier", "image_size": model.image_size, "channels": model.channels,
            "num_classes": model.num_classes, "width": model.width, "feature_dim": model.feature_dim, **meta}
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(st_path), metadata={"gan_classroom": json.dumps(meta)})
    json_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return st_path


def load_classifier(path: str | Path, device: str | torch.device = "cpu") -> tuple[DigitClassifier, dict]:
    """Rebuild a classifier from its file -> (model in eval mode, metadata). Raises CheckpointError."""
    st_path = Path(path).with_suffix(".safetensors")
    meta = read_meta(st_path)  # checks format and version, never unpickles
    if meta.get("kind") != "classifier":
        raise CheckpointError(f"{st_path.name} is a {meta.get('kind', 'gan')} checkpoint, not a classifier.")
    try:
        with initialised_from(0):  # (its throwaway init must not draw from a run being built meanwhile)
            model = DigitClassifier(image_size=int(meta["image_size"]), channels=int(meta["channels"]),
                                    num_classes=int(meta["num_classes"]), width=int(meta["width"]),
                                    feature_dim=int(meta["feature_dim"]))
        state = load_file(str(st_path), device="cpu")
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError, RuntimeError, SafetensorError) as e:
        raise CheckpointError(f"{st_path.name}: the classifier's weights do not match its metadata: {e}") from e
    model.meta = meta  # held-out accuracy etc., for the reports that use this classifier
    return model.to(device).eval(), meta


def default_checkpoint_dir() -> Path:
    """$GAN_CLASSROOM_CHECKPOINTS or the repository's checkpoints/ folder (as the app uses)."""
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("GAN_CLASSROOM_CHECKPOINTS", root / "checkpoints"))


def classifier_path(dataset_name: str, folder: str | Path | None = None) -> Path | None:
    """Where the shipped classifier for a dataset lives, or None if no classifier judges it."""
    judged_as = CLASSIFIER_FOR.get(dataset_name)
    if judged_as is None:
        return None
    return Path(folder or default_checkpoint_dir()) / f"classifier-{judged_as}.safetensors"


def classifier_for(dataset_name: str, device: str | torch.device = "cpu",
                   folder: str | Path | None = None) -> DigitClassifier | None:
    """The shipped classifier for a dataset (loaded once per device and cached), or None when
    the dataset has none (fashion_mnist, cifar10, folders) or its file is missing."""
    path = classifier_path(dataset_name, folder)
    if path is None or not path.is_file():
        return None
    key = (str(path.resolve()), path.stat().st_mtime, str(device))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = load_classifier(path, device)[0]
        return _CACHE[key]


# ------------------------------------------------------------------------------------------- CLI

def cli_train_classifier(*, dataset: str, out: str | Path = "checkpoints", epochs: int | None = 0, seed: int = 0,
                         command: str = "") -> int:
    """`python -m gan_core train-classifier`: train, report held-out accuracy, save. Returns 0.

    epochs 0 or None = the dataset's default; command = the command line, recorded in the metadata.
    """
    torch.set_num_threads(1)  # tiny nets: one thread is as fast and leaves the other cores free
    epochs = int(epochs or DEFAULT_EPOCHS[dataset])
    t0 = time.perf_counter()
    model, acc = train_classifier(dataset, epochs, seed, verbose=True)
    n = len(load_dataset(DataConfig(name=dataset), "cpu"))
    _, held = held_out_split(n, seed)
    meta = {"dataset": dataset, "held_out_accuracy": round(acc, 4), "n_held_out": len(held),
            "n_train": n - len(held), "epochs": epochs, "seed": seed,
            "command": command or f"python -m gan_core train-classifier --dataset {dataset} --seed {seed} --out {out}",
            "train_seconds": round(time.perf_counter() - t0, 1)}
    path = save_classifier(model, Path(out) / f"classifier-{dataset}", meta)
    print(f"{dataset}: held-out accuracy {acc:.2%} on {len(held)} images; saved {path} "
          f"({path.stat().st_size / 1024:.0f} KiB)")
    return 0
