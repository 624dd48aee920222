"""Who must defend whom on a date: the derived obligations as rows, for the API, the CSV and pages.

One row per guarantor and protected party (the pairs of the dyadic datasets), read by SPARQL from
the named graph of derived obligations (knowledge/obligation_triples.py) through the engine seam;
``certainty`` says whether every source agrees the obligation held on the day ('certain') or only
some do ('possible'). ``COLUMNS`` is the CSV's header and, with their descriptions, its CSVW table
schema (``table_schema``), so the CSV and its documentation cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pactgraph.engine.store import graph_iri
from pactgraph.namespaces import CANONICAL_BASE

STATE = CANONICAL_BASE + "id/state/"
TREATY = CANONICAL_BASE + "id/treaty/"
CODE = re.compile(r"^[A-Z]{3}$")
# A state with limited recognition (south-ossetia): its first word has four letters or more, so
# that an ISO code typed in lower case (phl) is told what a code is rather than looked up.
STATE_SLUG = re.compile(r"^[a-z]{4,}(-[a-z]+)*$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
SEPARATOR = " | "

# (column, datatype, description): the CSV header, in order, and its CSVW schema.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("date", "date", "The day asked about."),
    ("certainty", "string", "'certain': every source agrees the obligation held on that day; "
                            "'possible': only some sources do (a disputed date or status)."),
    ("guarantor", "anyURI", "IRI of the party bound to act."),
    ("guarantor_label", "string", "Its name."),
    ("protected", "anyURI", "IRI of the party whose being attacked obliges the guarantor."),
    ("protected_label", "string", "Its name."),
    ("commitment", "anyURI", "IRI of the treaty."),
    ("commitment_label", "string", "Its title."),
    ("clause", "anyURI", "IRI of the clause (empty where the treaty's clause is not published)."),
    ("article", "string", "The clause's article number."),
    ("quotation", "string", "Words of the clause as the cited source quotes them, joined by "
                            "' | '."),
    ("strength", "anyURI", "IRI of the obligation's strength (pg:ObligationStrength)."),
    ("strength_label", "string", "The strength in words."),
    ("strength_rank", "integer", "1 for the most binding (immediate assistance with all means) "
                                 "to 4 (act in accordance with constitutional processes)."),
    ("trigger", "anyURI", "IRI of the trigger (armed attack, state of war...)."),
    ("scope", "string", "Where an attack must occur, in words."),
    ("certain_from", "date", "First day every source agrees it held (empty: never certain)."),
    ("certain_until", "date", "First day it no longer certainly held (empty: no end known)."),
    ("possible_from", "date", "First day some source allows it held."),
    ("possible_until", "date", "First day no source allows it still held (empty: may still hold)."),
    ("end_disputed", "boolean", "Whether sources disagree on when or whether it ended."),
    ("caveat", "string", "A participation caveat, such as 'participation frozen' (a party's "
                         "standing today, so given for today and later dates only)."),
    ("obligation", "anyURI", "IRI of the derived pg:DefenseObligation (its evidence, with "
                             "prov:wasDerivedFrom)."),
    ("sources", "string", "URLs of the sources the obligation rests on, joined by ' | '."),
)


@dataclass(frozen=True)
class Question:
    """Who must defend whom on ``date``, narrowed by any of protected, guarantor and treaty."""

    date: str
    protected: str | None = None
    guarantor: str | None = None
    treaty: str | None = None
    today: str = "9999-12-31"  # participation caveats are today's standing: shown from today on
    # Each row's sources, for the API and the CSV. Pages link each row's evidence instead: finding
    # a pair's own sources among every guarantor's memberships is two thirds of the query's time
    # (NATO on a day: 242 ms without, 640-1,070 ms with).
    sources: bool = True
    # The rows bound on any day from ``since`` to ``date`` (None: on ``date`` only): a page
    # (pages/on_date.py) asks for the day before too, to tell what changed, in one query.
    since: str | None = None


def state_iri(value: str) -> str | None:
    """A state's IRI from its ISO 3166 alpha-3 code, its slug (a state with limited recognition,
    south-ossetia) or its IRI; None if it is none of these."""
    def names_a_state(key: str) -> bool:
        return bool(CODE.match(key) or STATE_SLUG.match(key))
    if names_a_state(value):
        return STATE + value
    return value if value.startswith(STATE) and names_a_state(value[len(STATE):]) else None


def treaty_iri(value: str) -> str | None:
    if SLUG.match(value):
        return TREATY + value
    rest = value[len(TREATY):] if value.startswith(TREATY) else ""
    return value if SLUG.match(rest) else None


SOURCES = """
  OPTIONAL {
    ?obligation prov:wasDerivedFrom ?basis . ?basis dcterms:source ?source .
    # a group's evidence names every guarantor's membership: keep this pair's own
    FILTER NOT EXISTS { ?basis pg:member ?other FILTER (?other NOT IN (?guarantor, ?protected)) }
  }"""


def sparql(question: Question) -> str:
    """The one query behind the API, the CSV, the state pages and the network."""
    day = f'"{question.date}"^^xsd:date'
    since = f'"{question.since or question.date}"^^xsd:date'
    # Inside the GRAPH block: Oxigraph then starts from the named party or treaty (NATO's page,
    # 992 pairs: 102 -> 78 ms); outside it, it joined them after reading the block.
    narrow = "".join(f"VALUES ?{name} {{ <{iri}> }}\n    " for name, iri in (
        ("protected", question.protected), ("guarantor", question.guarantor),
        ("commitment", question.treaty)) if iri)
    return f"""
