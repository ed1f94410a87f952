"""Bad-input cases generated from the botocore model: one case per constraint of each member."""

from dataclasses import dataclass

from glueprint.protocol.model import operation
from glueprint.protocol.validate import compiled_pattern

# Strings tried, in order, when a value must match (or break) a member's pattern.
CANDIDATES = [
    "a",
    "abc-1",
    "s3://bucket/key.zip",
    "arn:aws:iam::123456789012:role/r",
    "arn:aws:glue:us-east-1:123456789012:job/j",
    "\u0001",
    "a b",
    "x/y",
    "!",
    "",
    "1",  # DeleteSchemaVersions' Versions: a number or a range of them
]


CONSTRAINT_WORDS = {
    "type": "Member must be a",
    "min-length": "length greater than or equal to",
    "max-length": "length less than or equal to",
    "min-count": "length greater than or equal to",
    "max-count": "length less than or equal to",
    "below-min": "value greater than or equal to",
    "above-max": "value less than or equal to",
    "enum": "enum value set",
    "pattern": "regular expression pattern",
}


@dataclass(frozen=True)
class Case:
    id: str
    params: dict
    member: str  # wire path the error message must name
    constraint: str  # words of the constraint the message must state


def _fits_length(shape, value: str) -> bool:
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 10**9)
    return low <= len(value) <= high


def valid_value(shape):
    kind = shape.type_name
    if kind == "structure":
        return {m: valid_value(shape.members[m]) for m in shape.required_members}
    if kind == "list":
        return [valid_value(shape.member) for _ in range(max(shape.metadata.get("min", 0), 1))]
    if kind == "map":
        return {}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        pattern = shape.metadata.get("pattern")
        for candidate in CANDIDATES:
            size = max(shape.metadata.get("min", 0), len(candidate))
            value = candidate if len(candidate) >= size else candidate * size
            if _fits_length(shape, value) and (not pattern or compiled_pattern(pattern).fullmatch(value)):
                return value
        raise ValueError(f"no valid sample for {shape.name}")
    if kind in ("integer", "long"):
        return shape.metadata.get("min", 1)
    if kind == "boolean":
        return True
    if kind in ("double", "float"):
        return float(shape.metadata.get("min", 1))
    if kind == "timestamp":
        return 1700000000  # epoch seconds, as AWS JSON carries them
    if kind == "blob":
        return "AQ=="  # base64, as AWS JSON carries binary data
    raise ValueError(f"no sample for {kind}")


def _bad_values(shape):
    """(label, value) pairs, each breaking exactly one constraint of the shape."""
    meta, kind = shape.metadata, shape.type_name
    if kind == "string":
        yield "type", 12345
        if meta.get("min", 0) > 0:
            yield "min-length", ""
        if "max" in meta:
            yield "max-length", "a" * (meta["max"] + 1)
        if shape.enum:
            yield "enum", "NOT_A_MEMBER_OF_THE_ENUM"
        pattern = meta.get("pattern")
        if pattern:
            regex = compiled_pattern(pattern)
            for candidate in CANDIDATES:
                if candidate and _fits_length(shape, candidate) and not regex.fullmatch(candidate):
                    yield "pattern", candidate
                    break
    elif kind in ("integer", "long"):
        yield "type", "not-a-number"
        if "min" in meta:
            yield "below-min", meta["min"] - 1
        if "max" in meta:
            yield "above-max", meta["max"] + 1
    elif kind == "boolean":
        yield "type", "yes"
    elif kind == "list":
        yield "type", "not-a-list"
        if meta.get("min", 0) > 0:
            yield "min-count", []
        if "max" in meta:
            yield "max-count", [valid_value(shape.member) for _ in range(meta["max"] + 1)]
    elif kind == "map":
        yield "type", "not-a-map"
        if "max" in meta:
            yield "max-count", {f"k{i}": "v" for i in range(meta["max"] + 1)}


def cases(op_name: str) -> list[Case]:
    shape = operation(op_name).input_shape
    base = valid_value(shape)
    found = []
    for member_name, member in shape.members.items():
        wire = member_name[:1].lower() + member_name[1:]
        if member_name in shape.required_members:
            params = {k: v for k, v in base.items() if k != member_name}
            found.append(Case(f"{op_name}-{member_name}-required", params, wire, "not be null"))
        for label, value in _bad_values(member):
            case_id = f"{op_name}-{member_name}-{label}"
            found.append(Case(case_id, {**base, member_name: value}, wire, CONSTRAINT_WORDS[label]))
    return found
