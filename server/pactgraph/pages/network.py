"""Who is bound to defend whom on a date, the alliance network drawn from that, and the timeline.

``obligations_on`` is the date-aware form of the question ``who-must-help``: on today's date the
two give the same (helper, attacked) pairs, which tests/test_explore.py checks. Pure view models:
they read the published graph and know nothing of Flask.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph.namespaces import ELI, PG
from pactgraph.pages.clause import invocation_view
from pactgraph.pages.commitment_dates import date_marks, start_and_end
from pactgraph.pages.describe import label_of
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.readers import commitment_classes_members

DATE = re.compile(r"^(\d{4})(-\d{2}-\d{2})?$")


def today() -> str:
    return datetime.date.today().isoformat()


def _day(value: str | None) -> str | None:
    """A published date (YYYY-MM-DD or YYYY) as a comparable day; a year counts from 1 January."""
    if not value:
        return None
    return value if len(value) == 10 else value[:4] + "-01-01"


def _within(day: str, start: str | None, end: str | None) -> bool:
    start, end = _day(start), _day(end)
    return (start is None or start <= day) and (end is None or day < end)


# --- Obligations on a date ------------------------------------------------------------------------

@dataclass(frozen=True)
class Obligation:
    helper: URIRef
    attacked: URIRef
    commitment: URIRef
    article: str
    strength: URIRef
    rank: int
    caveat: str  # "", "frozen", "suspended"


ENDED_UNDATED = (PG.Withdrawn, PG.MembershipSuspended)


def _parties_on(graph: Graph, commitment: Any, day: str, start: str | None,
                current: bool = False) -> set[Any]:
    """Parties bound on ``day``: by their memberships where the data has them. A membership coded
    withdrawn or suspended whose end no source dates counts as ended from today on, as in the
    question ``who-must-help``; on earlier days it counts as it did before it ended."""
    members: dict[Any, bool] = {}
    for membership in graph.subjects(PG.membershipOf, commitment):
        state = graph.value(membership, PG.member)
        until = graph.value(membership, PG.memberUntil)
        active = _within(day, str(graph.value(membership, PG.memberFrom) or start or ""),
                         str(until or "") or None)
        if until is None and current and \
                graph.value(membership, PG.participationStatus) in ENDED_UNDATED:
            active = False
        members[state] = members.get(state, False) or active
    parties = set(graph.objects(commitment, PG.party))
    return {p for p in parties | set(members) if members.get(p, p in parties)}


def _caveats(graph: Graph, commitment: Any, day: str,
             current: bool) -> Callable[[Any, Any], str]:
    """The caveat ("", "suspended", "frozen") of each (helper, attacked) pair of ``commitment``
    on ``day``, read from the graph once per commitment rather than once per pair."""
    suspended = [set(graph.objects(period, PG.betweenParties))
                 for period in graph.objects(commitment, PG.statusPeriod)
                 if graph.value(period, PG.status) == PG.Suspended
                 and _within(day, str(graph.value(period, PG.periodStart) or ""),
                             str(graph.value(period, PG.periodEnd) or "") or None)]
    frozen: set[Any] = set()
    if current:  # participation status is today's; the data does not say since when
        frozen = {graph.value(membership, PG.member)
                  for membership in graph.subjects(PG.membershipOf, commitment)
                  if graph.value(membership, PG.participationStatus) == PG.FrozenParticipation}

    def caveat(helper: Any, attacked: Any) -> str:
        if any({helper, attacked} <= between for between in suspended):
            return "suspended"
        return "frozen" if helper in frozen or attacked in frozen else ""
    return caveat


def obligations_on(graph: Graph, day: str, today_is: str) -> list[Obligation]:
    """Every (helper, attacked) obligation of a defense clause in force on ``day``."""
    current = day >= today_is  # participation status is known for today only
    found = []
    for commitment in sorted(commitment_classes_members(graph)):
        status = graph.value(commitment, PG.legalStatus)
        start, end = start_and_end(graph, commitment)
        if start is None or not _within(day, start, end):
            continue
        if end is None and status != PG.InForce:  # ended on a date nobody has confirmed
            continue
        clauses = [c for c in graph.objects(commitment, ELI.has_part)
                   if (c, RDF.type, PG.ObligationClause) in graph]
        if not clauses:
            continue
        parties = _parties_on(graph, commitment, day, start, current)
        protected = parties | set(graph.objects(commitment, PG.concerns))
        caveat = _caveats(graph, commitment, day, current)
        for clause in clauses:
            strength = graph.value(clause, PG.obligationStrength)
            rank = int(graph.value(strength, PG.strengthRank) or 99)
            article = str(graph.value(clause, ELI.number) or "")
            # a one-sided clause binds only its obliged parties and protects only its protected ones
            helpers = parties & (set(graph.objects(clause, PG.obligedParty)) or parties)
            shielded = protected & (set(graph.objects(clause, PG.protectedParty)) or protected)
            for helper in helpers:
                for attacked in shielded - {helper}:
                    found.append(Obligation(helper, attacked, commitment, article, strength, rank,
                                            caveat(helper, attacked)))
    return found


def _short_label(graph: Graph, node: Any) -> str:
    label = label_of(graph, node) or str(node)
    return re.sub(r"\s*\(.*\)$", "", label)


def network(graph: Graph, day: str, labels: Labeller, today_is: str) -> dict[str, Any]:
    """Cytoscape.js elements for ``day``: one edge per ordered pair, one node per state.

    An edge carries its strongest obligation (lowest strength rank) and every commitment behind
    it; a pair bound both ways by the same commitments is one edge marked ``mutual``.
    """
    pairs: dict[tuple[Any, Any], list[Obligation]] = {}
    for obligation in obligations_on(graph, day, today_is):
        pairs.setdefault((obligation.helper, obligation.attacked), []).append(obligation)
    edges, seen = [], set()
    for (helper, attacked), obligations in sorted(pairs.items()):
        if (helper, attacked) in seen:
            continue
        back = pairs.get((attacked, helper), [])
        mutual = _same_terms(obligations, back)
        seen.add((helper, attacked))
        if mutual:
            seen.add((attacked, helper))
        strongest = min(obligations, key=lambda o: o.rank)
        caveats = sorted({o.caveat for o in obligations} - {""})
        edges.append({"data": {
            "id": f"{_code(graph, helper)}-{_code(graph, attacked)}",
            "source": _code(graph, helper), "target": _code(graph, attacked),
            "mutual": mutual, "strength": str(strongest.strength).rsplit("#", 1)[-1],
            "strengthLabel": label_of(graph, strongest.strength) or "", "rank": strongest.rank,
            "status": caveats[0] if caveats else "active",
            "commitments": sorted({f"{label_of(graph, o.commitment)}, Article {o.article}"
                                   for o in obligations}),
        }})
    states = {node for pair in pairs for node in pair}
    nodes = [{"data": {"id": _code(graph, s), "label": _short_label(graph, s),
                       "href": labels.term(s).href}}
             for s in sorted(states, key=lambda s: _code(graph, s))]
    return {"date": day, "nodes": nodes, "edges": edges}


def _same_terms(one: list[Obligation], other: list[Obligation]) -> bool:
    def terms(obligations: list[Obligation]) -> set[tuple]:
        return {(o.commitment, o.article, o.rank, o.caveat) for o in obligations}
    return bool(other) and terms(one) == terms(other)


def _code(graph: Graph, state: Any) -> str:
    code = graph.value(state, PG.iso3166Alpha3)
    return str(code) if code is not None else str(state).rsplit("/", 1)[-1]


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
