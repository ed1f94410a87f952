"""The table and partition documents a crawler writes for what it found: the input and output
formats, SerDe and parameters AWS's crawler records for each classification.

CSV gets LazySimpleSerDe, or OpenCSVSerde when values are quoted (LazySimpleSerDe cannot
unquote them), with the classifier's findings as table parameters: ``delimiter``,
``skip.header.line.count``, ``areColumnsQuoted``, ``columnsOrdered``. Every table gets the
crawl's statistics (``objectCount``, ``sizeKey``, ``recordCount`` estimated from the sampled
records' average size, ``averageRecordSize``), ``compressionType``, ``classification``,
``typeOfData`` and the ``CrawlerSchema*Version`` markers, in both the table's and its storage
descriptor's parameters, as a crawler-made table shows them.
"""

from .crawl_grouping import Partition, Schema, TablePlan

TEXT = ("org.apache.hadoop.mapred.TextInputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
FORMATS = {
    "csv": TEXT,
    "json": TEXT,
    "UNKNOWN": TEXT,
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    ),
    "avro": (
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
    ),
    "orc": ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"),
}
LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV = "org.apache.hadoop.hive.serde2.OpenCSVSerde"


def serde_info(schema: Schema) -> dict:
    kind = schema.classification
    if kind == "csv":
        delimiter, serde = schema.csv["delimiter"], schema.csv.get("serde", "None")
        # A custom CSV classifier's Serde decides; "None" leaves it to the quoting found.
        if serde == "OpenCSVSerDe" or (serde == "None" and schema.csv.get("quoted")):
            quote = schema.csv.get("quote", '"')
            return {"SerializationLibrary": OPEN_CSV, "Parameters": {"separatorChar": delimiter, "quoteChar": quote}}
        return {"SerializationLibrary": LAZY_SIMPLE, "Parameters": {"field.delim": delimiter}}
    if kind == "json":
        return {
            "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
            "Parameters": {"paths": ",".join(sorted(c["Name"] for c in schema.columns))},
        }
    if kind == "parquet":
        return {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        }
    if kind == "avro":
        return {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
            "Parameters": {"avro.schema.literal": schema.avro_schema or ""},
        }
    if kind == "orc":
        return {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde", "Parameters": {}}
    return {"Parameters": {}}


def parameters(schema: Schema, objects: int, size: int) -> dict:
    params = {
        "classification": schema.classification,
        "compressionType": schema.compression,
        "typeOfData": "file",
        "objectCount": str(objects),
        "sizeKey": str(size),
        "CrawlerSchemaDeserializerVersion": "1.0",
        "CrawlerSchemaSerializerVersion": "1.0",
    }
    if schema.records:
        average = max(1, round(schema.sample_bytes / schema.records))
        params.update(averageRecordSize=str(average), recordCount=str(round(size / average)))
    if schema.classification == "csv":
        params.update(
            delimiter=schema.csv["delimiter"],
            areColumnsQuoted=str(bool(schema.csv.get("quoted"))).lower(),
            columnsOrdered="true",
        )
        if schema.csv.get("header"):
            params["skip.header.line.count"] = "1"
    return params


def _unknown() -> Schema:
    return Schema("UNKNOWN", "none", [])


def storage(location: str, schema: Schema, columns: list[dict], params: dict) -> dict:
    input_format, output_format = FORMATS[schema.classification]
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": input_format,
        "OutputFormat": output_format,
        "Compressed": schema.compression != "none",
        "NumberOfBuckets": -1,
        "SerdeInfo": serde_info(schema),
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": params,
        "StoredAsSubDirectories": False,
    }


def _columns(schema: Schema, keys: list[str]) -> list[dict]:
    return [c for c in schema.columns if c["Name"] not in set(keys)]


def table_doc(plan: TablePlan, crawler_name: str) -> dict:
    schema = plan.schema or _unknown()
    params = parameters(schema, plan.objects, plan.size)
    return {
        "StorageDescriptor": storage(plan.location, schema, _columns(schema, plan.keys), params),
        "PartitionKeys": [{"Name": k, "Type": "string"} for k in plan.keys],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {**params, "UPDATED_BY_CRAWLER": crawler_name},
    }


def partition_doc(partition: Partition, plan: TablePlan) -> dict:
    schema = partition.schema or plan.schema or _unknown()
    params = parameters(schema, partition.objects, partition.size)
    return {
        "Values": partition.values,
        "StorageDescriptor": storage(partition.location, schema, _columns(schema, plan.keys), params),
        "Parameters": params,
    }
