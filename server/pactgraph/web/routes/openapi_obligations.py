"""The OpenAPI description of ``/api/obligations`` (who must defend whom on a date), read by
web/routes/openapi.py; its CSV columns come from the same table the CSV is written from."""

from __future__ import annotations

from typing import Any

from pactgraph.pages.obligations import COLUMNS

ROW_SCHEMA = {"type": "object", "properties": {
    name: {"type": {"integer": ["integer", "null"], "boolean": "boolean"}.get(datatype, "string"),
           "description": description}
    for name, datatype, description in COLUMNS}}
ANSWER_SCHEMA = {"type": "object", "required": ["date", "count", "obligations"], "properties": {
    "date": {"type": "string", "format": "date"},
    "count": {"type": "integer"},
    "certain": {"type": "array", "items": {"type": "string"},
                "description": "IRIs of the guarantors certainly bound (under any treaty)."},
    "possible": {"type": "array", "items": {"type": "string"},
                 "description": "IRIs of the guarantors only possibly bound."},
    "obligations": {"type": "array", "items": ROW_SCHEMA}}}


def _query(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string"}}


PARAMETERS = [
    _query("protected", "The attacked state: ISO 3166 alpha-3 code (PHL) or IRI."),
    _query("guarantor", "Only this guarantor: ISO 3166 alpha-3 code or IRI."),
    _query("treaty", "Only this treaty: the last part of its IRI (north-atlantic-treaty-1949) "
                     "or the IRI."),
    _query("date", "The day (2026-12-01) or a year (its first day). Default: today, and the "
                   "answer may then be kept until midnight at most (Cache-Control max-age)."),
]


def obligation_paths(errors: dict[str, Any]) -> dict[str, Any]:
    failures = {code: errors[code] for code in ("400", "404", "406")}
    answer = {"description": "One row per guarantor and protected party bound on the day, with "
                             "its certainty ('certain': every source agrees; 'possible': only "
                             "some do), clause, strength, scope, intervals and sources. Never "
                             "a consultation clause, a statement of policy or a unilateral "
                             "statement. CSV rows are described by the CSVW table schema at "
                             "`/api/obligations.csv-metadata.json` (Link: describedby).",
              "content": {"application/json": {"schema": ANSWER_SCHEMA},
                          "text/csv": {"schema": {"type": "string"}}}}
    operation = {"summary": "Who must defend whom on a date (derived obligations), JSON or CSV "
                            "by Accept",
                 "parameters": PARAMETERS, "responses": {"200": answer, **failures}}
    by_extension = {**operation, "summary": "The same, JSON or CSV by the extension",
                    "parameters": [{"name": "extension", "in": "path", "required": True,
                                    "schema": {"type": "string", "enum": ["json", "csv"]}},
                                   *PARAMETERS]}
    schema = {"summary": "The CSV's CSVW table schema (W3C Tabular Data Metadata)",
              "responses": {"200": {"description": "CSVW metadata.", "content": {
                  "application/csvm+json": {"schema": {"type": "object"}}}}}}
    return {"/api/obligations": {"get": operation},
            "/api/obligations.{extension}": {"get": by_extension},
            "/api/obligations.csv-metadata.json": {"get": schema}}
