"""The questions readers ask (queries/*.rq), answered over the bundled data by the server's engine.

Each expected answer comes from the project's checked reference facts, not from the data itself: a
change to the data that breaks an answer fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pactgraph import settings
from pactgraph.build.examples import load_examples
from pactgraph.engine.store import TripleStore
from pactgraph.knowledge.sources import Knowledge

QUERIES = Path(__file__).parents[1] / "queries"
ID = "https://w3id.org/pactgraph/id/"
PG = "https://w3id.org/pactgraph/def#"


@pytest.fixture(scope="module")
def store() -> TripleStore:
    return TripleStore.from_knowledge(Knowledge.from_settings(settings.resolve()))


def ask(store: TripleStore, example_id: str,
        replace: dict[str, str] | None = None) -> list[dict]:
    """Run the question with ``# id: {example_id}`` and return rows as {variable: lexical value}."""
    text = load_examples(QUERIES).by_id(example_id).text
    for old, new in (replace or {}).items():
        assert old in text, f"{old!r} not in the question {example_id}"
        text = text.replace(old, new)
    result = store.query(text)
    assert result.kind == "select"
    variables = [v.value for v in result.value.variables]
    return [{name: row[name].value for name in variables if row[name] is not None}
            for row in result.value]


def test_every_query_file_opens_with_its_id_title_and_question() -> None:
    paths = sorted(QUERIES.glob("*.rq"))
    assert paths
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# id: "), path
        assert lines[1].startswith("# title: "), path
        assert lines[2].startswith("# question: "), path


def test_every_query_runs(store: TripleStore) -> None:
    for example in load_examples(QUERIES):
        assert ask(store, example.id), f"{example.name}.rq returned no rows"


# 1. Who must help X if attacked?

def helpers_of(rows: list[dict], state: str) -> dict[str, set[str]]:
    """helper ISO code -> strengths (local names) for attacks on ``state``."""
    found: dict[str, set[str]] = {}
    for row in rows:
        if row["attacked"] == ID + "state/" + state:
            found.setdefault(row["helper"].rsplit("/", 1)[-1], set()).add(
                row["strength"].removeprefix(PG))
    return found


def test_russia_is_obliged_to_help_north_korea_with_all_means(store: TripleStore) -> None:
    helpers = helpers_of(ask(store, "who-must-help"), "PRK")
    assert "ImmediateAllMeans" in helpers["RUS"]
    assert "ImmediateAllMeans" in helpers["CHN"]
    assert "SUN" not in helpers  # the 1961 Soviet treaty lapsed


def test_the_united_states_must_help_the_philippines_by_constitutional_processes(
        store: TripleStore) -> None:
    helpers = helpers_of(ask(store, "who-must-help"), "PHL")
    assert helpers["USA"] == {"ConstitutionalProcesses"}


def test_nato_allies_must_help_poland(store: TripleStore) -> None:
    helpers = helpers_of(ask(store, "who-must-help"), "POL")
    assert {"USA", "DEU", "FIN", "SWE", "TUR"} <= set(helpers)
    # Article 5 (action deemed necessary) binds the United States; Article 4 (consultation) binds it
    # too, but a duty to consult is not a duty to act, and the question lists only those (issue 13).
    assert helpers["USA"] == {"ActionDeemedNecessary"}
    nato = {state for state, found in helpers.items() if "ActionDeemedNecessary" in found}
    assert len(nato) == 31  # every other member of the 32, under Article 5
    # The EU's Article 42(7) adds the member states outside NATO; France also under Nancy.
    assert {"AUT", "CYP", "IRL", "MLT"} <= set(helpers) - nato
    assert all(helpers[state] == {"NecessaryAssistance"} for state in set(helpers) - nato)
    assert "NecessaryAssistance" in helpers["FRA"]


def test_one_way_guarantees_bind_only_the_guarantor(store: TripleStore) -> None:
    rows = ask(store, "who-must-help")
    # France–UAE 2009, Art. 4 (France -> UAE only) has status unconfirmed (its fifteen-year term may
    # have run out), so it binds no one here; and the UAE never appears as bound to defend France.
    assert "FRA" not in helpers_of(rows, "ARE")
    assert "ARE" not in helpers_of(rows, "FRA")
    # The US executive order on Qatar (2025) is a statute: the United States binds itself under
    # its own law, not towards Qatar, so the question does not count it (nor the derived
    # obligations: issue 13); Qatar's own defence pacts (the GCC's) still do.
    assert "USA" not in helpers_of(rows, "QAT")
    assert {"SAU", "ARE"} <= set(helpers_of(rows, "QAT"))
    assert "QAT" not in helpers_of(rows, "USA")


