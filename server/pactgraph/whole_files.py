"""Files written whole: a process that reads one meanwhile finds the old file or the new one,
never a part (each is written beside its place, then renamed over it). Other processes read the
pinner's answers (engine/pinner.py) and the pages' resource index (pages/our_iris.py) while they
are written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_whole(path: Path, body: bytes, prefix: str) -> None:
    """``body`` as the file ``path``, written first to a file named ``{prefix}...`` in the same
    folder: a writer killed meanwhile leaves only such a file, for its owner to clear."""
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    with os.fdopen(descriptor, "wb") as out:
        out.write(body)
    os.replace(partial, path)
