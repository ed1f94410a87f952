"""Partition data by the date parts of a timestamp column (year=/month=/day=/hour= folders of
Parquet), recording the table and each partition in the catalog."""

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
    name = user_params["WorkflowName"]
    session = boto3.Session(region_name=system_params["region"])
    glue = session.client("glue")
    try:
        glue.create_database(DatabaseInput={"Name": user_params["DatabaseName"]})
    except glue.exceptions.AlreadyExistsException:
        pass
    partition = Job(
        Name=f"{name}_partition_by_date",
        Role=user_params["IAMRole"],
        Command={
            "Name": "glueetl",
            "ScriptLocation": upload_script(session, system_params, name, "date_partitioning/partition_by_date.py"),
            "PythonVersion": "3",
        },
        GlueVersion="4.0",
        WorkerType="G.1X",
        NumberOfWorkers=user_params["NumberOfWorkers"],
        DefaultArguments={
            "--job-language": "python",
            "--input_path": user_params["InputDataLocation"],
            "--input_format": user_params["InputDataFormat"],
            "--timestamp_column": user_params["TimestampColumn"],
            "--granularity": user_params["Granularity"],
            "--database": user_params["DatabaseName"],
            "--table": user_params["TableName"],
            "--output_path": user_params["OutputDataLocation"],
        },
    )
    return Workflow(Name=name, Description="Partition by date parts", Entities=Entities(Jobs=[partition], Crawlers=[]))
