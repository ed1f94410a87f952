"""The kernel boundary around one run's untrusted code (a layout, or a job script).

A run gets its own mount, PID, IPC, UTS and network namespaces. Its root filesystem is a
fresh tmpfs holding read-only binds of the interpreter and libraries only, a private
/proc for its own PID namespace, a few device nodes, and a size-capped /tmp with the
unpacked archive; nothing else of the host (no database, no /work, no other processes).
Then the process gives up every privilege: an unprivileged uid, no capabilities,
no_new_privs, resource limits that hold for any uid, and a seccomp filter.

Two ways in, one result. A root server unshares the namespaces directly and switches to an
unprivileged uid of its own per run. A server run by an ordinary user first enters a user
namespace (mapping its own uid to root there) to be allowed the same mounts, and finally
enters a nested user namespace as uid 1000, holding no capability anywhere.
"""

import ctypes
import fcntl
import os
import platform
import resource
import socket
import struct
from dataclasses import dataclass, field

_LIBC = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
# A supervisor thread's namespaces (where the relays listen), then its child's: a thread
# whose children go to a new PID namespace cannot start threads.
SUPERVISOR_NAMESPACES = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET
CHILD_NAMESPACES = CLONE_NEWNS | CLONE_NEWPID

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
# pivot_root has no glibc wrapper; its number differs per architecture.
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}

NESTED_UID = 1000  # who the code is in its own user namespace, when the server is not root
SANDBOX_HOME = "/tmp"
DEVICES = ("null", "zero", "full", "random", "urandom")
DEVICE_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
# Host files a Python process needs besides the interpreter's own tree.
HOST_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/alternatives", "/etc/mime.types")


class JailError(OSError):
    """A kernel refusal while building the jail."""


def _check(what: str, result: int) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise JailError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(f"mount {target}", _LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)))


def uses_user_namespace() -> bool:
    """Only root may unshare the namespaces directly; anyone else goes through a user namespace."""
    return os.geteuid() != 0


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_user_namespace() -> None:
    """Make the calling process (the zygote of a server that is not root, while it has one
    thread) root of a user namespace of its own, mapped to its own uid: there it may create
    the runs' other namespaces, and nothing more on the host than before."""
    uid, gid = os.getuid(), os.getgid()
    _check("unshare", _LIBC.unshare(CLONE_NEWUSER))
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def enter_namespaces() -> None:
    """Move the calling thread (a supervisor) into new network, IPC and UTS namespaces; the
    process's other threads stay where they are. Sockets it creates from now on live in an
    empty network namespace whose loopback is up."""
    _check("unshare", _LIBC.unshare(SUPERVISOR_NAMESPACES))
    _check("sethostname", _LIBC.sethostname(b"glueprint-run", 13))
    _loopback_up()


def isolate_children() -> None:
    """For the calling thread (a supervisor): a mount namespace of its own, and a PID
    namespace whose first process is the thread's next child (all of the run's processes die
    with that one). The thread may not start threads after this."""
    _check("unshare", _LIBC.unshare(CHILD_NAMESPACES))


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


@dataclass(frozen=True)
class Layout:
    """What the jail's root holds."""

    root: str  # an empty directory to build the root on (it is mounted over)
    read_only: tuple[str, ...]  # host directories bound read-only at the same path
    tmp_mb: int = 64
    hosts: dict[str, str] = field(default_factory=dict)  # /etc/hosts: name -> address
    writable: tuple[str, ...] = ()  # host directories bound read-write at the same path (no setuid, no devices)


def _bind_read_only(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    # Flags the original mount has (nosuid, nodev, noexec) are locked and must be kept.
    locked = os.statvfs(target).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | locked)


