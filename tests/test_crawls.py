"""Crawls over boto3 on both backends: S3 files in moto's server become Data Catalog tables and
partitions the way AWS's crawler makes them (developer guide: "How does a crawler determine
when to create partitions?", "Creating a single schema for each Amazon S3 include path",
"Specifying the table location and partitioning level", "Built-in classifiers", "Incremental
crawls", "Include and exclude patterns").

Partitions are read through the store module: the partition API operations come from another
branch; once merged these reads become GetPartitions calls.
"""

import bz2
import gzip
import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import boto3
import cramjam
import fastavro
import psycopg
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from sqlalchemy import create_engine

from glueprint.domain import crawl_config
from glueprint.orchestration.crawl_exclusions import excluded
from glueprint.store import entities as entity_store
from glueprint.store import partitions as partition_store
from glueprint.testing import mock_glue
from glueprint.waiting import wait_for_blueprint
from test_schedules import Clock, wait_for

from conftest import BUCKET, PG_ADMIN_URL, ROLE, zip_files
from servers import glue_client, s3_client

_ENGINES: dict = {}


# Waits for what surely comes are generous: the CI runs six suites side by side on two cores.
def wait_ready(glue, name: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while (crawler := glue.get_crawler(Name=name)["Crawler"])["State"] != "READY" or "LastCrawl" not in crawler:
        assert time.monotonic() < deadline, crawler
        time.sleep(0.1)
    return crawler


def partitions_of(server, database: str, table: str) -> list[dict]:
    engine = _ENGINES.get(server.db_url)
    if engine is None:
        engine = _ENGINES[server.db_url] = create_engine(server.db_url, pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        return sorted((doc for _, doc in partition_store.page(conn, database, table, None, 10_000)), key=lambda p: p["Values"])


@pytest.fixture
def lake(s3):
    """A fresh folder in the test bucket: put(files) uploads {relative key: bytes}."""
    client, root = s3_client(s3.url), uuid.uuid4().hex

    class Lake:
        path = f"s3://{BUCKET}/{root}"
        id = root[:8]

        def put(self, files: dict[str, bytes]) -> None:
            for key, body in files.items():
                client.put_object(Bucket=BUCKET, Key=f"{root}/{key}", Body=body)

        def delete(self, key: str) -> None:
            client.delete_object(Bucket=BUCKET, Key=f"{root}/{key}")

    return Lake()


def crawl(glue, lake, paths: list[str] | None = None, start: bool = True, **request) -> tuple[str, dict]:
    """Create a crawler of the lake (or of the given sub-paths) into a fresh database, run it once."""
    name = f"crawler_{uuid.uuid4().hex[:8]}"
    request.setdefault("DatabaseName", f"db_{uuid.uuid4().hex[:8]}")
    if "Targets" not in request:
        request["Targets"] = {"S3Targets": [{"Path": f"{lake.path}/{p}"} for p in (paths or [""])]}
    glue.create_crawler(Name=name, Role=ROLE, **request)
    if not start:
        return name, {}
    return name, recrawl(glue, name)


def recrawl(glue, name: str) -> dict:
    before = glue.get_crawler(Name=name)["Crawler"].get("LastCrawl", {}).get("MessagePrefix")
    glue.start_crawler(Name=name)
    deadline = time.monotonic() + 120
    while True:
        crawler = wait_ready(glue, name)
        if crawler["LastCrawl"]["MessagePrefix"] != before:
            return crawler
        assert time.monotonic() < deadline
        time.sleep(0.1)


def tables(glue, database: str) -> dict[str, dict]:
    return {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}


def columns(doc: dict) -> dict:
    return {c["Name"]: c["Type"] for c in doc["StorageDescriptor"]["Columns"]}


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


SALES = csv("id,amount,name", "1,9.5,ann", "2,3.25,bob")


# Tables and partitions


def test_year_and_month_folders_of_one_schema_become_one_table_with_partition_n_keys(glue, server, lake):
    lake.put({"sales/2023/01/a.csv": SALES, "sales/2023/02/a.csv": SALES, "sales/2024/01/a.csv": SALES})
    name, crawler = crawl(glue, lake, ["sales"])
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    database = crawler["DatabaseName"]
    found = tables(glue, database)
    assert list(found) == ["sales"]
    sales = found["sales"]
    assert [k["Name"] for k in sales["PartitionKeys"]] == ["partition_0", "partition_1"]
    assert sales["StorageDescriptor"]["Location"] == f"{lake.path}/sales/"
    assert columns(sales) == {"id": "bigint", "amount": "double", "name": "string"}
    parts = partitions_of(server, database, "sales")
    assert [p["Values"] for p in parts] == [["2023", "01"], ["2023", "02"], ["2024", "01"]]
    assert [p["StorageDescriptor"]["Location"] for p in parts] == [
        f"{lake.path}/sales/2023/01/",
        f"{lake.path}/sales/2023/02/",
        f"{lake.path}/sales/2024/01/",
    ]
    assert all(columns(p) == columns(sales) and p["TableName"] == "sales" for p in parts)
    assert glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]["TablesCreated"] == 1


def test_key_value_folders_name_their_partition_keys(glue, server, lake):
    lake.put({"sales/year=2024/month=01/a.csv": SALES, "sales/year=2024/month=02/a.csv": SALES})
    _, crawler = crawl(glue, lake, ["sales"])
    sales = tables(glue, crawler["DatabaseName"])["sales"]
    assert [k["Name"] for k in sales["PartitionKeys"]] == ["year", "month"]
    assert [p["Values"] for p in partitions_of(server, crawler["DatabaseName"], "sales")] == [["2024", "01"], ["2024", "02"]]


def test_include_path_with_dissimilar_formats_makes_a_table_per_folder(glue, lake):
    lake.put(
        {
            "sales/year=2024/a.csv": SALES,
            "events/day=1/e.json": b'{"user": "ann", "clicks": 3, "tags": ["x"], "geo": {"lat": 1.5}}\n',
            "metrics/m.parquet": parquet_bytes(),
            "metrics/_SUCCESS": b"",
        }
    )
    _, crawler = crawl(glue, lake, TablePrefix="raw_")
    found = tables(glue, crawler["DatabaseName"])
    assert sorted(found) == ["raw_events", "raw_metrics", "raw_sales"]
    assert columns(found["raw_events"]) == {
        "user": "string",
        "clicks": "bigint",
        "tags": "array<string>",
        "geo": "struct<lat:double>",
    }
    assert columns(found["raw_metrics"]) == {"sensor": "string", "value": "double", "count": "int"}
    assert found["raw_metrics"]["Parameters"]["classification"] == "parquet"


def test_sibling_folders_with_dissimilar_schemas_become_separate_tables_named_after_the_folders(glue, lake):
    # AWS's example: {"A":1,"B":2} under year=2017 and {"C":3,"D":4} under year=2018.
    lake.put({"table1/year=2017/data1.json": b'{"A": 1, "B": 2}\n', "table1/year=2018/data2.json": b'{"C": 3, "D": 4}\n'})
    _, crawler = crawl(glue, lake, ["table1"])
    assert sorted(tables(glue, crawler["DatabaseName"])) == ["year_2017", "year_2018"]


def test_combine_compatible_schemas_makes_one_table_of_dissimilar_siblings(glue, lake):
    lake.put({"table1/year=2017/data1.json": b'{"A": 1, "B": 2}\n', "table1/year=2018/data2.json": b'{"C": 3, "D": 4}\n'})
    config = {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
    _, crawler = crawl(glue, lake, ["table1"], Configuration=json.dumps(config))
    found = tables(glue, crawler["DatabaseName"])
    assert list(found) == ["table1"]
    assert columns(found["table1"]) == {"a": "bigint", "b": "bigint", "c": "bigint", "d": "bigint"}
    assert found["table1"]["PartitionKeys"] == [{"Name": "year", "Type": "string"}]


def test_table_level_configuration_puts_tables_at_that_absolute_folder_level(glue, server, lake):
    # The lake's own folder is level 1 below the bucket; ds is 2; its year folders are 3.
    lake.put({"ds/2023/01/a.csv": SALES, "ds/2024/01/a.csv": SALES, "ds/2024/02/a.csv": SALES})
    config = {"Version": 1.0, "Grouping": {"TableLevelConfiguration": 3}}
    _, crawler = crawl(glue, lake, ["ds"], Configuration=json.dumps(config))
    found = tables(glue, crawler["DatabaseName"])
    assert sorted(found) == ["2023", "2024"]
    assert found["2024"]["StorageDescriptor"]["Location"] == f"{lake.path}/ds/2024/"
    assert [p["Values"] for p in partitions_of(server, crawler["DatabaseName"], "2024")] == [["01"], ["02"]]


def test_two_targets_yielding_one_table_name_give_the_later_one_a_hash_suffix(glue, lake):
    lake.put({"a/sales/x.csv": SALES, "b/sales/x.csv": SALES})
    _, crawler = crawl(glue, lake, ["a/sales", "b/sales"])
    names = sorted(tables(glue, crawler["DatabaseName"]))
    assert names[0] == "sales" and names[1].startswith("sales_") and len(names[1]) == len("sales_") + 32
    again = recrawl(glue, crawler["Name"])  # the same location keeps the same name
    assert again["LastCrawl"]["Status"] == "SUCCEEDED"
    assert sorted(tables(glue, crawler["DatabaseName"])) == names


def test_table_names_are_lower_case_prefixed_and_truncated_to_the_catalog_limit(glue, lake):
    folder = "Long-Name." + "x" * 300
    lake.put({f"{folder}/a.csv": SALES})
    _, crawler = crawl(glue, lake, [folder], TablePrefix="Raw_")
    (table,) = tables(glue, crawler["DatabaseName"])
    assert len(table) == 255 and table.startswith("raw_long_name_xxx")


# Classification


def test_csv_tables_carry_the_serde_and_parameters_aws_crawlers_write(glue, lake):
    lake.put(
        {
            "plain/a.csv": SALES,
            "quoted/a.csv": csv("id,name", '1,"ann, b"', '2,"bob"'),
            "piped/a.txt": csv("id|name", "1|ann", "2|bob"),
        }
    )
    _, crawler = crawl(glue, lake, ["plain", "quoted", "piped"])
    found = tables(glue, crawler["DatabaseName"])
    plain = found["plain"]
    assert plain["StorageDescriptor"]["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": ","},
    }
    params = plain["Parameters"]
    assert {
        k: params[k] for k in ("classification", "delimiter", "skip.header.line.count", "areColumnsQuoted", "columnsOrdered")
    } == {
        "classification": "csv",
        "delimiter": ",",
        "skip.header.line.count": "1",
        "areColumnsQuoted": "false",
        "columnsOrdered": "true",
    }
    assert (
        params["compressionType"] == "none" and params["typeOfData"] == "file" and params["UPDATED_BY_CRAWLER"] == crawler["Name"]
    )
    assert params["objectCount"] == "1" and params["sizeKey"] == str(len(SALES))
    assert int(params["recordCount"]) == 2 and int(params["averageRecordSize"]) > 0
    assert params["CrawlerSchemaDeserializerVersion"] == params["CrawlerSchemaSerializerVersion"] == "1.0"
    assert plain["StorageDescriptor"]["Parameters"]["classification"] == "csv"
    quoted = found["quoted"]
    assert quoted["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert quoted["Parameters"]["areColumnsQuoted"] == "true"
    assert found["piped"]["Parameters"]["delimiter"] == "|" and columns(found["piped"]) == {"id": "bigint", "name": "string"}


def test_csv_whose_first_row_is_not_distinct_has_no_header_and_col_n_names(glue, lake):
    lake.put({"names/a.csv": csv("ann,bob", "cy,dee", "eve,fay")})
    _, crawler = crawl(glue, lake, ["names"])
    table = tables(glue, crawler["DatabaseName"])["names"]
    assert columns(table) == {"col0": "string", "col1": "string"}
    assert "skip.header.line.count" not in table["Parameters"]


def test_compressed_csv_and_json_are_classified_with_their_compression(glue, lake):
    lake.put(
        {
            "gz/a.csv.gz": gzip.compress(SALES),
            "bz/a.json.bz2": bz2.compress(b'{"id": 1, "name": "ann"}\n{"id": 2, "name": "bob"}\n'),
            "sn/a.csv.snappy": bytes(cramjam.snappy.compress(SALES)),
        }
    )
    _, crawler = crawl(glue, lake, ["gz", "bz", "sn"])
    found = tables(glue, crawler["DatabaseName"])
    assert (found["gz"]["Parameters"]["classification"], found["gz"]["Parameters"]["compressionType"]) == ("csv", "gzip")
    assert (found["bz"]["Parameters"]["classification"], found["bz"]["Parameters"]["compressionType"]) == ("json", "bzip2")
    assert (found["sn"]["Parameters"]["classification"], found["sn"]["Parameters"]["compressionType"]) == ("csv", "snappy")
    assert columns(found["gz"]) == columns(found["sn"]) == {"id": "bigint", "amount": "double", "name": "string"}
    assert columns(found["bz"]) == {"id": "bigint", "name": "string"}
    assert found["gz"]["StorageDescriptor"]["Compressed"] is True


def parquet_bytes() -> bytes:
    table = pa.table({"sensor": pa.array(["a", "b"]), "value": pa.array([1.5, 2.5]), "count": pa.array([1, 2], pa.int32())})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def test_avro_and_orc_files_are_classified_with_their_own_schemas(glue, lake):
    schema = {
        "type": "record",
        "name": "Reading",
        "fields": [
            {"name": "Sensor", "type": "string"},
            {"name": "value", "type": ["null", "double"]},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        ],
    }
    avro = io.BytesIO()
    fastavro.writer(avro, schema, [{"Sensor": "a", "value": 1.5, "at": 0}])
    orc_file = io.BytesIO()
    orc.write_table(pa.table({"id": pa.array([1, 2], pa.int64()), "ok": pa.array([True, False])}), orc_file)
    lake.put({"av/r.avro": avro.getvalue(), "oc/r.orc": orc_file.getvalue()})
    _, crawler = crawl(glue, lake, ["av", "oc"])
    found = tables(glue, crawler["DatabaseName"])
    assert found["av"]["Parameters"]["classification"] == "avro"
    assert columns(found["av"]) == {"sensor": "string", "value": "double", "at": "timestamp"}
    assert found["av"]["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
    assert found["oc"]["Parameters"]["classification"] == "orc"
    assert columns(found["oc"]) == {"id": "bigint", "ok": "boolean"}
    assert found["oc"]["StorageDescriptor"]["InputFormat"] == "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"


def test_a_zero_byte_file_does_not_fail_the_crawl(glue, lake):
    lake.put({"mixed/empty.csv": b"", "mixed/a.csv": SALES, "nothing/empty.csv": b""})
    _, crawler = crawl(glue, lake, ["mixed", "nothing"])
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    found = tables(glue, crawler["DatabaseName"])
    assert columns(found["mixed"]) == {"id": "bigint", "amount": "double", "name": "string"}
    assert found["mixed"]["Parameters"]["objectCount"] == "2"
    assert found["nothing"]["Parameters"]["classification"] == "UNKNOWN"


def test_a_crawl_of_an_unreadable_file_fails_with_the_reason(glue, lake):
    lake.put({"broken/x.parquet": b"PAR1 but not parquet at all"})
    _, crawler = crawl(glue, lake)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert f"{lake.path}/broken/x.parquet" in crawler["LastCrawl"]["ErrorMessage"]


# Configuration and policies


def test_merge_new_columns_adds_new_columns_and_keeps_existing_types(glue, lake):
    lake.put({"t/a.csv": csv("id,name", "1,ann", "2,bob")})
    config = {"Version": 1.0, "CrawlerOutput": {"Tables": {"AddOrUpdateBehavior": "MergeNewColumns"}}}
    name, crawler = crawl(glue, lake, ["t"], Configuration=json.dumps(config))
    lake.put({"t/a.csv": csv("id,score,name", "x1,2.5,ann", "x2,3.5,bob")})
    recrawl(glue, name)
    assert columns(tables(glue, crawler["DatabaseName"])["t"]) == {"id": "bigint", "name": "string", "score": "double"}


def test_without_merge_new_columns_an_update_replaces_the_schema(glue, lake):
    lake.put({"t/a.csv": csv("id,name", "1,ann", "2,bob")})
    name, crawler = crawl(glue, lake, ["t"])
    lake.put({"t/a.csv": csv("id,score", "x1,2.5", "x2,3.5")})
    recrawl(glue, name)
    assert columns(tables(glue, crawler["DatabaseName"])["t"]) == {"id": "string", "score": "double"}
    assert glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]["TablesUpdated"] == 1


def test_a_crawl_that_changes_a_table_archives_its_earlier_version_as_update_table_does(glue, lake):
    lake.put({"t/a.csv": csv("id,name", "1,ann", "2,bob")})
    name, crawler = crawl(glue, lake, ["t"])
    lake.put({"t/a.csv": csv("id,score", "x1,2.5", "x2,3.5")})
    recrawl(glue, name)
    versions = glue.get_table_versions(DatabaseName=crawler["DatabaseName"], TableName="t")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["1", "0"]
    assert columns(versions[1]["Table"]) == {"id": "bigint", "name": "string"}


def test_a_crawl_that_drops_or_retypes_a_column_drops_its_statistics_as_update_table_does(glue, lake):
    lake.put({"t/a.csv": csv("id,name,amount", "1,ann,2.5", "2,bob,3.5")})
    name, crawler = crawl(glue, lake, ["t"])
    where = {"DatabaseName": crawler["DatabaseName"], "TableName": "t"}
    long = {"Type": "LONG", "LongColumnStatisticsData": {"NumberOfNulls": 0, "NumberOfDistinctValues": 2}}
    text = {
        "Type": "STRING",
        "StringColumnStatisticsData": {"MaximumLength": 3, "AverageLength": 3.0, "NumberOfNulls": 0, "NumberOfDistinctValues": 2},
    }
    double = {"Type": "DOUBLE", "DoubleColumnStatisticsData": {"NumberOfNulls": 0, "NumberOfDistinctValues": 2}}
    given = [
        {"ColumnName": column, "ColumnType": kind, "AnalyzedTime": datetime(2024, 1, 1, tzinfo=UTC), "StatisticsData": data}
        for column, kind, data in (("id", "bigint", long), ("name", "string", text), ("amount", "double", double))
    ]
    assert glue.update_column_statistics_for_table(**where, ColumnStatisticsList=given)["Errors"] == []
    lake.put({"t/a.csv": csv("id,amount,score", "x1,2.5,1.5", "x2,3.5,2.5")})  # id now a string, name gone
    recrawl(glue, name)
    got = glue.get_column_statistics_for_table(**where, ColumnNames=["id", "name", "amount"])
    assert [s["ColumnName"] for s in got["ColumnStatisticsList"]] == ["amount"]
    assert [e["ColumnName"] for e in got["Errors"]] == ["id", "name"]


def test_partitions_a_crawl_deletes_lose_their_column_statistics(glue, lake):
    lake.put({"s/day=1/a.csv": SALES, "s/day=2/a.csv": SALES})
    policy = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"}
    name, crawler = crawl(glue, lake, ["s"], SchemaChangePolicy=policy)
    where = {"DatabaseName": crawler["DatabaseName"], "TableName": "s"}
    data = {"Type": "LONG", "LongColumnStatisticsData": {"NumberOfNulls": 0, "NumberOfDistinctValues": 2}}
    given = [
        {"ColumnName": "id", "ColumnType": "bigint", "AnalyzedTime": datetime(2024, 1, 1, tzinfo=UTC), "StatisticsData": data}
    ]
    for day in ("1", "2"):
        glue.update_column_statistics_for_partition(**where, PartitionValues=[day], ColumnStatisticsList=given)
    lake.delete("s/day=2/a.csv")
    recrawl(glue, name)
    glue.create_partition(**where, PartitionInput={"Values": ["2"]})
    stats = {
        day: glue.get_column_statistics_for_partition(**where, PartitionValues=[day], ColumnNames=["id"])["ColumnStatisticsList"]
        for day in ("1", "2")
    }
    assert stats == {"1": given, "2": []}


def test_delete_from_database_drops_partitions_whose_folders_are_gone_and_updates_the_rest(glue, server, lake):
    lake.put({"s/day=1/a.csv": SALES, "s/day=2/a.csv": SALES, "s/day=3/a.csv": SALES})
    policy = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"}
    name, crawler = crawl(glue, lake, ["s"], SchemaChangePolicy=policy)
    lake.delete("s/day=2/a.csv")
    wide = csv("id,amount,name,note", "1,9.5,ann,x", "2,3.25,bob,y")
    lake.put({"s/day=1/a.csv": wide, "s/day=3/a.csv": wide})
    recrawl(glue, name)
    parts = partitions_of(server, crawler["DatabaseName"], "s")
    assert [p["Values"] for p in parts] == [["1"], ["3"]]
    assert all("note" in columns(p) for p in parts)


def test_partitions_inherit_the_table_schema_with_inherit_from_table(glue, server, lake):
    wide = csv("id,amount,name,note", "1,9.5,ann,x", "2,3.25,bob,y")
    lake.put({"s/p=1/a.csv": SALES, "s/p=2/a.csv": SALES, "s/p=3/a.csv": wide})
    _, own = crawl(glue, lake, ["s"])
    own_parts = partitions_of(server, own["DatabaseName"], "s")
    assert [sorted(columns(p)) for p in own_parts][0] == ["amount", "id", "name"]  # each partition its own schema
    config = {"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}
    _, inherit = crawl(glue, lake, ["s"], Configuration=json.dumps(config))
    table = tables(glue, inherit["DatabaseName"])["s"]
    parts = partitions_of(server, inherit["DatabaseName"], "s")
    assert all(columns(p) == columns(table) for p in parts) and "note" in columns(table)
    assert [p["StorageDescriptor"]["Location"] for p in parts] == [f"{lake.path}/s/p={i}/" for i in (1, 2, 3)]


def test_crawl_new_folders_only_is_refused_without_log_schema_change_policies(glue, lake):
    recrawl_policy = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    with pytest.raises(ClientError) as error:
        crawl(glue, lake, start=False, RecrawlPolicy=recrawl_policy)
    assert error.value.response["Error"]["Code"] == "InvalidInputException"
    assert error.value.response["Error"]["Message"] == crawl_config.NEW_FOLDERS_ONLY_MESSAGE
    log = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    name, _ = crawl(glue, lake, start=False, RecrawlPolicy=recrawl_policy, SchemaChangePolicy=log)
    with pytest.raises(ClientError) as error:
        glue.update_crawler(Name=name, SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"})
    assert error.value.response["Error"]["Code"] == "InvalidInputException"
    assert glue.get_crawler(Name=name)["Crawler"]["SchemaChangePolicy"] == log
    with pytest.raises(ClientError) as error:
        glue.update_crawler(Name=name, Targets={"JdbcTargets": [{"ConnectionName": "c", "Path": "d/s/t"}]})
    assert error.value.response["Error"]["Message"] == crawl_config.NEW_FOLDERS_ONLY_S3_MESSAGE


def test_crawl_new_folders_only_adds_the_new_folders_and_leaves_the_old(glue, server, lake):
    lake.put({"s/day=1/a.csv": SALES, "s/day=2/a.csv": SALES})
    log = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    name, crawler = crawl(glue, lake, ["s"], RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}, SchemaChangePolicy=log)
    before = partitions_of(server, crawler["DatabaseName"], "s")
    lake.put({"s/day=3/a.csv": SALES, "s/day=1/a.csv": csv("other,cols", "x,1", "y,2")})
    assert recrawl(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    after = partitions_of(server, crawler["DatabaseName"], "s")
    assert [p["Values"] for p in after] == [["1"], ["2"], ["3"]]
    assert after[0] == before[0]  # day=1 was not crawled again


def test_exclusions_follow_aws_glob_semantics(glue, lake):
    lake.put(
        {
            "t/a.csv": SALES,
            "t/skip.csv": csv("other,cols", "x,1", "y,2"),
            "t/logs/2024/x.json": b'{"a": 1}\n',
            "u/a.csv": SALES,
        }
    )
    targets = {
        "S3Targets": [
            {"Path": f"{lake.path}/t", "Exclusions": ["skip.*", "logs/**"]},
            {"Path": f"{lake.path}/u", "Exclusions": ["**.csv"]},
        ]
    }
    _, crawler = crawl(glue, lake, Targets=targets)
    found = tables(glue, crawler["DatabaseName"])
    assert list(found) == ["t"] and columns(found["t"]) == {"id": "bigint", "amount": "double", "name": "string"}
    assert found["t"]["Parameters"]["objectCount"] == "1"


def test_more_tables_than_the_table_threshold_fail_the_crawl_and_write_nothing(glue, lake):
    lake.put({"a/x.csv": SALES, "b/x.json": b'{"k": 1}\n'})
    config = {"Version": 1.0, "CrawlerOutput": {"Tables": {"TableThreshold": 1}}}
    _, crawler = crawl(glue, lake, Configuration=json.dumps(config))
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert crawler["LastCrawl"]["ErrorMessage"] == (
        "The number of tables detected by crawler: 2 is greater than the table threshold value provided: 1"
    )


def test_a_crawler_without_a_database_name_writes_to_the_default_database(glue, lake):
    lake.put({f"nodb_{lake.id}/a.csv": SALES})
    name = f"crawler_{lake.id}"
    glue.create_crawler(Name=name, Role=ROLE, Targets={"S3Targets": [{"Path": f"{lake.path}/nodb_{lake.id}"}]})
    assert recrawl(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert glue.get_table(DatabaseName="default", Name=f"nodb_{lake.id}")["Table"]["Parameters"]["UPDATED_BY_CRAWLER"] == name


# Catalog, DynamoDB and JDBC targets


def test_a_catalog_target_crawl_updates_the_named_table_and_its_partitions_without_a_database_name(glue, server, lake):
    lake.put({"events/dt=2024-01-01/a.csv": SALES, "events/dt=2024-01-02/a.csv": SALES, "other/a.csv": SALES})
    database = f"cat_{lake.id}"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "events",
            "StorageDescriptor": {"Location": f"{lake.path}/events/", "Columns": []},
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        },
    )
    name = f"crawler_{lake.id}"
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        Targets={"CatalogTargets": [{"DatabaseName": database, "Tables": ["events"]}]},
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
    )
    assert "DatabaseName" not in glue.get_crawler(Name=name)["Crawler"]
    crawler = recrawl(glue, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
    found = tables(glue, database)
    assert list(found) == ["events"]  # no table is created
    assert columns(found["events"]) == {"id": "bigint", "amount": "double", "name": "string"}
    assert found["events"]["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert [p["Values"] for p in partitions_of(server, database, "events")] == [["2024-01-01"], ["2024-01-02"]]


def test_a_catalog_target_naming_a_missing_table_fails_the_crawl_with_the_reason(glue, lake):
    database = f"cat_{lake.id}"
    glue.create_database(DatabaseInput={"Name": database})
    name = f"crawler_{lake.id}"
    targets = {"CatalogTargets": [{"DatabaseName": database, "Tables": ["missing"]}]}
    glue.create_crawler(Name=name, Role=ROLE, Targets=targets, SchemaChangePolicy={"DeleteBehavior": "LOG"})
    crawler = recrawl(glue, name)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert crawler["LastCrawl"]["ErrorMessage"] == f"Catalog target table {database}.missing does not exist"


def test_a_catalog_target_crawler_in_a_workflow_ends_and_so_does_its_workflow_run(glue, lake):
    # The shape AWS's sample blueprints create: no DatabaseName, a catalog target; here its table is missing.
    name = f"crawler_{lake.id}"
    targets = {"CatalogTargets": [{"DatabaseName": f"nodb_{lake.id}", "Tables": ["events"]}]}
    glue.create_crawler(Name=name, Role=ROLE, Targets=targets, SchemaChangePolicy={"DeleteBehavior": "LOG"})
    workflow = f"wf_{lake.id}"
    glue.create_workflow(Name=workflow)
    glue.create_trigger(Name=f"{workflow}_start", WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"CrawlerName": name}])
    run_id = glue.start_workflow_run(Name=workflow)["RunId"]
    deadline = time.monotonic() + 120
    while (run := glue.get_workflow_run(Name=workflow, RunId=run_id)["Run"])["Status"] == "RUNNING":
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    assert run["Status"] == "COMPLETED" and run["Statistics"]["FailedActions"] == 1
    assert glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"] == "FAILED"


def test_catalog_targets_cannot_be_mixed_with_other_targets(glue, lake):
    targets = {"CatalogTargets": [{"DatabaseName": "d", "Tables": ["t"]}], "S3Targets": [{"Path": lake.path}]}
    with pytest.raises(ClientError) as error:
        crawl(glue, lake, start=False, Targets=targets)
    assert error.value.response["Error"]["Code"] == "InvalidInputException"
    assert error.value.response["Error"]["Message"] == crawl_config.MIXED_CATALOG_TARGETS_MESSAGE


def test_dynamodb_targets_fail_the_crawl_with_the_reason(glue, lake):
    _, crawler = crawl(glue, lake, Targets={"DynamoDBTargets": [{"Path": "orders"}]})
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert "DynamoDB targets cannot be crawled" in crawler["LastCrawl"]["ErrorMessage"]


# Limits


def test_a_column_name_longer_than_the_catalog_allows_fails_the_crawl_with_the_reason(glue, lake):
    lake.put({"wide/a.csv": csv("id," + "c" * 300, "1,2", "3,4")})
    name, crawler = crawl(glue, lake, ["wide"])
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    message = crawler["LastCrawl"]["ErrorMessage"]
    assert message.startswith("Table wide") and "length less than or equal to 255" in message
    with pytest.raises(ClientError):  # nothing was written, not even the database
        glue.get_database(Name=crawler["DatabaseName"])
    lake.put({"wide/a.csv": SALES})  # the crawler is not stranded: it crawls again
    assert recrawl(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"


def test_a_database_name_longer_than_the_catalog_allows_fails_the_crawl_with_the_reason(glue, lake):
    lake.put({"t/a.csv": SALES})
    _, crawler = crawl(glue, lake, ["t"], DatabaseName="d" * 300)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert "longer than 255 characters" in crawler["LastCrawl"]["ErrorMessage"]


# Crawl history, running crawlers


@pytest.fixture(scope="module")
def slow_glue(start_server):
    """A server whose slow_* crawls are simulated and take 10 s: time enough to look at one
    running, however loaded the machine."""
    return glue_client(start_server("--outcome", "slow_*=SUCCEEDED:10").url)


def test_crawl_elapsed_time_is_zero_before_any_crawl_and_grows_while_one_runs(slow_glue):
    name = f"slow_{uuid.uuid4().hex[:8]}"
    slow_glue.create_crawler(Name=name, Role=ROLE, DatabaseName="slow", Targets={"S3Targets": [{"Path": "s3://nowhere/x"}]})
    assert slow_glue.get_crawler(Name=name)["Crawler"]["CrawlElapsedTime"] == 0
    slow_glue.start_crawler(Name=name)
    deadline = time.monotonic() + 30
    while not (first := slow_glue.get_crawler(Name=name)["Crawler"]["CrawlElapsedTime"]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    second = slow_glue.batch_get_crawlers(CrawlerNames=[name])["Crawlers"][0]["CrawlElapsedTime"]
    assert 0 < first < second
    with pytest.raises(ClientError) as error:  # a running crawler cannot be deleted
        slow_glue.delete_crawler(Name=name)
    assert error.value.response["Error"]["Code"] == "CrawlerRunningException"
    assert [c["State"] for c in slow_glue.list_crawls(CrawlerName=name)["Crawls"]] == ["RUNNING"]
    assert wait_ready(slow_glue, name)["CrawlElapsedTime"] == 0
    slow_glue.delete_crawler(Name=name)


def test_list_crawls_shows_each_crawl_newest_first_with_filters_and_paging(glue, lake):
    lake.put({"t/a.csv": SALES})
    name, _ = crawl(glue, lake, ["t"])
    lake.put({"t/a.csv": b"PAR1 broken"})
    recrawl(glue, name)
    lake.put({"t/a.csv": SALES})
    recrawl(glue, name)
    crawls = glue.list_crawls(CrawlerName=name)["Crawls"]
    assert [c["State"] for c in crawls] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert crawls[2]["Summary"] == '{"TABLE":{"ADD":{"Count":1}}}'
    assert "broken" in crawls[1]["ErrorMessage"] or "Parquet" in crawls[1]["ErrorMessage"]
    assert all(c["StartTime"] <= c["EndTime"] and c["LogGroup"] == "/aws-glue/crawlers" for c in crawls)
    failed = glue.list_crawls(CrawlerName=name, Filters=[{"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "FAILED"}])
    assert [c["CrawlId"] for c in failed["Crawls"]] == [crawls[1]["CrawlId"]]
    since = (crawls[1]["StartTime"] - timedelta(milliseconds=1)).isoformat()  # just before it: ISO text rounds the fraction
    later = glue.list_crawls(CrawlerName=name, Filters=[{"FieldName": "START_TIME", "FilterOperator": "GE", "FieldValue": since}])
    assert [c["CrawlId"] for c in later["Crawls"]] == [c["CrawlId"] for c in crawls[:2]]
    first = glue.list_crawls(CrawlerName=name, MaxResults=2)
    rest = glue.list_crawls(CrawlerName=name, MaxResults=2, NextToken=first["NextToken"])
    assert [c["CrawlId"] for c in first["Crawls"] + rest["Crawls"]] == [c["CrawlId"] for c in crawls]
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as error:
        glue.list_crawls(CrawlerName="no_such_crawler")
    assert error.value.response["Error"]["Code"] == "EntityNotFoundException"
    with pytest.raises(ClientError) as error:
        glue.list_crawls(CrawlerName=name, Filters=[{"FieldName": "STATE", "FilterOperator": "GT", "FieldValue": "FAILED"}])
    assert error.value.response["Error"]["Code"] == "InvalidInputException"


# AWS's exclude-pattern examples, matched without a crawl


@pytest.mark.parametrize(
    "pattern, path, matched",
    [
        ("*.csv", "a.csv", True),
        ("*.csv", "x/a.csv", False),  # * stays within one path component
        ("**.csv", "x/y/a.csv", True),  # ** crosses components
        ("departments/**", "departments/x/a.csv", True),
        ("2015/0[2-9]/**", "2015/03/a.csv", True),
        ("2015/0[2-9]/**", "2015/01/a.csv", False),
        ("2015/0[!2-9]/**", "2015/01/a.csv", True),
        ("*.{csv,json}", "a.json", True),
        ("data?.csv", "data1.csv", True),
        ("logs", "logs/2024/x.json", True),  # a folder excluded takes what it holds
        ("\\*.csv", "*.csv", True),
        ("\\*.csv", "a.csv", False),
    ],
)
def test_exclude_patterns_match_as_aws_documents(pattern, path, matched):
    assert excluded(path, [pattern]) is matched


# JDBC targets through catalog connections (stored directly: the connection API is another branch's)


def add_connection(server, name: str, url: str) -> None:
    engine = _ENGINES.get(server.db_url) or _ENGINES.setdefault(
        server.db_url, create_engine(server.db_url, pool_size=1, max_overflow=0)
    )
    doc = {
        "Name": name,
        "ConnectionType": "JDBC",
        "ConnectionProperties": {"JDBC_CONNECTION_URL": url, "USERNAME": "postgres", "PASSWORD": ""},
    }
    with engine.begin() as conn:
        entity_store.add(conn, "connection", name, doc, time.time())


def test_a_jdbc_target_reads_postgresql_tables_through_its_catalog_connection(glue, server):
    schema = f"crawl_{uuid.uuid4().hex[:8]}"
    url = urlparse(PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as pg:
        pg.execute(f"CREATE SCHEMA {schema}")
        pg.execute(f"CREATE TABLE {schema}.orders (id bigint, amount numeric(10,2), placed timestamp, note text, ok boolean)")
    try:
        add_connection(server, schema, f"jdbc:postgresql://{url.hostname}:{url.port or 5432}{url.path}")
        database = url.path.strip("/")
        targets = {"JdbcTargets": [{"ConnectionName": schema, "Path": f"{database}/{schema}/%"}]}
        name = f"crawler_{schema}"
        glue.create_crawler(Name=name, Role=ROLE, DatabaseName=schema, Targets=targets)
        crawler = recrawl(glue, name)
        assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
        table = glue.get_table(DatabaseName=schema, Name=f"{database}_{schema}_orders")["Table"]
        assert columns(table) == {
            "id": "bigint",
            "amount": "decimal(10,2)",
            "placed": "timestamp",
            "note": "string",
            "ok": "boolean",
        }
        assert table["StorageDescriptor"]["Location"] == f"{database}.{schema}.orders"
        assert table["Parameters"]["classification"] == "postgresql" and table["Parameters"]["connectionName"] == schema
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as pg:
            pg.execute(f"DROP SCHEMA {schema} CASCADE")


def test_a_jdbc_target_of_another_engine_fails_the_crawl_with_the_reason(glue, server):
    name = f"mysql_{uuid.uuid4().hex[:8]}"
    add_connection(server, name, "jdbc:mysql://db.example.com:3306/shop")
    glue.create_crawler(
        Name=name, Role=ROLE, DatabaseName="shop", Targets={"JdbcTargets": [{"ConnectionName": name, "Path": "shop/%"}]}
    )
    crawler = recrawl(glue, name)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert "glueprint crawls PostgreSQL only (mysql)" in crawler["LastCrawl"]["ErrorMessage"]


# Crawler schedules (an in-process glueprint with a clock, as tests/test_schedules.py drives triggers')


def test_a_crawler_schedule_starts_crawls_on_its_cron_as_a_trigger_schedule_fires():
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    clock = Clock(noon - 30)
    with mock_glue(outcomes={"nightly": "SUCCEEDED"}, clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        target = {"S3Targets": [{"Path": "s3://b/p"}]}
        glue.create_crawler(Name="nightly", Role=ROLE, DatabaseName="raw", Targets=target, Schedule="cron(0 12 * * ? *)")
        assert glue.get_crawler(Name="nightly")["Crawler"]["Schedule"] == {
            "ScheduleExpression": "cron(0 12 * * ? *)",
            "State": "SCHEDULED",
        }
        time.sleep(1.2)  # the workers have looked, and it is not noon yet
        assert glue.list_crawls(CrawlerName="nightly")["Crawls"] == []
        clock.now = noon + 1
        crawls = wait_for(lambda: glue.list_crawls(CrawlerName="nightly")["Crawls"])
        assert len(crawls) == 1 and crawls[0]["StartTime"].timestamp() == noon + 1
        wait_for(lambda: glue.get_crawler(Name="nightly")["Crawler"]["State"] == "READY")
        glue.update_crawler(Name="nightly", Schedule="cron(0 18 * * ? *)")  # the new cron replaces the old
        clock.now = noon + 6 * 3600 - 1
        time.sleep(1.2)
        assert len(glue.list_crawls(CrawlerName="nightly")["Crawls"]) == 1
        clock.now = noon + 6 * 3600 + 1  # 18:00, long before the old cron's next noon
        wait_for(lambda: len(glue.list_crawls(CrawlerName="nightly")["Crawls"]) == 2)
        crawls = glue.list_crawls(CrawlerName="nightly")["Crawls"]
        assert crawls[0]["StartTime"].timestamp() == clock.now


SCHEDULED_CRAWLER_LAYOUT = """
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.crawler import Crawler

def generate_layout(user_params, system_params):
    crawler = Crawler(Name="nightly", Role="r", DatabaseName="raw", Targets={"S3Targets": [{"Path": "s3://b/p"}]},
                      Schedule="cron(0 12 * * ? *)")
    return Workflow(Name="lake", Entities=Entities(Jobs=[], Crawlers=[crawler]))
"""


def test_a_crawler_a_blueprint_run_creates_crawls_on_its_schedule(tmp_path):
    archive = {
        "nightlybp/blueprint.cfg": json.dumps({"layoutGenerator": "nightlybp.layout.generate_layout", "parameterSpec": {}})
    }
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "sched.zip").write_bytes(zip_files({**archive, "nightlybp/layout.py": SCHEDULED_CRAWLER_LAYOUT}))
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    clock = Clock(noon - 30)
    with mock_glue(archive_root=str(tmp_path), outcomes={"nightly_*": "SUCCEEDED"}, clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_blueprint(Name="sched", BlueprintLocation="s3://bucket/sched.zip")
        assert wait_for_blueprint(glue, "sched")["Status"] == "ACTIVE"
        run_id = glue.start_blueprint_run(BlueprintName="sched", RoleArn=ROLE, Parameters="{}")["RunId"]
        wait_for(lambda: glue.get_blueprint_run(BlueprintName="sched", RunId=run_id)["BlueprintRun"]["State"] == "SUCCEEDED")
        (crawler,) = glue.list_crawlers()["CrawlerNames"]
        clock.now = noon + 1
        crawls = wait_for(lambda: glue.list_crawls(CrawlerName=crawler)["Crawls"])
        assert crawls[0]["StartTime"].timestamp() == noon + 1
