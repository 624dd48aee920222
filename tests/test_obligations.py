"""Who must defend whom on a date (issue 13): the derived obligations against the hand-checked
oracle, and the same answer from every interface (API JSON, CSV, the state page, the example query).

"Today" is the ``today`` setting, set here; no test reads the calendar.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph import clock
from pactgraph.build.examples import load_examples
from pactgraph.build.memory import ResponseCache
from pactgraph.knowledge.derivation import commitments_of
from pactgraph.knowledge.obligations import derive
from pactgraph.knowledge.sources import Knowledge, SourceGraphs
from pactgraph.namespaces import PG
from pactgraph.pages.obligations import COLUMNS

ROOT = Path(__file__).parents[1]
ORACLE = Path(__file__).parent / "fixtures" / "obligations" / "oracle.csv"
STATE = "https://w3id.org/pactgraph/id/state/"
TODAY = "2026-12-01"


def oracle_rows() -> list[dict[str, str]]:
    with ORACLE.open(encoding="utf-8", newline="") as table:
        return list(csv.DictReader(table))


# The dates the issue names: every interface is compared on each (the oracle's other dates are
# checked against the API above).
DATES = ("1961-07-15", "1980-01-01", "1996-09-11", "2001-09-12", TODAY)


@pytest.fixture()
def today_is(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ``today`` setting fixed for one test. The front cache is the test's own meanwhile: its
    key carries the system's date, not the setting, so an answer kept for the fixed day would
    otherwise be sent to later tests (with a max-age no midnight caps)."""
    monkeypatch.setitem(app.extensions["pactgraph"].settings, "today", TODAY)
    monkeypatch.setattr(app.wsgi_app, "cache", ResponseCache(100, 50_000_000))
    return TODAY


def code(iri: str) -> str:
    return iri.removeprefix(STATE)


def by_certainty(found: list[dict]) -> tuple[set[str], set[str]]:
    """(certain guarantors, guarantors only possibly bound) of API rows or CSV rows."""
    certain = {code(r["guarantor"]) for r in found if r["certainty"] == "certain"}
    return certain, {code(r["guarantor"]) for r in found} - certain


