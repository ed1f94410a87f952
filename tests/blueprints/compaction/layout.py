"""Shaped like AWS's public sample blueprints: a folder holding the layout beside a job script
named like the folder, star imports, boto3 uploading the script, fixed entity names,
numbers and booleans in DefaultArguments, a JDBC crawler and an unknown target kind."""

import boto3
from botocore.client import ClientError

from awsglue.blueprint.crawler import *  # noqa: F403
from awsglue.blueprint.job import *  # noqa: F403
from awsglue.blueprint.workflow import *  # noqa: F403


def generate_layout(user_params, system_params):
    session = boto3.Session(region_name=system_params["region"])
    s3 = session.client("s3")
    bucket = f"aws-glue-scripts-{system_params['accountId']}-{system_params['region']}"
    try:
        s3.head_bucket(Bucket=bucket)
        print("script bucket exists:", bucket)
    except ClientError:
        print("creating script bucket:", bucket)
        s3.create_bucket(Bucket=bucket)
    key = f"{user_params['WorkflowName']}/compaction.py"
    with open("compaction/compaction.py", "rb") as script:
        s3.upload_fileobj(script, bucket, key)

    compact = Job(  # noqa: F405
        Name="compaction",
        Role=user_params["IAMRole"],
        Command={"Name": CommandName.GLUE_ETL.value, "ScriptLocation": f"s3://{bucket}/{key}", "PythonVersion": "3"},  # noqa: F405
        DefaultArguments={
            "--enable-metrics": user_params["EnableMetrics"],
            "--ratio": user_params["Ratio"],
            "--partitions": 8,
            "--job-language": "python",
        },
        GlueVersion="4.0",
        WorkerType=WorkerType.G1_X.value,  # noqa: F405
        NumberOfWorkers=user_params["NumberOfWorkers"],
        MaxRetries=0,
        Timeout=0,
        description="Compacts small files",
    )
    catalog = Crawler(  # noqa: F405
        Name="catalog",
        Role=user_params["IAMRole"],
        DatabaseName="compacted",
        Targets={
            "JDBCTargets": [{"ConnectionName": user_params["SourceConnection"], "Path": "sales/%"}],
            "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/"], "WriteManifest": False}],
        },
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        DependsOn={compact: "SUCCEEDED"},
    )
    return Workflow(  # noqa: F405
        Name=user_params["WorkflowName"],
        Description="Compaction, then cataloguing",
        OnSchedule=user_params["Frequency"],
        Entities=Entities(Jobs=[compact], Crawlers=[catalog]),  # noqa: F405
    )
