"""The prebuilt store of what a remote store holds (``data_from_engine``): read, validated, built.

A research group whose graph lives in its own SPARQL store has no data files: with
``data_from_engine`` (``pactgraph serve --engine-url URL`` with no ``--data``), the data is the
named graphs the store at ``engine_url`` holds (``engine_graphs``; by default
``{base}graph/data``, where ``pactgraph publish`` puts it), read whole at start-up
(engine/remote_read.py). The ontology and the shapes are the local files, as ever. From there the
way is the one of local files (build/publication.py): the data is validated against the shapes
(``DataNotConforming`` refuses it with the same report), the obligations and entailments are
derived, and the prebuilt store is built (build/prebuilt.py), its version a hash of what was read,
so pages, dumps, VoID and the obligations API show what the store holds; a later start on the same
content only reads and hashes it.

The graphs pactgraph makes rather than the store's owner (``MADE_HERE``: the ontology, the derived
obligations, the entailed triples) must be in the store too, as ``pactgraph publish`` writes them:
client queries are answered by the store, pages by this copy, and they must agree. So each start
reads them as well and compares them with what was built; a store that lacks them or holds them
as an older version of its data derived them is refused (``StoreOutOfStep``), with the
``pactgraph publish --engine-url`` command that writes them (``check=False`` is that command).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from pactgraph.build import prebuilt, revalidation, versions
from pactgraph.build.prebuilt import Prepared
from pactgraph.engine.remote_http import SETTING, StoreClient
from pactgraph.engine.remote_read import read_graphs
from pactgraph.engine.store import graph_iri
from pactgraph.errors import QueryEngineUnavailable, StoreOutOfStep
from pactgraph.knowledge.rdf_files import rdf_files
from pactgraph.knowledge.sources import Knowledge, SourceGraphs

MADE_HERE = tuple(graph_iri(name) for name in ("ontology", "obligations", "entailed"))


def data_graph_names(settings: dict) -> list[str]:
    """The store's graphs that hold the data: ``engine_graphs``, else ``{base}graph/data``."""
    return [name for name in settings["engine_graphs"] or [graph_iri("data")]
            if name not in MADE_HERE]


def n_triples(triples) -> bytes:
    """``triples`` as N-Triples, one line each, sorted: the same bytes for the same triples."""
    lines = (ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES) for triple in triples)
    return b"".join(sorted(lines))


def _rdflib(triples) -> Graph:
    graph = Graph()
    return graph.parse(data=n_triples(triples).decode("utf-8"), format="nt") if triples \
        else graph


def knowledge_from(settings: dict, data: dict[str, set[ox.Triple]]) -> Knowledge:
    """The ontology and shapes files, and ``data`` (graph name -> triples) as the data."""
    sources, default = SourceGraphs(), Graph()
    for name, triples in data.items():
        part = _rdflib(triples)
        sources.graph += part
        if name == graph_iri("data"):
            default += part
        else:
            sources.named[name] = part
    if sources.named:
        sources.default = default
    return Knowledge(SourceGraphs.load(settings["ontology_paths"]), sources,
                     SourceGraphs.load(settings["shapes_paths"]))


def _version(settings: dict, data: dict[str, set[ox.Triple]]) -> str:
    files = [*rdf_files(settings["ontology_paths"]), *rdf_files(settings["shapes_paths"])]
    digest = hashlib.sha256()
    for name in sorted(data):
        digest.update(name.encode("utf-8") + b"\0" + n_triples(data[name]) + b"\0")
    return versions.input_version([file.path for file in files], *versions.VALIDATION_INPUTS,
                                  *(file.describe() for file in files),
                                  f"{SETTING} data {digest.hexdigest()}")


def read_store(settings: dict, names: list[str]) -> dict[str, set[ox.Triple]]:
    """The graphs ``names`` of the store at ``engine_url``, each read whole."""
    client = StoreClient(settings["engine_url"], settings)
    try:
        return read_graphs(client, names, int(settings["max_result_rows"]))
    except QueryEngineUnavailable as error:
        raise QueryEngineUnavailable(f"{error}. (With data_from_engine the data is read from "
                                     "that store at start-up; nothing is served without it.)"
                                     ) from None
    finally:
        client.close()


def prepare_from_engine(settings: dict, check: bool = True) -> Prepared:
    """The prebuilt store of the data the store at ``engine_url`` holds (see the docstring);
    with ``check``, the store's own copies of ``MADE_HERE`` must match it."""
    names = data_graph_names(settings)
    read = read_store(settings, [*names, *(MADE_HERE if check else ())])
    data = {name: read[name] for name in names}
    if not any(data.values()):
        raise QueryEngineUnavailable(
            f"the SPARQL store at {settings['engine_url']} (the {SETTING} setting) holds no "
            f"triple in {', '.join(f'<{name}>' for name in names)}: load the data there first "
            "(`pactgraph publish --to` its Graph Store Protocol URL), or name the graphs that "
            "hold it (engine_graphs)")
    version = _version(settings, data)

    folder = revalidation.prepare_validated(settings, version,
                                            lambda: knowledge_from(settings, data))
    if check:
        check_made_here(settings["engine_url"], folder, read)
    return Prepared(folder, version)


def built_graphs(folder: Path) -> dict[str, set[ox.Triple]]:
    """The triples of each graph of the prebuilt store in ``folder``, from its N-Quads copy (the
    server's parent process never opens the on-disk store: its workers are forked)."""
    graphs: dict[str, set[ox.Triple]] = {}
    for quad in ox.parse(path=str(folder / prebuilt.QUADS), format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return graphs


def _same(ours: set[ox.Triple], theirs: set[ox.Triple]) -> bool:
    """Equal as RDF graphs: triple by triple, or up to blank-node labels where there are some."""
    if ours == theirs:
        return True
    blank = any(isinstance(term, ox.BlankNode) for triple in (*ours, *theirs)
                for term in (triple.subject, triple.object))
    return blank and len(ours) == len(theirs) and isomorphic(_rdflib(ours), _rdflib(theirs))


def check_made_here(url: str, folder: Path, read: dict[str, set[ox.Triple]]) -> None:
    """Raise ``StoreOutOfStep`` unless the store holds each of ``MADE_HERE`` as built here."""
    built = built_graphs(folder)
    for name in MADE_HERE:
        ours, theirs = built.get(name, set()), read.get(name, set())
        if not _same(ours, theirs):
            raise StoreOutOfStep(
                f"the SPARQL store at {url} (the {SETTING} setting) does not hold the graph "
                f"<{name}> as pactgraph makes it from the store's data now ({len(ours - theirs)} "
                f"triples missing, {len(theirs - ours)} not made from it), so its query answers "
                "would disagree with the pages. Write it with `pactgraph publish --to "
                f"GRAPH-STORE-URL --engine-url {url}` (it reads the data from the store and "
                "writes the ontology and what is derived from the data), then start again")
