"""A crawler's custom classifiers, tried on each sampled file before the built-in ones, in the
order the crawler lists them; the first that recognises the file decides its classification
and schema (developer guide, "Defining and managing classifiers", "Writing custom classifiers").

CSV classifiers (classification ``csv``): Delimiter (default ``,``), QuoteSymbol (default
``"``), ContainsHeader (PRESENT: the first row names the columns; ABSENT: it is data; UNKNOWN:
the built-in rule decides), Header (the column names, overriding the file's), AllowSingleColumn,
DisableValueTrimming (types are found on untrimmed values unless it is false), Serde, and
CustomDatatypes when CustomDatatypeConfigured (a column gets the narrowest of them that all its
values fit, else string; BINARY and DECIMAL are never inferred from text). A file
is recognised when its sampled rows all have the same number of columns (two or more unless
AllowSingleColumn) and Header, when given, names that many.

JSON classifiers (classification ``json``): JsonPath selects the records in each document (a
JSON document, or each line of JSON lines), with AWS's subset of JsonPath: ``$``, ``.name``,
``['name']``, ``[n]`` and ``[*]``. A file is recognised when the path selects at least one
object and nothing else.

Grok and XML classifiers are kept but not applied: a crawl passes over them.
"""

import csv
import datetime
import json
import math
import re

from . import inference

# The custom datatypes a CSV classifier may name (API reference, CsvClassifier.CustomDatatypes)
# and the Hive type each gives a column.
CUSTOM_DATATYPES = {
    "BINARY": "binary",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DECIMAL": "decimal",
    "DOUBLE": "double",
    "FLOAT": "float",
    "INT": "int",
    "LONG": "bigint",
    "SHORT": "smallint",
    "STRING": "string",
    "TIMESTAMP": "timestamp",
}
# Narrowest first; text gives no sign of BINARY or of a DECIMAL's precision, so neither is inferred.
_INFERRED = ("BOOLEAN", "SHORT", "INT", "LONG", "FLOAT", "DOUBLE", "DATE", "TIMESTAMP", "STRING")
_INT_BITS = {"SHORT": 16, "INT": 32, "LONG": 64}
_FLOAT_DIGITS = 7  # what a 32-bit float keeps exactly

_STEP = re.compile(r"\.([^.\[\]]+)|\['([^']*)'\]|\[(\*|\d+)\]")


class BadJsonPath(ValueError):
    pass


def sample(classifiers: list[dict], data: bytes, key: str) -> inference.Sample | None:
    """What the first custom classifier that recognises this file finds; None when none does."""
    if not classifiers or not data or inference.needs_whole_file(data) or data.startswith(b"Obj\x01"):
        return None
    plain, compression = inference.decompress(data, key)
    text = plain.decode("utf-8", "replace")
    for classifier in classifiers:
        found = None
        if "CsvClassifier" in classifier:
            found = csv_sample(classifier["CsvClassifier"], text)
        elif "JsonClassifier" in classifier:
            found = json_sample(classifier["JsonClassifier"]["JsonPath"], text)
        if found is not None:
            found.compression = compression
            return found
    return None


