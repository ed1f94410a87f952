"""One crawl: read a crawler's S3 targets and write one Data Catalog table per dataset folder.

A dataset folder is the first folder below a target path that is not ``key=value``; files
directly under the path (or only under ``key=value`` folders) form a table named after the
path's last folder. ``key=value`` folders become partition keys. A few files per dataset
are sampled. Tables are changed per the crawler's SchemaChangePolicy, and tables this
crawler made earlier that are gone are deleted, deprecated or left (DeleteBehavior).
"""

import fnmatch
import re
from dataclasses import dataclass, field

from ..store import entities as store
from . import inference

FILES_SAMPLED = 3
SAMPLE_BYTES = 1024 * 1024
MAX_PARQUET_BYTES = 256 * 1024 * 1024
FORMATS = {
    "csv": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        {"field.delim": ","},
    ),
    "json": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "org.openx.data.jsonserde.JsonSerDe",
        {"paths": ""},
    ),
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        {"serialization.format": "1"},
    ),
}


class CrawlFailed(Exception):
    """The crawl cannot go on; the message is LastCrawl.ErrorMessage."""


@dataclass
class Dataset:
    location: str
    kind: str | None = None
    partition_keys: list[str] = field(default_factory=list)
    sampled: list[tuple[str, str]] = field(default_factory=list)  # (bucket, key)


def table_name(prefix: str, folder: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", (prefix + folder).lower())


def _split(path: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", path)
    if not match:
        raise CrawlFailed(f"Invalid S3 path {path}")
    bucket, prefix = match.groups()
    return bucket, (prefix.rstrip("/") + "/") if prefix else ""


def _hidden(part: str) -> bool:
    return part.startswith(("_", "."))


def find_datasets(client, crawler: dict) -> dict[str, Dataset]:
    """Datasets by table name, from listing every S3 target."""
    prefix = crawler.get("TablePrefix") or ""
    datasets: dict[str, Dataset] = {}
    for target in (crawler.get("Targets") or {}).get("S3Targets") or []:
        bucket, root = _split(target["Path"])
        exclusions = target.get("Exclusions") or []
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=root)
        for page in pages:
            for obj in page.get("Contents", []):
                relative = obj["Key"][len(root) :]
                parts = relative.split("/")
                if not relative or relative.endswith("/") or any(_hidden(p) for p in parts):
                    continue
                if any(fnmatch.fnmatchcase(relative, pattern) for pattern in exclusions):
                    continue
                kind = inference.classification(parts[-1])
                if kind is None:
                    continue
                folders = parts[:-1]
                if folders and "=" not in folders[0]:
                    name, location, partitions = folders[0], f"s3://{bucket}/{root}{folders[0]}/", folders[1:]
                else:
                    own = root.rstrip("/").rsplit("/", 1)[-1] or bucket
                    name, location, partitions = own, f"s3://{bucket}/{root}", folders
                dataset = datasets.setdefault(table_name(prefix, name), Dataset(location))
                dataset.kind = dataset.kind or kind
                keys = [p.split("=", 1)[0] for p in partitions if "=" in p]
                if len(keys) > len(dataset.partition_keys):
                    dataset.partition_keys = keys
                if kind == dataset.kind and len(dataset.sampled) < FILES_SAMPLED:
                    dataset.sampled.append((bucket, obj["Key"]))
    return datasets


def _read(client, bucket: str, key: str, kind: str) -> bytes:
    if kind == "parquet":  # its schema is in the footer: the whole file is needed
        head = client.head_object(Bucket=bucket, Key=key)
        if head.get("ContentLength", 0) > MAX_PARQUET_BYTES:
            raise CrawlFailed(f"s3://{bucket}/{key} is larger than glueprint samples ({MAX_PARQUET_BYTES} bytes)")
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SAMPLE_BYTES - 1}")["Body"].read()


