"""The pages in a real browser: headless Chromium against a server on a loopback socket.

Every visit also checks that the page asked no other host for anything and that the browser
reported no Content-Security-Policy violation or script error. Screenshots of the main pages go to
artifacts/screenshots/ (not committed) for a reviewer to look at.
"""

from __future__ import annotations

import datetime
import json
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from pactgraph.web.app import create_app

from .conftest import DESKTOP, PHONE, Visit, serve_in_thread

NATO = "/doc/treaty/north-atlantic-treaty-1949"
RUSSIA_DPRK = "/doc/treaty/russia-dprk-partnership-treaty-2024"


def visit(open_page, url: str, **options) -> Visit:
    page = open_page(**options)
    page.page.goto(url)
    return page


def assert_clean(page: Visit, origin: str) -> None:
    assert page.outside_requests(origin) == []
    problems = page.problems()
    assert problems == [], "\n".join(problems)


# --- The query editor -----------------------------------------------------------------------------

def test_the_editor_runs_an_example_question_and_shows_rows(open_page, site):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    assert p.locator("#plain-form").is_hidden()  # the editor replaces the plain form
    tabs = p.locator(".yasgui .tabsList .tab")
    assert tabs.count() == 1 + p.locator("#examples li").count()
    p.get_by_role("button", name="Which pacts have ever been invoked").click()
    rows = p.locator(".yasr .readable-results table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 6
    table = p.locator(".yasr .readable-results table").inner_text()
    assert "North Atlantic Treaty" in table and "2001-09-12" in table
    our_links = p.locator(".yasr a[href*='/id/invocation/']")
    assert our_links.count() >= 1
    assert our_links.first.get_attribute("href").startswith(site.url + "/id/")
    p.locator(".tabPanel.active .yasr_header").scroll_into_view_if_needed()
    page.screenshot("editor-results-desktop")
    assert_clean(page, site.url)


def test_the_editor_sends_the_query_to_our_endpoint(open_page, site):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    with p.expect_request(lambda r: r.url == site.url + "/sparql" and r.method == "POST"):
        p.locator(".yasqe_queryButton:visible").click()
    p.locator(".yasr .readable-results table tbody tr").first.wait_for()
    assert "North Atlantic Treaty" in p.locator(".yasr").inner_text()
    assert_clean(page, site.url)


def test_without_javascript_the_examples_run_through_the_plain_form(open_page, site):
    page = visit(open_page, site.url + "/sparql", javascript=False)
    p = page.page
    assert p.locator("#plain-form").is_visible()
    p.get_by_role("link", name="Which pacts have ever been invoked").click()
    p.wait_for_selector("#plain-results table")
    assert "North Atlantic Treaty" in p.locator("#plain-results").inner_text()
    assert_clean(page, site.url)


# --- Resource pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False])
def test_a_treaty_page_shows_its_clause_and_invocation(open_page, site, javascript):
    page = visit(open_page, site.url + RUSSIA_DPRK, javascript=javascript)
    p = page.page
    clause = p.locator("article.clause#clause-4")
    assert "immediate" in clause.inner_text().lower()
    assert "with all means at its disposal" in clause.locator("blockquote").last.inner_text()
    assert "No geographic limit" in clause.inner_text()
    invocations = p.locator("#invocations + article.invocation, section:has(#invocations) article")
    assert "Kursk" in invocations.first.inner_text()
    assert p.locator("ol.timeline-mini time[datetime='2024-06-19']").count() == 1
    party = p.locator("table.parties").get_by_role("link", name="Russia")
    assert party.get_attribute("href") == site.url + "/id/state/RUS"
    codes = p.locator("table.parties td:nth-child(2)").all_inner_texts()
    assert sorted(codes) == ["PRK", "RUS"]
    assert_clean(page, site.url)


def test_disputed_dates_are_shown_as_readings(open_page, site):
    page = visit(open_page, site.url + "/doc/treaty/us-rok-mdt-1953")
    disputed = page.page.locator("ol.timeline-mini li.disputed")
    assert disputed.count() == 2
    assert "disputed" in disputed.first.inner_text()
    assert_clean(page, site.url)


def test_a_state_page_answers_who_must_help(open_page, site):
    page = visit(open_page, site.url + "/doc/state/PRK", javascript=False)
    answer = page.page.locator("section:has(#who-must-help)").inner_text()
    assert "If North Korea (DPRK) is attacked, who is obliged to help?" in answer
    assert "Russia" in answer and "China" in answer
    commitments = page.page.locator("section:has(#commitments) table").inner_text()
    assert "1961" in commitments  # the lapsed Soviet treaty is listed among past commitments
    assert_clean(page, site.url)


# --- The alliance network -------------------------------------------------------------------------

def graph_of(p) -> dict:
    p.wait_for_selector("#network[data-ready='true']")
    return p.evaluate("""() => { const cy = window.pactgraphNetwork;
        return {nodes: cy.nodes().map(n => n.id()),
                edges: cy.edges().map(e => [e.source().id(), e.target().id(), e.data('mutual')]),
                drawn: cy.container().querySelectorAll('canvas').length}; }""")


def linked(edges: list, one: str, other: str) -> bool:
    return any({source, target} == {one, other} for source, target, _ in edges)


def test_the_network_draws_the_json_view_and_follows_the_date(open_page, site):
    page = visit(open_page, site.url + "/explore/network?date=1975-01-01")
    p = page.page
    drawn = graph_of(p)
    with urllib.request.urlopen(site.url + "/explore/network.json?date=1975-01-01") as response:
        expected = json.load(response)
    assert sorted(drawn["nodes"]) == sorted(n["data"]["id"] for n in expected["nodes"])
    assert len(drawn["edges"]) == len(expected["edges"]) > 0
    assert drawn["drawn"] > 0
    assert linked(drawn["edges"], "SUN", "PRK") and not linked(drawn["edges"], "RUS", "PRK")
    page.screenshot("network-1975-desktop")

    p.fill("#date", datetime.date.today().isoformat())
    p.get_by_role("button", name="Show").click()
    p.wait_for_url("**/explore/network?date=*")
    today = graph_of(p)
    assert linked(today["edges"], "RUS", "PRK") and not linked(today["edges"], "SUN", "PRK")
    assert [e for e in today["edges"] if {e[0], e[1]} == {"RUS", "PRK"}][0][2]  # mutual
    assert len(today["nodes"]) > len(drawn["nodes"])
    page.screenshot("network-today-desktop")
    assert_clean(page, site.url)


def test_the_network_lists_its_obligations_without_javascript(open_page, site):
    def every_page() -> str:  # the table is paged: follow its "next" links
        texts = [page.page.locator("#obligations").inner_text()]
        while page.page.locator("a[rel=next]").count():
            page.page.locator("a[rel=next]").first.click()
            texts.append(page.page.locator("#obligations").inner_text())
        return "\n".join(texts)

    page = visit(open_page, site.url + "/explore/network?date=1975", javascript=False)
    table = every_page()
    assert "Soviet Union" in table and "North Korea" in table
    page.page.get_by_role("link", name="today").click()
    assert "Russia" in every_page()
    assert_clean(page, site.url)


# --- Markup in the data ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_site(small_app: Flask, tmp_path_factory):
    """The fixture site (tests/fixtures/site) plus a region whose literals hold markup."""
    extra = Path(tmp_path_factory.mktemp("hostile")) / "xss.ttl"
    extra.write_text(
        '@prefix pg: <https://w3id.org/pactgraph/def#> .\n'
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        '<https://w3id.org/pactgraph/id/region/xss-test> a pg:Region ;\n'
        '    rdfs:label "<script>window.__ran = 1</script>"@en ;\n'
        '    pg:description "<img src=x onerror=\\"window.__ran = 2\\">"@en .\n',
        encoding="utf-8")
    settings = {**small_app.config["PACTGRAPH"],
                "data_paths": [*small_app.config["PACTGRAPH"]["data_paths"], str(extra)]}
    server = serve_in_thread(create_app(settings))
    yield server
    server.stop()


def test_a_literal_with_a_script_is_shown_as_text_and_never_runs(open_page, hostile_site):
    page = open_page()
    dialogs: list[str] = []
    page.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.page.goto(hostile_site.url + "/doc/region/xss-test")
    assert page.page.locator("h1").inner_text() == "<script>window.__ran = 1</script>"
    assert '<img src=x onerror="window.__ran = 2">' in page.page.locator("main").inner_text()
    assert page.page.evaluate("window.__ran === undefined")
    assert page.page.locator("main script, main img").count() == 0
    assert dialogs == []
    # the same label through the editor's results table
    p = page.page
    p.goto(hostile_site.url + "/sparql")
    p.wait_for_selector(".yasgui .tabsList")
    p.evaluate("""() => document.querySelector('.tabPanel.active .CodeMirror').CodeMirror
        .setValue('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\n' +
                  'SELECT ?label WHERE { <https://w3id.org/pactgraph/id/region/xss-test> ' +
                  'rdfs:label ?label }')""")
    p.locator(".yasqe_queryButton:visible").click()
    cell = p.locator(".yasr .readable-results table tbody td").filter(has_text="window.__ran")
    cell.first.wait_for()
    assert "<script>window.__ran = 1</script>" in cell.first.inner_text()
    assert p.locator(".yasr script").count() == 0
    assert p.evaluate("window.__ran === undefined")
    assert_clean(page, hostile_site.url)


# --- Every main page, at desktop and phone width --------------------------------------------------

MAIN_PAGES = {"landing": "/", "treaty": NATO, "treaty-russia-dprk": RUSSIA_DPRK,
              "state": "/doc/state/PRK", "clause": NATO + "/article-5",
              "network": "/explore/network", "timeline": "/explore/timeline", "editor": "/sparql",
              "ontology": "/def"}


@pytest.mark.parametrize("name", list(MAIN_PAGES))
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_main_pages_are_clean_and_fit_the_screen(open_page, site, name, width):
    page = visit(open_page, site.url + MAIN_PAGES[name],
                 viewport=DESKTOP if width == "desktop" else PHONE)
    p = page.page
    if name == "network":
        p.wait_for_selector("#network[data-ready='true']")
    if name == "editor":
        p.wait_for_selector(".yasgui .tabsList")
    p.wait_for_load_state("networkidle")
    page.screenshot(f"{name}-{width}")
    assert p.evaluate("document.documentElement.lang") == "en"
    assert p.locator("h1").count() == 1
    overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} is {overflow}px wider than a {width} screen"
    unlabelled = p.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.getAttribute('aria-labelledby') && !e.getAttribute('title'))
        .map(e => e.outerHTML.slice(0, 80))""")
    if name != "editor":  # YASGUI's own controls are its authors' to label
        assert unlabelled == []
    assert_clean(page, site.url)


def test_keyboard_focus_is_visible(open_page, site):
    page = visit(open_page, site.url + "/")
    p = page.page
    p.keyboard.press("Tab")
    focused = p.evaluate("""() => { const e = document.activeElement;
        return [e.textContent.trim(), getComputedStyle(e).outlineStyle]; }""")
    assert focused == ["Skip to content", "solid"]
    assert_clean(page, site.url)
