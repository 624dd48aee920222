"""The prebuilt store: parse, validate and build once per version of the input files.

Parsing the files with rdflib and validating them with pySHACL is the slow part of starting
(minutes at 100x the bundled data); opening an on-disk Oxigraph store is not. So the first start on
a version of the files does the slow part and leaves, in the store folder (``store_dir``):

    {store_dir}/{version}/
        conforms    the validation report of that version (it passed; warnings are kept)
        oxigraph/   the ontology and the data as an on-disk Oxigraph store, one named graph each
        quads.nq    the same quads as N-Quads, which query workers load into memory (queries run
                    5 to 10 times faster there than on the on-disk store, at 100x the data)
        dumps/      the downloads (Turtle, JSON-LD, N-Triples, RDF/XML), served as bytes, and
                    dumps/tables/ the CSV tables with their schemas (build/tables.py)
        blocks/     where each subject's triples lie in the dumps, for the next build to splice
        search.json the names of every state and commitment, for search (build/search_index.py)
        manifest.json   the size and sha256 of each file, the numbers of quads and triples
        basis/      what a build after an edit starts from (build/basis.py)
        pinned/     written later, when first needed: the example questions' answers
        indexes/    written later, when first needed: what the pages find once per folder
                    (the resource index, the dataset's statistics: pages/)

and every later start on the same files only hashes them and opens that store. ``version`` is a
hash of the files' names and bytes and of the versions of the code that validates and builds them
(build/versions.py), so a changed file, or a new release of pySHACL or of pactgraph, validates and
builds again; files that fail the
shapes never get a folder and are refused on every start.

A folder appears whole or not at all (built under a temporary name, then renamed), so two servers
starting at once on the same files cannot see half a store. If ``store_dir`` cannot be written
(a read-only home), the store is built in a temporary folder that lasts as long as the process.

A whole folder can be damaged later (a copy cut short, a full disk): a truncated ``quads.nq`` left
the query workers unable to load it, an emptied one answered SPARQL over no triples. So every open
checks the folder against its manifest (``damage``, build/manifest.py); a damaged folder is built
again, with a warning, if ``store_dir`` can be written, and otherwise (replicas sharing one
read-only folder) the server refuses to start, naming the file and what is wrong with it.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib.graph import ReadOnlyGraphAggregate

from pactgraph import collector
from pactgraph.build import manifest, search_index
from pactgraph.build.downloads import DUMPS
from pactgraph.build.jsonld_context import build_context
from pactgraph.build.store_change import Change, write_dumps, written_as_change
from pactgraph.build.table_change import write_tables
from pactgraph.engine.store import (
    ENTAILED_GRAPH,
    OBLIGATIONS_GRAPH,
    TripleStore,
    published_graphs,
    write_store,
)
from pactgraph.errors import StoreDamaged
from pactgraph.knowledge.sources import Knowledge

log = logging.getLogger(__name__)

CONFORMS, ENGINE, QUADS = "conforms", "oxigraph", "quads.nq"
# Hashed on every open, as damage that keeps a file's size shows in nothing else (48 MB at 100x
# the data: 0.06 s). The dumps (103 MB, 0.16 s more) are checked by size on open and hashed when
# first served (build/downloads.py), off the start; the on-disk store by its files' sizes and by
# counting its quads (0.1 s), RocksDB checksumming the blocks it reads.
HASHED_ON_OPEN = (CONFORMS, QUADS)
# RocksDB's diagnostic log: the server never reads it, and RocksDB may append to it.
UNRECORDED = (f"{ENGINE}/LOG",)


@dataclass(frozen=True)
class Prepared:
    """A prebuilt store ready to open: its folder and the version of the files it was built from."""

    folder: Path
    version: str


def default_store_dir() -> Path:
    """$PACTGRAPH_STORE_DIR, else the user's cache folder."""
    if os.environ.get("PACTGRAPH_STORE_DIR"):
        return Path(os.environ["PACTGRAPH_STORE_DIR"])
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "pactgraph"


def is_ready(folder: Path) -> bool:
    """Whether ``folder`` holds a whole store built from files that passed validation."""
    return damage(folder) is None


def damage(folder: Path) -> str | None:
    """What is wrong with the store in ``folder``, naming the file; None if it is whole."""
    try:
        recorded = manifest.load(folder)
        manifest.check_sizes(folder, recorded)
        manifest.check_contents(folder, recorded, HASHED_ON_OPEN)
        quads = len(TripleStore.open(folder / ENGINE).engine)
    except manifest.Damaged as problem:
        return str(problem)
    except OSError as error:  # the on-disk store cannot be opened
        return f"{ENGINE}/ cannot be opened ({error})"
    if quads != recorded.counts.get("quads"):
        return f"{ENGINE}/ holds {quads:,} quads, but was built with {recorded.counts['quads']:,}"
    return None


