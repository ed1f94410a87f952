"""glueetl job runs executed for real: each script runs jailed as a Spark Connect client of
a Spark Connect server, here a second server the test starts (what ``--spark-remote`` is
for), its s3:// paths mapped onto the folder glueprint's own S3 serves. Nothing here depends
on the database: one SQLite server and one Spark Connect server serve the module (about a
minute and a half, most of it the timeout test's minute, which runs beside the others)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROLE
from servers import HTTP, free_port, glue_client, glueprint_server, logs_client, s3_client, stop_all

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from glueprint.etl import s3_paths  # noqa: E402
from glueprint.etl.connect_client import run_settings  # noqa: E402

BUCKET = "lake"
ENDED = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR")
SALES_CSV = "id,name,amount\n1,apple,1.5\n2,pear,2.25\n3,plum,4.0\n"

CSV_TO_PARQUET = """
import sys
import boto3
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "target"])
print("glue version", boto3.client("glue").get_job(JobName=args["JOB_NAME"])["Job"]["GlueVersion"])
spark = GlueContext(SparkContext()).spark_session
sales = spark.read.option("header", True).option("inferSchema", True).csv("s3://lake/raw/sales.csv")
sales.where("amount > 2").write.parquet(args["target"])
print("wrote", sales.where("amount > 2").count(), "rows for", args["JOB_NAME"], args["JOB_RUN_ID"])
print("bookmarks", args.get("job_bookmark_option") or sys.argv[sys.argv.index("--job-bookmark-option") + 1])
print("shuffle partitions", spark.conf.get("spark.sql.shuffle.partitions"))
"""

MISSING_PATH = """
from pyspark.sql import SparkSession

SparkSession.builder.getOrCreate().read.parquet("s3://lake/no/such/folder/").count()
"""

MISSING_BUCKET = """
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glue = GlueContext(SparkContext.getOrCreate())
glue.create_dynamic_frame.from_options("s3", {"paths": ["s3://no-such-bucket/x/"]}, format="json").count()
"""

# As AWS's compaction sample does: a query per partition, each from a thread of a large pool.
THREADS = """
import concurrent.futures
from awsglue.context import GlueContext
from pyspark.context import SparkContext

spark = GlueContext(SparkContext.getOrCreate()).spark_session

def distinct_keys(n):
    return len(spark.range(100).selectExpr(f"id % {n} as k").distinct().collect())

with concurrent.futures.ThreadPoolExecutor(max_workers=300) as pool:
    print("keys", sorted(pool.map(distinct_keys, range(1, 9))))
"""

WAITS = """
import time

time.sleep(600)
"""

# Spark work that would go on for minutes: each row's UDF call marks a file the server's
# Python workers can write (the test's own folder: this server is not confined).
BUSY = """
import sys, time
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf

marks = getResolvedOptions(sys.argv, ["marks"])["marks"]

@udf("long")
def slow(n):
    time.sleep(0.05)
    with open(marks, "a") as f:
        f.write(".")
    return n

