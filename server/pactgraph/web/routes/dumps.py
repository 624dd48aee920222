"""Blueprint: full dumps, the JSON-LD @context, the VoID/DCAT description, the settings page.

The dumps are serialised once per app, the first time one is asked for, and kept as bytes with their
ETag; a request costs a dict lookup (the publication's memo, web/context.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph
from rdflib.namespace import VOID

from pactgraph import formats
from pactgraph.build import tables
from pactgraph.build.downloads import DUMP_FILES, Dump, build_dumps
from pactgraph.build.memory import bytes_etag
from pactgraph.build.release import released_files, released_versions
from pactgraph.pages.dataset import (
    DATASET,
    add_versions,
    dataset_description,
    statistics_of,
)
from pactgraph.pages.describe import label_of
from pactgraph.pages.labeller import Labeller
from pactgraph.settings import HELP, public_value
from pactgraph.web.context import graph_sizes, iri_map, memo, publication
from pactgraph.web.representation import (
    BY_EXTENSION,
    jsonld_context,
    profiled_document,
    shared_cacheable,
)

blueprint = Blueprint("dumps", __name__)


# --- Dumps ----------------------------------------------------------------------------------------

def all_dumps() -> dict[str, Dump]:
    return memo("dumps", build_dumps)


def bytes_response(body: bytes, media_type: str, etag: str,
                    filename: str | None = None) -> Response:
    response = Response(body, content_type=formats.content_type(media_type))
    response.set_etag(etag)
    shared_cacheable(response)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


@blueprint.get("/download/")
def downloads() -> str:
    return render_template("downloads.html", dumps=all_dumps().values(),
                           tables=csv_tables().values())


@blueprint.get("/download/<name>")
def download(name: str) -> Response:
    dump = all_dumps().get(name)
    if dump is None:
        return Response(f"No download named {name!r}. Available: {', '.join(DUMP_FILES)}.\n",
                        status=404, content_type="text/plain; charset=utf-8")
    return bytes_response(dump.body, dump.media_type, dump.etag, dump.filename)


@blueprint.get("/context.jsonld")
def context() -> Response:
    body = json.dumps({"@context": jsonld_context()}, indent=2).encode("utf-8")
    return bytes_response(body, "application/ld+json", bytes_etag(body))


# With data_from_engine the data is what the store holds: the data files' settings keep their
# defaults (the bundled data), which would tell a visitor that those files are served.
FILE_SETTINGS = ("data_paths", "data_graphs", "data_format")
NOT_READ = " Not read by this server: its data is what the store at engine_url holds."


@blueprint.get("/-/settings.json")
def settings_json() -> Response:
    settings = publication().settings
    unread = FILE_SETTINGS if settings.get("data_from_engine") else ()
    rows = [{"name": name, "value": None if name in unread else public_value(name, value),
             "help": HELP[name] + (NOT_READ if name in unread else "")}
            for name, value in settings.items()]
    return current_app.response_class(json.dumps(rows, indent=2, default=str),
                                      mimetype="application/json")


# --- The dataset description (VoID + DCAT) --------------------------------------------------------



def csv_tables() -> dict[str, Dump]:
    """The CSV tables (build/tables.py, served by web/routes/tables.py), by file name."""
    files = memo("tables", tables.build_files)
    return {name: file for name, file in files.items() if file.media_type == "text/csv"}


def current_dataset_description() -> Graph:
    stats = memo("statistics", lambda p: statistics_of(p.store, p.folder, graph_sizes))
    description = dataset_description(publication().graph, stats, all_dumps(), iri_map(),
                                      publication().examples, csv_tables())
    folder = Path(publication().settings["releases_path"])
    versions = released_versions(folder)
    add_versions(description, versions, iri_map(),
                 {version: released_files(folder / version) for version in versions})
    return description


@blueprint.get("/.well-known/void")
def well_known_void() -> Response:
    response = redirect(url_for("dumps.dataset"), code=303)
    return response


@blueprint.get("/dataset")
@blueprint.get("/dataset<any('.ttl', '.jsonld', '.nt', '.rdf'):extension>")
def dataset(extension: str = "") -> Response:
    graph = current_dataset_description()
    stats = memo("statistics", lambda p: statistics_of(p.store, p.folder, graph_sizes))
    urls = iri_map()

    def html() -> str:
        rows = Labeller(publication().graph, urls).rows(graph, DATASET, skip=[VOID.dataDump])
        return render_template("dataset.html", rows=rows, dataset=DATASET, stats=stats,
                               dumps=all_dumps().values(), formats=BY_EXTENSION,
                               doc_path=url_for("dumps.dataset"),
                               title=label_of(graph, DATASET) or "pactgraph dataset")

    return profiled_document(DATASET, lambda: graph, html, url_for("dumps.dataset"), extension)
