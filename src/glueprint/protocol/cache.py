"""Answers to repeated read requests, kept while the data behind them has not changed.

An operation opts in by registering a ``version(ctx, params)`` function that reads, from
the store, a value that changes whenever its answer would (and None when there is nothing
to cache). Every request still asks the store for that version, so processes sharing a
database never serve each other's stale pages.
"""

import threading
from collections import OrderedDict

MAX_BYTES = 32 * 1024 * 1024


class ResponseCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[object, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, version) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple, version, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[key] = (version, body)
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)
