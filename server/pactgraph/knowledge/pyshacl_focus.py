"""A patch of pySHACL, for validation only: validating a few focus nodes costs what they cost.

pySHACL's ``focus_nodes`` option finds every shape's targets over the whole data graph, then keeps
the ones it was given. Two parts of that grew with the data, and are changed here:

- it keeps ``focus_nodes`` as a list and asks, for every node every shape targets, whether it is
  in that list: a linear search each time. Validating again the 2,000 nodes an edit could affect
  at 20x the bundled data spent over ten minutes in those searches (``Identifier.__eq__``). pySHACL
  reads the list only through ``in`` and ``len``, so the executor gets the same nodes as a
  frozenset;
- a SPARQL target (OwnResourceShape's ``SELECT DISTINCT ?this WHERE { ?this ?p ?o FILTER ... }``)
  was evaluated by rdflib over every triple: 82 of the 99 s it took to validate the 103 nodes an
  edit reached at 20x. With focus nodes given, it is evaluated with ``$this`` bound to each of
  them (pre-bound as SHACL-AF's SPARQL-based targets allow), which finds exactly the focus nodes
  the whole query would have found;
- it filtered by the given nodes every evaluation of a shape, nested ones too: the shapes of an
  ``sh:or``, ``sh:node`` or ``sh:qualifiedValueShape``, evaluated on the value nodes, saw none of
  them (a value is rarely a node given) and so conformed. An edit that gave an invocation's date
  the wrong datatype was published, where a full validation refused it (pySHACL 0.40.1). A shape
  evaluated on nodes handed to it is now evaluated on all of them; the filter applies to the
  shapes that find their own targets.

Like knowledge/sparql_once.py, applied by knowledge/sources.py only while pySHACL validates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pyshacl.consts import SH_SPARQLTarget
from pyshacl.shape import Shape
from pyshacl.validator import Validator

_FOCUS: ContextVar[frozenset | None] = ContextVar("pactgraph_focus_nodes", default=None)


def _targets_among(shape: Shape, data_graph, focus: frozenset, original) -> set | None:
    """The nodes of ``focus`` that ``shape`` targets, its SPARQL targets asked node by node;
    None if it has a kind of target this does not know (then pySHACL's own way is used)."""
    advanced = shape.advanced_target() if shape._advanced else {}
    if not advanced or any(t["type"] != SH_SPARQLTarget for t in advanced.values()):
        return None
    shape._advanced = False  # the standard targets, found pySHACL's way
    try:
        found = set(original(shape, data_graph)) & focus
    finally:
        shape._advanced = True
    for target in advanced.values():
        select = target["qh"].apply_prefixes(target["qh"].select_text)
        for node in focus - found:
            if any(row["this"] == node
                   for row in data_graph.query(select, initBindings={"this": node})):
                found.add(node)
    return found


@contextmanager
def focus_nodes_in_a_set() -> Iterator[None]:
    make_executor, focus_nodes = Validator.make_executor, Shape.focus_nodes
    validate = Shape.validate

    def executor_with_a_set(self):
        executor = make_executor(self)
        if isinstance(executor.focus_nodes, list):
            executor.focus_nodes = frozenset(executor.focus_nodes)
        _FOCUS.set(executor.focus_nodes or None)
        return executor

    def focus_nodes_among_the_given(self, data_graph, debug=False):
        focus = _FOCUS.get()
        if focus:
            found = _targets_among(self, data_graph, focus, focus_nodes)
            if found is not None:
                return found
        return focus_nodes(self, data_graph, debug)

    def nested_on_every_node(self, executor, target_graph, focus=None, _evaluation_path=None):
        if focus is None or not executor.focus_nodes:  # the shape finds its own targets
            return validate(self, executor, target_graph, focus, _evaluation_path)
        given, executor.focus_nodes = executor.focus_nodes, None
        try:
            return validate(self, executor, target_graph, focus, _evaluation_path)
        finally:
            executor.focus_nodes = given

    Validator.make_executor = executor_with_a_set
    Shape.focus_nodes = focus_nodes_among_the_given
    Shape.validate = nested_on_every_node
    token = _FOCUS.set(None)
    try:
        yield
    finally:
        Validator.make_executor, Shape.focus_nodes = make_executor, focus_nodes
        Shape.validate = validate
        _FOCUS.reset(token)
