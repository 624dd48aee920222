"""Issue 17 in a real browser: search as you type, share links, readable results and errors in
the editor, and pages that read on a 390 px phone. Screenshots of the landing page, a state page,
the editor and the indexes at 1280 and 390 px go to artifacts/screenshots/readers/."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib.namespace import RDF

from pactgraph.namespaces import PG

from .conftest import SCREENSHOTS, Visit
from .test_pages import assert_clean, visit

PHONE_390 = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
SHOTS = SCREENSHOTS / "readers"


def shoot(page: Visit, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def editor_query(p) -> str:
    return p.evaluate("() => document.querySelector('.tabPanel.active .CodeMirror')"
                      ".CodeMirror.getValue()")


def set_editor_query(p, text: str) -> None:
    p.evaluate("(text) => document.querySelector('.tabPanel.active .CodeMirror')"
               ".CodeMirror.setValue(text)", text)


# --- Search ---------------------------------------------------------------------------------------

def test_a_misspelt_state_is_found_as_you_type_and_opened_with_the_keyboard(open_page, site):
    page = visit(open_page, site.url + "/")
    p = page.page
    box = p.get_by_role("combobox", name="Find a state or a pact")
    box.press_sequentially("Philipines", delay=30)
    first = p.locator("#site-search-hits [role=option]").first
    first.wait_for()
    assert first.locator("a").inner_text() == "Philippines"
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    p.wait_for_url("**/doc/state/PHL")
    assert p.locator("h1").inner_text() == "Philippines"
    assert_clean(page, site.url)


def test_without_javascript_the_search_box_lists_matches_on_a_page(open_page, site):
    page = visit(open_page, site.url + "/", javascript=False)
    p = page.page
    p.get_by_role("combobox", name="Find a state or a pact").fill("NATO")
    p.get_by_role("button", name="Search").first.click()
    p.wait_for_url("**/search?q=NATO")
    assert p.locator("ol.search-hits a").first.inner_text() == "North Atlantic Treaty"
    assert_clean(page, site.url)


# --- Share links ----------------------------------------------------------------------------------

SHORT = "SELECT ?state ?stateLabel WHERE { ?state a pg:State ; rdfs:label ?stateLabel } LIMIT 3"


def run_and_wait(p) -> None:
    p.locator(".yasqe_queryButton:visible").click()
    p.locator(".tabPanel.active .readable-results tbody tr").first.wait_for()


@pytest.mark.parametrize("padding", [0, 3000])
def test_a_query_run_in_the_editor_is_kept_in_the_url_and_opens_from_it(open_page, site,
                                                                       padding):
    query = ("# " + "x" * padding + "\n" if padding else "") + SHORT
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    set_editor_query(p, query)
    run_and_wait(p)
    p.wait_for_function("() => location.search.length > 1 || location.hash.length > 1")
    link = p.url
    parts = urlsplit(link)
    if padding:  # too long for a plain link: compressed after #z=, nothing kept on the server
        assert parts.fragment.startswith("z=") and not parts.query
        assert len(link) < len(query) // 2
    else:
        assert parse_qs(parts.query)["query"] == [query]
    other = visit(open_page, link)
    q = other.page
    q.locator(".tabPanel.active .readable-results tbody tr").first.wait_for()
    assert editor_query(q) == query
    assert q.locator(".tabPanel.active .readable-results tbody tr").count() == 3
    assert_clean(page, site.url)
    assert_clean(other, site.url)


# --- Readable results and errors in the editor ----------------------------------------------------

def test_results_show_labels_as_links_unquoted_literals_and_one_row_per_event(
        open_page, site, published_graph):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    p.get_by_role("button", name="Which pacts have ever been invoked").click()
    rows = p.locator(".tabPanel.active .readable-results tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(set(published_graph.subjects(RDF.type, PG.Invocation)))
    headers = p.locator(".tabPanel.active .readable-results thead th").all_inner_texts()
    assert "invocation" in headers and "invocationLabel" not in headers
    first = rows.first.locator("td").first.locator("a")
    assert not first.inner_text().startswith("id:")  # its label, linked to its page
    assert first.get_attribute("href").startswith(site.url + "/id/invocation/")
    cells = p.locator(".tabPanel.active .readable-results tbody td").all_inner_texts()
    assert not any(cell.startswith('"') for cell in cells)
    assert rows.first.locator("td a.external").count() >= 1  # the sources, as links
    shoot(page, "editor-results-1280")
    assert_clean(page, site.url)


def test_a_syntax_error_in_the_editor_names_the_word_with_a_caret(open_page, site):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    set_editor_query(p, "SELEC * WHERE { ?s ?p ?o }")
    p.locator(".yasqe_queryButton:visible").click()
    error = p.locator(".tabPanel.active .yasr pre.error-at")
    error.wait_for()
    text = error.inner_text()
    assert "did you mean SELECT?" in text and "\n  ^^^^^" in text


# --- Phone ----------------------------------------------------------------------------------------

READER_PAGES = {"landing": "/", "state": "/doc/state/PHL", "editor": "/sparql",
                "states": "/states/", "commitments": "/commitments/",
                "treaty": "/doc/treaty/north-atlantic-treaty-1949"}
BROKEN_WORDS = """() => [...document.querySelectorAll('table thead th')].filter(th =>
    th.offsetParent !== null).flatMap(th => {
  const broken = [];
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
})"""


@pytest.mark.parametrize("name", list(READER_PAGES))
@pytest.mark.parametrize("viewport", ["1280", "390"])
def test_reader_pages_fit_and_keep_headers_whole(open_page, site, name, viewport):
    page = visit(open_page, site.url + READER_PAGES[name],
                 viewport=PHONE_390 if viewport == "390" else WIDE)
    p = page.page
    if name == "editor":
        p.wait_for_selector(".yasgui .tabsList")
    p.wait_for_load_state("networkidle")
    shoot(page, f"{name}-{viewport}")
    overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} is {overflow}px wider than the screen"
    assert p.evaluate(BROKEN_WORDS) == []
    for box in p.locator(".scroll").all():  # a wide table shows that it scrolls
        assert "gradient" in box.evaluate("e => getComputedStyle(e).backgroundImage")
    assert_clean(page, site.url)


def test_on_a_phone_the_landing_table_shows_status_without_scrolling(open_page, site):
    page = visit(open_page, site.url + "/", viewport=PHONE_390)
    status = page.page.locator("table.grid thead th", has_text="Status").bounding_box()
    assert status["x"] + status["width"] <= PHONE_390["width"]


def test_on_a_phone_the_editor_tabs_stay_on_one_row_and_the_run_button_off_the_query(
        open_page, site):
    page = visit(open_page, site.url + "/sparql", viewport=PHONE_390)
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    tops = {round(box["y"]) for box in
            (tab.bounding_box() for tab in p.locator(".yasgui .tabsList .tab").all()) if box}
    assert len(tops) == 1
    assert p.locator(".yasqe_share:visible").count() == 0  # "Copy link" shares instead
    # The run button sits at the foot of the editor's box, which hides whatever overflows it: the
    # button must be inside that box and be what a tap on it reaches, with nothing scrolled.
    # (It once lay just below the box, where a phone showed no button at all.)
    run = p.locator(".yasqe_queryButton:visible").bounding_box()
    code = p.locator(".tabPanel.active .CodeMirror").bounding_box()
    assert code["y"] <= run["y"] and run["y"] + run["height"] <= code["y"] + code["height"]
    assert p.evaluate("""([x, y]) => {
        const editor = document.querySelector('.tabPanel.active .CodeMirror');
        const hit = document.elementFromPoint(x, y);
        return editor.scrollTop === 0 && hit.closest('.yasqe_queryButton') !== null;
    }""", [run["x"] + run["width"] / 2, run["y"] + run["height"] / 2])
    # ... and off the query: scrolled to its end, the last line stays above the button
    last_line_bottom = p.evaluate("""() => {
        const editor = document.querySelector('.tabPanel.active .CodeMirror').CodeMirror;
        editor.scrollTo(null, editor.getScrollInfo().height);
        return editor.charCoords({line: editor.lastLine(), ch: 0}, 'window').bottom;
    }""")
    assert editor_query(p).count("\n") >= 10  # long enough to scroll
    assert last_line_bottom <= run["y"]


# --- The world map --------------------------------------------------------------------------------

def test_the_map_colours_the_state_and_those_obliged_to_help_it(open_page, site):
    page = visit(open_page, site.url + "/explore/map?state=PHL")
    p = page.page
    p.wait_for_selector("#world-map[data-ready='true']")
    listed = p.locator("#map-helpers li[data-iso]").evaluate_all(
        "items => items.map(li => li.dataset.iso)")
    assert "USA" in listed
    assert p.locator("path.country.selected").evaluate_all(
        "paths => paths.map(p => p.dataset.iso)") == ["PHL"]
    coloured = p.locator("path.country.helper").evaluate_all(
        "paths => paths.map(p => p.dataset.iso)")
    assert sorted(coloured) == sorted(iso for iso in listed if iso != "PHL")
    shoot(page, "map-1280")
    p.locator("path.country[data-iso='USA']").click()
    p.wait_for_url("**/explore/map?state=USA")
    assert "United States" in p.locator("h1").inner_text()
    assert_clean(page, site.url)


def test_a_state_that_no_longer_exists_is_listed_beside_the_map_not_drawn(open_page, site):
    page = visit(open_page, site.url + "/explore/map?state=SUN", viewport=PHONE_390)
    p = page.page
    p.wait_for_selector("#world-map[data-ready='true']")
    assert p.locator("path.country.selected").count() == 0
    note = p.locator("#map-not-drawn")
    assert note.is_visible() and "SUN" in note.inner_text()
    shoot(page, "map-390")
    assert_clean(page, site.url)


def test_results_that_name_states_can_be_seen_on_the_map(open_page, site):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    set_editor_query(p, "SELECT ?state WHERE { VALUES ?state { id:state\\/PHL id:state\\/USA "
                        "id:state\\/SUN } }")
    run_and_wait(p)
    p.locator(".tabPanel.active .yasr_btn.select_statemap").click()
    p.wait_for_selector(".tabPanel.active .results-map[data-ready='true']")
    named = p.locator(".tabPanel.active path.country.named").evaluate_all(
        "paths => paths.map(p => p.dataset.iso).sort()")
    assert named == ["PHL", "USA"]
    assert "SUN" in p.locator(".tabPanel.active .results-map .not-drawn").inner_text()
    assert_clean(page, site.url)


@pytest.fixture(scope="module")
def dated_site(small_app):
    """The fixture site with a stand-in for the obligations issue's API (GET /api/obligations?
    protected=XXX&date=YYYY-MM-DD, the guarantors of XXX on that date): before 2000 only the
    United States guarantees Australia, afterwards New Zealand too."""
    from flask import jsonify, request

    from pactgraph.web.app import create_app

    from .conftest import serve_in_thread

    app = create_app(small_app.config["PACTGRAPH"])

    # A stand-in for the obligations API, so that the map is tested against its contract with
    # dates of our choosing; it replaces the real view (the fixture site has no such history).
    def obligations(extension=None):
        date = request.args["date"]
        codes = ["USA"] if date < "2000-01-01" else ["USA", "NZL"]
        return jsonify({"protected": request.args["protected"], "date": date,
                        "guarantors": [{"state": f"https://w3id.org/pactgraph/id/state/{c}",
                                        "iso": c} for c in codes]})

    app.view_functions["api.obligations"] = obligations

    server = serve_in_thread(app)
    yield server
    server.stop()


def test_the_map_asks_the_obligations_api_for_another_date(open_page, dated_site):
    page = visit(open_page, dated_site.url + "/explore/map?state=AUS&date=1990-06-01")
    p = page.page
    p.wait_for_selector("#world-map[data-ready='true']")
    date = p.get_by_label("on")
    date.wait_for()
    assert date.input_value() == "1990-06-01"
    helpers = "paths => paths.map(p => p.dataset.iso).sort()"
    p.wait_for_function("() => document.getElementById('map-as-of').textContent === "
                        "'on 1990-06-01'")
    assert p.locator("path.country.helper").evaluate_all(helpers) == ["USA"]
    date.fill("2010-01-01")
    date.dispatch_event("change")
    p.wait_for_function("() => document.getElementById('map-as-of').textContent === "
                        "'on 2010-01-01'")
    assert p.locator("path.country.helper").evaluate_all(helpers) == ["NZL", "USA"]
    assert_clean(page, dated_site.url)
