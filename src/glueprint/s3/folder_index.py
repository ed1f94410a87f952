"""A folder's entries in key order, kept between listing pages.

ListObjectsV2 pages through a folder from the key after the last one returned. Sorting
(or heap-selecting) the whole folder for every page makes listing a folder of N objects cost
N²/1000; with its sorted entries kept, a page costs a binary search and the page itself.

A kept listing is valid while the folder's modification time is unchanged: adding,
removing or renaming an entry changes it. File system clocks are coarse (a few
milliseconds), so two changes may share one time: a folder changed within the last
SETTLE_S seconds is sorted afresh and not kept; a change after it settled always moves its
time.
"""

import os
import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from typing import NamedTuple

SETTLE_S = 1.0
KEPT_ENTRIES = 2_000_000  # across folders; least recently used folders go first
SMALLEST_KEPT = 256  # smaller folders sort faster than they would be looked up


class Entry(NamedTuple):
    order: str  # the entry's name as keys under it sort: a folder's with "/" after it
    name: str
    is_dir: bool


class Sorted(NamedTuple):
    entries: list[Entry]
    orders: list[str]  # entries' orders, for binary search


class FolderIndex:
    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[int, int, Sorted]] = OrderedDict()  # path -> (inode, mtime_ns, entries)
        self._size = 0
        self._lock = threading.Lock()

    def entries(self, folder: str) -> Sorted:
        """The folder's entries in key order; FileNotFoundError/NotADirectoryError if it is none."""
        st = os.stat(folder)
        with self._lock:
            kept = self._kept.get(folder)
            if kept is not None and kept[:2] == (st.st_ino, st.st_mtime_ns):
                self._kept.move_to_end(folder)
                return kept[2]
        found = sorted(
            Entry(entry.name + "/" if (is_dir := entry.is_dir()) else entry.name, entry.name, is_dir)
            for entry in os.scandir(folder)
            if entry.is_dir() or entry.is_file()  # what else a folder holds is no object
        )
        listing = Sorted(found, [entry.order for entry in found])
        if len(found) >= SMALLEST_KEPT and time.time_ns() - st.st_mtime_ns > SETTLE_S * 1e9:
            self._keep(folder, (st.st_ino, st.st_mtime_ns, listing))
        return listing

    def _keep(self, folder: str, kept: tuple[int, int, Sorted]) -> None:
        with self._lock:
            if (old := self._kept.pop(folder, None)) is not None:
                self._size -= len(old[2].entries)
            self._kept[folder] = kept
            self._size += len(kept[2].entries)
            while self._size > KEPT_ENTRIES and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped[2].entries)


def start_at(listing: Sorted, name_prefix: str, key_prefix: str, after: str | None) -> int:
    """The index of the first entry that can hold keys after `after` whose names start with
    name_prefix: an entry sorting after it, or the folder that holds it."""
    start = bisect_left(listing.orders, name_prefix)
    if after is None or after < key_prefix:
        return start
    if not after.startswith(key_prefix):
        return len(listing.orders)  # every key here sorts before `after`
    rest = after[len(key_prefix) :]
    past = bisect_right(listing.orders, rest)
    if past and listing.orders[past - 1].endswith("/") and rest.startswith(listing.orders[past - 1]):
        past -= 1  # `after` is inside this folder: its later keys are still to come
    return max(start, past)
