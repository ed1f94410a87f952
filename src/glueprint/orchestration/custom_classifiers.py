"""A crawler's custom classifiers, tried on each sampled file before the built-in ones, in the
order the crawler lists them; the first that recognises the file decides its classification
and schema (developer guide, "Defining and managing classifiers", "Writing custom classifiers").

CSV classifiers (classification ``csv``): Delimiter (default ``,``), QuoteSymbol (default
``"``), ContainsHeader (PRESENT: the first row names the columns; ABSENT: it is data; UNKNOWN:
the built-in rule decides), Header (the column names, overriding the file's), AllowSingleColumn,
DisableValueTrimming (types are found on untrimmed values unless it is false), and Serde. A file
is recognised when its sampled rows all have the same number of columns (two or more unless
AllowSingleColumn) and Header, when given, names that many.

JSON classifiers (classification ``json``): JsonPath selects the records in each document (a
JSON document, or each line of JSON lines), with AWS's subset of JsonPath: ``$``, ``.name``,
``['name']``, ``[n]`` and ``[*]``. A file is recognised when the path selects at least one
object and nothing else.

Grok and XML classifiers are kept but not applied: a crawl passes over them.
"""

import csv
import json
import re

from . import inference

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


def _type(value: str, trim: bool) -> str | None:
    if not trim and value.strip() and value != value.strip():
        return "string"  # untrimmed, " 12" is no number
    return inference.value_type(value)


def csv_sample(spec: dict, text: str) -> inference.Sample | None:
    delimiter, quote = spec.get("Delimiter", ","), spec.get("QuoteSymbol", '"')
    lines = _lines(text)
    rows = list(csv.reader(lines, delimiter=delimiter, quotechar=quote))
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        return None
    width = widths.pop()
    if width < (1 if spec.get("AllowSingleColumn") else 2) or (spec.get("Header") and len(spec["Header"]) != width):
        return None
    trim = spec.get("DisableValueTrimming") is False
    header = _has_header(spec.get("ContainsHeader", "UNKNOWN"), rows, trim)
    data = rows[1:] if header else rows
    if not data:
        return None
    types: list[str | None] = [None] * width
    for row in data:
        for i, value in enumerate(row):
            types[i] = inference.merge_types(types[i], _type(value, trim))
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


def _has_header(contains: str, rows: list[list[str]], trim: bool) -> bool:
    """PRESENT and ABSENT say; UNKNOWN is the built-in rule: a first row of strings over data
    with some column that is not."""
    if contains != "UNKNOWN":
        return contains == "PRESENT"
    if len(rows) < 2 or any(_type(v, trim) != "string" for v in rows[0]):
        return False
    return any(_type(v, trim) not in (None, "string") for row in rows[1:] for v in row)


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
