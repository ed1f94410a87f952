"""GetPartitions: a table's partitions in creation order, filtered by an Expression, in pages.

A page is one keyset scan in the database (see store/partition_filter.py): its cost does not
grow with the partitions before it. NextToken is bound to the table, the Expression and the
Segment; MaxResults and ExcludeColumnSchema may change from page to page.
"""

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import partitions as store
from .partition_expression import parse
from .partition_tables import names, partition_keys, table_of
from .registry import operation

DEFAULT_PAGE = 1000  # the model's largest MaxResults
_WHAT = {"integer": "an integer", "decimal": "a decimal", "date": "a date", "timestamp": "a timestamp"}


@operation("GetPartitions")
def get_partitions(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    segment = _segment(p.get("Segment"))
    expression = p.get("Expression") or ""
    scope = {"database": database, "table": table, "expression": expression, "segment": segment}
    position = ctx.tokens.position("GetPartitions", scope, p.get("NextToken"), types=(int,))
    limit = p.get("MaxResults", DEFAULT_PAGE)
    with ctx.db.read() as conn:
        where = parse(expression, partition_keys(table_of(conn, database, table)))
        found = store.scan(conn, database, table, position[0] if position else None, limit + 1, where, segment)
    for item in found:
        if item.unreadable:
            # AWS reads every value of a key the Expression names as the key's type.
            key, value = item.unreadable
            raise errors.InvalidStateException(f'For input string: "{value}" is not {_WHAT[key.kind]}.')
    page = found[:limit]
    docs = [_without_columns(item.doc) for item in page] if p.get("ExcludeColumnSchema") else [item.doc for item in page]
    token = ctx.tokens.issue("GetPartitions", scope, [page[-1].seq]) if len(found) > limit else None
    return {"Partitions": docs, "NextToken": token}


def _segment(segment: dict | None) -> tuple[int, int] | None:
    if segment is None:
        return None
    number, total = segment["SegmentNumber"], segment["TotalSegments"]
    if number >= total:
        raise errors.InvalidInputException(f"SegmentNumber {number} is not below TotalSegments {total}.")
    return number, total


def _without_columns(doc: dict) -> dict:
    descriptor = doc.get("StorageDescriptor")
    if not descriptor or "Columns" not in descriptor:
        return doc
    return {**doc, "StorageDescriptor": {k: v for k, v in descriptor.items() if k != "Columns"}}
