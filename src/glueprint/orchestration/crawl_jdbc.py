"""JDBC targets, read through the catalog connection they name (its JDBC_CONNECTION_URL,
USERNAME, PASSWORD). PostgreSQL is read from information_schema with psycopg; other engines
fail the crawl with the reason. The include path is ``database/schema/table`` with ``%``
wildcards, as AWS's documents; tables are named ``database_schema_table`` and located at
``database.schema.table``, as AWS's crawler names and locates them.
"""

import re

import psycopg

from . import crawl_names
from .crawl_catalog import Found
from .crawl_exclusions import BadPattern, excluded

CONNECT_TIMEOUT_S = 10
_TYPES = {
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "real": "float",
    "double precision": "double",
    "boolean": "boolean",
    "date": "date",
    "bytea": "binary",
}

_COLUMNS = """
SELECT table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale
FROM information_schema.columns
WHERE table_catalog = %s AND table_schema LIKE %s AND table_name LIKE %s
  AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY table_schema, table_name, ordinal_position
"""


class JdbcFailed(Exception):
    pass


def hive_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric" and precision is not None:
        return f"decimal({precision},{scale or 0})"
    if data_type.startswith("timestamp"):
        return "timestamp"
    return _TYPES.get(data_type, "string")


def _connect(connection: dict):
    props = connection.get("ConnectionProperties") or {}
    url = props.get("JDBC_CONNECTION_URL", "")
    match = re.fullmatch(r"jdbc:postgresql://([^/:]+)(?::(\d+))?/([^?]+)(?:\?.*)?", url)
    if not match:
        engine = url.split(":")[1] if url.count(":") >= 2 else url
        raise JdbcFailed(f"JDBC URL {url!r} of connection {connection.get('Name')}: glueprint crawls PostgreSQL only ({engine})")
    host, port, database = match.groups()
    try:
        conn = psycopg.connect(
            host=host,
            port=int(port or 5432),
            dbname=database,
            user=props.get("USERNAME"),
            password=props.get("PASSWORD"),
            connect_timeout=CONNECT_TIMEOUT_S,
        )
    except psycopg.Error as exc:
        raise JdbcFailed(f"Unable to connect to {url} through connection {connection.get('Name')}: {exc}".strip()) from None
    return conn, database


def tables(connection: dict, target: dict, crawler: dict) -> list[Found]:
    conn, database = _connect(connection)
    path = target.get("Path") or ""
    parts = path.split("/")
    if len(parts) != 3:
        conn.close()
        raise JdbcFailed(f"JDBC include path {path!r}: give database/schema/table (% is a wildcard)")
    wanted_db, schema, table = parts
    if wanted_db != database:
        conn.close()
        raise JdbcFailed(
            f"JDBC include path {path!r} names database {wanted_db}, but connection {connection['Name']} opens {database}"
        )
    with conn:
        rows = conn.execute(_COLUMNS, (database, schema, table)).fetchall()
    found: dict[tuple[str, str], list[dict]] = {}
    for table_schema, table_name, column, data_type, precision, scale in rows:
        found.setdefault((table_schema, table_name), []).append(
            {"Name": column.lower(), "Type": hive_type(data_type, precision, scale)}
        )
    prefix = crawler.get("TablePrefix") or ""
    result = []
    for (table_schema, table_name), columns in found.items():
        try:
            if excluded(f"{database}/{table_schema}/{table_name}", target.get("Exclusions") or []):
                continue
        except BadPattern as exc:
            raise JdbcFailed(f"Invalid exclude pattern for {path}: {exc}") from None
        location = f"{database}.{table_schema}.{table_name}"
        params = {
            "classification": "postgresql",
            "typeOfData": "table",
            "compressionType": "none",
            "connectionName": connection["Name"],
        }
        doc = {
            "StorageDescriptor": {
                "Columns": columns,
                "Location": location,
                "Compressed": False,
                "NumberOfBuckets": -1,
                "SerdeInfo": {"Parameters": {}},
                "BucketColumns": [],
                "SortColumns": [],
                "Parameters": params,
                "StoredAsSubDirectories": False,
            },
            "PartitionKeys": [],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {**params, "UPDATED_BY_CRAWLER": crawler["Name"]},
        }
        name = crawl_names.base_name(prefix, f"{database}_{table_schema}_{table_name}")
        result.append(Found(name, location, doc, []))
    return result
