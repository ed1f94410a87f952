"""Running an untrusted layout script in a process of its own, with limits.

Each run gets a scratch directory holding the unpacked archive; its process is forked from
the zygote (see zygote.py), which runs in a scrubbed environment that points boto3's Glue
calls at glueprint and its S3 calls at the configured S3 endpoint. The engine enforces a
wall-clock timeout; the child carries CPU, memory, file-size and core limits. Whatever the
layout does, the engine gets back either a plan (plain data) or a LayoutError saying what
went wrong.
"""

import io
import json
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
from dataclasses import dataclass
from pathlib import Path

from .lifetime import die_with_parent

OUTPUT_TAIL_BYTES = 2000
ZYGOTE_START_TIMEOUT_S = 30


class LayoutError(Exception):
    """The layout did not produce a workflow; the message is the run's ErrorMessage."""


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0
    memory_mb: int = 1024


def layout_env(glue_endpoint: str, s3_endpoint: str | None, region: str) -> dict:
    """The layouts' whole environment: nothing of the server's own leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL_GLUE": glue_endpoint,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": "glueprint-layout",
        "AWS_SECRET_ACCESS_KEY": "glueprint-layout",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if s3_endpoint:
        env["AWS_ENDPOINT_URL_S3"] = s3_endpoint
    return env


class Zygote:
    """The engine's handle on its zygote process, started on first use and again if it dies."""

    def __init__(self, env: dict):
        self.env = env
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="glueprint-zygote-"))
        self.socket_path = str(self._dir / "zygote.sock")

    def _ensure(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return
            if os.path.exists(self.socket_path):
                os.unlink(self.socket_path)
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-u", "-m", "glueprint.engine.zygote", self.socket_path],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env={**self.env, "HOME": str(self._dir)},
                preexec_fn=die_with_parent,
            )
            ready = self._proc.stdout.readline()
            if ready.strip() != b"ready":
                raise LayoutError("The layout sandbox could not start")

    def run(self, request: dict, timeout_s: float) -> int:
        """Run one layout; return its exit code (negative for a signal), or raise on timeout."""
        self._ensure()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.socket_path)
            conn.sendall(json.dumps(request).encode() + b"\n")
            reader = _Lines(conn)
            deadline = time.monotonic() + ZYGOTE_START_TIMEOUT_S
            pid = reader.next(deadline)["pid"]
            try:
                return reader.next(time.monotonic() + timeout_s)["status"]
            finally:
                _kill_group(pid)  # on timeout, and after exit: nothing the layout started outlives it

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)


class _Lines:
    """JSON lines from a socket, each awaited until a deadline."""

    def __init__(self, conn: socket.socket):
        self.conn, self.buffer = conn, b""

    def next(self, deadline: float) -> dict:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.conn.settimeout(remaining)
            chunk = self.conn.recv(4096)  # raises TimeoutError at the deadline
            if not chunk:
                raise LayoutError("The layout sandbox went away while running the layout")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def unpack(archive: bytes, root: Path) -> None:
    """Unpack into root, which becomes the layout's working directory and only import entry."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for name in zf.namelist():
            if not (root / name).resolve().is_relative_to(root):
                raise LayoutError(f"The archive entry {name} points outside the archive root")
        zf.extractall(root)


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - OUTPUT_TAIL_BYTES))
        return f.read().decode("utf-8", "replace").strip()


def _failure(code: int, output: str) -> str:
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (CPU time limit)" if name == "SIGXCPU" else ""
        message = f"The layout script's process was killed by {name}{hint}"
    else:
        message = f"The layout script's process exited with status {code} before returning a workflow"
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


class Sandbox:
    def __init__(self, env: dict, limits: Limits):
        self.zygote = Zygote(env)
        self.limits = limits

    def run_layout(self, archive: bytes, layout_generator: str, user_params: dict, system_params: dict, name_suffix: str) -> dict:
        """Run the layout generator; return its plan (``to_json(name_suffix)``) or raise LayoutError."""
        with tempfile.TemporaryDirectory(prefix="glueprint-run-") as tmp:
            base = Path(tmp).resolve()
            root, private = base / "blueprint", base / "private"
            root.mkdir()
            private.mkdir(mode=0o700)
            unpack(archive, root)
            request = {
                "cwd": str(root),
                "layout_generator": layout_generator,
                "user_params": user_params,
                "system_params": system_params,
                "name_suffix": name_suffix,
                "result_path": str(private / "result.json"),
                "output_path": str(private / "output.log"),
                "memory_mb": self.limits.memory_mb,
                "cpu_s": int(self.limits.timeout_s) + 1,
            }
            try:
                code = self.zygote.run(request, self.limits.timeout_s)
            except TimeoutError:
                raise LayoutError(
                    f"The layout script did not finish within {self.limits.timeout_s:g} seconds and was stopped"
                ) from None
            try:
                result = json.loads((private / "result.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise LayoutError(_failure(code, _tail(private / "output.log"))) from None
        return plan_from(result)

    def stop(self) -> None:
        self.zygote.stop()
