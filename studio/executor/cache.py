"""The output cache: node outputs by input-signature key, bounded by a byte budget (LRU).

A key is built from a node's type, version, params, fingerprint and its inputs' keys
(ComfyUI's input-signature scheme), so it changes exactly when the node's result could.
Values report their size through ``nbytes`` (numpy arrays, clips) or are counted as small.
An entry larger than the whole budget is not stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

SMALL = 1024


def size_of(value: Any) -> int:
    """Bytes a value keeps alive, as far as the cache needs to know."""
    if value is None:
        return 0
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if isinstance(value, dict):
        return sum(size_of(v) for v in value.values()) + SMALL
    if isinstance(value, (list, tuple)):
        return sum(size_of(v) for v in value) + SMALL
    keys = getattr(value, "keys", None)   # a KeyframeSet holds keyframes with images
    if isinstance(keys, tuple):
        return sum(size_of(getattr(k, "image", None)) for k in keys) + SMALL
    return SMALL


class OutputCache:
    def __init__(self, max_bytes: int = 2 << 30):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[str, tuple[dict, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> dict | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def peek(self, key: str) -> dict | None:
        """The entry without counting a hit or refreshing it (for thumbnails and viewers)."""
        with self._lock:
            item = self._items.get(key)
            return None if item is None else item[0]

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: str, outputs: dict) -> bool:
        size = size_of(outputs)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return False
            self._items[key] = (outputs, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (_, s) = self._items.popitem(last=False)
                self._bytes -= s
            return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