SELECT ?obligation ?guarantor ?protected ?commitment
       ?clause ?certainFrom ?certainUntil ?possibleFrom ?possibleUntil
       ?disputed ?caveat (GROUP_CONCAT(DISTINCT STR(?source); SEPARATOR="{SEPARATOR}") AS ?sources)
WHERE {{
  GRAPH <{graph_iri("obligations")}> {{
    {narrow}?obligation pg:guarantor ?guarantor ; pg:protectedParty ?protected ;
                pg:underCommitment ?commitment ; pg:possibleFrom ?possibleFrom ;
                pg:endDisputed ?disputed .
    OPTIONAL {{ ?obligation pg:possibleUntil ?possibleUntil }}
    OPTIONAL {{ ?obligation pg:certainFrom ?certainFrom }}
    OPTIONAL {{ ?obligation pg:certainUntil ?certainUntil }}
  }}
  FILTER (?possibleFrom <= {day} && (!BOUND(?possibleUntil) || {since} < ?possibleUntil))
  OPTIONAL {{ ?obligation pg:participationCaveat/skos:prefLabel ?caveat }}
  OPTIONAL {{ ?obligation pg:underClause ?clause }}{SOURCES if question.sources else ""}
}}
GROUP BY ?obligation ?guarantor ?protected ?commitment
         ?clause ?certainFrom ?certainUntil ?possibleFrom ?possibleUntil
         ?disputed ?caveat
"""


def clause_sparql(clauses: list[str]) -> str:
    """What each clause says (asked apart: joined into the query above it cost ten times more)."""
    values = " ".join(f"<{c}>" for c in clauses)
    return f"""
SELECT ?clause ?article ?strength ?strengthLabel ?rank ?trigger ?scope
       (GROUP_CONCAT(DISTINCT ?quote; SEPARATOR="{SEPARATOR}") AS ?quotation)
