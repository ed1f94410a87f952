"""glueprint's ETL example blueprints, shaped like AWS's public samples, end to end:
StartBlueprintRun -> StartWorkflowRun -> job runs SUCCEEDED -> the files, tables and
partitions their jobs write (read back with pyarrow and GetPartitions).

Each job run executes on glueprint's own Spark Connect server: the server must not say it
simulates glueetl runs, and nothing but the runs writes the data the tests read back. One
server (and so one Spark Connect server) for the module; small data.
"""

import io
import json
import shutil
import time

import pyarrow.parquet as pq
import pytest

from servers import glue_client, glueprint_server, logs_client, s3_client

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

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
    server = glueprint_server(f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(tmp / "store"), "--spark").start()
    # said at start when Spark cannot run there: then every run below would only pretend
    assert "glueetl job runs are simulated" not in server.log.read_text()
    lake = Lake(server)
    lake.s3.create_bucket(Bucket="data")
    yield lake
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
    job_runs = [r for node in run["Graph"]["Nodes"] for r in (node.get("JobDetails") or {}).get("JobRuns", [])]
    ends = [(r["JobName"], r["JobRunState"], r.get("ErrorMessage")) for r in job_runs]
    assert ends and all(state == "SUCCEEDED" for _, state, _ in ends), ends
    return run


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
