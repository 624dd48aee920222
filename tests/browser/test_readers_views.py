"""Issue 17's last parts in a real browser: the alliance network narrowed to a treaty or a region
and moved through the years by its slider, its paged table, the bar-chart view of results, and
"who must help the Philippines on 1 January 1980" asked from the landing page in two actions.
Screenshots go to artifacts/screenshots/readers/ beside test_readers.py's."""

from __future__ import annotations

import json
import urllib.request

from pactgraph.web.routes.explore import TABLE_ROWS

from .test_pages import assert_clean, graph_of, linked, visit
from .test_readers import PHONE_390, run_and_wait, set_editor_query, shoot

NATO = "north-atlantic-treaty-1949"


def network_json(site, query: str) -> dict:
    with urllib.request.urlopen(f"{site.url}/explore/network.json?{query}") as response:
        return json.load(response)


# --- The alliance network -------------------------------------------------------------------------

def test_an_alliance_is_one_box_and_the_treaty_list_narrows_the_picture(open_page, site):
    page = visit(open_page, site.url + "/explore/network?date=1975-01-01")  # test_pages' day
    p = page.page
    everything = graph_of(p)
    p.select_option("#treaty", NATO)  # sent at once, no button to press
    p.wait_for_url(f"**treaty={NATO}**")
    drawn = graph_of(p)
    alliance = p.evaluate("""(id) => { const n = window.pactgraphNetwork.$id(id);
        return {shape: n.style('shape'), label: n.data('label'), members: n.data('members')}; }""",
                          NATO)
    assert alliance["shape"] == "round-rectangle" and alliance["label"] == "North Atlantic Treaty"
    # one line from each member to the box, not a line between every two members
    assert sorted(source for source, target, _ in drawn["edges"] if target == NATO) == \
        sorted(alliance["members"])
    assert len(drawn["edges"]) == len(alliance["members"]) < len(everything["edges"])
    assert sorted(drawn["nodes"]) == sorted([NATO, *alliance["members"]])
    shoot(page, "network-nato-1975-1280")
    assert_clean(page, site.url)


def test_the_region_list_and_the_year_slider_move_picture_table_and_address(open_page, site):
    page = visit(open_page, site.url + "/explore/network?date=1975-01-01&region=eastern-asia")
    p = page.page
    in_1975 = graph_of(p)
    assert linked(in_1975["edges"], "SUN", "PRK") and not linked(in_1975["edges"], "RUS", "PRK")
    assert sorted(in_1975["nodes"]) == sorted(
        n["data"]["id"] for n in network_json(site, "date=1975-01-01&region=eastern-asia")["nodes"])
    # the slider: drag to 2025 and let go (one "change"); the page stays, its parts follow
    p.evaluate("""() => { const year = document.getElementById('year');
        year.value = '2025'; year.dispatchEvent(new Event('input'));
        year.dispatchEvent(new Event('change')); }""")
    p.wait_for_function("() => document.getElementById('network').dataset.date === '2025-01-01'")
    later = graph_of(p)
    assert linked(later["edges"], "RUS", "PRK") and not linked(later["edges"], "SUN", "PRK")
    p.wait_for_url("**date=2025-01-01**")
    assert "region=eastern-asia" in p.url
    assert "2025-01-01" in p.locator("h1").inner_text()
    assert "Russia" in p.locator("#obligations").inner_text()
    assert p.locator("#region").input_value() == "eastern-asia"
    shoot(page, "network-east-asia-2025-1280")
    assert_clean(page, site.url)


def test_the_network_table_is_paged_at_any_width(open_page, site):
    edges = len(network_json(site, "date=1975-01-01")["edges"])
    assert edges > TABLE_ROWS  # else this test proves nothing
    for viewport in (None, PHONE_390):  # the table is the page's, with or without the picture
        page = visit(open_page, site.url + "/explore/network?date=1975-01-01", viewport=viewport,
                     javascript=False)
        p = page.page
        assert p.locator("#obligations tbody tr").count() == TABLE_ROWS
        assert f"of {-(-edges // TABLE_ROWS)} ({edges} obligations)" in \
            p.locator("nav.pager").first.inner_text()
        p.locator("a[rel=next]").first.click()
        assert p.locator("#obligations tbody tr").count() == min(TABLE_ROWS, edges - TABLE_ROWS)
        assert p.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
        assert_clean(page, site.url)


