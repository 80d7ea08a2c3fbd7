"""Networks: `build_models(cfg, data_shape, num_classes)` -> (G, D), initialised."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import torch
from torch import nn

from gan_core.config import RunConfig
from gan_core.models.dcgan import SIZES, DCGANDiscriminator, DCGANGenerator
from gan_core.models.layers import apply_spectral_norm, init_weights
from gan_core.models.mlp import MLPDiscriminator, MLPGenerator

__all__ = ["build_models", "d_uses_batch_norm", "SIZES", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator",
           "DCGANDiscriminator"]


def d_uses_batch_norm(cfg: RunConfig) -> bool:
    """Whether D has BatchNorm layers (DCGAN only). BatchNorm in D mixes the samples of a batch: that
    breaks the per-sample gradient penalties of WGAN-GP (Gulrajani 2017 drop it) and R1, and fights
    spectral norm, so D goes without it there."""
    return (cfg.model.arch == "dcgan" and cfg.loss.objective != "wgan-gp" and not cfg.model.spectral_norm
            and cfg.loss.r1_gamma == 0)


_INIT_LOCK = threading.RLock()


@contextmanager
def initialised_from(seed: int):
    """A private stretch of torch's global random stream, seeded with `seed` and put back after.
    Module constructors and inits draw from that one stream, which every thread of a server shares:
    without the lock, two networks built at once would swap draws, and a seed would not give the
    same run twice."""
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def build_models(cfg: RunConfig, data_shape: tuple[int, ...], num_classes: int = 0) -> tuple[nn.Module, nn.Module]:
    """G and D for one run, initialised from cfg.train.seed (G first, then D). data_shape: (2,) for
    points or (C, H, W) for images."""
    with initialised_from(cfg.train.seed):
        return _build(cfg, data_shape, num_classes)


def _build(cfg: RunConfig, data_shape: tuple[int, ...], num_classes: int) -> tuple[nn.Module, nn.Module]:
    m = cfg.model
    k = num_classes if m.conditional else 0
    if m.arch == "mlp":
        G = MLPGenerator(nz=m.nz, hidden=m.hidden, depth=m.depth, act=m.activation, out_dim=data_shape[0],
                         num_classes=k)
        D = MLPDiscriminator(hidden=m.hidden, depth=m.depth, act=m.activation, in_dim=data_shape[0], num_classes=k,
                             pack_size=m.pack, minibatch_std=m.minibatch_std)
    else:
        channels, size = data_shape[0], data_shape[-1]
        G = DCGANGenerator(nz=m.nz, ngf=m.ngf, image_size=size, channels=channels, num_classes=k)
        D = DCGANDiscriminator(ndf=m.ndf, image_size=size, channels=channels, num_classes=k, pack_size=m.pack,
                               minibatch_std=m.minibatch_std, batch_norm=d_uses_batch_norm(cfg))
    init_weights(G, m.init)
    init_weights(D, m.init)
    if m.spectral_norm:
        apply_spectral_norm(D)
    return G, D
