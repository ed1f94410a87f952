"""What a crawler's built-in classifiers find in one data file: its classification, compression,
columns and, for CSV, how it is delimited, quoted and headed.

Formats are recognised by content, as AWS's classifiers do, not by file name: Parquet, ORC and
Avro by their magic bytes, JSON by its first character, CSV when a delimiter splits the sample
into at least two columns on every row. gzip, bzip2 and snappy files are decompressed first.
Types are Hive type names, as the Data Catalog keeps them.
"""

import bz2
import csv
import io
import json
import zlib
from dataclasses import dataclass, field

import cramjam
import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq

SAMPLE_ROWS = 1000  # AWS's CSV classifier reads the first 1000 records or the first megabyte
SAMPLE_BYTES = 1024 * 1024
CSV_DELIMITERS = ",|\t;\x01"  # the built-in CSV classifier's delimiters
WHOLE_FILE_MAGIC = (b"PAR1", b"ORC")  # schemas kept in a footer: the whole file is needed
UNKNOWN = "UNKNOWN"


class UnreadableFile(ValueError):
    pass


@dataclass
class Sample:
    """One file, as far as its first records tell."""

    classification: str
    compression: str = "none"
    columns: list[dict] = field(default_factory=list)
    csv: dict = field(default_factory=dict)  # delimiter, header, quoted
    avro_schema: str | None = None
    records: int = 0
    sample_bytes: int = 0


def needs_whole_file(head: bytes) -> bool:
    return head.startswith(WHOLE_FILE_MAGIC)


def decompress(data: bytes, key: str) -> tuple[bytes, str]:
    """The sample's first megabyte of plain data, and the compression it had."""
    if data[:2] == b"\x1f\x8b":
        return zlib.decompressobj(wbits=47).decompress(data, SAMPLE_BYTES), "gzip"
    if data[:3] == b"BZh":
        try:
            return bz2.BZ2Decompressor().decompress(data, SAMPLE_BYTES), "bzip2"
        except OSError as exc:
            raise UnreadableFile(f"the bzip2 data cannot be read: {exc}") from None
    if data.startswith(b"\xff\x06\x00\x00sNaPpY") or key.lower().endswith(".snappy"):
        return _unsnappy(data)[:SAMPLE_BYTES], "snappy"
    return data, "none"


def _unsnappy(data: bytes) -> bytes:
    """Snappy's framed format, Hadoop's block format (what Glue and Spark write), or one raw block."""
    if data.startswith(b"\xff\x06\x00\x00sNaPpY"):
        return bytes(cramjam.snappy.decompress(data))
    try:
        out, at = bytearray(), 0
        while at + 8 <= len(data):  # Hadoop: [plain length][compressed length][block]...
            plain = int.from_bytes(data[at : at + 4], "big")
            size = int.from_bytes(data[at + 4 : at + 8], "big")
            block = bytes(cramjam.snappy.decompress_raw(data[at + 8 : at + 8 + size]))
            if len(block) != plain:
                raise ValueError("not Hadoop's block format")
            out += block
            at += 8 + size
        if at == len(data) and out:
            return bytes(out)
    except Exception:  # noqa: BLE001 - cramjam raises its own error type; try the raw format next
        pass
    try:
        return bytes(cramjam.snappy.decompress_raw(data))
    except Exception as exc:  # noqa: BLE001
        raise UnreadableFile(f"the snappy data cannot be read: {exc}") from None


def merge_types(a: str | None, b: str | None) -> str | None:
    if a is None or a == b:
        return b
    if b is None:
        return a
    if {a, b} == {"bigint", "double"}:
        return "double"
    return "string"


def value_type(text: str) -> str | None:
    text = text.strip()
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


def _delimiter(lines: list[str]) -> str | None:
    """The candidate that splits every sampled line into the same number (at least two) of fields."""
    best, best_width = None, 1
    for candidate in CSV_DELIMITERS:
        widths = {len(row) for row in csv.reader(lines, delimiter=candidate)}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = candidate, width
    return best


def _quoted(lines: list[str], delimiter: str) -> bool:
    return any(line.startswith('"') or f'{delimiter}"' in line for line in lines)


def csv_sample(text: str) -> Sample | None:
    """AWS's CSV rules: at least two columns and two rows; the first row is a header only when
    all its values are strings and some data column is not (otherwise col0, col1, ...)."""
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # a sample cut mid-record
    lines = [line for line in lines[: SAMPLE_ROWS + 1] if line.strip()]
    delimiter = _delimiter(lines) if len(lines) >= 2 else None
    if delimiter is None:
        return None
    rows = list(csv.reader(lines, delimiter=delimiter))
    first, data = rows[0], rows[1:]
    types: list[str | None] = [None] * len(first)
    for row in data:
        for i, value in enumerate(row):
            types[i] = merge_types(types[i], value_type(value))
    header = bool(data) and all(value_type(v) == "string" for v in first) and any(t not in (None, "string") for t in types)
    if not header:
        for i, value in enumerate(first):
            types[i] = merge_types(types[i], value_type(value))
    names = [column_name(n, i) for i, n in enumerate(first)] if header else [f"col{i}" for i in range(len(first))]
    return Sample(
        "csv",
        columns=[{"Name": n, "Type": t or "string"} for n, t in zip(names, types, strict=True)],
        csv={"delimiter": delimiter, "header": header, "quoted": _quoted(lines, delimiter)},
        records=len(data) if header else len(rows),
        sample_bytes=sum(len(line) + 1 for line in lines),
    )


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


