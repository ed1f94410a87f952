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

import awsglue
from glueprint.sandbox import jail, relay, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent

log = logging.getLogger("glueprint.sandbox")
ZYGOTE_START_TIMEOUT_S = 30
LEFTOVER_PREFIXES = ("glueprint-zygote-", "glueprint-run-")
STOP_CHECK_S = 0.5  # how often a running script asks whether it was stopped


class LayoutError(Exception):
    """The layout did not produce a workflow; the message is the run's ErrorMessage."""


class Stopped(Exception):
    """The run was stopped from outside (BatchStopJobRun, StopWorkflowRun) and killed."""


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
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-u", "-m", "glueprint.sandbox.zygote", str(theirs.fileno())]
                + (["--user-namespace"] if self.user_namespace else []),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self._dir)},
                pass_fds=[theirs.fileno()],
                preexec_fn=die_with_parent,
            )
            theirs.close()
            if self._control is not None:
                self._control.close()
            self._control = ours
            if self._proc.stdout.readline().strip() != b"ready":
                raise LayoutError("The layout sandbox could not start")

    def run(self, setup: dict, request: dict, timeout_s: float, should_stop=None, on_lines=None) -> dict:
        """Run one request in a jail built from setup; its supervisor's final answer,
        TimeoutError, or Stopped when should_stop() said so while it ran. on_lines(lines)
        gets the run's output lines as they come ({"stdout": [...], "stderr": [...]})."""
        self._ensure()
        conn, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with conn:
            socket.send_fds(self._control, [json.dumps(setup, sort_keys=True).encode()], [theirs.fileno()])
            theirs.close()
            conn.sendall(json.dumps(request).encode() + b"\n")
            reader = _Lines(conn)
            pid = reader.next(time.monotonic() + ZYGOTE_START_TIMEOUT_S)["pid"]
            deadline = time.monotonic() + timeout_s
            try:
                while "lines" in (message := reader.next(deadline, should_stop)):
                    if on_lines is not None:
                        on_lines(message["lines"])
                return message
            finally:
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


class _Lines:
    """JSON lines from a socket, each awaited until a deadline."""

    def __init__(self, conn: socket.socket):
        self.conn, self.buffer = conn, bytearray()

    def next(self, deadline: float, should_stop=None) -> dict:
        while (end := self.buffer.find(b"\n")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if should_stop is not None and should_stop():
                raise Stopped
            self.conn.settimeout(remaining if should_stop is None else min(remaining, STOP_CHECK_S))
            try:
                chunk = self.conn.recv(1 << 20)
            except TimeoutError:
                continue  # the deadline, or time to ask should_stop again

            if not chunk:
                raise LayoutError("The layout sandbox went away while running the layout")
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        return json.loads(line)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _failure(code: int, output: str, what: str = "layout script", unfinished: str = "before returning a workflow") -> str:
    if code < 0:
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
    """What of the host a jail shows, read-only: the interpreter, its libraries, the layout library."""
    paths = ["/usr", sys.base_prefix, sys.base_exec_prefix, sys.prefix, os.path.dirname(os.path.abspath(awsglue.__file__))]
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
        given, self.endpoints, self.hosts = relay.plan(urls)
        self.env = layout_env(given, region)
        self.userns = jail.uses_user_namespace()
        self.zygote = Zygote(user_namespace=self.jailed and self.userns)

    @property
    def jailed(self) -> bool:
        return self.refusal is None

    def _setup(self) -> dict:
        """What a jail is built from: the same for every run of this sandbox."""
        return {
            "jail": self.jailed,
            "userns": self.userns,
            "endpoints": [[list(e.inside), list(e.outside)] for e in self.endpoints],
            "hosts": self.hosts,
            "read_only": list(read_only_paths()) + list(self.shown),
            "jail_root": self.zygote.jail_root,
            "tmp_mb": self.limits.tmp_mb,
            "memory_mb": self.limits.memory_mb,
        }

    def _request(self, archive: bytes, credentials: tuple[str, str] | None, timeout_s: float) -> dict:
        """What one run brings to its jail."""
        env = dict(self.env)
        if credentials:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = credentials
        return {"archive": base64.b64encode(archive).decode(), "env": env, "cpu_s": int(timeout_s) + 1}

    def run_layout(
        self,
        archive: bytes,
        layout_generator: str,
        user_params: dict,
        system_params: dict,
        name_suffix: str,
        credentials: tuple[str, str] | None = None,
    ) -> dict:
        """Run the layout generator; return its plan (``to_json(name_suffix)``) or raise LayoutError."""
        if not self.jailed and not self.unsafe:
            raise LayoutError(
                f"The layout sandbox is not available on this machine ({self.refusal}); "
                "start glueprint with --unsafe-sandbox to run layouts without isolation"
            )
        request = self._request(archive, credentials, self.limits.timeout_s)
        request.update(
            layout_generator=layout_generator, user_params=user_params, system_params=system_params, name_suffix=name_suffix
        )
        try:
            answer = self.zygote.run(self._setup(), request, self.limits.timeout_s)
        except TimeoutError:
            raise LayoutError(
                f"The layout script did not finish within {self.limits.timeout_s:g} seconds and was stopped"
            ) from None
        if answer.get("oversized"):
            raise LayoutError("The layout script's result is larger than glueprint reads (32 MB)")
        try:
            result = json.loads(answer["result"])
        except (TypeError, ValueError, RecursionError):
            raise LayoutError(_failure(answer["status"], answer["output"])) from None
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
    ) -> ScriptResult:
        """Run a job script as __main__ with argv; TimeoutError past timeout_s, Stopped when asked.
        python_version: the grammar it must parse with; paths: folders its imports look in
        first, after its own (shown to the jail: see shown); on_lines: gets its output lines
        while it runs (the result holds those not given yet)."""
        if not self.jailed and not self.unsafe:
            return ScriptResult(False, f"The sandbox is not available on this machine ({self.refusal})", "")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(script_name, script)
        request = self._request(buffer.getvalue(), credentials, timeout_s)
        request.update(script=script_name, argv=argv, python_version=python_version, paths=list(paths))
        answer = self.zygote.run(self._setup(), request, timeout_s, should_stop, on_lines)
        streams = {"stdout": answer.get("stdout") or [], "stderr": answer.get("stderr") or []}
        try:
            result = json.loads(answer["result"])
        except (TypeError, ValueError, RecursionError):
            message = _failure(answer["status"], answer["output"], "job script", "without reporting how it ended")
            return ScriptResult(False, message, answer["output"], **streams)
        if not isinstance(result, dict):
            return ScriptResult(False, "The job script's process wrote an unreadable result", answer["output"], **streams)
        return ScriptResult(bool(result.get("ok")), result.get("error"), answer["output"], **streams)

    def stop(self) -> None:
        self.zygote.stop()
