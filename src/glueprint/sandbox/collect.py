"""Reading how a jailed run ended, in the engine: its result and the tail of its output,
straight from the pipes its process writes (the zygote hands their read ends over unread).
"""

import json
import os
import selectors
import time
from dataclasses import dataclass

from glueprint.sandbox import memory

OUTPUT_TAIL_BYTES = 4000
MAX_RESULT_BYTES = 32 * 1024 * 1024
OUTPUT_GRACE_S = 5  # how long the output may stay open after the result has ended
STOP_CHECK_S = 0.5  # how often a running script asks whether it was stopped


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


def collect(result_r: int, output_r: int, deadline: float, should_stop=None, over_memory=None) -> tuple[bytes, bytes, bool]:
    """The child's result (to its end, capped: _Capped) and the tail of its output, read side
    by side, and whether over_memory() said the run passed its memory (asked every
    memory.SAMPLE_S; the reading stops there). The output ends when every process of the run
    has closed it (exited); after the result has ended it is given OUTPUT_GRACE_S more.
    TimeoutError past deadline; Stopped when should_stop() gives a reason."""
    result, tail = _Capped(), b""
    grace = None
    ask_at = time.monotonic()
    sample_at = ask_at + memory.SAMPLE_S  # a run shorter than that is never measured
    with selectors.DefaultSelector() as selector:
        selector.register(result_r, selectors.EVENT_READ)
        selector.register(output_r, selectors.EVENT_READ)
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
                        return result.value(), tail, True
                    sample_at = now + memory.SAMPLE_S
                wait = min(wait, sample_at - now)
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
    return result.value(), tail, False


def whole(result: bytes) -> bool:
    if not result or len(result) > MAX_RESULT_BYTES:
        return False
    try:
        json.loads(result)
    except ValueError:
        return False
    return True
