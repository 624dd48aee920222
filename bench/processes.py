"""Process helpers shared by the benchmark (bench/run.py) and the soak run (tests/load/soak.py):
a free loopback port, and the memory of a whole process tree."""

from __future__ import annotations

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
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        current = todo.pop()
        total += _process_memory(current)
        todo.extend(children.get(current, []))
    return total


def _process_memory(pid: int) -> int:
    for source, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(source).read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0
