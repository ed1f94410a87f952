"""Reading how a jailed run ended, in the engine: its result, the tail of its output, and
its standard output and error as lines with the time each was read, straight from the pipes
its process writes (the zygote hands their read ends over unread).
"""

import json
import os
import selectors
import time
from dataclasses import dataclass, field

from glueprint.sandbox import memory

OUTPUT_TAIL_BYTES = 4000
MAX_RESULT_BYTES = 32 * 1024 * 1024
OUTPUT_GRACE_S = 5  # how long the output may stay open after the result has ended
STOP_CHECK_S = 0.5  # how often a running script asks whether it was stopped
LOG_BYTES = 1024 * 1024  # of each of a run's standard output and error kept as lines: the rest is counted
LINES_EVERY_S = 0.5  # how often a run's new lines are given out while it runs


class Stopped(Exception):
    """The run was stopped from outside (BatchStopJobRun, StopWorkflowRun, a deleted job,
    the server stopping) and killed; reason is what should_stop() said."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int | None  # the exit status, read only when the result is not whole
    result: bytes  # at most MAX_RESULT_BYTES + 1: longer is oversized
    output: str
    over_memory: bool = False  # killed for passing the run's memory limit (memory.py)
    # Each stream's lines as [epoch seconds, text] not yet given to on_lines (see collect).
    stdout: list = field(default_factory=list)
    stderr: list = field(default_factory=list)

    @property
    def oversized(self) -> bool:
        return len(self.result) > MAX_RESULT_BYTES


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


class TimedLines:
    """A stream's lines, each with the time its end was read (epoch seconds), up to LOG_BYTES;
    past that, one last line says how many bytes were left out. Linear in what is read."""

    def __init__(self):
        self.lines: list[list] = []
        self.size = self.dropped = self._pending = 0
        self._pieces: list[bytes] = []  # the line being read, in pieces

    def _keep(self, when: float, line: bytes, ended: bool) -> None:
        size = len(line) + ended  # its newline, when it had one
        if self.size + size > LOG_BYTES:
            self.size = LOG_BYTES  # the first LOG_BYTES only: nothing later is kept either
            self.dropped += size
            return
        self.size += size
        self.lines.append([when, line.decode("utf-8", "replace")])

    def _end_line(self, when: float, ended: bool = True) -> None:
        self._keep(when, b"".join(self._pieces), ended)
        self._pieces, self._pending = [], 0

    def add(self, chunk: bytes) -> None:
        if self.size >= LOG_BYTES:  # the line begun before is left out with the rest
            self.dropped += self._pending + len(chunk)
            self._pieces, self._pending = [], 0
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
                self._end_line(when, ended=False)

    def take(self) -> list[list]:
        """The lines read since the last take."""
        taken, self.lines = self.lines, []
        return taken

    def close(self) -> None:
        if self._pieces:
            self._end_line(time.time(), ended=False)
        if self.dropped:
            self.lines.append([time.time(), f"[glueprint kept the first {LOG_BYTES} bytes: {self.dropped} more were left out]"])
            self.dropped = 0


def collect(
    result_r: int,
    output_r: int,
    error_r: int,
    deadline: float,
    should_stop=None,
    over_memory=None,
    on_lines=None,
) -> tuple[bytes, bytes, bool, tuple[list, list]]:
    """The child's result (to its end, capped: _Capped), the tail of its output (both
    streams), each stream as timed lines, read side by side, and whether over_memory() said
    the run passed its memory (asked every memory.SAMPLE_S; the reading stops there). The
    output ends when every process of the run has closed it (exited); after the result has
    ended it is given OUTPUT_GRACE_S more. TimeoutError past deadline; Stopped when
    should_stop() gives a reason. on_lines({"stdout": [...], "stderr": [...]}) gets the lines
    as they come, at most every LINES_EVERY_S, and those left when the reading fails; the
    lines it was not given are returned (stdout, stderr)."""
    result, tail = _Capped(), b""
    streams = {output_r: TimedLines(), error_r: TimedLines()}
    grace, over = None, False
    ask_at = time.monotonic()
    sample_at = ask_at + memory.SAMPLE_S  # a run shorter than that is never measured
    give_at = ask_at + LINES_EVERY_S

    def give() -> None:
        lines = {"stdout": streams[output_r].take(), "stderr": streams[error_r].take()}
        if lines["stdout"] or lines["stderr"]:
            on_lines(lines)

    try:
        with selectors.DefaultSelector() as selector:
            for fd in (result_r, output_r, error_r):
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                now = time.monotonic()
                if now >= deadline:
                    raise TimeoutError
                if grace is not None and now >= grace:
                    break  # the output stayed open too long after the result
                wait = min(deadline, grace or deadline) - now
                if should_stop is not None:
                    if now >= ask_at:  # a database read: not for every chunk of output
                        if reason := should_stop():
                            raise Stopped(reason)
                        ask_at = now + STOP_CHECK_S
                    wait = min(wait, ask_at - now)
                if over_memory is not None:
                    if now >= sample_at:
                        if over_memory():
                            over = True
                            break
                        sample_at = now + memory.SAMPLE_S
                    wait = min(wait, sample_at - now)
                if on_lines is not None:
                    if now >= give_at:  # a database write: batched
                        give()
                        give_at = now + LINES_EVERY_S
                    wait = min(wait, give_at - now)
                for key, _ in selector.select(wait):
                    chunk = os.read(key.fd, 1 << 20)
                    if not chunk:
                        selector.unregister(key.fd)
                        if key.fd == result_r:
                            grace = time.monotonic() + OUTPUT_GRACE_S
                    elif key.fd == result_r:
                        result.add(chunk)
                    else:
                        tail = (tail + chunk)[-OUTPUT_TAIL_BYTES:]
                        streams[key.fd].add(chunk)
    except (TimeoutError, Stopped):
        if on_lines is not None:  # what the run wrote up to its end is still its log
            for lines in streams.values():
                lines.close()
            give()
        raise
    for lines in streams.values():
        lines.close()
    return result.value(), tail, over, (streams[output_r].take(), streams[error_r].take())


def whole(result: bytes) -> bool:
    if not result or len(result) > MAX_RESULT_BYTES:
        return False
    try:
        json.loads(result)
    except ValueError:
        return False
    return True
