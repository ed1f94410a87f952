"""Server-side input validation against a botocore shape, reporting every violation at once.

The message follows the form AWS services use for constraint violations:
``2 validation errors detected: Value 'x' at 'name' failed to satisfy constraint: ...``.
As on AWS, it comes as ``ValidationException`` from the front end that checks the model,
whatever the operation's own error list says; Glue's own rules answer InvalidInputException.
"""

import base64
import binascii
import re
from functools import cache

import regex
from botocore.model import Shape

from . import errors

_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_SHOWN_VALUE_CHARS = 80


def _astral(match: re.Match) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return "\\U%08x" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


@cache
def compiled_pattern(pattern: str) -> regex.Pattern:
    """Model patterns are Java regexes: the regex module reads their \\p{..} classes, and
    the UTF-16 surrogate pairs Java uses for astral ranges become real code points."""
    return regex.compile(_SURROGATE_PAIR.sub(_astral, pattern), regex.DOTALL)


def _show(value) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _SHOWN_VALUE_CHARS:
        text = text[:_SHOWN_VALUE_CHARS] + "..."
    return f"'{text}'"


def _wire_name(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Collector:
    def __init__(self):
        self.problems: list[str] = []

    def add(self, path: str, value, constraint: str) -> None:
        self.problems.append(f"Value {_show(value)} at '{path}' failed to satisfy constraint: Member must {constraint}")


def _check_size(col: _Collector, path: str, value, size: int, shape: Shape, unit: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        col.add(path, value, f"have {unit} greater than or equal to {low}")
    if high is not None and size > high:
        col.add(path, value, f"have {unit} less than or equal to {high}")


def _check(col: _Collector, shape: Shape, value, path: str):
    kind = shape.type_name
    if shape.metadata.get("document"):
        return value  # a document member holds any JSON value (e.g. an Iceberg field's type)
    if kind == "structure":
        if not isinstance(value, dict):
            col.add(path, value, "be a structure")
            return value
        out = {}
        for name in shape.required_members:
            if value.get(name) is None:
                col.add(f"{path}.{_wire_name(name)}" if path else _wire_name(name), None, "not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                sub = f"{path}.{_wire_name(name)}" if path else _wire_name(name)
                out[name] = _check(col, member, value[name], sub)
        return out
    if kind == "list":
        if not isinstance(value, list):
            col.add(path, value, "be a list")
            return value
        _check_size(col, path, value, len(value), shape, "length")
        return [_check(col, shape.member, item, f"{path}.{i + 1}.member") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            col.add(path, value, "be a map")
            return value
        _check_size(col, path, value, len(value), shape, "length")
        return {_check(col, shape.key, k, f"{path}.key"): _check(col, shape.value, v, f"{path}.{k}") for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            col.add(path, value, "be a string")
            return value
        if "\x00" in value:
            # No store keeps NUL in text (PostgreSQL refuses it); no Glue name or location holds one.
            col.add(path, value.replace("\x00", "\\0"), "not contain the NUL character")
            return value
        _check_size(col, path, value, len(value), shape, "length")
        pattern = shape.metadata.get("pattern")
        if pattern and not compiled_pattern(pattern).fullmatch(value):
            col.add(path, value, f"satisfy regular expression pattern: {pattern}")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            col.add(path, value, f"satisfy enum value set: [{', '.join(enum)}]")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            col.add(path, value, "be an integer")
            return value
        _check_size(col, path, value, value, shape, "value")
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            col.add(path, value, "be a number")
            return value
        _check_size(col, path, value, value, shape, "value")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            col.add(path, value, "be a boolean")
        return value
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            col.add(path, value, "be a timestamp in epoch seconds")
        return value
    if kind == "blob":
        if not isinstance(value, str):
            col.add(path, value, "be base64-encoded binary data")
            return value
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            col.add(path, value, "be base64-encoded binary data")
            return value
    return value


def validate(shape: Shape | None, params) -> dict:
    """Return the params restricted to the shape's members, or raise ValidationException."""
    if shape is None:
        return {}
    col = _Collector()
    checked = _check(col, shape, params, "")
    if col.problems:
        count = len(col.problems)
        noun = "error" if count == 1 else "errors"
        raise errors.ValidationException(f"{count} validation {noun} detected: " + "; ".join(col.problems))
    return checked
