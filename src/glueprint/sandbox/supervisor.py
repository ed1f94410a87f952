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
When the zygote hands over the engine's connection, the supervisor answers ``{"pid": N}``
(the child's: a process group leader, which the engine kills when the run ends), passes the
run (the archive, the code to call, the environment) to that child through a pipe, collects
the child's result, the tail of its output, and its standard output and error as lines with
the time each was written, through pipes (nothing of a run is written on the host's disk).
While the run goes on it sends the lines written so far, ``{"lines": {"stdout", "stderr"}}``
at most every LINES_EVERY_S, and at the end ``{"status", "result", "output", "stdout",
"stderr"}`` with the lines not sent yet. When the child ends,
every process of the run ends with it (the kernel kills a PID namespace with its first
process); the supervisor reaps it and ends too.

With ``jail: false`` (``--unsafe-sandbox``, on kernels that refuse namespaces) the child
runs in a scratch directory with the resource limits and the audit hook only.
"""

import base64
import io
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from typing import NoReturn

from glueprint.layouts.archive import unpack
from glueprint.sandbox import jail, layout_child, rehearsal, relay, script_child, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent, start_thread

OUTPUT_TAIL_BYTES = 4000
LOG_BYTES = 1024 * 1024  # of each of a run's standard output and error kept as lines: the rest is counted
MAX_RESULT_BYTES = 32 * 1024 * 1024
SETUP_FAILED = 70  # the child's exit status when the jail could not be built
OUTPUT_GRACE_S = 5  # how long the output may stay open after the result has ended
LINES_EVERY_S = 0.5  # how often a run's new lines are sent while it runs


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


def _jailed_child(setup: dict, uid: int, scratch: str | None, run_fd: int, result_fd: int, output_fd: int, error_fd: int) -> None:
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
        jail.apply_limits(jail.Limits(memory_mb=setup["memory_mb"]), userns)
        if setup["jail"]:
            syscall_filter.load()
        rehearsal.rehearse(home)  # copies the pages a run writes to, ahead of it
    except BaseException as exc:  # the jail could not be built: say why, on the run's output
        _setup_failed(output_fd, exc)
    # Ready: from here on, the run's own time.
    data = _read_capped(run_fd)  # the run, far below the cap
    if not data:
        os._exit(0)  # the jail was retired before a run came
    try:
        request = json.loads(data)
        resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_s"], request["cpu_s"]))  # only ever lowered
        root = os.path.join(home, "blueprint")
        os.mkdir(root)
        unpack(base64.b64decode(request["archive"]), root)  # as the run's uid: the files are its own
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(error_fd, 2)
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


class _Capped:
    """What a pipe carries, up to its first MAX_RESULT_BYTES + 1: the rest is drained and
    dropped, so the writer never blocks."""

    def __init__(self):
        self.chunks, self.size = [], 0

    def add(self, chunk: bytes) -> None:
        if self.size <= MAX_RESULT_BYTES:
            self.chunks.append(chunk)
        self.size += len(chunk)

    def value(self) -> bytes:
        return b"".join(self.chunks)[: MAX_RESULT_BYTES + 1]


def _read_capped(fd: int) -> bytes:
    """What a pipe carries to its end, capped (_Capped)."""
    capped = _Capped()
    while chunk := os.read(fd, 1 << 20):
        capped.add(chunk)
    return capped.value()


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
    hand(conn) gives it the engine's connection; hand(None) retires it unused."""

    def __init__(self, setup: dict, uid: int, on_answered):
        self.setup, self.uid = setup, uid
        self._on_answered = on_answered  # called (in this thread) once the run has been answered
        self._handed = threading.Event()
        self._conn: socket.socket | None = None

    def start(self) -> None:
        start_thread(self._run)

    def hand(self, conn: socket.socket | None) -> None:
        self._conn = conn
        self._handed.set()

    def _run(self) -> None:
        run_r, run_w = os.pipe()
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        error_r, error_w = os.pipe()
        setup, scratch, relays = self.setup, None, None

        def start() -> NoReturn:
            try:
                os.setsid()  # the run's processes are one group, which the engine kills
                _close_all_but((run_r, result_w, output_w, error_w))
                _jailed_child(setup, self.uid, scratch, run_r, result_w, output_w, error_w)
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
        for fd in (run_r, result_w, output_w, error_w):
            os.close(fd)
        # Ours as files: closing one twice is harmless, where a descriptor closed twice may be
        # another thread's by then.
        ends = ((run_w, "wb"), (result_r, "rb"), (output_r, "rb"), (error_r, "rb"))
        pipes = [os.fdopen(fd, mode, buffering=0) for fd, mode in ends]
        try:
            self._handed.wait()
            if self._conn is not None:
                with self._conn as conn:
                    _answer(conn, pid, *pipes, self._on_answered)
        except OSError:
            pass  # the engine went away (it stopped waiting): the run ends all the same
        finally:
            if pid is not None:
                _kill_and_reap(pid)
            for pipe in pipes:
                pipe.close()
            if relays is not None:
                relays.stop()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)


def _answer(
    conn: socket.socket,
    pid: int | None,
    run_pipe: io.RawIOBase,
    result_pipe: io.RawIOBase,
    output_pipe: io.RawIOBase,
    error_pipe: io.RawIOBase,
    answered,
) -> None:
    """Serve the engine's connection: the child's pid, the run handed on, the run's outcome."""
    _send(conn, {"pid": pid})  # None: no process was started
    request = _read_line(conn)
    _pass_on(run_pipe, request)  # the child reads it whole before it writes anything
    result, output, logged = _collect(result_pipe.fileno(), output_pipe.fileno(), error_pipe.fileno(), conn)
    # A whole result says how the run went; only without one does the exit status tell.
    # Tearing the namespaces down is the kernel's, after the answer: a run does not wait.
    status = None if _whole(result) else _exit_code(pid)
    _send(
        conn,
        {
            "status": status,
            "result": result.decode("utf-8", "replace") if len(result) <= MAX_RESULT_BYTES else None,
            "oversized": len(result) > MAX_RESULT_BYTES,
            "output": output.decode("utf-8", "replace").strip(),
            "stdout": logged[0].take(),
            "stderr": logged[1].take(),
        },
    )
    answered()
    # The engine kills the run's process group, then closes: until then the child stays
    # unreaped, so its pid cannot have become another process's.
    conn.recv(1)


class _TimedLines:
    """A stream's lines, each with the time its end was read (epoch seconds), up to LOG_BYTES;
    past that, one last line says how many bytes were left out. Linear in what is read."""

    def __init__(self):
        self.lines: list[list] = []
        self.size = self.dropped = self._pending = 0
        self._pieces: list[bytes] = []  # the line being read, in pieces

    def _keep(self, when: float, line: bytes) -> None:
        if self.size + len(line) + 1 > LOG_BYTES:
            self.size = LOG_BYTES  # the first LOG_BYTES only: nothing later is kept either
            self.dropped += len(line) + 1
            return
        self.size += len(line) + 1
        self.lines.append([when, line.decode("utf-8", "replace")])

    def _end_line(self, when: float) -> None:
        self._keep(when, b"".join(self._pieces))
        self._pieces, self._pending = [], 0

    def add(self, chunk: bytes) -> None:
        if self.size >= LOG_BYTES:
            self.dropped += len(chunk)
            return
        when, start = time.time(), 0
        while (end := chunk.find(b"\n", start)) >= 0:
            self._pieces.append(chunk[start:end])
            self._end_line(when)
            start = end + 1
        if start < len(chunk):
            self._pieces.append(chunk[start:])
            self._pending += len(chunk) - start
            if self._pending > LOG_BYTES:  # a line without end: kept in pieces
                self._end_line(when)

    def take(self) -> list[list]:
        """The lines read since the last take."""
        taken, self.lines = self.lines, []
        return taken

    def close(self) -> None:
        if self._pieces:
            self._end_line(time.time())
        if self.dropped:
            self.lines.append([time.time(), f"[glueprint kept the first {LOG_BYTES} bytes: {self.dropped} more were left out]"])


def _collect(
    result_r: int, output_r: int, error_r: int, conn: socket.socket
) -> tuple[bytes, bytes, tuple[_TimedLines, _TimedLines]]:
    """The child's result (to its end, capped: _Capped), the tail of its output (both
    streams), and each stream as timed lines, read side by side; lines are sent on conn as
    they come, at most every LINES_EVERY_S. The output ends when every process of the run has
    closed it (exited); after the result has ended it is given OUTPUT_GRACE_S more."""
    result, tail = _Capped(), b""
    logged = {output_r: _TimedLines(), error_r: _TimedLines()}
    deadline, next_send = None, time.monotonic() + LINES_EVERY_S
    with selectors.DefaultSelector() as selector:
        for fd in (result_r, output_r, error_r):
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            pending = any(lines.lines for lines in logged.values())
            if pending and now >= next_send:
                _send(conn, {"lines": {"stdout": logged[output_r].take(), "stderr": logged[error_r].take()}})
                next_send = now + LINES_EVERY_S
            waits = [deadline - now] if deadline is not None else []
            if pending:
                waits.append(next_send - now)
            if deadline is not None and now >= deadline:
                break  # the output stayed open too long after the result
            ready = selector.select(max(0.0, min(waits)) if waits else None)
            for key, _ in ready:
                chunk = os.read(key.fd, 1 << 20)
                if not chunk:
                    selector.unregister(key.fd)
                    if key.fd == result_r:
                        deadline = time.monotonic() + OUTPUT_GRACE_S
                elif key.fd == result_r:
                    result.add(chunk)
                else:
                    tail = (tail + chunk)[-OUTPUT_TAIL_BYTES:]
                    logged[key.fd].add(chunk)
    for lines in logged.values():
        lines.close()
    return result.value(), tail, (logged[output_r], logged[error_r])


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


def _pass_on(pipe: io.RawIOBase, data: bytes) -> None:
    """Hand the run to the child; a child that died building its jail reads nothing."""
    view = memoryview(data)
    try:
        while view:
            view = view[pipe.write(view) :]
    except BrokenPipeError:
        pass
    finally:
        pipe.close()


def _whole(result: bytes) -> bool:
    if not result or len(result) > MAX_RESULT_BYTES:
        return False
    try:
        json.loads(result)
    except ValueError:
        return False
    return True
