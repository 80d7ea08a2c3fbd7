"""Opt-in speed-ups of the step (cfg.train; all off by default): the arithmetic of the GAN stays
the textbook's, only how the machine runs it changes. Measured in docs/BENCHMARKS.md.

- fused Adam: one kernel for all of a network's parameters (gan.make_optimizer; else the "foreach" form);
- channels_last: the DCGAN convolutions read NHWC, which suits tensor cores;
- bfloat16 autocast of the forward passes (bf16 has float32's range: no GradScaler);
- torch.compile of G and D as the step calls them ("reduce-overhead" adds CUDA graphs).
"""

from __future__ import annotations

import contextlib
import dataclasses

import torch
from torch import nn

from gan_core.config import ConfigError, TrainConfig
from gan_core.data import Dataset


def place(G: nn.Module, D: nn.Module, data: Dataset, device: torch.device, t: TrainConfig):
    """G, D and the data on `device`, in channels_last layout when t.channels_last (real batches
    are indexed from data.x, so it is stored NHWC too: a copy, the caller's stays)."""
    layout = torch.channels_last if t.channels_last else torch.contiguous_format
    G, D = G.to(device, memory_format=layout), D.to(device, memory_format=layout)
    if t.channels_last:
        data = dataclasses.replace(data, x=data.x.contiguous(memory_format=torch.channels_last))
    return G, D, data


def compiled(G: nn.Module, D: nn.Module, t: TrainConfig, device: torch.device) -> tuple[nn.Module, nn.Module] | None:
    """torch.compile'd wrappers of (G, D) sharing their parameters, or None (eager). Only the step
    calls them, so state dicts, frozen copies and the pictures keep using the plain modules.
    Compilation happens at the first call, i.e. in the thread that trains (CUDA graphs need that)."""
    if t.compile == "off":
        return None
    if t.compile == "reduce-overhead" and device.type != "cuda":
        raise ConfigError("train.compile='reduce-overhead' uses CUDA graphs and needs a CUDA device; "
                          "use 'default' or 'off'.")
    return torch.compile(G, mode=t.compile), torch.compile(D, mode=t.compile)


def autocast(device: torch.device, t: TrainConfig) -> contextlib.AbstractContextManager:
    """bfloat16 autocast around forward passes when t.amp_bf16. Losses take logits, so BCE runs in
    float32 under autocast."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=t.amp_bf16)


def mark_step(t: TrainConfig) -> None:
    """A new iteration begins: with CUDA graphs, the previous step's outputs may be reused."""
    if t.compile == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()
