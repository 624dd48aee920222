"""The search index: every state and commitment with each name a reader may type for it, built
with the prebuilt store (build/prebuilt.py writes it beside the dumps as ``search.json``).

One entry per thing: its IRI, its kind (state, commitment) and its English label, and every name
the data gives it, in every language: labels, alternative names (treaty short names such as "TRA"),
ISO 3166-1 codes, citations, and the names of the organisation a treaty establishes ("NATO").
Matching and ranking are in pages/search.py; this module only reads the graph and writes or reads
the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from pactgraph.namespaces import PG, SCHEMA

SEARCH = "search.json"
# What each property is, as a hit shows it when it matched on it rather than on the label.
NAMES = ((RDFS.label, "name"), (SKOS.prefLabel, "name"), (SKOS.altLabel, "also called"),
         (DCTERMS.alternative, "also called"), (SCHEMA.alternateName, "also called"),
         (PG.iso3166Alpha3, "ISO 3166-1 code"),
         (PG.citation, "cited as"))


def _kinds(graph: Graph) -> dict[Any, str]:
    # Each kind's classes from the ontology, so that a resource typed with a subclass is found
    # without the entailed triples (a build after an edit has only the changed subjects')
    kinds = {}
    for top, kind in ((PG.Commitment, "commitment"), (PG.State, "state")):
        for cls in set(graph.transitive_subjects(RDFS.subClassOf, top)):
            kinds.update({s: kind for s in graph.subjects(RDF.type, cls)})
    return kinds


def _label(graph: Graph, node: Any) -> str:
    labels = [o for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)]
    english = [o for o in labels if (o.language or "en").startswith("en")]
    return str(min(english or labels, default=str(node)))


def entries(graph: Graph) -> list[dict[str, Any]]:
    """The entries of ``graph``'s states and commitments, in IRI order."""
    found = []
    for node, kind in sorted(_kinds(graph).items()):
        names = {(str(o), o.language or "", what) for prop, what in NAMES
                 for o in graph.objects(node, prop) if isinstance(o, Literal)}
        # A treaty is what a reader means by the organisation it sets up ("NATO", "CSTO").
        names |= {(str(o), o.language or "", "establishes") for body in
                  graph.objects(node, PG.establishes) for prop, _ in NAMES
                  for o in graph.objects(body, prop) if isinstance(o, Literal)}
        names = sorted(names)
        found.append({"iri": str(node), "kind": kind, "label": _label(graph, node),
                      "names": [list(name) for name in names]})
    return found


def write(graph: Graph, folder: Path) -> None:
    (folder / SEARCH).write_text(json.dumps(entries(graph), ensure_ascii=False), encoding="utf-8")


def read(folder: Path) -> list[dict[str, Any]]:
    return json.loads((folder / SEARCH).read_text(encoding="utf-8"))
