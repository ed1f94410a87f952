"""Real processes for the tests: a glueprint server, and moto's S3 server for archives."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import httpx
import orjson
from botocore.config import Config

REPO = Path(__file__).resolve().parent.parent
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
# One client for every plain request the tests make: each new one loads the CA bundle, which
# cost most of the suite's own CPU. No connection is kept, so a restarted server is met afresh.
# Its timeout is generous: the CI runs six suites side by side on two cores.
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=60.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    """Wait for the process to answer at url; it exiting meanwhile fails at once, so the
    timeout is for a start that hangs and can be generous (a loaded CI machine starts slowly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}:\n{log.read_text()}")
        try:
            HTTP.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s:\n{log.read_text()}")


class Process:
    """A child process with its log file; stop() is graceful, kill() is kill -9."""

    def __init__(self, args: list[str], log: Path, url: str, env: dict | None = None):
        self.args, self.log, self.url, self.env = args, log, url, env
        self.proc = None

    def start(self) -> "Process":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        wait_http(self.url, self.proc, self.log)
        return self

    def stop(self) -> None:
        stop_all([self])

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def restart(self) -> "Process":
        self.stop()
        return self.start()


def stop_all(processes: list[Process], timeout: float = 15) -> None:
    """Stop them gracefully side by side (SIGTERM to all, then wait); kill -9 any still
    running after timeout. A session's forty servers stopped one by one took 10 s."""
    running = [p for p in processes if p.proc and p.proc.poll() is None]
    for process in running:
        process.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def glueprint_server(db_url: str, tmp: Path, *extra: str, port: int | None = None) -> Process:
    """A server; unless extra names an S3, its own S3 listens on a free port (.s3_url), over a
    folder of tmp unless extra gives --archive-root (never the user's data directory)."""
    port = port or free_port()
    args = [sys.executable, "-m", "glueprint", "serve", "--port", str(port), "--db", db_url, "--log-level", "warning", *extra]
    s3_url = None
    if "--s3-endpoint-url" not in extra and "--s3-port" not in extra:
        s3_port = free_port()
        args += ["--s3-port", str(s3_port)]
        if "--archive-root" not in extra:
            args += ["--archive-root", str(tmp / f"s3-{port}")]
        s3_url = f"http://127.0.0.1:{s3_port}"
    process = Process(args, tmp / f"glueprint-{port}.log", f"http://127.0.0.1:{port}", _child_env(extra))
    process.s3_url = s3_url
    return process


def _child_env(extra: tuple = ()) -> dict:
    # A developer's own AWS settings must not leak in; the S3 test server takes any keys, and
    # glueprint signs its requests to an external S3 with its own settings' keys only.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    env.update(GLUEPRINT_S3_ACCESS_KEY="testing", GLUEPRINT_S3_SECRET_KEY="testing")
    # A suite's servers stay up until it ends, and two suites run side by side against one
    # PostgreSQL: idle, each keeps two connections, not ten (max_connections is 100 here).
    env.update(GLUEPRINT_DB_POOL_SIZE="2")
    # glueetl runs are simulated unless a test asks for Spark (--spark, --spark-remote): a JVM
    # per server would cost the suite minutes, and most tests are about orchestration.
    if "--spark" not in extra and "--spark-remote" not in extra:
        env.update(GLUEPRINT_SPARK="false")
    return env


def glueprint_worker(db_url: str, tmp: Path, api_url: str, *extra: str) -> Process:
    """A run-engine-only process; it serves no HTTP, so readiness is the API it points at."""
    args = [sys.executable, "-m", "glueprint", "worker", "--db", db_url, "--api-url", api_url, "--log-level", "warning", *extra]
    return Process(args, tmp / f"worker-{free_port()}.log", api_url, _child_env())


def moto_s3_server(tmp: Path) -> Process:
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return Process(args, tmp / "moto.log", f"http://127.0.0.1:{port}")


# One session for every client the tests make: a new one parses the service models again.
# Sessions are not thread-safe, so clients are made one at a time.
_SESSION, _SESSION_LOCK = boto3.session.Session(), threading.Lock()


def glue_client(url: str, validate: bool = True):
    config = Config(parameter_validation=validate, retries={"max_attempts": 1})
    with _SESSION_LOCK:
        return _SESSION.client("glue", endpoint_url=url, config=config, **CREDENTIALS)


def logs_client(url: str, validate: bool = True):
    """A CloudWatch Logs client for glueprint's endpoint (the same as Glue's)."""
    config = Config(parameter_validation=validate, retries={"max_attempts": 1})
    with _SESSION_LOCK:
        return _SESSION.client("logs", endpoint_url=url, config=config, **CREDENTIALS)


def s3_client(url: str):
    with _SESSION_LOCK:
        return _SESSION.client("s3", endpoint_url=url, **CREDENTIALS)


def call_raw(url: str, operation: str, body, **headers) -> httpx.Response:
    """One AWS JSON 1.1 request with exactly this body, past any SDK's checks."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    merged = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSGlue.{operation}", **headers}
    return HTTP.post(url + "/", content=content, headers={k: v for k, v in merged.items() if v is not None})


def events_client(url: str):
    """An EventBridge client for glueprint's endpoint: PutEvents sends EVENT triggers their events."""
    with _SESSION_LOCK:
        return _SESSION.client("events", endpoint_url=url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)
