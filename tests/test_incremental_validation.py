"""Validating again only what an edit can affect (issue 15; knowledge/incremental.py): the
report equals a full validation's, and a violation an edit of one file causes in another file is
caught."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDF

from pactgraph.knowledge.chains import shape_steps
from pactgraph.knowledge.incremental import _changed, affected_nodes, distances, revalidate
from pactgraph.knowledge.pyshacl_focus import _targets_among
from pactgraph.knowledge.reach import reach_table, sparql_reach
from pactgraph.knowledge.sources import Knowledge, SourceGraphs
from pactgraph.namespaces import PREFIXES

ROOT = Path(__file__).parent.parent
SITE = Path(__file__).parent / "fixtures" / "site"
ID = "https://w3id.org/pactgraph/id/"


def knowledge_of(data: Path) -> Knowledge:
    return Knowledge.load([ROOT / "ontology"], [data], [ROOT / "shapes"])


@pytest.fixture(scope="module")
def before() -> tuple[Knowledge, object]:
    knowledge = knowledge_of(SITE)
    report = knowledge.validate()
    assert report.conforms
    return knowledge, report


def edited_site(tmp_path: Path, name: str, edit) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    path = site / name
    path.write_text(edit(path.read_text()))
    return site


def test_dropping_a_state_in_one_file_is_caught_where_another_file_names_it(before, tmp_path):
    knowledge, report = before
    # states.ttl loses New Zealand; anzus-1951.ttl still names it as a party and a member.
    site = edited_site(tmp_path, "states.ttl",
                       lambda text: re.sub(r"state:NZL a pg:State ;.*?\n\n", "", text,
                                           flags=re.DOTALL))
    after = knowledge_of(site)
    incremental, affected = revalidate(knowledge.data.graph, report, after)
    full = after.validate()
    assert incremental == full  # the same findings, in the same order
    assert not incremental.conforms
    elsewhere = [f for f in incremental.violations if f.file and f.file.endswith("anzus-1951.ttl")]
    assert elsewhere, incremental.text()
    assert {f"{ID}state/NZL"} <= {f.value for f in elsewhere}
    # Only what the edit can reach was validated again, not the whole site.
    subjects = set(after.data.graph.subjects())
    assert affected is not None and URIRef(f"{ID}state/NZL") in affected
    assert subjects - affected, "every node was validated again"


def test_an_edit_that_breaks_nothing_keeps_the_report_and_touches_little(before, tmp_path):
    knowledge, report = before
    site = edited_site(tmp_path, "states.ttl",
                       lambda text: text.replace('"New Zealand"@en', '"Aotearoa New Zealand"@en'))
    after = knowledge_of(site)
    incremental, affected = revalidate(knowledge.data.graph, report, after)
    assert incremental == report  # a label changed: what a full validation finds, too
    assert affected is not None and URIRef(f"{ID}state/NZL") in affected
    assert URIRef(f"{ID}state/USA") not in affected or len(affected) < len(
        set(after.data.graph.all_nodes()))


def test_no_edit_validates_nothing(before):
    knowledge, report = before
    assert affected_nodes(knowledge.data.graph, knowledge.data.graph, knowledge.shapes.graph) \
        == set()


PREFIXED = dict(PREFIXES)


@pytest.mark.parametrize(("select", "reach"), [
    ("SELECT $this WHERE { $this pg:party ?s }", 1),
    ("SELECT $this WHERE { $this pg:party ?s . ?s rdfs:label ?l }", 2),
    ("SELECT $this WHERE { $this pg:dateReading/pg:readingOf ?p }", 2),
    ("SELECT $this WHERE { $this a/rdfs:subClassOf* pg:Treaty }", 1),
    ("SELECT $this WHERE { $this pg:x ?v FILTER NOT EXISTS { ?o pg:y ?v . ?o pg:z ?w } }", 3),
    # no bound: a pattern joined to $this by no variable, an unbounded path, a shared class
    ("SELECT $this WHERE { $this pg:x ?v . ?o pg:y ?w FILTER(?v = ?w) }", None),
    ("SELECT $this WHERE { $this pg:partOf+ ?whole }", None),
    ("SELECT $this WHERE { $this a ?c . ?other a ?c }", None),
    ("SELECT $this WHERE { $this ?p ?v . ?o ?p ?w }", None),
])
def test_the_reach_of_a_sparql_constraint(select, reach):
    assert sparql_reach(select, PREFIXED) == reach


def test_every_shape_of_ours_has_a_bounded_reach():
    """Written down in bench/README.md: if a shape loses its bound, every edit validates everything
    again, and that should be a decision, not an accident."""
    shapes = Graph().parse(ROOT / "shapes" / "pactgraph-shapes.ttl")
    table = dict(reach_table(shapes))
    assert len(table) > 30
    assert all(reach is not None for reach in table.values()), table


SHAPES_PREFIX = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix pg: <https://w3id.org/pactgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""


PG, RDFS_ = PREFIXES["pg"], "http://www.w3.org/2000/01/rdf-schema#"
FORWARD, BACKWARD = True, False


@pytest.mark.parametrize(("shape", "steps"), [
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this pg:party ?s . ?s rdfs:label ?l . ?s a pg:State }" ] .',
     {(PG + "party", FORWARD), (RDFS_ + "label", FORWARD)}),
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:property [ sh:path "
     "( pg:membership [ sh:inversePath pg:member ] ) ; sh:class pg:State ] .",
     {(PG + "membership", FORWARD), (PG + "member", BACKWARD)}),
    ("ex:S a sh:NodeShape ; sh:targetClass pg:State ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { ?m pg:member $this ; pg:ofTreaty ?t }" ] .',
     {(PG + "member", BACKWARD), (PG + "ofTreaty", FORWARD)}),
    # A pattern whose ends are equally far from $this may be crossed either way.
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this pg:a ?x ; pg:b ?y . ?x pg:c ?y }" ] .',
     {(PG + "a", FORWARD), (PG + "b", FORWARD), (PG + "c", FORWARD), (PG + "c", BACKWARD)}),
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ?p ?o }" ] .', {(None, FORWARD)}),
    # A FILTER of the group names the predicates a variable one may be...
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ?p ?o FILTER (?p IN (pg:a, pg:b)) }" ] .',
     {(PG + "a", FORWARD), (PG + "b", FORWARD)}),
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ?p ?o FILTER (?p = pg:a && bound(?o)) }" ] .',
     {(PG + "a", FORWARD)}),
    # ...but not for an OPTIONAL's pattern, nor where it allows anything but IRIs.
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this pg:x ?y OPTIONAL { $this ?p ?o } FILTER (?p = pg:a) }" ] .',
     {(PG + "x", FORWARD), (None, FORWARD)}),
    ("ex:S a sh:NodeShape ; sh:targetClass pg:Treaty ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ?p ?o FILTER (?p IN (pg:a, ?o)) }" ] .', {(None, FORWARD)}),
])
def test_the_walk_crosses_only_the_steps_a_shape_reads_and_each_against_its_way(shape, steps):
    shapes = Graph().parse(data=SHAPES_PREFIX + shape, format="turtle")
    found = shape_steps(shapes, URIRef("http://example.org/S"))
    assert {(None if p is None else str(p), forward) for p, forward in found} == steps


def test_the_walk_never_goes_from_a_class_to_its_instances():
    """An rdf:type pattern only ever ends a chain (knowledge/reach.py), so the walk from what an
    edit touched goes from a node to its class, never on to the class's other instances: with
    them, an edit of one treaty reached every treaty (861 of 1,660 subjects at 2x)."""
    edited, other, state = (URIRef(f"{ID}treaty/{name}") for name in ("a", "b", "x"))
    graph = Graph()
    for treaty in (edited, other):
        graph.add((treaty, RDF.type, URIRef(PG + "Treaty")))
    graph.add((edited, URIRef(PG + "party"), state))
    reached = distances(graph, {edited}, 3)
    assert reached[URIRef(PG + "Treaty")] == 1 and reached[state] == 1
    assert other not in reached
    graph.add((other, URIRef(PG + "party"), state))  # a shared party is a real path
    assert distances(graph, {edited}, 3)[other] == 2


def test_a_shape_that_reads_forward_is_walked_back_only_to_what_points_at_the_edit():
    """``$this ?p ?v`` (OwnResourceShape) can change its verdict on a node only through that
    node's own triples, so from an edited treaty the walk goes to what points at it (its
    article), not through a shared party to every other treaty: walked either way, one edited
    copy reached 10,821 of 11,735 subjects at 20x."""
    edited, other, state, article = (URIRef(f"{ID}{name}") for name in (
        "treaty/a", "treaty/b", "state/X", "article/a-1"))
    graph = Graph()
    for treaty in (edited, other):
        graph.add((treaty, URIRef(PG + "party"), state))
    graph.add((article, URIRef(PG + "partOf"), edited))
    forward_any = frozenset({(None, FORWARD)})
    assert set(distances(graph, {edited}, 3, forward_any)) == {edited, article}
    # From the state, back along pg:party: the treaties that name it, not the article.
    back_along_party = frozenset({(URIRef(PG + "party"), FORWARD)})
    assert set(distances(graph, {state}, 3, back_along_party)) == {state, edited, other}


@pytest.mark.parametrize(("old", "new"), [
    # each an edit of states.ttl that breaks what anzus-1951.ttl says about a state
    ("state:NZL a pg:State ;", "state:NZL"),  # a party loses its type
    ('rdfs:label "Australia"@en ;', ""),  # a state loses its one label
    ('pg:iso3166Alpha3 "USA" ;', ""),  # a state loses its code
])
def test_the_directed_walk_finds_what_a_full_validation_finds(before, tmp_path, old, new):
    knowledge, report = before
    site = edited_site(tmp_path, "states.ttl", lambda text: text.replace(old, new, 1))
    after = knowledge_of(site)
    incremental, affected = revalidate(knowledge.data.graph, report, after)
    assert incremental == after.validate()
    assert affected is not None and len(affected) < len(set(after.data.graph.subjects()))


def _copy_of_anzus_relabelled(tmp_path: Path) -> tuple[Knowledge, Knowledge]:
    """The fixture site with a copy of ANZUS (the same three parties), before and after the
    copy's label is edited."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    original = (SITE / "anzus-1951.ttl").read_text()
    (site / "copy.ttl").write_text(original.replace("anzus", "anzuscopy"))
    before = knowledge_of(site)
    (site / "copy.ttl").write_text(original.replace("anzus", "anzuscopy").replace(
        '"Security Treaty', '"Edited Security Treaty', 1))
    after = knowledge_of(site)
    return before, after


