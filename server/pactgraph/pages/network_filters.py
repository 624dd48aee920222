"""The alliance network narrowed to one treaty or one region, and the short names it is drawn with.

``narrowed`` takes the elements of pages/network.py and keeps what a reader asked for, so that
the picture reads at any size: one treaty's obligations (``?treaty=``), or those that touch the
states of one region (``?region=``, the states' ``pg:inRegion`` and every wider region reached
through ``pg:withinRegion``). A multilateral alliance stays one node: it is kept, with all its
members, when the treaty is chosen or one of its members lies in the region. Pure view models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from pactgraph.namespaces import PG
from pactgraph.pages.readers import commitment_classes_members


@dataclass(frozen=True)
class Choice:
    code: str    # the last segment of the IRI, as the URL's ?treaty= or ?region= carries it
    label: str


def _code(iri: Any) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _english(graph: Graph, node: Any, prop: URIRef) -> list[str]:
    return [str(o) for o in graph.objects(node, prop)
            if getattr(o, "language", None) in (None, "en")]


SHORT_ENOUGH = 24  # characters: a title this long labels its node as it is


def short_names(graph: Graph) -> dict[str, str]:
    """A short English name per commitment, for an alliance's node: the treaty's own shortest
    alternative name of more than one word ("Manila Pact", "Washington Treaty"), else its shortest
    one, else the shortest of the organisation it establishes; only for titles longer than
    ``SHORT_ENOUGH`` ("North Atlantic Treaty" is already short).
    The treaty's own names come first: an organisation may have ended while its treaty binds
    (SEATO was dissolved in 1977, the Manila Pact was not)."""
    names = {}
    for commitment in commitment_classes_members(graph):
        title = min(_english(graph, commitment, RDFS.label), key=len, default="")
        own = _english(graph, commitment, SKOS.altLabel)
        organisations = [name for org in graph.objects(commitment, PG.establishes)
                         for name in _english(graph, org, SKOS.altLabel)]
        short = min([n for n in own if " " in n] or own or organisations,
                    key=lambda n: (len(n), n), default="")
        if short and len(title) > SHORT_ENOUGH and len(short) < len(title):
            names[_code(commitment)] = short
    return names


def treaty_choices(graph: Graph) -> list[Choice]:
    """Every commitment in the data, by its title."""
    found = {_code(c): min(_english(graph, c, RDFS.label), key=len, default=_code(c))
             for c in commitment_classes_members(graph)}
    return sorted((Choice(code, label) for code, label in found.items()),
                  key=lambda c: c.label.casefold())


def region_states(graph: Graph) -> dict[str, tuple[str, frozenset[str]]]:
    """Each region that holds a state: its label and the codes of the states in it (directly
    or through a narrower region)."""
    members: dict[Any, set[str]] = {}
    for state, region in graph.subject_objects(PG.inRegion):
        for wider in graph.transitive_objects(region, PG.withinRegion):
            members.setdefault(wider, set()).add(_code(state))
    return {_code(region): (min(_english(graph, region, RDFS.label), key=len,
                                default=_code(region)), frozenset(codes))
            for region, codes in members.items() if (region, RDF.type, PG.Region) in graph}


def region_choices(regions: dict[str, tuple[str, frozenset[str]]]) -> list[Choice]:
    return sorted((Choice(code, label) for code, (label, _) in regions.items()),
                  key=lambda c: c.label.casefold())


def narrowed(elements: dict[str, Any], treaty: str | None = None,
             states: frozenset[str] | None = None) -> dict[str, Any]:
    """The elements that concern ``treaty`` (a commitment's code) and touch ``states`` (a region's
    state codes); either may be None (no narrowing). ``elements`` is left as it was."""
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}

    def concerns(edge: dict) -> bool:
        return treaty is None or treaty in edge["treaties"]

    def touches(edge: dict) -> bool:
        if states is None:
            return True
        ends = [edge["source"], edge["target"]]
        if edge["kind"] == "member":
            ends = nodes[edge["target"]]["members"]
        return any(end in states for end in ends)

    edges = [e for e in elements["edges"] if concerns(e["data"]) and touches(e["data"])]
    kept = {end for e in edges for end in (e["data"]["source"], e["data"]["target"])}
    drawn = [{"data": {**n, "inRegion": states is not None and n["id"] in states}}
             for i, n in nodes.items() if i in kept]
    pairs = [p for p in elements["pairs"] if p[0] in kept and p[1] in kept]
    return {**elements, "nodes": drawn, "edges": edges, "pairs": pairs}
