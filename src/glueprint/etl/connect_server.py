"""glueprint's own warm Spark Connect server: one per worker process, started on first use
(most users never run Spark), started again if it died, ended with the process.

Spark's ``SparkConnectServer`` runs in the sandbox's jail (connect_jail.py says what it can
see and do); this side starts it, relays a loopback port of the host to the unix socket the
jail relays to the server, and watches it: every WATCH_S it samples the memory of the whole
process tree (sandbox.memory, as for a run) and counts its processes, and ends the server when
either passes its bound. The next ``url()`` starts a fresh one.

``s3://`` paths are folders of the object store through Hadoop's ViewFileSystemOverloadScheme
(s3_paths.py). Its mount tables come from ``fs.viewfs.mounttable.path``: Hadoop reads the
newest ``mount-table.<n>.xml`` in that folder whenever it opens a bucket it has not opened yet,
so writing a new file when the store's buckets change makes buckets created after the JVM
started readable and writable too. The watcher writes one whenever the store folder changes.

The jail reaches no network but its routes: ``reach(host, port)`` adds one while the server
runs (connect_jail.py says how), for the databases of the connections a job run attaches.
"""

import glob
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from importlib.util import find_spec
from pathlib import Path

from glueprint.etl import connect_jail, s3_paths, session
from glueprint.sandbox import jail, memory, relay, syscall_filter
from glueprint.sandbox.host import read_only_paths
from glueprint.sandbox.keeper import popen_kept

log = logging.getLogger("glueprint.etl")
START_TIMEOUT_S = 180  # a cold JVM on a busy 2-core machine
WATCH_S = 0.5  # the JVM's tree is sampled less often than a run's: it lives for hours
HEAP_SHARE = 0.5  # of memory_mb for the JVM's heap; the rest is its other memory and Python workers
MIN_HEAP_MB = 256
MAX_CONNECTIONS = 256  # gRPC channels of job runs relayed at once
ROUTE_TIMEOUT_S = 10  # for the jail's answer to a route request
_LOG4J = "rootLogger.level = warn\nrootLogger.appenderRef.stderr.ref = console\nappender.console.type = Console\n"
_LOG4J += "appender.console.name = console\nappender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
_LOG4J += "appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n\n"


def spark_available() -> str | None:
    """None when this machine can run glueprint's Spark server, else why it cannot."""
    if find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'glueprint[spark]')"
    if shutil.which("java") is None:
        return "no Java on the PATH (Spark needs Java 17 or later)"
    refusal = syscall_filter.MISSING or jail.probe()
    if refusal:
        return f"the sandbox cannot confine a Spark server here ({refusal})"
    return None


def _spark_home() -> str:
    return os.path.dirname(find_spec("pyspark").origin)


def _java_folders() -> list[str]:
    """What Java reads besides /usr: its configuration folder (Debian keeps it in /etc)."""
    return sorted(glob.glob("/etc/java-*")) + sorted(glob.glob("/etc/ssl/certs/java"))


