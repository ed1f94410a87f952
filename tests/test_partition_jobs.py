"""An ETL-style pythonshell job reads a table's partitions through its own boto3 client."""

import time
import uuid

from conftest import ROLE

SCRIPT = """
import sys
import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["database"])
glue = boto3.client("glue")
pages = glue.get_paginator("get_partitions").paginate(
    DatabaseName=args["database"], TableName="sales", Expression="year = '2024' AND month IN ('01', '02')",
    ExcludeColumnSchema=True, PaginationConfig={"PageSize": 1},
)
locations = [p["StorageDescriptor"]["Location"] for page in pages for p in page["Partitions"]]
glue.create_table(DatabaseName=args["database"], TableInput={"Name": "report", "Parameters": {"read": " ".join(locations)}})
"""


def test_a_pythonshell_job_reads_partitions_filtered_and_paged_through_boto3(glue, upload, name):
    glue.create_database(DatabaseInput={"Name": name})
    keys = [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "string"}]
    glue.create_table(DatabaseName=name, TableInput={"Name": "sales", "PartitionKeys": keys})
    months = [(year, month) for year in ("2023", "2024") for month in ("01", "02", "03")]
    partitions = [
        {
            "Values": [y, m],
            "StorageDescriptor": {"Location": f"s3://lake/sales/{y}/{m}/", "Columns": [{"Name": "a", "Type": "int"}]},
        }
        for y, m in months
    ]
    glue.batch_create_partition(DatabaseName=name, TableName="sales", PartitionInputList=partitions)
    script = upload(SCRIPT.encode(), key=f"{uuid.uuid4().hex}/read_partitions.py")
    job = f"{name}_read"
    glue.create_job(
        Name=job, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script}, DefaultArguments={"--database": name}
    )
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    deadline = time.monotonic() + 120
    while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] not in ("SUCCEEDED", "FAILED", "ERROR"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    assert run["JobRunState"] == "SUCCEEDED", run
    read = glue.get_table(DatabaseName=name, Name="report")["Table"]["Parameters"]["read"]
    assert read == "s3://lake/sales/2024/01/ s3://lake/sales/2024/02/"
