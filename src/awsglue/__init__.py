"""The parts of AWS Glue's ``awsglue`` package that blueprint layout scripts import."""
