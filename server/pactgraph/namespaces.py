"""Every IRI prefix pactgraph uses, declared once.

Code refers to terms through these objects (``PG.Treaty``, ``ELI.number``) so that no IRI string is
repeated across modules. The base of our own IRIs is configurable (see ``settings.py``); the
constants here are the canonical values that the files in ``ontology/``, ``data/`` and ``shapes/``
are written in.
"""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

CANONICAL_BASE = "https://w3id.org/pactgraph/"

PG = Namespace(CANONICAL_BASE + "def#")
ONTOLOGY_IRI = CANONICAL_BASE + "def"
ID = Namespace(CANONICAL_BASE + "id/")
SHAPES = Namespace(CANONICAL_BASE + "shapes#")
DATASET_IRI = CANONICAL_BASE + "dataset"

ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# Prefixes bound on every graph we serialise and pre-declared for SPARQL users.
PREFIXES: dict[str, str] = {
    "pg": str(PG),
    "id": str(ID),
    "eli": str(ELI),
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "skos": str(SKOS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "org": str(ORG),
    "time": str(TIME),
    "wd": str(WD),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sd": str(SD),
    "sh": str(SH),
}

__all__ = [
    "CANONICAL_BASE", "DATASET_IRI", "DCAT", "DCTERMS", "ELI", "ID", "ONTOLOGY_IRI", "ORG", "OWL",
    "PG", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SD", "SH", "SHAPES", "SKOS", "TIME",
    "VANN", "VOID",
    "WD", "XSD",
]


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI in one of our namespaces, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace):]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri
