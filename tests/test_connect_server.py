"""glueprint's own Spark Connect server, and unmodified Glue scripts as its clients.

One server for the module (a JVM start is the slow part); each client is a process of its own
that calls ``connect_client.enter`` before running a script, as a job run's jailed process does
(entering Connect mode changes PySpark for the whole process, so never in the test process).
The catalog and S3 are a real glueprint server's; buckets are created after the Spark server
started, through glueprint's S3.
"""

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pyarrow.parquet as pq
import pytest

from servers import glue_client, glueprint_server, s3_client

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from glueprint.etl.connect_client import run_settings  # noqa: E402
from glueprint.etl.connect_server import ConnectServer, spark_available  # noqa: E402
from glueprint.sandbox import memory  # noqa: E402

SECRET = "glueprint-secret-the-server-holds"
SALES_CSV = "id,name,amount\n1,apple,1.5\n2,pear,2.25\n3,plum,\n"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    refusal = spark_available()
    if refusal:
        pytest.skip(f"glueprint cannot run its Spark server here: {refusal}")
    tmp = tmp_path_factory.mktemp("connect")
    root = tmp / "store"
    glue = glueprint_server(f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(root)).start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)  # in this process's environment, never the server's
        server = ConnectServer(str(root), str(tmp / "spark"), cores=2, memory_mb=2048)
        started = time.monotonic()
        server.url()
        print(f"Spark Connect server cold start: {time.monotonic() - started:.1f} s")
    server.glue, server.tmp, server.root = glue, tmp, root
    yield server
    server.stop()
    glue.stop()


def run_client(spark, code: str, *args: str, glue_version: str = "4.0") -> str:
    """Run code as a job script's process does: enter() first, then the script as __main__."""
    script = spark.tmp / f"script-{time.monotonic_ns()}.py"
    script.write_text(textwrap.dedent(code))
    runner = (
        "import runpy, sys, json\n"
        "from glueprint.etl.connect_client import enter\n"
        "enter(sys.argv[1], json.loads(sys.argv[2]))\n"
        "sys.argv = sys.argv[3:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(spark.tmp),
        "AWS_ENDPOINT_URL_GLUE": spark.glue.url,
        "AWS_ENDPOINT_URL_S3": spark.glue.s3_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    settings = json.dumps(run_settings(glue_version, 2))
    done = subprocess.run(
        [sys.executable, "-c", runner, spark.url(), settings, str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


AWS_STYLE_SCRIPT = """
    import sys
    from awsglue.transforms import *
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from awsglue.context import GlueContext
    from awsglue.job import Job

    args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target"])
    sc = SparkContext()
    glueContext = GlueContext(sc)
    spark = glueContext.spark_session
    sc.setLogLevel("WARN")
    job = Job(glueContext)
    job.init(args["JOB_NAME"], args)

    sales = glueContext.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [args["source"]]},
        format="csv",
        format_options={"withHeader": True},
        transformation_ctx="sales",
    )
    mapped = ApplyMapping.apply(
        frame=sales,
        mappings=[("id", "string", "id", "long"), ("name", "string", "name", "string"), ("amount", "string", "amount", "double")],
    )

    def with_tax(record):
        record["gross"] = None if record["amount"] is None else round(record["amount"] * 1.2, 2)
        return record

    taxed = Map.apply(frame=mapped, f=with_tax)
    glueContext.write_dynamic_frame.from_options(
        frame=taxed, connection_type="s3", connection_options={"path": args["target"]}, format="parquet"
    )
    table = glueContext.create_dynamic_frame.from_catalog(database="shop", table_name="sales")
    print("catalog rows", table.count())
    print("context", SparkContext.getOrCreate() is not None, sc.applicationId is not None, taxed.getNumPartitions() >= 1)
    job.commit()
"""


def test_an_unmodified_glue_script_runs_over_connect_on_buckets_created_after_the_server_started(spark):
    s3 = s3_client(spark.glue.s3_url)
    for bucket in ("raw", "curated"):
        s3.create_bucket(Bucket=bucket)  # the server's JVM started before these existed
    s3.put_object(Bucket="raw", Key="sales/part1.csv", Body=SALES_CSV.encode())
    glue = glue_client(spark.glue.url)
    glue.create_database(DatabaseInput={"Name": "shop"})
    glue.create_table(
        DatabaseName="shop",
        TableInput={
            "Name": "sales",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Location": "s3://raw/sales/",
                "Columns": [
                    {"Name": "id", "Type": "bigint"},
                    {"Name": "name", "Type": "string"},
                    {"Name": "amount", "Type": "double"},
                ],
                "SerdeInfo": {"Parameters": {"field.delim": ","}},
            },
        },
    )
    started = time.monotonic()
    out = run_client(
        spark,
        AWS_STYLE_SCRIPT,
        "script.py",
        "--JOB_NAME",
        "convert",
        "--source",
        "s3://raw/sales/",
        "--target",
        "s3://curated/sales/",
    )
    print(f"client process with enter() and the script: {time.monotonic() - started:.1f} s")
    assert "catalog rows 3" in out and "context True True True" in out
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="curated", Prefix="sales/")["Contents"]]
    assert keys and all(k.endswith(".parquet") for k in keys)
    rows = []
    for key in keys:
        rows += pq.read_table(io.BytesIO(s3.get_object(Bucket="curated", Key=key)["Body"].read())).to_pylist()
    assert sorted(rows, key=lambda r: r["id"]) == [
        {"id": 1, "name": "apple", "amount": 1.5, "gross": 1.8},
        {"id": 2, "name": "pear", "amount": 2.25, "gross": 2.7},
        {"id": 3, "name": "plum", "amount": None, "gross": None},
    ]


