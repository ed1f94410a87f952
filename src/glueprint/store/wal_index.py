"""Whether a SQLite database changed, read without a query: the wal-index header.

In WAL mode every committing connection, in any process, rewrites the header at the start
of the ``-shm`` file (sqlite.org/walformat.html: its iChange counter is incremented with
each transaction, mxFrame and the salts move with the log). Mapping those bytes read-only
tells a reader that nothing was committed since it last looked, for the price of a memory
copy, where even ``PRAGMA data_version`` costs a read transaction and two fcntl locks.
"""

import mmap
import os

# The first of the header's two copies: the one a writer updates last, so a commit that is
# not in it yet is not visible to any reader either.
HEADER_BYTES = 48


class WalIndex:
    """The header of one database's wal-index, mapped for as long as ``keeper`` (an open
    connection in WAL mode) lives: while any connection is open SQLite neither deletes nor
    truncates the file, so the mapping stays valid."""

    def __init__(self, database_path: str, keeper):
        self.keeper = keeper
        fd = os.open(database_path + "-shm", os.O_RDONLY)
        try:
            self._header = mmap.mmap(fd, HEADER_BYTES, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)

    def marker(self) -> bytes:
        """Bytes that differ after any commit to the database."""
        return self._header[:HEADER_BYTES]

    def close(self) -> None:
        self._header.close()
        self.keeper.close()


def open_wal_index(database_path: str, connect) -> WalIndex | None:
    """The wal-index of a file database in WAL mode, else None (nothing to read it from).
    connect() opens a DBAPI connection that is kept open for the mapping's life."""
    keeper = connect()
    mode = keeper.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        keeper.close()
        return None
    keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # a read initializes the header
    try:
        return WalIndex(database_path, keeper)
    except OSError:
        keeper.close()
        return None
