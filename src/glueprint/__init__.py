"""glueprint: a local, boto3-compatible AWS Glue blueprint service."""

# The one place the version is written; pyproject.toml reads it from here. (Asking
# importlib.metadata instead costs ~70 ms of every start.)
__version__ = "0.1.0"
