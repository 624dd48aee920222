"""A large pact's page lists who must defend whom by protected party, and loses no pair doing so.

NATO binds 992 pairs on a day: a row a pair made its page 550 KB. Above ``PAIRS_IN_FULL`` pairs a
treaty's page gathers them by protected party and clause (pages/on_date.py); these tests read the
page's table back into pairs and compare them with the API's, on days before and after members
joined, and check that a small pact keeps its row a pair.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from pactgraph.pages.on_date import PAIRS_IN_FULL

NATO = "north-atlantic-treaty-1949"
STATE = "https://w3id.org/pactgraph/id/state/"


def _section(client, treaty: str, day: str) -> str:
    page = client.get(f"/doc/treaty/{treaty}?date={day}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    section = text[text.find('<section class="on-date"'):]
    return section[:section.find("</section>")]


def _api_pairs(client, treaty: str, day: str) -> set[tuple[str, str, str]]:
    answer = client.get("/api/obligations", query_string={"treaty": treaty, "date": day}).get_json()
    return {(r["protected"].removeprefix(STATE), r["guarantor"].removeprefix(STATE),
             r["certainty"]) for r in answer["obligations"]}


def _page_pairs(section: str) -> set[tuple[str, str, str]]:
    pairs = set()
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        protected = re.search(r'/state/([A-Za-z-]+)"', cells[0]).group(1)
        for part in re.split(r"<br>", cells[-1]):
            certainty = re.search(r'class="certainty (\w+)"', part).group(1)
            listed = re.findall(r'/state/([A-Za-z-]+)"', part)
            assert f"({len(listed)})" in part  # the count the reader sees is the names' count
            pairs |= {(protected, guarantor, certainty) for guarantor in listed}
    return pairs


@pytest.mark.parametrize("day", ["1990-01-01", "2023-04-03", "2023-04-04", "2026-12-01"])
def test_natos_page_lists_every_pair_by_protected_party(client, day: str) -> None:
    section = _section(client, NATO, day)
    pairs = _api_pairs(client, NATO, day)
    assert len(pairs) > PAIRS_IN_FULL
    assert "listed here by the party each guarantor is bound to defend" in unescape(section)
    assert _page_pairs(section) == pairs


def test_a_small_pact_keeps_a_row_a_pair(client) -> None:
    section = _section(client, "anzus-1951", "2026-12-01")
    assert "listed here by the party" not in section
    assert len(re.findall(r"<tr>", section)) - 1 == len(_api_pairs(client, "anzus-1951",
                                                                   "2026-12-01"))


def test_a_states_page_keeps_a_row_a_pair_however_many(client) -> None:
    """Belgium is protected under three pacts, more than PAIRS_IN_FULL rows: grouped by the one
    protected party, they would say nothing more; each row keeps its dates and evidence."""
    page = client.get("/doc/state/BEL?date=2026-12-01", headers={"Accept": "text/html"})
    section = page.get_data(as_text=True).split('<section class="on-date"')[1]
    section = section[:section.find("</section>")]
    answer = client.get("/api/obligations", query_string={"protected": "BEL",
                                                          "date": "2026-12-01"}).get_json()
    assert len(answer["obligations"]) > PAIRS_IN_FULL
    assert len(re.findall(r"<tr>", section)) - 1 == len(answer["obligations"])
    assert "listed here by the party" not in section
