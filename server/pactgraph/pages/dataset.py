"""What the dataset description says: VoID and DCAT from data/dataset.ttl plus computed
statistics, the SPARQL endpoint, one distribution per dump and the example questions, at the
serving host's URLs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from pactgraph.build import versions
from pactgraph.build.downloads import Dump
from pactgraph.build.examples import Example
from pactgraph.engine.store import TripleStore, graph_iri
from pactgraph.namespaces import DATASET_IRI, ELI, PG, PROV, SCHEMA, SD, SKOS, WD
from pactgraph.pages.describe import description
from pactgraph.pages.our_iris import INDEXES, IriMap
from pactgraph.whole_files import kept_as_json

DATASET = URIRef(DATASET_IRI)
WIKIDATA_LINKS = URIRef(DATASET_IRI + "#wikidata-links")
WIKIDATA = URIRef(DATASET_IRI + "#wikidata")
VOCABULARIES = (PG, ELI, SCHEMA, PROV, SKOS, DCTERMS)
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Statistics:
    """What the description computes from the published graph, once per app."""

    triples: int
    distinct_subjects: int
    properties: int
    classes: int
    wikidata_links: int
    treaties: tuple[URIRef, ...]
    named_graphs: tuple[tuple[str, int], ...] = ()  # graphs but the ontology's and the data's
    # The #-nodes of the description in data/dataset.ttl, found in SPARQL: a pass over every
    # subject through the store's graph view took 30 s at 80 times the data.
    parts: tuple[URIRef, ...] = ()


def compute_statistics(store: TripleStore,
                       sizes: dict[str | None, int] | None = None) -> Statistics:
    """The counts, by SPARQL on the store (in Rust: a pass over the triples in rdflib would take
    seconds at scale). Triples are counted once each, whichever graphs hold them. ``sizes``:
    ``store.sizes()``, if already counted."""
    count, sizes = store.count, sizes or store.sizes()
    treaties = store.query("SELECT DISTINCT ?t WHERE { ?t a pg:MutualDefenseTreaty "
                           "FILTER isIRI(?t) } ORDER BY STR(?t)").value
    return Statistics(
        triples=sizes[None],
        distinct_subjects=count("?s ?p ?o", "?s"),
        properties=count("?s ?p ?o", "?p"),
        classes=count("?s a ?class", "?class"),
        wikidata_links=count(f"?s owl:sameAs ?o FILTER STRSTARTS(STR(?o), \"{WD}\")", "?s ?o"),
        treaties=tuple(URIRef(solution["t"].value) for solution in treaties),
        named_graphs=tuple((name, sizes.get(name, 0)) for name in store.graph_names
                           if name not in (graph_iri("ontology"), graph_iri("data"))),
        parts=tuple(URIRef(solution["s"].value) for solution in store.query(
            f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), \"{DATASET_IRI}#\") }}"
            " ORDER BY STR(?s)").value),
    )


def statistics_of(store: TripleStore, folder: Path | None,
                  sizes: Callable[[], dict[str | None, int]]) -> Statistics:
    """``compute_statistics`` (``sizes``: the graphs' sizes, asked only if counted here), kept
    in ``folder`` (a prebuilt store's, which never changes) for the next process: at 80 times
    the data they take 12.5 s, where each process's first dataset page took 31-36 s before
    (most of it finding the parts through the graph view)."""
    def counted() -> Statistics:
        return compute_statistics(store, sizes())
    if folder is None:
        return counted()
    code = versions.code_hash(("pages/dataset.py", "engine/store.py", "web/context.py",
                               "build/publication.py"))[-16:]  # what decides the counts
    return kept_as_json(Path(folder) / INDEXES / f"statistics-{code}.json", counted,
                        dataclasses.asdict, _statistics, ".statistics.")


def _statistics(kept: dict) -> Statistics:
    return Statistics(**{**kept, "treaties": tuple(map(URIRef, kept["treaties"])),
                         "named_graphs": tuple(map(tuple, kept["named_graphs"])),
                         "parts": tuple(map(URIRef, kept["parts"]))})


def dataset_description(graph: Graph, stats: Statistics, dumps: dict[str, Dump],
                        urls: IriMap, examples: tuple[Example, ...] = (),
                        tables: dict[str, Dump] | None = None) -> Graph:
    """The static description from data/dataset.ttl (and its #-nodes, ``stats.parts``) plus
    computed statistics, the SPARQL endpoint and one distribution per dump, at the URLs of the
    serving host."""
    out = description(graph, DATASET)
    for node in stats.parts:
        out += description(graph, node)
    add = out.add
    add((DATASET, RDF.type, VOID.Dataset))
    add((DATASET, RDF.type, DCAT.Dataset))
    add((DATASET, VOID.triples, Literal(stats.triples)))
    add((DATASET, VOID.distinctSubjects, Literal(stats.distinct_subjects)))
    add((DATASET, VOID.properties, Literal(stats.properties)))
    add((DATASET, VOID.classes, Literal(stats.classes)))
    add((DATASET, VOID.uriSpace, Literal(urls.base_iri + "id/")))
    add((DATASET, VOID.sparqlEndpoint, URIRef(urls.url_for(urls.base_iri + "sparql"))))
    for vocabulary in VOCABULARIES:
        add((DATASET, VOID.vocabulary, URIRef(str(vocabulary))))
    if (DATASET, VOID.exampleResource, None) not in out:
        for treaty in stats.treaties[:3]:
            add((DATASET, VOID.exampleResource, treaty))
    for dump in dumps.values():
        _add_distribution(out, dump, urls)
    for table in (tables or {}).values():
        _add_table(out, table, urls)
    for example in examples:
        _add_example_query(out, example, urls)
    _add_wikidata_linkset(out, stats)
    _add_named_graphs(out, stats)
    return out


def _add_named_graphs(out: Graph, stats: Statistics) -> None:
    """Each named graph but the ontology's and the data's default one (the derived obligations,
    the entailed triples, a quads file's own graphs, a graph named for a file) as a subset of
    the dataset, with its name as the SPARQL service description gives it."""
    for number, (name, triples) in enumerate(stats.named_graphs, 1):
        node = URIRef(f"{DATASET_IRI}#graph-{number}")
        out.add((DATASET, VOID.subset, node))
        out.add((node, RDF.type, VOID.Dataset))
        out.add((node, SD.name, URIRef(name)))
        out.add((node, VOID.triples, Literal(triples)))
        out.add((node, DCTERMS.title, Literal(f"The named graph <{name}>", lang="en")))


SPARQL_QUERY_MEDIA_TYPE = "application/sparql-query"


def _add_example_query(out: Graph, example: Example, urls: IriMap) -> None:
    """An example question as a file people and programs can fetch and run.

    VoID has no term for a saved query (void:exampleResource is for resources of the dataset), so
    the dataset points at each file with rdfs:seeAlso, and the file is described with Dublin Core:
    its title (the question it answers) and its format, the IANA media type of SPARQL queries.
    """
    url = URIRef(urls.url_for(urls.base_iri + f"queries/{example.name}.rq"))
    out.add((DATASET, RDFS.seeAlso, url))
    out.add((url, DCTERMS.title, Literal(example.title, lang="en")))
    out.add((url, DCTERMS.format, URIRef(IANA_MEDIA_TYPES + SPARQL_QUERY_MEDIA_TYPE)))


def _add_table(out: Graph, table: Dump, urls: IriMap) -> None:
    """A CSV table: a distribution (not a VoID data dump: it is not RDF) that conforms to its
    Frictionless Table Schema."""
    node = _add_distribution(out, table, urls, rdf=False)
    schema = table.filename.removesuffix(".csv") + ".schema.json"
    out.add((node, DCTERMS.conformsTo, URIRef(urls.url_for(urls.base_iri + "download/" + schema))))


def _add_distribution(out: Graph, dump: Dump, urls: IriMap, rdf: bool = True) -> URIRef:
    url = URIRef(urls.url_for(urls.base_iri + "download/" + dump.filename))
    slug = dump.filename.replace(".", "-").replace("/", "-")
    node = URIRef(f"{DATASET_IRI}#distribution-{slug}")
    if rdf:
        out.add((DATASET, VOID.dataDump, url))
    out.add((DATASET, DCAT.distribution, node))
    out.add((node, RDF.type, DCAT.Distribution))
    out.add((node, DCTERMS.title, Literal(dump.title, lang="en")))
    out.add((node, DCAT.downloadURL, url))
    out.add((node, DCAT.accessURL, url))
    out.add((node, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + dump.media_type)))
    out.add((node, DCAT.byteSize, Literal(len(dump.body), datatype=XSD.nonNegativeInteger)))
    return node


def _add_wikidata_linkset(out: Graph, stats: Statistics) -> None:
    out.add((DATASET, VOID.subset, WIKIDATA_LINKS))
    out.add((WIKIDATA_LINKS, RDF.type, VOID.Linkset))
    out.add((WIKIDATA_LINKS, DCTERMS.title, Literal("Links to Wikidata", lang="en")))
    out.add((WIKIDATA_LINKS, VOID.linkPredicate, OWL.sameAs))
    out.add((WIKIDATA_LINKS, VOID.subjectsTarget, DATASET))
    out.add((WIKIDATA_LINKS, VOID.objectsTarget, WIKIDATA))
    out.add((WIKIDATA_LINKS, VOID.triples, Literal(stats.wikidata_links)))
    out.add((WIKIDATA, RDF.type, VOID.Dataset))
    out.add((WIKIDATA, DCTERMS.title, Literal("Wikidata", lang="en")))
    out.add((WIKIDATA, FOAF.homepage, URIRef("https://www.wikidata.org/")))
    out.add((WIKIDATA, VOID.uriSpace, Literal(str(WD))))


HAS_VERSION = URIRef("http://www.w3.org/ns/dcat#hasVersion")  # DCAT 3, not in rdflib's DCAT


CHANGELOGS = {"changes.nq": ("application/n-quads", "in RDF: per commitment, the triples added "
                                                   "and removed, one named graph each"),
              "CHANGES.md": ("text/markdown", "in words")}


def add_versions(out: Graph, versions: list[str], urls: IriMap,
                 files: dict[str, Iterable[str]] | None = None) -> None:
    """Each release (oldest first) as a version of the dataset, each a revision of the one
    before, at its stable address; with ``files`` (each release's file names), its changelog
    in RDF and in words (rdfs:seeAlso, described as the example queries are: a changelog is
    not a representation of the dataset, so no dcat:distribution)."""
    previous = None
    for version in versions:
        release = URIRef(f"{urls.base_iri}releases/{version}")
        out.add((DATASET, HAS_VERSION, release))
        out.add((release, RDF.type, DCAT.Dataset))
        out.add((release, OWL.versionInfo, Literal(version)))
        out.add((release, RDFS.seeAlso, URIRef(urls.url_for(f"{release}/void.ttl"))))
        if previous is not None:
            out.add((release, PROV.wasRevisionOf, previous))
        for name, (media_type, how) in CHANGELOGS.items():
            if name not in (files or {}).get(version, ()):
                continue
            url = URIRef(urls.url_for(f"{release}/{name}"))
            since = "" if previous is None else f" since {previous.rsplit('/', 1)[-1]}"
            out.add((release, RDFS.seeAlso, url))  # as the example queries: not a distribution
            out.add((url, DCTERMS.title, Literal(f"What changed in {version}{since}, {how}",
                                                 lang="en")))
            out.add((url, DCTERMS.format, URIRef(IANA_MEDIA_TYPES + media_type)))
        previous = release
