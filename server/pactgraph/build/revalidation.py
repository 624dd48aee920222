"""Validate the data before a build: in full, or only what changed since the last build.

A full validation took 46 minutes at 400x the bundled data; an edit of one file can change the
findings of only the nodes within some shape's reach of what it touched (knowledge/incremental.py
works out which). So every folder the prebuilt store builds from data files keeps what the next
build needs to validate only those (build/basis.py): the rules it was validated under, its
report, a copy of each data file and a digest of each derived obligation.

A build whose rules are the same as an earlier folder's finds the one built from the files most
like today's (``closest_basis``), reads the data graph its files made through today's (the changed
files as they were, from their copies: ``data_before``) and validates again only the nodes the edit
can affect, keeping the old report's other findings. Any doubt (no such folder, another shape or
ontology, a copy missing or unreadable, a blank node within reach) means a full validation, which
is what a build without a basis does anyway. What the edit changed also lets the store and dumps be
written as a change to that folder's (build/store_change.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pactgraph.build import prebuilt, versions
from pactgraph.build.basis import BASIS, OBLIGATIONS, Derivation, closest_basis, data_before, save
from pactgraph.build.relabelling import relabelled, without_labels
from pactgraph.build.store_change import Change, changed_subjects
from pactgraph.errors import DataNotConforming, PactgraphError
from pactgraph.knowledge.derivation import DerivedGraphs, derive_graphs
from pactgraph.knowledge.derivation_reads import affected
from pactgraph.knowledge.incremental import obligation_digests, revalidate
from pactgraph.knowledge.rdf_files import QUADS, rdf_files
from pactgraph.knowledge.sources import Finding, Knowledge, ValidationReport, data_files

log = logging.getLogger(__name__)

# The code whose change can change a report (how the dumps are written cannot): with the
# libraries' versions and the ontology and shapes files, the rules an old report was made under.
VALIDATING_MODULES = ("knowledge/sources.py", "knowledge/source_graphs.py",
                      "knowledge/rdf_files.py", "knowledge/derivation.py",
                      "knowledge/obligations.py", "knowledge/intervals.py",
                      "knowledge/obligation_triples.py", "knowledge/spans.py",
                      "knowledge/incremental.py", "knowledge/reach.py", "knowledge/chains.py",
                      "knowledge/depths.py", "knowledge/sparql_once.py",
                      "knowledge/sparql_constraints.py", "knowledge/pyshacl_focus.py",
                      "knowledge/findings.py", "terms.py",
                      "knowledge/overlay_graph.py", "knowledge/derivation_reads.py",
                      "build/revalidation.py", "build/basis.py", "build/relabelling.py")


def prepare_validated(settings: dict, version: str, knowledge: Callable[[], Knowledge],
                      from_files: bool = False) -> Path:
    """``prebuilt.prepare`` in the configured store folder, with ``knowledge()`` validated first
    when the folder must be built: ``DataNotConforming`` if it fails the shapes (files or a
    remote store's graphs alike). Built ``from_files`` (the data files of ``settings``), a folder
    keeps what the next build needs to validate only an edit of them, and a build after an edit
    validates only what the edit can affect, when an earlier folder has such a basis."""
    store_dir = settings["store_dir"] or prebuilt.default_store_dir()
    # Set only when the folder must be built: a start that finds it built reads no file here.
    digests: dict[str, str] = {}  # each data file's sha256, read once for the whole build
    rules: str | None = None
    report: ValidationReport | None = None
    built: Knowledge | None = None
    edit: Edit | None = None
    whole: tuple[dict[str, str], Derivation] | None = None
    change: Change | None = None  # what changed since the folder an edit was validated against
    earlier: Path | None = None  # that folder

    def derivation() -> tuple[dict[str, str], Derivation]:
        """Each derived obligation's digest and what deriving them read: as the edit's
        validation found them, or of every obligation (made once, when first needed)."""
        nonlocal whole
        if edit is not None and edit.derivation is not None:
            return edit.obligations, edit.derivation
        if whole is None:
            whole = obligation_digests(built), Derivation.of(built.derived)
        return whole

    def validated_knowledge() -> tuple[Knowledge, str]:
        nonlocal rules, report, built, change, earlier, edit
        built = knowledge()
        base = None
        if from_files:
            digests.update(_digests(settings))
            salt = (*versions.library_versions(), versions.code_hash(VALIDATING_MODULES))
            rules = rules_version(settings, salt)
            base = earlier = closest_basis(store_dir, rules, digests, prebuilt.is_ready)
        edit = validate_edit(base, built, digests, lambda: derivation()[0]) if base else None
        report = edit.report if edit else built.validate()
        if edit and edit.subjects is not None and _store_changeable(base, settings, edit.files):
            change = Change(base, edit.subjects, edit.derived)
        if not report.conforms:
            raise DataNotConforming(report)
        return built, report.text()

    def keep(folder: Path) -> None:
        save(folder, settings, digests, rules, report, *derivation(), earlier)

    return prebuilt.prepare(store_dir, version, validated_knowledge, keep if from_files else None,
                            lambda: change)


def rules_version(settings: dict, salt: tuple[str, ...]) -> str:
    """What must be the same for an old report to be reused: the ontology and shapes files (their
    bytes and how they are read) and ``salt``, the code and libraries that validate."""
    digest = hashlib.sha256()
    for part in salt:
        digest.update(part.encode("utf-8") + b"\0")
    for file in [*rdf_files(settings["ontology_paths"]), *rdf_files(settings["shapes_paths"])]:
        digest.update(file.describe().encode("utf-8") + b"\0" + file.path.read_bytes())
    return digest.hexdigest()


def _digests(settings: dict) -> dict[str, str]:
    """The sha256 of each data file of ``settings``, by its resolved path."""
    return {str(file.path.resolve()): hashlib.sha256(file.path.read_bytes()).hexdigest()
            for file in data_files(settings)}


@dataclass(frozen=True)
class Edit:
    """An edit's report, the subjects whose triples it changed (``changed_subjects``), the
    paths of the files it changed; when only the commitments it touched were derived again
    (``derived``), every obligation's digest and what deriving them read, as they now are."""

    report: ValidationReport
    subjects: frozenset[str] | None
    files: frozenset[str] = frozenset()
    obligations: dict[str, str] | None = None
    derivation: Derivation | None = None
    derived: DerivedGraphs | None = None


def validate_edit(base: Path, knowledge: Knowledge, today: dict[str, str],
                  obligations: Callable[[], dict[str, str]]) -> Edit | None:
    """The report of validating ``knowledge`` (its data files' sha256 by path: ``today``, its
    derived obligations' digests: ``obligations()``) as an edit of the files ``base`` was built
    from, or None when that cannot be trusted (then validate in full)."""
    try:
        recorded = json.loads((base / BASIS / "basis.json").read_text(encoding="utf-8"))
        findings = json.loads((base / BASIS / "report.json").read_text(encoding="utf-8"))
        report = ValidationReport(tuple(Finding(**finding) for finding in findings))
        then = json.loads((base / BASIS / OBLIGATIONS).read_text(encoding="utf-8"))
        before, edit, changed = data_before(base, recorded["files"], knowledge, today)
    except (OSError, ValueError, KeyError, TypeError, PactgraphError) as error:
        log.warning("validating in full: the last build's basis in %s cannot be used (%s)",
                    base, error)
        return None
    now, derivation, derived = _derived_again(base, knowledge, edit, then)
    if derivation is None:
        now = obligations()
    if not changed:
        return Edit(report, frozenset(), frozenset(), now, derivation, derived)
    merged, nodes = revalidate(before, report, knowledge, edit, (then, now), derived)
    if nodes is None:
        log.info("validated in full after an edit of %d file(s)", len(changed))
    else:
        log.info("validated again %d nodes after an edit of %s", len(nodes),
                 ", ".join(sorted(Path(path).name for path in changed)))
    return Edit(merged, changed_subjects(edit, (then, now)), frozenset(changed), now, derivation,
                derived)


def _derived_again(base: Path, knowledge: Knowledge, edit: tuple, then: dict[str, str]
                   ) -> tuple[dict[str, str], Derivation | None, DerivedGraphs | None]:
    """The obligations of only the commitments ``edit`` touched (knowledge/derivation_reads.py),
    derived again: every obligation's digest (``then``'s of the others), what deriving them
    all read, and the new derivation. (None, None, None) when ``base`` kept no record of its
    derivation: derive everything."""
    try:
        record = Derivation.load(base)
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.info("deriving every obligation: %s keeps no record of its derivation (%s)",
                 base.name, error)
        return {}, None, None
    data, ontology = knowledge.data.graph, knowledge.ontology.graph
    touched = affected(record.reads, record.made, edit, data)
    # those touched through labels alone keep their obligations, labels written again
    again = affected(without_labels(record.reads), record.made, edit, data)
    changed = {subject for subject, _, _ in set(edit[0]) ^ set(edit[1])}
    derived = derive_graphs(ontology, data, again, changed)
    relabelled_only = {str(commitment) for commitment in touched - again}
    try:
        labels = relabelled(base / prebuilt.ENGINE, relabelled_only, record.made, edit,
                            ontology, data, derived)
    except (OSError, KeyError) as error:  # no store to read them from: derive them again
        log.info("deriving again the commitments renamed only: %s", error)
        again = touched
        derived = derive_graphs(ontology, data, again, changed)
        labels = 0
    names = {str(commitment) for commitment in again}
    gone = {node for commitment in names for node in record.made.get(commitment, ())}
    now = {node: digest for node, digest in then.items() if node not in gone}
    now.update(obligation_digests(knowledge, derived))
    log.info("derived again the obligations of %d of %d commitments (and %d labels of %d more)",
             len(again), len(record.reads), labels, len(touched - again))
    return now, record.updated(names, Derivation.of(derived)), derived


def _store_changeable(base: Path, settings: dict, changed: frozenset[str]) -> bool:
    """Whether the store can be written as a change to ``base``'s: each data file is read as
    then (its media type and graph), and each ``changed`` one into the default data graph (an
    edit's triples are compared without their graphs: one moved between graphs goes unseen)."""
    try:
        recorded = json.loads((base / BASIS / "basis.json").read_text(encoding="utf-8"))
        then = {(e["path"], e["media_type"], e["graph"]) for e in recorded["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    today = {(str(file.path.resolve()), file.media_type, file.graph)
             for file in data_files(settings)}
    return then == today and all(graph is None and media_type not in QUADS
                                 for path, media_type, graph in today if path in changed)
