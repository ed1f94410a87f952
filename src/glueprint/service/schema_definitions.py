"""Schema definitions of the Schema Registry's three data formats: is one valid, its canonical
form (what GetSchemaByDefinition and a repeated RegisterSchemaVersion compare), and whether a
new version is compatible with earlier ones under a schema's Compatibility mode.

AVRO is read by Apache Avro's Python library, which also decides compatibility by Avro's
schema resolution rules; JSON definitions are checked against the JSON Schema meta-schema
they declare (Draft-07 when they declare none); PROTOBUF definitions are parsed as .proto
files. Compatibility is checked for AVRO only (README's "Differences from AWS").
"""

import json
from collections.abc import Iterable

import avro.errors
import avro.schema
import jsonschema
from antlr4.error.ErrorListener import ErrorListener
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from proto_schema_parser import ast as proto
from proto_schema_parser.generator import Generator
from proto_schema_parser.parser import Parser

# What SchemaValidationError (CheckSchemaVersionValidity's Error) may hold.
ERROR_LENGTH = 5000


class InvalidDefinition(Exception):
    pass


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidDefinition(f"it is not JSON: {exc}") from None


def _avro(text: str) -> avro.schema.Schema:
    try:
        return avro.schema.parse(text)
    except (avro.errors.AvroException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidDefinition(str(exc)) from None


def _json_schema(text: str):
    schema = _json(text)
    if not isinstance(schema, dict | bool):
        raise InvalidDefinition("a JSON Schema is an object or a boolean")
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidDefinition(f"{exc.message} at {'/'.join(map(str, exc.path)) or 'the root'}") from None
    return schema


class _Raise(ErrorListener):
    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802, N803 (antlr's names)
        raise InvalidDefinition(f"line {line}:{column} {msg}")


def _no_listeners_but_raise(recognizer) -> None:
    recognizer.removeErrorListeners()
    recognizer.addErrorListener(_Raise())


_SCALARS = frozenset(
    "double float int32 int64 uint32 uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 bool string bytes".split()
)


def _proto_declared(elements, found: set[str]) -> None:
    """The names of every message and enum, nested ones too."""
    for element in elements:
        if isinstance(element, proto.Message | proto.Enum):
            found.add(element.name)
        if isinstance(element, proto.Message):
            _proto_declared(element.elements, found)


def _proto_fields(elements, message: str):
    """Check what AWS does not take (groups, extensions) and fields' numbers; yield the types named."""
    numbers: dict[int, str] = {}
    for element in elements:
        if isinstance(element, proto.Group | proto.Extension | proto.ExtensionRange):
            raise InvalidDefinition(f"{message}: groups and extensions are not supported")
        fields = element.elements if isinstance(element, proto.OneOf) else [element]
        for field in fields:
            if isinstance(field, proto.Field | proto.MapField):
                if field.number in numbers:
                    raise InvalidDefinition(
                        f"{message}: fields {numbers[field.number]} and {field.name} share number {field.number}"
                    )
                numbers[field.number] = field.name
                yield field.value_type if isinstance(field, proto.MapField) else field.type
        if isinstance(element, proto.Message):
            yield from _proto_fields(element.elements, element.name)


def _protobuf(text: str) -> proto.File:
    try:
        parsed = Parser(setup_lexer=_no_listeners_but_raise, setup_parser=_no_listeners_but_raise).parse(text)
    except InvalidDefinition:
        raise
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidDefinition(str(exc)) from None
    declared: set[str] = set()
    _proto_declared(parsed.file_elements, declared)
    imports = any(isinstance(e, proto.Import) for e in parsed.file_elements)
    for message in (e for e in parsed.file_elements if isinstance(e, proto.Message | proto.Extension)):
        for named in _proto_fields([message], ""):
            # A type of an imported file cannot be seen here: with imports, any name may be one.
            if named not in _SCALARS and named.lstrip(".").split(".")[-1] not in declared and not imports:
                raise InvalidDefinition(f"{message.name}: type {named} is not defined")
    return parsed


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
        return Generator().generate(_protobuf(text))
    return json.dumps(_json(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _reads(reader: avro.schema.Schema, writer: avro.schema.Schema) -> bool:
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
