"""What a query worker process sets on itself (engine/worker.py): its memory, stack and
processor-time limits, and the scheduling policy it runs under.
"""

from __future__ import annotations

import ctypes
import math
import os
import resource


def limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


STACK_MB = 64


def deepen_stack(stack_mb: int = STACK_MB) -> None:
    """Let the stack grow to ``stack_mb`` MB (8 by default): pyoxigraph's parser recurses once per
    level of nesting, and at 8 MB 4,700 nested parentheses (9,400 characters) overflowed it,
    killing the worker (SIGSEGV). 64 MB takes 37,000 parentheses or 17,000 braces, more than the
    default ``max_query_length`` (20,000 characters) holds. Stack pages count against the
    address-space limit once touched; Linux leaves 128 MB or more below the stack to grow into."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    wanted = stack_mb * 1024 * 1024
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (wanted, hard))


M_ARENA_MAX = -8  # glibc's malloc.h


def one_malloc_arena() -> None:
    """One malloc arena for all the threads of this process (the on-disk store's RocksDB starts
    three): glibc gives each thread an arena of its own, and reserves 64 MB of address space for
    each, which counts against the address-space limit. A stand-in (engine/standins.py) opening
    the fixture site's store reserved 565 MB of it; with one arena, 107 MB. Not glibc: nothing."""
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1)
    except (AttributeError, OSError):
        pass


def yield_on_wake_up() -> None:
    """SCHED_BATCH for this loader and its workers (no privilege needed, no priority changed): a
    worker woken by a job no longer preempts the server process that wrote it, whose event loop
    stood still in that write() 46% of its time under 16 clients (py-spy)."""
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: the default policy
        pass


def limit_cpu(time_limit_ms: int) -> None:
    """A CPU-time backstop: the kernel sends SIGXCPU (which ends the process) shortly after the
    wall-clock deadline even if the parent never gets to kill this worker (say it was killed
    itself). An idle worker whose pool is gone ends at once: its socket reads end-of-file.
    (Not PR_SET_PDEATHSIG: it fires when the *thread* that started the worker ends, and
    replacements are started from short-lived threads.)"""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = math.ceil(used + time_limit_ms / 1000) + 2
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def unlimit_cpu() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