# --- The bar chart of results ---------------------------------------------------------------------

PARTIES = ("SELECT ?treaty ?treatyLabel (COUNT(DISTINCT ?party) AS ?parties) WHERE { "
           "?treaty a pg:MutualDefenseTreaty ; rdfs:label ?treatyLabel ; pg:party ?party } "
           "GROUP BY ?treaty ?treatyLabel ORDER BY DESC(?parties) ?treatyLabel LIMIT 8")


def test_results_with_a_number_column_are_offered_as_a_bar_chart(open_page, site):
    page = visit(open_page, site.url + "/sparql", viewport=PHONE_390)
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    set_editor_query(p, PARTIES)
    run_and_wait(p)
    table = p.locator(".tabPanel.active .readable-results tbody tr")
    rows = [row.locator("td").all_inner_texts() for row in table.all()]
    p.locator(".tabPanel.active .yasr_btn.select_chart").click()
    p.wait_for_selector(".tabPanel.active .results-chart[data-ready='true']")
    bars = p.locator(".tabPanel.active svg.bar-chart g.bar")
    assert bars.count() == len(rows) == 8
    drawn = bars.evaluate_all("""gs => gs.map(g => [g.querySelector('title').textContent,
        Number(g.querySelector('rect').dataset.value), g.querySelector('rect').getBBox().width])""")
    # one bar per row, in the rows' order, named by the label and as long as the number
    assert [title for title, _, _ in drawn] == [f"{r[0]}: {r[1]}" for r in rows]
    assert [value for _, value, _ in drawn] == [int(r[1]) for r in rows]
    widths = [w for _, _, w in drawn]
    assert widths == sorted(widths, reverse=True) and widths[0] > 2 * widths[-1]
    assert p.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shoot(page, "editor-chart-390")
    assert_clean(page, site.url)


def test_results_without_numbers_offer_no_chart(open_page, site):
    page = visit(open_page, site.url + "/sparql")
    p = page.page
    p.wait_for_selector(".yasgui .tabsList")
    set_editor_query(p, "SELECT ?state ?stateLabel WHERE { ?state a pg:State ; "
                        "rdfs:label ?stateLabel } LIMIT 3")
    run_and_wait(p)
    assert "disabled" in p.locator(".tabPanel.active .yasr_btn.select_chart").get_attribute("class")
    assert_clean(page, site.url)


# --- Two actions from the landing page ------------------------------------------------------------

def test_who_must_help_the_philippines_on_1_january_1980_takes_two_actions(open_page, site):
    page = visit(open_page, site.url + "/")
    p = page.page
    # 1. type the state into the search box and pick it
    p.get_by_role("combobox", name="Find a state or a pact").press_sequentially("Philippines")
    p.locator("#site-search-hits [role=option] a", has_text="Philippines").first.click()
    p.wait_for_url("**/doc/state/PHL")
    # 2. choose the date (typed, and sent with Enter)
    date = p.get_by_label("Another day:")
    date.fill("1980-01-01")
    date.press("Enter")
    p.wait_for_url("**/doc/state/PHL?date=1980-01-01#on-date")
    shown = {(cells[0], cells[2]) for cells in
             (row.locator("td").all_inner_texts()
              for row in p.locator("#obligations-on-date tbody tr").all())
             if cells[1] == "Philippines"}
    with urllib.request.urlopen(site.url + "/api/obligations?protected=PHL&date=1980-01-01") as r:
        expected = {(o["guarantor_label"], o["certainty"]) for o in json.load(r)["obligations"]}
    assert shown == expected and ("United States", "certain") in shown
    assert p.locator("#on-date").is_visible()  # the answer is on the screen, not below it
    assert_clean(page, site.url)