def _json_records(text: str) -> list:
    """JSON lines, or one JSON document (an object, or an array of them)."""
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            break
        if len(records) >= SAMPLE_ROWS:
            break
    if records:
        return records
    try:
        document = json.loads(text)
    except ValueError:
        raise UnreadableFile("the file is neither JSON lines nor one JSON document") from None
    return document[:SAMPLE_ROWS] if isinstance(document, list) else [document]


def json_sample(text: str) -> Sample:
    types: dict[str, str | None] = {}
    records = _json_records(text)
    for record in records:
        if not isinstance(record, dict):
            raise UnreadableFile("the JSON records are not objects")
        for key, value in record.items():
            name = key.lower()
            types[name] = merge_types(types.get(name), _json_type(value))
    return Sample(
        "json",
        columns=[{"Name": k, "Type": t or "string"} for k, t in types.items()],
        records=len(records),
        sample_bytes=len(text.encode()),
    )


def arrow_type(t: pa.DataType) -> str:
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
        return f"array<{arrow_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{t.field(i).name}:{arrow_type(t.field(i).type)}" for i in range(t.num_fields)) + ">"
    if pa.types.is_map(t):
        return f"map<{arrow_type(t.key_type)},{arrow_type(t.item_type)}>"
    return "string"


def _arrow_columns(schema: pa.Schema) -> list[dict]:
    return [{"Name": f.name.lower(), "Type": arrow_type(f.type)} for f in schema]


def parquet_sample(data: bytes) -> Sample:
    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"the Parquet file cannot be read: {exc}") from None
    return Sample("parquet", columns=_arrow_columns(schema), records=meta.num_rows, sample_bytes=len(data))


def orc_sample(data: bytes) -> Sample:
    try:
        reader = orc.ORCFile(io.BytesIO(data))
        columns, rows = _arrow_columns(reader.schema), reader.nrows
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"the ORC file cannot be read: {exc}") from None
    return Sample("orc", columns=columns, records=rows, sample_bytes=len(data))


_AVRO_PRIMITIVES = {
    "boolean": "boolean",
    "int": "int",
    "long": "bigint",
    "float": "float",
    "double": "double",
    "bytes": "binary",
    "string": "string",
    "enum": "string",
    "fixed": "binary",
}
_AVRO_LOGICAL = {"date": "date", "timestamp-millis": "timestamp", "timestamp-micros": "timestamp"}


def avro_type(schema) -> str:
    if isinstance(schema, list):  # a union: nullable X is X; anything else Hive keeps as a string
        kinds = [s for s in schema if s != "null"]
        return avro_type(kinds[0]) if len(kinds) == 1 else "string"
    if isinstance(schema, str):
        return _AVRO_PRIMITIVES.get(schema, "string")
    logical = schema.get("logicalType")
    if logical == "decimal":
        return f"decimal({schema['precision']},{schema.get('scale', 0)})"
    if logical in _AVRO_LOGICAL:
        return _AVRO_LOGICAL[logical]
    kind = schema["type"]
    if kind == "record":
        return "struct<" + ",".join(f"{f['name']}:{avro_type(f['type'])}" for f in schema["fields"]) + ">"
    if kind == "array":
        return f"array<{avro_type(schema['items'])}>"
    if kind == "map":
        return f"map<string,{avro_type(schema['values'])}>"
    return avro_type(kind)


def avro_sample(data: bytes) -> Sample:
    try:
        reader = fastavro.reader(io.BytesIO(data))
        schema = reader.writer_schema
    except Exception as exc:  # noqa: BLE001 - fastavro raises plain ValueError/EOFError/its own
        raise UnreadableFile(f"the Avro file cannot be read: {exc}") from None
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise UnreadableFile("the Avro file's schema is not a record")
    columns = [{"Name": f["name"].lower(), "Type": avro_type(f["type"])} for f in schema["fields"]]
    return Sample("avro", columns=columns, avro_schema=json.dumps(schema), sample_bytes=len(data))


def sample(data: bytes, key: str) -> Sample:
    """Classify one file from its first bytes (its whole content for Parquet and ORC)."""
    if not data:
        return Sample(UNKNOWN)
    if data.startswith(b"PAR1"):
        return parquet_sample(data)
    if data.startswith(b"ORC"):
        return orc_sample(data)
    if data.startswith(b"Obj\x01"):
        return avro_sample(data)
    plain, compression = decompress(data, key)
    text = plain.decode("utf-8", "replace")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        found = json_sample(text)
    else:
        found = csv_sample(text) or Sample(UNKNOWN, sample_bytes=len(plain))
    found.compression = compression
    return found


def column_name(name: str, index: int) -> str:
    return name.strip().lower() or f"col{index}"


def merge_columns(a: list[dict], b: list[dict]) -> list[dict]:
    """Columns of two files of one dataset: a's order, then b's new columns; types merged."""
    merged = {c["Name"]: c["Type"] for c in a}
    for column in b:
        merged[column["Name"]] = merge_types(merged.get(column["Name"]), column["Type"])
    return [{"Name": n, "Type": t} for n, t in merged.items()]
