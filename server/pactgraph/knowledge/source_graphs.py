"""The triples of one kind of file (ontology, data or shapes), merged, and where each came from.

Parsing is most of what a build after an edit spends before it validates: 22 of its 50 s at 80x
the bundled data, of which rdflib took 7.7 s adding each file's triples to a graph of the file's
own and 9.2 s adding them again to the graph of them all. So data files in no named graph are
parsed by Oxigraph straight into the graph of them all (``rdf_files.oxigraph_triples``), and
no graph of each file is kept: only which file each subject is first described in, to point a
contributor at it. (What a file held when a build after an edit needs it is read again:
build/basis.py.) Every other file (the ontology, the shapes, a file that names graphs or that
Oxigraph refuses) is read into a graph of its own, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from pactgraph.knowledge.rdf_files import (
    PARSED_BY_OXIGRAPH,
    QUADS,
    RdfFile,
    graph_files,
    oxigraph_triples,
    rdf_files,
    read,
)
from pactgraph.namespaces import PREFIXES


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


@dataclass
class SourceGraphs:
    """The triples of one kind of file (ontology, data or shapes), merged, and their files.

    ``graph`` holds every triple (what is validated); ``named`` the triples of each named graph
    the files put them in (a file's own graphs, or the graph the user named for it), and
    ``default`` those in no named graph (None when nothing is named: then it is ``graph``).
    ``files`` holds each file's own graph, for the files read into one (not the data files
    parsed straight into ``graph``); ``sources`` every file read, in order.
    """

    graph: Graph = field(default_factory=lambda: bind_prefixes(Graph()))
    files: dict[Path, Graph] = field(default_factory=dict)
    named: dict[str, Graph] = field(default_factory=dict)
    default: Graph | None = None
    sources: list[RdfFile] = field(default_factory=list)
    described_in: dict = field(default_factory=dict)  # each subject's first file

    @classmethod
    def load(cls, paths: Iterable[str | Path], data_format: str | None = None,
             graphs: Iterable[Iterable[str]] = (), data: bool = False) -> SourceGraphs:
        """The files of ``paths`` (those named, read in ``data_format`` if given) and the files of
        ``graphs``, pairs of (graph IRI, path) whose triples go into that named graph. ``data``:
        data files, parsed by Oxigraph where it can (knowledge/rdf_files.py)."""
        return cls.read([*rdf_files(paths, data_format), *graph_files(graphs, data_format)], data)

    @classmethod
    def read(cls, sources: Iterable[RdfFile], data: bool = False) -> SourceGraphs:
        # Parts are kept as parsed, not copied into graphs per file, per name and for the default
        # graph (half of loading: rdflib adds a triple in ~20 us); nothing changes them later.
        loaded = cls(sources=list(sources))
        by_file: dict[Path, list[Graph]] = {}
        by_name: dict[str, list[Graph]] = {}
        default: list[Graph] = []
        # Straight into ``graph`` only when nothing is named: else the default graph's triples
        # are kept apart from the named ones'
        straight = data and all(s.graph is None and s.media_type not in QUADS
                                for s in loaded.sources)
        for source in loaded.sources:
            subjects = _read_into(source, loaded.graph) if straight else None
            if subjects is None:
                subjects = set()
                for name, part in read(source, by_oxigraph=data).items():
                    by_file.setdefault(source.path, []).append(part)
                    loaded.graph += part
                    (default if name is None else by_name.setdefault(name, [])).append(part)
                    subjects.update(part.subjects(unique=True))
            for subject in subjects:
                loaded.described_in.setdefault(subject, source.path)
        loaded.files = {path: _merged(parts) for path, parts in by_file.items()}
        loaded.named = {name: _merged(parts) for name, parts in by_name.items()}
        if loaded.named:
            loaded.default = _merged(default)
        return loaded

    def default_graph(self) -> Graph:
        """The triples in no named graph."""
        return self.graph if self.default is None else self.default

    def file_defining(self, node) -> Path | None:
        """The file in which ``node`` is a subject, to point a contributor at it."""
        return self.described_in.get(node)


def _read_into(source: RdfFile, graph: Graph) -> set | None:
    """Parse ``source`` by Oxigraph into ``graph``; the subjects it gave, or None (nothing read)
    if Oxigraph refuses it or it names a graph: then ``rdf_files.read`` reads it."""
    if source.media_type not in PARSED_BY_OXIGRAPH:
        return None
    try:  # a refused file is read again by rdflib, which says what is wrong in its own words
        parsed = oxigraph_triples(source)
    except (SyntaxError, ValueError, UnicodeDecodeError, AttributeError):
        return None
    if any(name is not None for name in parsed):
        return None
    triples = parsed.get(None, [])
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return {s for s, _, _ in triples}


def _merged(parts: list[Graph]) -> Graph:
    """One graph of ``parts``: the only one itself, else a new graph of them all."""
    if len(parts) == 1:
        return parts[0]
    merged = Graph()
    for part in parts:
        merged += part
    return merged
