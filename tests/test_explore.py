"""The alliance network's JSON view, the timeline, the example questions as files and in VoID.

The network on today's date must agree with the question ``who-must-help``, which the tests in
test_questions.py check against the reference facts: two routes to one answer.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from pactgraph.build.examples import WHO_MUST_HELP, load_examples

QUERIES = Path(__file__).parents[1] / "queries"
ID = "https://w3id.org/pactgraph/id/state/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def network(client, date: str | None = None) -> dict:
    response = client.get("/explore/network.json" + (f"?date={date}" if date else ""))
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def pairs(view: dict, certainty: str | None = None) -> set[tuple[str, str]]:
    """(helper, attacked) ISO codes bound on the view's date (only ``certainty`` if given)."""
    return {(g, p) for g, p, c in view["pairs"] if certainty in (None, c)}


def drawn_pairs(view: dict) -> set[tuple[str, str]]:
    """The pairs the picture draws: arrows (both ways if mutual), and every ordered pair of an
    alliance node's members but those it lists as not bound."""
    nodes = {n["data"]["id"]: n["data"] for n in view["nodes"]}
    found = set()
    for edge in view["edges"]:
        data = edge["data"]
        if data["kind"] == "obligation":
            found.add((data["source"], data["target"]))
            if data["mutual"]:
                found.add((data["target"], data["source"]))
    for node in nodes.values():
        if node["kind"] == "alliance":
            members = node["members"]
            found |= ({(g, p) for g in members for p in members if g != p}
                      - {tuple(pair) for pair in node["notBound"]})
    return found


def test_today_the_network_agrees_with_the_who_must_help_question(client, app):
    """The question reads today's legal status; the network, the obligations derived from dates.
    Every certain obligation today is one of the question's rows without a caveat (a suspension, a
    frozen participation), and each of those rows is an obligation the network holds today, certain
    or possible (possible where no stored page dates the commitment's entry into force, such as
    the Arab League's treaty: in force today, but not certainly since a known day). The picture
    draws exactly the pairs it lists."""
    question = load_examples(QUERIES).by_id(WHO_MUST_HELP)
    rows = app.extensions["pactgraph"].store.query(question.text)
    expected = {(row["helper"].value.removeprefix(ID), row["attacked"].value.removeprefix(ID))
                for row in rows.value if not row["caveat"].value}
    view = network(client)
    assert pairs(view, "certain") <= expected <= pairs(view)
    assert drawn_pairs(view) == pairs(view)


def test_russia_and_the_dprk_are_bound_today_but_not_in_1975(client):
    in_1975 = network(client, "1975")
    assert in_1975["date"] == "1975-01-01"
    assert ("SUN", "PRK") in pairs(in_1975) and ("PRK", "SUN") in pairs(in_1975)
    assert not {("RUS", "PRK"), ("PRK", "RUS")} & pairs(in_1975)
    today = network(client)
    assert {("RUS", "PRK"), ("PRK", "RUS")} <= pairs(today)
    assert ("SUN", "PRK") not in pairs(today)
    edge = next(e["data"] for e in today["edges"] if {e["data"]["source"], e["data"]["target"]}
                == {"RUS", "PRK"})
    assert edge["mutual"] and edge["rank"] == 1 and edge["status"] == "active"


def test_membership_dates_decide_who_is_bound(client):
    assert ("USA", "SWE") not in pairs(network(client, "2023-12-31"))
    assert ("USA", "SWE") in pairs(network(client, "2024-03-07"))
    assert ("USA", "DEU") not in pairs(network(client, "1955-05-05"))


def test_suspensions_and_frozen_participation_are_marked(client):
    view = network(client)
    alliances = {n["data"]["id"]: n["data"] for n in view["nodes"]}
    assert ["USA", "NZL"] in alliances["anzus-1951"]["notBound"]  # ANZUS suspended since 1986
    assert ("AUS", "NZL") in pairs(view, "certain")
    # The USA is still bound to New Zealand, through the Manila Pact alone (in force: its data
    # file; the suspension was of ANZUS only).
    assert ["USA", "NZL"] not in alliances["manila-pact-1954"]["notBound"]
    assert ("USA", "NZL") in pairs(view, "certain")
    assert ("USA", "NZL") in pairs(network(client, "1980-01-01"), "certain")
    csto = "collective-security-treaty-1992"
    armenia = [e["data"] for e in view["edges"] if e["data"]["source"] == "ARM"]
    assert [data["status"] for data in armenia if data["target"] == csto] == ["frozen"]
    assert ("RUS", "ARM") in pairs(view, "possible")
    assert ("BLR", "ARM") in pairs(view, "possible")  # through the CSTO alone: frozen


