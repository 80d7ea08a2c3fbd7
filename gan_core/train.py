"""One GAN training step, as the lecture writes it: D update(s), then G update(s).

With D(x) = sigma(l(x)) for the BCE objectives (l: D's logit), z ~ p_z, x ~ p_data:

    D update (ascend):  max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]
                        (+ R1: - gamma/2 E_x ||grad_x l(x)||^2;  WGAN-GP: - lambda E ||grad l(x^)||-1)^2)
    G update (descend): min_G  -E_z[log D(G(z))]          (non-saturating; minimax: E_z[log(1 - D(G(z)))])
                        (feature matching: ||E_x f(x) - E_z f(G(z))||^2, f = D's last hidden layer)
    EMA of G:           theta_ema <- decay * theta_ema + (1 - decay) * theta

The losses, as pure functions of D's logits, are in losses.py; what a run owns (G, D, optimisers,
data, random stream) in gan.py; how the machine runs it faster (compile, bf16, channels_last,
fused Adam) in speedups.py. Numbers come back as 0-dim tensors that stay on the device: reading
them is a sync, which the live runs do once every few steps.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from gan_core import losses, speedups
from gan_core.gan import GAN


def instance_noise_std(gan: GAN) -> float:
    """Annealed instance noise (Sønderby et al. 2017): std falls linearly from sigma0 to 0 over
    instance_noise_steps, counted from instance_noise_start (0, or the step it was switched on live)."""
    return annealed_noise_std(gan.cfg.loss, gan.step)


def annealed_noise_std(lc, step: int) -> float:
    """sigma0 * (1 - (step - start) / steps), kept in [0, sigma0] (before its start: sigma0)."""
    done = (step - lc.instance_noise_start) / lc.instance_noise_steps
    return lc.instance_noise * min(1.0, max(0.0, 1.0 - done))


def d_input(gan: GAN, x: torch.Tensor) -> torch.Tensor:
    """What D sees: the sample plus (annealed) instance noise, the same for real and fake."""
    std = instance_noise_std(gan)
    return x + std * torch.randn(x.shape, device=x.device, generator=gan.gen) if std > 0 else x


def d_report(gan: GAN, logits: torch.Tensor) -> torch.Tensor:
    """Mean D output to show (losses.d_output: a probability for BCE objectives, else a score)."""
    return losses.d_output(gan.cfg.loss.objective, logits.detach()).mean()


def d_step(gan: GAN, keep_fake: bool = False, norms: bool = True) -> tuple[dict[str, torch.Tensor], tuple | None]:
    """One D update on a fresh real batch and a fresh fake batch (G frozen).

    keep_fake: also return (G(z) with its graph, y) for the G update that follows to reuse (as the
    PyTorch DCGAN example does: one G forward per step instead of two). Else None.
    norms: also report D's gradient norm (always computed when clipping needs it).
    """
    cfg, B = gan.cfg, gan.cfg.train.batch_size
    G, D = gan.nets
    real, y_real = gan.data.sample(B, gan.gen)  # [B, ...]
    z, y_fake = gan.sample_z(B), gan.sample_labels(B)  # [B, nz]
    with speedups.autocast(gan.device, cfg.train):
        with torch.set_grad_enabled(keep_fake):
            fake = G(z, y_fake)  # [B, ...]
        real_logits = D(d_input(gan, real), y_real)  # [B / pack]
        fake_logits = D(d_input(gan, fake.detach()), y_fake)
        loss = losses.d_loss(cfg.loss.objective, real_logits, fake_logits, 1.0 - cfg.loss.label_smoothing)
        if cfg.loss.objective == "wgan-gp":
            loss = loss + cfg.loss.gp_weight * losses.gradient_penalty(gan.D, real, fake.detach(), y_real, gan.gen)
        if cfg.loss.r1_gamma > 0:
            loss = loss + cfg.loss.r1_gamma / 2 * losses.r1_penalty(gan.D, real, y_real)
    gan.opt_d.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = _grad_norm(gan.params_d, cfg.train.grad_clip) if norms or cfg.train.grad_clip > 0 else None
    gan.opt_d.step()
    if cfg.loss.objective == "wgan":  # keep the critic (roughly) 1-Lipschitz by clipping its weights
        with torch.no_grad():
            for p in gan.params_d:
                p.clamp_(-cfg.loss.clip_value, cfg.loss.clip_value)
    numbers = {"d_loss": loss.detach(), "d_real": d_report(gan, real_logits), "d_fake": d_report(gan, fake_logits)}
    if norms:
        numbers["grad_norm_d"] = grad_norm.detach()
    return numbers, ((fake, y_fake) if keep_fake else None)


def g_step(gan: GAN, fake: tuple | None = None, norms: bool = True) -> dict[str, torch.Tensor]:
    """One G update against the current D (or, unrolled, against D a few updates ahead).

    fake: (G(z) with its graph, y) from the D update just made, or None to draw a fresh batch.
    """
    cfg, B = gan.cfg, gan.cfg.train.batch_size
    G, D = gan.nets
    saved_d = _unroll_d(gan) if cfg.train.unrolled_steps else None
    # G needs dL/d(fake) through D, not D's own weight gradients: freezing D's parameters skips
    # those (a third of D's backward) and changes no number G gets. Not for a compiled D: each
    # toggle would re-trace its graph.
    _set_requires_grad(gan.params_d, gan.compiled is not None)
    try:
        with speedups.autocast(gan.device, cfg.train):
            if fake is None:
                z, y = gan.sample_z(B), gan.sample_labels(B)  # [B, nz], [B] or None
                fake = (G(z, y), y)
            fake, y_fake = fake
            if cfg.loss.feature_matching:
                real, y_real = gan.data.sample(B, gan.gen)
                _, f_real = D(d_input(gan, real), y_real, return_features=True)  # [B, F]
                _, f_fake = D(d_input(gan, fake), y_fake, return_features=True)
                loss = losses.feature_matching_loss(f_real, f_fake)
            else:
                loss = losses.g_loss(cfg.loss.objective, D(d_input(gan, fake), y_fake))
        gan.opt_g.zero_grad(set_to_none=True)
        loss.backward()
    finally:
        _set_requires_grad(gan.params_d, True)
    grad_norm = _grad_norm(gan.params_g, cfg.train.grad_clip) if norms or cfg.train.grad_clip > 0 else None
    gan.opt_g.step()
    for p in gan.params_d:  # D's own update is done: drop any grads G's backward left on D
        p.grad = None
    if saved_d is not None:  # the look-ahead D was only for G's eyes: put the real D back
        gan.D.load_state_dict(saved_d[0])
        gan.opt_d.load_state_dict(saved_d[1])
    if gan.G_ema is not None:
        update_ema(gan.G_ema, gan.G, cfg.train.ema)
    return {"g_loss": loss.detach(), **({"grad_norm_g": grad_norm.detach()} if norms else {})}


def train_step(gan: GAN, mode: str = "both", norms: bool = True) -> dict[str, torch.Tensor]:
    """One training step: `d_steps` D updates then `g_steps` G updates ("d" / "g": one update of
    one network). The first G update reuses the last D update's fake batch (D saw it detached).

    norms=False skips the gradient norms (grad_norm_d / g are then missing): they only feed a plot
    and cost ~3% of a ring8 step, so the live runs ask for them only on the steps they plot.
    Returns 0-dim tensors on the device: d_loss, d_real, d_fake, grad_norm_d, g_loss, grad_norm_g
    (the D numbers from the last D update).
    """
    if mode not in ("both", "d", "g"):
        raise ValueError(f"mode must be both, d or g; got {mode!r}")
    for net in (gan.G, gan.D):
        if not net.training:  # .train() walks every submodule: skip it when nothing changed
            net.train()
    speedups.mark_step(gan.cfg.train)
    out: dict[str, torch.Tensor] = {}
    fake = None
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


# -- the pieces the updates use -------------------------------------------------------------------

def _grad_norm(params: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Total L2 norm of the gradients (clipped to max_norm when > 0). Stays on the device."""
    if max_norm > 0:
        return nn.utils.clip_grad_norm_(params, max_norm)
    return nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])


def _set_requires_grad(params: list[torch.Tensor], flag: bool) -> None:
    for p in params:
        p.requires_grad_(flag)


def _unroll_d(gan: GAN) -> tuple[dict, dict]:
    """Unrolled GAN (Metz et al. 2017), first-order form: D takes k extra updates, G answers that
    look-ahead D, then D is put back. Returns D's and its optimiser's saved state."""
    saved = (copy.deepcopy(gan.D.state_dict()), copy.deepcopy(gan.opt_d.state_dict()))
    for _ in range(gan.cfg.train.unrolled_steps):
        d_step(gan, norms=False)  # (not reported: only the real D updates are)
    return saved


@torch.no_grad()
def update_ema(ema: nn.Module, net: nn.Module, decay: float) -> None:
    """theta_ema <- decay * theta_ema + (1 - decay) * theta for every parameter; buffers (BatchNorm
    statistics) are copied."""
    for p_ema, p in zip(ema.parameters(), net.parameters()):
        p_ema.lerp_(p, 1.0 - decay)
    for b_ema, b in zip(ema.buffers(), net.buffers()):
        b_ema.copy_(b)
