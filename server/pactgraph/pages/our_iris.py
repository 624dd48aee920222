"""Where our IRIs live on the running server, and which of them the published graph holds.

- ``IriMap``: canonical IRI ``{base_iri}{rest}`` <-> server URL ``{server}/{rest}``. RDF keeps the
  canonical IRIs; only HTML links are rewritten to point at the running server.
- ``ResourceIndex``: the IRIs of our namespace that occur in the published graph, built once per
  app, so that an unknown IRI is answered from a set lookup (no URIRef is built from it); kept in
  the prebuilt store's folder for the next process (``resource_index_of``).

A concern of its own: the SPARQL, dump and resource blueprints all map IRIs to URLs, and only the
last needs to describe a resource.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import URIRef

from pactgraph.build import versions
from pactgraph.namespaces import PG
from pactgraph.whole_files import kept_as_json

if TYPE_CHECKING:
    from pactgraph.engine.store import TripleStore


@dataclass(frozen=True)
class IriMap:
    """Maps our canonical IRIs to URLs on the server that is answering, and paths back to IRIs."""

    base_iri: str
    server: str  # e.g. "http://127.0.0.1:5000", no trailing slash

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base_iri)

    def url_for(self, iri: str) -> str:
        """Where ``iri`` is served: ours on this server, any other IRI unchanged."""
        if self.is_ours(iri):
            return f"{self.server}/{iri[len(self.base_iri):]}"
        return iri

    def iri_for(self, rest: str) -> str:
        """The canonical IRI served at ``{server}/{rest}``."""
        return self.base_iri + rest


class ResourceIndex:
    """The IRIs of our namespace found in the published graph (as subject or object)."""

    def __init__(self, known: Iterable[str], subjects: Iterable[str],
                 derived: Iterable[str] = ()) -> None:
        self.known: frozenset[str] = frozenset(known)
        self.subjects: tuple[str, ...] = tuple(sorted(subjects))
        # The derived obligations, which a page leaves to their own documents: found once here,
        # not asked of the store for each of the hundreds a large pact's page meets.
        self.derived: frozenset[str] = frozenset(derived)

    @classmethod
    def of_store(cls, store: TripleStore, base_iri: str) -> ResourceIndex:
        """The index of the published triples, found by SPARQL (a pass in rdflib over every
        triple would take seconds at scale)."""
        def iris(pattern: str) -> list[str]:
            query = (f"SELECT DISTINCT ?iri WHERE {{ {pattern} FILTER (isIRI(?iri) && "
                     f"STRSTARTS(STR(?iri), {json.dumps(base_iri)})) }}")
            return [solution["iri"].value for solution in store.query(query).value]
        subjects = iris("?iri ?p ?o")
        return cls([*subjects, *iris("?s ?p ?iri")], subjects,
                   iris(f"?iri a <{PG.DefenseObligation}>"))

    def is_derived(self, node: object) -> bool:
        """Whether ``node`` is a derived obligation (describe.derived, answered from the index)."""
        return str(node) in self.derived

    def __contains__(self, iri: str) -> bool:
        return iri in self.known

    def owned(self, iri: str) -> list[URIRef]:
        """Subjects whose IRI extends ``iri`` with a path: ``{iri}/…`` (sorted)."""
        prefix = iri + "/"
        start = bisect.bisect_left(self.subjects, prefix)
        owned = []
        for candidate in self.subjects[start:]:
            if not candidate.startswith(prefix):
                break
            owned.append(URIRef(candidate))
        return owned


INDEXES = "indexes"  # in a prebuilt store's folder: what the pages find once per folder
PARTIAL = ".resources."  # an index being written (whole_files.write_whole)


def resource_index_of(store: TripleStore, base_iri: str, folder: Path | None) -> ResourceIndex:
    """``ResourceIndex.of_store``, kept in ``folder`` (a prebuilt store's, whose store never
    changes) for the next process: finding it took 20 s at 80 times the data, on each HTTP
    worker's first document, and reading it back a fraction of a second. Keyed by the base IRI
    and the code that finds it; found again if the file cannot be read, and each time if the
    folder cannot be written."""
    if folder is None:
        return ResourceIndex.of_store(store, base_iri)
    code = versions.code_hash(("pages/our_iris.py", "namespaces.py"))
    key = hashlib.sha256(f"{base_iri}\0{code}".encode()).hexdigest()[:16]
    return kept_as_json(Path(folder) / INDEXES / f"resources-{key}.json",
                        lambda: ResourceIndex.of_store(store, base_iri), _encoded, _decoded,
                        PARTIAL)


def _encoded(index: ResourceIndex) -> dict:
    return {"subjects": list(index.subjects),
            "objects": sorted(index.known - set(index.subjects)), "derived": sorted(index.derived)}


def _decoded(kept: dict) -> ResourceIndex:
    return ResourceIndex([*kept["subjects"], *kept["objects"]], kept["subjects"], kept["derived"])
