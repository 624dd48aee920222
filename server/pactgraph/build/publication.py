"""The composition root: what is published, built once per process, with what serves it.

``build_publication(settings)`` opens the prebuilt store of the input files (parsing, validating
and building it first if these files were never built: build/prebuilt.py) and returns the
``Publication``: the graphs, the store, the data version behind every ETag, and what the process
keeps for it — its query engine (a pool of killable, network-less query workers), its bounded
answer cache and its memo of derived values (dumps, the JSON-LD context...). Nothing here imports
Flask: the web layer reaches the publication through ``web/context.py``, and the command line
uses it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Graph

from pactgraph.build import manifest, prebuilt, revalidation, versions
from pactgraph.build.examples import Examples, load_examples
from pactgraph.build.from_engine import prepare_from_engine
from pactgraph.build.memory import ResponseCache
from pactgraph.build.prebuilt import Prepared
from pactgraph.engine.base import Engine
from pactgraph.engine.embedded import EmbeddedEngine
from pactgraph.engine.graph_view import graph_over
from pactgraph.engine.pinned import Pins
from pactgraph.engine.pool import Limits, QueryExecutor
from pactgraph.engine.store import TripleStore
from pactgraph.knowledge.sources import Knowledge, SourceGraphs, input_files
from pactgraph.knowledge.stable_graph import stable_blank_nodes

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Publication:
    """What the server publishes, built once at start-up and never changed afterwards."""

    settings: dict[str, Any]
    ontology: Graph       # the ontology alone (small), for /def, the JSON-LD @context...
    shapes: Graph         # the SHACL shapes, served at /shapes
    graph: Graph          # ontology + data, the graph IRIs dereference into (read from the store)
    store: TripleStore    # the same triples, for the server's own queries
    data_version: str = ""  # a hash of the input files: the data part of every ETag
    folder: Path | None = None  # the prebuilt store's folder, with the dumps
    examples: Examples = Examples()  # the example questions (queries/*.rq), found by id
    kept: dict[str, Any] = field(default_factory=dict, repr=False)  # what ``memo`` keeps, by key
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _key_locks: dict[str, threading.RLock] = field(default_factory=dict, repr=False)

    @cached_property
    def engine(self) -> Engine:
        """Where client queries are evaluated: the query pool over the store's N-Quads copy, or
        the SPARQL store at ``engine_url`` (engine/remote.py)."""
        if self.settings.get("engine_url"):
            from pactgraph.engine.remote import RemoteEngine
            return RemoteEngine(self.settings["engine_url"], self.store, self.settings)
        limits = Limits.from_settings(self.settings)
        pins = (Pins.of(self.folder, [example.text for example in self.examples.all])
                if self.settings["pin_example_answers"] else None)
        return EmbeddedEngine(self.store, QueryExecutor(self.folder / prebuilt.QUADS, limits, pins,
                                                        self.folder / prebuilt.ENGINE))

    @cached_property
    def answers(self) -> ResponseCache:
        """The bounded cache of SPARQL answers and whole responses (one per process)."""
        return ResponseCache(self.settings["cache_max_entries"], self.settings["cache_max_bytes"])

    def memo(self, key: str, build: Callable[[Publication], T]) -> T:
        """``build(self)``, computed once and kept: values derived from what never changes."""
        if key not in self.kept:
            # A lock of each key, not one for all: at 80 times the data one value takes tens of
            # seconds to build, and a request that needs another waited behind it. Values built
            # from others never form a cycle (it would recurse for ever in one thread), so
            # threads waiting on each other's keys cannot either.
            with self._memo_lock:
                lock = self._key_locks.setdefault(key, threading.RLock())
            with lock:
                if key not in self.kept:
                    self.kept[key] = build(self)
        return self.kept[key]


def prepare_store(settings: dict[str, Any]) -> Prepared:
    """The prebuilt store of the input files, parsed, validated and built first if these files have
    not been built before (build/prebuilt.py); ``DataNotConforming`` if they fail the shapes.
    The server's parent process calls it once, then its workers open what it prepared. The example
    questions are read first: a broken header fails the start in a moment, before any store is
    built. With ``data_from_engine``, the data files are the graphs the store at ``engine_url``
    holds (build/from_engine.py)."""
    load_examples(settings["queries_path"])
    if settings["data_from_engine"]:  # the data is what the store at engine_url holds
        return prepare_from_engine(settings)
    files = input_files(settings)
    # how each file is read (its format, its graph) decides the store as much as its bytes
    version = versions.input_version([file.path for file in files], *versions.VALIDATION_INPUTS,
                                     *(file.describe() for file in files))

    folder = revalidation.prepare_validated(settings, version,
                                        lambda: Knowledge.from_settings(settings), from_files=True)
    return Prepared(folder, version)


def build_publication(settings: dict[str, Any], prepared: Prepared | None = None) -> Publication:
    """Open the prebuilt store of the input files: ``prepared`` (by the server's parent process),
    or prepared here first."""
    prepared = prepared or prepare_store(settings)
    examples = load_examples(settings["queries_path"])
    folder, version = prepared.folder, prepared.version
    store = TripleStore.open(folder / prebuilt.ENGINE)
    # Parsed in every process: with blank-node labels that do not change from one to the next.
    ontology, shapes = (stable_blank_nodes(SourceGraphs.load(settings[name]).graph)
                        for name in ("ontology_paths", "shapes_paths"))
    return Publication(settings, ontology, shapes,
                       graph_over(store, graphs_overlap(folder)), store, version, folder, examples)


def graphs_overlap(folder: Path) -> bool | None:
    """Whether a triple of the prebuilt store in ``folder`` is in two of its graphs, from its
    manifest's counts (its quads and the union's distinct triples differ exactly then); None if
    it does not count both. (Here, not in build/prebuilt.py: a change to the code that builds
    folders builds them again.)"""
    counts = manifest.load(folder).counts
    if "quads" not in counts or "triples" not in counts:
        return None
    return counts["quads"] != counts["triples"]


def union_triples(folder: Path | None) -> int | None:
    """The distinct triples of the union of the prebuilt store in ``folder``, as its manifest
    counts them; None if it does not, or there is no folder."""
    try:
        return manifest.load(folder).counts.get("triples") if folder else None
    except (manifest.Damaged, OSError):
        return None
