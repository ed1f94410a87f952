"""The ``glueprint`` command: ``serve`` (API and engine) and ``worker`` (engine only)."""

import logging
import signal
import threading

import click
import uvicorn

from . import __version__
from .cli_blueprint import blueprint
from .config import Settings, default_db_url


def _engine_options(fn):
    """Options shared by every command that opens the database or runs layouts."""
    options = [
        click.option(
            "--db",
            "db_url",
            envvar="GLUEPRINT_DB_URL",
            default=None,
            help="Database URL, sqlite:///path or postgresql://... (env GLUEPRINT_DB_URL). [default: a SQLite file in the user data directory]",
        ),
        click.option(
            "--s3-endpoint-url",
            envvar="GLUEPRINT_S3_ENDPOINT_URL",
            default=None,
            help="S3 endpoint for blueprint archives and layout scripts' S3 calls (else the standard AWS settings).",
        ),
        click.option(
            "--archive-root",
            type=click.Path(file_okay=False),
            default=None,
            help="Read s3://bucket/key from DIR/bucket/key on disk instead of S3.",
        ),
        click.option("--region", default="us-east-1", show_default=True, help="Region reported to layout scripts."),
        click.option("--account-id", default="123456789012", show_default=True, help="Account id reported to layout scripts."),
        click.option(
            "--run-timeout",
            default=60.0,
            show_default=True,
            type=click.FloatRange(min=0.1),
            help="Wall-clock seconds a layout script may take.",
        ),
        click.option(
            "--run-memory-mb",
            default=1024,
            show_default=True,
            type=click.IntRange(min=64),
            help="Address-space limit of a layout script's process.",
        ),
        click.option(
            "--lease-seconds",
            default=30.0,
            show_default=True,
            type=click.FloatRange(min=1),
            help="How long a run stays claimed without a heartbeat; a worker silent for longer is taken as lost.",
        ),
        click.option(
            "--unsafe-sandbox",
            is_flag=True,
            default=False,
            help="Where the kernel refuses namespaces, run layouts anyway, with resource limits only (trusted code only).",
        ),
        click.option("--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _settings(**values) -> Settings:
    values["db_url"] = values.get("db_url") or default_db_url()
    logging.basicConfig(level=values.pop("log_level").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return Settings(**values)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glueprint")
def main() -> None:
    """glueprint: a local AWS Glue blueprint service that speaks the Glue API."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=4599, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Run-engine threads in this process; 0 serves the API only.",
)
@click.option(
    "--auth",
    type=click.Choice(["none", "sigv4"]),
    default="none",
    show_default=True,
    help="sigv4: verify every request's AWS Signature Version 4.",
)
@click.option(
    "--access-key",
    envvar="GLUEPRINT_ACCESS_KEY",
    default=None,
    help="Access key id accepted with --auth sigv4 (env GLUEPRINT_ACCESS_KEY).",
)
@click.option("--secret-key", envvar="GLUEPRINT_SECRET_KEY", default=None, help="Its secret key (env GLUEPRINT_SECRET_KEY).")
@click.option(
    "--credentials-file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="An AWS-style credentials file; every profile's key pair is accepted.",
)
@_engine_options
def serve(auth, access_key, secret_key, credentials_file, **values) -> None:
    """Start the Glue endpoint (and, unless --workers 0, the run engine)."""
    from .app import create_app
    from .protocol.sigv4 import Verifier

    settings = _settings(**values)
    verifier = None
    if auth == "sigv4":
        try:
            verifier = Verifier.from_sources(access_key, secret_key, credentials_file)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    app = create_app(settings, verifier=verifier)
    mode = "SigV4 required" if verifier else "no authentication"
    click.echo(
        f"glueprint {__version__} serving the AWS Glue API at {settings.endpoint_url} ({mode}; database: {settings.db_url})"
    )
    _serve(app, settings.host, settings.port, values["log_level"])


@main.command()
@click.option(
    "--api-url", required=True, help="The glueprint API that layout scripts' Glue calls go to, e.g. http://127.0.0.1:4599."
)
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(min=1), help="Runs executed at once by this process."
)
@_engine_options
def worker(threads, **values) -> None:
    """Run the engine only: claim runs from the database and execute them."""
    from .app import build_context
    from .engine.worker import WorkerPool
    from .store.db import Database

    settings = _settings(**values, workers=threads)
    db = Database(settings.db_url)
    db.migrate()
    pool = WorkerPool(build_context(settings, db), settings)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    pool.start()
    click.echo(f"glueprint worker {pool.identity} executing runs from {settings.db_url} with {threads} threads")
    stopping.wait()
    pool.stop()
    db.dispose()
    click.echo("glueprint worker stopped")


main.add_command(blueprint)


@main.command()
@click.option("--port", type=int, default=None, help="Port for the demo server. [default: a free one]")
@click.option("--exit", "exit_after", is_flag=True, help="Stop after showing the results instead of serving on.")
def demo(port, exit_after) -> None:
    """Start a throwaway server, register the example blueprints, run them, show the results."""
    from rich.console import Console

    from .demo import run_demo

    run_demo(port, keep_serving=not exit_after, console=Console(highlight=False))


def _stopped(signum, _frame) -> None:
    click.echo(f"glueprint stopped ({signal.Signals(signum).name})")
    raise SystemExit(0)


def _serve(app, host: str, port: int, log_level: str) -> None:
    # uvicorn takes SIGINT/SIGTERM for a graceful shutdown (finish requests, stop workers),
    # then re-raises the signal to the handlers it found: ours end the process with status 0.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
