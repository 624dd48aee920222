"""`pactgraph validate`: a readable report, the right exit code, and no stack trace."""

from __future__ import annotations

from pathlib import Path

from pactgraph.cli import main

HERE = Path(__file__).parent / "validate"
BUNDLED_DATA = Path(__file__).parents[1] / "data"


def test_bundled_data_validates(capsys) -> None:
    assert main(["validate"]) == 0
    assert "conforms" in capsys.readouterr().out


def test_unparseable_turtle_names_file_and_line(capsys) -> None:
    assert main(["validate", str(HERE / "unparseable.ttl")]) == 2
    err = capsys.readouterr().err
    assert f"{HERE / 'unparseable.ttl'}:5:" in err
    assert "cannot parse Turtle" in err
    assert "Traceback" not in err


def test_missing_file_is_a_clear_error(capsys) -> None:
    assert main(["validate", str(HERE / "no-such-file.ttl")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_violation_report_names_focus_file_and_exits_one(capsys) -> None:
    # The states file is needed too, so that the party resolves to a known state.
    paths = [str(BUNDLED_DATA / "states.ttl"), str(HERE / "nonconforming.ttl")]
    assert main(["validate", *paths]) == 1
    out = capsys.readouterr().out
    violations = [line for line in out.splitlines() if line.startswith("Violation:")]
    assert violations, out
    assert all("nonconforming.ttl" in line for line in violations
               if "lonely-pact-1999" in line)
    assert any("<https://w3id.org/pactgraph/id/treaty/lonely-pact-1999>" in line
               for line in violations)
    assert "violation(s)" in out.splitlines()[-1]
