"""Process helpers shared by the benchmark (bench/run.py, bench/shutdown.py) and the soak run
(tests/load/soak.py): a free loopback port, the processes of a whole process tree and their
memory."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_memory_bytes(root: int) -> int:
    """Memory of ``root`` and all its descendants (gunicorn workers, query workers), from /proc;
    processes that end while it reads are skipped.

    The sum of each process's proportional set size (PSS: private pages, plus each shared page
    divided by the processes sharing it), not of resident sizes: query workers share their
    loader's copy of the store page by page, and adding up their RSS would count it once per
    worker. (Without smaps_rollup, as in some containers, RSS is all there is.)"""
    return sum(_process_memory(pid) for pid, _ in process_family(root))


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_family(root: int) -> list[tuple[int, str]]:
    """``root`` and all its descendants, each as (pid, start time): with the start time, a pid
    the kernel has since given to another process is not taken for the same one."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    root_fields = _stat_fields(root)
    family, todo = [], [(root, root_fields[19])] if root_fields else []
    while todo:
        member = todo.pop()
        family.append(member)
        todo.extend(children.get(member[0], []))
    return family


def still_running(family: list[tuple[int, str]]) -> list[int]:
    """The pids of ``family`` (from ``process_family``) still running: a zombie has ended."""
    running = []
    for pid, started in family:
        fields = _stat_fields(pid)
        if fields and fields[19] == started and fields[0] != "Z":
            running.append(pid)
    return running


def _process_memory(pid: int) -> int:
    for source, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(source).read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def tree_cpu_seconds(root: int) -> float:
    """Processor time (user and system) used so far by ``root`` and its descendants, from /proc:
    each live process's own, plus what it has from children it reaped (so a query worker replaced
    meanwhile still counts, through its loader). Processes that end while it reads are skipped."""
    ticks = 0
    for pid, _ in process_family(root):
        fields = _stat_fields(pid)
        if fields:  # utime, stime, cutime, cstime: fields 14-17 of stat, 11-14 after the name
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
