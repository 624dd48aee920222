"""What dataset search engines read: the dataset as a schema.org ``Dataset`` (JSON-LD for the
landing page), and the list of every page for the sitemap.

Both are pure: the ``Dataset`` is read from the VoID/DCAT description (pages/dataset.py), which
already holds the title, licence, version and distributions at the serving host's URLs, plus the
coverage computed from the data (``compute_coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL

from pactgraph.engine.store import TripleStore
from pactgraph.namespaces import DATASET_IRI, WD

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)


@dataclass(frozen=True)
class Coverage:
    """When and where the data is about: from the first commitment's date on; its parties."""

    first_date: str | None
    places: tuple[tuple[str, str, str | None], ...]  # (IRI, English name, Wikidata IRI)


def compute_coverage(store: TripleStore) -> Coverage:
    dates = store.query("SELECT (MIN(STR(?date)) AS ?first) WHERE { ?c a/rdfs:subClassOf* "
                        "pg:Commitment ; eli:date_document ?date }").value
    first = next(iter(dates))["first"]
    places = store.query(
        "SELECT ?party (SAMPLE(?name) AS ?label) (SAMPLE(?wd) AS ?same) WHERE { "
        "?c pg:party ?party . ?party a pg:State ; rdfs:label ?name "
        "FILTER (lang(?name) = 'en' || lang(?name) = '') "
        f"OPTIONAL {{ ?party owl:sameAs ?wd FILTER STRSTARTS(STR(?wd), '{WD}') }} }} "
        "GROUP BY ?party ORDER BY STR(?party)").value
    return Coverage(None if first is None else first.value,
                    tuple((s["party"].value, s["label"].value,
                           s["same"].value if s["same"] is not None else None) for s in places))


def _text(graph: Graph, node: URIRef, predicate: URIRef) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def dataset_jsonld(description: Graph, coverage: Coverage, landing_url: str) -> dict:
    """The schema.org ``Dataset`` (with the schema.org context) that ``description`` describes."""
    dataset = URIRef(DATASET_IRI)
    found = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": DATASET_IRI,
        "url": landing_url,
        "name": _text(description, dataset, DCTERMS.title),
        "description": _text(description, dataset, DCTERMS.description),
        "license": _text(description, dataset, DCTERMS.license),
        "version": _text(description, dataset, OWL.versionInfo),
        "datePublished": _text(description, dataset, DCTERMS.issued),
        "dateModified": _text(description, dataset, DCTERMS.modified),
        "isAccessibleForFree": True,
    }
    for role in ("creator", "publisher"):
        name = _text(description, dataset, DCTERMS[role])
        if name:
            found[role] = {"@type": "Organization", "name": name}
    if coverage.first_date:
        found["temporalCoverage"] = f"{coverage.first_date}/.."  # open-ended: to this day
    if coverage.places:
        found["spatialCoverage"] = [
            {"@type": "Country", "@id": iri, "name": name, **({"sameAs": same} if same else {})}
            for iri, name, same in coverage.places]
    found["distribution"] = [_distribution(description, node) for node in
                             sorted(description.objects(dataset, DCAT.distribution))]
    return {key: value for key, value in found.items() if value is not None}


def _distribution(description: Graph, node: URIRef) -> dict:
    media = str(description.value(node, DCAT.mediaType) or "").removeprefix(IANA_MEDIA_TYPES)
    found = {"@type": "DataDownload", "name": _text(description, node, DCTERMS.title),
             "contentUrl": _text(description, node, DCAT.downloadURL), "encodingFormat": media}
    size = description.value(node, DCAT.byteSize)
    if size is not None:
        found["contentSize"] = f"{int(size)} B"
    return found


def sitemap_paths(pages: list[str], resource_iris: list[str], base_iri: str) -> list[str]:
    """Every page's path: the fixed ``pages`` then each resource's HTML document, sorted."""
    documents = [f"/doc/{iri[len(base_iri) + 3:]}" for iri in sorted(resource_iris)
                 if iri.startswith(base_iri + "id/")]
    return [*pages, *documents]

