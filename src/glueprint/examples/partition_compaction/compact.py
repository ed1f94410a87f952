"""Rewrite each partition of a table (listed with GetPartitions) as a few files in the same
format under the output location, replacing what an earlier run wrote there, and give the
destination table the source's schema with partitions at the new locations."""

import sys

import boto3
from pyspark.context import SparkContext

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

FORMATS = {"parquet": "parquet", "csv": "csv", "json": "json", "orc": "orc"}

args = getResolvedOptions(
    sys.argv, ["JOB_NAME", "database", "source_table", "destination_table", "output_path", "files_per_partition"]
)
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
glue = boto3.client("glue")
database, files = args["database"], int(args["files_per_partition"])

source = glue.get_table(DatabaseName=database, Name=args["source_table"])["Table"]
fmt = FORMATS[source.get("Parameters", {}).get("classification", "parquet")]
header = source.get("Parameters", {}).get("skip.header.line.count") == "1"
base, output = source["StorageDescriptor"]["Location"].rstrip("/") + "/", args["output_path"].rstrip("/") + "/"


def compact(location: str) -> str:
    """Rewrite the files under location; where they went."""
    target = output + location[len(base) :] if location.startswith(base) else output
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [location]}, format=fmt, format_options={"withHeader": header}
    )
    glue_context.purge_s3_path(target, {"retentionPeriod": 0})
    glue_context.write_dynamic_frame.from_options(
        frame=frame.coalesce(files),
        connection_type="s3",
        connection_options={"path": target},
        format=fmt,
        format_options={"writeHeader": header},
    )
    return target


partitions = []
for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=args["source_table"]):
    partitions.extend(page["Partitions"])

table_input = {
    "Name": args["destination_table"],
    "StorageDescriptor": {**source["StorageDescriptor"], "Location": output},
    "PartitionKeys": source.get("PartitionKeys", []),
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {k: v for k, v in source.get("Parameters", {}).items() if k in ("classification", "skip.header.line.count")},
}
try:
    glue.create_table(DatabaseName=database, TableInput=table_input)
except glue.exceptions.AlreadyExistsException:
    glue.update_table(DatabaseName=database, TableInput=table_input)

if not partitions:
    compact(base)
for partition in partitions:
    storage = {**partition["StorageDescriptor"], "Location": compact(partition["StorageDescriptor"]["Location"])}
    partition_input = {"Values": partition["Values"], "StorageDescriptor": storage}
    try:
        glue.create_partition(DatabaseName=database, TableName=args["destination_table"], PartitionInput=partition_input)
    except glue.exceptions.AlreadyExistsException:
        glue.update_partition(
            DatabaseName=database,
            TableName=args["destination_table"],
            PartitionValueList=partition["Values"],
            PartitionInput=partition_input,
        )
job.commit()