def test_states_that_left_the_collective_security_treaty_are_not_protected(
        store: TripleStore) -> None:
    cst = [r for r in ask(store, "who-must-help")
           if r["commitment"] == ID + "treaty/collective-security-treaty-1992"]
    assert helpers_of(cst, "AZE") == {}
    assert helpers_of(cst, "GEO") == {}
    assert "RUS" in helpers_of(cst, "KAZ")


def test_azerbaijan_outside_the_csto_is_protected_by_turkey_under_the_shusha_declaration(
        store: TripleStore) -> None:
    helpers = helpers_of(ask(store, "who-must-help"), "AZE")
    assert helpers == {"TUR": {"NecessaryAssistance"}}


def test_frozen_and_suspended_obligations_carry_a_caveat(store: TripleStore) -> None:
    rows = ask(store, "who-must-help")
    armenia = [r for r in rows if r["attacked"] == ID + "state/ARM"]
    in_the_csto = [r for r in armenia
                   if r["commitment"] == ID + "treaty/collective-security-treaty-1992"]
    assert in_the_csto and all("frozen" in r["caveat"] for r in in_the_csto)
    # Armenia froze its CSTO participation, not its bilateral treaty with Russia
    bilateral = [r for r in armenia if r["commitment"] == ID + "treaty/russia-armenia-treaty-1997"]
    assert bilateral and all(r["caveat"] == "" and r["helper"] == ID + "state/RUS"
                             for r in bilateral)
    # The 1986 suspension is of the US obligations to New Zealand under ANZUS; the Manila Pact,
    # in force and not suspended between them, still binds the United States to New Zealand.
    new_zealand_by_us = [r for r in rows if r["attacked"] == ID + "state/NZL"
                         and r["helper"] == ID + "state/USA"]
    under_anzus = [r for r in new_zealand_by_us if r["commitment"] == ID + "treaty/anzus-1951"]
    assert under_anzus and all("suspended" in r["caveat"] for r in under_anzus)
    assert all(r["caveat"] == "" for r in new_zealand_by_us if r not in under_anzus)
    australia_for_nz = [r for r in rows if r["attacked"] == ID + "state/NZL"
                        and r["helper"] == ID + "state/AUS"]
    assert australia_for_nz and all(r["caveat"] == "" for r in australia_for_nz)


def test_a_compact_of_free_association_binds_only_the_united_states(store: TripleStore) -> None:
    rows = ask(store, "who-must-help")
    for associated in ("PLW", "FSM", "MHL"):
        assert "USA" in helpers_of(rows, associated)
    compacts = {r["commitment"] for r in rows if "-compact-1986" in r["commitment"]}
    assert compacts  # the three Compacts are in force
    assert not [r for r in rows if r["commitment"] in compacts
                and r["helper"] != ID + "state/USA"]  # nobody else is bound by them


def test_new_zealand_is_responsible_for_the_defence_of_the_cook_islands(store: TripleStore) -> None:
    """A responsibility New Zealand's own Act gives it: a statute, so not an obligation between
    states that the question counts (issue 13), but its clause is published with the Act."""
    assert helpers_of(ask(store, "who-must-help"), "COK") == {}
    rows = ask(store, "who-must-help", {"  FILTER NOT EXISTS { ?commitment a pg:Statute }\n": ""})
    assert helpers_of(rows, "COK") == {"NZL": {"ActionDeemedNecessary"}}


def test_the_falepili_union_binds_australia_to_tuvalu_only(store: TripleStore) -> None:
    rows = [r for r in ask(store, "who-must-help")
            if r["commitment"] == ID + "treaty/australia-tuvalu-falepili-union-2023"]
    assert {(r["helper"], r["attacked"]) for r in rows} == {(ID + "state/AUS", ID + "state/TUV")}


