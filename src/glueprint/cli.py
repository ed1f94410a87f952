"""The ``glueprint`` command: ``serve`` (API and engine), ``worker`` (engine only), ``demo``
and ``blueprint`` (authoring tools).

Every option can also come from an environment variable, ``GLUEPRINT_<OPTION>``, shown by
``--help``. A failure a person can cause prints what is wrong and what to do, and exits
non-zero; ``--debug`` shows the traceback instead.
"""

import errno
import logging
import re
import signal
import socket
import threading

import click
import uvicorn

from glueprint import __version__
from glueprint.cli_blueprint import blueprint
from glueprint.cli_options import CliError, option
from glueprint.config import Settings, default_db_url
from glueprint.domain.outcomes import OutcomeError, as_rules
from glueprint.store.db import DatabaseUnavailable


class Command(click.Group):
    """Turns the errors a person can cause into two lines and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except (CliError, DatabaseUnavailable) as exc:
            _fail(ctx, str(exc))
        except Exception as exc:  # anything else: one line, and where to see more
            _fail(ctx, f"{type(exc).__name__}: {exc}\nrun again with --debug for the traceback")


def _fail(ctx, message: str) -> None:
    if ctx.obj and ctx.obj.get("debug"):
        raise
    first, _, rest = message.partition("\n")
    click.echo(f"glueprint: {first}", err=True)
    if rest:
        click.echo(rest, err=True)
    ctx.exit(1)


def _engine_options(fn):
    """Options shared by every command that opens the database or runs layouts."""
    options = [
        option(
            "--db",
            "db_url",
            envvar="GLUEPRINT_DB_URL",
            default=None,
            help="Database URL, sqlite:///path or postgresql://user@host/db. [default: a SQLite file in the user data directory]",
        ),
        option(
            "--db-pool-size",
            envvar="GLUEPRINT_DB_POOL_SIZE",
            default=10,
            show_default=True,
            type=click.IntRange(min=1),
            help="PostgreSQL connections a process keeps open while idle (up to 20 more open under load).",
        ),
        option(
            "--s3-endpoint-url",
            default=None,
            help="An external S3 (MinIO, moto, AWS) for archives, scripts, crawls and scripts' own S3 calls, "
            "instead of glueprint's own S3.",
        ),
        option(
            "--s3-port",
            default=4598,
            show_default=True,
            type=click.IntRange(min=0, max=65535),
            help="Port of glueprint's own S3 (serve: 0 takes any free one); unused with --s3-endpoint-url.",
        ),
        option("--s3-access-key", default=None, help="Access key id glueprint signs its requests to --s3-endpoint-url with."),
        option("--s3-secret-key", default=None, help="Its secret key (without a key pair, requests go unsigned)."),
        option(
            "--dynamodb-endpoint-url",
            default=None,
            help="A DynamoDB endpoint (moto's server, DynamoDB Local) for job scripts: their dynamodb "
            "sources and sinks and boto3 calls go there (AWS_ENDPOINT_URL_DYNAMODB). Without it, they have none.",
        ),
        option(
            "--archive-root",
            type=click.Path(file_okay=False),
            default=None,
            help="The folder glueprint's own S3 serves: s3://bucket/key is DIR/bucket/key. [default: s3/ in the user data directory]",
        ),
        option(
            "--region",
            default="us-east-1",
            show_default=True,
            help="The default region: of requests whose signature names none. Each region keeps its own resources.",
        ),
        option(
            "--account-id",
            default="123456789012",
            show_default=True,
            help="The default account: of requests whose access key is not a 12-digit account id.",
        ),
        option(
            "--run-timeout",
            default=60.0,
            show_default=True,
            type=click.FloatRange(min=0.1),
            help="Wall-clock seconds a layout script may take.",
        ),
        option(
            "--run-memory-mb",
            default=1024,
            show_default=True,
            type=click.IntRange(min=64),
            help="Memory a run (a layout, a job script, a blueprint check) may use, all its processes together.",
        ),
        option(
            "--lease-seconds",
            default=30.0,
            show_default=True,
            type=click.FloatRange(min=1),
            help="How long a run or blueprint check stays claimed without a heartbeat; a worker silent for longer is taken as lost.",
        ),
        option(
            "--unsafe-sandbox",
            is_flag=True,
            default=False,
            help="Where the kernel refuses namespaces, run layouts anyway, with resource limits only (trusted code only).",
        ),
        option(
            "--outcome",
            "outcomes",
            multiple=True,
            metavar="PATTERN=STATE[:SECONDS[:MESSAGE]]",
            envvar="GLUEPRINT_OUTCOMES",
            help="How runs of the jobs or crawlers matching a glob pattern end, instead of executing them "
            "(e.g. 'load_*=FAILED:2:disk full'). Repeatable; the first match wins.",
        ),
        option(
            "--simulated-seconds",
            default=1.0,
            show_default=True,
            type=click.FloatRange(min=0),
            help="How long a simulated Spark job run (gluestreaming; glueetl without pyspark and Java) takes before it SUCCEEDS.",
        ),
        option(
            "--spark/--no-spark",
            "spark",
            default=True,
            show_default=True,
            envvar="GLUEPRINT_SPARK",
            help="Execute glueetl job runs on Spark where pyspark and Java are here; --no-spark simulates them "
            "(SUCCEEDED after --simulated-seconds), as where they are missing.",
        ),
        option(
            "--spark-remote",
            default=None,
            metavar="sc://HOST:PORT",
            help="An existing Spark Connect server that glueetl job runs use instead of glueprint's own "
            "(its s3:// paths must reach glueprint's S3: see the README).",
        ),
        option(
            "--wheelhouse",
            type=click.Path(file_okay=False),
            default=None,
            help="A folder of wheels that Python shell jobs' --additional-python-modules are installed from, offline.",
        ),
        option("--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])),
    ]
    for decorate in reversed(options):
        fn = decorate(fn)
    return fn


def _settings(**values) -> Settings:
    values["db_url"] = values.get("db_url") or default_db_url()
    try:
        values["outcomes"] = as_rules(values.get("outcomes") or ())
    except OutcomeError as exc:
        raise CliError(f"--outcome {exc}") from None
    remote = values.get("spark_remote")
    if remote and not re.fullmatch(r"sc://[^/:;]+(:\d+)?/?(;.*)?", remote):
        raise CliError(f"--spark-remote {remote!r}: expected a Spark Connect URL, sc://host:port")
    logging.basicConfig(level=values.pop("log_level").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return Settings(**values)


@click.group(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glueprint")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
@click.pass_context
def main(ctx, debug: bool) -> None:
    """glueprint: a local AWS Glue blueprint service that speaks the Glue API."""
    ctx.obj = {"debug": debug}


def _listening_socket(host: str, port: int, option_name: str = "--port") -> socket.socket:
    """The server's socket, bound before anything is announced: a busy port is said plainly."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {port} on {host} is already in use (another glueprint?)\nstop what holds it, or pass {option_name}"
            ) from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}\nchoose another --host or --port") from None
    sock.set_inheritable(True)
    return sock


