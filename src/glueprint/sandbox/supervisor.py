"""One run's supervisor: forked by the zygote ahead of its run, it builds the jail, waits
for the run, and answers the engine.

A jail does not depend on the run that will use it: its setup (namespaces, the read-only
root, the uid, the resource limits) is the same for every run of a sandbox. So the zygote
keeps supervisors whose jails are built and waiting (see zygote.py), and a run only pays
for handing its request over: building a jail is most of a trivial layout's time.

The supervisor starts the connector (which stays in the host's network namespace), moves
into the run's new namespaces, serves the relays, and forks the jailed child (from a thread
that enters the mount and PID namespaces, see _start_run): PID 1 of the run's PID namespace,
which builds the jail, gives up every privilege and waits for the run.
When the zygote hands over the engine's connection, the supervisor answers ``{"pid": N}``,
passes the run (the archive, the code to call, the environment) to that child through a
pipe, collects the child's result and the tail of its output through pipes (nothing of a
run is written on the host's disk) and sends ``{"status", "result", "output"}`` back. When
the child ends, every process of the run ends with it (the kernel kills a PID namespace
with its first process).

With ``jail: false`` (``--unsafe-sandbox``, on kernels that refuse namespaces) the child
runs in a scratch directory with the resource limits and the audit hook only.
"""

import base64
import io
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import zipfile
from typing import NoReturn

from glueprint.layouts.archive import unpack
from glueprint.sandbox import jail, layout_child, relay, script_child, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent

