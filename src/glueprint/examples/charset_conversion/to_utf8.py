"""Read CSV (with a header) or JSON Lines in the given character set; write them as UTF-8."""

import sys

from pyspark.context import SparkContext

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "input_format", "input_encoding", "output_path"])
glue_context = GlueContext(SparkContext.getOrCreate())
spark = glue_context.spark_session
job = Job(glue_context)
job.init(args["JOB_NAME"], args)

fmt = args["input_format"]
reader = spark.read.format(fmt).option("encoding", args["input_encoding"])
if fmt == "csv":
    reader = reader.option("header", True)
records = reader.load(args["input_path"])

writer = records.write.mode("overwrite").format(fmt).option("encoding", "UTF-8")
if fmt == "csv":
    writer = writer.option("header", True)
writer.save(args["output_path"])
job.commit()
