"""One GAN training step, written out: D update(s), then G update(s).

`build_gan(cfg)` gathers everything a run owns (networks, optimisers, data, random stream)
in a `GAN` object; `train_step(gan)` advances it by one step and returns the step's numbers as
0-dim tensors that stay on the device (reading them is a sync; the Trainer does it every k steps).

Opt-in speed-ups (cfg.train; all off by default): fused Adam, channels_last memory layout for
the DCGAN convolutions, bfloat16 autocast of the forward passes, and torch.compile of G and D
as the step calls them ("reduce-overhead" adds CUDA graphs). See docs/BENCHMARKS.md.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import torch
from torch import nn

from . import losses
from .config import BCE_OBJECTIVES, ConfigError, RunConfig
from .data import Dataset, load_dataset
from .device import resolve_device
from .models import build_models
from .noise import sample_z


@dataclass
class GAN:
    """Everything one run owns. The live-adjustable knobs (lrs, d_steps) are plain attributes."""

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

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z [n, nz] from N(0, I) or U(-1, 1)."""
        return sample_z(n, self.cfg.model.nz, self.cfg.model.noise, generator or self.gen, self.device)

    def sample_labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
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


def make_optimizer(params, kind: str, lr: float, betas: tuple[float, float], fused: bool = False) -> torch.optim.Optimizer:
    """Adam (or SGD). fused: one kernel for all parameters (opt-in). Otherwise the multi-tensor
    ("foreach") form, which PyTorch picks by itself only on CUDA: on a CPU it also updates every
    parameter in a few calls instead of a Python loop of ~10 ops per tensor, with the same
    arithmetic (tests/test_train_speed.py checks that the weights come out bit-identical)."""
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=True)
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
    torch.manual_seed(cfg.train.seed)  # weights are initialised from the global stream
    G, D = build_models(cfg, tuple(data.x.shape[1:]), data.num_classes)  # (2,) or (C, H, W)
    t = cfg.train
    layout = torch.channels_last if t.channels_last else torch.contiguous_format  # NHWC suits tensor cores
    G, D = G.to(device, memory_format=layout), D.to(device, memory_format=layout)
    if t.channels_last:  # real batches are indexed from data.x: store it NHWC too (a copy; the caller's stays)
        data = dataclasses.replace(data, x=data.x.contiguous(memory_format=torch.channels_last))
    if t.compile == "reduce-overhead" and device.type != "cuda":
        raise ConfigError("train.compile='reduce-overhead' uses CUDA graphs and needs a CUDA device; use 'default' or 'off'.")
    gan = GAN(cfg=cfg, G=G, D=D, data=data, device=device,
              opt_g=make_optimizer(G.parameters(), t.optimizer, t.lr_g, t.betas_g, t.fused_adam),
              opt_d=make_optimizer(D.parameters(), t.optimizer, t.lr_d, t.betas_d, t.fused_adam),
              gen=torch.Generator(device).manual_seed(t.seed), d_steps=t.d_steps,
              params_g=list(G.parameters()), params_d=list(D.parameters()))
    if t.ema > 0:
        gan.G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    if t.compile != "off":
        # Wrappers that share G's and D's parameters; only train_step calls them, so state dicts,
        # copies (sources.py) and the visuals keep using the plain eager modules. Compilation
        # happens at the first call, i.e. in the thread that trains (CUDA graphs need that).
        gan.compiled = (torch.compile(G, mode=t.compile), torch.compile(D, mode=t.compile))
    return gan


# -------------------------------------------------------------------------------------------------
# the step
# -------------------------------------------------------------------------------------------------

def instance_noise_std(gan: GAN) -> float:
    """Annealed instance noise (Sønderby 2017): std falls linearly from sigma0 to 0 over
    instance_noise_steps, counted from instance_noise_start (0, or the step it was switched on live)."""
    return annealed_noise_std(gan.cfg.loss, gan.step)


def annealed_noise_std(lc, step: int) -> float:
    """sigma0 * (1 - (step - start) / steps), kept in [0, sigma0] (before its start: sigma0)."""
    done = (step - lc.instance_noise_start) / lc.instance_noise_steps
    return lc.instance_noise * min(1.0, max(0.0, 1.0 - done))


def _d_input(gan: GAN, x: torch.Tensor) -> torch.Tensor:
    """What D sees: the sample plus (annealed) instance noise, same for real and fake."""
    std = instance_noise_std(gan)
    if std > 0:
        x = x + std * torch.randn(x.shape, device=x.device, generator=gan.gen)
    return x


