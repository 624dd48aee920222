"""Stand-ins: query workers on the on-disk store while the copy of a large store loads.

A pool's workers answer from an in-memory copy of the store (engine/worker.py), 3 to 8 times
faster than from the on-disk store at 80 times the bundled data. But the copy takes its time:
2.5 million quads at 80 times, about 9 s of processor time for each pool (one per HTTP worker),
and until it was loaded no query was answered (10.9 s from the start to the first answer). A copy
larger than ``query_memory_limit_mb`` (the default, at that size) was never loaded at all, and
every query was answered 503.

So for a copy over ``STANDIN_ABOVE_BYTES``, the pool first starts a loader that loads nothing and
forks *stand-ins*: workers that open the on-disk store read-only (21 ms at 80 times, 62 MB
resident), under the same time and memory limits and the same network fence, and replaced the
same way when killed. The copy is loaded behind them by a second loader. Once it is ready, its
workers replace the stand-ins (the idle ones at once, the busy ones when they answer), and the
pinner starts. If it cannot be loaded, the stand-ins stay, and the log says why and what it costs.
Their loader stays for the pool's life either way (the syntax checker is forked from it).

A smaller copy loads in about a second or less, and is loaded first as before: stand-ins would
cost a second loader's start (a fresh interpreter) for nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from pactgraph.engine.processes import Loader, Worker

log = logging.getLogger(__name__)

# About 1 s of loading (the copy is read at 60-80 MB of N-Quads a second of processor time).
STANDIN_ABOVE_BYTES = 64 * 1024 * 1024


def standin_store(quads_path: Path, store_path: Path | None) -> Path | None:
    """The on-disk store the stand-ins open, if the copy in ``quads_path`` is worth waiting for
    behind them; None to load the copy first."""
    if store_path is None or not store_path.is_dir():
        return None
    try:
        return store_path if quads_path.stat().st_size > STANDIN_ABOVE_BYTES else None
    except OSError:
        return None  # the copy's loader will say what is wrong with the file


def unwanted(worker: Worker, standins_on: Path | None) -> bool:
    """Whether ``worker`` is a stand-in the pool no longer wants (``standins_on`` is None once the
    copy is loaded): replaced, not put back in line. A worker of a copy loader that died and is
    loaded again is still wanted meanwhile: it answers on."""
    return worker.loader.on_disk and standins_on is None


def load_copy_behind(start_loader: Callable[[], Loader], take_copy: Callable[[Loader], bool],
                     start_pinner: Callable[[], None],
                     still_ours: Callable[[], bool]) -> threading.Thread:
    """Load the copy on a thread of its own (``start_loader`` waits for it), then hand it to the
    pool (``take_copy``, which refuses it if the pool was closed meanwhile) and start the pinner.
    Without the copy, no pinner: pins are kept per folder, and the on-disk store may order the
    rows of an example question's ties otherwise than the copy whose bytes they stand for."""

    def load() -> None:
        try:
            loader = start_loader()
        except Exception as error:  # QueryEngineUnavailable, with the cause
            if still_ours():
                log.error("the query workers answer from the on-disk store, 3 to 8 times slower "
                          "than from a copy in memory, because %s", error)
            return
        if take_copy(loader):
            start_pinner()

    thread = threading.Thread(target=load, name="pactgraph-copy", daemon=True)
    thread.start()
    return thread
