"""gan_core's MLP G and D for R runs at once, as batched matrix products over a leading run dim.

Each run's parameters live in one flat row: a network's parameters for the whole group are a
single tensor [R, P]. A layer's weight is a view of that row in nn.Linear's layout [R, out, in],
and the layer is `baddbmm(bias [R, 1, out], x [R, B, in], weight^T)`. One flat row per run keeps
everything else a handful of calls: Adam, the EMA, the per-run gradient norm, the finite check and
the last-good copies each touch one tensor per network instead of one per layer.

The architecture is exactly gan_core/models/mlp.py's (activations, PacGAN packing, minibatch
std-dev), checked against it in tests/live/test_batched_layers.py. `row_from` / `load_row` move one
run's weights between its row and a plain `MLPGenerator` / `MLPDiscriminator`, which the
visuals, checkpoints and field drawing keep using.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.models import initialised_from
from gan_core.models.mlp import MLPDiscriminator, MLPGenerator


def _activation(name: str):
    """The batched twin of gan_core.models.layers.activation (LeakyReLU slope 0.2)."""
    return {"relu": torch.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "tanh": torch.tanh}[name]


class _BatchedLinear(torch.autograd.Function):
    """x [R, B, in], weight [R, out, in], bias [R, out] -> x @ weight^T + bias [R, B, out].

    Written out so that each run's numbers come from the same products, in the same orientation,
    as nn.Linear's (addmm) forward and backward: grad_weight = grad^T @ x [out, in] and grad_x =
    grad @ weight. Autograd's own bmm backward would compute x^T @ grad and transpose it, which
    rounds differently. A layer with one output (D's head) is a matrix-vector product for a
    single run (addmm calls gemv there), so it is one `mv` per run here too. Why last bits
    matter: in a GAN trained with Adam they grow (a near-zero gradient's sign decides a whole
    lr-sized step), and a run in a group would drift away from the same run alone.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        if weight.shape[1] == 1:  # [R, B, 1]: gemv per run, as addmm does for one output column
            return torch.stack([torch.mv(x_r, w_r[0]) for x_r, w_r in zip(x, weight)]).add_(bias).unsqueeze(2)
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad):  # grad [R, B, out]
        x, weight = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.bmm(grad, weight)  # [R, B, in]
        if ctx.needs_input_grad[1]:
            if weight.shape[1] == 1:  # x^T grad as a matrix-vector product per run, like gemv's backward
                grad_w = torch.stack([torch.mv(x_r.t(), g_r[:, 0]) for x_r, g_r in zip(x, grad)]).unsqueeze(1)
            else:
                grad_w = torch.bmm(grad.transpose(1, 2), x)  # [R, out, in]
        if ctx.needs_input_grad[2]:
            grad_b = grad.sum(1)  # [R, out]
        return grad_x, grad_w, grad_b


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One linear layer for R runs: x [R, B, in], weight [R, out, in], bias [R, out] -> [R, B, out]."""
    return _BatchedLinear.apply(x, weight, bias)


@dataclass(frozen=True)
class Layout:
    """Where each linear layer sits in a run's flat parameter row: weight [out, in], then bias [out]."""

    sizes: tuple[tuple[int, int], ...]  # (in, out) per layer, input layer first; weights stored [out, in]

    @property
    def n_params(self) -> int:
        return sum(i * o + o for i, o in self.sizes)

    def layers(self, flat: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Views (weight [R, out, in], bias [R, out]) into flat [R, P]; no copies."""
        out, at = [], 0
        for i, o in self.sizes:
            w = flat[:, at:at + i * o].view(-1, o, i)
            at += i * o
            out.append((w, flat[:, at:at + o]))
            at += o
        return out

    def leaves(self, flat: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """`layers(flat)` as leaf tensors that autograd differentiates by (sharing flat's storage).

        Differentiating by flat itself would make autograd scatter each layer's gradient into a
        zero [R, P] tensor and add them up: work that grows with layers x parameters."""
        return [(w.detach().requires_grad_(), b.detach().requires_grad_()) for w, b in self.layers(flat)]

    @staticmethod
    def flat_grad(loss: torch.Tensor, leaves: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """d loss / d leaves, laid out as a flat row per run: [R, P]."""
        grads = torch.autograd.grad(loss, [t for pair in leaves for t in pair])
        return torch.cat([g.reshape(g.shape[0], -1) for g in grads], dim=1)

    @staticmethod
    def forward(layers: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor, act) -> torch.Tensor:
        """x [R, B, in] through every layer, `act` after each but the last -> [R, B, out]."""
        for k, (w, b) in enumerate(layers):
            x = linear(x, w, b)  # [R, B, out]
            if k < len(layers) - 1:
                x = act(x)
        return x

    def row_from(self, pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """One run's row [P] from (weight [out, in], bias [out]) per layer: an nn.Linear's
        parameters, or anything shaped like them (Adam's moments of those parameters)."""
        return torch.cat([t.detach().reshape(-1) for pair in pairs for t in pair])

    @torch.no_grad()
    def load_row(self, row: torch.Tensor, linears: list[nn.Linear]) -> None:
        """Copy one run's row [P] into plain nn.Linear layers."""
        for (w, b), lin in zip(self.layers(row.unsqueeze(0)), linears):
            lin.weight.copy_(w[0])
            lin.bias.copy_(b[0])

    def tensors(self, row: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """One run's row [P] as (weight [out, in], bias [out]) copies per layer."""
        return [(w[0].clone(), b[0].clone()) for w, b in self.layers(row.unsqueeze(0))]


@dataclass(frozen=True)
class BatchedGenerator:
    """G for R runs: z [R, B, nz] -> points [R, B, out_dim] (MLPGenerator, unconditional)."""

    nz: int
    hidden: int
    depth: int
    act: str
    out_dim: int = 2

    @property
    def layout(self) -> Layout:
        widths = [self.nz] + [self.hidden] * self.depth + [self.out_dim]
        return Layout(tuple(zip(widths[:-1], widths[1:])))

    def __call__(self, layers: list[tuple[torch.Tensor, torch.Tensor]], z: torch.Tensor) -> torch.Tensor:
        """layers: `layout.layers(flat)` or `layout.leaves(flat)`."""
        return Layout.forward(layers, z, _activation(self.act))

    def plain(self) -> MLPGenerator:
        """An empty plain G of this architecture (weights to be loaded with `load_row`). Its throwaway
        init draws from a private stretch of the random stream, not from a run being built meanwhile."""
        with initialised_from(0):
            return MLPGenerator(nz=self.nz, hidden=self.hidden, depth=self.depth, act=self.act, out_dim=self.out_dim)

    @staticmethod
    def linears(G: MLPGenerator) -> list[nn.Linear]:
        """G's linear layers in the row's order."""
        return [m for m in G.net if isinstance(m, nn.Linear)]

    def row_from(self, G: MLPGenerator) -> torch.Tensor:
        return self.layout.row_from([(m.weight, m.bias) for m in self.linears(G)])

    def load_row(self, row: torch.Tensor, G: MLPGenerator) -> None:
        self.layout.load_row(row, self.linears(G))


@dataclass(frozen=True)
class BatchedDiscriminator:
    """D for R runs: points [R, B, in_dim] -> logits [R, B / pack] (MLPDiscriminator, unconditional)."""

    hidden: int
    depth: int
    act: str  # as in the config: D uses LeakyReLU(0.2) when this is relu, like MLPDiscriminator
    in_dim: int = 2
    pack: int = 1
    minibatch_std: bool = False

    @property
    def d_act(self) -> str:
        return "leaky_relu" if self.act == "relu" else self.act

    @property
    def body(self) -> Layout:
        widths = [self.in_dim * self.pack] + [self.hidden] * max(self.depth, 1)
        return Layout(tuple(zip(widths[:-1], widths[1:])))

    @property
    def layout(self) -> Layout:
        """Body layers, then the head (hidden (+1 with minibatch std-dev) -> 1)."""
        return Layout(self.body.sizes + ((self.hidden + int(self.minibatch_std), 1),))

    def __call__(self, layers: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor) -> torch.Tensor:
        """layers: `layout.layers(flat)` or `layout.leaves(flat)`."""
        R, B, C = x.shape
        h = x.reshape(R, B // self.pack, self.pack * C)  # PacGAN: `pack` consecutive samples -> one input
        *body, (w_head, b_head) = layers
        act = _activation(self.d_act)
        for w, b in body:
            h = act(linear(h, w, b))  # [R, B / pack, hidden]
        if self.minibatch_std:  # each run's own batch: std over dim 1, never across runs
            std = torch.sqrt(h.var(dim=1, unbiased=False) + 1e-8).mean(dim=1)  # [R]
            h = torch.cat([h, std[:, None, None].expand(R, h.shape[1], 1)], dim=2)
        return linear(h, w_head, b_head).squeeze(2)  # [R, B / pack]

    def plain(self) -> MLPDiscriminator:
        with initialised_from(0):  # (as BatchedGenerator.plain)
            return MLPDiscriminator(hidden=self.hidden, depth=self.depth, act=self.act, in_dim=self.in_dim,
                                    pack_size=self.pack, minibatch_std=self.minibatch_std)

    @staticmethod
    def linears(D: MLPDiscriminator) -> list[nn.Linear]:
        """D's linear layers in the row's order: the body's, then the head."""
        return [m for m in D.body if isinstance(m, nn.Linear)] + [D.head]

    def row_from(self, D: MLPDiscriminator) -> torch.Tensor:
        return self.layout.row_from([(m.weight, m.bias) for m in self.linears(D)])

    def load_row(self, row: torch.Tensor, D: MLPDiscriminator) -> None:
        self.layout.load_row(row, self.linears(D))
