"""Blueprint: the pictures (alliance network, timeline) and the example questions as files.

- ``/explore/network``: states as nodes, obligations as directed edges (who must defend whom) on a
  date; the graph is drawn by static/network.js (Cytoscape.js) from ``/explore/network.json``, and
  the same obligations are listed in an HTML table for readers without JavaScript.
- ``/explore/timeline``: treaties' signatures, entries into force and ends, and invocations.
- ``/queries/``, ``/queries/{name}.rq``: the example questions, with their PREFIX lines; the URL
  is the file name, while code finds a question by its ``# id:`` (build/examples.py).

What they show is computed in pages/network.py.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from pactgraph import clock
from pactgraph.build.examples import WHO_MUST_HELP, Examples
from pactgraph.namespaces import PG
from pactgraph.pages import network_filters as filters
from pactgraph.pages.describe import label_of
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.network import by_decade, network, timeline
from pactgraph.pages.obligations import Question, rows
from pactgraph.web.caching import kept_until_tomorrow
from pactgraph.web.context import iri_map, memo, publication
from pactgraph.web.routes.api import ask_date

blueprint = Blueprint("explore", __name__)

# --- Routes ---------------------------------------------------------------------------------------

def today() -> str:
    """Today, by the clock (the ``today`` setting, else the system's date)."""
    return clock.today(publication().settings)


def labeller() -> Labeller:
    return Labeller(publication().graph, iri_map())


PRESETS = (("1955", "1955-01-01"), ("1975", "1975-01-01"), ("1995", "1995-01-01"),
           ("2010", "2010-01-01"))


@blueprint.after_request
def depends_on_today(response: Response) -> Response:
    """The network's pages and JSON depend on today's date (the default date, frozen participation
    applied from today on), so no cache may keep them past midnight."""
    if request.endpoint in ("explore.network_page", "explore.network_json"):
        kept_until_tomorrow(response, publication().settings)
    return response


NETWORKS_KEPT = 32  # days (and hosts) whose network is kept; each is a few hundred kB at 1x
_networks_lock = threading.Lock()


def network_on(day: str) -> dict:
    """The network on ``day`` for this host, computed once: it depends on nothing else but
    whether ``day`` is today or later (participation caveats are today's standing), and the data
    cannot change. Only the HTTP answer must not be kept (``depends_on_today``): *today* moves."""
    urls = iri_map()
    key = (day, day >= today(), urls.server)
    kept: OrderedDict = memo("networks", lambda p: OrderedDict())
    with _networks_lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    found = rows(Question(day, today=today()), publication().engine.select)
    short = memo("short-names", lambda p: filters.short_names(p.graph))
    elements = network(found, day, urls.url_for, short)
    with _networks_lock:
        kept[key] = elements
        while len(kept) > NETWORKS_KEPT:
            kept.popitem(last=False)
    return elements


@dataclass(frozen=True)
class Narrowing:
    """What the request asks the network to show: ``?treaty=`` (a commitment's code) and
    ``?region=`` (a region's code), each checked against the data."""
    treaty: str | None
    region: str | None

    def apply(self, elements: dict) -> dict:
        if not (self.treaty or self.region):
            return elements
        states = regions()[self.region][1] if self.region else None
        return filters.narrowed(elements, self.treaty, states)

    def args(self) -> dict[str, str]:
        return {k: v for k, v in (("treaty", self.treaty), ("region", self.region)) if v}


def regions() -> dict:
    return memo("region-states", lambda p: filters.region_states(p.graph))


def treaties() -> list:
    return memo("treaty-choices", lambda p: filters.treaty_choices(p.graph))


def narrowing() -> Narrowing:
    treaty = request.args.get("treaty") or None
    region = request.args.get("region") or None
    if treaty and treaty not in {c.code for c in treaties()}:
        abort(400, f"treaty {treaty!r} is not in the data; choose one from the list on "
                   "/explore/network (the last part of its IRI, e.g. north-atlantic-treaty-1949)")
    if region and region not in regions():
        abort(400, f"region {region!r} holds no state in the data; choose one from the list on "
                   "/explore/network (the last part of its IRI, e.g. eastern-asia)")
    return Narrowing(treaty, region)


@blueprint.get("/explore/network")
def network_page() -> str:
    day = ask_date(request.args.get("date"))
    chosen = narrowing()
    elements = chosen.apply(network_on(day))
    graph = publication().graph
    strengths = sorted((int(rank), label_of(graph, s) or str(s))
                       for s, rank in graph.subject_objects(PG.strengthRank))
    page, pages = table_page(len(elements["edges"]))
    return render_template("network.html", day=day, today=today(), presets=PRESETS,
                           elements=elements, strengths=strengths, page=page, pages=pages,
                           rows=elements["edges"][(page - 1) * TABLE_ROWS:page * TABLE_ROWS],
                           by_id={n["data"]["id"]: n["data"] for n in elements["nodes"]},
                           chosen=chosen, treaties=treaties(),
                           regions=filters.region_choices(regions()))


TABLE_ROWS = 50  # obligations per page of the network's table: NATO alone made it 520 rows


def table_page(rows: int) -> tuple[int, int]:
    """The page of the table the request asks for (``?page=``, from 1) and how many there are."""
    pages = max(1, -(-rows // TABLE_ROWS))
    text = request.args.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= pages:
        abort(404, f"page {text!r} of the table does not exist; it has {pages} pages")
    return int(text), pages


@blueprint.get("/explore/network.json")
def network_json() -> Response:
    day = ask_date(request.args.get("date"))
    return jsonify(narrowing().apply(network_on(day)))


@blueprint.get("/explore/timeline")
def timeline_page() -> str:
    events = timeline(publication().graph, labeller())
    return render_template("timeline.html", decades=list(by_decade(events)), count=len(events))


def examples() -> Examples:
    """The example questions, read and checked when the publication was built."""
    return publication().examples


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
    """The question ``who-must-help`` run on the store once per app, as {variable: value} rows
    ("" where unbound)."""
    return memo("who-must-help",
                lambda p: p.store.rows(p.examples.by_id(WHO_MUST_HELP).text, unbound=""))


def who_must_help_rows_about(state: str) -> list[dict[str, str]]:
    """The rows of ``who_must_help_rows`` in which ``state`` is attacked, for its page and the
    map: the paged form's page of that one state (``queries/01c``), not question 1 whole, which
    they read once per process (34 s at 80 times the data, and 18 s more to make its rows).
    Without the paged form (a site's own questions), question 1's rows, filtered."""
    p = publication()
    paged = next((e.text for e in p.examples.all if e.id == WHO_MUST_HELP_BY_PAGE), "")
    if paged.count(FIRST_PAGE) != 3:  # not the page of our file: it cannot be turned
        return [row for row in who_must_help_rows() if row["attacked"] == state]
    offsets = memo("who-must-help pages", lambda p: _page_offsets(p.store))
    return [row for offset in offsets.get(state, ())
            for row in p.store.rows(paged.replace(FIRST_PAGE, f"LIMIT 1 OFFSET {offset}"),
                                    unbound="")]


WHO_MUST_HELP_BY_PAGE = "who-must-help-by-page"
FIRST_PAGE = "LIMIT 1 OFFSET 0"  # where the paged form chooses its page, in three places
# The states the paged form pages through, in its order: its page's subquery without the page
# (tests/test_explore.py checks every state's page against question 1's rows).
PAGE_ORDER = """SELECT DISTINCT ?attacked ?attackedLabel WHERE {
  ?attacked a pg:State ; rdfs:label ?attackedLabel .
  FILTER EXISTS { { ?pact pg:party ?attacked } UNION { ?pact pg:concerns ?attacked }
                  FILTER EXISTS { ?pact pg:legalStatus pg:InForce } }
}
ORDER BY ?attackedLabel ?attacked"""


def _page_offsets(store: Any) -> dict[str, list[int]]:
    """Each state's places in the paged form's list (one a label: a state has one)."""
    offsets: dict[str, list[int]] = {}
    for offset, row in enumerate(store.query(PAGE_ORDER).value):
        offsets.setdefault(row[0].value, []).append(offset)
    return offsets

