"""The CSV tables, for people who do not read RDF: commitments, parties, memberships, clauses and
invocations, each with a Frictionless Table Schema, and a Data Package listing them.

Each table is one row per resource of a class, one column per property; the values of a column
are read by SPARQL on the store, sorted, and joined with `` | `` where a resource has several (its
sources, a treaty's parties), so the same data always gives the same bytes. Only English or
untagged literals are taken. The schemas say each column's type and meaning, and the primary and
foreign keys between the tables; the Data Package (``datapackage.json``) carries the dataset's
licence and version (https://specs.frictionlessdata.io/).

They are made once per version of the input files, with the prebuilt store (``write_files``, into
its ``dumps/tables/``, recorded in its manifest like every dump), and served from there
(``build_files``); a release makes its own (build/release.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL

from pactgraph.build.downloads import Dump, kept_bytes
from pactgraph.build.memory import bytes_etag
from pactgraph.engine.store import TripleStore
from pactgraph.namespaces import DATASET_IRI

if TYPE_CHECKING:
    from pactgraph.build.publication import Publication

SEPARATOR = " | "
DATE_PATTERN = r"-?\d{4}(-\d{2}(-\d{2})?)?"  # a year, a month or a day, as precise as the source
TABLE_FOLDER = "tables"  # under /download/
DATAPACKAGE = "datapackage.json"
SCHEMA_MEDIA_TYPE = "application/schema+json"  # a Frictionless Table Schema is a JSON document


@dataclass(frozen=True)
class Column:
    name: str
    path: str         # a SPARQL property path from the row's resource
    description: str
    type: str = "string"   # a Frictionless field type: string, integer, boolean
    several: bool = False  # may hold several values, joined by SEPARATOR
    date: bool = False     # an ISO 8601 year, year-month or date
    references: str | None = None  # the table whose "iri" column this column's IRIs are in


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    of_class: str     # the rows: every resource of this class (or of a subclass)
    columns: tuple[Column, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def schema_filename(self) -> str:
        return f"{self.name}.schema.json"


IRI = Column("iri", "", "The resource's IRI, dereferenceable for its full description.")
LABEL = Column("label", "rdfs:label", "Its name, in English.")
SOURCES = Column("sources", "dcterms:source", "The sources cited for it (IRIs).", several=True)

TABLES: tuple[Table, ...] = (
    Table("commitments", "Treaties and other defense commitments", "pg:Commitment", (
        IRI, LABEL,
        Column("kind", "a", "Its classes in the pactgraph ontology (IRIs).", several=True),
        Column("signed", "eli:date_document", "Date signed or issued.", date=True),
        Column("in_force_from", "eli:first_date_entry_in_force", "Date of entry into force.",
               date=True),
        Column("legal_status", "pg:legalStatus", "Its legal status today (an IRI)."),
        Column("mutual_defense", "pg:hasMutualDefenseObligation",
               "Whether it carries a mutual-defense obligation.", type="boolean"),
        Column("parties", "pg:party", "Its parties (IRIs of the parties table).", several=True),
        SOURCES)),
    Table("parties", "States and organisations that are parties", "pg:Signatory", (
        IRI, LABEL,
        Column("iso3166_alpha3", "pg:iso3166Alpha3", "ISO 3166-1 alpha-3 code."),
        Column("cow_state_code", "pg:cowStateCode", "Correlates of War state code.",
               type="integer"),
        Column("same_as", "owl:sameAs", "The same entity elsewhere (Wikidata).", several=True))),
    Table("memberships", "Memberships of multilateral commitments", "pg:Membership", (
        IRI,
        Column("commitment", "pg:membershipOf", "The commitment (commitments table).",
               references="commitments"),
        Column("member", "pg:member", "The member (parties table).", references="parties"),
        Column("member_from", "pg:memberFrom", "Member from this date.", date=True),
        Column("member_until", "pg:memberUntil", "Member until this date.", date=True),
        Column("participation_status", "pg:participationStatus", "Its participation (an IRI)."),
        SOURCES)),
    Table("clauses", "Obligation clauses", "pg:ObligationClause", (
        IRI, LABEL,
        Column("commitment", "eli:is_part_of", "The commitment it is part of.",
               references="commitments"),
        Column("number", "eli:number", "Its article number as the text gives it."),
        Column("trigger", "pg:trigger", "What triggers it (IRIs).", several=True),
        Column("strength", "pg:obligationStrength", "How strong the obligation is (an IRI)."),
        Column("invocation_status", "pg:invocationStatus", "Whether it was invoked (an IRI)."),
        Column("quoted_phrase", "pg:quotedPhrase", "The obligation's words, quoted.",
               several=True),
        SOURCES)),
    Table("invocations", "Invocations of obligation clauses", "pg:Invocation", (
        IRI, LABEL,
        Column("clause", "pg:invokedClause", "The clause invoked (clauses table).",
               several=True),
        Column("invoking_party", "pg:invokingParty", "Who invoked it (parties table).",
               several=True),
        Column("assisted_party", "pg:assistedParty", "Who was to be helped.", several=True),
        Column("date", "pg:invocationDate", "Date of the invocation.", date=True),
        Column("collective_decision", "pg:collectiveDecision",
               "Whether the parties decided together.", type="boolean"),
        SOURCES)),
)
BY_FILENAME = {name: table for table in TABLES
               for name in (table.filename, table.schema_filename)}


def _values(store: TripleStore, table: Table, column: Column, only: str = ""
            ) -> dict[str, list[str]]:
    """The values of ``column`` for every row of ``table`` (or ``only`` those of a VALUES
    clause), by the row's IRI, sorted."""
    rows = f"{only} ?row a/rdfs:subClassOf* {table.of_class} . FILTER isIRI(?row)"
    if column.path:
        pattern = (f"{rows} ?row {column.path} ?value . FILTER (!isLiteral(?value) || "
                   "lang(?value) = '' || langMatches(lang(?value), 'en'))")
    else:
        pattern = f"{rows} BIND(?row AS ?value)"
    if column.path == "a":
        pattern += " FILTER STRSTARTS(STR(?value), STR(pg:))"
    found: dict[str, set[str]] = {}
    for solution in store.query(f"SELECT DISTINCT ?row ?value WHERE {{ {pattern} }}").value:
        found.setdefault(solution["row"].value, set()).add(solution["value"].value)
    return {row: sorted(values) for row, values in found.items()}


