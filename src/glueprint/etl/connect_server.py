"""glueprint's own Spark Connect server, one per worker process, started on first use.

Minimal version written by the spark-runs branch so that job runs can execute before the
spark-server branch lands; that branch's module (confined in the sandbox, buckets created
later mounted through mount tables) replaces this one and keeps its interface:
``ConnectServer(s3_root, scratch, cores, memory_mb, jars)``, ``url()``, ``stop()`` and
``spark_available()``. This one runs pyspark's SparkConnectServer in the foreground, unconfined,
with the buckets the store held when it started mounted (s3_paths).
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from glueprint.sandbox.lifetime import die_with_parent

from . import s3_paths

START_TIMEOUT_S = 180
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def spark_available() -> str | None:
    """None when glueetl runs can execute here (pyspark and Java), else why not."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'glueprint[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java on this machine (Spark needs Java 17 or later)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class ConnectServer:
    def __init__(self, s3_root: str, scratch: str, cores: int, memory_mb: int, jars: list[str] = ()):
        self.s3_root, self.scratch, self.cores, self.memory_mb, self.jars = s3_root, scratch, cores, memory_mb, list(jars)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._port = 0

    def _command(self, port: int) -> list[str]:
        import pyspark

        home = Path(pyspark.__file__).parent
        settings = {f"spark.hadoop.{key}": value for key, value in s3_paths.scheme_settings().items()}
        root = Path(self.s3_root)
        buckets = (
            [entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")] if root.is_dir() else []
        )
        settings |= {f"spark.hadoop.{key}": value for key, value in (s3_paths.mount_setting(self.s3_root, b) for b in buckets)}
        settings |= {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port),
            "spark.ui.enabled": "false",
            "spark.driver.memory": f"{self.memory_mb}m",
            "spark.local.dir": self.scratch,
            "spark.python.worker.reuse": "false",
        }
        command = [str(home / "bin" / "spark-submit"), "--class", SERVER_CLASS, "--master", f"local[{self.cores}]"]
        for key, value in settings.items():
            command += ["--conf", f"{key}={value}"]
        if self.jars:
            command += ["--jars", ",".join(self.jars)]
        return command + ["spark-internal"]

    def url(self) -> str:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            return f"sc://127.0.0.1:{self._port}"

    def _start(self) -> None:
        import pyspark

        os.makedirs(self.scratch, exist_ok=True)
        port = _free_port()
        log = open(os.path.join(self.scratch, "connect-server.log"), "ab")  # noqa: SIM115 (the child's)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_"))}
        env.update(SPARK_HOME=str(Path(pyspark.__file__).parent), PYSPARK_PYTHON=sys.executable)
        self._proc = subprocess.Popen(
            self._command(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            preexec_fn=die_with_parent,
            process_group=0,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Spark Connect server did not start (see {self.scratch}/connect-server.log)")
            time.sleep(0.2)
        self._port = port

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, 9)
            self._proc.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)
