"""PROTOBUF definitions of the Schema Registry, read as .proto files (proto2 or proto3) by a
maintained parser, plus what AWS refuses that a parser accepts: groups, extensions, duplicate
field numbers and types named but never declared (schema_definitions.py calls it)."""

from antlr4.error.ErrorListener import ErrorListener
from proto_schema_parser import ast as proto
from proto_schema_parser.generator import Generator
from proto_schema_parser.parser import Parser

from .schema_definitions import InvalidDefinition


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


def parse(text: str) -> proto.File:
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


def canonical(text: str) -> str:
    """The definition as the registry compares it: written again by the parser's generator."""
    return Generator().generate(parse(text))
