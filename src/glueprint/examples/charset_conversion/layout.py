"""Re-encode CSV or JSON files from a legacy character set to UTF-8, same format, same columns."""

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
    if user_params["InputDataLocation"].rstrip("/") == user_params["OutputDataLocation"].rstrip("/"):
        raise ValueError("OutputDataLocation must differ from InputDataLocation: the job replaces its output")
    session = boto3.Session(region_name=system_params["region"])
    reencode = Job(
        Name=f"{name}_to_utf8",
        Role=user_params["IAMRole"],
        Command={
            "Name": "glueetl",
            "ScriptLocation": upload_script(session, system_params, name, "charset_conversion/to_utf8.py"),
            "PythonVersion": "3",
        },
        GlueVersion="4.0",
        WorkerType="G.1X",
        NumberOfWorkers=user_params["NumberOfWorkers"],
        DefaultArguments={
            "--job-language": "python",
            "--input_path": user_params["InputDataLocation"],
            "--input_format": user_params["InputDataFormat"],
            "--input_encoding": user_params["InputEncoding"],
            "--output_path": user_params["OutputDataLocation"],
        },
    )
    return Workflow(Name=name, Description="Re-encode to UTF-8", Entities=Entities(Jobs=[reencode], Crawlers=[]))
