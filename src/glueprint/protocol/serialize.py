"""Render a service result as AWS JSON 1.1 text, shaped by the operation's output shape.

Each shape is turned once into a small function, so a request pays only for its data.
"""

import base64
from collections.abc import Callable
from datetime import datetime
from functools import cache

import orjson
from botocore.model import Shape

from .model import shape as model_shape


def _identity(value):
    return value


def _timestamp(value):
    """Epoch seconds to the millisecond, the precision AWS answers with."""
    return round(value.timestamp() if isinstance(value, datetime) else value, 3)


def _blob(value):
    return base64.b64encode(value).decode("ascii")


_BUILT: dict[str, Callable] = {}
_BUILDING: set[str] = set()


def _converter(shape: Shape) -> Callable:
    """The converter for a shape, built once per shape name; recursive shapes resolve lazily."""
    name = shape.name
    if name in _BUILT:
        return _BUILT[name]
    if name in _BUILDING:
        return lambda value: _BUILT[name](value)
    _BUILDING.add(name)
    try:
        _BUILT[name] = _build(shape)
    finally:
        _BUILDING.discard(name)
    return _BUILT[name]


def _build(shape: Shape) -> Callable:
    kind = shape.type_name
    if kind == "structure":
        members = [(name, _converter(member)) for name, member in shape.members.items()]
        plain = [name for name, convert in members if convert is _identity]
        nested = [(name, convert) for name, convert in members if convert is not _identity]

        def structure(value: dict) -> dict:
            if type(value) is orjson.Fragment:
                return value  # rendered already (see prerender)
            out = {name: item for name in plain if (item := value.get(name)) is not None}
            for name, convert in nested:
                if (item := value.get(name)) is not None:
                    out[name] = convert(item)
            return out

        return structure
    if kind == "list":
        convert = _converter(shape.member)
        if convert is _identity:
            return _identity

        def each(value):
            return value if type(value) is orjson.Fragment else [convert(item) for item in value]

        return each
    if kind == "map":
        convert = _converter(shape.value)
        return _identity if convert is _identity else (lambda value: {k: convert(v) for k, v in value.items()})
    if kind == "timestamp":
        return _timestamp
    if kind == "blob":
        return _blob
    return _identity


@cache
def serializer(shape: Shape | None) -> Callable[[dict | None], bytes]:
    if shape is None:
        return lambda _result: b"{}"
    convert = _converter(shape)
    return lambda result: orjson.dumps(convert(result)) if result else b"{}"


def prerender(shape_name: str, value: dict) -> bytes:
    """A structure rendered ahead of the request that will answer with it. The service may
    keep these bytes (opaque to it) and answer with ``orjson.Fragment(bytes)`` where a value
    of that shape goes, or with one Fragment of a JSON list of them where a list of that
    shape goes: the wire text is then the same as if it had answered the value."""
    return orjson.dumps(_converter(model_shape(shape_name))(value))


def unrendered(value):
    """value with each prerendered part read back: for callers of a handler that are not the
    wire (the dashboard)."""
    if type(value) is orjson.Fragment:
        return orjson.loads(orjson.dumps(value))
    if isinstance(value, dict):
        return {key: unrendered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unrendered(item) for item in value]
    return value
