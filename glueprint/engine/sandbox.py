"""Running an untrusted layout script in a child process with limits.

The child gets a scratch directory holding the unpacked archive, a scrubbed environment that
points its boto3 calls at glueprint (Glue) and the configured S3 endpoint, a wall-clock
timeout, and CPU, memory, file-size and core limits. Whatever it does, the parent gets
back either a plan (plain data) or a LayoutError saying what went wrong.
"""

import ctypes
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .archive import config_folder

OUTPUT_TAIL_BYTES = 2000
MAX_FILE_BYTES = 16 * 1024 * 1024
PR_SET_PDEATHSIG = 1


class LayoutError(Exception):
    """The layout did not produce a workflow; the message is the run's ErrorMessage."""


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0
    memory_mb: int = 1024


def layout_env(glue_endpoint: str, s3_endpoint: str | None, region: str, home: str) -> dict:
    """The child's whole environment: nothing of the server's own leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
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


def _limit(memory_mb: int, cpu_s: int):
    libc = ctypes.CDLL(None, use_errno=True)

    def apply() -> None:
        # If the server or worker dies (even by kill -9), its layout processes die with it.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _unpack(archive: bytes, root: Path) -> list[str]:
    """Unpack into root; return the sys.path entries (the root, and blueprint.cfg's folder)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = zf.namelist()
        for name in names:
            target = (root / name).resolve()
            if not target.is_relative_to(root):
                raise LayoutError(f"The archive entry {name} points outside the archive root")
        zf.extractall(root)
    folder = config_folder(names)
    return [str(root)] + ([str(root / folder)] if folder else [])


def _tail(path: Path) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - OUTPUT_TAIL_BYTES))
        return f.read().decode("utf-8", "replace").strip()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _failure(returncode: int, limits: Limits, output: str) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        hint = " (CPU time limit)" if name == "SIGXCPU" else ""
        message = f"The layout script's process was killed by {name}{hint}"
    else:
        message = f"The layout script's process exited with status {returncode} before returning a workflow"
    return message + (f". Last output:\n{output}" if output else "")


def run_layout(archive: bytes, layout_generator: str, user_params: dict, system_params: dict, env: dict, limits: Limits) -> dict:
    """Run the layout generator; return its plan or raise LayoutError."""
    with tempfile.TemporaryDirectory(prefix="glueprint-run-") as tmp:
        base = Path(tmp).resolve()
        root, private = base / "blueprint", base / "private"
        root.mkdir()
        private.mkdir(mode=0o700)
        paths = _unpack(archive, root)
        request = {
            "paths": paths,
            "layout_generator": layout_generator,
            "user_params": user_params,
            "system_params": system_params,
            "result_path": str(private / "result.json"),
        }
        output_path = private / "output.log"
        with open(output_path, "wb") as output:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-u", "-m", "glueprint.engine.layout_child"],
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=root,
                env={**env, "HOME": str(root)},
                start_new_session=True,
                preexec_fn=_limit(limits.memory_mb, int(limits.timeout_s) + 1),
            )
            try:
                proc.communicate(json.dumps(request).encode(), timeout=limits.timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                raise LayoutError(
                    f"The layout script did not finish within {limits.timeout_s:g} seconds and was stopped"
                ) from None
            finally:
                _kill_group(proc)  # nothing the layout started outlives it
        output_text = _tail(output_path)
        try:
            result = json.loads((private / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise LayoutError(_failure(proc.returncode, limits, output_text)) from None
        finally:
            shutil.rmtree(root, ignore_errors=True)
    if not isinstance(result, dict):
        raise LayoutError("The layout script's process wrote an unreadable result")
    if not result.get("ok"):
        raise LayoutError(
            f"The layout generator {layout_generator} failed: {result.get('error')}\n{result.get('traceback', '')}".strip()
        )
    return result.get("plan")
