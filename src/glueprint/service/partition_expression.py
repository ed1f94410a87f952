"""GetPartitions' Expression: AWS's partition-filter grammar, read into a store filter.

The grammar is the SQL WHERE subset AWS documents for the Expression: comparisons
(= <> != < <= > >=), AND, OR, NOT, parentheses, BETWEEN, IN, LIKE and IS [NOT] NULL, over
the table's partition keys and literals ('single' or "double" quoted strings, numbers).
Literals are read as the key's type: string, char and varchar compare as text; tinyint,
smallint, int, integer, bigint and long as integers; decimal as decimals; date
(yyyy-MM-dd) and timestamp (yyyy-MM-dd HH:mm:ss[.f]) in time order.

Lark reads it: the grammar below is the whole language, and its LALR parser takes time
linear in the expression and builds the tree through callbacks with no recursion, so a
deeply nested expression is refused cleanly instead of overflowing the stack.
"""

import datetime
import functools
import re
from decimal import Decimal

from ..protocol import errors
from ..store.partition_filter import And, Between, Compare, Constant, Filter, In, Key, Like, Not, Or
from .partition_tables import base_type

GRAMMAR = r"""
?start: disjunction
?disjunction: conjunction (_OR conjunction)*
?conjunction: negation (_AND negation)*
?negation: NOT negation -> negate
         | predicate
?predicate: operand COMPARE operand -> compare
          | operand NOT? _BETWEEN operand _AND operand -> between
          | operand NOT? _IN "(" operand ("," operand)* ")" -> member
          | operand NOT? _LIKE operand -> like
          | operand _IS NOT? _NULL -> null
          | "(" disjunction ")"
?operand: NAME | QUOTED_NAME | STRING | NUMBER

NOT: "not"i
_AND: "and"i
_OR: "or"i
_BETWEEN: "between"i
_IN: "in"i
_LIKE: "like"i
_IS: "is"i
_NULL: "null"i
COMPARE: "=" | "<>" | "!=" | "<=" | ">=" | "<" | ">"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
QUOTED_NAME: /`[^`]+`/
STRING: /'(?:[^']|'')*'/ | /"(?:[^"]|"")*"/
NUMBER: /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)/
%ignore /\s+/
"""

# Deeper nesting is refused: compiling the filter to SQL recurses once per level.
MAX_DEPTH = 50

