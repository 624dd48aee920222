"""The README's opening commands are the ones CI runs and the ones that work on a fresh clone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_opens_with_serve_then_test_command() -> None:
    serve, test = readme_commands()[:2]
    assert serve.endswith("pactgraph serve")
    assert test.endswith(".venv/bin/pytest")
    for command in (serve, test):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
