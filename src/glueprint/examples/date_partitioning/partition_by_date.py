"""Add year, month, day (and hour) columns from a timestamp column and write the records as
Parquet partitioned by them, creating or updating the catalog table and its partitions."""

import sys

from pyspark.context import SparkContext
from pyspark.sql import functions as F

from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

PARTS = {"year": F.year, "month": F.month, "day": F.dayofmonth, "hour": F.hour}

args = getResolvedOptions(
    sys.argv,
    ["JOB_NAME", "input_path", "input_format", "timestamp_column", "granularity", "database", "table", "output_path"],
)
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)

records = glue_context.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input_path"]], "recurse": True},
    format=args["input_format"],
    format_options={"withHeader": True},
    transformation_ctx="source",
)
keys = list(PARTS)[: list(PARTS).index(args["granularity"]) + 1]
df = records.toDF()
stamp = F.to_timestamp(F.col(args["timestamp_column"]))
for key in keys:
    df = df.withColumn(key, PARTS[key](stamp))

sink = glue_context.getSink(connection_type="s3", path=args["output_path"], enableUpdateCatalog=True, partitionKeys=keys)
sink.setFormat("glueparquet")
sink.setCatalogInfo(catalogDatabase=args["database"], catalogTableName=args["table"])
sink.writeFrame(DynamicFrame.fromDF(df, glue_context, "partitioned"))
job.commit()