def api(client, **params) -> dict:
    response = client.get("/api/obligations", query_string=params,
                          headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --- The oracle ----------------------------------------------------------------------------------

@pytest.mark.parametrize("row", oracle_rows(), ids=lambda r: f"{r['protected']}-{r['date']}")
def test_the_api_agrees_with_the_hand_checked_oracle(client, today_is, row) -> None:
    answer = api(client, protected=row["protected"], date=row["date"])
    certain, possible = by_certainty(answer["obligations"])
    assert certain == set(row["guarantors"].split()), row["notes"]
    assert possible == set(row["maybe"].split()), row["notes"]


def test_the_oracle_covers_the_dates_and_hard_cases_the_issue_names() -> None:
    rows = oracle_rows()
    assert len(rows) >= 15
    assert {"1961-07-15", "1980-01-01", "1996-09-11", "2001-09-12", TODAY} <= {r["date"]
                                                                               for r in rows}
    assert {"suspension", "frozen", "disputed-lapse", "policy-statement"} <= {r["kind"]
                                                                              for r in rows}
    assert all(r["sources"].strip() for r in rows)


# --- One question, every interface ---------------------------------------------------------------

def _page_pairs(client, state: str, day: str) -> dict[str, str]:
    """Guarantor -> certainty, from the table on the state's page for ``day``."""
    page = client.get(f"/doc/state/{state}?date={day}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    section = text[text.find('<section class="on-date"'):]
    section = section[:section.find("</section>")]
    found: dict[str, str] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]:
        guarantor = re.search(r'href="[^"]*/state/([A-Za-z-]+)"', row).group(1)
        certainty = re.search(r'class="certainty (\w+)"', row).group(1)
        found[guarantor] = "certain" if "certain" in (found.get(guarantor), certainty) \
            else certainty
    return found


def _query_pairs(store, text: str, state: str, day: str) -> dict[str, str]:
    asked = text.replace("<https://w3id.org/pactgraph/id/state/PHL>", f"<{STATE}{state}>") \
        .replace('"2026-12-01"^^xsd:date', f'"{day}"^^xsd:date')
    found: dict[str, str] = {}
    for row in store.query(asked).value:
        guarantor, certainty = code(row["guarantor"].value), row["certainty"].value
        found[guarantor] = "certain" if "certain" in (found.get(guarantor), certainty) \
            else certainty
    return found


def _pairs(found: list[dict]) -> dict[str, dict[str, str]]:
    """protected -> guarantor -> 'certain' or 'possible' (certain under any treaty wins)."""
    pairs: dict[str, dict[str, str]] = {}
    for r in found:
        into = pairs.setdefault(code(r["protected"]), {})
        g = code(r["guarantor"])
        into[g] = "certain" if "certain" in (into.get(g), r["certainty"]) else r["certainty"]
    return pairs


@pytest.mark.parametrize("day", DATES)
def test_every_state_gets_the_same_answer_from_every_interface(client, app, today_is,
                                                               published_graph, day) -> None:
    states = sorted(code(str(s)) for s in published_graph.subjects(RDF.type, PG.State))
    from_json = _pairs(api(client, date=day)["obligations"])
    response = client.get("/api/obligations.csv", query_string={"date": day})
    from_csv = _pairs(list(csv.DictReader(io.StringIO(response.get_data(as_text=True)))))
    assert from_csv == from_json
    question = load_examples(ROOT / "queries").by_id("who-must-defend-on-date")
    store = app.extensions["pactgraph"].store
    for state in states:
        expected = from_json.get(state, {})
        assert _query_pairs(store, question.text, state, day) == expected, state
        assert _page_pairs(client, state, day) == expected, state


# --- The API itself ------------------------------------------------------------------------------

def test_no_date_means_the_injected_today_kept_like_any_answer(client, today_is) -> None:
    """A fixed ``today`` never moves: its answer may be kept as long as a dated one."""
    response = client.get("/api/obligations?protected=PHL")
    assert response.get_json()["date"] == TODAY
    dated = client.get(f"/api/obligations?protected=PHL&date={TODAY}")
    assert dated.get_json()["obligations"] == response.get_json()["obligations"]
    assert response.headers["Cache-Control"] == dated.headers["Cache-Control"] == (
        "public, max-age=3600")


def test_an_answer_on_the_systems_today_is_kept_until_midnight_at_most(client) -> None:
    before = clock.seconds_left_today({})
    response = client.get("/api/obligations?protected=PHL")
    after = clock.seconds_left_today({})
    kept = int(response.headers["Cache-Control"].removeprefix("public, max-age="))
    # the day may turn between the two readings: then the answer's own reading lies in the new day
    assert min(3600, after) <= kept <= min(3600, before) or after > before


def test_csv_by_accept_or_extension_with_its_table_schema(client, today_is) -> None:
    by_accept = client.get("/api/obligations?protected=PRK&date=1996-09-11",
                           headers={"Accept": "text/csv"})
    by_extension = client.get("/api/obligations.csv?protected=PRK&date=1996-09-11")
    assert by_accept.mimetype == by_extension.mimetype == "text/csv"
    assert by_accept.get_data() == by_extension.get_data()
    assert "Accept" in by_accept.headers["Vary"]
    rows = list(csv.reader(io.StringIO(by_accept.get_data(as_text=True))))
    schema_link = re.search(r"<([^>]+)>; rel=\"describedby\"", by_accept.headers["Link"]).group(1)
    schema = client.get(schema_link).get_json()
    columns = schema["tableSchema"]["columns"]
    assert rows[0] == [c["name"] for c in columns] == [name for name, _, _ in COLUMNS]
    assert all(c["dc:description"] for c in columns)
    for row in rows[1:]:
        for value, column in zip(row, columns, strict=True):
            if column["required"]:
                assert value, column["name"]
            if column["datatype"] == "date" and value:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            if column["datatype"] == "boolean":
                assert value in ("true", "false")
    assert {r[2] for r in rows[1:]} == {STATE + "CHN", STATE + "RUS"}


@pytest.mark.parametrize(("query", "status"), [
    ("protected=PHL&date=2026-13-01", 400), ("protected=PHL&date=yesterday", 400),
    ("protected=ph", 400), ("protected=XYZ", 404), ("guarantor=<script>", 400),
    ("treaty=No%20Such", 400), ("treaty=no-such-treaty", 404)])
def test_bad_questions_get_a_clear_error(client, query: str, status: int) -> None:
    response = client.get(f"/api/obligations?{query}")
    assert response.status_code == status
    assert "Traceback" not in response.get_data(as_text=True)


def test_filters_by_guarantor_and_treaty(client, today_is) -> None:
    nato = api(client, treaty="north-atlantic-treaty-1949", guarantor="USA", date="2001-09-12")
    assert {code(r["protected"]) for r in nato["obligations"]} >= {"POL", "NOR", "DEU"}
    assert {r["commitment"].rsplit("/", 1)[-1] for r in nato["obligations"]} \
        == {"north-atlantic-treaty-1949"}
    assert {code(r["guarantor"]) for r in nato["obligations"]} == {"USA"}


def test_policy_statements_and_consultation_are_never_obligations(published_graph) -> None:
    under = {str(c).rsplit("/", 1)[-1]
             for c in published_graph.objects(None, PG.underCommitment)}
    assert "taiwan-relations-act-1979" not in under
    assert "russia-vietnam-joint-statement-2024" not in under
    clauses = {str(c) for c in published_graph.objects(None, PG.underClause)}
    assert not {c for c in clauses if c.endswith(("collective-security-treaty-1992/article-2",
                                                  "russia-dprk-partnership-treaty-2024/article-3",
                                                  "taiwan-relations-act-1979/article-2-b"))}


def test_which_pacts_bind_the_usa_in_the_asia_pacific_is_a_short_query(app) -> None:
    rows = app.extensions["pactgraph"].store.query(r"""
        SELECT DISTINCT ?treaty WHERE {
          ?o pg:guarantor <https://w3id.org/pactgraph/id/state/USA> ; pg:underCommitment ?treaty ;
             pg:protectedParty/pg:inRegion/pg:withinRegion* id:region\/asia-pacific .
          FILTER NOT EXISTS { ?o pg:possibleUntil ?until }
        }""").value
    found = {r["treaty"].value.rsplit("/", 1)[-1] for r in rows}
    # The 1959 US-Pakistan Agreement of Cooperation (Art. I, one-sided): its status is unconfirmed
    # and no end is reported, so its obligation to Pakistan may still hold (no possibleUntil).
    assert found == {"us-japan-security-treaty-1960", "us-rok-mdt-1953", "us-philippines-mdt-1951",
                     "anzus-1951", "manila-pact-1954", "us-pakistan-agreement-of-cooperation-1959"}


# --- Published as linked data ---------------------------------------------------------------------

def test_obligations_dereference_and_name_their_evidence(client, published_graph) -> None:
    node = next(iter(published_graph.subjects(RDF.type, PG.DefenseObligation)))
    rest = str(node).removeprefix("https://w3id.org/pactgraph/id/")
    assert client.get(f"/id/{rest}", headers={"Accept": "text/turtle"}).status_code == 303
    described = Graph().parse(data=client.get(f"/doc/{rest}.ttl").get_data(as_text=True),
                              format="turtle")
    assert (node, RDF.type, PG.DefenseObligation) in described
    assert any(True for _ in described.objects(node, URIRef("http://www.w3.org/ns/prov#"
                                                           "wasDerivedFrom")))


def test_superclass_types_are_entailed_so_every_treaty_is_a_treaty(app) -> None:
    store = app.extensions["pactgraph"].store
    treaties = {r["t"].value for r in store.query("SELECT ?t WHERE { ?t a pg:Treaty }").value}
    defense = {r["t"].value for r in store.query(
        "SELECT ?t WHERE { GRAPH ?g { ?t a pg:MutualDefenseTreaty } }").value}
    assert defense and defense <= treaties
    assert len(treaties) >= 12


def test_the_dump_holds_the_obligations(client) -> None:
    dump = client.get("/download/pactgraph.nt")
    assert dump.status_code == 200
    assert f"<{PG.DefenseObligation}>".encode() in dump.get_data()


# --- Derived at build, checked by shapes, never by hand -------------------------------------------

SITE = Path(__file__).parent / "fixtures" / "site"


def _site_with_nzl_from(tmp_path: Path, day: str) -> Path:
    folder = tmp_path / day
    shutil.copytree(SITE, folder)
    treaty = folder / "anzus-1951.ttl"
    text = treaty.read_text(encoding="utf-8")
    nzl = ('member:NZL a pg:Membership ; pg:membershipOf treaty:anzus-1951 ; '
           'pg:member state:NZL ;\n    pg:memberFrom "1952-04-29"^^xsd:date ;')
    assert nzl in text
    treaty.write_text(text.replace(nzl, nzl.replace("1952-04-29", day)), encoding="utf-8")
    return folder


def test_a_changed_membership_date_moves_the_obligation(small_site, tmp_path) -> None:
    answers = {}
    for day in ("1952-04-29", "1960-01-01"):
        app = small_site(data_paths=[str(_site_with_nzl_from(tmp_path, day))])
        client = app.test_client()
        answers[day] = {d: by_certainty(api(client, protected="NZL", date=d)["obligations"])[0]
                        for d in ("1955-01-01", "1960-01-01")}
    assert answers["1952-04-29"] == {"1955-01-01": {"AUS", "USA"}, "1960-01-01": {"AUS", "USA"}}
    assert answers["1960-01-01"] == {"1955-01-01": set(), "1960-01-01": {"AUS", "USA"}}


@pytest.fixture(scope="module")
def site_knowledge() -> Knowledge:
    from pactgraph import settings
    resolved = settings.resolve()
    return Knowledge.load(resolved["ontology_paths"], [SITE], resolved["shapes_paths"])


def test_derived_obligations_pass_their_shapes(site_knowledge: Knowledge) -> None:
    assert site_knowledge.validate().conforms
    assert len(set(site_knowledge.derived.obligation_graph.subjects(
        RDF.type, PG.DefenseObligation))) == 3  # one per protected party, every guarantor listed


def test_an_obligation_written_by_hand_is_refused(tmp_path: Path) -> None:
    from pactgraph import settings
    folder = tmp_path / "site"
    shutil.copytree(SITE, folder)
    (folder / "by-hand.ttl").write_text(
        "<https://w3id.org/pactgraph/id/treaty/anzus-1951/article-iv/obligation/NZL-1952-04-29>"
        " a <https://w3id.org/pactgraph/def#DefenseObligation> .\n", encoding="utf-8")
    resolved = settings.resolve()
    report = Knowledge.load(resolved["ontology_paths"], [folder],
                            resolved["shapes_paths"]).validate()
    assert not report.conforms
    assert any("never write one by hand" in f.message for f in report.violations)


def test_derivation_code_is_part_of_the_store_version(monkeypatch, tmp_path: Path) -> None:
    from pactgraph.build import versions
    package = tmp_path / "pactgraph"
    shutil.copytree(versions.PACKAGE_ROOT, package)
    monkeypatch.setattr(versions, "PACKAGE_ROOT", package)
    before = versions.code_hash()
    rules = package / "knowledge" / "obligations.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a changed rule\n", encoding="utf-8")
    assert versions.code_hash() != before


