"""A folder's manifest: the size and sha256 of every file in it, and counts of what it holds.

The prebuilt store (build/prebuilt.py) records one when it builds a folder and checks the folder
against it on every open: a folder is written once and only read afterwards, by later starts on
the same files and by replicas sharing one read-only folder, so a file damaged after the build (a
copy cut short, a full disk, an edit by hand) would otherwise be served as if it were whole.

This module knows nothing of what the files are: the store says which to hash on every open and
what the counts mean.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
CHUNK = 1 << 20  # read 1 MiB at a time: the N-Quads file is tens of MB at 100x the data


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    files: dict[str, FileRecord]  # path inside the folder ('dumps/pactgraph.ttl') -> its record
    counts: dict[str, int]        # e.g. {'quads': ..., 'triples': ...}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path, skipped: Iterable[str]) -> list[str]:
    left_out = set(skipped)
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file() and path.relative_to(folder).as_posix() not in left_out
                  and path.name != MANIFEST)


def take(folder: Path, counts: dict[str, int], skipped: Iterable[str] = ()) -> Manifest:
    """The manifest of ``folder`` as it is now: every file but ``skipped`` (paths inside it)."""
    return Manifest({name: FileRecord((folder / name).stat().st_size, sha256_of(folder / name))
                     for name in _files(folder, skipped)}, dict(counts))


def save(folder: Path, manifest: Manifest) -> None:
    document = {"files": {name: {"size": record.size, "sha256": record.sha256}
                          for name, record in manifest.files.items()},
                "counts": manifest.counts}
    (folder / MANIFEST).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")


class Damaged(Exception):
    """What is wrong with a folder, in words that name the file."""


def load(folder: Path) -> Manifest:
    """The manifest recorded in ``folder``; ``Damaged`` if there is none or it cannot be read."""
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return Manifest({name: FileRecord(int(entry["size"]), str(entry["sha256"]))
                         for name, entry in document["files"].items()},
                        {name: int(value) for name, value in document["counts"].items()})
    except FileNotFoundError:
        raise Damaged(f"{MANIFEST} is missing") from None
    except (OSError, UnicodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise Damaged(f"{MANIFEST} cannot be read ({type(error).__name__}: {error})") from None


def check_sizes(folder: Path, manifest: Manifest) -> None:
    """Raise ``Damaged`` unless every recorded file is there at its recorded size (a stat each)."""
    for name, record in manifest.files.items():
        try:
            size = (folder / name).stat().st_size
        except FileNotFoundError:
            raise Damaged(f"{name} is missing") from None
        except OSError as error:
            raise Damaged(f"{name} cannot be read ({error.strerror})") from None
        if size != record.size:
            raise Damaged(f"{name} is {size:,} bytes, but was built with {record.size:,}"
                          + (" (it is empty)" if size == 0 else
                             " (truncated?)" if size < record.size else ""))


def check_contents(folder: Path, manifest: Manifest, prefixes: Iterable[str]) -> None:
    """Raise ``Damaged`` unless every recorded file whose path starts with one of ``prefixes``
    has its recorded sha256 (one read of each)."""
    chosen = tuple(prefixes)
    for name, record in manifest.files.items():
        if not name.startswith(chosen):
            continue
        try:
            digest = sha256_of(folder / name)
        except OSError as error:
            raise Damaged(f"{name} cannot be read ({error.strerror})") from None
        if digest != record.sha256:
            raise Damaged(f"{name} has changed since it was built (its sha256 is not the "
                          "recorded one)")
