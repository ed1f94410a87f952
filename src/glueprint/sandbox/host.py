"""Running untrusted code (a layout) in its own jail, from the engine's side.

Each run is handed to the zygote (zygote.py), whose supervisor builds the run's jail
(jail.py: namespaces, a read-only root, an unprivileged uid, seccomp, limits) and relays
its network to the Glue API and the S3 endpoint only (relay.py). The engine sends the
request, enforces the wall-clock timeout (killing the run's whole process group), and gets
back the plan or a LayoutError saying what went wrong.

Where the kernel refuses namespaces, the sandbox says so when it starts and refuses to run
layouts, unless it was created with ``unsafe=True`` (``--unsafe-sandbox``): then runs get
only resource limits and the audit hook, as a convenience for trusted code.
"""

import base64
import functools
import importlib.util
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import awsglue
from glueprint.sandbox import jail, memory, relay, syscall_filter
from glueprint.sandbox.collect import MAX_RESULT_BYTES, STOP_CHECK_S, Answer, Stopped, collect, whole
from glueprint.sandbox.keeper import popen_kept

log = logging.getLogger("glueprint.sandbox")
ZYGOTE_START_TIMEOUT_S = 30
CHECK_TIMEOUT_S = 30  # parsing a layout module of at most 5 MB; the run timeout when shorter
LEFTOVER_PREFIXES = ("glueprint-zygote-", "glueprint-run-")
SPARK_CONNECT_PORT = 15002  # Spark Connect's default, for an sc:// URL without a port
# Address space a Spark job script's process may reserve beyond --run-memory-mb: a pyspark
# client reserves 0.85 GB before its first query (1 GB after it) and 8 MB of stack per
# thread, so AWS's compaction sample's thread pool could not start its fourth thread. What it
# really uses (PSS) is still held to --run-memory-mb.
SPARK_CLIENT_ADDRESS_MB = 1024


class LayoutError(Exception):
    """The layout did not produce a workflow; the message is the run's ErrorMessage."""


@dataclass(frozen=True)
class ScriptResult:
    ok: bool
    error: str | None
    output: str  # the tail of both streams, as written
    # Each stream's lines as [epoch seconds, text], for the run's CloudWatch Logs streams.
    stdout: list = field(default_factory=list)
    stderr: list = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0
    memory_mb: int = 1024
    tmp_mb: int = 64


