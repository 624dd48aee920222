"""``pactgraph release VERSION``: a citable, versioned snapshot, ``releases/VERSION/``.

    source/          the input files as released (ontology/, data/, shapes/), to rebuild it from
    pactgraph.ttl .jsonld .nt .rdf, ontology.ttl, shapes.ttl   the dumps, as the server writes them
    tables/          the CSV tables, their Frictionless schemas and Data Package (build/tables.py)
    void.ttl         VoID/DCAT of this version: its distributions at their release URLs, and
                     prov:wasRevisionOf the previous release
    changes.nq, CHANGES.md    what changed since the previous release (build/changelog.py)
    SHA256SUMS       the sha256 of every other file

The version is stamped in what is released: the ontology's ``owl:versionInfo`` and
``owl:versionIRI`` (``{base}def/VERSION``, with ``owl:priorVersion``) and the dataset's
``owl:versionInfo``. Nothing in a release depends on the date, the host or the machine, so the same
source gives the same bytes (tests/test_release.py rebuilds one and compares checksums); a
release folder that exists is never written over.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF

from pactgraph.build import changelog, tables
from pactgraph.build.downloads import DUMP_FILES, Dump, written_dumps
from pactgraph.build.jsonld_context import build_context
from pactgraph.build.memory import bytes_etag
from pactgraph.build.serialization import serialize
from pactgraph.engine.store import TripleStore, published_graphs
from pactgraph.errors import DataNotConforming, PactgraphError
from pactgraph.knowledge.sources import Knowledge, bind_prefixes
from pactgraph.namespaces import CANONICAL_BASE, DATASET_IRI, ONTOLOGY_IRI, PROV
from pactgraph.pages.dataset import compute_statistics, dataset_description
from pactgraph.pages.our_iris import IriMap

SOURCE, CHECKSUMS, DESCRIPTION = "source", "SHA256SUMS", "void.ttl"
HAS_VERSION = URIRef("http://www.w3.org/ns/dcat#hasVersion")  # DCAT 3, not in rdflib's DCAT
KINDS = ("ontology", "data", "shapes")


def release_iri(version: str) -> str:
    return f"{CANONICAL_BASE}releases/{version}"


def ontology_version_iri(version: str) -> str:
    return f"{ONTOLOGY_IRI}/{version}"


def _copy_sources(paths: dict[str, list[str]], folder: Path) -> None:
    """The input files, kind by kind, flattened to their names (one file per treaty)."""
    for kind in KINDS:
        target = folder / SOURCE / kind
        target.mkdir(parents=True)
        for path in map(Path, paths[kind]):
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in files:
                if (target / file.name).exists():
                    raise PactgraphError(f"two input files are named {file.name}; a release "
                                         "keeps one folder per kind of file")
                shutil.copyfile(file, target / file.name)


def _stamp(knowledge: Knowledge, version: str, previous: str | None) -> None:
    """The release's version in its ontology and dataset description."""
    ontology, dataset = URIRef(ONTOLOGY_IRI), URIRef(DATASET_IRI)
    graph = knowledge.ontology.graph
    for predicate in (OWL.versionInfo, OWL.versionIRI, OWL.priorVersion):
        graph.remove((ontology, predicate, None))
    graph.add((ontology, OWL.versionInfo, Literal(version)))
    graph.add((ontology, OWL.versionIRI, URIRef(ontology_version_iri(version))))
    if previous:
        graph.add((ontology, OWL.priorVersion, URIRef(ontology_version_iri(previous))))
    for part in (knowledge.data.graph, knowledge.data.default_graph()):
        part.remove((dataset, OWL.versionInfo, None))
        part.add((dataset, OWL.versionInfo, Literal(version)))


