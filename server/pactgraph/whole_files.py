"""Files written whole: a process that reads one meanwhile finds the old file or the new one,
never a part (each is written beside its place, then renamed over it). Other processes read the
pinner's answers (engine/pinner.py) and the pages' resource index (pages/our_iris.py) while they
are written.

A writer killed as it wrote leaves its part behind. Each part is locked (``flock``) from its
creation until it has been renamed into place, and the kernel drops the lock with its last
holder, so a part nobody holds locked is a dead writer's: ``clear_left_behind`` removes those,
and only those, whatever their age. (Before, a resource index's part stayed for good; at 80
times the data such a file is tens of megabytes.)
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

ATTEMPTS = 10  # parts made in turn, each cleared before its writer could lock it


def kept_as_json(path: Path, compute: Callable[[], T], encode: Callable[[T], Any],
                 decode: Callable[[Any], T], prefix: str) -> T:
    """``compute()``, kept as JSON in the file ``path`` for the next process (in a prebuilt
    store's folder, which never changes): read back if it can be; else computed, and written
    whole, a dead writer's parts cleared first; computed by each process if it cannot be
    written."""
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    value = compute()
    try:
        path.parent.mkdir(exist_ok=True)
        clear_left_behind(path.parent, prefix)  # by a process killed as it wrote
        write_whole(path, json.dumps(encode(value)).encode("utf-8"), prefix)
    except OSError as error:
        log.info("%s is found again by each process: it cannot be written (%s)", path, error)
    return value


def write_whole(path: Path, body: bytes, prefix: str) -> None:
    """``body`` as the file ``path``, written first to a file named ``{prefix}...`` in the same
    folder, locked until it is renamed into place."""
    lock, partial = _locked_part(path.parent, prefix)
    try:
        # Written through a second descriptor, closed before the rename: a write error that a
        # file system reports only at close (NFS) comes before the file is shown, not after,
        # while the first descriptor keeps the part locked.
        with open(partial, "wb") as out:
            out.write(body)
        os.replace(partial, path)  # under the lock: a clearer never removes the written part
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    finally:
        os.close(lock)


def _locked_part(folder: Path, prefix: str) -> tuple[int, str]:
    for _ in range(ATTEMPTS):
        descriptor, partial = tempfile.mkstemp(dir=folder, prefix=prefix)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:  # still the file of that name? A clearer may have taken it, before the lock, for
            # a dead writer's part and removed it (on NFS, renamed it to .nfs...)
            if os.path.samestat(os.fstat(descriptor), os.stat(partial)):
                return descriptor, partial
        except FileNotFoundError:
            pass
        os.close(descriptor)
    raise OSError(f"no part of {prefix}... in {folder} stayed: each was cleared as it was made")


def clear_left_behind(folder: Path, prefix: str) -> int:
    """Remove the parts named ``{prefix}...`` in ``folder`` that no writer holds; how many.
    Never raises: a part it cannot open, lock or remove is left as it is."""
    cleared = 0
    try:
        parts = list(folder.glob(prefix + "*"))
    except OSError:  # a folder it cannot read
        return 0
    for left in parts:
        try:  # for writing: an exclusive flock emulated by a byte-range lock (NFS) needs it;
            # neither a link followed nor a FIFO waited on
            descriptor = os.open(left, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:  # renamed into place or cleared meanwhile, or not ours to clear
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            left.unlink()  # no writer holds it: its writer is dead
            cleared += 1
        except OSError:  # being written (BlockingIOError), or renamed into place meanwhile
            pass
        finally:
            os.close(descriptor)
    return cleared
