"""What the world map shows: who must help one state if it is attacked, from the question
``who-must-help`` (commitments in force today), grouped by helper.

The shapes are drawn by static/world-map.js from the vendored world-atlas (ISO 3166-1 numeric
ids, today's borders); states it cannot draw (the Soviet Union) are listed beside the map. Dated
answers come from the obligations API, asked by static/map-dates.js, a separate module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef

from pactgraph.namespaces import PG
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.readers import text_of
from pactgraph.pages.state import in_sentence


@dataclass(frozen=True)
class Helper:
    state: Link
    iso: str
    under: tuple[tuple[Link, str, str], ...]   # (commitment, article, strength)


@dataclass(frozen=True)
class MapView:
    state: Link
    iso: str
    helpers: tuple[Helper, ...]
    choices: tuple[tuple[str, str], ...]      # (ISO code, name) of every state, by name

    @property
    def in_sentence(self) -> str:
        return in_sentence(self.state.text)


def map_view(graph: Graph, state: URIRef, labels: Labeller,
             who_must_help: Iterable[dict[str, Any]]) -> MapView:
    found: dict[str, list[tuple[Link, str, str]]] = {}
    for row in who_must_help:
        if row["attacked"] == str(state):
            found.setdefault(row["helper"], []).append(
                (labels.term(URIRef(row["commitment"])), row["article"], row["strengthLabel"]))
    helpers = [Helper(labels.term(URIRef(h)), text_of(graph, URIRef(h), PG.iso3166Alpha3),
                      tuple(sorted(set(under), key=lambda u: (u[0].text, u[1]))))
               for h, under in found.items()]
    choices = sorted(((str(iso), labels.text(s)) for s, iso in
                      graph.subject_objects(PG.iso3166Alpha3)), key=lambda c: c[1])
    return MapView(labels.term(state), text_of(graph, state, PG.iso3166Alpha3),
                   tuple(sorted(helpers, key=lambda h: h.state.text)), tuple(choices))
