"""The Data Catalog as job scripts see it: through the Glue API (a boto3 client that follows
``AWS_ENDPOINT_URL_GLUE``, as the script's own calls do), never the store directly.

Reads resolve a table's location, format and partitions; writes with ``enableUpdateCatalog``
create the table when it is missing, update its columns (``updateBehavior``
``UPDATE_IN_DATABASE``, the default) and add the partitions they wrote.
"""

from dataclasses import dataclass, field

from . import formats

BATCH_CREATE_PARTITIONS = 100  # BatchCreatePartition's PartitionInputList limit
# The StorageDescriptor parts Glue's crawlers give a table of each format.
_STORAGE = {
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
    "orc": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
    "json": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.openx.data.jsonserde.JsonSerDe",
    ),
    "csv": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    ),
}


@dataclass
class Partition:
    location: str
    values: dict[str, str]  # partition key -> value, as the catalog keeps it (text)


@dataclass
class TableRead:
    """Where a catalog table's data is and how to read it."""

    table: dict
    format: str
    format_options: dict
    partition_keys: list[dict]
    partitions: list[Partition] = field(default_factory=list)

    @property
    def location(self) -> str:
        return self.table["StorageDescriptor"]["Location"]

    @property
    def columns(self) -> list[dict]:
        return self.table["StorageDescriptor"].get("Columns", [])


class Catalog:
    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("glue")
        return self._client

    def table(self, database: str, name: str, catalog_id: str | None = None) -> dict:
        request = {"DatabaseName": database, "Name": name, **({"CatalogId": catalog_id} if catalog_id else {})}
        return self.client.get_table(**request)["Table"]

    def partitions(self, database: str, name: str, expression: str = "", catalog_id: str | None = None) -> list[dict]:
        request = {"DatabaseName": database, "TableName": name}
        if expression:
            request["Expression"] = expression
        if catalog_id:
            request["CatalogId"] = catalog_id
        found = []
        for page in self.client.get_paginator("get_partitions").paginate(**request):
            found += page["Partitions"]
        return found

    def read_plan(
        self, database: str, name: str, expression: str = "", catalog_id: str | None = None, table: dict | None = None
    ) -> TableRead:
        """``table``, when given, is the table's GetTable answer (saves asking again)."""
        table = table or self.table(database, name, catalog_id)
        keys = table.get("PartitionKeys", [])
        plan = TableRead(table, formats.table_format(table), formats.table_read_options(table), keys)
        if keys:
            for partition in self.partitions(database, name, expression, catalog_id):
                values = dict(zip((k["Name"] for k in keys), partition["Values"], strict=False))
                plan.partitions.append(Partition(partition["StorageDescriptor"]["Location"], values))
        return plan

    def record_write(
        self,
        database: str,
        name: str,
        *,
        path: str,
        format: str,  # noqa: A002 (the sink's word)
        columns: list[dict],
        partition_keys: list[dict],
        written: list[dict[str, str]],
        update_behavior: str = "UPDATE_IN_DATABASE",
        catalog_id: str | None = None,
    ) -> None:
        """After a sink wrote ``path``: the table exists, has these columns (unless
        ``update_behavior`` is LOG) and a partition for each partition-value set ``written``."""
        fmt = "parquet" if format == "glueparquet" else format
        catalog = {"CatalogId": catalog_id} if catalog_id else {}
        descriptor = _descriptor(path, fmt, columns)
        table_input = {
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": fmt},
            "StorageDescriptor": descriptor,
            "PartitionKeys": partition_keys,
        }
        errors = self.client.exceptions
        try:
            existing = self.table(database, name, catalog_id)
        except errors.EntityNotFoundException:
            self.client.create_table(DatabaseName=database, TableInput=table_input, **catalog)
            existing = None
        if existing is not None and update_behavior == "UPDATE_IN_DATABASE" and _columns(existing) != columns:
            kept = {k: v for k, v in existing.items() if k in _TABLE_INPUT_KEYS}
            kept["StorageDescriptor"] = {**existing["StorageDescriptor"], "Columns": columns}
            self.client.update_table(DatabaseName=database, TableInput=kept, **catalog)
        if not partition_keys or not written:
            return
        names = [k["Name"] for k in partition_keys]
        inputs = []
        for values in written:
            suffix = "/".join(f"{key}={values[key]}" for key in names)
            inputs.append(
                {
                    "Values": [values[key] for key in names],
                    "StorageDescriptor": _descriptor(f"{path.rstrip('/')}/{suffix}/", fmt, columns),
                }
            )
        for start in range(0, len(inputs), BATCH_CREATE_PARTITIONS):
            answer = self.client.batch_create_partition(
                DatabaseName=database,
                TableName=name,
                PartitionInputList=inputs[start : start + BATCH_CREATE_PARTITIONS],
                **catalog,
            )
            failed = [e for e in answer.get("Errors", []) if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"]
            if failed:
                detail = failed[0]["ErrorDetail"]
                raise RuntimeError(
                    f"adding partitions to {database}.{name}: {detail.get('ErrorCode')}: {detail.get('ErrorMessage')}"
                )


_TABLE_INPUT_KEYS = {
    "Name",
    "Description",
    "Owner",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "TableType",
    "Parameters",
    "ViewOriginalText",
    "ViewExpandedText",
}


def _columns(table: dict) -> list[dict]:
    return [{"Name": c["Name"], "Type": c["Type"]} for c in table["StorageDescriptor"].get("Columns", [])]


def _descriptor(location: str, fmt: str, columns: list[dict]) -> dict:
    descriptor = {"Columns": columns, "Location": location, "Parameters": {"classification": fmt}}
    if fmt in _STORAGE:
        input_format, output_format, serde = _STORAGE[fmt]
        parameters = {"field.delim": ","} if fmt == "csv" else {}
        descriptor.update(
            InputFormat=input_format,
            OutputFormat=output_format,
            SerdeInfo={"SerializationLibrary": serde, "Parameters": parameters},
        )
    return descriptor


def hive_columns(spark_schema, exclude: list[str] = ()) -> list[dict]:
    """Catalog columns for a DataFrame's fields, in Hive's type names (Spark's simpleString)."""
    return [{"Name": f.name, "Type": f.dataType.simpleString()} for f in spark_schema.fields if f.name not in exclude]
