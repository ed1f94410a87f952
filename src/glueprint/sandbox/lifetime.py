"""Tying a process's life to its parent's, and the zygote's threads, for the layout sandbox.

Kept apart from zygote.py so the engine can use it in a ``preexec_fn`` (between fork and
exec) without importing anything heavy there; libc is loaded once, before any fork.
"""

import _thread
import ctypes
import signal

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when the thread that started it exits."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_thread(function, *args) -> None:
    """Start a thread of the zygote that lives as long as a run: a bare one, not a
    threading.Thread, since a forked child walks every threading.Thread of its parent (the
    zygote forks each run's first process: 100 of them made that fork 2 ms slower)."""
    _thread.start_new_thread(function, args)