def _description(knowledge: Knowledge, store: TripleStore, files: dict[str, bytes],
                 version: str, previous: str | None) -> Graph:
    """VoID/DCAT of this version, its files at their release URLs."""
    urls = _ReleaseUrls(CANONICAL_BASE, CANONICAL_BASE.rstrip("/"), version)
    dumps = {name: Dump(name, title, media, files[name], bytes_etag(files[name]))
             for name, (title, _, media) in DUMP_FILES.items()}
    table_files = {name: Dump(f"tables/{name}", table.title, "text/csv", files[f"tables/{name}"],
                              "") for table in tables.TABLES for name in (table.filename,)}
    published = bind_prefixes(Graph()) + knowledge.ontology.graph + knowledge.data.graph
    description = dataset_description(published, compute_statistics(store), dumps,
                                      urls, (), table_files)
    release = URIRef(release_iri(version))
    description.add((release, RDF.type, DCAT.Dataset))
    description.add((URIRef(DATASET_IRI), HAS_VERSION, release))
    description.add((release, OWL.versionInfo, Literal(version)))
    description.add((release, DCTERMS.isVersionOf, URIRef(DATASET_IRI)))
    if previous:
        description.add((release, PROV.wasRevisionOf, URIRef(release_iri(previous))))
    return description


@dataclass(frozen=True)
class _ReleaseUrls(IriMap):
    """Canonical URLs, but the downloads' inside the release: {base}releases/VERSION/x."""

    version: str = ""

    def url_for(self, iri: str) -> str:
        download = self.base_iri + "download/"
        if iri.startswith(download):
            return f"{self.base_iri}releases/{self.version}/{iri[len(download):]}"
        return iri


def build_release(version: str, paths: dict[str, list[str]], output: Path,
                  previous: Path | None = None) -> Path:
    """Build ``output/version`` from the files of ``paths`` (kind -> files or folders); the
    changelog compares it with the release folder ``previous``. Returns the folder."""
    folder = Path(output) / version
    if folder.exists():
        raise PactgraphError(f"{folder} exists; a release is never written over")
    building = Path(output) / f".{version}.building"
    shutil.rmtree(building, ignore_errors=True)
    try:
        _copy_sources(paths, building)
        _write(version, building, previous)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    building.rename(folder)
    return folder


def _write(version: str, folder: Path, previous: Path | None) -> None:
    source = {kind: [str(folder / SOURCE / kind)] for kind in KINDS}
    knowledge = Knowledge.load(source["ontology"], source["data"], source["shapes"])
    report = knowledge.validate()
    if not report.conforms:
        raise DataNotConforming(report)
    previous_version = previous.name if previous else None
    _stamp(knowledge, version, previous_version)
    store = TripleStore(published_graphs(knowledge))
    published = knowledge.published()
    context = build_context(knowledge.ontology.graph)
    graphs = {"ontology": lambda: knowledge.ontology.graph,
              "shapes": lambda: knowledge.shapes.graph}
    files: dict[str, bytes] = dict(written_dumps(DUMP_FILES, store, graphs, context))
    for table in tables.TABLES:
        files[f"tables/{table.filename}"] = tables.csv_bytes(store, table)
        files[f"tables/{table.schema_filename}"] = tables.schema_bytes(table)
    files[f"tables/{tables.DATAPACKAGE}"] = tables.datapackage_bytes(published)
    files[DESCRIPTION] = serialize(_description(knowledge, store, files, version,
                                                previous_version), "turtle")
    if previous is not None:
        before = Graph().parse(previous / "pactgraph.nt", format="nt")
        found = changelog.changes(before, Graph().parse(data=files["pactgraph.nt"], format="nt"),
                                  version, previous.name)
        files["changes.nq"] = changelog.as_nquads(found, release_iri(version))
        files["CHANGES.md"] = changelog.as_words(found, published).encode("utf-8")
    for name, body in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    (folder / CHECKSUMS).write_text(checksums(folder), encoding="utf-8")


def checksums(folder: Path) -> str:
    """``sha256  path`` for every file of the release but SHA256SUMS, sorted (sha256sum -c)."""
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder)}"
             for path in sorted(folder.rglob("*")) if path.is_file() and path.name != CHECKSUMS]
    return "\n".join(lines) + "\n"


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


def released_versions(folder: str | Path) -> list[str]:
    """The versions released in ``folder`` (each a folder with its SHA256SUMS), oldest first."""
    root = Path(folder)
    if not root.is_dir():
        return []
    found = [path.name for path in root.iterdir() if (path / CHECKSUMS).is_file()]
    return sorted(found, key=_version_key)


def released_files(folder: Path) -> dict[str, str]:
    """The files of a release, by path, with their sha256 (from its SHA256SUMS)."""
    lines = (folder / CHECKSUMS).read_text(encoding="utf-8").splitlines()
    return {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines if "  " in line}
