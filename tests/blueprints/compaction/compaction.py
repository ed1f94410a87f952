"""The job script: it needs Spark, so importing it outside a Glue job fails (as on AWS)."""

import pyspark  # noqa: F401

print("compacting")
