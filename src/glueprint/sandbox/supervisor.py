"""One run's supervisor: forked by the zygote for each request, it answers the engine.

It starts the connector (which stays in the host's network namespace), moves into the run's
new namespaces, serves the relays, and forks the jailed child: PID 1 of the run's PID
namespace, which builds the jail, gives up every privilege and runs the untrusted code.
When that child ends, every process of the run ends with it (the kernel kills a PID
namespace with its first process). The supervisor collects the child's result and the tail
of its output through pipes (nothing of a run is written on the host's disk) and sends
``{"status", "result", "output"}`` back on the engine's connection.

With ``jail: false`` (``--unsafe-sandbox``, on kernels that refuse namespaces) the child
runs in a scratch directory with the resource limits and the audit hook only.
"""

import base64
import json
import os
import shutil
import socket
import sys
import tempfile
import threading

from glueprint.layouts.archive import unpack
from glueprint.sandbox import jail, layout_child, relay, script_child, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent

OUTPUT_TAIL_BYTES = 4000
MAX_RESULT_BYTES = 32 * 1024 * 1024
SETUP_FAILED = 70  # the child's exit status when the jail could not be built


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _chown_tree(root: str, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        os.chown(folder, uid, uid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid)


def _jailed_child(request: dict, result_fd: int, output_fd: int) -> None:
    """PID 1 of the run: build the jail, drop privileges, run the layout. Never returns."""
    try:
        limits = jail.Limits(**request["limits"])
        userns = jail.uses_user_namespace()  # decided while still privileged
        if request["jail"]:
            layout = jail.Layout(request["jail_root"], tuple(request["read_only"]), request["tmp_mb"], request["hosts"])
            home = jail.build_root(layout, jail.run_uid(request["uid"], userns))
            root = os.path.join(home, "blueprint")
            os.mkdir(root)
            unpack(base64.b64decode(request["archive"]), root)
            if not userns:
                _chown_tree(root, request["uid"])
            jail.drop_privileges(request["uid"], userns)
        else:
            root = os.path.join(request["scratch"], "blueprint")
            os.mkdir(root)
            unpack(base64.b64decode(request["archive"]), root)
            die_with_parent()
        jail.apply_limits(limits, userns)
        if request["jail"]:
            syscall_filter.load()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, os.sysconf("SC_OPEN_MAX"))
        os.chdir(root)
        os.environ.clear()
        os.environ.update(request["env"], HOME=os.path.dirname(root))
    except BaseException as exc:  # the jail could not be built: say why, on the run's output
        os.write(output_fd, f"The sandbox could not be set up: {type(exc).__name__}: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    status = 1
    try:
        (script_child if request.get("script") else layout_child).run(request, root, result_fd)
        status = 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _start_jailed(request: dict, result_fd: int, output_fd: int) -> None:
    """The supervisor's child: isolate the processes to come, start PID 1 of the run, and
    end as it ends. Never returns."""
    die_with_parent()
    try:
        if request["jail"]:
            jail.isolate_children()
    except OSError as exc:
        os.write(output_fd, f"The sandbox could not be set up: {exc}\n".encode())
        os._exit(SETUP_FAILED)
    first = os.fork()
    if first == 0:
        _jailed_child(request, result_fd, output_fd)
    os.close(result_fd)
    os.close(output_fd)
    _, status = os.waitpid(first, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        os.kill(os.getpid(), -code)  # end as the run ended: by the same signal
    os._exit(code)


class _Tail(threading.Thread):
    """Reads a pipe to its end, keeping only the last bytes."""

    def __init__(self, fd: int, keep: int):
        super().__init__(daemon=True)
        self.fd, self.keep, self.data = fd, keep, b""

    def run(self) -> None:
        while chunk := os.read(self.fd, 65536):
            self.data = (self.data + chunk)[-self.keep :]


def _read_result(fd: int) -> bytes:
    """The whole result, or its first MAX_RESULT_BYTES + 1 (the rest is drained and dropped,
    so the writer never blocks)."""
    chunks, size = [], 0
    while chunk := os.read(fd, 1 << 20):
        if size <= MAX_RESULT_BYTES:
            chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[: MAX_RESULT_BYTES + 1]


def supervise(conn: socket.socket, request: dict) -> None:
    """The supervisor's whole life, in the process the zygote forked. Never returns."""
    os.setsid()
    die_with_parent()
    _send(conn, {"pid": os.getpid()})
    scratch = None
    if request["jail"]:
        endpoints = [relay.Endpoint(tuple(inside), tuple(outside)) for inside, outside in request["endpoints"]]
        channel = relay.start_connector(endpoints)
        jail.enter_namespaces()
        relay.Relay(channel, endpoints).start()
    else:
        # Named after the zygote, so a later start can tell a leftover from a live run's.
        scratch = request["scratch"] = tempfile.mkdtemp(prefix=f"glueprint-run-{os.getppid()}-")
        os.chmod(scratch, 0o700)
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    child = os.fork()
    if child == 0:
        conn.close()
        os.close(result_r)
        os.close(output_r)
        _start_jailed(request, result_w, output_w)
    os.close(result_w)
    os.close(output_w)
    tail = _Tail(output_r, OUTPUT_TAIL_BYTES)
    tail.start()
    result = _read_result(result_r)
    _, wait_status = os.waitpid(child, 0)
    tail.join(timeout=5)
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    _send(
        conn,
        {
            "status": os.waitstatus_to_exitcode(wait_status),
            "result": result.decode("utf-8", "replace") if len(result) <= MAX_RESULT_BYTES else None,
            "oversized": len(result) > MAX_RESULT_BYTES,
            "output": tail.data.decode("utf-8", "replace").strip(),
        },
    )
    os._exit(0)
