"""Answers to repeated read requests, kept while the data behind them has not changed.

An operation opts in by registering a ``version(ctx, params)`` function that reads, from
the store, a value that changes whenever its answer would (and None when there is nothing
to cache). Every request asks the store whether anything was committed since the entry was
last checked (``Database.generation``, one pragma on SQLite) and, when something was or the store
cannot tell, reads that version: processes sharing a database never serve each other's
stale pages.

An entry is keyed by the operation, the account and region, and the request body as sent,
and keeps the parameters that body validated to: a repeated request is answered without
parsing or validating it again (a body written differently is another entry, with the same answer).
"""

import threading
from collections import OrderedDict
from typing import NamedTuple

MAX_BYTES = 32 * 1024 * 1024
UNCHECKED = object()  # the version of an entry stored without reading it: equal to none


class ResponseCache:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> "Entry | None":
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, params: dict, version, answer: bytes, generation: object = None) -> None:
        size = len(answer) + len(key[-1])
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old.size
            self._entries[key] = Entry(params, version, generation, answer, size)
            self._size += size
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= dropped.size


class Entry(NamedTuple):
    params: dict  # validated, and never changed by a handler
    version: object
    generation: object  # the store's generation when the version was last confirmed
    answer: bytes
    size: int
