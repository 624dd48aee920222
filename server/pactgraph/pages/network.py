"""The alliance network on a date, drawn from the derived obligations, and the timeline.

``network`` takes the rows of pages/obligations.py (one per guarantor and protected party), the
same rows the API and the state pages show, so the picture cannot disagree with them. Pure view
models: they know nothing of Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF

from pactgraph.namespaces import PG
from pactgraph.pages.clause import invocation_view
from pactgraph.pages.commitment_dates import date_marks
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.readers import commitment_classes_members

DATE = re.compile(r"^(\d{4})(-\d{2}-\d{2})?$")


# --- The network, drawn from the derived obligations ---------------------------------------------

def _code(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _short(label: str) -> str:
    return re.sub(r"\s*\(.*\)$", "", label)


def _status(rows: list[dict]) -> str:
    """'frozen' (a caveat), 'possible' (only some sources agree), else 'active'."""
    if any("frozen" in r["caveat"] for r in rows):
        return "frozen"
    return "active" if any(r["certainty"] == "certain" for r in rows) else "possible"


def network(found: list[dict], day: str, href: Callable[[str], str],
            short: dict[str, str] | None = None) -> dict[str, Any]:
    """Cytoscape.js elements for ``day`` from the obligation rows (pages/obligations.py):

    - a bilateral obligation is an arrow from guarantor to protected state (``kind``
      'obligation'; one edge marked ``mutual`` when both are bound to each other on the same terms);
    - a multilateral alliance (three or more parties bound that day) is one node (``kind``
      'alliance') that holds its members: an edge from each member to it (``kind`` 'member'), and
      the ordered pairs inside it that are not bound (a suspension) listed on the node.

    ``pairs`` lists every (guarantor, protected, certainty), whichever way it is drawn. An
    alliance's node is labelled with its short name from ``short`` (by commitment code), if any,
    and carries its full ``title``; every edge lists the commitments (codes) it stands for.
    """
    short = short or {}
    by_commitment: dict[str, list[dict]] = {}
    for row in found:
        by_commitment.setdefault(row["commitment"], []).append(row)
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    bilateral: dict[tuple[str, str], list[dict]] = {}

    def state(iri: str, label: str) -> str:
        nodes.setdefault(_code(iri), {"id": _code(iri), "label": _short(label), "href": href(iri),
                                      "kind": "state"})
        return _code(iri)

    for commitment, rows in sorted(by_commitment.items()):
        members = {r["guarantor"]: r["guarantor_label"] for r in rows}
        members.update({r["protected"]: r["protected_label"] for r in rows})
        if len(members) < 3:
            for r in rows:
                bilateral.setdefault((state(r["guarantor"], r["guarantor_label"]),
                                      state(r["protected"], r["protected_label"])), []).append(r)
            continue
        alliance = _code(commitment)
        bound = {(_code(r["guarantor"]), _code(r["protected"])) for r in rows}
        codes = sorted(state(iri, label) for iri, label in members.items())
        title = _short(rows[0]["commitment_label"])
        nodes[alliance] = {"id": alliance, "label": short.get(alliance, title), "title": title,
                           "href": href(commitment), "kind": "alliance", "members": codes,
                           "notBound": [[g, p] for g in codes for p in codes
                                        if g != p and (g, p) not in bound]}
        for member in codes:
            own = [r for r in rows if member in (_code(r["guarantor"]), _code(r["protected"]))]
            edges.append(_edge(member, alliance, "member", False, rows, own))
    for (guarantor, protected), rows in sorted(bilateral.items()):
        back = bilateral.get((protected, guarantor), [])
        mutual = bool(back) and _terms(rows) == _terms(back)
        if mutual and (protected, guarantor) < (guarantor, protected):
            continue  # drawn once, from the other end
        edges.append(_edge(guarantor, protected, "obligation", mutual, rows, rows))
    pairs = sorted({(_code(r["guarantor"]), _code(r["protected"]), r["certainty"])
                    for r in found})
    return {"date": day, "nodes": [{"data": n} for _, n in sorted(nodes.items())],
            "edges": edges, "pairs": [list(p) for p in pairs]}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _clause_text(row: dict) -> str:
    article = f", Article {row['article']}" if row["article"] else ""
    return f"{row['commitment_label']}{article}"


def _terms(rows: list[dict]) -> set[tuple]:
    return {(r["commitment"], r["clause"], r["certainty"], r["caveat"]) for r in rows}


# --- Timeline -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    date: str
    what: str        # "signed", "in force", "ended", "invoked", ...
    subject: Any     # a Link
    detail: Any      # a Link or None
    disputed: bool


def timeline(graph: Graph, labels: Labeller) -> list[Event]:
    events = []
    for commitment in commitment_classes_members(graph):
        for mark in date_marks(graph, commitment, labels):
            events.append(Event(mark.date, mark.what, labels.term(commitment), None,
                                mark.disputed))
    for invocation in graph.subjects(RDF.type, PG.Invocation):
        view = invocation_view(graph, invocation, labels)
        what = view.kind.text if view.kind else "invocation"
        events.append(Event(view.date, what, view.link, view.treaty, False))
    return sorted(events, key=lambda e: (e.date, e.subject.text))


def by_decade(events: list[Event]) -> Iterator[tuple[str, list[Event]]]:
    decades: dict[str, list[Event]] = {}
    for event in events:
        decades.setdefault(event.date[:3] + "0s", []).append(event)
    yield from decades.items()


def _edge(source: str, target: str, kind: str, mutual: bool, rows: list, own: list) -> dict:
    """One edge of the picture: its strength is the strongest of ``rows``, its status and
    commitments those of ``own`` (a member's own rows of its alliance, or the pair's rows)."""
    strongest = min(rows, key=lambda r: r["strength_rank"] or 9)
    return {"data": {
        "id": f"{source}-{target}", "source": source, "target": target, "kind": kind,
        "mutual": mutual, "strength": _local(strongest["strength"]),
        "strengthLabel": strongest["strength_label"], "rank": strongest["strength_rank"] or 9,
        "status": _status(own), "commitments": sorted({_clause_text(r) for r in own}),
        "treaties": sorted({_code(r["commitment"]) for r in own})}}
