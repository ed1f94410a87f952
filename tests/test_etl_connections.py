"""JDBC and DynamoDB sources and sinks of the awsglue ETL library on real local Spark, and job
bookmarks of S3 and JDBC sources: the machine's PostgreSQL and MariaDB through Debian's JDBC
drivers, catalog connections and JDBC catalog tables from a real glueprint server, and moto's
server as the DynamoDB endpoint."""

import shutil
import socket
import subprocess
import sys
import uuid

import psycopg
import pytest

from servers import glue_client, glueprint_server, moto_s3_server, s3_client

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from awsglue.context import ConnectionTypeError, GlueContext  # noqa: E402 (needs pyspark)
from awsglue.dynamicframe import DynamicFrame  # noqa: E402
from awsglue.job import Job  # noqa: E402
from glueprint.etl import jdbc_drivers  # noqa: E402
from glueprint.etl.bookmarks import ENABLE, JobBookmarks  # noqa: E402
from glueprint.etl.dynamodb import DynamoDBError  # noqa: E402
from glueprint.etl.jdbc import JdbcError  # noqa: E402
from glueprint.etl.session import local_session  # noqa: E402

MARIADB = ("127.0.0.1", 3306)

if len(jdbc_drivers.driver_jars()) < 2:
    pytest.skip(
        "the JDBC drivers are missing: apt-get install libpostgresql-jdbc-java libmariadb-java (scripts/test does)",
        allow_module_level=True,
    )


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def etl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("etl-connections")
    root = tmp / "store"
    server = glueprint_server(f"sqlite:///{tmp}/etl.db", tmp, "--archive-root", str(root)).start()
    moto = moto_s3_server(tmp).start()
    env = {
        "GLUEPRINT_S3_ROOT": str(root),
        "AWS_ENDPOINT_URL_GLUE": server.url,
        "AWS_ENDPOINT_URL_S3": server.s3_url,
        "AWS_ENDPOINT_URL_DYNAMODB": moto.url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        s3_client(server.s3_url).create_bucket(Bucket="lake-jdbc")
        spark = local_session(cores=2)
        context = GlueContext(spark.sparkContext)
        context.glue, context.s3 = glue_client(server.url), s3_client(server.s3_url)
        context.dynamodb = _dynamodb(moto.url)
        yield context
        spark.stop()
    moto.stop()
    server.stop()


def _dynamodb(url: str):
    import boto3

    return boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def rows(frame) -> list[tuple]:
    return sorted(tuple(r) for r in frame.toDF().collect())


def test_s3_to_postgresql_through_a_catalog_connection_and_back(etl, pg_database):
    etl.glue.create_connection(
        ConnectionInput={
            "Name": "pg",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": "jdbc:postgresql://127.0.0.1:5432/postgres",
                "USERNAME": "postgres",
                "PASSWORD": "trust-ignores-it",
            },
        }
    )
    etl.s3.put_object(Bucket="lake-jdbc", Key="in/sales.csv", Body=b"id,item,amount\n1,apple,1.5\n2,pear,2.25\n")
    sales = etl.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": ["s3://lake-jdbc/in/"]},
        format="csv",
        format_options={"withHeader": True},
    )
    # As AWS's s3_to_jdbc sample writes: the connection's URL, with "database" in place of its own.
    etl.write_dynamic_frame.from_jdbc_conf(
        frame=sales, catalog_connection="pg", connection_options={"database": pg_database, "dbtable": "public.sales"}
    )
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_database}") as conn:
        assert conn.execute("SELECT id, item, amount FROM public.sales ORDER BY id").fetchall() == [
            (1, "apple", 1.5),
            (2, "pear", 2.25),
        ]

    # As AWS's jdbc_to_s3 sample reads: the connection's properties, by name.
    back = etl.create_dynamic_frame.from_options(
        connection_type="postgresql",
        connection_options={
            "connectionName": "pg",
            "useConnectionProperties": True,
            "database": pg_database,
            "dbtable": "sales",
            "redshiftTmpDir": "s3://lake-jdbc/tmp/",
        },
    )
    etl.write_dynamic_frame.from_options(
        frame=back, connection_type="s3", connection_options={"path": "s3://lake-jdbc/out/sales/"}, format="json"
    )
    copied = etl.create_dynamic_frame.from_options("s3", {"paths": ["s3://lake-jdbc/out/sales/"]}, format="json")
    assert rows(copied) == [(1.5, 1, "apple"), (2.25, 2, "pear")]

    # Parallel reads by hashfield, and a sample query instead of the table.
    hashed = etl.create_dynamic_frame.from_options(
        "postgresql",
        {"connectionName": "pg", "useConnectionProperties": "true", "database": pg_database, "dbtable": "sales"}
        | {"hashfield": "item", "hashpartitions": 3},
    )
    assert rows(hashed) == [(1, "apple", 1.5), (2, "pear", 2.25)]
    sampled = etl.create_dynamic_frame.from_options(
        "postgresql",
        {"url": f"jdbc:postgresql://127.0.0.1:5432/{pg_database}", "user": "postgres", "password": ""}
        | {"sampleQuery": "SELECT item FROM sales WHERE id = 2"},
    )
    assert rows(sampled) == [("pear",)]


