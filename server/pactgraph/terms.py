"""Terms from Oxigraph to rdflib and back, for the code that reads one library's graph with the
other's API: the pages over the store (engine/graph_view.py) and pySHACL's SPARQL constraints
evaluated by Oxigraph (knowledge/sparql_constraints.py).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = str(XSD.string)


def to_rdflib(term, iris: dict[str, URIRef]):
    """The rdflib term for an Oxigraph term, as rdflib would have parsed it (a plain literal
    without ``xsd:string``); ``iris`` keeps the URIRefs made so far, to make each once."""
    if isinstance(term, ox.NamedNode):
        # The same IRIs come back again and again; URIRef() checks each one it makes.
        iri = iris.get(term.value)
        if iri is None:
            iri = iris[term.value] = URIRef(term.value)
        return iri
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value,
                                                                       datatype=datatype)


def to_oxigraph(term):
    """The Oxigraph term for an rdflib pattern term; None for a wildcard; raises TypeError for
    a term that can match nothing (a variable, a quoted graph)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no Oxigraph term for {term!r}")