@pytest.mark.parametrize("date", ["yesterday", "1975-13-01", "2024-02-30", "<script>"])
def test_a_bad_date_is_a_clear_400(client, date):
    response = client.get(f"/explore/network.json?date={date}")
    assert response.status_code == 400
    assert "date" in response.get_data(as_text=True)


def test_the_network_page_lists_the_obligations_as_html(client):
    page = client.get("/explore/network?date=1975", headers={"Accept": BROWSER_ACCEPT})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-src="/explore/network.json?date=1975-01-01"' in body
    # the table is paged (50 rows a page): the Soviet Union is on one of its pages
    pages = [body]
    while 'rel="next"' in pages[-1]:
        pages.append(client.get(f"/explore/network?date=1975&page={len(pages) + 1}",
                                headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True))
    assert any('href="http://localhost/id/state/SUN"' in text for text in pages)


def test_the_timeline_has_treaties_and_invocations_in_order(client):
    body = client.get("/explore/timeline").get_data(as_text=True)
    signed = body.index('datetime="1949-04-04"')
    invoked = body.index('datetime="2001-09-12"')
    kursk = body.index('datetime="2025-04-28"')
    assert signed < invoked < kursk
    assert "disputed" in body  # the readings of the US–ROK entry into force


def test_every_example_is_served_with_its_prefixes_and_parses_alone(client):
    examples = load_examples()
    assert {e.name for e in examples} == {p.stem for p in QUERIES.glob("*.rq")}
    for example in examples:
        response = client.get(f"/queries/{example.name}.rq")
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-query"
        text = response.get_data(as_text=True)
        assert text.startswith(f"# id: {example.id}\n# title: {example.title}\n")
        prepareQuery(text)  # no prefix left undeclared: it runs at any endpoint
    assert client.get("/queries/no-such-question.rq").status_code == 404