def _lines(text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # a sample cut mid-record
    return [line for line in lines[: inference.SAMPLE_ROWS + 1] if line.strip()]


def _fits(kind: str, text: str) -> bool:
    if text != text.strip():
        return kind == "STRING"  # untrimmed, " 12" is no number
    try:
        if kind == "BOOLEAN":
            return text.lower() in ("true", "false")
        if kind in _INT_BITS:
            return abs(int(text)) < 2 ** (_INT_BITS[kind] - 1)
        if kind in ("FLOAT", "DOUBLE"):
            number = float(text)
            digits = len(text.lstrip("+-").replace(".", "").lstrip("0").split("e")[0].split("E")[0])
            return math.isfinite(number) and (kind == "DOUBLE" or digits <= _FLOAT_DIGITS)
        if kind == "DATE":
            return len(text) == 10 and bool(datetime.date.fromisoformat(text))
        if kind == "TIMESTAMP":
            return bool(datetime.datetime.fromisoformat(text))
    except ValueError:
        return False
    return kind == "STRING"


def _typer(spec: dict, trim: bool):
    """The type of a column from its values (None: all empty): the built-in classifier's
    types, or with CustomDatatypeConfigured the narrowest of CustomDatatypes that every
    value fits (STRING when none does)."""
    configured = spec.get("CustomDatatypes") if spec.get("CustomDatatypeConfigured") else None

    def value(text: str) -> str | None:
        if not trim and text.strip() and text != text.strip():
            return "string"  # untrimmed, " 12" is no number
        return inference.value_type(text)

    def column(values: list[str]) -> str | None:
        present = [v.strip() if trim else v for v in values if v.strip()]
        if not present:
            return None
        if configured is None:
            found = None
            for text in values:
                found = inference.merge_types(found, value(text))
            return found
        for kind in _INFERRED:
            if (kind in configured or kind == "STRING") and all(_fits(kind, v) for v in present):
                return CUSTOM_DATATYPES[kind]
        return "string"

    return column


def csv_sample(spec: dict, text: str) -> inference.Sample | None:
    delimiter, quote = spec.get("Delimiter", ","), spec.get("QuoteSymbol", '"')
    lines = _lines(text)
    try:
        rows = list(csv.reader(lines, delimiter=delimiter, quotechar=quote))
    except csv.Error:  # e.g. a field larger than the csv module reads: not this classifier's data
        return None
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        return None
    width = widths.pop()
    if width < (1 if spec.get("AllowSingleColumn") else 2) or (spec.get("Header") and len(spec["Header"]) != width):
        return None
    column_type = _typer(spec, trim=spec.get("DisableValueTrimming") is False)
    header = _has_header(spec.get("ContainsHeader", "UNKNOWN"), rows, column_type)
    data = rows[1:] if header else rows
    if not data:
        return None
    types = [column_type([row[i] for row in data]) for i in range(width)]
    if spec.get("Header"):
        names = [inference.column_name(n, i) for i, n in enumerate(spec["Header"])]
    elif header:
        names = [inference.column_name(n, i) for i, n in enumerate(rows[0])]
    else:
        names = [f"col{i}" for i in range(width)]
    quoted = any(line.startswith(quote) or f"{delimiter}{quote}" in line for line in lines)
    return inference.Sample(
        "csv",
        columns=[{"Name": n, "Type": t or "string"} for n, t in zip(names, types, strict=True)],
        csv={"delimiter": delimiter, "header": header, "quoted": quoted, "quote": quote, "serde": spec.get("Serde", "None")},
        records=len(data),
        sample_bytes=sum(len(line) + 1 for line in lines),
    )


def _has_header(contains: str, rows: list[list[str]], column_type) -> bool:
    """PRESENT and ABSENT say; UNKNOWN is the built-in rule: a first row of strings over data
    with some column that is not."""
    if contains != "UNKNOWN":
        return contains == "PRESENT"
    if len(rows) < 2 or any(column_type([v]) not in (None, "string") for v in rows[0]):
        return False
    return any(column_type([row[i] for row in rows[1:]]) not in (None, "string") for i in range(len(rows[0])))


def steps(path: str) -> list[str | int]:
    """A JsonPath as steps: a member name, an index, or "*" for every element."""
    if not path.startswith("$"):
        raise BadJsonPath(f"JsonPath {path!r} does not start with $")
    at, out = 1, []
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None:
            raise BadJsonPath(f"JsonPath {path!r} has an unsupported step at {path[at:]!r}")
        name, quoted, index = match.groups()
        out.append(name if name is not None else quoted if quoted is not None else index if index == "*" else int(index))
        at = match.end()
    return out


def select(document, path: list[str | int]) -> list:
    """The values a JsonPath selects in one document."""
    values = [document]
    for step in path:
        picked = []
        for value in values:
            if step == "*":
                picked += value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
            elif isinstance(step, int):
                picked += [value[step]] if isinstance(value, list) and step < len(value) else []
            elif isinstance(value, dict) and step in value:
                picked.append(value[step])
        values = picked
    return values


def _documents(text: str) -> list:
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    documents = []
    for line in text.splitlines():
        if line.strip():
            try:
                documents.append(json.loads(line))
            except ValueError:
                return []
    return documents


def json_sample(json_path: str, text: str) -> inference.Sample | None:
    try:
        path = steps(json_path)
    except BadJsonPath:
        return None
    records = [r for document in _documents(text) for r in select(document, path)][: inference.SAMPLE_ROWS]
    if not records or not all(isinstance(r, dict) for r in records):
        return None
    found = inference.json_sample("\n".join(json.dumps(r) for r in records))
    found.sample_bytes = len(text.encode())
    return found
