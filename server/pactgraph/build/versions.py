"""What a prebuilt store's version is made of: the input files, the libraries, and the code.

A folder of the prebuilt store (build/prebuilt.py) is named by ``input_version``: a hash of the
files it is built from and of ``VALIDATION_INPUTS``, the versions of the libraries and a hash of
the code that validates and builds (``BUILDING_MODULES``). So a changed file, a new release of
pySHACL, or a change to how a dump is written builds a new folder rather than trusting one made
otherwise; and a build that reuses parts of an earlier folder (build/revalidation.py,
build/store_change.py) checks what that folder was made by the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def library_versions() -> tuple[str, ...]:
    """The versions of pactgraph and of the libraries that read, validate and store the data."""
    from importlib.metadata import PackageNotFoundError, version
    found = []
    for package in ("pactgraph", "pyshacl", "rdflib", "pyoxigraph"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} unknown")
    return tuple(found)


# The modules whose code decides what a folder holds: parsing and validating, the store, the dumps.
# Paths inside the package, so that a module moved or renamed changes the hash (bare names did not
# tell build/x.py from web/x.py).
BUILDING_MODULES = ("build/prebuilt.py", "build/manifest.py", "build/downloads.py",
                    "knowledge/sources.py", "knowledge/source_graphs.py", "knowledge/rdf_files.py",
                    "knowledge/derivation.py", "knowledge/derivation_reads.py",
                    "knowledge/obligations.py", "knowledge/intervals.py",
                    "knowledge/obligation_triples.py", "knowledge/spans.py", "engine/store.py",
                    "build/from_engine.py", "build/serialization.py", "build/store_dumps.py",
                    "build/jsonld_writer.py", "build/jsonld_context.py", "build/search_index.py",
                    "build/store_change.py", "build/dump_blocks.py", "build/basis.py",
                    "build/table_change.py",
                    "build/tables.py", "build/revalidation.py", "knowledge/incremental.py",
                    "knowledge/reach.py", "knowledge/chains.py", "knowledge/depths.py",
                    "knowledge/pyshacl_focus.py", "knowledge/findings.py",
                    "knowledge/sparql_constraints.py", "knowledge/overlay_graph.py", "terms.py",
                    "formats.py", "namespaces.py")
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def code_hash(modules: Iterable[str] = BUILDING_MODULES) -> str:
    """A hash of the code that builds the folder: a change to how it is made (say, how dumps are
    written) must not be hidden by a folder made before it, even within one release."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode("utf-8") + b"\0" + (PACKAGE_ROOT / name).read_bytes())
    return f"code {digest.hexdigest()}"


# What else decides whether files validate and how the store is built: the code that does it. A
# new release of any of these builds again rather than trusting a folder made by another version.
VALIDATION_INPUTS: tuple[str, ...] = (*library_versions(), code_hash())


def input_version(paths: Iterable[Path], *salt: str) -> str:
    """A hash of the input files (their bytes, in the order given, each with its file name) and of
    ``salt`` (what else decides the outcome, e.g. library versions).

    It is the data version behind every ETag: the same files give the same ETags in every worker
    and after a restart, and a changed file changes them all.
    """
    digest = hashlib.sha256()
    for part in salt:
        digest.update(part.encode("utf-8") + b"\0")
    for path in paths:
        data = Path(path).read_bytes()
        digest.update(Path(path).name.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()
