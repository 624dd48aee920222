"""Validate the data before a build: in full, or only what changed since the last build.

A full validation took 46 minutes at 400x the bundled data; an edit of one file can change the
findings of only the nodes within some shape's reach of what it touched (knowledge/incremental.py
works out which). So every folder the prebuilt store builds from data files keeps, in ``basis/``,
what the next build needs to validate only those:

    basis/basis.json   the hash of the rules (ontology, shapes, how each file is read, the code
                       that validates) and each data file's path, how it is read and its sha256
    basis/report.json  the findings of its validation (warnings only: it passed)
    basis/files/       a gzip copy of each data file, named by its sha256
    basis/obligations.json   a digest of what the shapes read of each derived obligation, so
                       that only the obligations an edit changed are validated again

A build whose rules are the same as an earlier folder's finds the one built from the files most
like today's (``closest_basis``), makes the data graph its files made (unchanged files from
today's parse, the others from their copies) and validates again only the nodes the edit can
affect, keeping the old report's other findings. Any doubt (no such folder, another shape or
ontology, a copy missing or unreadable, a blank node within reach) means a full validation, which
is what a build without a basis does anyway.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.graph import ReadOnlyGraphAggregate

from pactgraph.build import prebuilt, versions
from pactgraph.build.store_change import Change, changed_subjects
from pactgraph.errors import DataNotConforming, PactgraphError
from pactgraph.knowledge.incremental import obligation_digests, revalidate
from pactgraph.knowledge.rdf_files import RdfFile, rdf_files, read
from pactgraph.knowledge.sources import Finding, Knowledge, ValidationReport, data_files

log = logging.getLogger(__name__)

BASIS = "basis"
OBLIGATIONS = "obligations.json"  # in basis/: each derived obligation's digest
# The code whose change can change a report (how the dumps are written cannot): with the
# libraries' versions and the ontology and shapes files, the rules an old report was made under.
VALIDATING_MODULES = ("knowledge/sources.py", "knowledge/rdf_files.py", "knowledge/derivation.py",
                      "knowledge/obligations.py", "knowledge/intervals.py",
                      "knowledge/obligation_triples.py", "knowledge/spans.py",
                      "knowledge/incremental.py", "knowledge/reach.py", "knowledge/chains.py",
                      "knowledge/sparql_once.py", "knowledge/sparql_constraints.py",
                      "knowledge/pyshacl_focus.py", "knowledge/findings.py", "terms.py",
                      "knowledge/overlay_graph.py",
                      "build/revalidation.py")


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
    obligations: dict[str, str] | None = None
    change: Change | None = None  # what changed since the folder an edit was validated against

    def current_obligations() -> dict[str, str]:
        """Each derived obligation's digest, made once, when first needed."""
        nonlocal obligations
        if obligations is None:
            obligations = obligation_digests(built)
        return obligations

    def validated_knowledge() -> tuple[Knowledge, str]:
        nonlocal rules, report, built, change
        built = knowledge()
        base = None
        if from_files:
            digests.update(_digests(settings))
            salt = (*versions.library_versions(), versions.code_hash(VALIDATING_MODULES))
            rules = rules_version(settings, salt)
            base = closest_basis(store_dir, rules, digests, prebuilt.is_ready)
        edit = base and validate_edit(base, built, digests, current_obligations)
        report = edit.report if edit else built.validate()
        if edit and edit.subjects is not None and _same_layout(base, settings):
            change = Change(base, edit.subjects)
        if not report.conforms:
            raise DataNotConforming(report)
        return built, report.text()

    def keep(folder: Path) -> None:
        save(folder, settings, digests, rules, report, current_obligations())

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


def save(folder: Path, settings: dict, digests: dict[str, str], rules: str,
         report: ValidationReport, obligations: dict[str, str]) -> None:
    """Keep in ``folder`` (being built) what a later build needs to validate only an edit
    (``obligations``: the derived obligations' ``obligation_digests``)."""
    basis = folder / BASIS
    (basis / "files").mkdir(parents=True)
    entries = []
    for file in data_files(settings):
        digest = digests[str(file.path.resolve())]
        copy = basis / "files" / f"{digest}.gz"
        if not copy.exists():
            copy.write_bytes(gzip.compress(file.path.read_bytes(), compresslevel=6))
        entries.append({"path": str(file.path.resolve()), "media_type": file.media_type,
                        "graph": file.graph, "sha256": digest})
    (basis / "basis.json").write_text(json.dumps({"rules": rules, "files": entries}, indent=1),
                                      encoding="utf-8")
    (basis / "report.json").write_text(
        json.dumps([asdict(finding) for finding in report.findings], indent=1), encoding="utf-8")
    (basis / OBLIGATIONS).write_text(json.dumps(obligations, sort_keys=True), encoding="utf-8")


