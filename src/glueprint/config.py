"""Server settings, with the defaults a newcomer gets from ``glueprint serve``."""

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .orchestration.outcomes import Rule


def default_db_url() -> str:
    return f"sqlite:///{Path(platformdirs.user_data_dir('glueprint')) / 'glueprint.db'}"


@dataclass
class Settings:
    db_url: str
    host: str = "127.0.0.1"
    port: int = 4599
    s3_endpoint_url: str | None = None
    archive_root: str | None = None
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
    # How long a Spark job run takes before it SUCCEEDS (Spark cannot run here).
    simulated_seconds: float = 1.0
    # Where --additional-python-modules are installed from, offline (orchestration/python_modules.py).
    wheelhouse: str | None = None

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return self.api_url or f"http://{host}:{self.port}"