def test_a_crawled_jdbc_catalog_table_reads_and_appends_through_its_connection(etl, pg_database):
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_database}", autocommit=True) as conn:
        conn.execute("CREATE TABLE public.fruit (id int, name text)")
        conn.execute("INSERT INTO public.fruit VALUES (1, 'fig')")
    etl.glue.create_connection(
        ConnectionInput={
            "Name": "pg_crawled",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": f"jdbc:postgresql://127.0.0.1:5432/{pg_database}",
                "USERNAME": "postgres",
                "PASSWORD": "trust-ignores-it",
            },
        }
    )
    etl.glue.create_database(DatabaseInput={"Name": "jdbc_db"})
    # The table as a JDBC crawl stores it (orchestration/crawl_jdbc.py).
    parameters = {"classification": "postgresql", "typeOfData": "table", "connectionName": "pg_crawled"}
    etl.glue.create_table(
        DatabaseName="jdbc_db",
        TableInput={
            "Name": f"{pg_database}_public_fruit",
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "name", "Type": "string"}],
                "Location": f"{pg_database}.public.fruit",
                "Parameters": parameters,
            },
            "Parameters": parameters,
        },
    )
    fruit = etl.create_dynamic_frame.from_catalog(database="jdbc_db", table_name=f"{pg_database}_public_fruit")
    assert rows(fruit) == [(1, "fig")]
    more = etl.spark_session.createDataFrame([(2, "kiwi")], "id int, name string")
    etl.write_dynamic_frame.from_catalog(
        frame=DynamicFrame.fromDF(more, etl, "more"), database="jdbc_db", table_name=f"{pg_database}_public_fruit"
    )
    again = etl.create_dynamic_frame.from_catalog(database="jdbc_db", table_name=f"{pg_database}_public_fruit")
    assert rows(again) == [(1, "fig"), (2, "kiwi")]


@pytest.mark.skipif(not _listening(*MARIADB), reason="no MariaDB at 127.0.0.1:3306 (the suite's machine has one)")
def test_mysql_connection_type_writes_and_reads_mariadb_by_url(etl):
    table = f"t_{uuid.uuid4().hex[:8]}"
    options = {"url": "jdbc:mysql://127.0.0.1:3306/test", "user": "root", "password": "", "dbtable": table}
    df = etl.spark_session.createDataFrame([(1, "a"), (2, "b"), (3, "c")], "id int, name string")
    sink = etl.getSink(connection_type="mysql", **options)
    sink.writeFrame(DynamicFrame.fromDF(df, etl, "df"))
    back = etl.create_dynamic_frame.from_options("mysql", {**options, "hashexpression": "id", "hashpartitions": "2"})
    assert rows(back) == [(1, "a"), (2, "b"), (3, "c")]
    if shutil.which("mariadb"):
        subprocess.run(["mariadb", "-h127.0.0.1", "-uroot", "test", "-e", f"DROP TABLE {table}"], check=True)


