"""SearchTables: tables of every database, by text, property filters and a sort.

As the API reference describes: a string property matches when its value, split into tokens
on punctuation, holds a token equal to the filter's Value (Name=link finds customer-link,
not xxlinkyy); Comparator applies to time properties; SearchText in quotes matches a whole
value exactly. A Key that is not a table field is read from the table's Parameters.
"""

import re
from datetime import datetime

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .catalog_common import page_limit, table_view
from .registry import operation

_STRINGS = ("Name", "DatabaseName", "Description", "Owner", "TableType", "CreatedBy", "CatalogId")
_TIMES = ("CreateTime", "UpdateTime", "LastAccessTime", "LastAnalyzedTime")
_TOKEN_SPLIT = re.compile(r"[\W_]+")
_COMPARE = {
    "EQUALS": lambda a, b: a == b,
    "GREATER_THAN": lambda a, b: a > b,
    "LESS_THAN": lambda a, b: a < b,
    "GREATER_THAN_EQUALS": lambda a, b: a >= b,
    "LESS_THAN_EQUALS": lambda a, b: a <= b,
}


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN_SPLIT.split(text.lower()) if t}


def _field(doc: dict, key: str):
    if key in _STRINGS or key in _TIMES:
        return doc.get(key)
    return (doc.get("Parameters") or {}).get(key)


def _time(value: str) -> float:
    """A time filter's Value: epoch seconds, or an ISO 8601 date and time."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise errors.InvalidInputException(f"{value!r} is not a time: give epoch seconds or ISO 8601.") from None


def _predicate(filter_: dict):
    key, value = filter_.get("Key"), filter_.get("Value")
    if not key or value is None:
        raise errors.InvalidInputException("Each filter needs a Key and a Value.")
    if key in _TIMES:
        bound, compare = _time(value), _COMPARE[filter_.get("Comparator", "EQUALS")]
        return lambda doc: doc.get(key) is not None and compare(doc[key], bound)
    wanted = value.lower()

    def match(doc: dict) -> bool:
        found = _field(doc, key)
        return isinstance(found, str) and (found.lower() == wanted or wanted in _tokens(found))

    return match


def _searchable(doc: dict) -> list[str]:
    columns = (doc.get("StorageDescriptor") or {}).get("Columns") or []
    columns = columns + (doc.get("PartitionKeys") or [])
    texts = [doc["Name"], doc.get("DatabaseName", ""), doc.get("Description", "")]
    return texts + [c["Name"] for c in columns] + [c.get("Comment", "") for c in columns]


def _text_match(text: str):
    if len(text) >= 2 and text[0] == text[-1] == '"':
        exact = text[1:-1].lower()
        return lambda doc: any(t.lower() == exact for t in _searchable(doc))
    wanted = _tokens(text)
    return lambda doc: wanted <= set().union(*(_tokens(t) for t in _searchable(doc)))


def _sort_key(criteria: list[dict]):
    def identity(doc: dict) -> tuple:
        return (doc.get("DatabaseName", ""), doc["Name"])

    if not criteria:
        return identity, False
    field = criteria[0].get("FieldName")
    if not field:
        raise errors.InvalidInputException("A sort criterion needs a FieldName.")
    # Tables without the field sort first, in either direction.
    return (lambda doc: (_field(doc, field) is not None, _field(doc, field) or 0, identity(doc))), criteria[0].get(
        "Sort", "ASC"
    ) == "DESC"


@operation("SearchTables", read_only=True)
def search_tables(ctx: ServiceContext, p: dict) -> dict:
    binding = {k: p.get(k) for k in ("CatalogId", "Filters", "SearchText", "SortCriteria", "ResourceShareType")}
    position = ctx.tokens.position("SearchTables", binding, p.get("NextToken"), types=(int,))
    start = position[0] if position else 0
    tests = [_predicate(f) for f in p.get("Filters") or []]
    if p.get("SearchText"):
        tests.append(_text_match(p["SearchText"]))
    key, descending = _sort_key(p.get("SortCriteria") or [])
    with ctx.db.read() as conn:
        found = [table_view(d) for d in store.every(conn, "table") if all(test(d) for test in tests)]
    try:
        found.sort(key=key, reverse=descending)
    except TypeError:
        raise errors.InvalidInputException("SortCriteria names a field whose values cannot be ordered.") from None
    limit = p.get("MaxResults", page_limit("SearchTablesRequest"))
    page = found[start : start + limit]
    more = start + limit < len(found)
    return {"TableList": page, "NextToken": ctx.tokens.issue("SearchTables", binding, [start + limit]) if more else None}