def test_the_served_examples_run_at_the_endpoint(client):
    for example in load_examples():
        response = client.post("/sparql", data={"query": example.standalone},
                               headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, example.name
        assert json.loads(response.data)["results"]["bindings"], example.name


def test_void_lists_the_example_questions(client):
    graph = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    dataset = URIRef("https://w3id.org/pactgraph/dataset")
    listed = set(graph.objects(dataset, RDFS.seeAlso))
    for example in load_examples():
        url = URIRef(f"http://localhost/queries/{example.name}.rq")
        assert url in listed
        assert str(graph.value(url, DCTERMS.title)) == example.title


def test_a_state_page_says_who_must_help_it(client):
    body = client.get("/doc/state/PHL", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    assert "If the Philippines is attacked, who is obliged to help?" in body
    section = body[body.index('id="who-must-help"'):body.index('id="commitments"')]
    assert 'href="http://localhost/id/state/USA"' in section
    assert "constitutional processes" in section
    assert 'href="http://localhost/id/treaty/us-philippines-mdt-1951"' in section


def test_a_state_page_lists_every_commitment_it_is_named_in(app):
    """Each commitment a state is party to, concerned by or a member of, once per membership:
    found from the state (pages/state.py), as read here from every commitment."""
    from collections import Counter

    from pactgraph.namespaces import PG
    from pactgraph.pages.labeller import Labeller
    from pactgraph.pages.our_iris import IriMap
    from pactgraph.pages.readers import commitment_classes_members
    from pactgraph.pages.state import state_commitments
    from pactgraph.web.context import publication_of

    published = publication_of(app)
    graph, base = published.graph, published.settings["base_iri"]
    labels = Labeller(graph, IriMap(base, base.rstrip("/")))  # links are the IRIs themselves
    expected: dict[URIRef, Counter] = {}  # read from each commitment to its states
    for commitment in commitment_classes_members(graph):
        parties = set(graph.objects(commitment, PG.party))
        concerned = set(graph.objects(commitment, PG.concerns))
        members = Counter(graph.value(m, PG.member)
                          for m in graph.subjects(PG.membershipOf, commitment))
        for state in parties | concerned | set(members):
            role = "party" if state in parties else "concerned" if state in concerned else "member"
            expected.setdefault(state, Counter())[str(commitment), role] += max(1, members[state])
    roles, from_memberships = Counter(), 0
    for state in graph.subjects(RDF.type, PG.State):
        rows = state_commitments(graph, state, labels)
        listed = Counter((row.commitment.href, row.role) for row in rows)
        assert listed == expected.get(state, Counter()), state
        roles.update(role for _, role in listed)
        from_memberships += sum(row.participation is not None for row in rows)
    assert set(roles) >= {"party", "concerned"} and from_memberships > 100


def _rows_of(rows) -> Counter:
    return Counter(tuple(sorted(row.items())) for row in rows)


def test_a_state_page_reads_question_1_s_rows_about_that_state(app, monkeypatch):
    """A state's page reads only its own rows of question 1 (the paged form's page of that
    state): for every state, question 1's rows in which it is attacked, each as often; and the
    same, filtered from question 1 whole, without the paged form."""
    from pactgraph.namespaces import PG
    from pactgraph.web.context import publication_of
    from pactgraph.web.routes import explore

    graph = publication_of(app).graph
    with app.test_request_context():
        whole = explore.who_must_help_rows()
        states = sorted(str(state) for state in graph.subjects(RDF.type, PG.State))
        for state in states:
            expected = _rows_of(row for row in whole if row["attacked"] == state)
            assert _rows_of(explore.who_must_help_rows_about(state)) == expected, state
        monkeypatch.setattr(explore, "WHO_MUST_HELP_BY_PAGE", "no-such-question")
        for state in states[::10]:
            expected = _rows_of(row for row in whole if row["attacked"] == state)
            assert _rows_of(explore.who_must_help_rows_about(state)) == expected, state
    assert len({row["attacked"] for row in whole}) > 30 and len(states) > 100


def test_today_is_the_default_date(client):
    assert network(client)["date"] == datetime.date.today().isoformat()


def test_network_answers_depend_on_today_so_are_kept_until_midnight(small_app,
                                                                    monkeypatch) -> None:
    """On the fixture site, with an empty cache of its own (so no other test's pages count)."""
    from pactgraph import clock
    from pactgraph.build.memory import ResponseCache
    from pactgraph.web.context import publication_of

    cache = ResponseCache(max_entries=100, max_bytes=10_000_000)
    monkeypatch.setitem(vars(publication_of(small_app)), "answers", cache)
    monkeypatch.setattr(small_app.wsgi_app, "cache", cache)  # the front cache's
    client = small_app.test_client()
    paths = ("/explore/network", "/explore/network.json", "/explore/network.json?date=1975")
    for path in paths:
        left = clock.seconds_left_today({})
        first = client.get(path)
        assert first.status_code == 200
        max_age = int(first.headers["Cache-Control"].removeprefix("public, max-age="))
        assert max_age <= max(left, 1) or left < 5  # the day may turn while it is answered
    assert len(cache) == len(paths)
    # On the next day the same requests miss: the front cache's key carries the date.
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(clock, "system_day", tomorrow.isoformat)
    for path in paths:
        client.get(path)
    assert len(cache) == 2 * len(paths)


def test_a_kept_network_follows_today(client, monkeypatch) -> None:
    """Networks are kept per day, but frozen participation is today's: once the day asked for is
    past, the same date's network no longer applies it."""
    from pactgraph import clock

    day = "2031-06-01"  # a date no other test asks for
    monkeypatch.setattr(clock, "system_day", lambda: day)  # the day moves for every cache
    frozen_then = [e for e in network(client, day)["edges"] if e["data"]["status"] == "frozen"]
    assert frozen_then and network(client, day) == network(client, day)
    monkeypatch.setattr(clock, "system_day", lambda: "2031-06-02")
    assert not [e for e in network(client, day)["edges"] if e["data"]["status"] == "frozen"]


def test_an_answer_on_today_sent_again_later_is_kept_only_until_midnight(small_app, monkeypatch):
    """The front cache sends a stored answer on "today" with the time left now, not the max-age
    written when it was stored: stored at 10 p.m., sent again at 11:58, it may be kept 2 minutes."""
    from pactgraph import clock
    from pactgraph.build.memory import ResponseCache
    from pactgraph.web.middleware.front_cache import FrontCache
    assert isinstance(small_app.wsgi_app, FrontCache)
    cache = ResponseCache(100, 10_000_000)
    monkeypatch.setattr(small_app.wsgi_app, "cache", cache)
    client = small_app.test_client()
    monkeypatch.setattr(clock, "seconds_left_today", lambda settings: 7_200)
    first = client.get("/api/obligations?protected=NZL")
    longest = int(small_app.config["PACTGRAPH"]["cache_max_age_seconds"])
    assert first.headers["Cache-Control"] == f"public, max-age={min(7_200, longest)}"
    monkeypatch.setattr(clock, "seconds_left_today", lambda settings: 120)
    kept = len(cache)
    again = client.get("/api/obligations?protected=NZL")
    assert len(cache) == kept >= 1  # sent again by the front cache, not answered anew
    assert again.get_data() == first.get_data()
    assert again.headers["Cache-Control"] == "public, max-age=120"
