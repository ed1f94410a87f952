"""A run's memory, counted per run rather than per process: the engine, while it waits for a
run (collect.py), measures the proportional set size (PSS) of every process of the run
every SAMPLE_S, and kills the run when their sum passes its limit (--run-memory-mb).

Each process is also held to the limit in address space (jail.apply_limits), so a run can
pass its limit only by what it allocates between two samples. The kernel's own per-run
accounting (a cgroup v2 memory.max) would be exact; glueprint does not use it yet, and says
so when it starts (host.Sandbox). Runs shorter than SAMPLE_S (most layouts) are never
sampled: they cost nothing.
"""

import os

SAMPLE_S = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


def processes(first: int) -> list[int]:
    """The run's processes: its first one and all its descendants (in its PID namespace, an
    orphan is given to the first process, so none escapes the tree)."""
    found, pending = [], [first]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    pending += [int(child) for child in f.read().split()]
        except OSError:
            continue  # it ended meanwhile
    return found


def bytes_of(pid: int) -> int:
    """A process's share of the memory it uses (PSS); its resident size where PSS is unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def used(first: int) -> int:
    """Bytes the run whose first process is first uses, all its processes together."""
    return sum(bytes_of(pid) for pid in processes(first))
