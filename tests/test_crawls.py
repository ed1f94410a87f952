"""Crawls over boto3 on both backends: S3 files in moto's server become Data Catalog tables."""

import io
import time
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from conftest import BUCKET, ROLE
from servers import s3_client


def wait_ready(glue, name: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while (crawler := glue.get_crawler(Name=name)["Crawler"])["State"] != "READY" or "LastCrawl" not in crawler:
        assert time.monotonic() < deadline, crawler
        time.sleep(0.1)
    return crawler


def parquet_bytes() -> bytes:
    table = pa.table({"sensor": pa.array(["a", "b"]), "value": pa.array([1.5, 2.5]), "count": pa.array([1, 2], pa.int32())})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


@pytest.fixture
def dataset(s3):
    client = s3_client(s3.url)
    root = uuid.uuid4().hex
    files = {
        f"{root}/sales/year=2024/month=01/part-0.csv": b"id,amount,name,active\n1,9.5,ann,true\n2,3,bob,false\n",
        f"{root}/sales/year=2024/month=02/part-0.csv": b"id,amount,name,active\n3,1.25,cy,true\n",
        f"{root}/events/day=1/e.jsonl": b'{"user": "ann", "clicks": 3, "tags": ["x"], "geo": {"lat": 1.5}}\n{"user": "bob", "clicks": 4}\n',
        f"{root}/metrics/m.parquet": parquet_bytes(),
        f"{root}/metrics/_SUCCESS": b"",
    }
    for key, body in files.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    return client, root


def columns(table: dict) -> dict:
    return {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def test_a_crawl_writes_one_table_per_dataset_with_inferred_columns_and_partitions(glue, dataset):
    client, root = dataset
    name, database = f"crawler_{root[:8]}", f"lake_{root[:8]}"
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=database,
        TablePrefix="raw_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{root}/"}]},
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"},
    )
    glue.start_crawler(Name=name)
    with pytest.raises(ClientError) as error:
        glue.start_crawler(Name=name)
    assert error.value.response["Error"]["Code"] == "CrawlerRunningException"
    crawler = wait_ready(glue, name)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"

    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert sorted(tables) == ["raw_events", "raw_metrics", "raw_sales"]
    sales = tables["raw_sales"]
    assert columns(sales) == {"id": "bigint", "amount": "double", "name": "string", "active": "boolean"}
    assert [k["Name"] for k in sales["PartitionKeys"]] == ["year", "month"]
    assert sales["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{root}/sales/"
    assert sales["Parameters"]["classification"] == "csv"
    assert columns(tables["raw_events"]) == {
        "user": "string",
        "clicks": "bigint",
        "tags": "array<string>",
        "geo": "struct<lat:double>",
    }
    assert [k["Name"] for k in tables["raw_events"]["PartitionKeys"]] == ["day"]
    assert columns(tables["raw_metrics"]) == {"sensor": "string", "value": "double", "count": "int"}
    assert tables["raw_metrics"]["Parameters"]["classification"] == "parquet"
    metrics = glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert metrics["TablesCreated"] == 3

    client.delete_object(Bucket=BUCKET, Key=f"{root}/events/day=1/e.jsonl")
    glue.start_crawler(Name=name)
    time.sleep(0.2)
    wait_ready(glue, name)
    assert sorted(t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]) == ["raw_metrics", "raw_sales"]
    assert glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]["TablesDeleted"] == 1


def test_a_crawl_of_an_unreadable_file_fails_with_the_reason(glue, s3):
    client, root = s3_client(s3.url), uuid.uuid4().hex
    client.put_object(Bucket=BUCKET, Key=f"{root}/broken/x.parquet", Body=b"not parquet at all")
    name = f"crawler_{root[:8]}"
    glue.create_crawler(Name=name, Role=ROLE, DatabaseName="broken", Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{root}"}]})
    glue.start_crawler(Name=name)
    crawler = wait_ready(glue, name)
    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert f"s3://{BUCKET}/{root}/broken/x.parquet" in crawler["LastCrawl"]["ErrorMessage"]


def test_stopping_a_crawler_that_is_not_running_is_an_error(glue):
    name = f"idle_{uuid.uuid4().hex[:8]}"
    glue.create_crawler(Name=name, Role=ROLE, DatabaseName="idle", Targets={"S3Targets": [{"Path": "s3://nowhere/x"}]})
    with pytest.raises(ClientError) as error:
        glue.stop_crawler(Name=name)
    assert error.value.response["Error"]["Code"] == "CrawlerNotRunningException"
