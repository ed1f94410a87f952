"""The names a crawler gives its tables: the folder's (or file's) name in lower case, with every
character a Hive name cannot hold made ``_`` (``year=2017`` becomes ``year_2017``, as AWS's
documentation shows), after the crawler's TablePrefix, and no longer than the Data Catalog's
table-name limit (read from the model). When two locations yield one name, the later gets
AWS's hash suffix: ``_`` and a digest of its location, so a recrawl names it the same again.
"""

import hashlib
import re
from functools import cache

from ..protocol.model import member_limits

HASH_CHARS = 32


@cache
def limit() -> int:
    return member_limits("TableInput", "Name")["max"]


def base_name(prefix: str, folder: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", (prefix + folder).lower())[: limit()]


def hashed(name: str, location: str) -> str:
    digest = hashlib.md5(location.encode(), usedforsecurity=False).hexdigest()[:HASH_CHARS]
    return f"{name[: limit() - HASH_CHARS - 1]}_{digest}"


def assign(wanted: list[tuple[str, str]], taken: dict[str, str]) -> list[str]:
    """Unique names for (name, location) pairs in order; taken maps names already in the
    database to the location of the table holding them (a table at the same location keeps
    its name: it is the same table crawled again)."""
    owners = dict(taken)
    names = []
    for name, location in wanted:
        if owners.get(name, location) != location:
            name = hashed(name, location)
        owners[name] = location
        names.append(name)
    return names