OUTPUT_TAIL_BYTES = 4000
MAX_RESULT_BYTES = 32 * 1024 * 1024
SETUP_FAILED = 70  # the child's exit status when the jail could not be built


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _read_line(conn: socket.socket) -> bytes:
    """The engine's one request line (empty when it closed the connection first)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            return b""
        data += chunk
    return bytes(data)


def _say(fd: int, text: str) -> None:
    """Tell the run's output why the jail failed; nobody may be reading any more (the
    sandbox was stopped while this jail was still being built)."""
    try:
        os.write(fd, text.encode())
    except OSError:
        pass


def _setup_failed(output_fd: int, exc: BaseException) -> NoReturn:
    _say(output_fd, f"The sandbox could not be set up: {type(exc).__name__}: {exc}\n")
    os._exit(SETUP_FAILED)


def _jailed_child(setup: dict, uid: int, run_fd: int, result_fd: int, output_fd: int) -> None:
    """PID 1 of the run: build the jail, drop privileges, wait for the run, run it. Never returns."""
    try:
        userns = jail.uses_user_namespace()  # decided while still privileged
        if setup["jail"]:
            layout = jail.Layout(setup["jail_root"], tuple(setup["read_only"]), setup["tmp_mb"], setup["hosts"])
            home = jail.build_root(layout, jail.run_uid(uid, userns))
            jail.drop_privileges(uid, userns)
        else:
            home = setup["scratch"]
            die_with_parent()
        jail.apply_limits(jail.Limits(memory_mb=setup["memory_mb"]), userns)
        if setup["jail"]:
            syscall_filter.load()
        _warm_unpacking(home)
    except BaseException as exc:  # the jail could not be built: say why, on the run's output
        _setup_failed(output_fd, exc)
    # Ready: from here on, the run's own time.
    data = _read_capped(run_fd)  # the run, far below the cap
    if not data:
        os._exit(0)  # the supervisor went away before a run came
    try:
        request = json.loads(data)
        resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_s"], request["cpu_s"]))  # only ever lowered
        root = os.path.join(home, "blueprint")
        os.mkdir(root)
        unpack(base64.b64decode(request["archive"]), root)  # as the run's uid: the files are its own
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, os.sysconf("SC_OPEN_MAX"))
        os.chdir(root)
        os.environ.clear()
        os.environ.update(request["env"], HOME=home)
    except BaseException as exc:
        _setup_failed(output_fd, exc)
    status = 1
    try:
        (script_child if request.get("script") else layout_child).run(request, root, result_fd)
        status = 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.close(1)  # the output ends now: the supervisor need not wait for this process's exit
        os.close(2)
        os._exit(status)


def _warm_unpacking(home: str) -> None:
    """Unpack a tiny archive and remove it, while the jail waits for its run: the first
    unpacking in a freshly forked process copies the pages it touches (and fills the new
    tmpfs), 2 ms of a run's time here; done ahead, the run's own takes a sixth of that."""
    scratch = os.path.join(home, ".warm")
    os.mkdir(scratch)
    unpack(_WARM_ARCHIVE, scratch)
    shutil.rmtree(scratch)


def _tiny_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("warm/blueprint.cfg", "{}")
        archive.writestr("warm/layout.py", "def generate_layout(user_params, system_params):\n    pass\n" * 20)
    return buffer.getvalue()


_WARM_ARCHIVE = _tiny_archive()  # built once, in the zygote


def _start_run(setup: dict, start):
    """Fork the run's first process, which calls start() and never returns; return a
    function that waits for it to end and gives its exit code. OSError: the kernel refused
    the namespaces.

    In a jail it is PID 1 of new PID and mount namespaces, forked from a thread of its own
    that moves into them first (a namespace belongs to a thread) and then waits for it: the
    supervisor stays where it was, which matters twice. A process that has left its PID
    namespace may not start threads any more, and the supervisor starts some after this;
    and PID 1's pivot_root moves the root of every process of its mount namespace still at
    the old one. The thread lives as long as PID 1 does: PID 1 dies with the thread that
    forked it (its parent-death signal), as it did with the process this thread replaces."""
    if not setup["jail"]:
        return _waiter(_fork(start))
    outcome, forked = {}, threading.Event()

    def fork_in_new_namespaces_and_wait() -> None:
        try:
            jail.isolate_children()
        except OSError as exc:
            outcome["refused"] = exc
            forked.set()
            return
        pid = _fork(start)
        forked.set()
        outcome["code"] = _waiter(pid)()

    thread = threading.Thread(target=fork_in_new_namespaces_and_wait, daemon=True)
    thread.start()
    forked.wait()
    if "refused" in outcome:
        raise outcome["refused"]

    def wait() -> int:
        thread.join()
        return outcome["code"]

    return wait


def _fork(start) -> int:
    pid = os.fork()
    if pid == 0:
        start()
    return pid


def _waiter(pid: int):
    return lambda: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


class _Tail(threading.Thread):
    """Reads a pipe to its end, keeping only the last bytes."""

    def __init__(self, fd: int, keep: int):
        super().__init__(daemon=True)
        self.fd, self.keep, self.data = fd, keep, b""

    def run(self) -> None:
        while chunk := os.read(self.fd, 65536):
            self.data = (self.data + chunk)[-self.keep :]


def _read_capped(fd: int) -> bytes:
    """What a pipe carries to its end, or its first MAX_RESULT_BYTES + 1 (the rest is
    drained and dropped, so the writer never blocks)."""
    chunks, size = [], 0
    while chunk := os.read(fd, 1 << 20):
        if size <= MAX_RESULT_BYTES:
            chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[: MAX_RESULT_BYTES + 1]


def _pass_on(fd: int, data: bytes) -> None:
    """Hand the run to the child; a child that died building its jail reads nothing."""
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass


def supervise(channel: socket.socket, setup: dict, uid: int) -> None:
    """The supervisor's whole life, in the process the zygote forked: build the jail, wait on
    channel for the engine's connection, run what it asks. Never returns."""
    os.setsid()
    die_with_parent()
    if setup["jail"]:
        endpoints = [relay.Endpoint(tuple(inside), tuple(outside)) for inside, outside in setup["endpoints"]]
        connection = relay.start_connector(endpoints, in_thread=not jail.uses_user_namespace())
        jail.enter_namespaces()
        relay.Relay(connection, endpoints).start()
    else:
        # Named after the zygote, so a later start can tell a leftover from a live run's.
        setup = {**setup, "scratch": tempfile.mkdtemp(prefix=f"glueprint-run-{os.getppid()}-")}
        os.chmod(setup["scratch"], 0o700)
    run_r, run_w = os.pipe()
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()

    def start() -> None:
        channel.close()
        for fd in (run_w, result_r, output_r):
            os.close(fd)
        _jailed_child(setup, uid, run_r, result_w, output_w)

    def refused() -> int:
        return SETUP_FAILED

    try:
        wait_for_child = _start_run(setup, start)
    except OSError as exc:  # no run starts: its output says why, and its status that it failed
        _say(output_w, f"The sandbox could not be set up: {exc}\n")
        wait_for_child = refused
    for fd in (run_r, result_w, output_w):
        os.close(fd)
    tail = _Tail(output_r, OUTPUT_TAIL_BYTES)
    tail.start()

    _, fds, _, _ = socket.recv_fds(channel, 1, 1)
    if not fds:
        os._exit(0)  # the zygote retired this jail unused; the child dies with us
    channel.close()
    with socket.socket(fileno=fds[0]) as conn:
        _send(conn, {"pid": os.getpid()})
        request = _read_line(conn)
        _pass_on(run_w, request)  # the child reads it whole before it writes anything
        result = _read_capped(result_r)
        tail.join(timeout=5)  # the output ends when the run's processes have closed it: exited
        # A whole result says how the run went; only without one does the exit status tell.
        # Tearing the namespaces down is the kernel's, after the answer: a run does not wait.
        status = None if _whole(result) else wait_for_child()
        if "scratch" in setup:
            shutil.rmtree(setup["scratch"], ignore_errors=True)
        _send(
            conn,
            {
                "status": status,
                "result": result.decode("utf-8", "replace") if len(result) <= MAX_RESULT_BYTES else None,
                "oversized": len(result) > MAX_RESULT_BYTES,
                "output": tail.data.decode("utf-8", "replace").strip(),
            },
        )
    os._exit(0)


def _whole(result: bytes) -> bool:
    if not result or len(result) > MAX_RESULT_BYTES:
        return False
    try:
        json.loads(result)
    except ValueError:
        return False
    return True
