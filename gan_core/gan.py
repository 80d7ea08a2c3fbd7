"""Everything one run owns, in one object: the config, G and D, their optimisers, the data, the
run's own random stream, the EMA copy of G, the step count. `build_gan(cfg)` makes it; the step
(train.py) advances it; checkpoints, pictures and the live runs read it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from gan_core import speedups
from gan_core.config import RunConfig
from gan_core.data import Dataset, load_dataset
from gan_core.device import resolve_device
from gan_core.models import build_models
from gan_core.noise import sample_z
from gan_core.optimism import OptimisticAdam


@dataclass
class GAN:
    """One run. The live-adjustable knobs (learning rates in the optimisers, d_steps) are plain
    attributes, read by the step every time."""

    cfg: RunConfig
    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    data: Dataset
    device: torch.device
    gen: torch.Generator  # the run's own random stream: z, batches, instance noise, GP mixing
    G_ema: nn.Module | None = None
    step: int = 0
    d_steps: int = 1
    extra: dict = field(default_factory=dict)
    compiled: tuple[nn.Module, nn.Module] | None = None  # torch.compile'd (G, D) for the step; None = eager
    # G's and D's parameter lists, gathered once: `.parameters()` walks every submodule in Python,
    # which the step would otherwise do five times (grad norms, EMA, zeroing D's grads)
    params_g: list[torch.Tensor] = field(default_factory=list)
    params_d: list[torch.Tensor] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return self.data.num_classes if self.cfg.model.conditional else 0

    @property
    def G_eval(self) -> nn.Module:
        """The generator to show: the EMA copy when there is one."""
        return self.G_ema if self.G_ema is not None else self.G

    @property
    def nets(self) -> tuple[nn.Module, nn.Module]:
        """The (G, D) the step calls: the compiled wrappers when cfg.train.compile is on."""
        return self.compiled or (self.G, self.D)

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z [n, nz] from N(0, I) or U(-1, 1)."""
        return sample_z(n, self.cfg.model.nz, self.cfg.model.noise, generator or self.gen, self.device)

    def sample_labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Class labels [n] for a conditional G, else None."""
        if not self.num_classes:
            return None
        return torch.randint(self.num_classes, (n,), device=self.device, generator=generator or self.gen)

    def set_lr(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if lr is not None:
                if not 0 < lr <= 1:
                    raise ValueError(f"learning rate must be in (0, 1]; got {lr}")
                for group in opt.param_groups:
                    group["lr"] = lr

    def current_config(self) -> RunConfig:
        """The config with the live knobs as they are now (what a checkpoint should record)."""
        return self.cfg.replace(train={"lr_g": self.opt_g.param_groups[0]["lr"],
                                       "lr_d": self.opt_d.param_groups[0]["lr"], "d_steps": self.d_steps})


def make_optimizer(params, kind: str, lr: float, betas: tuple[float, float],
                   fused: bool = False) -> torch.optim.Optimizer:
    """Adam, optimistic Adam (gan_core/optimism.py) or SGD. fused: one kernel for all parameters
    (opt-in, speedups.py). Otherwise the multi-tensor ("foreach") form, which PyTorch picks by itself
    only on CUDA: on a CPU it also updates every parameter in a few calls instead of a Python loop of
    ~10 ops per tensor, with the same arithmetic (tests/gan_core/test_train_speed.py: bit-identical)."""
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=True)
    if kind == "optimistic-adam":
        return OptimisticAdam(params, lr=lr, betas=betas, foreach=True)
    if fused:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)


def build_gan(cfg: RunConfig, device: torch.device | str | None = None, data: Dataset | None = None) -> GAN:
    """Networks, optimisers and data for `cfg`, seeded by cfg.train.seed."""
    device = torch.device(device) if device is not None else resolve_device(cfg.train.device)
    if data is None:
        data = load_dataset(cfg.data, device, seed=cfg.train.seed)
    if cfg.model.conditional and not data.num_classes:
        raise ValueError(f"a conditional GAN needs class labels; {cfg.data.name!r} has none")
    G, D = build_models(cfg, tuple(data.x.shape[1:]), data.num_classes)  # data: (2,) or (C, H, W)
    t = cfg.train
    G, D, data = speedups.place(G, D, data, device, t)
    gan = GAN(cfg=cfg, G=G, D=D, data=data, device=device,
              opt_g=make_optimizer(G.parameters(), t.optimizer, t.lr_g, t.betas_g, t.fused_adam),
              opt_d=make_optimizer(D.parameters(), t.optimizer, t.lr_d, t.betas_d, t.fused_adam),
              gen=torch.Generator(device).manual_seed(t.seed), d_steps=t.d_steps,
              params_g=list(G.parameters()), params_d=list(D.parameters()),
              compiled=speedups.compiled(G, D, t, device))
    if t.ema > 0:
        gan.G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    return gan
