"""What validation found: each SHACL result in a contributor's terms, and the report of them all.

Kept apart from knowledge/sources.py, which makes them, because the build keeps a report
between builds (build/revalidation.py) and an edit's validation merges old and fresh findings
(knowledge/incremental.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, in the terms a contributor needs to fix it."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    message: str
    value: str | None
    file: str | None

    def line(self) -> str:
        where = self.file or "(no file)"
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {where}: <{self.focus}>{path}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    findings: tuple[Finding, ...]

    @property
    def conforms(self) -> bool:
        """Only violations fail validation; warnings and infos are reported but allowed."""
        return not self.violations

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    def text(self) -> str:
        if not self.findings:
            return "The data conforms to the shapes."
        lines = [finding.line() for finding in self.findings]
        others = len(self.findings) - len(self.violations)
        if self.conforms:
            summary = f"The data conforms to the shapes, with {others} warning(s) to look at."
        else:
            summary = (f"The data does not conform: {len(self.violations)} violation(s), "
                       f"{others} other finding(s).")
        return "\n".join([*lines, summary])
