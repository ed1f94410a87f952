"""A partition filter (a parsed GetPartitions Expression) as a SQL condition on the partitions table.

Partition values are stored as text in a JSON array; a filter reads each key it names out of
that array (json_extract on SQLite, jsonb on PostgreSQL) and compares it as the key's type,
so a filtered page is still one keyset scan in the database. A stored value its key's type
cannot read (an int key holding "null") makes no match; ``checks`` finds it, since AWS
fails the request on such a value instead of skipping it.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, Numeric, and_, case, cast, false, func, literal, not_, or_, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from .schema import partitions

# How each kind of key is read on PostgreSQL (a regular expression over the whole text) and on
# SQLite (GLOB patterns: SQLite has no regular expressions of its own).
_PG_FORMS = {
    "integer": r"^[+-]?[0-9]+$",
    "decimal": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?$",
}
_DIGIT = "[0-9]"
_DATE_GLOB = f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}"
_TIME_GLOB = f"{_DATE_GLOB} {_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Key:
    """A partition key: its place in Values, its name, and how its values compare:
    "string", "integer", "decimal", "date" or "timestamp"."""

    position: int
    name: str
    kind: str


@dataclass(frozen=True)
class Compare:
    key: Key
    op: str  # = <> < <= > >= (the parser reads != as <>)
    value: object  # of the key's kind: str, int, Decimal


@dataclass(frozen=True)
class Between:
    key: Key
    low: object
    high: object


@dataclass(frozen=True)
class In:
    key: Key
    values: tuple


@dataclass(frozen=True)
class Like:
    key: Key
    pattern: str


@dataclass(frozen=True)
class Constant:
    value: bool


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


Filter = Compare | Between | In | Like | Constant | Not | And | Or


def keys_of(node: Filter) -> list[Key]:
    """The keys a filter reads, each once, in the order they first appear."""
    found: dict[Key, None] = {}
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (And, Or)):
            stack.extend(reversed(item.parts))
        elif isinstance(item, Not):
            stack.append(item.part)
        elif not isinstance(item, Constant):
            found.setdefault(item.key, None)
    return list(found)


class Compiler:
    """Turns filters into SQL for one dialect ("sqlite" or "postgresql")."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"

    def text(self, key: Key) -> ColumnElement:
        if self.sqlite:
            return func.json_extract(partitions.c.partition_values, f"$[{key.position}]")
        return cast(partitions.c.partition_values, JSONB)[key.position].astext

    def readable(self, key: Key) -> ColumnElement:
        """True where the key's stored value reads as its kind."""
        text = self.text(key)
        if key.kind == "string":
            return true()
        if not self.sqlite:
            return text.op("~")(_PG_FORMS[key.kind])
        if key.kind == "date":
            return text.op("GLOB")(_DATE_GLOB)
        if key.kind == "timestamp":
            fraction = func.substr(text, 21)
            return and_(
                text.op("GLOB")(f"{_TIME_GLOB}*"),
                or_(
                    func.length(text) == 19,
                    and_(
                        func.substr(text, 20, 1) == ".",
                        func.length(fraction).between(1, 9),
                        not_(fraction.op("GLOB")("*[^0-9]*")),
                    ),
                ),
            )
        unsigned = case((func.substr(text, 1, 1).in_(("+", "-")), func.substr(text, 2)), else_=text)
        if key.kind == "integer":
            return and_(unsigned != "", not_(unsigned.op("GLOB")("*[^0-9]*")))
        return and_(  # decimal
            unsigned.op("GLOB")("*[0-9]*"),
            not_(unsigned.op("GLOB")("*[^0-9.]*")),
            not_(unsigned.op("GLOB")("*.*.*")),
        )

    def value(self, key: Key) -> ColumnElement:
        """The key's value as its kind, NULL where it does not read as one."""
        text = self.text(key)
        if key.kind == "string":
            return text
        if key.kind in ("integer", "decimal"):
            sql_type = Integer() if self.sqlite and key.kind == "integer" else Numeric()
            return case((self.readable(key), cast(text, sql_type)), else_=None)
        if key.kind == "timestamp":
            # Nine fraction digits, as the parser writes literals (canonical_timestamp), so equal
            # instants written with fewer digits are equal text, and text order is time order.
            fraction = func.substr(func.substr(text, 21).op("||")("000000000"), 1, 9)
            text = func.substr(text, 1, 19).op("||")(".").op("||")(fraction)
        return case((self.readable(key), text), else_=None)  # ISO dates and times sort as text

    def literal(self, key: Key, value):
        if key.kind not in ("integer", "decimal"):
            return value
        if not self.sqlite:
            return literal(value, Numeric())  # exact, at any size
        # SQLite keeps no exact decimals, and no integers past 64 bits: those compare as floats.
        if isinstance(value, Decimal) or not _INT64_MIN <= value <= _INT64_MAX:
            try:
                return float(value)
            except OverflowError:  # past any float: above or below every value
                return math.inf if value > 0 else -math.inf
        return value

    def condition(self, node: Filter) -> ColumnElement:
        if isinstance(node, Constant):
            return true() if node.value else false()
        if isinstance(node, Not):
            return not_(self.condition(node.part))
        if isinstance(node, And):
            return and_(*(self.condition(part) for part in node.parts))
        if isinstance(node, Or):
            return or_(*(self.condition(part) for part in node.parts))
        column = self.value(node.key)
        if isinstance(node, Compare):
            return column.op(node.op)(self.literal(node.key, node.value))
        if isinstance(node, Between):
            return column.between(self.literal(node.key, node.low), self.literal(node.key, node.high))
        if isinstance(node, In):
            return column.in_([self.literal(node.key, v) for v in node.values])
        return self.like(column, node.pattern)

    def like(self, column: ColumnElement, pattern: str) -> ColumnElement:
        """SQL LIKE, case-sensitive on both backends (SQLite's LIKE ignores ASCII case; its GLOB does not)."""
        if not self.sqlite:
            return column.like(pattern.replace("\\", "\\\\"), escape="\\")
        glob = "".join({"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}.get(c, c) for c in pattern)
        return column.op("GLOB")(glob)

    def checks(self, node: Filter) -> list[tuple[Key, ColumnElement]]:
        """(key, readable) for each typed key the filter reads."""
        return [(key, self.readable(key)) for key in keys_of(node) if key.kind != "string"]
