"""One run's supervisor: a thread of the zygote, started ahead of its run, that builds the
jail, waits for the run, and answers the engine.

A jail does not depend on the run that will use it: its setup (namespaces, the read-only
root, the uid, the resource limits) is the same for every run of a sandbox. So the zygote
keeps supervisors whose jails are built and waiting (see zygote.py), and a run only pays
for handing its request over: building a jail is most of a trivial layout's time.

A namespace belongs to a thread, so a supervisor is a thread, not a process: it starts the
run's relay (relay.py) while still in the host's network namespace, moves itself into the
run's new network, IPC and UTS namespaces and opens the relay's listeners there, then into
new mount and PID namespaces, and forks the jailed child: PID 1 of the run's PID namespace,
which builds the jail, gives up every privilege, rehearses a small layout (rehearsal.py)
and waits for the run. The zygote's other threads stay where they were. (A process per
supervisor costs a fork, an exit and the copied pages of a 37 MB image per run: a quarter
of a run's CPU, measured.)
When the zygote hands over the engine's connection and the run's request (a memfd the
engine wrote), the supervisor answers ``{"pid": N}`` (the child's: a process group leader,
which the engine kills when the run ends) with the read ends of the child's result,
standard output and standard error pipes, and passes the request's descriptor on to the
child. So nothing of a run (its keys, parameters, archive, result or output) is ever read
into the zygote's memory,
from which later jails are forked: the child reads its request, the engine reads the
child's pipes. Once the child has ended, the supervisor sends ``{"status": code}`` (how it
ended, which the engine reads when the run wrote no whole result). When the child ends,
every process of the run ends with it (the kernel kills a PID namespace with its first
process); the supervisor reaps it and ends too.

With ``jail: false`` (``--unsafe-sandbox``, on kernels that refuse namespaces) the child
runs in a scratch directory with the resource limits and the audit hook only.
"""

import base64
import json
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import threading
from typing import NoReturn

from glueprint.layouts.archive import unpack
from glueprint.sandbox import check_child, jail, layout_child, rehearsal, relay, script_child, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent, start_thread

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # a 4 MB script, base64-encoded, and its arguments
SETUP_FAILED = 70  # the child's exit status when the jail could not be built
CHILDREN = {"layout": layout_child, "script": script_child, "check": check_child}


def _send(conn: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode() + b"\n"
    if fds:
        socket.send_fds(conn, [data], list(fds))
    else:
        conn.sendall(data)


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


def _receive_request(hand_fd: int) -> bytes:
    """The run's request, read from the memfd the engine wrote (its descriptor comes over
    the hand socket); empty when the jail was retired before a run came."""
    with socket.socket(fileno=hand_fd) as hand:
        _, fds, _, _ = socket.recv_fds(hand, 1, 1)
    if not fds:
        return b""
    data, offset = bytearray(), 0
    try:
        while len(data) <= MAX_REQUEST_BYTES and (chunk := os.pread(fds[0], 1 << 20, offset)):
            data += chunk
            offset += len(chunk)
    finally:
        os.close(fds[0])
    return bytes(data) if len(data) <= MAX_REQUEST_BYTES else b""


def _jailed_child(
    setup: dict, uid: int, scratch: str | None, hand_fd: int, result_fd: int, output_fd: int, error_fd: int
) -> None:
    """PID 1 of the run: build the jail, drop privileges, wait for the run, run it. Never returns."""
    try:
        userns = setup["userns"]
        if setup["jail"]:
            layout = jail.Layout(setup["jail_root"], tuple(setup["read_only"]), setup["tmp_mb"], setup["hosts"])
            home = jail.build_root(layout, jail.run_uid(uid, userns))
            jail.drop_privileges(uid, userns)
        else:
            home = scratch
            die_with_parent()
        jail.apply_limits(jail.Limits(memory_mb=setup["address_mb"]), userns)
        if setup["jail"]:
            syscall_filter.load()
        rehearsal.rehearse(home)  # copies the pages a run writes to, ahead of it
    except BaseException as exc:  # the jail could not be built: say why, on the run's output
        _setup_failed(output_fd, exc)
    # Ready: from here on, the run's own time.
    try:
        data = _receive_request(hand_fd)
    except OSError:
        data = b""
    if not data:
        os._exit(0)  # the jail was retired before a run came
    try:
        request = json.loads(data)
        del data
        resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_s"], request["cpu_s"]))  # only ever lowered
        root = os.path.join(home, "blueprint")
        os.mkdir(root)
        unpack(base64.b64decode(request.pop("archive")), root)  # as the run's uid: the files are its own
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(error_fd, 2)  # apart, so the engine can keep each as its own log stream
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, os.sysconf("SC_OPEN_MAX"))
        os.chdir(root)
        os.environ.clear()
        os.environ.update(request.pop("env"), HOME=home)
    except BaseException as exc:
        _setup_failed(output_fd, exc)
    status = 1
    try:
        CHILDREN[request.get("kind", "layout")].run(request, root, result_fd)
        status = 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.close(1)  # the output ends now: the engine need not wait for this process's exit
        os.close(2)
        os._exit(status)