def test_editing_one_treaty_revalidates_none_of_the_treaties_it_shares_a_party_with(tmp_path):
    """Two treaties with the same three parties: an edit of one's label validates that treaty
    and what points at it again, not the other treaty (walked either way, through a shared
    party, it would)."""
    before, after = _copy_of_anzus_relabelled(tmp_path)
    affected = affected_nodes(before.data.graph, after.data.graph, after.shapes.graph,
                              after.ontology.graph)
    assert URIRef(f"{ID}treaty/anzuscopy-1951") in affected
    assert URIRef(f"{ID}treaty/anzus-1951") not in affected
    assert URIRef(f"{ID}state/NZL") not in affected


def revalidated(shapes_text: str, data: str, edit: tuple[str, str]) -> tuple:
    """The report of validating ``data`` (conforming) edited by ``edit`` incrementally, which
    must be a full validation's, and the nodes validated again (found by the walk: not None)."""
    shapes = SourceGraphs(Graph().parse(data=shapes_text))

    def knowledge(text: str) -> Knowledge:
        return Knowledge(SourceGraphs(), SourceGraphs(Graph().parse(data=text)), shapes)
    before, after = knowledge(data), knowledge(data.replace(*edit))
    report = before.validate()
    assert report.conforms
    incremental, affected = revalidate(before.data.graph, report, after)
    assert incremental == after.validate() and affected is not None
    return incremental, affected


