"""When a query worker asks to be replaced: the memory it kept after a job.

Memory freed after a large answer mostly stays with the process (Python's and the allocator's free
lists), and a fresh fork of the loader costs milliseconds and shares the loaded copy, so a worker
that grew asks the pool to replace it (engine/worker.py ``serve_jobs``, engine/pool.py).
"""

from __future__ import annotations

import os
import resource

from pactgraph.engine.cuts import BYTES

# A worker whose memory has grown by this much since it was forked asks to be replaced.
RECYCLE_GROWTH_BYTES = 64 * 1024 * 1024


def resident_bytes() -> int:
    """This process's resident memory (the pages of the store's copy it shares included)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def grown_since(held: int) -> int:
    """How much more resident memory this process holds than ``held`` bytes (``resident_bytes``
    when it was forked), as far as ``should_retire`` needs to know: the peak of its resident
    memory (getrusage, one system call: 1.4 us) bounds what it holds now, so /proc/self/statm
    (15 us, on every job) is read only when the peak has risen by more than
    RECYCLE_GROWTH_BYTES. The peak alone would retire a worker for memory it gave back (a
    second review: a 100 MB buffer freed within the job)."""
    bound = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - held  # KiB on Linux
    return bound if bound <= RECYCLE_GROWTH_BYTES else resident_bytes() - held


def should_retire(reply: tuple, max_bytes: int, grown: int) -> bool:
    """Whether the worker should be replaced by a fresh fork of the loader after sending
    ``reply``, having grown by ``grown`` bytes since it was forked. Memory freed after a large
    answer mostly stays with the process (Python's and the allocator's free lists): measured on the
    fixture site, eight answers of 14 MB left the two workers' tree at 129 MB PSS, from 42 MB
    (bench/worker_memory.py). A fresh fork costs milliseconds and shares the
    loaded copy, so a worker that wrote a large answer (over a quarter of ``max_result_bytes``),
    was refused one, ran out of memory or grew by RECYCLE_GROWTH_BYTES is retired."""
    if reply[0] == "answer":
        large = len(reply[1].body) > max_bytes // 4
    else:
        large = reply[0] == "memory" or (reply[0] == "limit" and reply[1] == BYTES)
    return large or grown > RECYCLE_GROWTH_BYTES
