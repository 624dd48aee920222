"""What a folder keeps for the next build to validate only an edit of its data files.

Every folder the prebuilt store builds from data files keeps, in ``basis/``:

    basis/basis.json   the hash of the rules (ontology, shapes, how each file is read, the code
                       that validates) and each data file's path, how it is read and its sha256
    basis/report.json  the findings of its validation (warnings only: it passed)
    basis/files/       a gzip copy of each data file, named by its sha256
    basis/obligations.json   a digest of what the shapes read of each derived obligation, so
                       that only the obligations an edit changed are validated again
    basis/derivation.json    the nodes each commitment's derivation read and the obligations
                       it made, so that only the commitments an edit touched are derived again

A later build finds the folder built from the files most like its own (``closest_basis``) and
reads the data as it was then (``data_before``); build/revalidation.py validates the difference.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import Graph

from pactgraph.knowledge.overlay_graph import edited
from pactgraph.knowledge.rdf_files import RdfFile, read
from pactgraph.knowledge.sources import Knowledge, ValidationReport, data_files

BASIS = "basis"
OBLIGATIONS = "obligations.json"  # in basis/: each derived obligation's digest
DERIVATION = "derivation.json"  # in basis/: each commitment's reads and obligations


@dataclass(frozen=True)
class Derivation:
    """What each commitment's derivation read and the obligations it made, by IRI
    (knowledge/derivation_reads.py)."""

    reads: dict[str, list[str]]
    made: dict[str, list[str]]

    @classmethod
    def of(cls, derived) -> Derivation:
        """Of a derivation (knowledge/derivation.py's ``DerivedGraphs``)."""
        return cls({str(c): sorted(map(str, read)) for c, read in derived.reads.items()},
                   {str(c): [str(o) for o in made] for c, made in derived.made.items()})

    def updated(self, again: set[str], fresh: Derivation) -> Derivation:
        """This, with the commitments derived ``again`` replaced by what ``fresh`` says of them
        (nothing, for one that is no longer a commitment)."""
        return Derivation({**{c: r for c, r in self.reads.items() if c not in again},
                           **fresh.reads},
                          {**{c: m for c, m in self.made.items() if c not in again},
                           **fresh.made})

    @classmethod
    def load(cls, folder: Path) -> Derivation:
        recorded = json.loads((folder / BASIS / DERIVATION).read_text(encoding="utf-8"))
        return cls(dict(recorded["reads"]), dict(recorded["made"]))


def save(folder: Path, settings: dict, digests: dict[str, str], rules: str,
         report: ValidationReport, obligations: dict[str, str], derivation: Derivation,
         earlier: Path | None = None) -> None:
    """Keep in ``folder`` (being built) what a later build needs to validate only an edit
    (``obligations``: the derived obligations' ``obligation_digests``; ``derivation``: what
    deriving them read); the copies of files that ``earlier`` (a folder) kept as well are
    linked to, not made again."""
    basis = folder / BASIS
    (basis / "files").mkdir(parents=True)
    entries = []
    for file in data_files(settings):
        digest = digests[str(file.path.resolve())]
        copy = basis / "files" / f"{digest}.gz"
        if not copy.exists() and not _linked(earlier, copy, digest):
            copy.write_bytes(gzip.compress(file.path.read_bytes(), compresslevel=6))
        entries.append({"path": str(file.path.resolve()), "media_type": file.media_type,
                        "graph": file.graph, "sha256": digest})
    (basis / "basis.json").write_text(json.dumps({"rules": rules, "files": entries}, indent=1),
                                      encoding="utf-8")
    (basis / "report.json").write_text(
        json.dumps([asdict(finding) for finding in report.findings], indent=1), encoding="utf-8")
    (basis / OBLIGATIONS).write_text(json.dumps(obligations, sort_keys=True), encoding="utf-8")
    (basis / DERIVATION).write_text(json.dumps({"reads": derivation.reads, "made": derivation.made},
                                               sort_keys=True), encoding="utf-8")


def _linked(earlier: Path | None, copy: Path, digest: str) -> bool:
    """Whether ``copy`` could be made a link to ``earlier``'s copy of the same file, checked
    against its sha256 first (compressing the files again took 3.4 s of an edit at 80x the
    data; reading a copy back, a tenth of that)."""
    kept = None if earlier is None else earlier / BASIS / "files" / copy.name
    try:
        if kept is None or hashlib.sha256(gzip.decompress(kept.read_bytes())).hexdigest() != digest:
            return False
        os.link(kept, copy)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False
    return True


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


def data_before(base: Path, entries: list[dict], knowledge: Knowledge, digests: dict[str, str]
                ) -> tuple[Graph, tuple[Graph, Graph], list[str]]:
    """The data graph the files of ``entries`` made: today's less what the changed files hold
    today and did not then, with what they held then (read from their copies), through
    today's graph, not copied (a pass of rdflib over all the data); the changed files' triples
    then and now; their paths. (A triple a changed file added that another file also holds is
    left out of it: it counts as changed, which can only widen what is validated again.)"""
    today = {str(source.path.resolve()): source for source in knowledge.data.sources}
    old, new, changed = Graph(), Graph(), []
    for entry in entries:
        path, digest = entry["path"], entry["sha256"]
        source = today.pop(path, None)
        if source is not None and digests.get(path) == digest:
            continue
        changed.append(path)
        old += _read_copy(base / BASIS / "files" / f"{digest}.gz", Path(path),
                          entry["media_type"], entry["graph"])
        if source is not None:
            new += _file_triples(source)
    for path, source in today.items():  # files that are new since the last build
        changed.append(path)
        new += _file_triples(source)
    hidden = (triple for triple in new if triple not in old)
    return edited(knowledge.data.graph, hidden, old), (old, new), changed


def _file_triples(source: RdfFile) -> Graph:
    """The triples of a data file, in one graph (today's data keeps none of each file's:
    knowledge/source_graphs.py)."""
    merged = Graph()
    for part in read(source, by_oxigraph=True).values():
        merged += part
    return merged


def _read_copy(copy: Path, original: Path, media_type: str, graph: str | None) -> Graph:
    """The triples of an earlier version of ``original``, read from its copy as it was then."""
    with tempfile.TemporaryDirectory(prefix="pactgraph-basis.") as folder:
        path = Path(folder) / original.name  # the same name: errors as then
        path.write_bytes(gzip.decompress(copy.read_bytes()))
        base = original.resolve().as_uri()  # relative IRIs as the original's, not the copy's
        return _file_triples(RdfFile(path, media_type, graph, base))