def test_dynamodb_sink_and_source_use_the_configured_endpoint(etl):
    etl.dynamodb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    df = etl.spark_session.createDataFrame(
        [(i, f"item{i}", i * 0.5 if i % 2 or i == 2 else None) for i in range(60)], "id int, name string, price double"
    )
    # As AWS's s3_to_dynamodb sample writes (60 rows: three BatchWriteItem requests).
    etl.write_dynamic_frame_from_options(
        frame=DynamicFrame.fromDF(df, etl, "df"),
        connection_type="dynamodb",
        connection_options={"dynamodb.output.tableName": "items", "dynamodb.throughput.write.percent": "1.0"},
    )
    item = etl.dynamodb.get_item(TableName="items", Key={"id": {"N": "3"}})["Item"]
    assert item == {"id": {"N": "3"}, "name": {"S": "item3"}, "price": {"N": "1.5"}}
    assert "price" not in etl.dynamodb.get_item(TableName="items", Key={"id": {"N": "4"}})["Item"]  # nulls are left out

    back = etl.create_dynamic_frame.from_options("dynamodb", {"dynamodb.input.tableName": "items"})
    got = {r["id"]: (r["name"], r["price"]) for r in back.toDF().collect()}
    assert len(got) == 60 and got[3] == ("item3", 1.5) and got[4] == ("item4", None)
    assert got[2] == ("item2", 1.0)  # stored as the whole number 1: widened as its column is

    with pytest.raises(DynamoDBError, match="between 0.1 and 1.5"):
        etl.write_dynamic_frame_from_options(
            frame=DynamicFrame.fromDF(df, etl, "df"),
            connection_type="dynamodb",
            connection_options={"dynamodb.output.tableName": "items", "dynamodb.throughput.write.percent": "2"},
        )


def test_connection_types_only_aws_has_fail_naming_the_type(etl, monkeypatch):
    for connection_type in ("redshift", "kafka", "kinesis", "documentdb", "marketplace.jdbc", "custom.spark"):
        with pytest.raises(ConnectionTypeError, match=f"'{connection_type}' exists only on AWS"):
            etl.create_dynamic_frame.from_options(connection_type=connection_type, connection_options={})
    with pytest.raises(JdbcError, match="no JDBC driver for oracle"):
        etl.create_dynamic_frame.from_options(
            "oracle", {"url": "jdbc:oracle://127.0.0.1:1521/orcl", "user": "u", "password": "p", "dbtable": "t"}
        )
    with pytest.raises(JdbcError, match="connection 'nope' does not exist"):
        etl.create_dynamic_frame.from_options("postgresql", {"connectionName": "nope", "useConnectionProperties": True})
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    with pytest.raises(DynamoDBError, match="--dynamodb-endpoint-url"):
        etl.create_dynamic_frame.from_options("dynamodb", {"dynamodb.input.tableName": "items"})


def next_run(etl, previous: JobBookmarks) -> JobBookmarks:
    """The bookmark a later run of the job starts from: what ``previous`` would have committed."""
    following = JobBookmarks("job", None, ENABLE, {**previous._saved, **previous._read})
    etl.job_bookmarks = following
    return following


def test_with_bookmarks_enabled_a_second_run_reads_only_the_objects_the_first_did_not(etl, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["job.py", "--job-bookmark-option", "job-bookmark-enable"])
    job = Job(etl)
    job.init("bookmarked_job", {})  # GetJobBookmark finds none: everything is new
    etl.s3.put_object(Bucket="lake-jdbc", Key="inbox/a.json", Body=b'{"n": 1}\n')
    etl.s3.put_object(Bucket="lake-jdbc", Key="inbox/b.json", Body=b'{"n": 2}\n')

    def read(ctx="inbox"):
        return etl.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://lake-jdbc/inbox/"]}, format="json", transformation_ctx=ctx
        )

    assert rows(read()) == [(1,), (2,)]
    first = etl.job_bookmarks
    job.commit()  # outside a job run: nothing to save to, and no error

    next_run(etl, first)
    etl.s3.put_object(Bucket="lake-jdbc", Key="inbox/c.json", Body=b'{"n": 3}\n')
    assert rows(read()) == [(3,)]
    assert rows(read(ctx="")) == [(1,), (2,), (3,)]  # no transformation_ctx: no bookmark
    nothing_new = next_run(etl, etl.job_bookmarks)
    empty = read()
    assert empty.count() == 0 and nothing_new._read["inbox"]["at_mark"]
    etl.write_dynamic_frame.from_options(empty, "s3", {"path": "s3://lake-jdbc/outbox/"}, format="json")  # writes nothing
    assert "Contents" not in etl.s3.list_objects_v2(Bucket="lake-jdbc", Prefix="outbox/")
    etl.job_bookmarks = None