def closest_basis(store_dir: Path, rules: str, today: dict[str, str], is_whole) -> Path | None:
    """The whole folder (``is_whole(folder)``) in ``store_dir`` built under ``rules`` from the
    files most like today's data files (``today``: their sha256 by path), if more of them are
    unchanged than changed (a build of other data altogether is validated in full), or None. Of
    equals, the newest."""
    candidates = []
    for basis in Path(store_dir).glob(f"*/{BASIS}/basis.json"):
        try:
            recorded = json.loads(basis.read_text(encoding="utf-8"))
            if recorded.get("rules") != rules:
                continue
            then = {entry["path"]: entry["sha256"] for entry in recorded["files"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        same = sum(1 for path, digest in today.items() if then.get(path) == digest)
        if same > len(today.keys() | then.keys()) - same:
            candidates.append((same, basis.stat().st_mtime, basis.parent.parent))
    for *_, folder in sorted(candidates, reverse=True):
        if is_whole(folder):
            return folder
    return None


@dataclass(frozen=True)
class Edit:
    """An edit's report, and the subjects whose triples it changed (``changed_subjects``)."""

    report: ValidationReport
    subjects: frozenset[str] | None


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
        before, edit, changed = _before(base, recorded["files"], knowledge, today)
    except (OSError, ValueError, KeyError, TypeError, PactgraphError) as error:
        log.warning("validating in full: the last build's basis in %s cannot be used (%s)",
                    base, error)
        return None
    if not changed:
        return Edit(report, frozenset())
    now = obligations()
    merged, affected = revalidate(before, report, knowledge, edit, (then, now))
    if affected is None:
        log.info("validated in full after an edit of %d file(s)", len(changed))
    else:
        log.info("validated again %d nodes after an edit of %s", len(affected),
                 ", ".join(sorted(Path(path).name for path in changed)))
    return Edit(merged, changed_subjects(edit, (then, now)))


def _same_layout(base: Path, settings: dict) -> bool:
    """Whether each data file is read as when ``base`` was built (its media type and graph)."""
    try:
        recorded = json.loads((base / BASIS / "basis.json").read_text(encoding="utf-8"))
        then = {(e["path"], e["media_type"], e["graph"]) for e in recorded["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return then == {(str(file.path.resolve()), file.media_type, file.graph)
                    for file in data_files(settings)}


def _before(base: Path, entries: list[dict], knowledge: Knowledge, digests: dict[str, str]
            ) -> tuple[Graph, tuple[Graph, Graph], list[str]]:
    """The data graph the files of ``entries`` made, read through today's graphs of the files
    that did not change and the copies of those that did (copying them all into one graph was a
    pass of rdflib over all the data); the changed files' triples then and now; their paths."""
    today = {str(path.resolve()): graph for path, graph in knowledge.data.files.items()}
    parts, old, new, changed = [], Graph(), Graph(), []
    for entry in entries:
        path, digest = entry["path"], entry["sha256"]
        graph = today.pop(path, None)
        if graph is not None and digests.get(path) == digest:
            parts.append(graph)
            continue
        changed.append(path)
        then = _read_copy(base / BASIS / "files" / f"{digest}.gz", Path(path),
                          entry["media_type"], entry["graph"])
        parts.append(then)
        old += then
        if graph is not None:
            new += graph
    for path, graph in today.items():  # files that are new since the last build
        changed.append(path)
        new += graph
    return ReadOnlyGraphAggregate(parts or [Graph()]), (old, new), changed


def _read_copy(copy: Path, original: Path, media_type: str, graph: str | None) -> Graph:
    """The triples of an earlier version of ``original``, read from its copy as it was then."""
    with tempfile.TemporaryDirectory(prefix="pactgraph-basis.") as folder:
        path = Path(folder) / original.name  # the same name: errors and base IRIs as then
        path.write_bytes(gzip.decompress(copy.read_bytes()))
        merged = Graph()
        for part in read(RdfFile(path, media_type, graph), by_oxigraph=True).values():
            merged += part
        return merged