print("busy", flush=True)
SparkSession.builder.getOrCreate().range(100000).repartition(2).select(slow("id")).collect()
"""

WORKFLOW_STEP = """
import sys
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
print("in", args["WORKFLOW_NAME"], args["WORKFLOW_RUN_ID"])
"""


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def connect_server(root: Path, port: int, log: Path) -> subprocess.Popen:
    """A Spark Connect server of pyspark's own, as a user runs one: s3://lake/ is the folder
    glueprint's S3 keeps the bucket in (the settings the README gives for a server on the same machine)."""
    import pyspark

    home = Path(pyspark.__file__).parent
    hadoop = {**s3_paths.scheme_settings(), **dict([s3_paths.mount_setting(str(root), BUCKET)])}
    command = [str(home / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    command += ["--master", "local[2]", "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false"]
    for key, value in hadoop.items():
        command += ["--conf", f"spark.hadoop.{key}={value}"]
    env = {**os.environ, "SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable}
    with open(log, "ab") as out:
        proc = subprocess.Popen(command + ["spark-internal"], stdout=out, stderr=out, env=env, start_new_session=True)
    deadline = time.monotonic() + 300  # a cold JVM on a loaded machine
    while not _answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the Spark Connect server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return proc


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A glueprint server with --spark-remote, and the Spark Connect server it names."""
    tmp = tmp_path_factory.mktemp("spark")
    root, port = tmp / "store", free_port()
    server = glueprint_server(
        f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(root), "--spark-remote", f"sc://127.0.0.1:{port}"
    ).start()
    proc = None
    try:
        s3 = s3_client(server.s3_url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="raw/sales.csv", Body=SALES_CSV.encode())
        proc = connect_server(root, port, tmp / "connect.log")
        server.glue, server.s3, server.tmp = glue_client(server.url), s3, tmp
        yield server
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stop_all([server])


def create_job(spark, source: str, **job) -> str:
    name = f"etl_{uuid.uuid4().hex[:8]}"
    key = f"scripts/{name}.py"
    spark.s3.put_object(Bucket=BUCKET, Key=key, Body=source.encode())
    command = {"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/{key}", "PythonVersion": "3"}
    spark.glue.create_job(Name=name, Role=ROLE, Command=command, GlueVersion="4.0", **job)
    return name


def wait_run(spark, job: str, run_id: str, states=ENDED, timeout: float = 300) -> dict:  # generous: CI is loaded
    deadline = time.monotonic() + timeout
    while (run := spark.glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] not in states:
        assert time.monotonic() < deadline, run
        time.sleep(0.2)
    return run


def log_lines(spark, run_id: str, stream: str = "output") -> list[str]:
    events = logs_client(spark.url).get_log_events(
        logGroupName=f"/aws-glue/jobs/{stream}", logStreamName=run_id, startFromHead=True
    )["events"]
    return [e["message"] for e in events]


@pytest.fixture(scope="module")
def timing_out(spark):
    """A run of a 1-minute Timeout that waits forever, started first so that its minute passes
    while the module's other tests run."""
    job = create_job(spark, WAITS, Timeout=1)
    return job, spark.glue.start_job_run(JobName=job)["JobRunId"]


def test_a_glueetl_run_reads_csv_from_glueprints_s3_and_writes_parquet_there(spark, timing_out):
    job = create_job(spark, CSV_TO_PARQUET, WorkerType="G.1X", NumberOfWorkers=3)
    target = f"s3://{BUCKET}/out/{job}/"
    run_id = spark.glue.start_job_run(JobName=job, Arguments={"--target": target})["JobRunId"]
    run = wait_run(spark, job, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["LogGroupName"] == "/aws-glue/jobs" and run["ExecutionTime"] >= 0
    written = spark.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"out/{job}/")["Contents"]
    assert written and all(o["Key"].endswith(".parquet") for o in written)
    lines = log_lines(spark, run_id)
    assert f"wrote 2 rows for {job} {run_id}" in lines
    assert "glue version 4.0" in lines  # the Glue API, with the run's own keys, from the jail
    assert "bookmarks job-bookmark-disable" in lines  # Glue's default, passed when the job sets none
    assert f"shuffle partitions {run_settings('4.0', 3.0)['spark.sql.shuffle.partitions']}" in lines  # 3 G.1X workers: 3 DPUs
    page = HTTP.get(f"{spark.url}/ui/logs", params={"group": "/aws-glue/jobs/output", "stream": run_id})
    assert page.status_code == 200 and f"wrote 2 rows for {job}" in page.text  # the dashboard's log page


def test_a_script_queries_spark_from_eight_threads_at_once(spark):
    job = create_job(spark, THREADS)
    run_id = spark.glue.start_job_run(JobName=job)["JobRunId"]
    run = wait_run(spark, job, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert log_lines(spark, run_id) == [f"keys {list(range(1, 9))}"]


def test_a_failing_script_fails_its_run_and_its_retry_with_the_exception_as_glue_shows_it(spark):
    job = create_job(spark, MISSING_PATH, MaxRetries=1)
    first = spark.glue.start_job_run(JobName=job)["JobRunId"]
    run = wait_run(spark, job, first)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3://lake/no/such/folder."
    errors = "\n".join(log_lines(spark, run["Id"], "error"))
    assert "Traceback" in errors and "JVM stacktrace" in errors  # the whole story is in the error log
    retry = wait_run(spark, job, f"{first}_attempt_1")
    assert retry["JobRunState"] == "FAILED" and retry["Attempt"] == 1 and retry["ErrorMessage"] == run["ErrorMessage"]


def test_a_bucket_s3_does_not_have_fails_the_run_naming_it_as_s3_does(spark):
    job = create_job(spark, MISSING_BUCKET)
    run = wait_run(spark, job, spark.glue.start_job_run(JobName=job)["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "FileNotFoundError: NoSuchBucket: The specified bucket does not exist (s3://no-such-bucket/)"


def test_stopping_a_run_ends_its_client_and_interrupts_its_work_on_the_server(spark):
    marks = spark.tmp / f"marks-{uuid.uuid4().hex}"
    job = create_job(spark, BUSY)
    run_id = spark.glue.start_job_run(JobName=job, Arguments={"--marks": str(marks)})["JobRunId"]
    deadline = time.monotonic() + 300
    while not (marks.exists() and marks.stat().st_size > 10):
        assert time.monotonic() < deadline, spark.glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        time.sleep(0.2)
    spark.glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    assert wait_run(spark, job, run_id)["JobRunState"] == "STOPPED"
    # Its tasks are cancelled, their Python workers killed a few seconds later (Spark's
    # spark.python.task.killTimeout); left running, they would mark for half an hour more.
    deadline, size = time.monotonic() + 60, -1
    while size != (size := marks.stat().st_size):
        assert time.monotonic() < deadline, "the stopped run's Spark work went on"
        time.sleep(2)


def test_a_glueetl_job_after_another_in_a_workflow_sees_its_workflow_run(spark):
    first, second = create_job(spark, WORKFLOW_STEP), create_job(spark, WORKFLOW_STEP)
    workflow = f"flow_{uuid.uuid4().hex[:8]}"
    spark.glue.create_workflow(Name=workflow)
    spark.glue.create_trigger(Name=f"{workflow}_start", WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": first}])
    spark.glue.create_trigger(
        Name=f"{workflow}_then",
        WorkflowName=workflow,
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": first, "State": "SUCCEEDED"}]},
        Actions=[{"JobName": second}],
    )
    run_id = spark.glue.start_workflow_run(Name=workflow)["RunId"]
    deadline = time.monotonic() + 300
    while (run := spark.glue.get_workflow_run(Name=workflow, RunId=run_id)["Run"])["Status"] == "RUNNING":
        assert time.monotonic() < deadline, run
        time.sleep(0.3)
    assert run["Status"] == "COMPLETED" and run["Statistics"]["SucceededActions"] == 2, run
    later = spark.glue.get_job_runs(JobName=second)["JobRuns"][0]
    assert later["JobRunState"] == "SUCCEEDED" and later["PredecessorRuns"][0]["JobName"] == first
    assert log_lines(spark, later["Id"]) == [f"in {workflow} {run_id}"]


def test_a_run_past_its_timeout_ends_in_timeout(spark, timing_out):
    job, run_id = timing_out
    run = wait_run(spark, job, run_id)
    assert run["JobRunState"] == "TIMEOUT" and run["ErrorMessage"] == "Job run timed out after 1 minutes"
    assert 60 <= run["ExecutionTime"] < 120
