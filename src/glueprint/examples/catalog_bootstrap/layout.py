"""Make sure a catalog database exists (through boto3), then crawl into it and run a job after."""

import boto3

from awsglue.blueprint.crawler import Crawler
from awsglue.blueprint.job import Job
from awsglue.blueprint.workflow import Entities, Workflow


def generate_layout(user_params, system_params):
    glue = boto3.Session(region_name=system_params["region"]).client("glue")
    database = user_params["DatabaseName"]
    try:
        glue.create_database(DatabaseInput={"Name": database, "Description": "made by catalog_bootstrap"})
        print(f"created database {database}")
    except glue.exceptions.AlreadyExistsException:
        print(f"database {database} already exists")
    name = user_params["WorkflowName"]
    crawler = Crawler(
        Name=f"{name}_crawler",
        Role=user_params["Role"],
        DatabaseName=database,
        Targets={"S3Targets": [{"Path": user_params["DataLocation"]}]},
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
    )
    report = Job(
        Name=f"{name}_report",
        Role=user_params["Role"],
        Command={"Name": "pythonshell", "ScriptLocation": f"{user_params['DataLocation'].rstrip('/')}/report.py"},
        MaxCapacity=0.0625,
        DependsOn={crawler: "SUCCEEDED"},
    )
    return Workflow(
        Name=name,
        Description=f"Catalog {database} for account {system_params['accountId']}",
        Entities=Entities(Jobs=[report], Crawlers=[crawler]),
    )
