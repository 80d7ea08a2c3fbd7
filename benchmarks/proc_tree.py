"""What a server and all its descendants cost, from Linux's /proc: CPU, PSS, threads, processes.

The app is a tree: the server, the zygote helper it starts, and one run process per training tab
(live/zygote.py). Their costs only make sense summed.

- CPU: utime + stime of every live process in the tree, plus cutime + cstime (the CPU of
  descendants that have exited and been waited for, which their parent then carries). A run
  process that ended during the load is counted once, through the process that reaped it.
- Memory: PSS from /proc/PID/smaps_rollup. RSS would count the pages the forked run processes
  share with the zygote once per process; PSS splits shared pages between their users.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (index 0 is field 3, the state)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def tree(root: int) -> list[int]:
    """root and every live descendant."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rollup_kb(pid: int, *keys: str) -> int:
    """The sum of these smaps_rollup lines (kB) of a process; 0 once it has ended."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.split(":")[0] in keys:
                total += int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return total


def _pss_kb(pid: int) -> int:
    return _rollup_kb(pid, "Pss")


def _uss_kb(pid: int) -> int:
    """Pages this process alone maps: unlike PSS, it does not move when other processes map or drop the same
    shared libraries (torch's), so a leak in the web server shows in it and nothing else does."""
    return _rollup_kb(pid, "Private_Clean", "Private_Dirty")


@dataclass(frozen=True)
class Sample:
    cpu_s: float  # user + system seconds of the tree so far (live and reaped descendants)
    root_cpu_s: float  # the root's own (the web server: HTTP, events, pictures), without its children
    pss_mb: float
    threads: int
    processes: int
    root_pss_mb: float = 0.0  # the web server's own (a leak in serving shows here, apart from training)
    root_uss_mb: float = 0.0  # the web server's private pages: its own memory, whatever else maps torch


def sample(root: int) -> Sample:
    cpu_ticks = root_ticks = threads = processes = pss = root_pss = root_uss = 0
    for pid in tree(root):
        fields = _stat(pid)
        if fields is None:  # ended between the listing and now
            continue
        if pid == root:
            root_ticks = int(fields[11]) + int(fields[12])
            root_pss, root_uss = _pss_kb(pid), _uss_kb(pid)
        processes += 1
        cpu_ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
        threads += int(fields[17])
        pss += _pss_kb(pid)
    return Sample(cpu_ticks / CLK_TCK, root_ticks / CLK_TCK, pss / 1024, threads, processes, root_pss / 1024,
                  root_uss / 1024)