ONE_SIDED = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:ClauseShape a sh:NodeShape ; sh:targetClass ex:Clause ; sh:sparql [ sh:select \"\"\"
    PREFIX ex: <http://example.org/>
    SELECT $this ?value WHERE {
        $this ?path ?value ; ex:partOf ?treaty .
        FILTER (?path IN (ex:obliged, ex:protects))
        FILTER NOT EXISTS { ?treaty ex:party ?value }
    }\"\"\" ] .
"""
TWO_TREATIES = """@prefix ex: <http://example.org/> .
ex:a ex:label "A" ; ex:party ex:x, ex:y .  ex:a1 a ex:Clause ; ex:partOf ex:a ; ex:obliged ex:x .
ex:b ex:label "B" ; ex:party ex:x, ex:y .  ex:b1 a ex:Clause ; ex:partOf ex:b ; ex:protects ex:y .
"""


@pytest.mark.parametrize(("edit", "caught"), [
    (('ex:label "A"', 'ex:label "A, edited"'), False),
    (("ex:party ex:x, ex:y .  ex:a1", "ex:party ex:y .  ex:a1"), True),  # a1's ex:obliged
    (("ex:obliged ex:x", "ex:obliged ex:z"), True),
], ids=["label", "party-dropped", "obliged-changed"])
def test_a_variable_predicate_a_filter_restricts_is_walked_along_those_predicates(edit, caught):
    """``$this ?path ?value`` with ``FILTER (?path IN (...))`` reads only those predicates: a
    label edit of one treaty reaches none of the clauses of another that shares its parties
    (read as any predicate, the walk went through them to 340 clauses at 20x), and an edit of
    what the query does read is still caught."""
    incremental, affected = revalidated(ONE_SIDED, TWO_TREATIES, edit)
    assert incremental.conforms is not caught
    if not caught:
        assert URIRef("http://example.org/b1") not in affected


def test_a_sparql_target_asked_node_by_node_finds_what_the_whole_query_finds(before):
    """Validating focus nodes, OwnResourceShape's SPARQL target is asked with $this bound to each
    (knowledge/pyshacl_focus.py) instead of over every triple: it must pick the same nodes."""
    knowledge, _ = before
    data = knowledge.data.graph
    shapes = knowledge.shapes.graph
    own = URIRef("https://w3id.org/pactgraph/shapes#OwnResourceShape")
    assert (own, None, None) in shapes, "the shape this test is about was renamed"
    shape = next(s for s in ShapesGraph(shapes).shapes if s.node == own)
    shape.set_advanced(True)
    whole = set(Shape.focus_nodes(shape, data))
    source = next(iter(data.objects(None, URIRef("http://purl.org/dc/terms/source"))))
    focus = frozenset({URIRef(f"{ID}state/NZL"), URIRef(f"{ID}treaty/anzus-1951"), source,
                       URIRef(f"{ID}state/nowhere")})
    assert whole & focus == {URIRef(f"{ID}state/NZL"), URIRef(f"{ID}treaty/anzus-1951")}
    assert _targets_among(shape, data, focus, Shape.focus_nodes) == whole & focus


def _edit_both(tmp_path: Path, first, then) -> tuple[Knowledge, Knowledge]:
    """The site with edits ``first`` (the data before) and then ``then`` too (after): each a
    (file, edit) pair."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    for name, edit in first:
        (site / name).write_text(edit((site / name).read_text()))
    before = knowledge_of(site)
    for name, edit in then:
        (site / name).write_text(edit((site / name).read_text()))
    return before, knowledge_of(site)


@pytest.mark.parametrize(("first", "then"), [
    # A second reader's counterexamples to the walk. A region also typed with a state, whose
    # description is then removed: OwnResourceShape reads the region's rdf:type value's type.
    ([("anzus-1951.ttl", lambda t: t.replace("region:pacific-area a pg:Region ;",
                                             "region:pacific-area a pg:Region , state:NZL ;"))],
     [("states.ttl", lambda t: re.sub(r"state:NZL a pg:State ;.*?\n\n", "", t,
                                      flags=re.DOTALL))]),
    # The data makes a class of its own a subclass of pg:Treaty: new targets for the shapes.
    ([("anzus-1951.ttl", lambda t: t + '\n<https://example.org/Pact> a <http://www.w3.org/2002/'
       '07/owl#Class> .\n<https://w3id.org/pactgraph/id/treaty/foo-1960> a '
       '<https://example.org/Pact> ; rdfs:label "Foo"@en .\n')],
     [("anzus-1951.ttl", lambda t: t + '\n<https://example.org/Pact> rdfs:subClassOf '
       'pg:Treaty .\n')]),
], ids=["type-of-a-removed-node", "subclass-in-the-data"])
def test_edits_the_walk_cannot_follow_are_validated_in_full(tmp_path, first, then):
    before, after = _edit_both(tmp_path, first, then)
    old = before.validate()
    incremental, affected = revalidate(before.data.graph, old, after)
    assert affected is None  # everything validated again
    full = after.validate()
    assert incremental == full and not full.conforms


def test_the_edited_files_alone_give_the_changes_of_the_whole_data() -> None:
    """A build after an edit looks only at the edited files' triples (build/revalidation.py):
    one an edited file dropped that another file still holds, or gained that another held
    already, is no change to the data, as the difference of the whole graphs says."""
    ex = "http://example.org/"

    def graph(*names: str) -> Graph:
        found = Graph()
        for name in names:
            found.add((URIRef(ex + name), URIRef(ex + "p"), URIRef(ex + "o")))
        return found
    other = graph("shared", "also-elsewhere")          # an unchanged file
    old, new = graph("shared", "dropped", "kept"), graph("kept", "added", "also-elsewhere")
    before, after = other + old, other + new
    whole = set(_changed(before, after, None))
    assert whole == set(graph("dropped", "added"))
    assert set(_changed(before, after, (old, new))) == whole
    assert set(_changed(ReadOnlyGraphAggregate([other, old]), after, (old, new))) == whole


def test_a_label_edit_reaches_no_membership_through_the_shared_states(tmp_path) -> None:
    """A shape is walked only from edited triples whose predicate it may read: a treaty's
    label is read by none of the membership's chains, which otherwise walked from the treaty
    through its parties to every membership of every pact naming them (18,500 nodes for one
    label at 80x the data)."""
    before, after = _copy_of_anzus_relabelled(tmp_path)
    affected = affected_nodes(before.data.graph, after.data.graph, after.shapes.graph,
                              after.ontology.graph)
    # ANZUS's memberships, through the same three states, are left alone; so are the copy's,
    # which point at the edited treaty: OwnResourceShape reads the type of what they point at,
    # and a label only of its own node (knowledge/depths.py)
    members = {str(node).rsplit("/", 3)[-3] for node in affected if "/member/" in str(node)}
    assert not members
    report = before.validate()
    assert revalidate(before.data.graph, report, after)[0] == after.validate()


PERIODS = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:PeriodShape a sh:NodeShape ; sh:targetClass ex:Period ;
    sh:property [ sh:path ex:start ; sh:lessThanOrEquals ex:end ] .
ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:Sealed ; sh:closed true ;
    sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) .