def test_the_five_power_arrangements_promise_consultation_on_malaysia_and_singapore_only(
        store: TripleStore) -> None:
    fpda = ID + "commitment/five-power-defence-arrangements-1971"
    # A consultation pledge is not an obligation to act: the question leaves it out (issue 13)...
    assert not [r for r in ask(store, "who-must-help") if r["commitment"] == fpda]
    # ...and with that rule lifted, its one-sided clause still protects only its two states.
    rows = [r for r in ask(store, "who-must-help", {"FILTER (?rank <= 4)": ""})
            if r["commitment"] == fpda]
    assert {r["attacked"].rsplit("/", 1)[-1] for r in rows} == {"MYS", "SGP"}
    assert {r["strength"].removeprefix(PG) for r in rows} == {"ConsultationOnly"}
    assert {r["helper"].rsplit("/", 1)[-1] for r in rows} == {"AUS", "GBR", "MYS", "NZL", "SGP"}


def test_the_us_has_a_policy_not_a_duty_towards_taiwan(store: TripleStore) -> None:
    """The Taiwan Relations Act states a policy: nobody is listed as obliged to help Taiwan."""
    assert helpers_of(ask(store, "who-must-help"), "TWN") == {}
    rows = ask(store, "who-must-help")
    assert all(int(r["rank"]) <= 4 for r in rows)  # no consultation or policy statement


def test_philippine_coast_guard_in_the_south_china_sea(store: TripleStore) -> None:
    rows = ask(store, "philippine-coast-guard")
    assert {r["helperLabel"] for r in rows} == {"United States"}
    bases = {r["basis"] for r in rows}
    assert bases == {"official interpretation of the clause", "treaty text: public vessels"}
    assert all(r["commitment"] == ID + "treaty/us-philippines-mdt-1951" for r in rows)


# 2. Which pacts have been invoked?

def test_invocations_with_dates_parties_and_kinds(store: TripleStore) -> None:
    rows = ask(store, "invocations")
    by_date = {(r["date"], r["invokerLabel"]): r for r in rows}
    nato = by_date[("2001-09-12", "North Atlantic Treaty Organization (NATO)")]
    assert nato["kindLabel"] == "invoked by collective decision" and nato["collective"] == "true"
    anzus = by_date[("2001-09-14", "Australia")]
    assert anzus["kindLabel"] == "invoked by one party" and anzus["collective"] == "false"
    kursk = [r for r in rows if r["date"] == "2025-04-28"]
    assert kursk and kursk[0]["kindLabel"] == "declared applicable after the fact"
    assert kursk[0]["article"] == "4"
    kazakhstan = [r for r in rows if r["date"].startswith("2022-01")]
    assert kazakhstan and kazakhstan[0]["kindLabel"] == "deployment at a member's request"
    assert all(r.get("sources") for r in rows)
    # one row per event, however many sources it cites
    assert len(rows) == len({r["invocation"] for r in rows})


def test_consultations_and_regional_invocations(store: TripleStore) -> None:
    rows = ask(store, "invocations")
    article_4 = [r for r in rows
                 if r["commitmentLabel"] == "North Atlantic Treaty" and r.get("article") == "4"]
    # Turkey 2003, 2012 (twice), 2015, 2020; Poland 2014, 2022, 2025; Estonia 2025
    assert len(article_4) >= 9
    assert {r["invokerLabel"] for r in article_4} >= {"Türkiye", "Poland", "Estonia"}
    france = [r for r in rows if r["date"] == "2015-11-17"]
    assert france and france[0]["article"] == "42(7)" and france[0]["collective"] == "false"
    rio = [r for r in rows if r["date"] == "2001-09-19"]
    assert rio and rio[0]["kindLabel"] == "invoked by collective decision"
    gcc = [r for r in rows if r["date"] == "2025-09-15"]
    assert gcc and "article" not in gcc[0]  # no stored page gives the clause's number
    # Iran's attacks of 2026: the GCC's foreign ministers (1 March), the Arab League (8 March)
    gulf = {r["date"]: r for r in rows if r["date"] in ("2026-03-01", "2026-03-08")}
    assert gulf["2026-03-01"]["commitmentLabel"].startswith("Joint Defence Agreement")
    assert gulf["2026-03-08"]["article"] == "2"
    assert all(r["collective"] == "true" for r in gulf.values())


