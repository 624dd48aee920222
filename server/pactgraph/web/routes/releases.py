"""Blueprint: every release (``pactgraph release``, build/release.py) at stable URLs.

``/releases/`` lists them; ``/releases/{version}`` (the release's IRI) redirects to its VoID/DCAT
description; ``/releases/{version}/{file}`` serves any file its SHA256SUMS lists, and nothing else
(so no path reaches outside it). A release never changes, so its files carry a strong ETag (their
sha256) and may be kept by any cache.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from rdflib import Graph

from pactgraph import formats
from pactgraph.build.publication import Publication
from pactgraph.build.release import DESCRIPTION, released_files, released_versions
from pactgraph.knowledge.stable_graph import stable_blank_nodes
from pactgraph.web.context import publication

blueprint = Blueprint("releases", __name__)

MEDIA_TYPES = {".csv": "text/csv", ".json": "application/json", ".md": "text/markdown",
               ".trig": "application/trig", "": "text/plain",
               **{extension: media for media, extension in formats.EXTENSION.items() if extension}}


def releases_folder() -> Path:
    return Path(publication().settings["releases_path"])


def released_ontology(p: Publication, version: str) -> Graph | None:
    """The ontology of release ``version``, if there is one (with blank nodes labelled by content,
    the same in every process)."""
    folder = Path(p.settings["releases_path"])
    if version not in released_versions(folder):
        return None
    return stable_blank_nodes(Graph().parse(folder / version / "ontology.ttl", format="turtle"))


@blueprint.get("/releases/")
def release_list() -> str:
    folder = releases_folder()
    versions = [(version, released_files(folder / version))
                for version in reversed(released_versions(folder))]
    return render_template("releases.html", versions=versions)


@blueprint.get("/releases/<version>")
def release(version: str) -> Response:
    if version not in released_versions(releases_folder()):
        abort(404)
    return redirect(url_for("releases.release_file", version=version, name=DESCRIPTION), 303)


@blueprint.get("/releases/<version>/<path:name>")
def release_file(version: str, name: str) -> Response:
    folder = releases_folder()
    if version not in released_versions(folder):
        abort(404)
    checksum = released_files(folder / version).get(name)
    if checksum is None:
        abort(404)
    media_type = MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    response = Response((folder / version / name).read_bytes(),
                        content_type=formats.content_type(media_type))
    response.set_etag(checksum)
    max_age = int(publication().settings["cache_max_age_seconds"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)
