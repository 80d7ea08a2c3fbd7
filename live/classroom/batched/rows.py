"""Per-run state stacked along a leading run dimension, addressed by slot.

A `Rows` holds named tensors [R, ...] whose row r belongs to the run in slot r: the group keeps
its parameters, EMA and Adam moments here, and its last-good copies in a second `Rows` of the
same names. A run that leaves hands its slot to the last run (rows are moved bit for bit), so
the rows stay dense and a step over every run needs no gathering.
"""

from __future__ import annotations

import torch


class Rows:
    """Named tensors whose dim 0 is the run slot."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def __len__(self) -> int:
        return next(iter(self.tensors.values())).shape[0] if self.tensors else 0

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.tensors[name]

    def append(self, row: dict[str, torch.Tensor]) -> int:
        """Add one slot at the end (one row [...] per name); returns its slot. Reallocates: runs join rarely."""
        if self.tensors and set(row) != set(self.tensors):
            raise ValueError(f"row names {sorted(row)} differ from {sorted(self.tensors)}")
        slot = len(self)
        for name, value in row.items():
            value = value.detach().unsqueeze(0)
            old = self.tensors.get(name)
            self.tensors[name] = value.clone() if old is None else torch.cat([old, value.to(old)])
        return slot

    def remove(self, slot: int) -> None:
        """Drop a slot: the last slot's rows move into it (bit for bit), then the last row goes."""
        last = len(self) - 1
        for name, t in self.tensors.items():
            if slot != last:
                t[slot] = t[last]
            self.tensors[name] = t[:last].clone()

    def set_row(self, slot: int, row: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for name, value in row.items():
                self.tensors[name][slot] = value

    def copy_rows_from(self, other: "Rows", index: torch.Tensor) -> None:
        """self[name][index] = other[name][index] for every name (index: slots, [K] long)."""
        with torch.no_grad():
            for name, t in self.tensors.items():
                t.index_copy_(0, index, other.tensors[name].index_select(0, index))

    def clone(self) -> "Rows":
        new = Rows()
        new.tensors = {name: t.clone() for name, t in self.tensors.items()}
        return new
