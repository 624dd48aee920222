"""Blueprint: who must defend whom on a date, as JSON and CSV (``/api/obligations``).

- ``GET /api/obligations?protected=PHL&date=2026-12-01`` (also ``guarantor=``, ``treaty=``; no
  date: today, by the clock of ``pactgraph/clock.py``): JSON, or CSV for ``Accept: text/csv``;
- ``/api/obligations.json`` and ``/api/obligations.csv``: the same, whatever Accept says;
- ``/api/obligations.csv-metadata.json``: the CSV's CSVW table schema (W3C Tabular Data), found
  "beside" the CSV as CSVW's locating rules expect and linked from each CSV (``Link: describedby``).

The rows come from the derived obligations by one SPARQL query through the engine seam
(pages/obligations.py), never from rdflib on the request path.
"""

from __future__ import annotations

import csv
import datetime
import io

from flask import Blueprint, Response, abort, jsonify, request, url_for
from rdflib import URIRef
from rdflib.namespace import RDF

from pactgraph import clock, formats
from pactgraph.errors import NotAcceptable
from pactgraph.namespaces import PG
from pactgraph.pages.network import DATE
from pactgraph.pages.obligations import (
    COLUMNS,
    Question,
    rows,
    state_iri,
    table_schema,
    treaty_iri,
)
from pactgraph.pages.on_date import OnDate, on_date, statements_sparql
from pactgraph.web import negotiation
from pactgraph.web.caching import cache_control, kept_until_tomorrow
from pactgraph.web.context import publication

blueprint = Blueprint("api", __name__)

JSON, CSV = "application/json", "text/csv"


def ask_date(text: str | None) -> str:
    """'1975' or '1975-06-01' as a day (a year is its first day); today if not given."""
    if not text:
        return clock.today(publication().settings)
    match = DATE.match(text.strip())
    if not match:
        abort(400, f"date={text!r} is not a day (2026-12-01) or a year (1975)")
    value = match.group(1) + (match.group(2) or "-01-01")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        abort(400, f"date={text!r} does not exist")
    return value


def _named(name: str, kind: str, to_iri, rdf_type, form: str) -> str | None:
    """The IRI that query parameter ``name`` names, None when absent: 400 when it cannot name a
    ``kind``, 404 when it names none in the data."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    iri = to_iri(value.strip())
    if iri is None:
        abort(400, f"{name}={value!r} is not a {kind}: give {form}")
    if (URIRef(iri), RDF.type, rdf_type) not in publication().graph:
        abort(404, f"{name}={value!r}: no {kind} with this {'code' if kind == 'state' else 'IRI'}"
                   f" is in the pactgraph data")
    return iri


def _party(name: str) -> str | None:
    return _named(name, "state", state_iri, PG.Signatory,
                  "its ISO 3166 alpha-3 code (PHL), its IRI, or for a state with limited"
                  " recognition the last part of its IRI (south-ossetia)")


def _treaty() -> str | None:
    return _named("treaty", "treaty", treaty_iri, PG.Commitment,
                  "the last part of its IRI (north-atlantic-treaty-1949) or the whole IRI")


def question() -> Question:
    return Question(ask_date(request.args.get("date")), _party("protected"), _party("guarantor"),
                    _treaty(), clock.today(publication().settings))


def obligation_rows(asked: Question) -> list[dict]:
    return rows(asked, publication().engine.select)


def obligations_on_date(protected: str | None = None, treaty: str | None = None) -> OnDate:
    """For a state's or a treaty's page: the day of ``?date=`` (today if none), what binds then
    and what changed that day."""
    settings = publication().settings
    asked = Question(ask_date(request.args.get("date")), protected, None, treaty,
                     clock.today(settings), sources=False)  # the page links each row's evidence
    found = on_date(asked, publication().engine.select)
    if protected is None:
        return found
    said = publication().engine.select(statements_sparql(protected, asked.date))
    return OnDate(found.date, found.rows, found.began, found.ended, tuple(said))


@blueprint.get("/api/obligations")
@blueprint.get("/api/obligations.<any(json, csv):extension>")
def obligations(extension: str = "") -> Response:
    if extension:
        media = {"json": JSON, "csv": CSV}[extension]
    else:
        try:
            media = negotiation.choose(request.headers.get("Accept"), (JSON, CSV))
        except NotAcceptable:
            raise NotAcceptable([JSON, CSV]) from None
    asked = question()
    found = obligation_rows(asked)
    schema_url = url_for("api.obligations_schema", _external=True)
    if media == CSV:
        response = Response(_csv(found),
                            content_type=formats.content_type(CSV) + "; header=present")
        response.headers["Link"] = (f'<{schema_url}>; rel="describedby"; '
                                    f'type="application/csvm+json"')
    else:
        response = jsonify({
            "date": asked.date, "protected": asked.protected, "guarantor": asked.guarantor,
            "treaty": asked.treaty, "count": len(found),
            "certain": sorted({r["guarantor"] for r in found if r["certainty"] == "certain"}),
            "possible": sorted({r["guarantor"] for r in found} -
                               {r["guarantor"] for r in found if r["certainty"] == "certain"}),
            "obligations": found,
            "statements": publication().engine.select(statements_sparql(asked.protected,
                                                                        asked.date))
            if asked.protected else [],
            "csv": url_for("api.obligations", extension="csv", _external=True,
                           **request.args),
            "tableSchema": schema_url})
    if not extension:
        response.vary.add("Accept")
    settings = publication().settings
    response.headers["Cache-Control"] = cache_control(int(settings["cache_max_age_seconds"]))
    if request.args.get("date") in (None, ""):
        kept_until_tomorrow(response, settings)  # "today" moves at midnight
    return response


def _csv(found: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [name for name, _, _ in COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    for row in found:
        writer.writerow({**row, "end_disputed": str(row["end_disputed"]).lower(),
                         "strength_rank": "" if row["strength_rank"] is None
                         else row["strength_rank"]})
    return out.getvalue()


@blueprint.get("/api/obligations.csv-metadata.json")
def obligations_schema() -> Response:
    response = jsonify(table_schema(url_for("api.obligations", extension="csv", _external=True)))
    response.content_type = "application/csvm+json"
    return response


def dated_obligations(focus: URIRef, summary: tuple | None):
    """A state's or a treaty's obligations on the day of ``?date=`` (today if none)."""
    kind = summary[0] if summary else None
    if kind == "state":
        return obligations_on_date(protected=str(focus))
    if kind == "commitment":
        return obligations_on_date(treaty=str(focus))
    return None