@main.command()
@option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@option("--port", default=4599, show_default=True, type=int, help="Port to listen on.")
@option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Run-engine threads in this process; 0 serves the API only.",
)
@option(
    "--auth",
    type=click.Choice(["none", "sigv4"]),
    default="none",
    show_default=True,
    help="sigv4: verify every request's AWS Signature Version 4 (and ask the dashboard's visitors for a key pair).",
)
@option("--access-key", default=None, help="Access key id accepted with --auth sigv4.")
@option("--secret-key", default=None, help="Its secret key.")
@option(
    "--credentials-file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="An AWS-style credentials file; every profile's key pair is accepted.",
)
@option("--access-log", is_flag=True, default=False, help="Log every HTTP request.")
@option(
    "--header-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a request has to send its headers before its connection is closed.",
)
@option(
    "--body-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds a request's body may pause before its connection is closed.",
)
@option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=512,
    show_default=True,
    help="Connections open at once; one more is closed at once.",
)
@_engine_options
def serve(
    auth, access_key, secret_key, credentials_file, access_log, header_timeout, body_timeout, max_connections, **values
) -> None:
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
    if bool(settings.s3_access_key) != bool(settings.s3_secret_key):
        raise click.UsageError("--s3-access-key and --s3-secret-key go together")
    sockets = [_listening_socket(settings.host, settings.port)]
    if settings.builtin_s3:
        sockets.append(_listening_socket(settings.host, settings.s3_port, "--s3-port"))
        settings.s3_port = sockets[1].getsockname()[1]
    app = create_app(settings, verifier=verifier)
    mode = "SigV4 required" if verifier else "no authentication"
    click.echo(f"glueprint {__version__} serving the AWS Glue API at {settings.endpoint_url} ({mode})")
    if settings.builtin_s3:
        click.echo(f"S3 API: {settings.s3_url} · buckets in {settings.s3_root}")
    else:
        click.echo(f"S3: {settings.s3_url} (external)")
    click.echo(f"dashboard: {settings.endpoint_url}/ui · database: {_shown(settings.db_url)}")
    from .serving import Guard

    _serve(app, sockets, values["log_level"], access_log, Guard(header_timeout, body_timeout, max_connections))


