"""Glue's format names and ``format_options`` as Spark's data source names and options
(AWS Glue developer guide, "Data format options for inputs and outputs")."""

# Glue's names for the formats Spark reads and writes itself; glueparquet is Glue's own
# Parquet writer, which writes plain Parquet files.
SPARK_FORMATS = {"csv": "csv", "json": "json", "parquet": "parquet", "glueparquet": "parquet", "orc": "orc", "xml": "xml"}
# Formats Glue knows that need a library glueprint's Spark does not have.
UNAVAILABLE = {"avro", "ion", "grokLog", "hudi", "iceberg", "delta"}


class FormatError(ValueError):
    pass


def spark_format(name: str | None) -> str:
    name = name or "parquet"
    if name in SPARK_FORMATS:
        return SPARK_FORMATS[name]
    if name in UNAVAILABLE:
        raise FormatError(
            f"format {name!r} is not available in glueprint's local Spark (it has {', '.join(sorted(SPARK_FORMATS))})"
        )
    raise FormatError(f"unknown format {name!r}")


def _flag(value) -> str:
    return str(value).lower()  # True and "true" alike


def read_options(name: str | None, options: dict | None) -> dict[str, str]:
    """Spark reader options for a Glue format and its ``format_options``."""
    options = dict(options or {})
    fmt = spark_format(name)
    out: dict[str, str] = {}
    if fmt == "csv":
        out["header"] = _flag(options.get("withHeader", False))
        out["sep"] = str(options.get("separator", ","))
        out["inferSchema"] = "true"
        quote = options.get("quoteChar", '"')
        out["quote"] = "" if quote == -1 else str(quote)
        if "escaper" in options:
            out["escape"] = str(options["escaper"])
        if "multiLine" in options:
            out["multiLine"] = _flag(options["multiLine"])
    elif fmt == "json":
        if "multiLine" in options:
            out["multiLine"] = _flag(options["multiLine"])
    elif fmt == "xml":
        out["rowTag"] = str(options.get("rowTag", "row"))
    return out


def write_options(name: str | None, options: dict | None) -> dict[str, str]:
    """Spark writer options for a Glue format and its ``format_options``."""
    options = dict(options or {})
    fmt = spark_format(name)
    out: dict[str, str] = {}
    if fmt == "csv":
        out["header"] = _flag(options.get("writeHeader", True))
        out["sep"] = str(options.get("separator", ","))
        quote = options.get("quoteChar", '"')
        out["quote"] = "" if quote == -1 else str(quote)
    if fmt in ("parquet", "orc", "json", "csv") and "compression" in options:
        out["compression"] = str(options["compression"]).lower()
    if fmt == "xml":
        out["rowTag"] = str(options.get("rowTag", "row"))
    return out


# Catalog tables: the classification a crawler or a sink wrote, or the SerDe/InputFormat.
_BY_CLASS_NAME = {
    "parquet": "parquet",
    "orc": "orc",
    "json": "json",
    "opencsvserde": "csv",
    "lazysimpleserde": "csv",
    "textinputformat": "csv",
    "avro": "avro",
}


def table_format(table: dict) -> str:
    """The Glue format name of a catalog table (GetTable's Table)."""
    classification = (table.get("Parameters") or {}).get("classification") or (
        (table.get("StorageDescriptor") or {}).get("Parameters") or {}
    ).get("classification")
    if classification:
        return classification.lower()
    descriptor = table.get("StorageDescriptor") or {}
    names = " ".join(
        [str((descriptor.get("SerdeInfo") or {}).get("SerializationLibrary", "")), str(descriptor.get("InputFormat", ""))]
    ).lower()
    for part, fmt in _BY_CLASS_NAME.items():
        if part in names:
            return fmt
    raise FormatError(f"table {table.get('DatabaseName')}.{table.get('Name')} has no classification glueprint can read")


def table_read_options(table: dict) -> dict:
    """Glue ``format_options`` for reading a catalog table (its SerDe's delimiter and header lines)."""
    descriptor = table.get("StorageDescriptor") or {}
    serde = (descriptor.get("SerdeInfo") or {}).get("Parameters") or {}
    params = {**(table.get("Parameters") or {}), **(descriptor.get("Parameters") or {})}
    options: dict = {}
    delimiter = serde.get("field.delim") or serde.get("separatorChar") or params.get("delimiter")
    if delimiter:
        options["separator"] = delimiter
    if serde.get("quoteChar"):
        options["quoteChar"] = serde["quoteChar"]
    if str(params.get("skip.header.line.count", "0")) not in ("", "0"):
        options["withHeader"] = True
    return options