def test_a_jdbc_source_with_job_bookmark_keys_reads_rows_after_the_last_key_it_read(etl, pg_database):
    url = f"jdbc:postgresql://127.0.0.1:5432/{pg_database}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_database}", autocommit=True) as conn:
        conn.execute("CREATE TABLE public.events (id int, what text)")
        conn.execute("INSERT INTO public.events VALUES (1, 'a'), (2, 'b')")
    options = {"url": url, "user": "postgres", "password": "", "dbtable": "events", "jobBookmarkKeys": ["id"]}
    etl.job_bookmarks = JobBookmarks("job", None, ENABLE, {})
    assert rows(etl.create_dynamic_frame.from_options("postgresql", options, transformation_ctx="events")) == [
        (1, "a"),
        (2, "b"),
    ]
    next_run(etl, etl.job_bookmarks)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_database}", autocommit=True) as conn:
        conn.execute("INSERT INTO public.events VALUES (3, 'c')")
    assert rows(etl.create_dynamic_frame.from_options("postgresql", options, transformation_ctx="events")) == [(3, "c")]
    etl.job_bookmarks = None


def test_custom_jdbc_runs_a_custom_connection_whose_driver_glueprint_has(etl, pg_database):
    def custom(name: str, driver: str) -> None:
        properties = {
            "CONNECTOR_TYPE": "Jdbc",
            "CONNECTOR_URL": "s3://lake-jdbc/connectors/driver.jar",
            "CONNECTOR_CLASS_NAME": driver,
            "JDBC_CONNECTION_URL": f"jdbc:postgresql://127.0.0.1:5432/{pg_database}",
            "USERNAME": "postgres",
            "PASSWORD": "trust-ignores-it",
        }
        etl.glue.create_connection(ConnectionInput={"Name": name, "ConnectionType": "CUSTOM", "ConnectionProperties": properties})

    custom("pg_custom", "org.postgresql.Driver")
    # As AWS's custom_connection_to_catalog sample reads: a query through the connection.
    tables = etl.create_dynamic_frame.from_options(
        connection_type="custom.jdbc",
        connection_options={"query": "SELECT 'fruit' AS table_name, 7 AS n", "connectionName": "pg_custom"},
        transformation_ctx="tables",
    )
    assert rows(tables) == [("fruit", 7)]
    assert [(f.name, f.dataType.typeName()) for f in tables.schema()] == [("table_name", "string"), ("n", "int")]
    custom("vendor_custom", "com.example.VendorDriver")
    with pytest.raises(JdbcError, match="com.example.VendorDriver .* exists only on AWS"):
        etl.create_dynamic_frame.from_options("custom.jdbc", {"query": "SELECT 1", "connectionName": "vendor_custom"})


def test_a_bookmarked_catalog_table_in_key_value_folders_reads_only_new_objects(etl):
    etl.glue.create_database(DatabaseInput={"Name": "marked_db"})

    def write(rows_: list[tuple]) -> None:
        df = etl.spark_session.createDataFrame(rows_, "id long, day string")
        sink = etl.getSink(connection_type="s3", path="s3://lake-jdbc/marked/", enableUpdateCatalog=True, partitionKeys=["day"])
        sink.setFormat("parquet")
        sink.setCatalogInfo(catalogDatabase="marked_db", catalogTableName="marked")
        sink.writeFrame(DynamicFrame.fromDF(df, etl, "df"))

    def read():
        frame = etl.create_dynamic_frame.from_catalog(database="marked_db", table_name="marked", transformation_ctx="marked")
        return rows(frame)

    write([(1, "d1"), (2, "d2")])
    etl.job_bookmarks = JobBookmarks("job", None, ENABLE, {})
    assert read() == [(1, "d1"), (2, "d2")]
    next_run(etl, etl.job_bookmarks)
    write([(3, "d2"), (4, "d3")])
    assert read() == [(3, "d2"), (4, "d3")]
    next_run(etl, etl.job_bookmarks)
    assert read() == []
    etl.job_bookmarks = None
