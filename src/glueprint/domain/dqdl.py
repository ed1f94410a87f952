"""DQDL, the Data Quality Definition Language of Glue's data quality rulesets: read to check it
and count its rules (developer guide, "Data Quality Definition Language (DQDL) reference").

A document holds an optional `Metadata = {...}` and `DataSources = {...}`, the `Rules = [...]`
list of one or more comma-separated rules, and an optional `Analyzers = [...]` list. A rule is
`<RuleType> <parameter>... [<expression>]` with optional `with threshold <expression>`,
`where "<SQL filter>"` and `labels = {...}` clauses; rules combine into composite rules of
parenthesised rules joined by one operator, `and` or `or`, at each level. Expressions compare
(= != > >= < <=, between ... and ..., in [...], matches "...", each negatable with not)
against numbers, quoted strings, durations (`24 hours`), `now()`, the keywords NULL, EMPTY and
WHITESPACES_ONLY, and dynamic values (`avg(last(10)) * 0.9`). `#` starts a comment.

The API only stores rulesets, so this checks their shape and their rule types; what a rule's
parameters mean is checked when a ruleset is evaluated. Lark's LALR parser reads in linear
time without recursion; nesting deeper than MAX_DEPTH is refused.
"""

import functools

GRAMMAR = r"""
start: metadata? sources? rules analyzers?
metadata: "Metadata" "=" dict
sources: "DataSources" "=" dict
rules: "Rules" "=" "[" _top ("," _top)* "]"
analyzers: "Analyzers" "=" "[" [rule ("," rule)*] "]"

_top: rule | conjunction | disjunction
conjunction: group (_AND group)+
disjunction: group (_OR group)+
group: "(" (rule | conjunction | disjunction | group) ")"

rule: RULE_TYPE _parameter* condition? _clause*
_parameter: STRING | NUMBER
_clause: threshold | where | labels
threshold: "with" "threshold" condition
where: "where" STRING
labels: "labels" "=" dict

condition: _NOT? COMPARE value
         | _NOT? "between" value _AND value
         | _NOT? "in" list
         | _NOT? "matches" STRING
list: "[" value ("," value)* "]"

?value: product (ADD product)*
?product: factor (MUL factor)*
?factor: "-" factor -> negative
       | atom
?atom: NUMBER
     | NUMBER UNIT -> duration
     | STRING
     | KEYWORD
     | "now" "(" ")" -> now
     | FUNCTION "(" [value ("," value)*] ")" -> call
     | "(" value ")"

dict: "{" [pair ("," pair)*] "}"
pair: STRING ":" (STRING | "[" [STRING ("," STRING)*] "]")

_AND: "and" | "AND"
_OR: "or" | "OR"
_NOT: "not" | "NOT"
COMPARE: "=" | "!=" | ">=" | "<=" | ">" | "<"
ADD: "+" | "-"
MUL: "*" | "/"
UNIT: "days" | "hours" | "minutes"
KEYWORD: "NULL" | "null" | "EMPTY" | "empty" | "WHITESPACES_ONLY" | "whitespaces_only"
FUNCTION: "last" | "avg" | "min" | "max" | "std" | "index" | "abs"
RULE_TYPE: /[A-Za-z][A-Za-z0-9_]*/
STRING: /"(?:[^"\\]|\\.)*"/
NUMBER: /[0-9]+(\.[0-9]+)?/
COMMENT: /#[^\n]*/
%ignore COMMENT
%ignore /[ \t\r\n]+/
"""

# The rule types of the DQDL rule type reference (AllStatistics is an analyzer's only).
RULE_TYPES = frozenset(
    {
        "AggregateMatch",
        "ColumnCorrelation",
        "ColumnCount",
        "ColumnDataType",
        "ColumnExists",
        "ColumnLength",
        "ColumnNamesMatchPattern",
        "ColumnValues",
        "Completeness",
        "CustomSql",
        "DataFreshness",
        "DatasetMatch",
        "DetectAnomalies",
        "DistinctValuesCount",
        "Entropy",
        "FileFreshness",
        "FileMatch",
        "FileSize",
        "FileUniqueness",
        "IsComplete",
        "IsPrimaryKey",
        "IsUnique",
        "Mean",
        "ReferentialIntegrity",
        "RowCount",
        "RowCountMatch",
        "SchemaMatch",
        "StandardDeviation",
        "Sum",
        "UniqueValueRatio",
        "Uniqueness",
    }
)
ANALYZER_ONLY = frozenset({"AllStatistics"})

# Composite rules and dynamic values nest; a ruleset nesting deeper is refused.
MAX_DEPTH = 50


class InvalidRuleset(ValueError):
    """Why a ruleset is not DQDL, in words for the caller."""


@functools.cache
def _parser():
    from lark import Lark  # imported by the first ruleset, not by every server start

    return Lark(GRAMMAR, parser="lalr")


def _depth_of(text: str) -> int:
    """The deepest nesting of brackets outside strings and comments, read in one pass."""
    depth = deepest = 0
    in_string = escaped = in_comment = False
    for ch in text:
        if in_comment:
            in_comment = ch != "\n"
        elif in_string:
            in_string = escaped or ch != '"'
            escaped = not escaped and ch == "\\"
        elif ch == '"':
            in_string = True
        elif ch == "#":
            in_comment = True
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def rule_count(text: str) -> int:
    """The number of rules (a composite rule is one) in a DQDL ruleset; InvalidRuleset if it is not one."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if _depth_of(text) > MAX_DEPTH:
        raise InvalidRuleset(f"The ruleset nests more than {MAX_DEPTH} levels deep.")
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF:
        raise InvalidRuleset("The ruleset ends before its Rules list is complete.") from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise InvalidRuleset("The ruleset ends before its Rules list is complete.") from None
        raise InvalidRuleset(f"Unexpected {str(exc.token)!r} at line {exc.line}, column {exc.column}.") from None
    except UnexpectedCharacters as exc:
        raise InvalidRuleset(f"Unexpected {text[exc.pos_in_stream]!r} at line {exc.line}, column {exc.column}.") from None
    except UnexpectedInput as exc:  # any other kind lark may add
        raise InvalidRuleset(f"The ruleset is not DQDL (line {exc.line}, column {exc.column}).") from None
    for section in tree.children:
        for node in section.iter_subtrees():
            if node.data != "rule":
                continue
            name = str(node.children[0])
            allowed = RULE_TYPES | ANALYZER_ONLY if section.data == "analyzers" else RULE_TYPES
            if name not in allowed:
                raise InvalidRuleset(f"{name} is not a DQDL rule type (line {node.children[0].line}).")
    rules = next(section for section in tree.children if section.data == "rules")
    return len(rules.children)
