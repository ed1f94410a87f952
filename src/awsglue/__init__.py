"""The parts of AWS Glue's ``awsglue`` package that layout scripts and Python shell job scripts import."""
