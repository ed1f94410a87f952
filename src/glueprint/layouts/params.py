"""Blueprint parameters: checking a parameterSpec, and checking user Parameters against it."""

import re

import orjson

TYPES = ("String", "Integer", "Double", "Boolean", "S3Uri", "S3Bucket", "IAMRoleArn", "IAMRoleName")
SPEC_KEYS = {"type", "collection", "description", "defaultValue", "allowedValues"}

_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_ROLE_ARN = re.compile(r"arn:aws[a-zA-Z\-]*:iam::[0-9]{12}:role/[\w+=,.@/\-]+")
_ROLE_NAME = re.compile(r"[\w+=,.@\-]{1,64}")
_MISSING = object()


class ParameterError(ValueError):
    """Every problem found, one per line item, so a person can fix them in one go."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _scalar(kind: str, value):
    """The typed value, or raise ValueError saying what was expected."""
    if kind in ("String", "S3Uri", "S3Bucket", "IAMRoleArn", "IAMRoleName"):
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {orjson.dumps(value).decode()}")
        if kind == "S3Uri" and not value.startswith("s3://"):
            raise ValueError(f"'{value}' is not an S3 URI (s3://bucket/key)")
        if kind == "S3Bucket" and not _S3_BUCKET.fullmatch(value):
            raise ValueError(f"'{value}' is not a valid S3 bucket name")
        if kind == "IAMRoleArn" and not _ROLE_ARN.fullmatch(value):
            raise ValueError(f"'{value}' is not an IAM role ARN (arn:aws:iam::123456789012:role/name)")
        if kind == "IAMRoleName" and not _ROLE_NAME.fullmatch(value):
            raise ValueError(f"'{value}' is not a valid IAM role name")
        return value
    if kind == "Integer":
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {orjson.dumps(value).decode()}")
        return value
    if kind == "Double":
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {orjson.dumps(value).decode()}")
        return float(value)
    if kind == "Boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {orjson.dumps(value).decode()}")
        return value
    raise ValueError(f"unknown parameter type '{kind}'")


def _typed(spec: dict, value):
    kind = spec["type"]
    if spec.get("collection"):
        if not isinstance(value, list):
            raise ValueError(f"expected a list of {kind}")
        items = [_scalar(kind, item) for item in value]
    else:
        items = [_scalar(kind, value)]
    allowed = spec.get("allowedValues")
    if allowed is not None:
        for item in items:
            if item not in allowed:
                shown = ", ".join(orjson.dumps(a).decode() for a in allowed)
                raise ValueError(f"{orjson.dumps(item).decode()} is not one of the allowed values [{shown}]")
    return items if spec.get("collection") else items[0]


def check_spec(spec) -> list[str]:
    """Problems with a blueprint.cfg parameterSpec; empty when it is well formed."""
    if not isinstance(spec, dict):
        return ["parameterSpec must be a JSON object mapping parameter names to specifications"]
    problems = []
    for name, entry in spec.items():
        where = f"parameterSpec.{name}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a JSON object")
            continue
        unknown = sorted(set(entry) - SPEC_KEYS)
        if unknown:
            problems.append(f"{where} has unknown keys {unknown}; allowed: {sorted(SPEC_KEYS)}")
        if entry.get("type") not in TYPES:
            problems.append(f"{where}.type must be one of {', '.join(TYPES)}, got {orjson.dumps(entry.get('type')).decode()}")
            continue
        if "collection" in entry and not isinstance(entry["collection"], bool):
            problems.append(f"{where}.collection must be true or false")
            continue
        if "description" in entry and not isinstance(entry["description"], str):
            problems.append(f"{where}.description must be a string")
        allowed = entry.get("allowedValues")
        if allowed is not None:
            if not isinstance(allowed, list) or not allowed:
                problems.append(f"{where}.allowedValues must be a non-empty list")
                continue
            try:
                for item in allowed:
                    _scalar(entry["type"], item)
            except ValueError as exc:
                problems.append(f"{where}.allowedValues: {exc}")
                continue
        if "defaultValue" in entry:
            try:
                _typed(entry, entry["defaultValue"])
            except ValueError as exc:
                problems.append(f"{where}.defaultValue: {exc}")
    return problems


def resolve(spec: dict, parameters: str | None) -> dict:
    """The typed user_params for a run: every spec'd parameter present, defaults filled in."""
    given = orjson.loads(parameters) if parameters else {}
    problems = []
    unknown = sorted(set(given) - set(spec))
    if unknown:
        problems.append(f"unknown parameters {unknown}; this blueprint accepts {sorted(spec)}")
    resolved = {}
    for name, entry in spec.items():
        value = given.get(name, _MISSING)
        if value is _MISSING or value is None:
            if "defaultValue" not in entry:
                problems.append(f"parameter '{name}' is required")
                continue
            value = entry["defaultValue"]
        try:
            resolved[name] = _typed(entry, value)
        except ValueError as exc:
            problems.append(f"parameter '{name}' ({entry['type']}{' collection' if entry.get('collection') else ''}): {exc}")
    if problems:
        raise ParameterError(problems)
    return resolved
