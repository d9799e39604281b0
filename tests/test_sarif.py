"""``flowsop check --format sarif``: the log validates against the SARIF 2.1.0
schema kept in tests/schemas/ (the OASIS schema, see tests/schemas/README.md),
declares a stable id for every rule, and points at the right places, with
columns counted in Unicode code points.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import DIAGRAMS, FIXTURES, TODAY_ARG
from flowsop.checks import RULES
from flowsop.cli import main
from flowsop.diagnostics import Diagnostic, Severity, Span
from flowsop.cli.sarif import artifact_uri, format_sarif, to_sarif

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

BROKEN = """\
---
title: Broken
---
start: It begins.
stpe: A typo in the keyword.
step open: Open the ticket.
  link: javascript:alert(1)
decide d: Is it 😀 ok?
  😀 ja -> nowhere
  no -> e
end e: Done.
"""


def check_sarif(capsys, *paths: str) -> tuple[int, dict]:
    code = main(["check", *paths, "--format", "sarif", "--today", TODAY_ARG])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def broken(tmp_path) -> Path:
    folder = tmp_path / "lib with space"
    folder.mkdir()
    path = folder / "broken.flow"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_the_schema_is_the_real_one():
    """The kept schema rejects what SARIF 2.1.0 rejects (so validating against
    it means something)."""
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert len(SCHEMA["definitions"]) == 52
    good = to_sarif([Diagnostic("a.flow", Span(2, 3), Severity.ERROR, "syntax", "bad")])
    VALIDATOR.validate(good)
    for mutate in (lambda log: log.update(version="2.0.0"),
                   lambda log: log["runs"][0]["results"][0].update(level="fatal"),
                   lambda log: log["runs"][0]["results"][0].pop("message"),
                   lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                   ["region"].update(startLine=0),
                   lambda log: log["runs"][0].update(columnKind="bytes"),
                   lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
                   lambda log: log["runs"][0]["results"][0].update(unknownKey=1)):
        bad = copy.deepcopy(good)
        mutate(bad)
        assert not VALIDATOR.is_valid(bad)


def test_check_writes_valid_sarif(capsys, broken):
    code, log = check_sarif(capsys, str(broken), str(DIAGRAMS))
    VALIDATOR.validate(log)
    assert code == 1  # the exit status is the same whatever the format
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    found = {r["ruleId"] for r in run["results"]}
    assert {"syntax", "unsafe-link", "undefined-target"} <= found


def test_results_point_at_the_place(capsys, broken, monkeypatch):
    monkeypatch.chdir(broken.parents[1])
    _, log = check_sarif(capsys, str(broken))  # absolute, inside the working folder
    results = log["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    syntax = by_rule["syntax"]["locations"][0]["physicalLocation"]
    assert syntax["region"]["startLine"] == 5 and syntax["region"]["startColumn"] == 1
    assert syntax["artifactLocation"] == {"uri": "lib%20with%20space/broken.flow",
                                          "uriBaseId": "%SRCROOT%"}
    assert by_rule["unsafe-link"]["level"] == "error"
    # "  😀 ja -> nowhere": the target starts at code point 11 (UTF-16 would say 12).
    target = by_rule["undefined-target"]["locations"][0]["physicalLocation"]["region"]
    line = BROKEN.splitlines()[target["startLine"] - 1]
    assert line == "  😀 ja -> nowhere"
    assert target["startColumn"] == line.index("nowhere") + 1 == 11
    assert target["endColumn"] == target["startColumn"] + len("nowhere")


def test_every_rule_has_a_stable_id(capsys, broken):
    _, log = check_sarif(capsys, str(broken))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(RULES) <= set(ids)
    assert {"syntax", "unsafe-link", "config", "engine", "mermaid-limits"} <= set(ids)
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    # The registered rules carry their documentation.
    syntax = rules[ids.index("syntax")]
    assert syntax["help"]["text"].startswith(RULES["syntax"].summary)
    assert syntax["defaultConfiguration"]["level"] == "error"


def test_unknown_rule_names_are_declared_too():
    log = to_sarif([Diagnostic("x.flow", Span(1, 1), Severity.WARNING, "from-a-plugin", "m")])
    VALIDATOR.validate(log)
    ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert "from-a-plugin" in ids


def test_hint_is_part_of_the_message():
    d = Diagnostic("x.flow", Span(3, 4, 3, 9), Severity.WARNING, "dead-end", "stops", "add ->")
    result = to_sarif([d])["runs"][0]["results"][0]
    assert result["message"]["text"] == "stops\nHint: add ->"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 4, "endLine": 3, "endColumn": 9}


def test_clean_library_gives_an_empty_result_list(capsys):
    code, log = check_sarif(capsys, str(DIAGRAMS / "dispatch-onsite.flow"))
    VALIDATOR.validate(log)
    assert code == 0 and log["runs"][0]["results"] == []


def test_deterministic_and_no_absolute_paths(broken):
    ds = [Diagnostic(str(broken.relative_to(broken.parents[1])), Span(1, 1), Severity.ERROR,
                     "syntax", "bad")]
    assert format_sarif(ds) == format_sarif(ds)
    assert str(broken.parents[1]) not in format_sarif(ds)


def test_a_file_outside_the_working_folder_gets_a_file_uri(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    outside = tmp_path / "there" / "x.flow"
    log = to_sarif([Diagnostic(str(outside), Span(1, 1), Severity.ERROR, "syntax", "bad")])
    VALIDATOR.validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": outside.as_uri()}


@pytest.mark.parametrize("path, uri", [("diagrams/a.flow", "diagrams/a.flow"),
                                       ("a b/c.flow", "a%20b/c.flow"),
                                       ("win\\dir\\c.flow", "win/dir/c.flow"),
                                       ("<stdin>", "%3Cstdin%3E")])
def test_artifact_uri(path, uri):
    assert artifact_uri(path) == uri


def test_fixture_with_hostile_text_validates(capsys):
    _, log = check_sarif(capsys, str(FIXTURES / "render_text" / "hostile.flow"))
    VALIDATOR.validate(log)