class ConnectServer:
    def __init__(self, s3_root: str, scratch: str, cores: int, memory_mb: int, jars: list[str] = ()):
        self.s3_root, self.cores, self.memory_mb = os.path.abspath(s3_root), max(1, cores), memory_mb
        self.jars = [os.path.abspath(j) for j in jars]
        self.max_processes = 16 + 2 * self.cores  # the launcher, the JVM, the Python daemon and its workers
        self._dir = Path(scratch).absolute()
        self._work, self._socket_dir = self._dir / "work", self._dir / "relay"
        self._mounts, self._conf, self._jail_root = self._dir / "mounts", self._dir / "conf", self._dir / "jail"
        self.log_path = self._dir / "connect-server.log"
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._relay: relay.Relay | None = None
        self._port: int | None = None
        self._tables: s3_paths.MountTables | None = None
        self._routes: dict[tuple[str, int], tuple[relay.Relay, str]] = {}  # (host, port) -> its relay, "127.0.0.1:N"

    # The interface
    def url(self) -> str:
        """Where the server listens, starting it first if it is not running (blocks until it answers)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._end()
                self._start()
            self._tables.refresh()  # a bucket made a moment ago, before the watcher's next look
            return f"sc://127.0.0.1:{self._port}"

    def reach(self, host: str, port: int) -> str:
        """Where code in the server reaches host:port ("127.0.0.1:N" in its network namespace):
        a route added while the server runs (starting it first if need be), kept for later runs
        until the server stops."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._end()
                self._start()
            if (host, port) not in self._routes:
                self._routes[(host, port)] = self._add_route(host, port)
            return self._routes[(host, port)][1]

    def stop(self) -> None:
        with self._lock:
            self._end()

    @property
    def pid(self) -> int | None:
        """The jail's launcher (the JVM's ancestor), while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    # Starting
    def _start(self) -> None:
        started = time.monotonic()
        for folder in (self._work / "tmp", self._work / "local", self._socket_dir, self._mounts, self._conf, self._jail_root):
            folder.mkdir(parents=True, exist_ok=True)
        socket_path = self._socket_dir / "connect.sock"
        for stale in self._socket_dir.glob("*.sock"):  # a killed server's (a unix socket's name outlives it)
            stale.unlink()
        (self._conf / "log4j2.properties").write_text(_LOG4J)
        self._tables = s3_paths.MountTables(self.s3_root, str(self._mounts))
        self._tables.refresh()
        setup = {
            "jail_root": str(self._jail_root),
            "read_only": [*read_only_paths(), *self._package_folders(), *_java_folders(), str(self._mounts), str(self._conf)]
            + sorted({os.path.dirname(j) for j in self.jars}),
            "writable": [self.s3_root, str(self._work), str(self._socket_dir)],
            "tmp_mb": 64,
            "socket": str(socket_path),
            "max_connections": MAX_CONNECTIONS,
            "command": self._command(),
            "env": self._env(),
            "cwd": str(self._work),
        }
        self._proc = self._spawn(setup)
        while not socket_path.exists():
            if self._proc.poll() is not None or time.monotonic() - started > START_TIMEOUT_S:
                tail = self._log_tail()
                self._end()
                raise RuntimeError(f"The Spark Connect server did not start. Its log ends:\n{tail}")
            time.sleep(0.05)
        self._relay = relay.Relay([relay.Endpoint(("127.0.0.1", 0), str(socket_path))], MAX_CONNECTIONS)
        self._relay.start()
        self._port = self._relay.listen()[0][1]
        threading.Thread(target=self._watch, args=(self._proc,), name="glueprint-spark-watch", daemon=True).start()
        log.info(
            "Spark Connect server started in %.1f s (pid %d, port %d)", time.monotonic() - started, self._proc.pid, self._port
        )

    def _add_route(self, host: str, port: int) -> tuple[relay.Relay, str]:
        """Listen on a unix socket of the relay folder, forwarding to host:port, and have the
        jail relay a port of its namespace to it."""
        path = self._socket_dir / f"route-{len(self._routes)}.sock"
        path.unlink(missing_ok=True)  # a route that failed before
        route = relay.Relay([relay.Endpoint(str(path), (host, port))], connect_jail.ROUTE_CONNECTIONS)
        route.start()
        try:
            route.listen()
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
                control.settimeout(ROUTE_TIMEOUT_S)
                control.connect(str(self._socket_dir / connect_jail.CONTROL_SOCKET))
                control.sendall(f"{path.name}\n".encode())
                answer = control.makefile("r", encoding="ascii").readline().strip()
        except OSError as exc:
            route.stop()
            raise RuntimeError(f"the Spark Connect server could not be given a route to {host}:{port}: {exc}") from exc
        if not answer.isdigit():
            route.stop()
            raise RuntimeError(f"the Spark Connect server refused a route to {host}:{port}")
        log.info("Spark Connect server: %s:%d reached at 127.0.0.1:%s", host, port, answer)
        return route, f"127.0.0.1:{answer}"

    def _package_folders(self) -> list[str]:
        """glueprint's own packages (the Python workers unpickle functions of awsglue's modules)."""
        import awsglue
        import glueprint

        return [os.path.dirname(os.path.dirname(os.path.abspath(p.__file__))) for p in (awsglue, glueprint)]

    def _command(self) -> list[str]:
        spark_home = _spark_home()
        heap = max(MIN_HEAP_MB, int(self.memory_mb * HEAP_SHARE))
        settings = {f"spark.hadoop.{k}": v for k, v in s3_paths.scheme_settings().items()}
        settings.update(session.sql_settings())
        settings.update(
            {
                "spark.hadoop." + self._tables.setting()[0]: self._tables.setting()[1],
                "spark.connect.grpc.binding.address": "127.0.0.1",
                "spark.connect.grpc.binding.port": str(connect_jail.INNER_PORT),
                "spark.local.dir": str(self._work / "local"),
                "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={self._work / 'tmp'}",
                "spark.sql.warehouse.dir": str(self._work / "warehouse"),
                "spark.sql.catalogImplementation": "in-memory",
                # A Python worker per task, never reused: one run's data and functions are never
                # in a process another run's functions later run in.
                "spark.python.worker.reuse": "false",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.sql.shuffle.partitions": str(self.cores),
            }
        )
        command = [f"{spark_home}/bin/spark-submit", "--master", f"local[{self.cores}]", "--driver-memory", f"{heap}m"]
        command += ["--class", "org.apache.spark.sql.connect.service.SparkConnectServer", "--name", "glueprint"]
        if self.jars:
            command += ["--jars", ",".join(self.jars)]
        for key, value in settings.items():
            command += ["--conf", f"{key}={value}"]
        return [*command, "spark-internal"]

    def _env(self) -> dict[str, str]:
        """The server's whole environment: nothing of glueprint's own (no keys, no database URL)."""
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(self._work),
            "SPARK_HOME": _spark_home(),
            "SPARK_CONF_DIR": str(self._conf),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
        }

    def _spawn(self, setup: dict) -> subprocess.Popen:
        """Start the jail's launcher from a thread that waits for it: the kernel kills the
        launcher (and so the jail) when the thread that started it ends, and with a kill -9
        of glueprint every thread ends."""
        with open(self.log_path, "ab") as log_file:  # the child keeps its own copy of the descriptor
            return popen_kept(
                "glueprint-spark-server",
                [sys.executable, "-I", "-B", "-m", "glueprint.etl.connect_jail", json.dumps(setup)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                process_group=0,  # a terminal's Ctrl-C goes to glueprint, which ends it
            )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # Watching
    def _watch(self, proc: subprocess.Popen) -> None:
        limit = self.memory_mb * 1024 * 1024
        while proc.poll() is None:
            tree = memory.processes(proc.pid)
            reason = None
            if len(tree) > self.max_processes:
                reason = f"it ran {len(tree)} processes (at most {self.max_processes})"
            elif (used := sum(map(memory.bytes_of, tree))) > limit:
                reason = f"its processes used {used >> 20} MB of memory together (at most {self.memory_mb} MB)"
            if reason:
                log.warning("The Spark Connect server was ended: %s; the next Spark run starts a new one", reason)
                _kill(proc)
                return
            self._tables.refresh()
            time.sleep(WATCH_S)

    # Ending
    def _end(self) -> None:
        for route, _ in self._routes.values():
            route.stop()
        self._routes.clear()
        if self._relay is not None:
            self._relay.stop()
            self._relay = None
        if self._proc is not None:
            _kill(self._proc)
            self._proc = None
        self._port = None


def _kill(proc: subprocess.Popen) -> None:
    """End the launcher: its jail's first process dies with it (parent-death signal), and the
    kernel ends every process of that PID namespace with its first."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
