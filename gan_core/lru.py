"""A thread-safe LRU cache with a byte budget: what shared caches of networks and datasets use, so
that no sequence of requests can grow the server's memory without bound."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class ByteLRU(Generic[V]):
    """key -> value, least recently used first out once the values' sizes add up past `budget`
    bytes. A value larger than the whole budget is returned but not kept."""

    def __init__(self, budget: int, size_of: Callable[[V], int]):
        self.budget = budget
        self._size_of = size_of
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: V) -> V:
        size = int(self._size_of(value))
        with self._lock:
            self._items.pop(key, None)
            if size <= self.budget:
                self._items[key] = (value, size)
                while self.nbytes > self.budget:
                    self._items.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, or make() (outside the lock: a slow load never blocks other keys)."""
        value = self.get(key)
        return value if value is not None else self.put(key, make())

    @property
    def nbytes(self) -> int:
        return sum(size for _, size in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
