"""The ontology is well-formed, documented, and covers every term the data and shapes use."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from pactgraph import settings
from pactgraph.knowledge.sources import Knowledge
from pactgraph.namespaces import ONTOLOGY_IRI, PG

# Vocabularies other than ours that the data may use terms of; each is declared by its publisher.
KNOWN_VOCABULARIES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://data.europa.eu/eli/ontology#",
    "https://schema.org/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/org#",
    "http://rdfs.org/ns/void#",
    "http://www.w3.org/ns/dcat#",
    "http://xmlns.com/foaf/0.1/",
)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.from_settings(settings.resolve())


@pytest.fixture(scope="module")
def ontology(knowledge: Knowledge) -> Graph:
    return knowledge.ontology.graph


def declared_terms(ontology: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme)
    terms = {s for kind in kinds for s in ontology.subjects(RDF.type, kind)}
    terms |= set(ontology.subjects(SKOS.inScheme, None))
    return {t for t in terms if isinstance(t, URIRef) and str(t).startswith(str(PG))}


def our_terms_used(graph: Graph) -> set[URIRef]:
    used = set(graph.predicates()) | set(graph.objects(None, RDF.type)) | set(graph.objects())
    # The bare namespace (void:vocabulary <…def#>) names the vocabulary, not a term of it.
    return {t for t in used
            if isinstance(t, URIRef) and str(t).startswith(str(PG)) and t != URIRef(str(PG))}


def test_header_describes_the_ontology(ontology: Graph) -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    for required in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                     DCTERMS.created, DCTERMS.modified, OWL.versionInfo, OWL.versionIRI):
        assert ontology.value(header, required) is not None, f"ontology header lacks {required}"
    assert str(ontology.value(header, OWL.versionIRI)).endswith(
        str(ontology.value(header, OWL.versionInfo)))


def test_required_classes_exist(ontology: Graph) -> None:
    for name in ("Treaty", "Signatory", "ObligationClause", "InvocationStatus", "Invocation",
                 "Membership", "StatusPeriod", "Statute", "Declaration"):
        assert (PG[name], RDF.type, OWL.Class) in ontology, name


def test_every_term_has_label_definition_and_is_defined_by(ontology: Graph) -> None:
    undocumented = []
    for term in sorted(declared_terms(ontology)):
        label = ontology.value(term, RDFS.label) or ontology.value(term, SKOS.prefLabel)
        definition = ontology.value(term, SKOS.definition)
        defined_by = ontology.value(term, RDFS.isDefinedBy)
        if not (label and definition and defined_by == URIRef(ONTOLOGY_IRI)):
            undocumented.append(str(term))
    assert undocumented == []


def test_labels_and_definitions_are_english(ontology: Graph) -> None:
    for term in declared_terms(ontology):
        for predicate in (RDFS.label, SKOS.prefLabel, SKOS.definition):
            for value in ontology.objects(term, predicate):
                assert isinstance(value, Literal) and value.language == "en", (term, predicate)


def test_every_concept_is_in_exactly_one_scheme_of_its_class(ontology: Graph) -> None:
    for concept in set(ontology.subjects(SKOS.inScheme, None)):
        schemes = set(ontology.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, concept
        assert (concept, RDF.type, None) in ontology, concept


@pytest.mark.parametrize("part", ["data", "shapes", "ontology"])
def test_no_undeclared_terms_in_our_namespace(knowledge: Knowledge, ontology: Graph,
                                              part: str) -> None:
    graph = getattr(knowledge, part).graph
    undeclared = our_terms_used(graph) - declared_terms(ontology)
    assert sorted(map(str, undeclared)) == []


def test_data_uses_only_known_vocabularies(knowledge: Knowledge) -> None:
    data = knowledge.data.graph
    used = set(data.predicates()) | set(data.objects(None, RDF.type))
    unknown = {str(term) for term in used
               if not str(term).startswith((str(PG), *KNOWN_VOCABULARIES))}
    assert sorted(unknown) == []


def test_data_classes_are_declared_somewhere(knowledge: Knowledge, ontology: Graph) -> None:
    """Every class the data instantiates in our namespace is an owl:Class of the ontology."""
    data = knowledge.data.graph
    classes = {c for c in data.objects(None, RDF.type) if str(c).startswith(str(PG))}
    assert classes, "the data instantiates none of our classes"
    for cls in classes:
        assert (cls, RDF.type, OWL.Class) in ontology, cls
