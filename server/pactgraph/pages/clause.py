"""What the page of an obligation clause shows (scope, interpretations, invocations), and the page
of one invocation.

Invocations are shown on their own page, on their clause's, on the pages of the states that invoked
or were assisted, and in the explore timeline, all through ``invocation_view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef

from pactgraph.namespaces import ELI, PG
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.readers import flag_of, link_of, links_of, sources_of, text_of, texts_of


@dataclass(frozen=True)
class ScopeView:
    description: str
    regions: tuple[Link, ...]
    protects: tuple[Link, ...]
    unlimited: bool | None
    defined_in: Link | None


@dataclass(frozen=True)
class InterpretationView:
    link: Link
    stated_by: tuple[Link, ...]
    stated_in: str
    description: str
    extends_to: tuple[Link, ...]
    regions: tuple[Link, ...]


@dataclass(frozen=True)
class ClauseView:
    link: Link
    article: str
    treaty: Link | None
    paraphrase: str
    quotes: tuple[str, ...]
    trigger: Link | None
    strength: Link | None
    rank: int | None
    scope: ScopeView | None
    invocation_status: Link | None
    condition_note: str
    notes: tuple[str, ...]
    interpretations: tuple[InterpretationView, ...]
    invocations: tuple[InvocationView, ...]
    sources: tuple[tuple[Link, str], ...]


@dataclass(frozen=True)
class InvocationView:
    link: Link
    date: str
    confirmation_date: str
    clause: Link | None
    treaty: Link | None
    invoker: tuple[Link, ...]
    assisted: tuple[Link, ...]
    kind: Link | None
    declined: bool          # the invoking party declined to invoke: it is named, but did not
    collective: bool | None
    triggering_event: str
    outcome: str
    notes: tuple[str, ...]
    sources: tuple[tuple[Link, str], ...]


def scope_view(graph: Graph, scope: Any, labels: Labeller) -> ScopeView:
    return ScopeView(text_of(graph, scope, PG.description),
                     tuple(links_of(graph, scope, PG.region, labels)),
                     tuple(links_of(graph, scope, PG.protects, labels)),
                     flag_of(graph, scope, PG.geographicallyUnlimited),
                     link_of(graph, scope, PG.scopeDefinedIn, labels))


def invocation_view(graph: Graph, invocation: URIRef, labels: Labeller) -> InvocationView:
    clause = graph.value(invocation, PG.invokedClause)
    treaty = graph.value(clause, ELI.is_part_of) if clause is not None else None
    return InvocationView(
        link=labels.term(invocation),
        date=text_of(graph, invocation, PG.invocationDate),
        confirmation_date=text_of(graph, invocation, PG.confirmationDate),
        clause=labels.term(clause) if clause is not None else None,
        treaty=labels.term(treaty) if treaty is not None else None,
        invoker=tuple(links_of(graph, invocation, PG.invokingParty, labels)),
        assisted=tuple(links_of(graph, invocation, PG.assistedParty, labels)),
        kind=link_of(graph, invocation, PG.invocationKind, labels),
        declined=(invocation, PG.invocationKind, PG.DeclinedToInvoke) in graph,
        collective=flag_of(graph, invocation, PG.collectiveDecision),
        triggering_event=text_of(graph, invocation, PG.triggeringEvent),
        outcome=text_of(graph, invocation, PG.outcome),
        notes=tuple(texts_of(graph, invocation, PG.note)),
        sources=tuple(sources_of(graph, [invocation], labels)))


def _interpretation_view(graph: Graph, node: URIRef, labels: Labeller) -> InterpretationView:
    return InterpretationView(labels.term(node), tuple(links_of(graph, node, PG.statedBy, labels)),
                              text_of(graph, node, PG.statedIn),
                              text_of(graph, node, PG.description),
                              tuple(links_of(graph, node, PG.extendsTo, labels)),
                              tuple(links_of(graph, node, PG.extendsToRegion, labels)))


def clause_view(graph: Graph, clause: URIRef, labels: Labeller) -> ClauseView:
    scope = graph.value(clause, PG.geographicScope)
    strength = graph.value(clause, PG.obligationStrength)
    rank = graph.value(strength, PG.strengthRank) if strength is not None else None
    treaty = graph.value(clause, ELI.is_part_of)
    invocations = sorted((invocation_view(graph, i, labels)
                          for i in graph.subjects(PG.invokedClause, clause)),
                         key=lambda view: view.date)
    return ClauseView(
        link=labels.term(clause), article=text_of(graph, clause, ELI.number),
        treaty=labels.term(treaty) if treaty is not None else None,
        paraphrase=text_of(graph, clause, PG.paraphrase),
        quotes=tuple(texts_of(graph, clause, PG.quotedPhrase)),
        trigger=link_of(graph, clause, PG.trigger, labels),
        strength=labels.term(strength) if strength is not None else None,
        rank=int(rank) if rank is not None else None,
        scope=scope_view(graph, scope, labels) if scope is not None else None,
        invocation_status=link_of(graph, clause, PG.invocationStatus, labels),
        condition_note=text_of(graph, clause, PG.conditionNote),
        notes=tuple(texts_of(graph, clause, PG.note)),
        interpretations=tuple(_interpretation_view(graph, i, labels)
                              for i in sorted(graph.subjects(PG.interpretationOf, clause))),
        invocations=tuple(invocations),
        sources=tuple(sources_of(graph, [clause, *([scope] if scope is not None else [])], labels)))
