"""The downloads: every full dump as bytes with its ETag, as written when the store was built.

``dump_body`` gives the same bytes to ``/download/...`` and to ``pactgraph export``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph

from pactgraph.build.jsonld_context import build_context
from pactgraph.build.memory import bytes_etag
from pactgraph.build.prebuilt import DUMP_FILES, dump_bytes, kept_bytes

if TYPE_CHECKING:
    from pactgraph.build.publication import Publication


@dataclass(frozen=True)
class Dump:
    filename: str
    title: str
    media_type: str
    body: bytes
    etag: str  # strong: a hash of the bytes


def dump_body(p: Publication, filename: str) -> bytes:
    """The bytes of download ``filename``, as written when the store was built
    (build/prebuilt.py)."""
    _, which, media_type = DUMP_FILES[filename]
    graph = {"published": p.graph, "ontology": p.ontology, "shapes": p.shapes}[which]

    def write() -> bytes:
        # Only for a folder whose dumps were removed: the copy in memory spares the serialisers
        # a store look-up per pattern (engine/graph_view.py).
        return dump_bytes(Graph() + graph, media_type, build_context(p.ontology))
    return write() if p.folder is None else kept_bytes(p.folder, filename, write)


def build_dumps(p: Publication) -> dict[str, Dump]:
    dumps = {}
    for filename, (title, _, media_type) in DUMP_FILES.items():
        body = dump_body(p, filename)
        dumps[filename] = Dump(filename, title, media_type, body, bytes_etag(body))
    return dumps
