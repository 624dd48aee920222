"""The CSV tables of a build after an edit, written as a change to the last folder's.

Each table (build/tables.py) has one row per resource of a class, and each of its columns reads
one property of the row's own resource. So a row changes only with its resource's own triples
(its types among them, the entailed ones following from its own) and with the class hierarchy
that decides which resources are rows. Writing the tables took 12.2 of the 155 s an edit of one
label took at 80x the bundled data; now a folder written as a change (build/store_change.py)
keeps the last folder's rows of every other resource, and reads again only the rows of the
changed subjects, each table sorted by IRI as before: the same bytes as a full write
(tests/test_store_change.py compares them).

When a changed subject is a class (something is typed with it, or it is on either side of an
``rdfs:subClassOf``), in the last store or in this one, which resources are rows may have
changed anywhere: the tables are written in full, as they are when anything else fails.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pyoxigraph as ox

from pactgraph.build import tables
from pactgraph.build.downloads import DUMPS
from pactgraph.build.store_change import Change, Unchangeable, as_built
from pactgraph.engine.store import TripleStore

log = logging.getLogger(__name__)

_A_CLASS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
ASK {{ VALUES ?c {{ {} }}
    {{ ?x a ?c }} UNION {{ ?c rdfs:subClassOf ?y }} UNION {{ ?y rdfs:subClassOf ?c }} }}"""


def write_tables(store: TripleStore, graph, folder: Path, change: Change | None,
                 engine: str) -> None:
    """Write ``folder``'s tables (``graph``: the published graph, for the Data Package): as
    ``change`` to its base's, if given and possible, else in full."""
    made = None
    if change is not None:
        try:
            made = _changed(store, folder, change, engine)
        except (Unchangeable, OSError, ValueError, csv.Error) as error:
            log.info("writing the tables in full: %s", error)
    tables.write_files(store, graph, folder / DUMPS, made)


def _changed(store: TripleStore, folder: Path, change: Change, engine: str) -> dict[str, bytes]:
    """Each table's CSV, by file name, as ``change`` to the base's."""
    subjects = sorted(change.subjects)
    if not subjects:
        return {table.filename: as_built(change.base, _path(table)) for table in tables.TABLES}
    ask = _A_CLASS.format(" ".join(f"<{iri}>" for iri in subjects))
    before = ox.Store.read_only(str(change.base / engine))
    if store.query(ask).value or before.query(ask, use_default_graph_as_union=True):
        raise Unchangeable("a changed subject is a class: which resources are rows may change")
    made = {}
    for table in tables.TABLES:
        old = as_built(change.base, _path(table)).decode("utf-8")
        reader = csv.reader(io.StringIO(old, newline=""))
        if next(reader, None) != [column.name for column in table.columns]:
            raise Unchangeable(f"{table.filename} has other columns")
        changed = set(subjects)
        kept = [row for row in reader if row[0] not in changed]
        fresh = tables.rows(store, table, only=subjects)
        made[table.filename] = tables.csv_bytes(store, table,
                                                sorted(kept + fresh, key=lambda row: row[0]))
    return made


def _path(table: tables.Table) -> str:
    return f"{DUMPS}/{tables.TABLE_FOLDER}/{table.filename}"
