"""The service's reading of a layout's output: lenient where the API wants a string.

AWS reads the entities a layout describes with a JSON reader that turns a number or a
boolean given for a string member into its JSON text (``0.5`` -> ``"0.5"``, ``True`` ->
``"true"``); public sample blueprints put such values in DefaultArguments. Which members
are strings comes from the botocore model.
"""

import orjson
from botocore.model import Shape


def lenient(shape: Shape, value):
    kind = shape.type_name
    if kind == "string":
        return orjson.dumps(value).decode() if isinstance(value, (bool, int, float)) else value
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: lenient(members[k], v) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [lenient(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: lenient(shape.value, v) for k, v in value.items()}
    return value
