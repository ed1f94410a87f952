"""CSV or JSON files to Parquet with the catalog kept up to date: a crawler reads the input's
schema and partitions into a source table, then a Spark job rewrites it as Parquet and creates
(or updates) the Parquet table and its partitions."""

import boto3
from botocore.exceptions import ClientError

from awsglue.blueprint.crawler import Crawler
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
    name, database, table = user_params["WorkflowName"], user_params["DatabaseName"], user_params["TableName"]
    session = boto3.Session(region_name=system_params["region"])
    glue = session.client("glue")
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    source = f"{table}_source"
    try:  # the crawler fills in this table's columns, format and partitions
        glue.create_table(
            DatabaseName=database,
            TableInput={"Name": source, "StorageDescriptor": {"Location": user_params["InputDataLocation"]}},
        )
    except glue.exceptions.AlreadyExistsException:
        pass
    crawler = Crawler(
        Name=f"{name}_crawl_source",
        Role=user_params["IAMRole"],
        Targets={"CatalogTargets": [{"DatabaseName": database, "Tables": [source]}]},
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
    )
    convert = Job(
        Name=f"{name}_to_parquet",
        Role=user_params["IAMRole"],
        Command={
            "Name": "glueetl",
            "ScriptLocation": upload_script(session, system_params, name, "parquet_conversion/to_parquet.py"),
            "PythonVersion": "3",
        },
        GlueVersion="4.0",
        WorkerType="G.1X",
        NumberOfWorkers=user_params["NumberOfWorkers"],
        DefaultArguments={
            "--job-language": "python",
            "--database": database,
            "--source_table": source,
            "--table": table,
            "--output_path": user_params["OutputDataLocation"],
        },
        DependsOn={crawler: "SUCCEEDED"},
    )
    return Workflow(Name=name, Description="CSV/JSON to Parquet", Entities=Entities(Jobs=[convert], Crawlers=[crawler]))
