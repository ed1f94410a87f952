"""Server settings, with the defaults a newcomer gets from ``glueprint serve``."""

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .domain.outcomes import Rule


def default_db_url() -> str:
    return f"sqlite:///{Path(platformdirs.user_data_dir('glueprint')) / 'glueprint.db'}"


def default_s3_root() -> str:
    return str(Path(platformdirs.user_data_dir("glueprint")) / "s3")


@dataclass
class Settings:
    db_url: str
    # PostgreSQL connections each process keeps open when idle (more are opened under load and
    # closed after): many processes sharing one server share its max_connections.
    db_pool_size: int = 10
    host: str = "127.0.0.1"
    port: int = 4599
    # An external S3 (MinIO, moto, AWS itself) and the keys glueprint signs its requests with;
    # without one, glueprint serves its own S3 on s3_port over the folder archive_root.
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    # A DynamoDB endpoint (moto's server, DynamoDB Local) job scripts reach through their
    # jail's relay, as AWS_ENDPOINT_URL_DYNAMODB: ETL dynamodb sources and sinks, boto3 calls.
    dynamodb_endpoint_url: str | None = None
    archive_root: str | None = None
    s3_port: int = 4598
    region: str = "us-east-1"
    account_id: str = "123456789012"
    workers: int = 2
    # Limits for each layout script's sandboxed process.
    run_timeout: float = 60.0
    run_memory_mb: int = 1024
    # Run layouts without the kernel sandbox where the kernel refuses namespaces.
    unsafe_sandbox: bool = False
    # A claimed run whose worker has not renewed its lease for this long is taken as lost.
    lease_seconds: float = 30.0
    # The Glue endpoint layout scripts call; defaults to this server.
    api_url: str | None = None
    # How job runs and crawls matching these rules end instead of executing (outcomes.py).
    outcomes: tuple[Rule, ...] = ()
    # How long a simulated Spark job run takes before it SUCCEEDS.
    simulated_seconds: float = 1.0
    # glueetl job runs execute on Spark when pyspark and Java are here (else they are simulated).
    spark: bool = True
    # An existing Spark Connect server (sc://host:port) for them, instead of glueprint's own.
    spark_remote: str | None = None
    # Where --additional-python-modules are installed from, offline (orchestration/python_modules.py).
    wheelhouse: str | None = None

    @property
    def endpoint_url(self) -> str:
        return self.api_url or f"http://{self._reachable_host}:{self.port}"

    @property
    def _reachable_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host

    @property
    def builtin_s3(self) -> bool:
        return self.s3_endpoint_url is None

    @property
    def s3_url(self) -> str:
        """Where every S3 call goes: the external endpoint, or glueprint's own."""
        return self.s3_endpoint_url or f"http://{self._reachable_host}:{self.s3_port}"

    @property
    def s3_root(self) -> str:
        """The folder glueprint's own S3 serves: each folder in it is a bucket."""
        return self.archive_root or default_s3_root()
