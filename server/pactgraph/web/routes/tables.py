"""Blueprint: the CSV tables (build/tables.py) and their Frictionless schemas and Data Package, at
``/download/tables/{name}``; made once per app, the first time one is asked for, and kept as bytes
with their ETag."""

from __future__ import annotations

from flask import Blueprint, Response

from pactgraph.build import tables
from pactgraph.build.downloads import Dump
from pactgraph.web.context import memo
from pactgraph.web.routes.dumps import bytes_response

blueprint = Blueprint("tables", __name__)

def all_tables() -> dict[str, Dump]:
    return memo("tables", tables.build_files)


@blueprint.get(f"/download/{tables.TABLE_FOLDER}/<name>")
def table(name: str) -> Response:
    found = all_tables().get(name)
    if found is None:
        return Response(f"No table file named {name!r}. Available: "
                        f"{', '.join(all_tables())}.\n", status=404,
                        content_type="text/plain; charset=utf-8")
    return bytes_response(found.body, found.media_type, found.etag, name)
