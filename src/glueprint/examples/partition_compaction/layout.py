"""Compact a catalog table's small files: each partition GetPartitions lists is rewritten as a
few files under the output location, and the compacted table gets the same partitions."""

import boto3
from botocore.exceptions import ClientError

from awsglue.blueprint.job import Job
from awsglue.blueprint.workflow import Entities, Workflow


def upload_script(session, system_params, workflow_name: str, script: str) -> str:
    """The job script, put where Glue's console puts scripts; its s3:// location."""
    s3 = session.client("s3")
    bucket = f"aws-glue-scripts-{system_params['accountId']}-{system_params['region']}"
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    key = f"{workflow_name}/{script.rsplit('/', 1)[-1]}"
    with open(script, "rb") as body:
        s3.upload_fileobj(body, bucket, key)
    return f"s3://{bucket}/{key}"


def generate_layout(user_params, system_params):
    name, database = user_params["WorkflowName"], user_params["DatabaseName"]
    session = boto3.Session(region_name=system_params["region"])
    # The source must exist now: a run for a table that is not there fails here, not at 2 a.m.
    source = session.client("glue").get_table(DatabaseName=database, Name=user_params["SourceTableName"])["Table"]
    if source["StorageDescriptor"]["Location"].rstrip("/") == user_params["OutputDataLocation"].rstrip("/"):
        raise ValueError("OutputDataLocation must differ from the source table's location")
    compact = Job(
        Name=f"{name}_compact",
        Role=user_params["IAMRole"],
        Command={
            "Name": "glueetl",
            "ScriptLocation": upload_script(session, system_params, name, "partition_compaction/compact.py"),
            "PythonVersion": "3",
        },
        GlueVersion="4.0",
        WorkerType="G.1X",
        NumberOfWorkers=user_params["NumberOfWorkers"],
        DefaultArguments={
            "--job-language": "python",
            "--database": database,
            "--source_table": user_params["SourceTableName"],
            "--destination_table": user_params["DestinationTableName"],
            "--output_path": user_params["OutputDataLocation"],
            "--files_per_partition": str(user_params["FilesPerPartition"]),
        },
    )
    return Workflow(Name=name, Description="Compact small files", Entities=Entities(Jobs=[compact], Crawlers=[]))