_KINDS = {
    "string": "string",
    "char": "string",
    "varchar": "string",
    "tinyint": "integer",
    "smallint": "integer",
    "int": "integer",
    "integer": "integer",
    "bigint": "integer",
    "long": "integer",
    "decimal": "decimal",
    "date": "date",
    "timestamp": "timestamp",
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?")
_NO_LIKE = {"integer": "Integral", "decimal": "Decimal", "date": "Date", "timestamp": "Timestamp"}


class _Node:
    """A parsed term before it meets the table: an operator, its operands, and its depth."""

    def __init__(self, kind: str, items: list, depth: int):
        if depth > MAX_DEPTH:
            raise _TooDeep
        self.kind, self.items, self.depth = kind, items, depth


class _TooDeep(Exception):
    pass


def _depth(items) -> int:
    return 1 + max((item.depth for item in items if isinstance(item, _Node)), default=0)


class _Build:
    """Called by the parser as it reduces each rule, bottom-up (lark looks its callbacks up by rule name)."""

    def _node(self, kind: str, items: list) -> _Node:
        return _Node(kind, items, _depth(items))

    def disjunction(self, items):
        return self._node("or", items)

    def conjunction(self, items):
        return self._node("and", items)

    def negate(self, items):
        return self._node("not", items[1:])

    def compare(self, items):
        return self._node("compare", items)

    def between(self, items):
        return self._negated("between", items)

    def member(self, items):
        return self._negated("in", items)

    def like(self, items):
        return self._negated("like", items)

    def null(self, items):
        return self._negated("null", items)

    def _negated(self, kind: str, items: list) -> _Node:
        negated = any(_is_not(item) for item in items)
        node = self._node(kind, [item for item in items if not _is_not(item)])
        return _Node("not", [node], node.depth + 1) if negated else node


def _is_not(item) -> bool:
    return getattr(item, "type", None) == "NOT"


@functools.cache
def _parser():
    from lark import Lark  # a fifth of a second to import: paid by the first Expression, not by every start

    return Lark(GRAMMAR, parser="lalr", transformer=_Build())


def key_kind(column_type: str) -> str | None:
    """How values of a partition key of this Glue type compare; None for a type AWS does not filter on."""
    return _KINDS.get(base_type(column_type))


def parse(expression: str | None, partition_keys: list[dict]) -> Filter | None:
    """The filter an Expression describes over these partition keys (the table's PartitionKeys);
    None for no filter. Raises InvalidInputException as AWS does."""
    if expression is None or not expression.strip():
        return None  # AWS reads a blank Expression as none (Spark's Hive client sends "")
    parser = _parser()
    from lark.exceptions import LarkError  # loaded with the parser

    try:
        tree = parser.parse(expression)
    except _TooDeep:
        raise errors.InvalidInputException(
            f"Unsupported expression '{expression}': it nests more than {MAX_DEPTH} levels deep."
        ) from None
    except LarkError:
        raise errors.InvalidInputException(f"Unsupported expression '{expression}'") from None
    return _Resolver(expression, partition_keys).filter(tree)


class _Resolver:
    """Names become the table's keys and literals values of their keys' types."""

    def __init__(self, expression: str, partition_keys: list[dict]):
        self.expression = expression
        self.keys = {}
        for position, column in enumerate(partition_keys):
            self.keys.setdefault(column["Name"].lower(), (position, column))

    def unsupported(self) -> Exception:
        return errors.InvalidInputException(f"Unsupported expression '{self.expression}'")

    def filter(self, node) -> Filter:
        if not isinstance(node, _Node):
            raise self.unsupported()  # a bare name or literal is no condition
        if node.kind in ("or", "and"):
            parts = tuple(self.filter(item) for item in node.items)
            return Or(parts) if node.kind == "or" else And(parts)
        if node.kind == "not":
            return Not(self.filter(node.items[0]))
        if any(isinstance(item, _Node) for item in node.items):
            raise self.unsupported()  # a condition where a name or literal belongs
        if node.kind == "compare":
            left, op, right = node.items
            op = "<>" if op == "!=" else str(op)
            if self._is_name(right) and not self._is_name(left):  # 5 < year reads as year > 5
                left, right = right, left
                op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
            key = self.key(left)
            return Compare(key, op, self.value(key, right))
        key, operands = self.key(node.items[0]), node.items[1:]
        if node.kind == "between":
            return Between(key, self.value(key, operands[0]), self.value(key, operands[1]))
        if node.kind == "in":
            return In(key, tuple(self.value(key, item) for item in operands))
        if node.kind == "like":
            if key.kind != "string":
                raise errors.InvalidInputException(f"{_NO_LIKE[key.kind]} data type doesn't support operation 'LIKE'")
            return Like(key, self.value(key, operands[0]))
        return Constant(False)  # IS NULL: a partition's values are never null (NOT wraps IS NOT NULL)

    @staticmethod
    def _is_name(token) -> bool:
        return token.type in ("NAME", "QUOTED_NAME")

    def key(self, token) -> Key:
        if not self._is_name(token):
            raise self.unsupported()
        name = token[1:-1] if token.type == "QUOTED_NAME" else str(token)
        found = self.keys.get(name.lower())
        if found is None:
            raise errors.InvalidInputException("Invalid partition expression!")
        position, column = found
        kind = key_kind(column.get("Type") or "string")
        if kind is None:
            raise errors.InvalidInputException(
                f"Unsupported partition key type '{column.get('Type')}' of key {column['Name']}: an Expression can "
                "filter keys of types string, char, varchar, tinyint, smallint, int, bigint, long, decimal, date "
                "and timestamp."
            )
        return Key(position, column["Name"], kind)

    def value(self, key: Key, token):
        if token.type == "STRING":
            quote = token[0]
            text = token[1:-1].replace(quote * 2, quote)
        elif token.type == "NUMBER":
            text = str(token)
        else:
            raise self.unsupported()  # a key compared with a key
        return literal(key.kind, text)


def literal(kind: str, text: str):
    """A literal's text read as a key's kind; InvalidInputException when it does not read."""
    if kind == "string":
        return text
    if kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise errors.InvalidInputException(f'For input string: "{text}" is not an integer.')
        return int(text)
    if kind == "decimal":
        if not _DECIMAL.fullmatch(text):
            raise errors.InvalidInputException(f'For input string: "{text}" is not a decimal.')
        return Decimal(text)
    if kind == "date":
        if not (_DATE.fullmatch(text) and _real_date(text)):
            raise errors.InvalidInputException(f'For input string: "{text}" is not a date (yyyy-MM-dd).')
        return text
    match = _TIMESTAMP.fullmatch(text)
    if not (match and _real_date(match.group(1)) and int(match.group(2)) < 24 and max(map(int, match.group(3, 4))) < 60):
        raise errors.InvalidInputException(f'For input string: "{text}" is not a timestamp (yyyy-MM-dd HH:mm:ss[.fffffffff]).')
    return canonical_timestamp(text)


def canonical_timestamp(text: str) -> str:
    """A timestamp with nine fraction digits, as the store compares them (partition_filter):
    AWS compares instants, so 00:00:00 and 00:00:00.000 are equal."""
    return f"{text[:19]}.{text[20:]:0<9}"


def _real_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True