def test_pacts_ever_invoked(store: TripleStore) -> None:
    invoked_kinds = {"invoked by collective decision", "invoked by one party",
                     "deployment at a member's request", "declared applicable after the fact"}
    invoked = {r["commitmentLabel"] for r in ask(store, "invocations")
               if r["kindLabel"] in invoked_kinds}
    # the fifth: Armenia's requests to Russia under the 1997 treaty; the sixth: the Indo-Soviet
    # consultations under Article IX in October 1971; then the EU's Art. 42(7) (France, 2015), the
    # Rio Treaty (2001, 2019), the GCC's joint defence agreement (Qatar, 2025), the SADC Mutual
    # Defence Pact (SADC's declaration of January 2024 that its DRC mission follows Article 6);
    # the eleventh: Bahrain's consultations with the US and the UK under Article II of C-SIPA
    # (2026); the twelfth: the Arab League Council's resolution No. 9241 of 8 March 2026; the
    # thirteenth: the Anglo-Portuguese Alliance (the UK's request for the Azores, 1943); the
    # fourteenth: the Australia-Solomon Islands treaty (Solomon Islands' request of November 2021);
    # the fifteenth: Pakistan's appeal of 8 December 1971 under the 1959 agreement with the US;
    # the sixteenth: Egypt's mobilisation of 14 May 1967 citing its 1966 defence pact with Syria;
    # the seventeenth: the Budapest Memorandum (Ukraine's requests for consultations under
    # paragraph 6 in 2014, 2018 and 2022); the eighteenth: the France-UAE defence agreement of
    # 2009 (the UAE's activation of February 2022 after the Houthi attacks); the nineteenth: the
    # Saudi-Pakistan Strategic Mutual Defence Agreement (the Saudi defence ministry's statement of
    # 11 April 2026 that a Pakistani force had arrived under the joint defence agreement)
    assert len(invoked) == 19
    assert ("Strategic Mutual Defence Agreement between the Kingdom of Saudi Arabia and the Islamic"
            " Republic of Pakistan") in invoked
    assert ("Agreement between the Government of the French Republic and the Government of the"
            " United Arab Emirates on defence cooperation") in invoked
    assert ("Memorandum on Security Assurances in connection with Ukraine's Accession to the Treaty"
            " on the Non-Proliferation of Nuclear Weapons") in invoked
    assert ("Joint Defence Agreement between the United Arab Republic and the Syrian Arab Republic"
            in invoked)
    assert "Anglo-Portuguese Alliance (Treaty of London, 1373)" in invoked
    assert any(label.startswith("Agreement between the Government of Australia and the Government"
                                " of Solomon Islands") for label in invoked)
    assert ("Agreement of Cooperation between the Government of the United States of America and"
            " the Government of Pakistan") in invoked
    assert {"North Atlantic Treaty", "Treaty on European Union",
            "Inter-American Treaty of Reciprocal Assistance"} <= invoked
    assert ("Treaty on Friendship, Cooperation and Mutual Assistance between the Russian Federation"
            " and the Republic of Armenia") in invoked
    assert ("Treaty of Peace, Friendship and Cooperation between the Republic of India and the"
            " Union of Soviet Socialist Republics") in invoked
    assert any(label.startswith("Joint Defence Agreement") for label in invoked)  # GCC, 2025
    assert any(label.startswith("Comprehensive Security Integration and Prosperity Agreement")
               for label in invoked)  # C-SIPA, Bahrain, 2026
    assert "SADC Mutual Defence Pact" in invoked  # SAMIDRC, declared under Article 6 in 2024
    assert any(label.startswith("Treaty of Joint Defence and Economic Co-operation")
               for label in invoked)  # the Arab League, 8 March 2026
    assert ("Agreement of Cooperation between the Government of the United States of America and"
            " the Government of Pakistan") in invoked  # Pakistan's appeal, 8 December 1971


def test_refused_and_declined_requests_are_not_invocations(store: TripleStore) -> None:
    rows = ask(store, "invocations")
    kinds = {r["kindLabel"] for r in rows}
    assert "requested and refused" in kinds  # Armenia, CSTO
    assert "declined to invoke" in kinds  # the Philippines, March 2024


# 3. Automatic or constitutional?

