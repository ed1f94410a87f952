"""Starting a child process whose life is tied to a thread of its own that waits for it."""

import subprocess
import threading

from .lifetime import die_with_parent


def popen_kept(name: str, args: list[str], **options) -> subprocess.Popen:
    """``Popen(args, **options)`` from a daemon thread named ``name`` that then waits for the
    child: the kernel kills the child when the thread that started it ends (its parent-death
    signal), so that thread must outlive every caller using the child, and still ends with
    the process (a kill -9 of glueprint takes the child with it)."""
    started: list = []
    ready = threading.Event()

    def keep() -> None:
        try:
            started.append(subprocess.Popen(args, preexec_fn=die_with_parent, **options))
        except BaseException as exc:  # raised by the thread that asked
            started.append(exc)
        ready.set()
        if isinstance(started[0], subprocess.Popen):
            started[0].wait()

    threading.Thread(target=keep, name=name, daemon=True).start()
    ready.wait()
    if isinstance(started[0], BaseException):
        raise started[0]
    return started[0]