def table_input(crawler: dict, dataset: Dataset, columns: list[dict]) -> dict:
    input_format, output_format, serde, serde_params = FORMATS[dataset.kind]
    return {
        "StorageDescriptor": {
            "Columns": columns,
            "Location": dataset.location,
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
            "Parameters": {"classification": dataset.kind},
            "StoredAsSubDirectories": False,
        },
        "PartitionKeys": [{"Name": k, "Type": "string"} for k in dataset.partition_keys],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": dataset.kind, "UPDATED_BY_CRAWLER": crawler["Name"], "typeOfData": "file"},
    }


def infer(client, crawler: dict) -> dict[str, dict]:
    """The table each dataset of the crawler's targets makes, by table name."""
    tables = {}
    for name, dataset in find_datasets(client, crawler).items():
        columns: list[dict] = []
        for bucket, key in dataset.sampled:
            try:
                columns = inference.merge_columns(
                    columns, inference.columns(dataset.kind, _read(client, bucket, key, dataset.kind))
                )
            except inference.UnreadableFile as exc:
                raise CrawlFailed(f"s3://{bucket}/{key}: {exc}") from None
        partition_names = set(dataset.partition_keys)
        tables[name] = table_input(crawler, dataset, [c for c in columns if c["Name"] not in partition_names])
    return tables


def write(conn, crawler: dict, tables: dict[str, dict], now: float, catalog_id: str) -> dict:
    """Apply a crawl's tables to the catalog per the SchemaChangePolicy; the crawl's metrics."""
    database = crawler["DatabaseName"].lower()
    policy = crawler.get("SchemaChangePolicy") or {}
    metrics = {"TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0}
    if not store.exists(conn, "database", database):
        store.add(conn, "database", database, {"Name": database, "CreateTime": now, "CatalogId": catalog_id}, now)
    for name, given in tables.items():
        existing = store.get(conn, "table", name, scope=database)
        if existing is None:
            doc = {
                **given,
                "Name": name,
                "DatabaseName": database,
                "CreateTime": now,
                "UpdateTime": now,
                "CatalogId": catalog_id,
                "CreatedBy": crawler.get("Role", ""),
            }
            store.add(conn, "table", name, doc, now, scope=database)
            metrics["TablesCreated"] += 1
        elif policy.get("UpdateBehavior", "UPDATE_IN_DATABASE") == "UPDATE_IN_DATABASE":
            changed = {**existing, **given, "UpdateTime": now}
            changed["Parameters"] = {k: v for k, v in changed["Parameters"].items() if k != "DEPRECATED_BY_CRAWLER"}
            if _shape(changed) != _shape(existing):
                store.replace(conn, "table", name, changed, scope=database)
                metrics["TablesUpdated"] += 1
    behaviour = policy.get("DeleteBehavior", "DEPRECATE_IN_DATABASE")
    for doc in _tables_made_by(conn, database, crawler["Name"]):
        if doc["Name"] in tables or behaviour == "LOG":
            continue
        if behaviour == "DELETE_FROM_DATABASE":
            store.remove(conn, "table", doc["Name"], scope=database)
            metrics["TablesDeleted"] += 1
        elif "DEPRECATED_BY_CRAWLER" not in doc["Parameters"]:
            doc["Parameters"]["DEPRECATED_BY_CRAWLER"] = crawler["Name"]
            store.replace(conn, "table", doc["Name"], {**doc, "UpdateTime": now}, scope=database)
    return metrics


def _shape(table: dict) -> tuple:
    return (table.get("StorageDescriptor"), table.get("PartitionKeys"), table.get("Parameters"))


def _tables_made_by(conn, database: str, crawler_name: str) -> list[dict]:
    docs, after = [], None
    while page := store.page(conn, "table", after, 500, scope=database):
        docs += [d for d in page if (d.get("Parameters") or {}).get("UPDATED_BY_CRAWLER") == crawler_name]
        after = page[-1]["Name"]
    return docs
