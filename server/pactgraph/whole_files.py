"""Files written whole: a process that reads one meanwhile finds the old file or the new one,
never a part (each is written beside its place, then renamed over it). Other processes read the
pinner's answers (engine/pinner.py) and the pages' resource index (pages/our_iris.py) while they
are written.

A writer killed as it wrote leaves its part behind. Each part is locked (``flock``) while it is
written, and the kernel drops the lock with its last holder, so a part nobody holds locked is a
dead writer's: ``clear_left_behind`` removes those, and only those, whatever their age. (Before,
a resource index's part stayed for good; at 80 times the data such a file is tens of megabytes.)
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path


def write_whole(path: Path, body: bytes, prefix: str) -> None:
    """``body`` as the file ``path``, written first to a file named ``{prefix}...`` in the same
    folder, locked until it is renamed into place."""
    descriptor, partial = _locked_part(path.parent, prefix)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(body)
            out.flush()  # all of it in the file before the rename shows it to readers
            os.replace(partial, path)  # under the lock: a clearer never sees it written whole
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _locked_part(folder: Path, prefix: str) -> tuple[int, str]:
    while True:
        descriptor, partial = tempfile.mkstemp(dir=folder, prefix=prefix)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if os.fstat(descriptor).st_nlink:
            return descriptor, partial
        # A clearer found it between its creation and the lock, took it for a dead writer's
        # part and removed it: make another.
        os.close(descriptor)


def clear_left_behind(folder: Path, prefix: str) -> int:
    """Remove the parts named ``{prefix}...`` in ``folder`` that no writer holds; how many."""
    cleared = 0
    for left in folder.glob(prefix + "*"):
        try:
            descriptor = os.open(left, os.O_RDONLY)
        except OSError:  # renamed into place or cleared meanwhile
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # being written
            pass
        else:
            try:
                left.unlink()
                cleared += 1
            except FileNotFoundError:  # renamed into place meanwhile, under the same lock
                pass
        finally:
            os.close(descriptor)
    return cleared
