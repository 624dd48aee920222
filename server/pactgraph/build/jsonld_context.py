"""The published JSON-LD 1.1 @context: compact, readable keys for pactgraph's JSON-LD.

The context is derived from the ontology at start-up, so it cannot fall out of step with it: every
``pg:`` property becomes a bare key (``party``, ``legalStatus``), object properties coerce their
values to IRIs (to bare concept names when the range is a controlled vocabulary), dated properties
to their XSD type. The outside terms the data uses get readable keys too (``label``, ``signed``).
Every prefix of ``namespaces.PREFIXES`` is declared, so any other IRI compacts to ``prefix:name``.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from pactgraph.namespaces import ELI, PG, PREFIXES, SCHEMA

# Outside terms with readable keys. "@language": "en" lets English text be a plain string;
# text in another language keeps its full form under the prefixed key, so nothing is lost.
_ENGLISH = {"@language": "en"}
_IRI = {"@type": "@id"}
EXTRA_TERMS: dict[str, tuple[URIRef, dict[str, str]]] = {
    "label": (RDFS.label, _ENGLISH),
    "altLabel": (SKOS.altLabel, _ENGLISH),
    "prefLabel": (SKOS.prefLabel, _ENGLISH),
    "definition": (SKOS.definition, _ENGLISH),
    "title": (DCTERMS.title, _ENGLISH),
    "publisher": (DCTERMS.publisher, {}),
    "source": (DCTERMS.source, _IRI),
    "replaces": (DCTERMS.replaces, _IRI),
    "isReplacedBy": (DCTERMS.isReplacedBy, _IRI),
    "sameAs": (OWL.sameAs, _IRI),
    "signed": (ELI.date_document, {"@type": str(XSD.date)}),
    "inForceFrom": (ELI.first_date_entry_in_force, {"@type": str(XSD.date)}),
    "noLongerInForce": (ELI.date_no_longer_in_force, {"@type": str(XSD.date)}),
    "inForce": (ELI.in_force, _IRI),
    "legalForce": (SCHEMA.legislationLegalForce, _IRI),
    "number": (ELI.number, {}),
    "hasPart": (ELI.has_part, _IRI),
    "isPartOf": (ELI.is_part_of, _IRI),
    "inScheme": (SKOS.inScheme, _IRI),
    "isDefinedBy": (RDFS.isDefinedBy, _IRI),
}

_VALUE_DATATYPES = {XSD.date, XSD.dateTime, XSD.gYear, XSD.decimal, XSD.anyURI}


def _is_controlled(ontology: Graph, range_: URIRef | None) -> bool:
    """True when the range is one of our concept classes: values are bare names (``InForce``)."""
    return range_ is not None and (range_, RDFS.subClassOf, SKOS.Concept) in ontology


def _property_term(ontology: Graph, prop: URIRef) -> dict[str, str]:
    term = {"@id": str(prop)}
    range_ = ontology.value(prop, RDFS.range)
    if (prop, RDF.type, OWL.ObjectProperty) in ontology:
        term["@type"] = "@vocab" if _is_controlled(ontology, range_) else "@id"
    elif range_ == RDF.langString:
        term["@language"] = "en"
    elif range_ in _VALUE_DATATYPES:
        term["@type"] = str(range_)
    return term


def build_context(ontology: Graph) -> dict[str, Any]:
    """The @context object (the value of "@context"), built from the ontology's properties."""
    context: dict[str, Any] = {"@version": 1.1, "@vocab": str(PG)}
    context.update(PREFIXES)
    properties = sorted(
        {p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
         for p in ontology.subjects(RDF.type, kind) if str(p).startswith(str(PG))})
    for prop in properties:
        context[str(prop)[len(str(PG)):]] = _property_term(ontology, prop)
    for key, (iri, options) in EXTRA_TERMS.items():
        if key in context:  # an ontology term of the same name wins; keep its meaning stable
            continue
        context[key] = {"@id": str(iri), **options}
    return context


def context_document(ontology: Graph) -> dict[str, Any]:
    """The document served at /context.jsonld."""
    return {"@context": build_context(ontology)}