def _shown(db_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


@main.command()
@option("--api-url", required=True, help="The glueprint API that layout scripts' Glue calls go to, e.g. http://127.0.0.1:4599.")
@option("--threads", default=2, show_default=True, type=click.IntRange(min=1), help="Runs executed at once by this process.")
@_engine_options
def worker(threads, **values) -> None:
    """Run the workers only: claim work (blueprint runs, job runs, crawls, schedules) from the database and do it."""
    from .app import build_context
    from .store.db import open_database
    from .workers import WorkerPool

    settings = _settings(**values, workers=threads)
    db = open_database(settings.db_url, settings.db_pool_size)
    ctx = build_context(settings, db)
    pool = WorkerPool(ctx, settings)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    pool.start()
    click.echo(f"glueprint worker {pool.identity} executing runs from {_shown(settings.db_url)} with {threads} threads")
    stopping.wait()
    pool.stop()
    ctx.scopes.dispose()
    click.echo("glueprint worker stopped")


main.add_command(blueprint)


@main.command()
@option("--endpoint-url", default="http://127.0.0.1:4599", show_default=True, help="The glueprint server to reset.")
@option("--access-key", default=None, help="With a server run with --auth sigv4: one of its access key ids.")
@option("--secret-key", default=None, help="Its secret key.")
def reset(endpoint_url, access_key, secret_key) -> None:
    """Delete everything a running server stores (blueprints, runs, jobs, catalog, logs), as
    between test runs: POST /_glueprint/reset."""
    import base64
    import urllib.error
    import urllib.request

    from .app import RESET_PATH

    request = urllib.request.Request(endpoint_url.rstrip("/") + RESET_PATH, data=b"", method="POST")
    if access_key or secret_key:
        pair = base64.b64encode(f"{access_key or ''}:{secret_key or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {pair}")
    try:
        with urllib.request.urlopen(request, timeout=60):
            pass
    except urllib.error.HTTPError as exc:
        hint = "pass --access-key and --secret-key" if exc.code == 401 else "is it a glueprint server?"
        raise CliError(f"{endpoint_url} refused the reset: HTTP {exc.code}\n{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(
            f"cannot reach {endpoint_url}: {getattr(exc, 'reason', exc)}\nis the server running? (--endpoint-url)"
        ) from None
    click.echo(f"glueprint at {endpoint_url} reset: nothing stored any more")


@main.command()
@option(
    "--port", "port", envvar="GLUEPRINT_DEMO_PORT", type=int, default=None, help="Port for the demo server. [default: a free one]"
)
@option(
    "--exit",
    "exit_after",
    envvar="GLUEPRINT_DEMO_EXIT",
    is_flag=True,
    help="Stop after showing the results instead of serving on.",
)
def demo(port, exit_after) -> None:
    """Start a throwaway server, register the example blueprints, run them, show the results."""
    from rich.console import Console

    from .demo import run_demo

    run_demo(port, keep_serving=not exit_after, console=Console(highlight=False))


def _stopped(signum, _frame) -> None:
    click.echo(f"glueprint stopped ({signal.Signals(signum).name})")
    raise SystemExit(0)


def _serve(app, sockets: list[socket.socket], log_level: str, access_log: bool, guard) -> None:
    # uvicorn takes SIGINT/SIGTERM for a graceful shutdown (finish requests, stop workers),
    # then re-raises the signal to the handlers it found: ours end the process with status 0.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)
    from .serving import server_config

    uvicorn.Server(server_config(app, guard, log_level, access_log)).run(sockets=sockets)
