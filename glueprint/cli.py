"""The ``glueprint`` command."""

import logging
import signal

import click
import uvicorn

from . import __version__
from .config import Settings, default_db_url


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glueprint")
def main() -> None:
    """glueprint: a local AWS Glue blueprint service that speaks the Glue API."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=4599, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--db",
    "db_url",
    default=None,
    help="Database URL (sqlite:///path or postgresql://...). [default: a SQLite file in the user data directory]",
)
@click.option(
    "--s3-endpoint-url",
    envvar="GLUEPRINT_S3_ENDPOINT_URL",
    default=None,
    help="S3 endpoint for blueprint archives and layout scripts' S3 calls (else the standard AWS settings).",
)
@click.option(
    "--archive-root",
    type=click.Path(file_okay=False),
    default=None,
    help="Read s3://bucket/key from DIR/bucket/key on disk instead of S3.",
)
@click.option("--region", default="us-east-1", show_default=True, help="Region reported to layout scripts.")
@click.option("--account-id", default="123456789012", show_default=True, help="Account id reported to layout scripts.")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Run-engine threads in this process; 0 serves the API only.",
)
@click.option(
    "--run-timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Wall-clock seconds a layout script may take.",
)
@click.option(
    "--run-memory-mb",
    default=1024,
    show_default=True,
    type=click.IntRange(min=64),
    help="Address-space limit of a layout script's process.",
)
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"]))
def serve(
    host, port, db_url, s3_endpoint_url, archive_root, region, account_id, workers, run_timeout, run_memory_mb, log_level
) -> None:
    """Start the Glue endpoint (and, unless --workers 0, the run engine)."""
    from .app import create_app

    settings = Settings(
        db_url=db_url or default_db_url(),
        host=host,
        port=port,
        s3_endpoint_url=s3_endpoint_url,
        archive_root=archive_root,
        region=region,
        account_id=account_id,
        workers=workers,
        run_timeout_s=run_timeout,
        run_memory_mb=run_memory_mb,
    )
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    click.echo(f"glueprint {__version__} serving the AWS Glue API at {settings.endpoint_url} (database: {settings.db_url})")
    _serve(app, host, port, log_level)


def _stopped(signum, _frame) -> None:
    click.echo(f"glueprint stopped ({signal.Signals(signum).name})")
    raise SystemExit(0)


def _serve(app, host: str, port: int, log_level: str) -> None:
    # uvicorn takes SIGINT/SIGTERM for a graceful shutdown (finish requests, stop workers),
    # then re-raises the signal to the handlers it found: ours end the process with status 0.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