def test_the_server_sees_no_secret_no_database_and_no_folder_outside_its_view(spark):
    probe = f"""
        import json, os
        from pyspark.sql import SparkSession
        from pyspark.sql.functions import udf

        spark = SparkSession.builder.getOrCreate()

        @udf("string")
        def look(_):
            seen = {{"env": dict(os.environ), "uid": os.getuid()}}
            for path in ({str(spark.tmp / "glue.db")!r}, {os.path.dirname(os.path.abspath(__file__))!r}, "/etc/shadow"):
                seen[path] = os.path.exists(path)
            return json.dumps(seen)

        print(spark.range(1).select(look("id")).first()[0])
        try:
            spark.read.text({"file://" + str(spark.tmp / "glue.db")!r}).count()
            print("read the database")
        except Exception as error:
            print("database unreadable:", type(error).__name__)
    """
    lines = run_client(spark, probe, "probe.py").splitlines()
    seen = json.loads(lines[0])
    assert SECRET not in json.dumps(seen["env"])
    assert not any(key.startswith("AWS_") for key in seen["env"])
    assert seen["uid"] != 0
    assert [path for path in seen if path.startswith("/") and seen[path]] == []
    assert lines[1] == "database unreadable: AnalysisException"


def test_a_route_added_while_the_server_runs_reaches_its_address_and_the_address_itself_stays_unreachable(spark):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def greet() -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                with client:
                    client.sendall(b"hello from the host")

    threading.Thread(target=greet, daemon=True).start()
    try:
        route = spark.reach("127.0.0.1", port)
        assert spark.reach("127.0.0.1", port) == route  # one route per address, reused
        host, inner = route.split(":")
        probe = f"""
            import json, socket
            from pyspark.sql import SparkSession
            from pyspark.sql.functions import udf

            @udf("string")
            def call(_):
                seen = {{}}
                for name, address in (("route", ({host!r}, {inner})), ("direct", ("127.0.0.1", {port}))):
                    try:
                        with socket.create_connection(address, timeout=5) as conn:
                            seen[name] = conn.recv(100).decode()
                    except OSError as error:
                        seen[name] = type(error).__name__
                return json.dumps(seen)

            print(SparkSession.builder.getOrCreate().range(1).select(call("id")).first()[0])
        """
        seen = json.loads(run_client(spark, probe, "route.py").splitlines()[0])
    finally:
        listener.close()
    assert seen == {"route": "hello from the host", "direct": "ConnectionRefusedError"}


def test_a_dead_server_leaves_no_process_behind_and_the_next_use_starts_another(spark):
    first = spark.pid
    tree = memory.processes(first)
    assert len(tree) >= 3  # the launcher, the jail's first process, the JVM
    os.killpg(first, 9)
    deadline = time.monotonic() + 120
    while any(os.path.exists(f"/proc/{pid}") and _alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if _alive(pid)]
    out = run_client(
        spark, "from pyspark.sql import SparkSession\nprint(SparkSession.builder.getOrCreate().range(4).count())\n", "s.py"
    )
    assert out.strip() == "4" and spark.pid != first


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


OWNER = """
import sys, time
from glueprint.etl.connect_server import ConnectServer

server = ConnectServer(sys.argv[1], sys.argv[2], cores=1, memory_mb=1024)
server.url()
print(server.pid, flush=True)
time.sleep(600)
"""


def test_a_glueprint_process_killed_with_sigkill_leaves_no_spark_process_behind(spark):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(spark.root), str(spark.tmp / "owned")], stdout=subprocess.PIPE, text=True
    )
    try:
        launcher = int(owner.stdout.readline())
        tree = memory.processes(launcher)
        assert len(tree) >= 3
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 120
    while [pid for pid in tree if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in tree if _alive(pid)] == []
