"""The zygote: a process that has already imported what layouts need, and forks each run's
jailed first process from a supervisor thread of its own (see supervisor.py).

Starting a Python process and importing boto3 costs far more than running a typical layout,
so the engine keeps one zygote per worker process. And building a run's jail costs more
than the layout too, so the zygote keeps a few supervisors started ahead, their jails built,
for the setup the runs ask for: a run takes a waiting one, and the next is built once a
run has been answered. For each run the engine sends, over the control socket it
inherited, the jail's setup with one end of a fresh socket pair and the run's request (a
memfd) as descriptors (SCM_RIGHTS): no socket has a name anyone else could connect to. The
zygote hands both to a supervisor, which passes the request on to its jailed child unread
(see supervisor.py): nothing of any run enters the memory later jails are forked from. Each run is given a uid of its own (when the server is
root); a server run by an ordinary user starts its zygote in a user namespace of its own
(``--user-namespace``), where the zygote may create the runs' namespaces from any thread.
"""

import gc
import json
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile
from collections import OrderedDict

import boto3  # noqa: F401  (preloaded: most of a layout's start-up cost)
import botocore.session  # noqa: F401

import awsglue.blueprint.base_resource  # noqa: F401  (preloaded for every layout)
import awsglue.blueprint.crawler  # noqa: F401
import awsglue.blueprint.job  # noqa: F401
import awsglue.blueprint.workflow  # noqa: F401
from glueprint.sandbox import jail, rehearsal, supervisor, syscall_filter
from glueprint.sandbox.lifetime import die_with_parent

# Uids for runs of a root server: 100000 + n, one per concurrent run (they cycle).
RUN_UID_BASE, RUN_UID_COUNT = 100_000, 50_000
MAX_SETUP_BYTES = 1 << 16
WARM_PER_SETUP = 2  # jails built ahead, for each setup asked for lately
WARM_SETUPS = 3  # setups kept warm: layouts and Python shell scripts share one; Spark scripts have theirs


class Jails:
    """Supervisors waiting with their jails built, by setup.

    The jails a run took are replaced once a run has been answered, not when one starts:
    building a jail (a fork of the zygote, which holds its GIL, and the child's set-up and
    rehearsal) beside a run took 2 ms of that run's time on two cores."""

    def __init__(self):
        self.ready: OrderedDict[bytes, tuple[dict, list[supervisor.Supervisor]]] = OrderedDict()
        self.started = 0
        self.answered, self._answered_w = os.pipe()  # readable once a supervisor has answered its run

    def _start(self, setup: dict) -> supervisor.Supervisor:
        uid = RUN_UID_BASE + self.started % RUN_UID_COUNT
        self.started += 1
        waiting = supervisor.Supervisor(setup, uid, self._on_answered)
        waiting.start()
        return waiting

    def _on_answered(self) -> None:  # in the supervisor's thread
        os.write(self._answered_w, b".")

    def hand_over(self, key: bytes, setup: dict, conn: socket.socket, request_fd: int) -> None:
        """Give a run to a supervisor for this setup: a waiting one, or a new one if none is."""
        _, waiting = self.ready.setdefault(key, (setup, []))
        self.ready.move_to_end(key)
        (waiting.pop(0) if waiting else self._start(setup)).hand(conn, request_fd)
        while len(self.ready) > WARM_SETUPS:
            _, (_, retired) = self.ready.popitem(last=False)
            for unused in retired:
                unused.hand(None, None)

    def refill(self) -> None:
        """After a run was answered: top up every setup kept warm."""
        os.read(self.answered, 4096)
        for setup, waiting in self.ready.values():
            while len(waiting) < WARM_PER_SETUP:
                waiting.append(self._start(setup))


def serve(control_fd: int, user_namespace: bool) -> None:
    if syscall_filter.seccomp is not None:
        syscall_filter.program()  # compiled once, before any run's process is forked
    # Rehearsed once here too: what a first run loads or caches for good (the codec zipfile
    # decodes names with, importer caches) is then the zygote's, not copied into every child.
    # In the zygote's own scratch folder (its HOME), which the engine made for it.
    with tempfile.TemporaryDirectory(dir=os.environ["HOME"]) as home:
        rehearsal.rehearse(home)
    # What is loaded now is never garbage: frozen, a run's collections skip it instead of
    # touching (and so copying) every page it shares with the zygote.
    gc.collect()
    gc.freeze()
    if user_namespace:
        jail.enter_user_namespace()  # while the zygote has one thread: the kernel asks that
    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # each supervisor reaps its own child
    # Relays hold up to 6 descriptors per connection of every run: all the zygote may have
    # (a jail sets its own, lower limit), so runs at their connection caps leave room for others.
    _, most = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (most, most))
    control = socket.socket(fileno=control_fd)
    jails = Jails()
    events = selectors.DefaultSelector()
    events.register(control, selectors.EVENT_READ)
    events.register(jails.answered, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for event, _ in events.select():
            if event.fd == jails.answered:
                jails.refill()
                continue
            key, fds, _, _ = socket.recv_fds(control, MAX_SETUP_BYTES, 2)
            if not fds:
                return  # the engine is gone
            try:
                setup = json.loads(key)
            except ValueError:
                setup = None
            if setup is None or len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                continue
            jails.hand_over(key, setup, socket.socket(fileno=fds[0]), fds[1])


if __name__ == "__main__":
    serve(int(sys.argv[1]), "--user-namespace" in sys.argv[2:])
