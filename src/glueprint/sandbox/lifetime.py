"""Tying a process's life to its parent's, for the layout sandbox.

Kept apart from zygote.py so the engine can use it in a ``preexec_fn`` (between fork and
exec) without importing anything heavy there; libc is loaded once, before any fork.
"""

import ctypes
import signal

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when the thread that started it exits."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
