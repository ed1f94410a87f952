"""Rewrite a crawled table as Parquet, keeping its partitions, and record the Parquet table
and its partitions in the catalog (the sink's enableUpdateCatalog)."""

import sys

import boto3
from pyspark.context import SparkContext

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import DropNullFields
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database", "source_table", "table", "output_path"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)

source = boto3.client("glue").get_table(DatabaseName=args["database"], Name=args["source_table"])["Table"]
partition_keys = [key["Name"] for key in source.get("PartitionKeys", [])]

records = glue_context.create_dynamic_frame.from_catalog(
    database=args["database"], table_name=args["source_table"], transformation_ctx="source"
)
records = DropNullFields.apply(frame=records, transformation_ctx="drop_null_fields")

sink = glue_context.getSink(
    connection_type="s3", path=args["output_path"], enableUpdateCatalog=True, partitionKeys=partition_keys
)
sink.setFormat("glueparquet")
sink.setCatalogInfo(catalogDatabase=args["database"], catalogTableName=args["table"])
sink.writeFrame(records)
job.commit()
