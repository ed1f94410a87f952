"""Where glueetl job runs get their Spark: a Spark Connect session of its own per run, on
glueprint's own warm server (one per worker process, started on first use) or on the
server ``--spark-remote`` names.

A run's session id is chosen here and given to its jailed client in the connection string
(``sc://host:port/;session_id=...;user_id=...``), so that once the run has ended, whichever
way (its client killed on a timeout or StopJobRun included), this process interrupts what
that session still runs on the server and releases it: a stopped run's Spark jobs do not go
on using the shared server.
"""

import logging
import os
import uuid

from .connect_server import ConnectServer
from .jdbc_drivers import driver_jars

log = logging.getLogger("glueprint.etl")
USER_ID = "glueprint"  # the user every run's session belongs to (sessions are keyed by user and id)


def session_url(remote: str, session_id: str) -> str:
    """remote (``sc://host:port``, maybe with parameters of its own) bound to one session."""
    base, _, params = remote.partition("/;")
    kept = [p for p in params.split(";") if p and not p.startswith(("session_id=", "user_id="))]
    return base.rstrip("/") + "/;" + ";".join([*kept, f"user_id={USER_ID}", f"session_id={session_id}"])


class SparkServers:
    """The Spark Connect server of this worker process's runs: remote, or glueprint's own."""

    def __init__(self, remote: str | None, s3_root: str, scratch: str, cores: int, memory_mb: int):
        self.remote = remote
        self._own = None if remote else ConnectServer(s3_root, scratch, cores, memory_mb, jars=driver_jars())

    def new_session(self) -> str:
        """The connection string of a fresh session (starting glueprint's own server if needed)."""
        remote = self.remote or self._own.url()
        return session_url(remote, str(uuid.uuid4()))

    def routes(self, addresses: list[tuple[str, int]]) -> dict[str, str] | None:
        """Where a run's Spark reaches each (host, port): {"host:port": "127.0.0.1:N"} on
        glueprint's own server, whose jail reaches nothing else; None with a remote server,
        which reaches hosts itself."""
        if self._own is None:
            return None
        return {f"{host}:{port}": self._own.reach(host, port) for host, port in addresses}

    def end_session(self, url: str) -> None:
        """Interrupt what the session still runs, and release it; a session that is gone already is fine."""
        from pyspark.sql.connect.client import SparkConnectClient

        client = None
        try:
            client = SparkConnectClient(url)
            client.interrupt_all()
            client.release_session()
        except Exception as exc:  # noqa: BLE001 (released already, or the server is gone: nothing is left to end)
            log.debug("Spark session %s not ended: %s", url, exc)
        finally:
            if client is not None:
                client.close()

    def stop(self) -> None:
        if self._own is not None:
            self._own.stop()


def default_scratch() -> str:
    return os.path.join(os.environ.get("TMPDIR", "/tmp"), f"glueprint-spark-{os.getpid()}")