def _grad_norm(params: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Total L2 norm of the gradients (clipped to max_norm when > 0). Stays on the device."""
    if max_norm > 0:
        return nn.utils.clip_grad_norm_(params, max_norm)
    return nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])


def _nets(gan: GAN) -> tuple[nn.Module, nn.Module]:
    """The (G, D) the step calls: compiled wrappers when cfg.train.compile is on, else G and D."""
    return gan.compiled or (gan.G, gan.D)


def _autocast(gan: GAN):
    """bfloat16 autocast around forward passes when cfg.train.amp_bf16 (no GradScaler needed:
    bf16 has float32's range). Losses take logits, so BCE runs in float32 under autocast."""
    return torch.autocast(gan.device.type, dtype=torch.bfloat16, enabled=gan.cfg.train.amp_bf16)


def d_step(gan: GAN, keep_fake: bool = False, norms: bool = True) -> tuple[dict[str, torch.Tensor], tuple | None]:
    """One D update on a fresh real batch and a fresh fake batch (G frozen).

    norms: also report D's gradient norm (always computed when clipping needs it).

    keep_fake: also return (fake, y_fake) with G's graph, for the G update that follows to reuse
    (as the PyTorch DCGAN example does: one G forward per step instead of two). Else None.
    """
    cfg, B = gan.cfg, gan.cfg.train.batch_size
    G, D = _nets(gan)
    real, y_real = gan.data.sample(B, gan.gen)
    z, y_fake = gan.sample_z(B), gan.sample_labels(B)
    with _autocast(gan):
        with torch.set_grad_enabled(keep_fake):
            fake = G(z, y_fake)  # [B, ...]
        real_logits = D(_d_input(gan, real), y_real)  # [B / pack]
        fake_logits = D(_d_input(gan, fake.detach()), y_fake)
        loss = losses.d_loss(cfg.loss.objective, real_logits, fake_logits, 1.0 - cfg.loss.label_smoothing)
        if cfg.loss.objective == "wgan-gp":
            loss = loss + cfg.loss.gp_weight * losses.gradient_penalty(gan.D, real, fake.detach(), y_real, gan.gen)
        if cfg.loss.r1_gamma > 0:
            loss = loss + cfg.loss.r1_gamma / 2 * losses.r1_penalty(gan.D, real, y_real)
    gan.opt_d.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = _grad_norm(gan.params_d, cfg.train.grad_clip) if norms or cfg.train.grad_clip > 0 else None
    gan.opt_d.step()
    if cfg.loss.objective == "wgan":  # keep the critic (roughly) 1-Lipschitz by clipping weights
        with torch.no_grad():
            for p in gan.params_d:
                p.clamp_(-cfg.loss.clip_value, cfg.loss.clip_value)
    numbers = {"d_loss": loss.detach(), "d_real": d_report(cfg, real_logits), "d_fake": d_report(cfg, fake_logits)}
    if norms:
        numbers["grad_norm_d"] = grad_norm.detach()
    return numbers, ((fake, y_fake) if keep_fake else None)


def d_report(cfg: RunConfig, logits: torch.Tensor) -> torch.Tensor:
    """Mean D output to show: a probability sigma(logit) for BCE objectives, the raw score otherwise."""
    logits = logits.detach()
    return torch.sigmoid(logits).mean() if cfg.loss.objective in BCE_OBJECTIVES else logits.mean()


def g_step(gan: GAN, fake: tuple | None = None, norms: bool = True) -> dict[str, torch.Tensor]:
    """One G update against the current D (or an unrolled copy of it).

    fake: (G(z) with its graph, y) from the D update just made, or None to draw a fresh batch.
    norms: also report G's gradient norm (always computed when clipping needs it).
    """
    cfg, B = gan.cfg, gan.cfg.train.batch_size
    G, D = _nets(gan)
    backup = _unroll_d(gan) if cfg.train.unrolled_steps else None
    # G's loss needs dL/d(fake) through D, not D's own weight gradients: freezing D's parameters
    # skips those (about a third of D's backward work, thrown away anyway) and changes no number
    # G gets. Not for a compiled D: each toggle would re-trace its graph.
    freeze = gan.compiled is None
    _set_requires_grad(gan.params_d, not freeze)
    try:
        with _autocast(gan):
            if fake is None:
                z, y_fake = gan.sample_z(B), gan.sample_labels(B)
                fake = (G(z, y_fake), y_fake)
            fake, y_fake = fake
            if cfg.loss.feature_matching:
                real, y_real = gan.data.sample(B, gan.gen)
                _, f_real = D(_d_input(gan, real), y_real, return_features=True)
                fake_logits, f_fake = D(_d_input(gan, fake), y_fake, return_features=True)
                loss = losses.feature_matching_loss(f_real, f_fake)
            else:
                fake_logits = D(_d_input(gan, fake), y_fake)
                loss = losses.g_loss(cfg.loss.objective, fake_logits)
        gan.opt_g.zero_grad(set_to_none=True)
        loss.backward()
    finally:
        _set_requires_grad(gan.params_d, True)
    grad_norm = _grad_norm(gan.params_g, cfg.train.grad_clip) if norms or cfg.train.grad_clip > 0 else None
    gan.opt_g.step()
    for p in gan.params_d:  # D's own step is done: drop its grads (and, when D was not frozen, G's backward's)
        p.grad = None
    if backup is not None:
        gan.D.load_state_dict(backup[0])
        gan.opt_d.load_state_dict(backup[1])
    if gan.G_ema is not None:
        _update_ema(gan, cfg.train.ema)
    return {"g_loss": loss.detach(), **({"grad_norm_g": grad_norm.detach()} if norms else {})}


def _set_requires_grad(params: list[torch.Tensor], flag: bool) -> None:
    for p in params:
        p.requires_grad_(flag)


def _unroll_d(gan: GAN):
    """Unrolled GAN (Metz et al. 2017), first-order form: let D take k extra steps, have G
    answer that look-ahead D, then put D back. Returns D's and its optimiser's saved state."""
    backup = (copy.deepcopy(gan.D.state_dict()), copy.deepcopy(gan.opt_d.state_dict()))
    for _ in range(gan.cfg.train.unrolled_steps):
        d_step(gan, norms=False)  # (its numbers are not reported: only the real D updates are)
    return backup


@torch.no_grad()
def _update_ema(gan: GAN, decay: float) -> None:
    """theta_ema <- decay * theta_ema + (1 - decay) * theta (one multi-tensor lerp over all of
    G's parameters); buffers (BatchNorm statistics) are copied."""
    ema = gan.extra.get("ema_pairs")
    if ema is None:  # gathered once: (EMA params, G params, EMA buffers, G buffers)
        ema = gan.extra["ema_pairs"] = (list(gan.G_ema.parameters()), gan.params_g,
                                        list(gan.G_ema.buffers()), list(gan.G.buffers()))
    torch._foreach_lerp_(ema[0], ema[1], 1.0 - decay)
    if ema[2]:
        torch._foreach_copy_(ema[2], ema[3])


def train_step(gan: GAN, mode: str = "both", norms: bool = True) -> dict[str, torch.Tensor]:
    """One training step: `d_steps` D updates then `g_steps` G updates ("d"/"g" = one network only).

    norms=False skips the gradient norms (grad_norm_d/g are then missing from the result): they
    only feed a plot, and cost ~3% of a ring8 step, so the Trainer asks for them on the one step
    of each read-back whose numbers it plots.

    The first G update reuses the fake batch G(z) of the last D update (D saw it detached), as
    the PyTorch DCGAN example does: one G forward per step instead of two.

    Returns 0-dim tensors on the device (no sync here): d_loss, d_real, d_fake, grad_norm_d,
    g_loss, grad_norm_g (the D numbers are from the last D update).
    """
    if mode not in ("both", "d", "g"):
        raise ValueError(f"mode must be both, d or g; got {mode!r}")
    for net in (gan.G, gan.D):
        if not net.training:  # .train() walks every submodule: skip it when nothing changed
            net.train()
    if gan.cfg.train.compile == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()  # a new iteration: CUDA graph outputs may be reused
    out: dict[str, torch.Tensor] = {}
    fake = None  # the last D update's fake batch, which the first G update reuses
    if mode in ("both", "d"):
        n_d = gan.d_steps if mode == "both" else 1
        for i in range(n_d):
            last = i == n_d - 1
            numbers, fake = d_step(gan, keep_fake=mode == "both" and last, norms=norms and last)
            out.update(numbers)
    if mode in ("both", "g"):
        for _ in range(gan.cfg.train.g_steps if mode == "both" else 1):
            out.update(g_step(gan, fake, norms=norms))
            fake = None
    gan.step += 1
    return out
