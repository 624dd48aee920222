"""Blueprint: the pictures (alliance network, timeline) and the example questions as files.

- ``/explore/network``: states as nodes, obligations as directed edges (who must defend whom) on a
  date; the graph is drawn by static/network.js (Cytoscape.js) from ``/explore/network.json``, and
  the same obligations are listed in an HTML table for readers without JavaScript.
- ``/explore/timeline``: treaties' signatures, entries into force and ends, and invocations.
- ``/queries/``, ``/queries/{name}.rq``: the example questions, with their PREFIX lines; the URL
  is the file name, while code finds a question by its ``# id:`` (build/examples.py).

``obligations_on`` is the date-aware form of the question ``who-must-help``: on today's date the
two give the same (helper, attacked) pairs, which tests/test_explore.py checks.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph.build.examples import WHO_MUST_HELP, Examples
from pactgraph.namespaces import ELI, PG
from pactgraph.pages.clause import invocation_view
from pactgraph.pages.commitment_dates import date_marks, start_and_end
from pactgraph.pages.describe import label_of
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.readers import commitment_classes_members
from pactgraph.web.app import published
from pactgraph.web.routes.dumps import iri_map, per_app

blueprint = Blueprint("explore", __name__)

_DATE = re.compile(r"^(\d{4})(-\d{2}-\d{2})?$")


def today() -> str:
    return datetime.date.today().isoformat()


def parse_date(text: str | None) -> str:
    """'1975' or '1975-06-01' as an ISO date (a bare year is its first day); default today."""
    if not text:
        return today()
    match = _DATE.match(text.strip())
    if not match:
        abort(400, f"date {text!r} is not a year (1975) or a date (1975-06-01)")
    value = match.group(1) + (match.group(2) or "-01-01")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        abort(400, f"date {text!r} does not exist")
    return value


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


def _parties_on(graph: Graph, commitment: Any, day: str, start: str | None) -> set[Any]:
    """Parties bound on ``day``: by their memberships where the data has them."""
    members: dict[Any, bool] = {}
    for membership in graph.subjects(PG.membershipOf, commitment):
        state = graph.value(membership, PG.member)
        active = _within(day, str(graph.value(membership, PG.memberFrom) or start or ""),
                         str(graph.value(membership, PG.memberUntil) or "") or None)
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


def obligations_on(graph: Graph, day: str) -> list[Obligation]:
    """Every (helper, attacked) obligation of a defense clause in force on ``day``."""
    current = day >= today()
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
        parties = _parties_on(graph, commitment, day, start)
        protected = parties | set(graph.objects(commitment, PG.concerns))
        caveat = _caveats(graph, commitment, day, current)
        for clause in clauses:
            strength = graph.value(clause, PG.obligationStrength)
            rank = int(graph.value(strength, PG.strengthRank) or 99)
            article = str(graph.value(clause, ELI.number) or "")
            for helper in parties:
                for attacked in protected - {helper}:
                    found.append(Obligation(helper, attacked, commitment, article, strength, rank,
                                            caveat(helper, attacked)))
    return found


def _short_label(graph: Graph, node: Any) -> str:
    label = label_of(graph, node) or str(node)
    return re.sub(r"\s*\(.*\)$", "", label)


def network(graph: Graph, day: str, labels: Labeller) -> dict[str, Any]:
    """Cytoscape.js elements for ``day``: one edge per ordered pair, one node per state.

    An edge carries its strongest obligation (lowest strength rank) and every commitment behind
    it; a pair bound both ways by the same commitments is one edge marked ``mutual``.
    """
    pairs: dict[tuple[Any, Any], list[Obligation]] = {}
    for obligation in obligations_on(graph, day):
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


# --- Routes ---------------------------------------------------------------------------------------

def labeller() -> Labeller:
    return Labeller(published().graph, iri_map())


PRESETS = (("1955", "1955-01-01"), ("1975", "1975-01-01"), ("1995", "1995-01-01"),
           ("2010", "2010-01-01"))


@blueprint.after_request
def depends_on_today(response: Response) -> Response:
    """The network's pages and JSON depend on today's date (the default date, frozen participation
    applied from today on), so neither browsers nor the front cache may keep them."""
    if request.endpoint in ("explore.network_page", "explore.network_json"):
        response.cache_control.no_store = True
    return response


NETWORKS_KEPT = 32  # days (and hosts) whose network is kept; each is a few hundred kB at 1x
_networks_lock = threading.Lock()


def network_on(day: str) -> dict:
    """The network on ``day`` for this host, computed once: it depends on nothing else but
    whether ``day`` is today or later (participation status is today's: ``obligations_on``), the
    data cannot change, and walking the graph takes a quarter of a second at 1x, seconds at
    scale. Only the HTTP answer must not be kept (``depends_on_today``): *today* moves."""
    urls = iri_map()
    key = (day, day >= today(), urls.server)
    kept: OrderedDict = per_app("networks", lambda p: OrderedDict())
    with _networks_lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    elements = network(published().graph, day, Labeller(published().graph, urls))
    with _networks_lock:
        kept[key] = elements
        while len(kept) > NETWORKS_KEPT:
            kept.popitem(last=False)
    return elements


@blueprint.get("/explore/network")
def network_page() -> str:
    day = parse_date(request.args.get("date"))
    elements = network_on(day)
    graph = published().graph
    strengths = sorted((int(rank), label_of(graph, s) or str(s))
                       for s, rank in graph.subject_objects(PG.strengthRank))
    return render_template("network.html", day=day, today=today(), presets=PRESETS,
                           elements=elements, strengths=strengths,
                           by_id={n["data"]["id"]: n["data"] for n in elements["nodes"]})


@blueprint.get("/explore/network.json")
def network_json() -> Response:
    day = parse_date(request.args.get("date"))
    return jsonify(network_on(day))


@blueprint.get("/explore/timeline")
def timeline_page() -> str:
    events = timeline(published().graph, labeller())
    return render_template("timeline.html", decades=list(by_decade(events)), count=len(events))


def examples() -> Examples:
    """The example questions, read and checked when the app was built (web/app.py)."""
    return published().examples


@blueprint.get("/queries/")
def query_list() -> str:
    return render_template("queries.html", examples=examples())


@blueprint.get("/queries/<name>.rq")
def query_file(name: str) -> Response:
    for example in examples():
        if example.name == name:
            return Response(example.standalone, content_type="application/sparql-query; "
                                                             "charset=utf-8")
    abort(404)


def who_must_help_rows() -> list[dict[str, str]]:
    """The question ``who-must-help`` run on the store once per app, as {variable: value} rows."""
    def run(p: Any) -> list[dict[str, str]]:
        result = p.store.query(p.examples.by_id(WHO_MUST_HELP).text)
        names = [v.value for v in result.value.variables]
        return [{n: (row[n].value if row[n] is not None else "") for n in names}
                for row in result.value]
    return per_app("who-must-help", run)
