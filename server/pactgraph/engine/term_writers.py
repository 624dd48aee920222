"""Terms of a SELECT result as the four SPARQL results formats write them, one term at a time.

For the capped writers of ``engine/results.py``, which write solutions themselves (pyoxigraph writes
whole result sets only). RDF 1.2 terms included: triple terms, and literals with a base direction.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject),
                                            "predicate": json_term(term.predicate),
                                            "object": json_term(term.object)}}
    written = {"type": "literal", "value": term.value}
    if term.language:
        written["xml:lang"] = term.language
        if _direction(term):
            written["its:dir"] = _direction(term)
    elif term.datatype.value != XSD_STRING:
        written["datatype"] = term.datatype.value
    return written


def _direction(term: ox.Literal) -> str:
    """The base direction of a language-tagged literal ('ltr', 'rtl'), or '' if it has none."""
    direction = getattr(term, "direction", None)
    return "" if direction is None else str(getattr(direction, "value", direction)).lower()


_ITS = 'xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'


def xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{xml_term(term.subject)}</subject><predicate>"
                f"{xml_term(term.predicate)}</predicate><object>{xml_term(term.object)}"
                "</object></triple>")
    if term.language:
        attribute = f" xml:lang={quoteattr(term.language)}"
        if _direction(term):  # as pyoxigraph writes it (SPARQL 1.2 XML results)
            attribute += f" its:dir={quoteattr(_direction(term))} {_ITS}"
    elif term.datatype.value != XSD_STRING:
        attribute = f" datatype={quoteattr(term.datatype.value)}"
    else:
        attribute = ""
    return f"<literal{attribute}>{escape(term.value)}</literal>"


def csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)  # a quoted triple: its N-Triples form


def tsv_term(term) -> str:
    # pyoxigraph writes terms in N-Triples syntax, escaping tabs and line breaks in literals; a
    # triple term's str() lacks the brackets of the syntax: <<( s p o )>>.
    if isinstance(term, ox.Triple):
        return f"<<( {term} )>>"
    return "" if term is None else str(term)