"""


@pytest.mark.parametrize("edit", [
    ("ex:end 2", "ex:end 0"),        # only the compared predicate changes: start > end now
    ("ex:s a ex:Sealed .", "ex:s a ex:Sealed ; ex:extra 1 ."),  # sh:closed reads any predicate
], ids=["compared-predicate", "closed-shape"])
def test_a_predicate_read_beside_the_paths_still_starts_a_walk(edit) -> None:
    data = "@prefix ex: <http://example.org/> .\nex:p a ex:Period ; ex:start 1 ; ex:end 2 .\n" \
           "ex:s a ex:Sealed ."
    incremental, _ = revalidated(PERIODS, data, edit)
    assert not incremental.conforms


def test_a_nested_shape_is_evaluated_on_every_value_of_a_node_validated_again(tmp_path) -> None:
    """Our InvocationShape checks an invocation's date with an ``sh:or`` of datatypes: validating
    the invocation again after an edit, pySHACL evaluated the ``sh:or``'s shapes on no value
    (it filtered them by the focus nodes it was given) and the edit was published."""
    site = edited_site(tmp_path, "anzus-1951.ttl", lambda text: text.replace(
        'pg:invocationDate "2001-09-14"^^xsd:date', 'pg:invocationDate "14 September 2001"'))
    knowledge = knowledge_of(SITE)
    report = knowledge.validate()
    after = knowledge_of(site)
    incremental, affected = revalidate(knowledge.data.graph, report, after)
    assert incremental == after.validate() and affected is not None
    assert any("pg:invocationDate" in finding.message for finding in incremental.violations)
