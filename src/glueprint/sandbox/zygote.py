"""The zygote: a process that has already imported what layouts need and forks one
supervisor per run (see supervisor.py).

Starting a Python process and importing boto3 costs far more than running a typical layout,
so the engine keeps one zygote per worker process. The engine hands it, for each run, one
end of a fresh socket pair over the control socket it inherited (SCM_RIGHTS): no socket has
a name anyone else could connect to. On that connection the engine sends the run request as
a JSON line; the supervisor answers ``{"pid": N}`` at once and ``{"status", "result",
"output"}`` when the run has ended. Each run is given a uid of its own (when the server is root).
"""

import json
import os
import signal
import socket
import sys

import boto3  # noqa: F401  (preloaded: most of a layout's start-up cost)
import botocore.session  # noqa: F401

import awsglue.blueprint.base_resource  # noqa: F401  (preloaded for every layout)
import awsglue.blueprint.crawler  # noqa: F401
import awsglue.blueprint.job  # noqa: F401
import awsglue.blueprint.workflow  # noqa: F401
from glueprint.sandbox import supervisor
from glueprint.sandbox.lifetime import die_with_parent

# Uids for runs of a root server: 100000 + n, one per concurrent run (they cycle).
RUN_UID_BASE, RUN_UID_COUNT = 100_000, 50_000


def _read_request(conn: socket.socket) -> dict | None:
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def serve(control_fd: int) -> None:
    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    control = socket.socket(fileno=control_fd)
    print("ready", flush=True)
    runs = 0
    while True:
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        if not fds:
            return  # the engine is gone
        conn = socket.socket(fileno=fds[0])
        request = _read_request(conn)
        if request is None:
            conn.close()
            continue
        request["uid"] = RUN_UID_BASE + runs % RUN_UID_COUNT
        runs += 1
        if os.fork() == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            supervisor.supervise(conn, request)
        conn.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