def build_root(layout: Layout, uid: int) -> str:
    """Build the jail's filesystem under layout.root and pivot into it; return the /tmp path
    the caller fills (owned by uid). Runs as PID 1 of the new PID namespace, still privileged."""
    new = layout.root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the host
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=755")
    # /tmp first: an interpreter installed under /tmp is then bound inside it, not hidden by it.
    os.makedirs(f"{new}/tmp", exist_ok=True)
    _mount("tmpfs", f"{new}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={layout.tmp_mb}m,mode=1777")
    for path in layout.read_only:
        if os.path.exists(path):
            _bind_read_only(path, new + path)
    for path in HOST_FILES:
        if os.path.exists(path):
            _bind_read_only(path, new + path)
    for path in layout.writable:
        os.makedirs(new + path, exist_ok=True)
        _mount(path, new + path, None, MS_BIND)
        locked = os.statvfs(new + path).f_flag & MS_NOEXEC
        _mount(None, new + path, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | locked)
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if os.path.islink("/" + link) and not os.path.lexists(f"{new}/{link}"):
            os.symlink(os.readlink("/" + link), f"{new}/{link}")
    os.makedirs(f"{new}/dev", exist_ok=True)
    for device in DEVICES:
        open(f"{new}/dev/{device}", "a").close()
        _mount(f"/dev/{device}", f"{new}/dev/{device}", None, MS_BIND)
    for name, target in DEVICE_LINKS.items():  # shells' process substitution opens /dev/fd/N
        os.symlink(target, f"{new}/dev/{name}")
    os.makedirs(f"{new}/proc", exist_ok=True)
    _mount("proc", f"{new}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _write_etc(new, layout.hosts, uid)
    os.makedirs(f"{new}/.old", exist_ok=True)
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise JailError(0, f"pivot_root: unsupported architecture {platform.machine()}")
    _check("pivot_root", _LIBC.syscall(number, new.encode(), f"{new}/.old".encode()))
    os.chdir("/")
    _check("umount old root", _LIBC.umount2(b"/.old", MNT_DETACH))
    os.rmdir("/.old")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    return SANDBOX_HOME


def _write_etc(new: str, hosts: dict[str, str], uid: int) -> None:
    os.makedirs(f"{new}/etc", exist_ok=True)
    lines = ["127.0.0.1 localhost glueprint-run"] + [f"{address} {name}" for name, address in hosts.items()]
    _write(f"{new}/etc/hosts", "\n".join(lines) + "\n")
    _write(f"{new}/etc/passwd", f"root:x:0:0::/:/usr/sbin/nologin\nrun:x:{uid}:{uid}::{SANDBOX_HOME}:/usr/sbin/nologin\n")
    _write(f"{new}/etc/group", f"root:x:0:\nrun:x:{uid}:\n")
    _write(f"{new}/etc/resolv.conf", "")
    _write(f"{new}/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n")


def run_uid(host_uid: int, userns: bool) -> int:
    """The uid the jailed code has where it runs."""
    return NESTED_UID if userns else host_uid


def drop_privileges(host_uid: int, userns: bool) -> None:
    """Become an unprivileged uid with no capabilities, for good."""
    if userns:
        # A nested user namespace: uid 1000 there, root of the outer one only from outside.
        _check("unshare user namespace", _LIBC.unshare(CLONE_NEWUSER))
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{NESTED_UID} 0 1")
        _write("/proc/self/gid_map", f"{NESTED_UID} 0 1")
        os.setresgid(NESTED_UID, NESTED_UID, NESTED_UID)
        os.setresuid(NESTED_UID, NESTED_UID, NESTED_UID)
    else:
        os.setgroups([])
        os.setresgid(host_uid, host_uid, host_uid)
        os.setresuid(host_uid, host_uid, host_uid)  # from root to a uid of its own: every capability goes
    _check("no_new_privs", _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    # Set after the uid change, which clears it: die with the supervisor.
    _check("pdeathsig", _LIBC.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0))


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    cpu_s: int | None = None  # None: set later, when the run (and so its timeout) is known
    processes: int = 64
    file_mb: int = 16
    open_files: int = 256


def apply_limits(limits: Limits, userns: bool) -> None:
    """Resource limits the jailed code cannot raise (it has no capability to)."""
    memory = limits.memory_mb * 1024 * 1024
    for kind, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, limits.cpu_s),
        (resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        if value is not None:
            resource.setrlimit(kind, (value, value))
    if not userns:
        # Counted per uid: each run has a uid of its own only when the server is root.
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def probe() -> str | None:
    """Why this kernel will not build the jail, or None when it will (tried in a child)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            if uses_user_namespace():
                enter_user_namespace()
            enter_namespaces()
            isolate_children()
            message = b""
        except Exception as exc:  # report whatever the kernel said
            message = str(exc).encode()
        os.write(write, message)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        message = f.read().decode()
    os.waitpid(pid, 0)
    return message or None
