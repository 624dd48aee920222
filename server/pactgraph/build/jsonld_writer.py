"""The JSON-LD dump, compacted with pactgraph's @context, written one node at a time.

rdflib's JSON-LD serialiser compacted the whole published graph in memory, from a merged copy
of it, and took most of what a build spent on its dumps once the others were Oxigraph's
(build/store_dumps.py). The @context (build/jsonld_context.py) is small and known: each
property has at most one term, coercing its values to IRIs (``@id``), to names relative to the
vocabulary (``@vocab``), to one datatype, or to English text. So compaction here is the
JSON-LD 1.1 algorithm for such a context only:

- a value goes under its property's term when the term's coercion fits it exactly (a date
  under ``signed``, English text under ``label``), written plainly, or in its full form
  (``{"@value": ..., "@language": ...}``) under a term that coerces nothing; anything else
  goes under the property's compact IRI (``pg:note``, ``skos:note``) in its full form, so
  that nothing is lost or changed;
- IRIs are compacted with the context's prefixes (never ``id:``, whose names hold slashes:
  those stay whole, as in the Turtle dump), types and ``@vocab`` values relative to the
  vocabulary when no term has that name;
- integers and booleans in their canonical form are JSON numbers and booleans.

tests/test_dumps.py expands the dump with pyld, an independent processor, and compares it with
the published graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import Any

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
UNCOMPACTED_PREFIXES = ("id",)


class Compactor:
    """Keys and values of one @context (``build_context``'s shape)."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.vocab = context.get("@vocab", "")
        self.terms = {key for key in context if not key.startswith("@")}
        self.prefixes = sorted(((iri, key) for key, iri in context.items()
                                if isinstance(iri, str) and not key.startswith("@")
                                and key not in UNCOMPACTED_PREFIXES),
                               key=lambda pair: -len(pair[0]))
        self.by_iri = {term["@id"]: (key, term) for key, term in context.items()
                       if isinstance(term, dict) and "@id" in term}

    def iri(self, iri: str, vocab: bool = False) -> str:
        """``iri`` as short as the context allows it to be read back the same."""
        if vocab and iri.startswith(self.vocab):
            name = iri[len(self.vocab):]
            if name and name not in self.terms and ":" not in name and not name.startswith("@"):
                return name
        for namespace, prefix in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                suffix = iri[len(namespace):]
                if not suffix.startswith("//"):
                    return f"{prefix}:{suffix}"
        return iri

    def node_id(self, node: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{node.value}" if isinstance(node, ox.BlankNode) else self.iri(node.value)

    def entry(self, predicate: str, obj: Any) -> tuple[str, Any]:
        """The key and the JSON value of one property value of a node."""
        key, term = self.by_iri.get(predicate, (None, {}))
        if key is not None:
            plain = self._plain(term, obj)
            if plain is not None:
                return key, plain
            if "@type" not in term and "@language" not in term:  # a term that coerces nothing
                return key, self._full(obj)
        return self.iri(predicate, vocab=True), self._full(obj)

    def _plain(self, term: dict[str, str], obj: Any) -> Any:
        """``obj`` written as the term's coercion lets it be read back, or None if it cannot."""
        coercion = term.get("@type")
        if isinstance(obj, ox.Literal):
            if "@language" in term:
                return obj.value if (obj.language or "").lower() == term["@language"] else None
            if coercion is not None:
                return obj.value if obj.datatype.value == coercion else None
            return None
        if coercion == "@id":
            return self.node_id(obj)
        if coercion == "@vocab" and isinstance(obj, ox.NamedNode):
            return self.iri(obj.value, vocab=True)
        return None

    def _full(self, obj: Any) -> Any:
        if not isinstance(obj, ox.Literal):
            return {"@id": self.node_id(obj)}
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        datatype = obj.datatype.value
        if datatype == XSD + "string":
            return obj.value
        if datatype == XSD + "boolean" and obj.value in ("true", "false"):
            return obj.value == "true"
        if datatype == XSD + "integer" and _canonical_integer(obj.value):
            return int(obj.value)
        return {"@value": obj.value, "@type": self.iri(datatype, vocab=True)}


def _canonical_integer(text: str) -> bool:
    """Whether JSON-LD reads the number ``text`` back as these very characters."""
    try:
        return str(int(text)) == text
    except ValueError:
        return False


def node_object(compactor: Compactor, subject: Any, triples: Iterable[ox.Triple]) -> dict:
    """The node object of ``subject`` with its ``triples``: ``@id``, ``@type``, then its keys in
    order, a key with several values holding them sorted."""
    types: list[str] = []
    values: dict[str, list[Any]] = {}
    for triple in triples:
        if triple.predicate.value == RDF_TYPE and not isinstance(triple.object, ox.Literal):
            types.append(compactor.iri(triple.object.value, vocab=True))
            continue
        key, value = compactor.entry(triple.predicate.value, triple.object)
        values.setdefault(key, []).append(value)
    node: dict[str, Any] = {"@id": compactor.node_id(subject)}
    if types:
        node["@type"] = sorted(types) if len(types) > 1 else types[0]
    for key in sorted(values):
        found = values[key]
        node[key] = found[0] if len(found) == 1 else sorted(
            found, key=lambda value: json.dumps(value, sort_keys=True, ensure_ascii=False))
    return node


def jsonld_bytes(triples: list[ox.Triple], context: dict[str, Any]) -> bytes:
    """``triples`` (sorted by subject) as a JSON-LD document embedding ``context``."""
    compactor = Compactor(context)
    chunks = ['{\n  "@context": ', indented(context, 2), ',\n  "@graph": [']
    for number, (subject, group) in enumerate(groupby(triples, key=lambda t: t.subject)):
        chunks.append(",\n    " if number else "\n    ")
        chunks.append(indented(node_object(compactor, subject, group), 4))
    chunks.append("\n  ]\n}" if len(chunks) > 3 else "]\n}")
    return "".join(chunks).encode("utf-8")


def indented(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` would write it ``depth`` spaces in."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * depth)
