"""The Spark Connect server's jail, from the inside: run by connect_server.py as
``python -I -m glueprint.etl.connect_jail SETUP`` (SETUP: JSON), it builds the sandbox's jail
(glueprint.sandbox.jail) around Spark's own server and relays the server's port out.

The server runs job scripts' Python functions (its Python workers execute ``DynamicFrame.map``
functions and UDFs), so it gets a layout run's walls: new user, mount, PID, network, IPC and
UTS namespaces; a root of read-only system, Java and virtualenv folders plus the object store
folder and its own scratch folders (read-write); an unprivileged uid, no_new_privs, seccomp;
an environment of its own. What differs is fit for a JVM: no address-space limit (a JVM reserves
far more than it uses; its heap is capped with -Xmx and the host samples the tree's memory).

Its network namespace has only a loopback, so the server listens there and this process (PID 1
of the jail) relays a unix socket in a scratch folder to it: a path the host reaches, unlike
any port in the namespace. The socket appears once the server answers, which is how the host
knows it is up. When this process dies (its parent, the host's launcher thread, died: parent-
death signal), the kernel ends the whole PID namespace, the JVM and its Python workers too.

Outbound, the namespace reaches only the routes the host asks for while the server runs (a job
run's JDBC databases): the host listens on a unix socket ``route-<n>.sock`` in the same folder,
forwarding to the database, and names it on the control socket ``routes.sock``; this process
then listens on a free loopback port of the namespace, relays it to that socket, and answers
the port. Code in the jail reaches those sockets anyway: the control socket gives it nothing
new, and a request that never ends holds the next ones back for REQUEST_TIMEOUT_S at most.
"""

import contextlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time

from glueprint.sandbox import jail, relay, syscall_filter
from glueprint.sandbox.lifetime import start_thread

INNER_PORT = 15002  # Spark Connect's own default port, inside the jail's network namespace
POLL_S = 0.1
OPEN_FILES = 65536  # a JVM with a shuffle's files open needs far more than a script's 256
CONTROL_SOCKET = "routes.sock"
ROUTE_SOCKET = re.compile(r"route-[0-9]+\.sock")  # the only names a route request may give
ROUTE_CONNECTIONS = 64  # a route's connections relayed at once (a job's JDBC partitions)
REQUEST_TIMEOUT_S = 5  # for a route request's line


def _server_answers() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", INNER_PORT)) == 0


def _confine(setup: dict) -> None:
    """Build the jail's root, become its unprivileged uid and load the syscall filter."""
    layout = jail.Layout(setup["jail_root"], tuple(setup["read_only"]), setup["tmp_mb"], writable=tuple(setup["writable"]))
    jail.build_root(layout, jail.run_uid(0, userns=True))
    jail.drop_privileges(0, userns=True)
    _, most = resource.getrlimit(resource.RLIMIT_NOFILE)
    files = OPEN_FILES if most == resource.RLIM_INFINITY else min(OPEN_FILES, most)
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    syscall_filter.load()


def _first_process(setup: dict) -> None:
    """PID 1 of the jail: start the server, relay its port once it answers, end with it."""
    _confine(setup)
    server = subprocess.Popen(setup["command"], env=setup["env"], cwd=setup["cwd"], stdin=subprocess.DEVNULL)
    while not _server_answers():
        if server.poll() is not None:
            os._exit(server.returncode or 1)
        time.sleep(POLL_S)
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.bind(os.path.join(os.path.dirname(setup["socket"]), CONTROL_SOCKET))
    control.listen(8)
    start_thread(_serve_routes, control)
    relays = relay.Relay([relay.Endpoint(setup["socket"], ("127.0.0.1", INNER_PORT))], setup["max_connections"])
    relays.start()
    relays.listen()
    os._exit(server.wait())


def _serve_routes(control: socket.socket) -> None:
    """Answer each route request (a socket's name and a newline) with the namespace's port
    that now relays to it (a newline after it), or an empty line for a name it refuses."""
    folder = os.path.dirname(control.getsockname())
    while True:
        asker, _ = control.accept()
        asker.settimeout(REQUEST_TIMEOUT_S)
        with asker, contextlib.suppress(OSError), asker.makefile("rw", encoding="ascii", newline="\n") as lines:
            name = lines.readline(64).strip()
            port = ""
            if ROUTE_SOCKET.fullmatch(name):
                route = relay.Relay([relay.Endpoint(("127.0.0.1", 0), os.path.join(folder, name))], ROUTE_CONNECTIONS)
                route.start()
                try:
                    port = str(route.listen()[0][1])
                except OSError:  # out of descriptors or ports: the host says the route failed
                    route.stop()
            lines.write(port + "\n")


def main(setup: dict) -> None:
    # A user namespace of its own, mapping this process's uid: the server's files in the object
    # store stay the host server's, and the jail holds no capability outside.
    jail.enter_user_namespace()
    jail.enter_namespaces()
    jail.isolate_children()
    pid = os.fork()
    if pid == 0:
        try:
            _first_process(setup)
        except BaseException as exc:  # said in the server's log, which the host shows
            print(f"The Spark Connect server's jail could not be set up: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            os._exit(70)
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