def strengths(store: TripleStore) -> dict[tuple[str, str], str]:
    return {(r["commitmentLabel"], r.get("article", "")): r["strengthLabel"]
            for r in ask(store, "obligation-strength")}


def test_russia_dprk_and_china_dprk_are_automatic_nato_is_not(store: TripleStore) -> None:
    rows = ask(store, "obligation-strength")
    rank = {r.get("article", "") + " " + r["commitmentLabel"]: int(r["rank"]) for r in rows}
    nato = rank["5 North Atlantic Treaty"]
    automatic = [r for r in rows if r["strengthLabel"] == "immediate assistance with all means"]
    assert len(automatic) >= 3  # Russia–DPRK 2024, China–DPRK 1961, USSR–DPRK 1961
    assert all(int(r["rank"]) < nato for r in automatic)
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)


def test_us_pacific_treaties_defer_to_constitutional_processes(store: TripleStore) -> None:
    rows = ask(store, "obligation-strength")
    constitutional = {r["commitmentLabel"] for r in rows
                      if r["strengthLabel"] == "act in accordance with constitutional processes"}
    assert len(constitutional) >= 5  # US–Philippines, US–Japan, US–ROK, ANZUS, Manila Pact


# 4. Overlapping scopes and gaps

def test_the_pacific_area_is_shared_by_three_treaties(store: TripleStore) -> None:
    rows = ask(store, "geographic-scope")
    pacific = {r["commitmentLabel"] for r in rows if r["regionLabel"] == "Pacific area"}
    assert len(pacific) == 3
    unlimited = {r["commitmentLabel"] for r in rows if r["unlimited"] == "true"}
    assert any("Comprehensive Strategic Partnership" in label for label in unlimited)
    assert "North Atlantic Treaty" not in unlimited


# 5. No defense clause

def test_partnerships_without_a_defense_clause(store: TripleStore) -> None:
    rows = ask(store, "no-defense-clause")
    commitments = {r["commitment"] for r in rows}
    assert ID + "commitment/russia-vietnam-joint-statement-2024" in commitments
    assert ID + "commitment/taiwan-relations-act-1979" in commitments
    assert ID + "treaty/russia-dprk-friendship-treaty-2000" in commitments
    assert ID + "treaty/north-atlantic-treaty-1949" not in commitments
    vietnam = [r for r in rows if r["commitment"].endswith("russia-vietnam-joint-statement-2024")]
    assert len(vietnam) == 1 and vietnam[0]["sources"]
    assert len(rows) == len({r["commitment"] for r in rows})


# 6. In force on a date

@pytest.mark.parametrize(("date", "expected"), [
    ("1990-01-01", {"treaty/ussr-dprk-treaty-1961": "true"}),
    ("2000-01-01", {}),
    ("2010-01-01", {"treaty/russia-dprk-friendship-treaty-2000": "false"}),
    ("2025-01-01", {"treaty/russia-dprk-partnership-treaty-2024": "true"}),
])
def test_what_bound_moscow_to_pyongyang_on(store: TripleStore, date: str,
                                           expected: dict[str, str]) -> None:
    rows = ask(store, "in-force-on-date", {'"2025-01-01"^^xsd:date': f'"{date}"^^xsd:date'})
    assert {r["commitment"].removeprefix(ID): r["defense"] for r in rows} == expected


# 7. Termination

def test_termination_by_notice_or_by_agreement(store: TripleStore) -> None:
    rows = {r["commitment"].removeprefix(ID): r for r in ask(store, "termination")}
    assert rows["treaty/us-roc-mdt-1954"]["notice"] == "P1Y"
    assert rows["treaty/china-dprk-treaty-1961"]["mutualOnly"] == "true"


# 9. Frozen, suspended, withdrawn

def test_frozen_suspended_and_withdrawn_participation(store: TripleStore) -> None:
    rows = ask(store, "frozen-suspended")
    standing = {(r["partyLabel"], r["standing"]) for r in rows}
    assert ("Armenia", "participation frozen") in standing
    assert ("New Zealand", "suspended") in standing
    assert ("United States", "suspended") in standing
    withdrawn = {party for party, status in standing if status == "withdrawn"}
    assert {"Azerbaijan", "Georgia", "Uzbekistan"} <= withdrawn
