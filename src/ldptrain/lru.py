"""A bounded, thread-safe least-recently-used map, and one per app by name.

For memos of work a worker would otherwise repeat on every request (module texts, outlines,
page shells). Each worker keeps its own: an entry is always looked up by a key that proves it
current (a content hash, a stamp read from the database in the same request), so nothing is
shared between workers and nothing can go stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from flask import current_app

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def discard(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_MAKING = threading.Lock()


def app_lru(name: str, size: int) -> LRU:  # type: ignore[type-arg]
    """The current app's LRU called `name` (two apps in one process may use two databases)."""
    extras = current_app.extensions["ldptrain"].extras
    found = extras.get(name)
    if found is None:
        with _MAKING:
            found = extras.setdefault(name, LRU(size))
    return found  # type: ignore[no-any-return]
