"""The seccomp filter of a jailed run, built with libseccomp (through pyseccomp).

Everything a Python program and its libraries ordinarily do stays allowed; what could
reach past the jail or the kernel's own boundaries fails with EPERM: mounting, changing
root or namespaces, tracing other processes, loading kernel code or BPF, keyrings, raw
kernel interfaces, clocks and the host name. New namespaces through clone are refused
too; clone3, whose flags a filter cannot read, answers ENOSYS, so libc falls back to clone.

libseccomp compiles the rules to a BPF program once, in the zygote; a run's first process
only hands that program to the kernel (compiling it there took 2.2 ms of every run).
"""

import ctypes
import errno
import functools
import os

try:
    import pyseccomp as seccomp

    MISSING = None
except (ImportError, OSError) as exc:  # pyseccomp loads the system's libseccomp
    seccomp, MISSING = None, f"libseccomp could not be loaded ({exc}); install libseccomp2"

DENIED = (
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "syslog", "acct", "quotactl", "lookup_dcookie", "vhangup",
    "open_by_handle_at", "name_to_handle_at",
    "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "iopl", "ioperm", "personality",
)  # fmt: skip
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
# Socket families a run has no use for and that reach kernel subsystems.
DENIED_FAMILIES = (15, 16, 17, 31, 38, 40)  # AF_KEY, AF_NETLINK, AF_PACKET, AF_BLUETOOTH, AF_ALG, AF_VSOCK


def _rules():
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            pass  # a syscall this architecture does not have
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for family in DENIED_FAMILIES:
        rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, family))
    return rules


@functools.cache
def program() -> bytes:
    """The filter as the BPF program the kernel loads (struct sock_filter[])."""
    fd = os.memfd_create("glueprint-seccomp")
    with os.fdopen(fd, "w+b") as exported:
        _rules().export_bpf(exported)
        exported.seek(0)
        return exported.read()


class _Program(ctypes.Structure):  # struct sock_fprog
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_SOCK_FILTER_BYTES = 8
_LIBC = ctypes.CDLL(None, use_errno=True)


def load() -> None:
    """Install the filter on the calling thread (and everything it starts); it cannot be
    lifted. The thread must have set no_new_privs first (jail.drop_privileges does)."""
    code = program()
    fprog = _Program(len(code) // _SOCK_FILTER_BYTES, code)
    if _LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")
