"""glueprint: a local, boto3-compatible AWS Glue blueprint service."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("glueprint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
