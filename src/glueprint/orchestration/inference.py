"""Columns and classification of a data file, as a crawler's built-in classifiers infer them.

CSV (a header row; column types from the sampled values), JSON lines, and Parquet (its own
schema, read with pyarrow). Types are Hive type names, as the Data Catalog keeps them.
"""

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

SAMPLE_ROWS = 1000
CLASSIFICATIONS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}


class UnreadableFile(ValueError):
    pass


def classification(key: str) -> str | None:
    name = key.rsplit("/", 1)[-1].lower()
    for suffix, kind in CLASSIFICATIONS.items():
        if name.endswith(suffix):
            return kind
    return None


def merge_types(a: str | None, b: str | None) -> str | None:
    if a is None or a == b:
        return b
    if b is None:
        return a
    if {a, b} == {"bigint", "double"}:
        return "double"
    return "string"


def _csv_value_type(text: str) -> str | None:
    if text == "":
        return None
    if text.lower() in ("true", "false"):
        return "boolean"
    try:
        int(text)
        return "bigint"
    except ValueError:
        pass
    try:
        float(text)
        return "double"
    except ValueError:
        return "string"


def csv_columns(data: bytes) -> list[dict]:
    text = data.decode("utf-8", "replace")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        raise UnreadableFile("the CSV file has no header row")
    types: list[str | None] = [None] * len(header)
    for count, row in enumerate(rows):
        if count >= SAMPLE_ROWS:
            break
        for i, value in enumerate(row[: len(header)]):
            types[i] = merge_types(types[i], _csv_value_type(value))
    return [{"Name": _column_name(n, i), "Type": t or "string"} for i, (n, t) in enumerate(zip(header, types, strict=True))]


def _json_type(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, dict):
        fields = ",".join(f"{k}:{_json_type(v) or 'string'}" for k, v in value.items())
        return f"struct<{fields}>"
    if isinstance(value, list):
        inner = None
        for item in value:
            inner = merge_types(inner, _json_type(item))
        return f"array<{inner or 'string'}>"
    return "string"


def json_columns(data: bytes) -> list[dict]:
    types: dict[str, str | None] = {}
    lines = data.decode("utf-8", "replace").splitlines()
    for count, line in enumerate(line for line in lines if line.strip()):
        if count >= SAMPLE_ROWS:
            break
        try:
            record = json.loads(line)
        except ValueError:
            if count == 0:
                raise UnreadableFile("the file is not JSON lines") from None
            break  # a sample cut mid-line
        if not isinstance(record, dict):
            raise UnreadableFile("the JSON records are not objects")
        for key, value in record.items():
            types[key] = merge_types(types.get(key), _json_type(value))
    if not types:
        raise UnreadableFile("the JSON file holds no records")
    return [{"Name": k.lower(), "Type": t or "string"} for k, t in types.items()]


def _arrow_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_int8(t):
        return "tinyint"
    if pa.types.is_int16(t):
        return "smallint"
    if pa.types.is_int32(t) or pa.types.is_uint8(t) or pa.types.is_uint16(t):
        return "int"
    if pa.types.is_integer(t):
        return "bigint"
    if pa.types.is_float32(t):
        return "float"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{_arrow_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{t.field(i).name}:{_arrow_type(t.field(i).type)}" for i in range(t.num_fields)) + ">"
    if pa.types.is_map(t):
        return f"map<{_arrow_type(t.key_type)},{_arrow_type(t.item_type)}>"
    return "string"


def parquet_columns(data: bytes) -> list[dict]:
    try:
        schema = pq.read_schema(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"the Parquet file cannot be read: {exc}") from None
    return [{"Name": field.name.lower(), "Type": _arrow_type(field.type)} for field in schema]


def _column_name(name: str, index: int) -> str:
    return name.strip().lower() or f"col{index}"


READERS = {"csv": csv_columns, "json": json_columns, "parquet": parquet_columns}


def columns(kind: str, data: bytes) -> list[dict]:
    return READERS[kind](data)


def merge_columns(a: list[dict], b: list[dict]) -> list[dict]:
    """Columns of two files of one dataset: a's order, then b's new columns; types merged."""
    merged = {c["Name"]: c["Type"] for c in a}
    for column in b:
        merged[column["Name"]] = merge_types(merged.get(column["Name"]), column["Type"])
    return [{"Name": n, "Type": t} for n, t in merged.items()]