def layout_env(urls: dict[str, str], region: str) -> dict:
    """The jailed code's whole environment: nothing of the server's own leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "glueprint-layout",
        "AWS_SECRET_ACCESS_KEY": "glueprint-layout",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update({f"AWS_ENDPOINT_URL_{name.upper()}": url for name, url in urls.items()})
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(tmp: str | None = None) -> None:
    """Delete the scratch directories of zygotes that are gone (a kill -9 leaves them)."""
    tmp = tmp or tempfile.gettempdir()
    for entry in os.scandir(tmp):
        if not entry.name.startswith(LEFTOVER_PREFIXES) or not entry.is_dir(follow_symlinks=False):
            continue
        owner = entry.name.split("-")[2]
        if owner.isdigit() and not _alive(int(owner)) and entry.stat(follow_symlinks=False).st_uid == os.getuid():
            shutil.rmtree(entry.path, ignore_errors=True)


class Zygote:
    """The engine's handle on its zygote process, started on first use and again if it dies."""

    def __init__(self, user_namespace: bool):
        self.user_namespace = user_namespace  # start it in a user namespace of its own (jail.py)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._dir = Path(tempfile.mkdtemp(prefix=f"glueprint-zygote-{os.getpid()}-"))
        self._dir.chmod(0o700)
        self.jail_root = str(self._dir / "jail")
        os.mkdir(self.jail_root)
        self._control: socket.socket | None = None

    def _ensure(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)  # one message per run
            self._proc = self._spawn(theirs)
            theirs.close()
            if self._control is not None:
                self._control.close()
            self._control = ours
            if self._proc.stdout.readline().strip() != b"ready":
                raise LayoutError("The sandbox could not start")

    def _spawn(self, control: socket.socket) -> subprocess.Popen:
        """Start the zygote from a thread of its own that waits for it: the kernel kills the
        zygote when the thread that started it ends (its parent-death signal), and a worker
        thread may end first (on a stop) while another still runs a layout in it."""
        return popen_kept(
            "glueprint-zygote",
            [sys.executable, "-I", "-B", "-u", "-m", "glueprint.sandbox.zygote", str(control.fileno())]
            + (["--user-namespace"] if self.user_namespace else []),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self._dir)},
            pass_fds=[control.fileno()],
            # A group of its own: a terminal's Ctrl-C goes to the server, which stops
            # gracefully and ends the runs itself, not to the zygote and every run at once.
            process_group=0,
        )

    def run(self, setup: dict, request: dict, timeout_s: float, what: str, should_stop=None, on_lines=None) -> "Answer":
        """Run one request in a jail built from setup: how it ended, TimeoutError, or Stopped
        when should_stop() gave a reason while it ran. what names the run in errors ("layout script");
        on_lines gets its output lines while it runs (collect.collect)."""
        self._ensure()
        deadline = time.monotonic() + timeout_s
        conn, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # The request goes to the run's own jail as a file only it reads: the zygote, from
        # which every later jail is forked, passes the descriptor on and never its content.
        request_fd = os.memfd_create("glueprint-run", os.MFD_CLOEXEC)
        with conn:
            try:
                _write_all(request_fd, json.dumps(request).encode())
                socket.send_fds(self._control, [json.dumps(setup, sort_keys=True).encode()], [theirs.fileno(), request_fd])
            finally:
                theirs.close()
                os.close(request_fd)
            reader = _Lines(conn, what)
            first, pipes = reader.next(time.monotonic() + ZYGOTE_START_TIMEOUT_S, with_fds=True)
            pid = first["pid"]
            try:
                if len(pipes) != 3:
                    raise LayoutError(f"The sandbox went away while starting the {what}")
                limit = setup["memory_mb"] * 1024 * 1024
                over_memory = None if pid is None else (lambda: memory.used(pid) > limit)
                result, output, over, (stdout, stderr) = collect(*pipes, deadline, should_stop, over_memory, on_lines)
                text = output.decode("utf-8", "replace").strip()
                if over:
                    return Answer(None, b"", text, over_memory=True, stdout=stdout, stderr=stderr)
                # A whole result says how the run went; only without one does the exit status tell.
                status = None if whole(result) else reader.next(deadline, should_stop)["status"]
                return Answer(status, result, text, stdout=stdout, stderr=stderr)
            finally:
                for fd in pipes:
                    os.close(fd)
                if pid is not None:
                    _kill_group(pid)  # on timeout, and after the end: nothing of the run outlives it

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            if self._control is not None:
                self._control.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Lines:
    """JSON lines from the supervisor's connection, each awaited until a deadline."""

    def __init__(self, conn: socket.socket, what: str):
        self.conn, self.what, self.buffer = conn, what, bytearray()

    def next(self, deadline: float, should_stop=None, with_fds: bool = False):
        fds: list[int] = []
        while (end := self.buffer.find(b"\n")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if should_stop is not None and (reason := should_stop()):
                raise Stopped(reason)
            self.conn.settimeout(remaining if should_stop is None else min(remaining, STOP_CHECK_S))
            try:
                chunk, received, _, _ = socket.recv_fds(self.conn, 1 << 16, 3)  # result, stdout, stderr
            except TimeoutError:
                continue  # the deadline, or time to ask should_stop again
            fds += received
            if not chunk:
                for fd in fds:
                    os.close(fd)
                raise LayoutError(f"The sandbox went away while running the {self.what}")
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        return (json.loads(line), fds) if with_fds else json.loads(line)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _failure(answer: Answer, memory_mb: int, what: str = "layout script", unfinished: str = "before returning a workflow") -> str:
    code, output = answer.status, answer.output
    if answer.over_memory:
        message = f"The {what}'s processes used more than {memory_mb} MB of memory together and were killed"
    elif code < 0:
        name = signal.Signals(-code).name
        hint = " (CPU time limit)" if name == "SIGXCPU" else ""
        message = f"The {what}'s process was killed by {name}{hint}"
    else:
        message = f"The {what}'s process exited with status {code} {unfinished}"
    return message + (f". Last output:\n{output}" if output else "")


def plan_from(result) -> dict:
    """The plan in a layout's result, or the LayoutError it reports in AWS's words."""
    if not isinstance(result, dict):
        raise LayoutError("The layout script's process wrote an unreadable result")
    if not result.get("ok"):
        raise LayoutError(
            f"Unknown error executing layout generator function {result.get('error')}\n{result.get('traceback', '')}".strip()
        )
    return result.get("plan")


@functools.cache
def read_only_paths() -> tuple[str, ...]:
    """What of the host a jail shows, read-only: the interpreter, its libraries, the awsglue
    library and the part of glueprint it runs on (glueprint.etl: Spark and the catalog)."""
    etl = importlib.util.find_spec("glueprint.etl").submodule_search_locations[0]  # found, not imported
    paths = ["/usr", sys.base_prefix, sys.base_exec_prefix, sys.prefix, os.path.dirname(os.path.abspath(awsglue.__file__)), etl]
    return tuple(dict.fromkeys(os.path.realpath(p) for p in paths))


class Sandbox:
    def __init__(self, urls: dict[str, str], region: str, limits: Limits, unsafe: bool = False, shown: tuple[str, ...] = ()):
        """shown: more host folders every jail sees, read-only (installed Python modules)."""
        self.limits = limits
        self.unsafe = unsafe
        self.shown = tuple(shown)
        remove_leftovers()
        self.refusal = syscall_filter.MISSING or jail.probe()
        if self.refusal:
            advice = "running layouts without isolation (--unsafe-sandbox)" if unsafe else "refusing to run layouts"
            log.warning(
                "The layout sandbox cannot isolate runs on this machine: the kernel refused the namespaces it needs or a library is missing (%s); %s",
                self.refusal,
                advice,
            )
        log.info(
            "A run's memory (--run-memory-mb %d) counts all its processes: measured every %g s, "
            "a run over it is killed; each process is also limited to that much address space "
            "(a Spark job script's, %d MB more)",
            limits.memory_mb,
            memory.SAMPLE_S,
            SPARK_CLIENT_ADDRESS_MB,
        )
        self.urls = dict(urls)
        given, self.endpoints, self.hosts = relay.plan(urls)
        self.env = layout_env(given, region)
        self.userns = jail.uses_user_namespace()
        self.zygote = Zygote(user_namespace=self.jailed and self.userns)

    @property
    def jailed(self) -> bool:
        return self.refusal is None

    def _setup(self, endpoints: list | None = None, hosts: dict | None = None, address_mb: int = 0) -> dict:
        """What a jail is built from: the same for every run of this sandbox (and, for Spark
        job scripts, of the Spark Connect server they reach); address_mb: address space each
        process may reserve beyond the run's memory."""
        return {
            "jail": self.jailed,
            "userns": self.userns,
            "endpoints": [[list(e.inside), list(e.outside)] for e in endpoints or self.endpoints],
            "hosts": hosts or self.hosts,
            "read_only": list(read_only_paths()) + list(self.shown),
            "jail_root": self.zygote.jail_root,
            "tmp_mb": self.limits.tmp_mb,
            "memory_mb": self.limits.memory_mb,
            "address_mb": self.limits.memory_mb + address_mb,
        }

    def _request(
        self, kind: str, archive: bytes, credentials: tuple[str, str] | None, timeout_s: float, region: str | None = None
    ) -> dict:
        """What one run brings to its jail: region is its own (its account's and region's
        resources are where its calls go)."""
        env = dict(self.env)
        if credentials:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = credentials
        if region:
            env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = region
        return {"kind": kind, "archive": base64.b64encode(archive).decode(), "env": env, "cpu_s": int(timeout_s) + 1}

    def check_entry_point(self, archive: bytes, path: str, function: str) -> str | None:
        """What is wrong with the layout module at path (archives.entry_point_problem), parsed
        in a jailed process under the runs' limits: untrusted source is never parsed here."""
        timeout_s = min(self.limits.timeout_s, CHECK_TIMEOUT_S)
        request = self._request("check", archive, None, timeout_s)
        request.update(path=path, function=function)
        beyond = f"{path}: could not be parsed within the sandbox's limits ({self.limits.memory_mb} MB, {timeout_s:g} s)"
        try:
            answer = self.zygote.run(self._setup(), request, timeout_s, "blueprint check")
        except TimeoutError:
            return beyond
        result = _result_of(answer)
        if not isinstance(result, dict) or not result.get("ok"):
            return beyond
        return result.get("problem")

    def run_layout(
        self,
        archive: bytes,
        layout_generator: str,
        user_params: dict,
        system_params: dict,
        name_suffix: str,
        credentials: tuple[str, str] | None = None,
        region: str | None = None,
    ) -> dict:
        """Run the layout generator; return its plan (``to_json(name_suffix)``) or raise LayoutError."""
        if not self.jailed and not self.unsafe:
            raise LayoutError(
                f"The layout sandbox is not available on this machine ({self.refusal}); "
                "start glueprint with --unsafe-sandbox to run layouts without isolation"
            )
        request = self._request("layout", archive, credentials, self.limits.timeout_s, region)
        request.update(
            layout_generator=layout_generator, user_params=user_params, system_params=system_params, name_suffix=name_suffix
        )
        try:
            answer = self.zygote.run(self._setup(), request, self.limits.timeout_s, "layout script")
        except TimeoutError:
            raise LayoutError(
                f"The layout script did not finish within {self.limits.timeout_s:g} seconds and was stopped"
            ) from None
        if answer.oversized:
            raise LayoutError(f"The layout script's result is larger than glueprint reads ({MAX_RESULT_BYTES >> 20} MB)")
        result = _result_of(answer)
        if result is None:
            raise LayoutError(_failure(answer, self.limits.memory_mb))
        return plan_from(result)

    def run_script(
        self,
        script: bytes,
        script_name: str,
        argv: list[str],
        timeout_s: float,
        credentials: tuple[str, str] | None = None,
        should_stop=None,
        python_version: tuple[int, int] | None = None,
        paths: tuple[str, ...] = (),
        on_lines=None,
        region: str | None = None,
        spark: tuple[str, dict] | None = None,
    ) -> ScriptResult:
        """Run a job script as __main__ with argv; TimeoutError past timeout_s, Stopped when
        should_stop() gives a reason to (polled every STOP_CHECK_S). python_version: the
        grammar it must parse with; paths: folders its imports look in first, after its own
        (shown to the jail: see shown); on_lines: gets its output lines while it runs (the
        result holds those not given yet); spark: (Spark Connect URL, settings) of a Spark
        job script, which reaches that server through a relay of its own."""
        if not self.jailed and not self.unsafe:
            return ScriptResult(False, f"The sandbox is not available on this machine ({self.refusal})", "")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(script_name, script)
        request = self._request("script", buffer.getvalue(), credentials, timeout_s, region)
        request.update(script=script_name, argv=argv, python_version=python_version, paths=list(paths))
        setup = self._setup()
        if spark is not None:
            remote, endpoints, hosts = self._spark_relay(spark[0])
            setup = self._setup(endpoints, hosts, SPARK_CLIENT_ADDRESS_MB)
            request["spark"] = {"remote": remote, "settings": spark[1]}
            # glibc's malloc reserves 64 MB of address space per thread arena: gRPC's threads
            # took a pyspark client to 2.2 GB of address space (0.65 GB with two arenas), past the run limit.
            request["env"]["MALLOC_ARENA_MAX"] = "2"
        try:
            answer = self.zygote.run(setup, request, timeout_s, "job script", should_stop, on_lines)
        except LayoutError as exc:  # the sandbox failed, not the script: said in a job run's words
            return ScriptResult(False, str(exc), "")
        streams = {"stdout": answer.stdout, "stderr": answer.stderr}
        result = _result_of(answer)
        if result is None:
            message = _failure(answer, self.limits.memory_mb, "job script", "without reporting how it ended")
            return ScriptResult(False, message, answer.output, **streams)
        if not isinstance(result, dict):
            return ScriptResult(False, "The job script's process wrote an unreadable result", answer.output, **streams)
        return ScriptResult(bool(result.get("ok")), result.get("error"), answer.output, **streams)

    def _spark_relay(self, remote: str) -> tuple[str, list, dict]:
        """For a Spark Connect URL (``sc://host:port/;params``): the URL the run is given, and
        the relays and /etc/hosts entries of its jail (Glue's, S3's and the server's)."""
        parts = urlsplit(remote)
        port = parts.port or SPARK_CONNECT_PORT
        given, endpoints, hosts = relay.plan({**self.urls, "spark": f"http://{parts.hostname}:{port}"})
        netloc = urlsplit(given["spark"]).netloc
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), endpoints, hosts

    def stop(self) -> None:
        self.zygote.stop()


def _result_of(answer: Answer):
    """The run's own result, or None when it wrote none that is whole."""
    if answer.oversized:
        return None
    try:
        return json.loads(answer.result)
    except (ValueError, RecursionError):
        return None