def _close_all_but(keep: tuple[int, ...]) -> None:
    """In a freshly forked child: close every descriptor the zygote's other threads hold
    (other runs' pipes, sockets and listeners) but these and 0-2."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


class Supervisor:
    """One run's jail, built ahead, and the thread that answers the engine for it.
    hand(conn, request_fd) gives it the engine's connection and the run's request;
    hand(None, None) retires it unused."""

    def __init__(self, setup: dict, uid: int, on_answered):
        self.setup, self.uid = setup, uid
        self._on_answered = on_answered  # called (in this thread) once the run has ended
        self._handed = threading.Event()
        self._conn: socket.socket | None = None
        self._request_fd: int | None = None

    def start(self) -> None:
        start_thread(self._run)

    def hand(self, conn: socket.socket | None, request_fd: int | None) -> None:
        self._conn, self._request_fd = conn, request_fd
        self._handed.set()

    def _run(self) -> None:
        hand_ours, hand_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        error_r, error_w = os.pipe()
        setup, scratch, relays = self.setup, None, None

        def start() -> NoReturn:
            try:
                os.setsid()  # the run's processes are one group, which the engine kills
                _close_all_but((hand_theirs.fileno(), result_w, output_w, error_w))
                _jailed_child(setup, self.uid, scratch, hand_theirs.fileno(), result_w, output_w, error_w)
            finally:
                os._exit(SETUP_FAILED)  # never back into the zygote's code

        try:
            if not setup["jail"]:
                # Named after the zygote, so a later start can tell a leftover from a live run's.
                scratch = tempfile.mkdtemp(prefix=f"glueprint-run-{os.getpid()}-")
                os.chmod(scratch, 0o700)
            else:
                endpoints = [relay.Endpoint(tuple(inside), tuple(outside)) for inside, outside in setup["endpoints"]]
                relays = relay.Relay(endpoints)
                relays.start()  # here, in the host's network namespace: it connects out from there
                jail.enter_namespaces()
                relays.listen()  # in the run's
                jail.isolate_children()
            pid = os.fork()
            if pid == 0:
                start()
        except Exception as exc:  # no run starts: its output says why, and its status that it failed
            _say(output_w, f"The sandbox could not be set up: {exc}\n")
            pid = None
        hand_theirs.close()
        for fd in (result_w, output_w, error_w):
            os.close(fd)
        try:
            self._handed.wait()
            if self._conn is not None:
                with self._conn as conn:
                    _answer(conn, pid, hand_ours, (result_r, output_r, error_r), self._request_fd, self._on_answered)
        except OSError:
            pass  # the engine went away (it stopped waiting): the run ends all the same
        finally:
            if self._request_fd is not None:
                os.close(self._request_fd)
            hand_ours.close()
            for fd in (result_r, output_r, error_r):
                os.close(fd)
            if pid is not None:
                _kill_and_reap(pid)
            if relays is not None:
                relays.stop()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


def _answer(
    conn: socket.socket, pid: int | None, hand: socket.socket, pipes: tuple[int, int, int], request_fd: int, ended
) -> None:
    """Serve the engine's connection: the child's pid and pipes, the request handed on
    unread, and once the child has ended, how it ended."""
    _send(conn, {"pid": pid}, pipes)  # pid None: no process was started
    try:
        socket.send_fds(hand, [b"r"], [request_fd])
    except OSError:
        pass  # the child died building its jail: its status says so
    status = _exit_code(pid)
    ended()
    _send(conn, {"status": status})
    # The engine kills the run's process group, then closes: until then the child stays
    # unreaped, so its pid cannot have become another process's.
    conn.recv(1)


def _exit_code(pid: int | None) -> int:
    """How the child ended, once it has: as waitpid tells it, but leaving it unreaped."""
    if pid is None:
        return SETUP_FAILED
    ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    return ended.si_status if ended.si_code == os.CLD_EXITED else -ended.si_status


def _kill_and_reap(pid: int) -> None:
    """End the run's first process (and with it its PID namespace) and reap it. Not before:
    the child dies with the thread that forked it (its parent-death signal), and a pid is
    never signalled once reaped (it may be another process's by then)."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
