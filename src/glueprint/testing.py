"""An in-process glueprint for pytest: ``mock_glue`` routes boto3's Glue calls (and its
CloudWatch Logs calls, where job runs and crawls write) in this process to a private
glueprint on a temporary SQLite database, with no server and no port.

    from glueprint.testing import mock_glue

    @mock_glue()
    def test_my_automation():
        glue = boto3.client("glue", region_name="us-east-1")
        ...

It works as a context manager too, and together with moto's ``mock_aws`` (enter moto first):
blueprint archives can then live in moto's mocked S3, and layout scripts' S3 calls reach it.
Layouts run inside this process, so their own boto3 calls are routed the same way; the
server's sandbox and its limits do not apply here.

Clients created before the mock starts keep talking to wherever they pointed.
"""

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.parsers import create_parser

from glueprint.app import RESET_PATH, build_context
from glueprint.config import Settings
from glueprint.domain.outcomes import as_rules
from glueprint.layouts.archive import ArchiveSource
from glueprint.protocol.dispatch import Dispatcher
from glueprint.sandbox.inprocess import InProcessLayouts
from glueprint.store.db import Database
from glueprint.workers import WorkerPool

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


class _Body:
    """The raw response botocore reads a body from."""

    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_kwargs):
        yield self._data

    def read(self, *_args, **_kwargs) -> bytes:
        data, self._data = self._data, b""
        return data