def test_derivation_on_the_bundled_data_lists_no_obligation_of_a_statement() -> None:
    from pactgraph import settings
    resolved = settings.resolve()
    ontology = SourceGraphs.load(resolved["ontology_paths"]).graph
    data = SourceGraphs.load(resolved["data_paths"]).graph
    obligations = derive(ontology + data, commitments_of(data))
    assert obligations
    assert not [o for o in obligations
                if (o.commitment, RDF.type, PG.Statute) in data
                or (o.commitment, RDF.type, PG.Declaration) in data]


def test_rows_without_sources_differ_from_the_apis_only_in_their_sources(app) -> None:
    """Pages ask for the rows without each pair's sources (they link its evidence instead), which
    costs a third of the time: every other column must be the API's."""
    import dataclasses

    from pactgraph.pages.obligations import Question, rows

    select = app.extensions["pactgraph"].engine.select
    asked = Question("2024-07-01", treaty="https://w3id.org/pactgraph/id/treaty/anzus-1951")
    full, lean = rows(asked, select), rows(dataclasses.replace(asked, sources=False), select)
    assert full and all(row["sources"] for row in full)
    assert all(row["sources"] == "" for row in lean)
    assert [{**row, "sources": ""} for row in full] == lean


ANZUS = "https://w3id.org/pactgraph/id/treaty/anzus-1951"


