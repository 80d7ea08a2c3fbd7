"""Latent space: interpolation, sampling, principal directions and walks.

Everything here is a pure function of tensors (plus G for `principal_directions`).
Shapes: `nz` is the latent size; a single latent is [nz], a batch is [B, nz].
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from gan_core.noise import sample_z

METHODS = ("slerp", "lerp")


def _as_t(t, z: torch.Tensor) -> torch.Tensor:
    """float -> 0-dim tensor; [T] -> [T, 1, ..., 1] so that it broadcasts against z [..., nz]."""
    t = torch.as_tensor(t, dtype=z.dtype, device=z.device)
    if t.dim() > 1:
        raise ValueError(f"t must be a float or a 1D tensor [T], got shape {tuple(t.shape)}")
    return t if t.dim() == 0 else t.reshape(-1, *([1] * z.dim()))


def _check_pair(z0: torch.Tensor, z1: torch.Tensor) -> None:
    if z0.shape != z1.shape or z0.dim() not in (1, 2):
        raise ValueError(f"z0 and z1 must share a shape [nz] or [B, nz], got "
                         f"{tuple(z0.shape)} and {tuple(z1.shape)}")


def lerp(z0: torch.Tensor, z1: torch.Tensor, t) -> torch.Tensor:
    """Linear interpolation  z(t) = (1 - t) z0 + t z1.

    z0, z1: [nz] or [B, nz]. t: a float (result shaped like z0) or a [T] tensor
    (result [T, nz] or [T, B, nz]). Written as (1-t) z0 + t z1, not z0 + t (z1 - z0),
    so that t = 0 and t = 1 return the endpoints exactly.
    """
    _check_pair(z0, z1)
    t = _as_t(t, z0)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t) -> torch.Tensor:
    """Spherical interpolation along the great circle from z0 to z1.

    With w the angle between z0 and z1 (cos w = z0.z1 / (|z0| |z1|)) and unit vectors u = z/|z|:
        direction(t) = sin((1 - t) w) / sin w * u0 + sin(t w) / sin w * u1
        radius(t)    = (1 - t) |z0| + t |z1|        (we choose to interpolate the norm linearly)
        z(t)         = radius(t) * direction(t)
    For equal norms this is exactly White's formula and |z(t)| stays constant.

    Why: a Gaussian z in nz dimensions has |z| ~ sqrt(nz) with little spread, so G only ever
    saw latents on that thin shell. The lerp midpoint of two independent z has norm about
    sqrt(nz / 2), well inside the shell; slerp stays on it (White 2016, "Sampling Generative
    Networks", arXiv:1609.04468).

    Degenerate cases fall back to lerp: w ~ 0 (same direction: lerp is then the same path),
    w ~ pi (opposite directions: no unique great circle), or a zero vector (no direction).
    Shapes as in `lerp`; t = 0 and t = 1 return z0 and z1 exactly.
    """
    _check_pair(z0, z1)
    t = _as_t(t, z0)
    eps = 1e-6
    norm0 = z0.norm(dim=-1, keepdim=True)  # [..., 1]
    norm1 = z1.norm(dim=-1, keepdim=True)
    u0, u1 = z0 / norm0.clamp_min(eps), z1 / norm1.clamp_min(eps)
    w = torch.acos((u0 * u1).sum(-1, keepdim=True).clamp(-1.0, 1.0))  # [..., 1] angle
    sin_w = torch.sin(w)
    # float32 acos is only good to ~3e-4 rad near 0 and pi, so treat angles that close as degenerate
    degenerate = (sin_w < 1e-3) | (norm0 < eps) | (norm1 < eps)
    sin_w = torch.where(degenerate, torch.ones_like(sin_w), sin_w)  # avoid 0/0 in the unused branch
    direction = (torch.sin((1 - t) * w) * u0 + torch.sin(t * w) * u1) / sin_w
    radius = (1 - t) * norm0 + t * norm1
    z = torch.where(degenerate, (1 - t) * z0 + t * z1, radius * direction)  # lerp where degenerate
    # pin the endpoints: normalising and rescaling can round them by an ulp
    z = torch.where(t == 0, z0, z)
    return torch.where(t == 1, z1, z)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, n_frames: int, method: str = "slerp") -> torch.Tensor:
    """n_frames latents from z0 to z1 inclusive, evenly spaced in t. z0, z1: [nz] -> [n_frames, nz]."""
    if not isinstance(n_frames, int) or n_frames < 2:
        raise ValueError(f"n_frames must be an int >= 2 (both endpoints are included), got {n_frames!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if z0.dim() != 1:
        raise ValueError(f"interpolate takes single latents z0, z1 of shape [nz], got {tuple(z0.shape)}")
    t = torch.linspace(0, 1, n_frames, dtype=z0.dtype, device=z0.device)  # [n_frames]
    return (slerp if method == "slerp" else lerp)(z0, z1, t)


def latent_norm_profile(path: torch.Tensor) -> torch.Tensor:
    """|z| at every frame of a path [T, nz] -> [T]; shows lerp dipping inside the shell."""
    if path.dim() != 2:
        raise ValueError(f"path must have shape [T, nz], got {tuple(path.shape)}")
    return path.norm(dim=-1)


def sample_latent(n: int, nz: int, noise: str = "gaussian", seed: int | None = None,
                  device="cpu") -> torch.Tensor:
    """n latents [n, nz]: N(0, I) or uniform in [-1, 1]. Uses its own generator (no global RNG).

    Sampled on the CPU, then moved, so a seed gives the same z (and face) on any device.
    seed=None draws a fresh, non-reproducible seed.
    """
    if n < 1 or nz < 1:
        raise ValueError(f"n and nz must be >= 1, got n={n}, nz={nz}")
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return sample_z(n, nz, noise, gen).to(device)


def truncate(z: torch.Tensor, psi: float) -> torch.Tensor:
    """The truncation trick, in its simplest form: z scaled by psi (0 < psi <= 1) towards the mean of
    p_z, 0. Samples from near the middle of the noise are G's most typical ones: precision rises and
    recall (variety) falls as psi shrinks (BigGAN resamples |z| over a threshold instead; StyleGAN
    scales towards the mean of w). psi = 1 is plain sampling."""
    if not 0 < psi <= 1:
        raise ValueError(f"truncation psi must be in (0, 1]; got {psi}")
    return z * psi


@dataclass(frozen=True)
class Directions:
    directions: torch.Tensor          # [K, nz] orthonormal rows, most important first
    explained_variance: torch.Tensor  # [K] share of G's output variance along each principal component
    mean_z: torch.Tensor              # [nz] mean of the sampled z (a natural origin for walks)


def principal_directions(G: nn.Module, nz: int, n_samples: int = 512, n_directions: int = 8,
                         seed: int = 0, y=None, noise: str = "gaussian") -> Directions:
    """Latent directions that move G's output along its principal components (GANSpace-style,
    Harkonen et al. 2020, "GANSpace: Discovering Interpretable GAN Controls").

    1. sample z [N, nz] and compute x = G(z) (or G(z, y)), flattened to [N, D];
    2. PCA of x: centred Xc = U S V^T, PC coordinates c = Xc V_K = U_K S_K [N, K],
       explained variance of PC k = S_k^2 / sum_j S_j^2;
    3. least squares z - mean_z ~= c A, A [K, nz]: row k is how z moves per unit of PC k;
    4. orthonormalise the rows of A in order (QR), signs chosen so d_k . A_k > 0.

    y: class labels for a conditional G (an int, or a LongTensor [N] or [1]).
    K = n_directions, clamped to nz (and to N - 1 and D, the most PCs the data can have).
    Runs under no_grad in eval mode; each module's train/eval mode is restored afterwards.
    """
    if nz < 1 or n_samples < 2 or n_directions < 1:
        raise ValueError(f"need nz >= 1, n_samples >= 2, n_directions >= 1; got nz={nz}, "
                         f"n_samples={n_samples}, n_directions={n_directions}")
    param = next(G.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    z = sample_latent(n_samples, nz, noise, seed, device)  # [N, nz]
    if y is not None:
        y = torch.as_tensor(y, dtype=torch.long, device=device).reshape(-1)
        if len(y) == 1:
            y = y.expand(n_samples)
        if len(y) != n_samples:
            raise ValueError(f"y must be one label or n_samples={n_samples} labels, got {len(y)}")

    modes = {m: m.training for m in G.modules()}
    G.eval()
    try:
        with torch.no_grad():
            x = G(z) if y is None else G(z, y)
    finally:
        for m, training in modes.items():
            m.training = training  # per module, so a G with mixed modes gets them all back

    x = x.reshape(n_samples, -1).float()  # [N, D]
    z = z.float()
    k = min(n_directions, nz, n_samples - 1, x.shape[1])
    x_centred = x - x.mean(0)
    U, S, _ = torch.linalg.svd(x_centred, full_matrices=False)  # U [N, r], S [r]
    explained = (S**2 / (S**2).sum().clamp_min(1e-12))[:k]  # [K]
    coords = U[:, :k] * S[:k]  # [N, K] PC coordinates
    mean_z = z.mean(0)  # [nz]
    A = torch.linalg.lstsq(coords, z - mean_z).solution  # [K, nz]
    Q, R = torch.linalg.qr(A.T)  # Q [nz, K]: Gram-Schmidt keeps the order of the PCs
    sign = torch.sign(torch.diagonal(R))
    sign[sign == 0] = 1
    return Directions(directions=(Q * sign).T.contiguous(), explained_variance=explained, mean_z=mean_z)


def walk(z0: torch.Tensor, directions, coefficients) -> torch.Tensor:
    """z = z0 + sum_k c_k d_k over the first K directions.

    z0: [nz] or [B, nz]; directions: [K_all, nz] or a `Directions`; coefficients: [K], K <= K_all.
    """
    if isinstance(directions, Directions):
        directions = directions.directions
    c = torch.as_tensor(coefficients, dtype=z0.dtype, device=z0.device).reshape(-1)  # [K]
    if len(c) > directions.shape[0]:
        raise ValueError(f"{len(c)} coefficients but only {directions.shape[0]} directions")
    if directions.shape[1] != z0.shape[-1]:
        raise ValueError(f"directions have nz={directions.shape[1]} but z0 has nz={z0.shape[-1]}")
    return z0 + c @ directions[: len(c)].to(z0)  # [nz] or [B, nz]


def random_walk(z0: torch.Tensor, n_frames: int, step: float = 0.15, seed: int = 0) -> torch.Tensor:
    """A smooth closed loop through z0 for an animated GIF: z0 [nz] -> [n_frames, nz].

    Two random unit vectors b, c orthogonal to z0 (and to each other) span a small circle:
        p(s) = z0 + step |z0| (b (1 - cos 2 pi s) + c sin 2 pi s),   s = 0, 1/n, ..., (n-1)/n
    and every frame is rescaled to norm |z0|, so it stays on z0's shell. Frame 0 is z0 and the
    frame after the last would be z0 again: the GIF loops without a jump. The farthest frame is
    about 2 * step radians from z0.
    """
    if not isinstance(n_frames, int) or n_frames < 2:
        raise ValueError(f"n_frames must be an int >= 2, got {n_frames!r}")
    if z0.dim() != 1:
        raise ValueError(f"random_walk takes a single latent z0 of shape [nz], got {tuple(z0.shape)}")
    if z0.shape[0] < 3:
        raise ValueError(f"random_walk needs nz >= 3 (z0 plus two orthogonal directions), got {z0.shape[0]}")
    radius = z0.norm()
    basis = torch.cat([z0.reshape(-1, 1).cpu().float(), sample_latent(2, len(z0), seed=seed).T], 1)
    Q, _ = torch.linalg.qr(basis)  # [nz, 3]: column 0 is along z0, columns 1, 2 orthogonal to it
    b, c = Q[:, 1].to(z0), Q[:, 2].to(z0)
    s = torch.arange(n_frames, dtype=z0.dtype, device=z0.device)[:, None] / n_frames  # [T, 1]
    p = z0 + step * radius * (b * (1 - torch.cos(2 * math.pi * s)) + c * torch.sin(2 * math.pi * s))
    path = p / p.norm(dim=-1, keepdim=True).clamp_min(1e-12) * radius  # [T, nz]
    path[0] = z0  # exact, despite the rescaling
    return path