@functools.cache
def _migrated_template() -> Path:
    """An empty database at the newest schema, made once per process and copied for each mock."""
    folder = Path(tempfile.mkdtemp(prefix="glueprint-mock-template-"))
    atexit.register(shutil.rmtree, folder, True)
    db = Database(f"sqlite:///{folder / 'template.db'}")
    db.migrate()
    db.token_key()  # made here once, so a mock's start only reads it
    db.dispose()
    return folder / "template.db"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class mock_glue:  # noqa: N801  (named like the decorators it sits beside, e.g. moto's mock_aws)
    def __init__(
        self,
        archive_root: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        outcomes=None,
        simulated_seconds: float = 0.0,
        clock=None,
    ):
        """outcomes: how runs of matching jobs or crawlers end instead of executing, as
        ``{"load_*": "FAILED:0:disk full"}`` or ``["load_*=FAILED"]``; simulated_seconds: how
        long a Spark job run takes; clock: a ``time.time`` stand-in, e.g. to fire schedules."""
        # What a decorated function's own mock is made with, each time it is called.
        self._arguments = dict(
            archive_root=archive_root,
            region=region,
            account_id=account_id,
            outcomes=outcomes,
            simulated_seconds=simulated_seconds,
            clock=clock,
        )
        self.archive_root = archive_root
        self.region = region
        self.account_id = account_id
        self.outcomes = as_rules(outcomes)
        self.simulated_seconds = simulated_seconds
        self.clock = clock
        # before-call answers a call before any request is sent, so moto's before-send
        # handler (which would claim Glue and Logs for itself) never sees it.
        self._handlers = [("before-call.glue", self._answer), ("before-call.logs", self._answer)]

    def _answer(self, model, params, **_kwargs):
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in params["headers"].items()}
        body = params["body"] or b""
        if isinstance(body, str):
            body = body.encode()
        status, response_headers, answer = self.dispatcher.handle(params["method"], params["url"], headers, body)
        headers = dict(response_headers)
        parsed = create_parser(model.metadata["protocol"]).parse(
            {"status_code": status, "headers": headers, "body": answer}, model.output_shape
        )
        return AWSResponse(params["url"], status, headers, _Body(answer)), parsed

    def start(self) -> "mock_glue":
        self._saved_env = {key: os.environ.get(key) for key in FAKE_ENV}
        for key, value in FAKE_ENV.items():
            os.environ.setdefault(key, value)
        self._dir = Path(tempfile.mkdtemp(prefix="glueprint-mock-"))
        settings = Settings(
            db_url=f"sqlite:///{self._dir / 'glue.db'}",
            archive_root=self.archive_root,
            region=self.region,
            account_id=self.account_id,
            workers=1,
            outcomes=self.outcomes,
            simulated_seconds=self.simulated_seconds,
            spark=False,  # the in-process mock simulates Spark job runs
        )
        shutil.copyfile(_migrated_template(), self._dir / "glue.db")  # migrating anew costs ~100 ms
        self.db = Database(settings.db_url)
        # S3 is AWS's endpoint with fake keys, which only moto's mock_aws answers in-process;
        # never the credentials of this machine's environment.
        archives = ArchiveSource(
            None, self.archive_root, self.region, (FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
        )
        ctx = build_context(settings, self.db, archives, **({"clock": self.clock} if self.clock else {}))
        self.ctx = ctx
        self.dispatcher = Dispatcher(ctx)
        self.pool = WorkerPool(ctx, settings, layouts=InProcessLayouts())
        ctx.on_work_added = self.pool.wake
        self.pool.start()
        # Every botocore session made from now on asks this handler first, and so does boto3's
        # default session if there is one (kept: a new one would load the models again, ~150 ms).
        for handler in self._handlers:
            botocore.handlers.BUILTIN_HANDLERS.insert(0, handler)
            if boto3.DEFAULT_SESSION is not None:
                boto3.DEFAULT_SESSION._session.register(*handler)
        return self

    def reset(self) -> None:
        """Forget everything stored so far, in every account and region, as a fresh mock would start."""
        self.ctx.scopes.reset()

    def stop(self) -> None:
        for handler in self._handlers:
            botocore.handlers.BUILTIN_HANDLERS.remove(handler)
            if boto3.DEFAULT_SESSION is not None:  # the one from before, or one made meanwhile
                boto3.DEFAULT_SESSION._session.unregister(*handler)
        self.pool.stop()
        self.ctx.scopes.dispose()
        shutil.rmtree(self._dir, ignore_errors=True)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def __enter__(self) -> "mock_glue":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with mock_glue(**self._arguments):
                return func(*args, **kwargs)

        return wrapper


def _rule_text(rule) -> str:
    """An outcome rule as ``glueprint serve --outcome`` reads it."""
    outcome = rule.outcome
    return f"{rule.pattern}={outcome.state}:{outcome.seconds}" + (f":{outcome.message}" if outcome.message else "")


class LocalServer:
    """A real glueprint server in a child process, on free ports, with its own SQLite file and
    its own S3, whose buckets are the folders of ``<folder>/archives``; or, given
    ``s3_endpoint_url`` (and its keys), an external S3 instead. ``outcomes`` and
    ``simulated_seconds`` are ``mock_glue``'s: how runs of matching jobs or crawlers end, and
    how long a Spark job run takes (the server's ``--outcome`` and ``--simulated-seconds``);
    ``spark=False`` simulates its glueetl runs (``--no-spark``)."""

    def __init__(
        self,
        folder: Path,
        s3_endpoint_url: str | None = None,
        s3_access_key: str | None = None,
        s3_secret_key: str | None = None,
        outcomes=None,
        simulated_seconds: float | None = None,
        spark: bool = True,
    ):
        self.folder = Path(folder)
        self.archives = self.folder / "archives"
        self.archives.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.s3_port = None if s3_endpoint_url else _free_port()
        self.s3_url = s3_endpoint_url or f"http://127.0.0.1:{self.s3_port}"
        self._s3_keys = (s3_access_key or "test", s3_secret_key or "test")
        self._s3_options = (
            ["--s3-endpoint-url", s3_endpoint_url]
            + (["--s3-access-key", s3_access_key, "--s3-secret-key", s3_secret_key] if s3_access_key else [])
            if s3_endpoint_url
            else ["--archive-root", str(self.archives), "--s3-port", str(self.s3_port)]
        )
        # Read here, so a rule the server could not read fails in the test, not in the server.
        self._run_options = [option for rule in as_rules(outcomes) for option in ("--outcome", _rule_text(rule))]
        if simulated_seconds is not None:
            self._run_options += ["--simulated-seconds", str(float(simulated_seconds))]
        if not spark:
            self._run_options.append("--no-spark")
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> "LocalServer":
        # A server that exits fails at once; the timeout is for one that hangs, and a loaded
        # CI machine can take tens of seconds to import, migrate and listen.
        args = [sys.executable, "-m", "glueprint", "serve", "--port", str(self.port), "--log-level", "warning"]
        args += ["--db", f"sqlite:///{self.folder / 'glueprint.db'}", *self._s3_options, *self._run_options]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_"))}
        with open(self.folder / "server.log", "ab") as log:
            self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"glueprint did not start: see {self.folder / 'server.log'}") from None
                time.sleep(0.05)

    def client(self):
        return boto3.session.Session().client(
            "glue", endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )

    def s3_client(self):
        """A boto3 S3 client for the server's S3 (its own, or the external one it was given)."""
        access_key, secret_key = self._s3_keys
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.s3_url,
            region_name="us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )

    def put_archive(self, data: bytes, key: str = "blueprints/blueprint.zip", bucket: str = "local") -> str:
        """Store a blueprint archive (or any object) in the server's S3; its s3:// location."""
        s3 = self.s3_client()
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        return f"s3://{bucket}/{key}"

    def reset(self) -> None:
        """Delete everything the server stores (blueprints, runs, jobs, catalog, logs): a
        fresh start between tests, on the same server. The archive folder is left as it is."""
        request = urllib.request.Request(self.url + RESET_PATH, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=60):
            pass

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