def rows(store: TripleStore, table: Table, only: Iterable[str] | None = None
         ) -> list[list[str]]:
    """The table's rows (or those of the resources ``only``), sorted by IRI; an absent value
    is an empty cell."""
    among = "" if only is None else f"VALUES ?row {{ {' '.join(f'<{iri}>' for iri in only)} }}"
    columns = [_values(store, table, column, among) for column in table.columns]
    iris = sorted(columns[0])
    return [[SEPARATOR.join(values.get(iri, ())) for values in columns] for iri in iris]


def csv_bytes(store: TripleStore, table: Table, found: list[list[str]] | None = None) -> bytes:
    """The table (its ``rows``, unless ``found``) as CSV (RFC 4180: CRLF line ends, a header
    row), UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerows(rows(store, table) if found is None else found)
    return out.getvalue().encode("utf-8")


def table_schema(table: Table) -> dict:
    """The table's Frictionless Table Schema."""
    fields = []
    for column in table.columns:
        field: dict = {"name": column.name, "type": column.type,
                       "description": column.description}
        if column.several:
            field["description"] += f" Several values are separated by '{SEPARATOR}'."
        if column.date:
            field["constraints"] = {"pattern": DATE_PATTERN}
        if column.name == "iri":
            field["constraints"] = {"required": True, "unique": True}
        fields.append(field)
    schema: dict = {"fields": fields, "primaryKey": ["iri"], "missingValues": [""]}
    keys = [{"fields": [c.name], "reference": {"resource": c.references, "fields": ["iri"]}}
            for c in table.columns if c.references]
    if keys:
        schema["foreignKeys"] = keys
    return schema


def schema_bytes(table: Table) -> bytes:
    return (json.dumps(table_schema(table), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _makers(store: TripleStore, graph: Graph) -> dict[str, tuple[str, str, object]]:
    """file name -> (title, media type, a function making its bytes), for every file."""
    makers: dict[str, tuple[str, str, object]] = {}
    for table in TABLES:
        makers[table.filename] = (f"{table.title}, CSV", "text/csv",
                                  lambda table=table: csv_bytes(store, table))
        makers[table.schema_filename] = (f"{table.title}: Frictionless Table Schema",
                                         SCHEMA_MEDIA_TYPE, lambda table=table: schema_bytes(table))
    makers[DATAPACKAGE] = ("The tables: Frictionless Data Package", "application/json",
                           lambda: datapackage_bytes(graph))
    return makers


def write_files(store: TripleStore, graph: Graph, dumps: Path,
                made: dict[str, bytes] | None = None) -> None:
    """Write every file into ``dumps/tables/`` (a prebuilt store's folder of downloads), those
    ``made`` already (by file name) as they are."""
    (dumps / TABLE_FOLDER).mkdir(parents=True, exist_ok=True)
    for name, (_, _, make) in _makers(store, graph).items():
        (dumps / TABLE_FOLDER / name).write_bytes((made or {}).get(name) or make())


def build_files(p: Publication) -> dict[str, Dump]:
    """Every file of /download/tables/, by file name: each table, its schema, the package, read
    from the prebuilt store's folder, where they were written when it was built (made again,
    with a warning, if one is missing or changed: build/downloads.py's ``kept_bytes``)."""
    files = {}
    for name, (title, media_type, make) in _makers(p.store, p.graph).items():
        body = make() if p.folder is None else kept_bytes(p.folder, f"{TABLE_FOLDER}/{name}", make)
        files[name] = _dump(name, title, media_type, body)
    return files


def datapackage_bytes(graph: Graph) -> bytes:
    """The Data Package, with the title, version and licence ``graph`` gives the dataset."""
    dataset = URIRef(DATASET_IRI)
    package = datapackage(str(graph.value(dataset, DCTERMS.title) or "pactgraph"),
                          str(graph.value(dataset, OWL.versionInfo) or ""),
                          str(graph.value(dataset, DCTERMS.license) or ""))
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _dump(filename: str, title: str, media_type: str, body: bytes) -> Dump:
    return Dump(f"{TABLE_FOLDER}/{filename}", title, media_type, body, bytes_etag(body))


def datapackage(title: str, version: str, licence: str) -> dict:
    """The Data Package describing every table, with the dataset's licence and version."""
    return {
        "name": "pactgraph-tables", "title": title, "version": version,
        "licenses": [{"name": "CC-BY-4.0", "path": licence}],
        "resources": [{"name": table.name, "title": table.title, "path": table.filename,
                       "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                       "schema": table.schema_filename, "profile": "tabular-data-resource"}
                      for table in TABLES],
        "profile": "tabular-data-package",
    }