WHERE {{
  VALUES ?clause {{ {values} }}
  ?clause eli:number ?article ; pg:obligationStrength ?strength .
  ?strength skos:prefLabel ?strengthLabel ; pg:strengthRank ?rank .
  OPTIONAL {{ ?clause pg:trigger ?trigger }}
  OPTIONAL {{ ?clause pg:geographicScope/pg:description ?scope }}
  OPTIONAL {{ ?clause pg:quotedPhrase ?quote }}
}}
GROUP BY ?clause ?article ?strength ?strengthLabel ?rank ?trigger ?scope
"""


NAMED = ("guarantor", "protected", "commitment")  # the rows' nodes whose names label_sparql asks


def label_sparql(nodes: list[str]) -> str:
    """The names of the parties and pacts of the rows (asked apart, as the clauses are: joined
    into the query above, once a row, they were a quarter of its time for NATO's 992 pairs)."""
    values = " ".join(f"<{n}>" for n in nodes)
    return f"""
SELECT ?node (MIN(STR(?name)) AS ?label) WHERE {{
  VALUES ?node {{ {values} }}
  ?node rdfs:label ?name .
}} GROUP BY ?node
"""


def certainty(row: dict[str, str], day: str) -> str:
    start, until = row.get("certainFrom") or "", row.get("certainUntil") or ""
    return "certain" if start and start <= day and (not until or day < until) else "possible"


def rows(question: Question, select: Callable[[str], list[dict[str, str]]]) -> list[dict]:
    """The pairs bound on the day, one dict per CSV row (``COLUMNS``), in a stable order."""
    return as_rows(question, fetch(question, select))


def fetch(question: Question, select: Callable[[str], list[dict[str, str]]]) -> list[dict]:
    """The query's rows, each with what its clause says."""
    asked = select(sparql(question))
    clauses = sorted({row["clause"] for row in asked if row.get("clause")})
    said = {r["clause"]: r for r in select(clause_sparql(clauses))} if clauses else {}
    named = sorted({row[n] for row in asked for n in NAMED})
    names = {r["node"]: r["label"] for r in select(label_sparql(named))} if named else {}
    return [{**said.get(row.get("clause", ""), {}), **row,
             **{f"{n}Label": names[row[n]] for n in NAMED if row[n] in names}}
            for row in asked]


def holds(row: dict, day: str) -> bool:
    """Whether some source allows the pair held on ``day`` (the query's filter, for one day)."""
    until = row.get("possibleUntil") or ""
    return row["possibleFrom"] <= day and (not until or day < until)


def as_rows(question: Question, fetched: list[dict]) -> list[dict]:
    found = []
    for row in fetched:
        found.append({
            "date": question.date, "certainty": certainty(row, question.date),
            "guarantor": row["guarantor"], "guarantor_label": row.get("guarantorLabel", ""),
            "protected": row["protected"], "protected_label": row.get("protectedLabel", ""),
            "commitment": row["commitment"], "commitment_label": row.get("commitmentLabel", ""),
            "clause": row.get("clause", ""), "article": row.get("article", ""),
            "quotation": row.get("quotation", ""), "strength": row.get("strength", ""),
            "strength_label": row.get("strengthLabel", ""),
            "strength_rank": int(row["rank"]) if row.get("rank") else None,
            "trigger": row.get("trigger", ""), "scope": row.get("scope", ""),
            "certain_from": row.get("certainFrom", ""),
            "certain_until": row.get("certainUntil", ""),
            "possible_from": row["possibleFrom"], "possible_until": row.get("possibleUntil", ""),
            "end_disputed": row.get("disputed") == "true",
            "caveat": row.get("caveat", "") if question.date >= question.today else "",
            "obligation": row["obligation"],
            "sources": SEPARATOR.join(sorted(filter(None, row.get("sources", "").split(
                SEPARATOR)))),
        })
    return sorted(found, key=lambda r: (r["protected_label"], r["strength_rank"] or 9,
                                        r["commitment_label"], r["guarantor_label"]))


def table_schema(csv_url: str) -> dict:
    """The CSVW metadata of the CSV at ``csv_url`` (W3C Metadata Vocabulary for Tabular Data)."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": "Who must defend whom on a date: pactgraph's derived defense obligations, "
                    "one row per guarantor and protected party",
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "tableSchema": {
            "columns": [{"name": name, "titles": name, "datatype": datatype,
                         "dc:description": description, "required": name in REQUIRED}
                        for name, datatype, description in COLUMNS],
            "primaryKey": ["guarantor", "protected", "obligation"],
        },
        "dialect": {"header": True, "encoding": "utf-8"},
    }


REQUIRED = frozenset({"date", "certainty", "guarantor", "protected", "commitment",
                      "possible_from", "end_disputed", "obligation"})
