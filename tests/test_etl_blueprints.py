"""glueprint's ETL example blueprints, shaped like AWS's public samples, end to end:
StartBlueprintRun -> StartWorkflowRun -> job runs SUCCEEDED -> the files, tables and
partitions their jobs write (read back with pyarrow and GetPartitions).

Where this glueprint still simulates glueetl runs (no Spark run writes its driver log to
/aws-glue/jobs/output), each simulated run's script is then run here, unmodified, with the
arguments Glue passes it, on the module's local SparkSession: the data assertions are the same
either way. One server and one SparkSession for the module; small data.
"""

import io
import json
import shutil
import sys
import time

import pyarrow.parquet as pq
import pytest

from servers import glue_client, glueprint_server, logs_client, s3_client

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from glueprint.etl.session import local_session  # noqa: E402
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/GlueprintEtl"
DATABASE = "lake"


class Lake:
    def __init__(self, server):
        self.glue, self.s3, self.logs = glue_client(server.url), s3_client(server.s3_url), logs_client(server.url)

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket="data", Key=key, Body=body)

    def keys(self, prefix: str) -> list[str]:
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket="data", Prefix=prefix).get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.s3.get_object(Bucket="data", Key=key)["Body"].read()

    def parquet_rows(self, prefix: str) -> list[dict]:
        rows = []
        for key in self.keys(prefix):
            rows += pq.read_table(io.BytesIO(self.body(key))).to_pylist()
        return rows

    def partitions(self, table: str) -> list[tuple[list[str], str]]:
        found = self.glue.get_partitions(DatabaseName=DATABASE, TableName=table)["Partitions"]
        return sorted((p["Values"], p["StorageDescriptor"]["Location"]) for p in found)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("etl-blueprints")
    root = tmp / "store"
    server = glueprint_server(f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(root), "--spark").start()
    env = {
        "GLUEPRINT_S3_ROOT": str(root),
        "AWS_ENDPOINT_URL_GLUE": server.url,
        "AWS_ENDPOINT_URL_S3": server.s3_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        lake = Lake(server)
        lake.s3.create_bucket(Bucket="data")
        spark = local_session(cores=2)
        yield lake
        spark.stop()
    server.stop()


def run_workflow(lake: Lake, example: str, params: dict) -> dict:
    """The example's blueprint run and one run of the workflow it made, every job run of which
    SUCCEEDED; the workflow run, with its graph."""
    name = f"{example}_{params['WorkflowName']}"
    lake.glue.create_blueprint(Name=name, BlueprintLocation=f"s3://glueprint-examples/{example}.zip")
    assert wait_for_blueprint(lake.glue, name)["Status"] == "ACTIVE"
    run_id = lake.glue.start_blueprint_run(BlueprintName=name, Parameters=json.dumps(params), RoleArn=ROLE)["RunId"]
    blueprint_run = wait_for_blueprint_run(lake.glue, name, run_id)
    assert blueprint_run["State"] == "SUCCEEDED", blueprint_run
    workflow = blueprint_run["WorkflowName"]
    workflow_run_id = lake.glue.start_workflow_run(Name=workflow)["RunId"]
    deadline = time.monotonic() + 300
    while True:
        run = lake.glue.get_workflow_run(Name=workflow, RunId=workflow_run_id, IncludeGraph=True)["Run"]
        if run["Status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run["Status"] == "COMPLETED", run
    job_runs = [(node["Name"], r) for node in run["Graph"]["Nodes"] for r in (node.get("JobDetails") or {}).get("JobRuns", [])]
    assert job_runs and all(r["JobRunState"] == "SUCCEEDED" for _, r in job_runs), job_runs
    for job_name, job_run in sorted(job_runs, key=lambda item: item[1]["StartedOn"]):
        if not ran_on_spark(lake, job_run["Id"]):
            run_script_here(lake, job_name, job_run, workflow, workflow_run_id)
    return run


def ran_on_spark(lake: Lake, job_run_id: str) -> bool:
    """Whether the run's driver wrote its output log, as a glueetl run on Spark does."""
    try:
        streams = lake.logs.describe_log_streams(logGroupName="/aws-glue/jobs/output", logStreamNamePrefix=job_run_id)
    except lake.logs.exceptions.ResourceNotFoundException:
        return False
    return bool(streams["logStreams"])


def run_script_here(lake: Lake, job_name: str, job_run: dict, workflow: str, workflow_run_id: str) -> None:
    """The job's script, unmodified, with argv as Glue gives a workflow's job run."""
    job = lake.glue.get_job(JobName=job_name)["Job"]
    bucket, key = job["Command"]["ScriptLocation"].removeprefix("s3://").split("/", 1)
    source = lake.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    arguments = {**job.get("DefaultArguments", {}), **job_run.get("Arguments", {})}
    argv = [key.rsplit("/", 1)[-1], "--JOB_ID", "j_local", "--JOB_RUN_ID", job_run["Id"], "--JOB_NAME", job_name]
    for option, value in arguments.items():
        argv += [option, value]
    argv += ["--WORKFLOW_NAME", workflow, "--WORKFLOW_RUN_ID", workflow_run_id]
    saved = sys.argv
    sys.argv = argv
    try:
        exec(compile(source, argv[0], "exec"), {"__name__": "__main__"})  # noqa: S102 (the job's own script)
    finally:
        sys.argv = saved


SALES = [
    ("year=2024/month=1/a.csv", "id,item,amount,note\n1,apple,1.5,\n2,pear,2.25,\n"),
    ("year=2024/month=2/b.csv", "id,item,amount,note\n3,plum,3.0,\n"),
]


def test_parquet_conversion_crawls_the_input_and_writes_parquet_partitions_recorded_in_the_catalog(lake):
    for key, body in SALES:
        lake.put(f"conversion/in/{key}", body.encode())
    run_workflow(
        lake,
        "parquet_conversion",
        {
            "WorkflowName": "conv",
            "IAMRole": "GlueEtl",
            "InputDataLocation": "s3://data/conversion/in/",
            "DatabaseName": DATABASE,
            "TableName": "sales",
            "OutputDataLocation": "s3://data/conversion/out/",
        },
    )
    keys = lake.keys("conversion/out/")
    assert keys and all(k.endswith(".parquet") for k in keys)
    assert {k.rsplit("/", 1)[0] for k in keys} == {"conversion/out/year=2024/month=1", "conversion/out/year=2024/month=2"}
    assert sorted((r["id"], r["item"], r["amount"]) for r in lake.parquet_rows("conversion/out/")) == [
        (1, "apple", 1.5),
        (2, "pear", 2.25),
        (3, "plum", 3.0),
    ]
    table = lake.glue.get_table(DatabaseName=DATABASE, Name="sales")["Table"]
    assert table["StorageDescriptor"]["Location"] == "s3://data/conversion/out/"
    # the always-empty column was dropped (DropNullFields); the keys are the crawled ones
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("id", "bigint"),
        ("item", "string"),
        ("amount", "double"),
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month"]
    assert table["Parameters"]["classification"] == "parquet"
    assert lake.partitions("sales") == [
        (["2024", "1"], "s3://data/conversion/out/year=2024/month=1/"),
        (["2024", "2"], "s3://data/conversion/out/year=2024/month=2/"),
    ]


def test_date_partitioning_writes_year_and_month_folders_from_a_timestamp_column(lake):
    events = [
        {"id": 1, "at": "2024-01-31 23:59:00"},
        {"id": 2, "at": "2024-02-01 00:00:00"},
        {"id": 3, "at": "2025-02-14 12:00:00"},
    ]
    lake.put("events/in/part.json", "\n".join(json.dumps(e) for e in events).encode())
    run_workflow(
        lake,
        "date_partitioning",
        {
            "WorkflowName": "dates",
            "IAMRole": "GlueEtl",
            "InputDataLocation": "s3://data/events/in/",
            "TimestampColumn": "at",
            "Granularity": "month",
            "DatabaseName": DATABASE,
            "TableName": "events",
            "OutputDataLocation": "s3://data/events/out/",
        },
    )
    folders = {k.rsplit("/", 1)[0] for k in lake.keys("events/out/")}
    assert folders == {"events/out/year=2024/month=1", "events/out/year=2024/month=2", "events/out/year=2025/month=2"}
    assert sorted(r["id"] for r in lake.parquet_rows("events/out/year=2024/month=2/")) == [2]
    table = lake.glue.get_table(DatabaseName=DATABASE, Name="events")["Table"]
    assert [(k["Name"], k["Type"]) for k in table["PartitionKeys"]] == [("year", "int"), ("month", "int")]
    assert [values for values, _ in lake.partitions("events")] == [["2024", "1"], ["2024", "2"], ["2025", "2"]]


def test_charset_conversion_rewrites_shift_jis_csv_as_utf8(lake):
    text = "id,city\n1,東京\n2,大阪\n"
    lake.put("sjis/in/cities.csv", text.encode("shift_jis"))
    run_workflow(
        lake,
        "charset_conversion",
        {
            "WorkflowName": "utf8",
            "IAMRole": "GlueEtl",
            "InputDataLocation": "s3://data/sjis/in/",
            "InputDataFormat": "csv",
            "InputEncoding": "Shift_JIS",
            "OutputDataLocation": "s3://data/sjis/out/",
        },
    )
    lines = []
    for key in lake.keys("sjis/out/"):
        assert key.endswith(".csv")
        lines += lake.body(key).decode("utf-8").splitlines()
    assert sorted(set(lines)) == ["1,東京", "2,大阪", "id,city"]


def test_partition_compaction_lists_partitions_and_rewrites_each_as_one_file_with_its_table(lake):
    columns = [{"Name": "id", "Type": "bigint"}, {"Name": "item", "Type": "string"}]
    serde = {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "Parameters": {"field.delim": ","}}
    lake.glue.create_database(DatabaseInput={"Name": "small"})
    lake.glue.create_table(
        DatabaseName="small",
        TableInput={
            "Name": "clicks",
            "StorageDescriptor": {"Columns": columns, "Location": "s3://data/clicks/", "SerdeInfo": serde},
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            "Parameters": {"classification": "csv"},
        },
    )
    for day, ids in (("2024-05-01", [1, 2, 3]), ("2024-05-02", [4, 5])):
        for i in ids:
            lake.put(f"clicks/dt={day}/{i}.csv", f"{i},item{i}\n".encode())
        storage = {"Columns": columns, "Location": f"s3://data/clicks/dt={day}/", "SerdeInfo": serde}
        lake.glue.create_partition(
            DatabaseName="small", TableName="clicks", PartitionInput={"Values": [day], "StorageDescriptor": storage}
        )
    params = {
        "WorkflowName": "compact",
        "IAMRole": "GlueEtl",
        "DatabaseName": "small",
        "SourceTableName": "clicks",
        "DestinationTableName": "clicks_compacted",
        "OutputDataLocation": "s3://data/compacted/",
    }
    run_workflow(lake, "partition_compaction", params)

    keys = lake.keys("compacted/")
    assert [k.rsplit("/", 1)[0] for k in keys] == ["compacted/dt=2024-05-01", "compacted/dt=2024-05-02"]
    assert sorted(lake.body(keys[0]).decode().splitlines()) == ["1,item1", "2,item2", "3,item3"]
    assert sorted(lake.body(keys[1]).decode().splitlines()) == ["4,item4", "5,item5"]
    found = lake.glue.get_partitions(DatabaseName="small", TableName="clicks_compacted")["Partitions"]
    assert sorted((p["Values"], p["StorageDescriptor"]["Location"]) for p in found) == [
        (["2024-05-01"], "s3://data/compacted/dt=2024-05-01/"),
        (["2024-05-02"], "s3://data/compacted/dt=2024-05-02/"),
    ]