def _counts(folder: Path) -> dict[str, int]:
    """The manifest's counts. Only quads are checked on open: counting the distinct triples of
    the union took 1.7 to 2.4 s at 100x the data, longer than the rest of a warm start."""
    store = TripleStore.open(folder / ENGINE)
    return {"quads": len(store.engine), "triples": store.size()}


def is_writable(folder: Path) -> bool:
    """Whether a damaged store in ``folder`` may be replaced (false on a read-only mount)."""
    return os.access(folder, os.W_OK | os.X_OK)


def prepare(store_dir: Path, version: str,
            validated_knowledge: Callable[[], tuple[Knowledge, str]],
            keep: Callable[[Path], None] | None = None,
            change: Callable[[], Change | None] = lambda: None) -> Path:
    """The folder of ``version``, built first if needed, or again if damaged (``StoreDamaged`` if
    it cannot be replaced). ``validated_knowledge`` is called only when there is no whole folder:
    it parses and validates the files and returns them with the report text, or raises if they
    do not conform. ``keep(folder)`` writes more into a folder being built (before its
    manifest); ``change()``: what changed since an earlier folder (build/store_change.py)."""
    folder = Path(store_dir) / version
    if folder.exists():
        problem = damage(folder)
        if problem is None:
            return folder
        if not is_writable(Path(store_dir)):
            raise StoreDamaged(str(folder), problem)
        log.warning("the prebuilt store %s is damaged: %s. Building it again.", folder, problem)
    with collector.paused():  # a build's millions of objects walked again and again otherwise
        return _build_new(Path(store_dir), version, folder, validated_knowledge, keep, change)


def _build_new(store_dir: Path, version: str, folder: Path,
               validated_knowledge: Callable[[], tuple[Knowledge, str]],
               keep: Callable[[Path], None] | None, change: Callable[[], Change | None]) -> Path:
    (knowledge, report_text), changed = validated_knowledge(), change()
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{version[:16]}.", dir=store_dir))
    except OSError:  # nowhere to keep it: build for this process only
        building = Path(tempfile.mkdtemp(prefix="pactgraph-store."))
        atexit.register(shutil.rmtree, building, ignore_errors=True)
        _build(knowledge, report_text, building, keep, changed)
        return building
    try:
        _build(knowledge, report_text, building, keep, changed)
        _install(building, folder)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if damage(folder) is not None:  # not merely built by another process meanwhile
            raise
    return folder


def _install(built: Path, folder: Path) -> None:
    """Rename ``built`` to ``folder``, first moving a damaged ``folder`` out of the way."""
    if folder.exists() and damage(folder) is None:  # built again by another process meanwhile
        shutil.rmtree(built, ignore_errors=True)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{folder.name[:16]}.damaged.", dir=folder.parent))
    if folder.exists():
        folder.rename(aside / folder.name)
    built.rename(folder)
    shutil.rmtree(aside, ignore_errors=True)


def _build(knowledge: Knowledge, report_text: str, folder: Path,
           keep: Callable[[Path], None] | None = None, change: Change | None = None) -> None:
    context = build_context(knowledge.ontology.graph)
    (folder / DUMPS).mkdir()
    # Written as a change, the obligations of only the commitments the edit touched are needed
    graphs = change and published_graphs(knowledge, change.derived)
    counts = change and written_as_change(change, graphs, folder, ENGINE, QUADS, context)
    if not counts:
        graphs = published_graphs(knowledge)
        write_store(graphs, folder / ENGINE, folder / QUADS)
    store = TripleStore.open(folder / ENGINE)
    write_dumps(folder, store, {"ontology": lambda: knowledge.ontology.graph,
                                "shapes": lambda: knowledge.shapes.graph}, context, not counts)
    # Read through the parts, not from a merged copy (as long to make as the dumps to write).
    # Tables read their rows from the store and the Data Package the dataset's own triples:
    # neither reads the derived graphs, which after an edit hold some subjects only.
    published = ReadOnlyGraphAggregate(list(graphs.values()))
    write_tables(store, published, folder, change if counts else None, ENGINE)
    # The search index lists the curated states and commitments, found by their classes in the
    # ontology, so it is given no derived graph: data that made pg:DefenseObligation a kind of
    # commitment listed, after an edit, only the obligations derived again (a second reader's).
    search_index.write(ReadOnlyGraphAggregate(
        [graph for name, graph in graphs.items()
         if name not in (OBLIGATIONS_GRAPH, ENTAILED_GRAPH)]), folder)
    (folder / CONFORMS).write_text(report_text + "\n", encoding="utf-8")
    if keep is not None:
        keep(folder)
    manifest.save(folder, manifest.take(folder, counts or _counts(folder), UNRECORDED))
