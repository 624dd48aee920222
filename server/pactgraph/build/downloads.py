"""The downloads: which dumps a prebuilt store holds, how their bytes are made, read and served.

The prebuilt store (build/prebuilt.py) writes them when it builds a folder, and checks on every
open that each is there at its recorded size. Their bytes are checked when first read for
serving (``kept_bytes``), not on every open: hashing them took 0.10 to 0.16 s at 100x the data
(103 MB), more than the rest of the check on open together, and a dump that is not as built can
be written again from the store, with no need to build the whole folder again or to refuse to
start. ``dump_body`` gives the same bytes to ``/download/...`` and to ``pactgraph export``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from pactgraph.build import manifest, store_dumps
from pactgraph.build.jsonld_context import build_context
from pactgraph.build.memory import bytes_etag
from pactgraph.build.serialization import serialize
from pactgraph.formats import RDFLIB_FORMAT
from pactgraph.knowledge.sources import SourceGraphs

if TYPE_CHECKING:
    from pactgraph.build.publication import Publication
    from pactgraph.engine.store import TripleStore

log = logging.getLogger(__name__)

DUMPS = "dumps"  # the folder of the dumps, inside a store's folder

# The downloads (served by web/routes/dumps.py): file name -> (title, which graph, media type).
# "published" is the ontology and the data together, the graph IRIs dereference into.
DUMP_FILES: dict[str, tuple[str, str, str]] = {
    "pactgraph.ttl": ("Ontology, data and derived obligations, Turtle", "published",
                      "text/turtle"),
    "pactgraph.jsonld": ("Ontology, data and derived obligations, JSON-LD", "published",
                         "application/ld+json"),
    "pactgraph.nt": ("Ontology, data and derived obligations, N-Triples", "published",
                     "application/n-triples"),
    "pactgraph.rdf": ("Ontology, data and derived obligations, RDF/XML", "published",
                      "application/rdf+xml"),
    "ontology.ttl": ("The ontology, Turtle", "ontology", "text/turtle"),
    "shapes.ttl": ("The SHACL shapes, Turtle", "shapes", "text/turtle"),
}


def dump_bytes(graph: Graph, media_type: str, context: dict) -> bytes:
    """A download's bytes, written by rdflib. A dump is a file people keep: its JSON-LD embeds
    the @context rather than naming a host."""
    return serialize(graph, RDFLIB_FORMAT[media_type], embedded_context=context)


def written_dumps(names: Iterable[str], store: TripleStore,
                  graphs: dict[str, Callable[[], Graph]], context: dict,
                  triples: list | None = None) -> Iterator[tuple[str, bytes]]:
    """Each download of ``names`` with its bytes: everything published written from ``store``
    (build/store_dumps.py, its triples sorted once for all, or given sorted: ``triples``); the
    ontology and the shapes by rdflib from ``graphs[which]()``. The one way every dump is
    written: by a build, by a release, and again when one is lost."""
    for name in names:
        _, which, media_type = DUMP_FILES[name]
        if which == "published" and media_type in store_dumps.FORMATS:
            if triples is None:
                triples = store_dumps.published_triples(store.engine)
            yield name, store_dumps.published_bytes(store.engine, media_type, context, triples)
        else:
            yield name, dump_bytes(graphs[which](), media_type, context)


def _as_built(folder: Path, name: str, body: bytes) -> bool:
    """Whether ``body`` is the dump ``name`` as the manifest recorded it (or there is no record
    to compare with: a folder whose manifest went missing while it was served)."""
    try:
        recorded = manifest.load(folder).files[f"{DUMPS}/{name}"]
    except (manifest.Damaged, KeyError):
        return True
    return hashlib.sha256(body).hexdigest() == recorded.sha256


def kept_bytes(folder: Path, name: str, build: Callable[[], bytes]) -> bytes:
    """The file ``name`` of the folder's ``dumps/``, written again by ``build`` if it is missing
    or is not the file the manifest recorded (with a warning: served as it was built).

    Written under a temporary name and renamed, so a reader never sees half a file; if the
    folder cannot be written the bytes are still returned.
    """
    path = folder / DUMPS / name
    try:
        body = path.read_bytes()
    except OSError:
        body = None
    if body is not None:
        if _as_built(folder, name, body):
            return body
        log.warning("%s has changed since it was built; serving it written again", path)
    body = build()
    try:
        temporary = path.with_name(f".{name}.{os.getpid()}.tmp")
        temporary.write_bytes(body)
        temporary.replace(path)
    except OSError:
        pass
    return body


@dataclass(frozen=True)
class Dump:
    filename: str
    title: str
    media_type: str
    body: bytes
    etag: str  # strong: a hash of the bytes


def dump_body(p: Publication, filename: str) -> bytes:
    """The bytes of download ``filename``, as written when the store was built."""
    def write() -> bytes:
        # Only for a folder whose dumps were removed. The ontology and the shapes are parsed
        # again as the build parsed them: rdflib's Turtle nests blank nodes in the order of
        # their labels, and the publication's copies are labelled otherwise (their bytes
        # differed from the build's, so a lost shapes.ttl came back unlike the manifest's).
        graphs = {"ontology": lambda: SourceGraphs.load(p.settings["ontology_paths"]).graph,
                  "shapes": lambda: SourceGraphs.load(p.settings["shapes_paths"]).graph}
        [(_, body)] = written_dumps([filename], p.store, graphs, build_context(p.ontology))
        return body
    return write() if p.folder is None else kept_bytes(p.folder, filename, write)


def build_dumps(p: Publication) -> dict[str, Dump]:
    dumps = {}
    for filename, (title, _, media_type) in DUMP_FILES.items():
        body = dump_body(p, filename)
        dumps[filename] = Dump(filename, title, media_type, body, bytes_etag(body))
    return dumps
