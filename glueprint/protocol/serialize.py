"""Render a service result as AWS JSON 1.1 text, shaped by the operation's output shape."""

import base64
from datetime import datetime

import orjson
from botocore.model import Shape


def _shape_value(shape: Shape, value):
    kind = shape.type_name
    if kind == "structure":
        return {name: _shape_value(member, value[name]) for name, member in shape.members.items() if value.get(name) is not None}
    if kind == "list":
        return [_shape_value(shape.member, item) for item in value]
    if kind == "map":
        return {key: _shape_value(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else value
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    return value


def serialize(shape: Shape | None, result: dict | None) -> bytes:
    if shape is None or not result:
        return b"{}"
    return orjson.dumps(_shape_value(shape, result))