@pytest.mark.parametrize("day", ["1952-04-28", "1952-04-29", "1986-06-30", "1987-01-01",
                                 "2001-09-12", "2026-12-01"])
def test_what_changed_on_a_day_is_read_from_one_query_as_from_two(app, day) -> None:
    """A page's "Began"/"Ended" lines compare the day with the day before; one query over both
    days (each row's interval tells which) must give what two queries gave."""
    import dataclasses

    from pactgraph.pages.obligations import Question, rows
    from pactgraph.pages.on_date import day_before, on_date

    engine = app.extensions["pactgraph"].engine
    asked = Question(day, treaty=ANZUS, sources=False)
    queries: list[str] = []
    found = on_date(asked, lambda text: queries.append(text) or engine.select(text))

    def key(row: dict) -> tuple:
        return row["guarantor"], row["protected"], row["commitment"], row["certainty"]
    now = rows(asked, engine.select)
    before = rows(dataclasses.replace(asked, date=day_before(day)), engine.select)
    assert list(found.rows) == now
    assert {key(r) for r in found.began} == {key(r) for r in now} - {key(r) for r in before}
    assert {key(r) for r in found.ended} == {key(r) for r in before} - {key(r) for r in now}
    assert len(queries) <= 3  # the pairs, what their clauses say, and the names


def test_a_treaty_page_tells_which_pairs_began_on_its_entry_into_force(client) -> None:
    page = client.get("/doc/treaty/anzus-1951?date=1952-04-29", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Began: United States bound to defend Australia" in text
    assert "Ended:" not in text
    eve = client.get("/doc/treaty/anzus-1951?date=1952-04-28", headers={"Accept": "text/html"})
    assert "Began:" not in eve.get_data(as_text=True)
