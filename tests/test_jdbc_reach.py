"""glueetl job runs on glueprint's own jailed Spark Connect server reach the databases of the
connections attached to their job, and nothing else: S3 CSV to the machine's PostgreSQL through
a catalog connection and back to S3 Parquet, and a job without the connection refused. One
glueprint server (and so one Spark server) for the module; a PostgreSQL database of its own."""

import shutil
import time
import uuid

import psycopg
import pyarrow.parquet as pq
import pytest

from conftest import ROLE
from servers import glue_client, glueprint_server, s3_client, stop_all

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from glueprint.etl import jdbc_drivers  # noqa: E402
from glueprint.etl.connect_server import spark_available  # noqa: E402

BUCKET = "lake"
CONNECTION = "warehouse"
ENDED = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR")
SALES_CSV = "id,name,amount\n1,apple,1.5\n2,pear,2.25\n3,plum,4.0\n"

if len(jdbc_drivers.driver_jars()) < 2:
    pytest.skip("the JDBC drivers are missing: apt-get install libpostgresql-jdbc-java libmariadb-java", allow_module_level=True)

# As AWS's s3_to_jdbc sample writes: a frame from S3 to a table through a catalog connection.
S3_TO_JDBC = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["connection", "database"])
glue = GlueContext(SparkContext.getOrCreate())
sales = glue.create_dynamic_frame.from_options(
    "s3", {"paths": ["s3://lake/raw/"]}, format="csv", format_options={"withHeader": True}
)
glue.write_dynamic_frame.from_jdbc_conf(
    sales, catalog_connection=args["connection"], connection_options={"dbtable": "sales", "database": args["database"]}
)
"""

# As AWS's jdbc_to_s3 sample reads: a catalog table of the connection, written to S3 as Parquet.
JDBC_TO_S3 = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["catalog_database", "table", "target"])
glue = GlueContext(SparkContext.getOrCreate())
sales = glue.create_dynamic_frame.from_catalog(database=args["catalog_database"], table_name=args["table"])
glue.write_dynamic_frame.from_options(sales, "s3", {"path": args["target"]}, format="parquet")
"""

RAW_JDBC_READ = """
import sys
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

url = getResolvedOptions(sys.argv, ["url"])["url"]
SparkSession.builder.getOrCreate().read.format("jdbc").options(url=url, dbtable="sales", user="postgres").load().count()
"""


@pytest.fixture(scope="module")
def glue(tmp_path_factory, pg_database):
    """A glueprint server running glueetl jobs on its own Spark server, a bucket with sales.csv,
    and a catalog connection to the module's PostgreSQL database."""
    refusal = spark_available()
    if refusal:
        pytest.skip(f"glueprint cannot run its Spark server here: {refusal}")
    tmp = tmp_path_factory.mktemp("reach")
    root = tmp / "store"
    server = glueprint_server(f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(root), "--spark").start()
    try:
        server.s3, server.glue, server.root = s3_client(server.s3_url), glue_client(server.url), root
        server.s3.create_bucket(Bucket=BUCKET)
        server.s3.put_object(Bucket=BUCKET, Key="raw/sales.csv", Body=SALES_CSV.encode())
        server.glue.create_connection(
            ConnectionInput={
                "Name": CONNECTION,
                "ConnectionType": "JDBC",
                "ConnectionProperties": {
                    "JDBC_CONNECTION_URL": f"jdbc:postgresql://127.0.0.1:5432/{pg_database}",
                    "USERNAME": "postgres",
                    "PASSWORD": "unused-with-trust-auth",
                },
            }
        )
        yield server
    finally:
        stop_all([server])


def run_job(glue, source: str, arguments: dict, connections: list[str]) -> dict:
    name = f"etl_{uuid.uuid4().hex[:8]}"
    key = f"scripts/{name}.py"
    glue.s3.put_object(Bucket=BUCKET, Key=key, Body=source.encode())
    command = {"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/{key}", "PythonVersion": "3"}
    attached = {"Connections": {"Connections": connections}} if connections else {}
    glue.glue.create_job(Name=name, Role=ROLE, Command=command, GlueVersion="4.0", **attached)
    run_id = glue.glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    deadline = time.monotonic() + 300  # the first run starts the Spark server
    while (run := glue.glue.get_job_run(JobName=name, RunId=run_id)["JobRun"])["JobRunState"] not in ENDED:
        assert time.monotonic() < deadline, run
        time.sleep(0.5)
    return run


def test_a_job_with_the_connection_attached_writes_postgresql_and_another_reads_it_back_to_s3(glue, pg_database):
    written = run_job(glue, S3_TO_JDBC, {"--connection": CONNECTION, "--database": pg_database}, [CONNECTION])
    assert written["JobRunState"] == "SUCCEEDED", written.get("ErrorMessage")
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_database}") as conn:
        rows = conn.execute("SELECT id::int, name, amount::float FROM sales ORDER BY 1").fetchall()
    assert rows == [(1, "apple", 1.5), (2, "pear", 2.25), (3, "plum", 4.0)]

    # A table as a JDBC crawl of the connection makes it: database.schema.table, connectionName.
    glue.glue.create_database(DatabaseInput={"Name": "warehouse_db"})
    glue.glue.create_table(
        DatabaseName="warehouse_db",
        TableInput={
            "Name": f"{pg_database}_public_sales",
            "Parameters": {"connectionName": CONNECTION, "classification": "postgresql"},
            "StorageDescriptor": {"Location": f"{pg_database}.public.sales", "Columns": [{"Name": "id", "Type": "string"}]},
        },
    )
    target = f"s3://{BUCKET}/out/sales/"
    arguments = {"--catalog_database": "warehouse_db", "--table": f"{pg_database}_public_sales", "--target": target}
    read = run_job(glue, JDBC_TO_S3, arguments, [CONNECTION])
    assert read["JobRunState"] == "SUCCEEDED", read.get("ErrorMessage")
    table = pq.read_table(glue.root / BUCKET / "out" / "sales").to_pydict()
    assert sorted(zip(table["id"], table["name"], table["amount"], strict=True)) == [
        (1, "apple", 1.5),
        (2, "pear", 2.25),
        (3, "plum", 4.0),
    ]


def test_a_job_without_the_connection_attached_cannot_reach_its_database(glue, pg_database):
    run = run_job(glue, S3_TO_JDBC, {"--connection": CONNECTION, "--database": pg_database}, [])
    assert run["JobRunState"] == "FAILED"
    assert "127.0.0.1:5432 is not reachable from this job run" in run["ErrorMessage"]
    assert "attached to it (its Connections)" in run["ErrorMessage"]


def test_spark_itself_reaches_no_database_the_run_did_not_attach(glue, pg_database):
    """Past the ETL library: Spark's own jdbc source, given the database's real address,
    finds nothing there (the server's network namespace has only its routes)."""
    run = run_job(glue, RAW_JDBC_READ, {"--url": f"jdbc:postgresql://127.0.0.1:5432/{pg_database}"}, [])
    assert run["JobRunState"] == "FAILED"
    assert "Couldn't connect to the database" in run["ErrorMessage"]
