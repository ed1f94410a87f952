"""DynamoDB sources and sinks (``connection_type="dynamodb"``, "DynamoDB connections" in the
AWS Glue developer guide): ``dynamodb.input.tableName`` reads a whole table (Scan, page by
page), ``dynamodb.output.tableName`` writes a frame's rows as items (BatchWriteItem, 25 at a
time, unprocessed items sent again).

The work is done by the script's own process with boto3, which follows the DynamoDB endpoint
the run is given (``AWS_ENDPOINT_URL_DYNAMODB``): the Spark executors cannot reach it. Rows
stream to the driver with ``toLocalIterator``, so memory stays at one partition.
"""

import os
from decimal import Decimal

BATCH_WRITE_ITEMS = 25  # BatchWriteItem's limit per request
RETRY_ROUNDS = 10  # rounds of re-sending UnprocessedItems before the write fails
THROUGHPUT_RANGE = (0.1, 1.5)  # dynamodb.throughput.*.percent's documented range


class DynamoDBError(ValueError):
    pass


def _client(options: dict):
    import boto3

    if not (os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")):
        raise DynamoDBError(
            "no DynamoDB endpoint for this run: start glueprint with --dynamodb-endpoint-url "
            "(moto's server, DynamoDB Local); the script gets it as AWS_ENDPOINT_URL_DYNAMODB"
        )
    region = options.get("dynamodb.region")
    return boto3.client("dynamodb", **({"region_name": region} if region else {}))


def _check_percent(options: dict, key: str) -> None:
    if key not in options:
        return
    try:
        value = float(options[key])
    except (TypeError, ValueError):
        raise DynamoDBError(f"{key} must be a number, not {options[key]!r}") from None
    low, high = THROUGHPUT_RANGE
    if not low <= value <= high:
        raise DynamoDBError(f"{key} must be between {low} and {high}, not {value}")


def _table(options: dict, key: str) -> str:
    name = options.get(key)
    if not name:
        raise DynamoDBError(f"a dynamodb {'source' if 'input' in key else 'sink'} needs connection_options {key!r}")
    return str(name)


def _item_value(value):
    """A row's value as boto3's serializer takes it (numbers as Decimal, structs as maps)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _item_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_item_value(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # dates and timestamps: DynamoDB has no such type
    return value


def write(df, options: dict) -> int:
    """Put every row of ``df`` into the table; null fields are left out of the item. The
    number of items written."""
    from boto3.dynamodb.types import TypeSerializer

    table = _table(options, "dynamodb.output.tableName")
    _check_percent(options, "dynamodb.throughput.write.percent")
    client, serializer = _client(options), TypeSerializer()
    written, batch = 0, []
    for row in df.toLocalIterator():
        item = _item_value(row.asDict(recursive=True))
        batch.append({"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}})
        if len(batch) == BATCH_WRITE_ITEMS:
            written += _put(client, table, batch)
            batch = []
    if batch:
        written += _put(client, table, batch)
    return written


def _put(client, table: str, batch: list[dict]) -> int:
    pending = {table: batch}
    for _ in range(RETRY_ROUNDS):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return len(batch)
    raise DynamoDBError(f"DynamoDB left {len(pending[table])} items unwritten in {table} after {RETRY_ROUNDS} tries")


def _plain(value):
    """A deserialized DynamoDB value as Spark takes it (whole numbers as int, others as float,
    sets as sorted lists)."""
    from boto3.dynamodb.types import Binary

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [_plain(v) for v in sorted(value, key=repr)]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Binary):
        return bytes(value.value)
    return value


def _widened(items: list[dict], names: list[str]) -> list[tuple]:
    """Rows of the items; a column holding both whole and fractional numbers is all float
    (Spark takes one type per column)."""
    fractional = {n for n in names if any(isinstance(item.get(n), float) for item in items)}

    def cell(value, to_float: bool):
        return float(value) if to_float and isinstance(value, int) and not isinstance(value, bool) else value

    return [tuple(cell(item.get(n), n in fractional) for n in names) for item in items]


def read(spark, options: dict):
    """A DataFrame of every item of the table: one column per attribute any item has."""
    from boto3.dynamodb.types import TypeDeserializer

    table = _table(options, "dynamodb.input.tableName")
    _check_percent(options, "dynamodb.throughput.read.percent")
    client, deserializer = _client(options), TypeDeserializer()
    items = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items += [{k: _plain(deserializer.deserialize(v)) for k, v in item.items()} for item in page.get("Items", [])]
    names = list(dict.fromkeys(name for item in items for name in item))
    if not items:
        from pyspark.sql.types import StructType

        return spark.createDataFrame([], StructType([]))
    return spark.createDataFrame(_widened(items, names), names)
