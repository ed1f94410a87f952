"""Schema definitions of the Schema Registry's three data formats: is one valid, its canonical
form (what GetSchemaByDefinition and a repeated RegisterSchemaVersion compare), and whether a
new version is compatible with earlier ones under a schema's Compatibility mode.

AVRO is read by Apache Avro's Python library, which also decides compatibility by Avro's
schema resolution rules; JSON definitions are checked against the JSON Schema meta-schema
they declare (Draft-07 when they declare none); PROTOBUF definitions are parsed as .proto
files (schema_protobuf.py). Compatibility is checked for AVRO only (README's "Differences
from AWS"). Each library is imported by the first definition of its format: together they
took about a third of a server's start-up.
"""

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import avro.schema

# What SchemaValidationError (CheckSchemaVersionValidity's Error) may hold.
ERROR_LENGTH = 5000


class InvalidDefinition(Exception):
    pass


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidDefinition(f"it is not JSON: {exc}") from None


def _avro(text: str) -> "avro.schema.Schema":
    import avro.errors
    import avro.schema

    try:
        return avro.schema.parse(text)
    except (avro.errors.AvroException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidDefinition(str(exc)) from None


def _json_schema(text: str):
    import jsonschema

    schema = _json(text)
    if not isinstance(schema, dict | bool):
        raise InvalidDefinition("a JSON Schema is an object or a boolean")
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidDefinition(f"{exc.message} at {'/'.join(map(str, exc.path)) or 'the root'}") from None
    return schema


def _protobuf(text: str):
    from . import schema_protobuf

    return schema_protobuf.parse(text)


_PARSERS = {"AVRO": _avro, "JSON": _json_schema, "PROTOBUF": _protobuf}


def problem(data_format: str, text: str) -> str | None:
    """Why a definition is not valid for its format, or None when it is."""
    try:
        _PARSERS[data_format](text)
    except InvalidDefinition as exc:
        message = f"{data_format} schema definition is invalid: {exc}"
        return message[:ERROR_LENGTH]
    except RecursionError:
        return f"{data_format} schema definition is invalid: it is nested too deeply"
    return None


def canonical(data_format: str, text: str) -> str:
    """A valid definition as the registry compares it: the same schema written with other
    spacing or key order is the same definition."""
    if data_format == "PROTOBUF":
        from . import schema_protobuf

        return schema_protobuf.canonical(text)
    return json.dumps(_json(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _reads(reader: "avro.schema.Schema", writer: "avro.schema.Schema") -> bool:
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return result.compatibility is SchemaCompatibilityType.compatible


# What each mode asks of a new version against an earlier one: the new one reads data the earlier
# one wrote (backward), the earlier one reads the new one's (forward), or both.
_DIRECTIONS = {
    "BACKWARD": ("backward",),
    "BACKWARD_ALL": ("backward",),
    "FORWARD": ("forward",),
    "FORWARD_ALL": ("forward",),
    "FULL": ("backward", "forward"),
    "FULL_ALL": ("backward", "forward"),
}


def checks_all(mode: str) -> bool:
    """Whether a mode checks every version since the checkpoint, not only the latest."""
    return mode.endswith("_ALL")


def incompatible(data_format: str, mode: str, new: str, earlier: Iterable[str]) -> bool:
    """Whether a new definition breaks the mode against the earlier ones it is checked against."""
    directions = _DIRECTIONS.get(mode, ())
    if data_format != "AVRO" or not directions:
        return False
    reader = _avro(new)
    for text in earlier:
        old = _avro(text)
        if "backward" in directions and not _reads(reader, old):
            return True
        if "forward" in directions and not _reads(old, reader):
            return True
    return False
