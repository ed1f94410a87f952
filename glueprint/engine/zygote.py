"""The zygote: a process that has already imported what layouts need and forks one child per run.

Starting a Python process and importing boto3 costs far more than running a typical layout,
so the engine keeps one zygote per worker process. Protocol on its Unix socket, one
connection per run: the engine sends the run request as a JSON line; the zygote forks and
answers ``{"pid": N}``, then ``{"status": S}`` once the child has exited (S as
``os.waitstatus_to_exitcode``: negative for a signal).

Each child puts itself in a new session, dies with the zygote, applies the run's limits,
sends its output to the run's log file, and runs the layout under the audit guard.
"""

import json
import os
import resource
import selectors
import signal
import socket
import sys

import boto3  # noqa: F401  (preloaded: most of a layout's start-up cost)
import botocore.session  # noqa: F401

import awsglue.blueprint.workflow  # noqa: F401  (preloaded for every layout)

from . import layout_child
from .lifetime import die_with_parent

MAX_FILE_BYTES = 16 * 1024 * 1024


def _child(request: dict) -> None:
    os.setsid()
    # Nothing of the zygote's stays open: not its socket, nor other runs' connections.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    die_with_parent()
    memory = request["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_s"], request["cpu_s"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(request["output_path"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.chdir(request["cwd"])
    os.environ["HOME"] = request["cwd"]
    layout_child.run(request)


def _fork(conn: socket.socket) -> int | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    request = json.loads(data)
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _child(request)
            status = 0
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    return pid


def serve(path: str) -> None:
    die_with_parent()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    waiting: dict[int, socket.socket] = {}
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                pid = _fork(conn)
                if pid is None:
                    conn.close()
                else:
                    waiting[pid] = conn
                continue
            os.read(wake_r, 4096)
            while waiting:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                conn = waiting.pop(pid, None)
                if conn is not None:
                    try:
                        conn.sendall(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
                    except OSError:
                        pass  # the engine gave up on this run (timeout) and closed its end
                    conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
