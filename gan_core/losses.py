"""GAN objectives as pure functions of D's raw outputs (logits / critic scores).

Notation: `real` = D(x) logits for a real batch, `fake` = D(G(z)) logits, sigma = sigmoid.
Each D loss is minimised by D, each G loss by G. With logits, log sigma(l) = -softplus(-l)
and log(1 - sigma(l)) = -softplus(l), which never takes the log of 0.

The minimax game (Goodfellow et al. 2014):
    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]
For a fixed G the best D is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and then
    V(D*, G) = -log 4 + 2 * JS(p_data || p_g),
so G minimising V against the best D minimises the Jensen-Shannon divergence.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_core.config import BCE_OBJECTIVES

LOG4 = math.log(4.0)


# -- vanilla GAN (binary cross-entropy) ---------------------------------------------------------

def d_loss_bce(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """-E[t log D(x) + (1-t) log(1-D(x))] - E[log(1 - D(G(z)))]; t = 1 - label smoothing (one-sided)."""
    return (F.binary_cross_entropy_with_logits(real, torch.full_like(real, real_target))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def g_loss_minimax(fake: torch.Tensor) -> torch.Tensor:
    """The original ("saturating") G loss: E[log(1 - D(G(z)))], minimised.

    When D confidently rejects fakes (D(G(z)) -> 0) this is flat: G gets almost no gradient.
    """
    return -F.softplus(fake).mean()


def g_loss_nonsaturating(fake: torch.Tensor) -> torch.Tensor:
    """The non-saturating G loss: -E[log D(G(z))]. Same fixed point, strong gradients early."""
    return F.softplus(-fake).mean()


# -- least squares GAN (Mao et al. 2017), targets a=0 (fake), b=1 (real), c=1 -------------------

def d_loss_lsgan(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]"""
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()


def g_loss_lsgan(fake: torch.Tensor) -> torch.Tensor:
    """1/2 E[(D(G(z)) - 1)^2]"""
    return 0.5 * ((fake - 1) ** 2).mean()


# -- hinge (Lim & Ye 2017; used by SN-GAN, BigGAN) ----------------------------------------------

def d_loss_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]"""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def g_loss_hinge(fake: torch.Tensor) -> torch.Tensor:
    """-E[D(G(z))]"""
    return -fake.mean()


# -- Wasserstein (Arjovsky et al. 2017): D is a critic, not a classifier ----------------------------

def d_loss_wgan(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[D(G(z))] - E[D(x)]: minus the critic's estimate of the Wasserstein-1 distance."""
    return fake.mean() - real.mean()


def g_loss_wgan(fake: torch.Tensor) -> torch.Tensor:
    """-E[D(G(z))]"""
    return -fake.mean()


# -- penalties on D -------------------------------------------------------------------------------

def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad_x_hat D(x_hat)||_2 - 1)^2], x_hat on real-fake lines.

    real, fake: [B, ...] (fake detached). Returns a scalar; multiply by lambda (10) yourself.
    With PacGAN (D.pack_size = m) D's input is a pack of m samples: one eps per pack, and the norm
    is taken over the whole pack, the input D really sees.
    """
    m = getattr(D, "pack_size", 1)
    eps = torch.rand(real.shape[0] // m, device=real.device, generator=generator).repeat_interleave(m)
    eps = eps.view((real.shape[0],) + (1,) * (real.dim() - 1))
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = D(x_hat, y)  # [B / m]
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.reshape(out.shape[0], -1).norm(2, dim=1) - 1) ** 2).mean()


def r1_penalty(D, real: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E[||grad_x D(x)||^2] on real data (per pack with PacGAN). Multiply by gamma / 2."""
    real = real.detach().requires_grad_(True)
    out = D(real, y)  # [B / m]
    (grad,) = torch.autograd.grad(out.sum(), real, create_graph=True)
    return grad.reshape(out.shape[0], -1).pow(2).sum(1).mean()


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Salimans et al. 2016: ||E[f(x)] - E[f(G(z))]||^2 over D's penultimate features f."""
    return (real_features.detach().mean(0) - fake_features.mean(0)).pow(2).sum()


# -- lookup by objective name ---------------------------------------------------------------------

def d_loss(objective: str, real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    if objective in BCE_OBJECTIVES:
        return d_loss_bce(real, fake, real_target)
    if objective == "lsgan":
        return d_loss_lsgan(real, fake)
    if objective == "hinge":
        return d_loss_hinge(real, fake)
    if objective in ("wgan", "wgan-gp"):
        return d_loss_wgan(real, fake)
    raise ValueError(f"unknown objective {objective!r}")


def g_loss(objective: str, fake: torch.Tensor) -> torch.Tensor:
    return {"minimax": g_loss_minimax, "nonsaturating": g_loss_nonsaturating, "lsgan": g_loss_lsgan,
            "hinge": g_loss_hinge, "wgan": g_loss_wgan, "wgan-gp": g_loss_wgan}[objective](fake)


def d_output_kind(objective: str) -> str:
    """What D's output means to a student: "probability" (sigma of a logit, for the BCE objectives)
    or "score" (a critic's unbounded value: WGAN, hinge, LSGAN)."""
    return "probability" if objective in BCE_OBJECTIVES else "score"


def d_output(objective: str, logits: torch.Tensor) -> torch.Tensor:
    """D's output as a student reads it, elementwise: sigma(logit) or the raw score."""
    return torch.sigmoid(logits) if d_output_kind(objective) == "probability" else logits


# -- the theory, as numbers a student can check ----------------------------------------------------

def optimal_d(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), elementwise on densities (0/0 -> 0.5)."""
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-30), torch.full_like(total, 0.5))


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """JS(p || q) in nats for two histograms (normalised here): 1/2 KL(p||m) + 1/2 KL(q||m), m=(p+q)/2."""
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)

    def kl(a, b):
        return torch.where(a > 0, a * (a.clamp_min(1e-30) / b.clamp_min(1e-30)).log(), torch.zeros_like(a)).sum()

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def minimax_value_at_optimum(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """V(D*, G) = -log 4 + 2 JS(p_data || p_g), for histograms."""
    return -LOG4 + 2 * js_divergence(p_data, p_g)
