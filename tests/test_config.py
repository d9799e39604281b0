"""Configuration: where it is found, what it may say, how a mistake in it is
reported (rule ``config``, exit status 2), and what each setting changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TODAY, TODAY_ARG
from flowsop.api import check_paths
from flowsop.cli import main
from flowsop.project.config import Config, ConfigError, find_config, load_config
from flowsop.diagnostics import Severity
from flowsop.parse import parse_text


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def problems(config: Config) -> list[tuple[int, int, str, str | None]]:
    return [(d.line, d.column, d.message, d.hint) for d in config.problems]


def rules_of(folder: Path, *, rules=None) -> list[tuple[str, str, int]]:
    result = check_paths([str(folder)], today=TODAY, rules=rules)
    return [(d.rule, d.severity.value, d.line) for d in result.diagnostics]


# ------------------------------------------------------------------ finding it

def test_the_nearest_configuration_wins_and_yaml_before_pyproject(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.flowsop]\nterms = ['A']\n",
                     "sops/flowsop.yaml": "terms: [B]\n",
                     "sops/pyproject.toml": "[tool.flowsop]\nterms = ['C']\n",
                     "sops/team/x.flow": "start: A.\nend: B.\n"})
    assert find_config(tmp_path / "sops/team") == tmp_path / "sops/flowsop.yaml"
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"


def test_a_pyproject_without_the_table_is_passed_by(tmp_path):
    write(tmp_path, {"flowsop.yaml": "terms: [A]\n",
                     "code/pyproject.toml": "[project]\nname = 'x'\n# tool.flowsop is elsewhere\n"})
    assert find_config(tmp_path / "code") == tmp_path / "flowsop.yaml"


def test_the_walk_stops_at_the_top_of_a_repository(tmp_path):
    write(tmp_path, {"flowsop.yaml": "terms: [A]\n", "repo/.git/HEAD": "", "repo/sops/x.flow": ""})
    assert find_config(tmp_path / "repo/sops") is None


# ------------------------------------------------------------------ reading it

def test_a_full_yaml_configuration(tmp_path):
    path = write(tmp_path, {"flowsop.yaml": """\
rules:
  passive-voice: off
  long-sentence: error
max-sentence-words: 25
similarity-threshold: 0.75
terms: [MSP, RMM]
defaults:
  owner: Service Desk Lead
  review_every: 6 months
  glossary:
    PSA: Professional services automation tool.
"""}) / "flowsop.yaml"
    config = load_config(path)
    assert config.problems == ()
    assert config.disabled == {"passive-voice"}
    assert config.severities == {"long-sentence": Severity.ERROR}
    assert config.settings == {
        "max-sentence-words": 25, "similarity-threshold": 0.75, "terms": ("MSP", "RMM"),
        "defaults": {"glossary": {"PSA": "Professional services automation tool."},
                     "owner": "Service Desk Lead", "review_every": "6 months"}}


def test_the_same_in_pyproject_toml(tmp_path):
    path = write(tmp_path, {"pyproject.toml": """\
[project]
name = "sops"

[tool.flowsop]
rules = {passive-voice = "off", long-sentence = "error"}
max-sentence-words = 25
terms = ["MSP"]

[tool.flowsop.defaults]
owner = "Service Desk Lead"
glossary = {PSA = "Professional services automation tool."}
"""}) / "pyproject.toml"
    config = load_config(path)
    assert config.problems == ()
    assert (config.disabled, config.max_sentence_words, config.owner, config.glossary) == (
        {"passive-voice"}, 25, "Service Desk Lead",
        (("PSA", "Professional services automation tool."),))


def test_yaml_mistakes_are_config_diagnostics_at_their_key(tmp_path):
    path = write(tmp_path, {"flowsop.yaml": """\
rules:
  pasive-voice: off
  long-sentence: eror
  syntax: off
max-sentence-word: 25
similarity-threshold: 2
terms: {a: b}
defaults:
  owner: [a, b]
  review_every: quarterly
  reviewer: me
"""}) / "flowsop.yaml"
    assert problems(load_config(path)) == [
        (2, 3, "unknown rule 'pasive-voice'", "did you mean 'passive-voice'?"),
        (3, 3, "'long-sentence' is set to 'eror'", "write one of: off, warning, error"),
        (4, 3, "the rule 'syntax' cannot be turned off or re-graded",
         "a file flowsop cannot read is always an error"),
        (5, 1, "unknown key 'max-sentence-word' in the configuration",
         "did you mean 'max-sentence-words'?"),
        (6, 1, "'similarity-threshold' must be a number between 0 and 1", None),
        (7, 1, "'terms' must be a list of words", None),
        (9, 3, "'defaults.owner' must be text", None),
        (10, 3, "'defaults.review_every: quarterly' does not read as a period",
         "write a number and a unit: '90 days', '2 weeks', '6 months', '1 year'"),
        (11, 3, "unknown key 'reviewer' in the defaults", "did you mean 'review_every'?"),
    ]
    assert all(d.rule == "config" and d.severity is Severity.ERROR
               for d in load_config(path).problems)


def test_toml_mistakes_point_at_their_line(tmp_path):
    path = write(tmp_path, {"pyproject.toml": """\
[project]
name = "x"

[tool.flowsop]
max-sentence-words = 0
rules = {long-sentense = "off"}
"""}) / "pyproject.toml"
    assert [(line, col, message) for line, col, message, _ in problems(load_config(path))] == [
        (5, 1, "'max-sentence-words' must be a whole number at least 1"),
        (6, 10, "unknown rule 'long-sentense'"),
    ]


@pytest.mark.parametrize("name, text, where", [
    ("flowsop.yaml", "rules:\n  a: [b\n", (3, 1)),
    ("pyproject.toml", "[tool.flowsop]\nterms = [\n", (3, 1)),
    ("pyproject.toml", "[tool.flowsop]\nterms = [1,\nx = 2\n", (3, 1)),
])
def test_a_file_that_does_not_parse_is_one_diagnostic(tmp_path, name, text, where):
    config = load_config(write(tmp_path, {name: text}) / name)
    assert [(d.line, d.column) for d in config.problems] == [where]
    assert config.problems[0].message.startswith(("invalid YAML", "invalid TOML"))


def test_a_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "nope.yaml")


# ------------------------------------------------------------------ the command line

def test_a_configuration_problem_exits_2_and_names_the_file(tmp_path, capsys):
    write(tmp_path, {"flowsop.yaml": "rules:\n  pasive-voice: off\n",
                     "a.flow": "start: A starts.\nend: Done.\n"})
    code = main(["check", str(tmp_path), "--today", TODAY_ARG, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [(Path(d["path"]).name, d["line"], d["column"], d["rule"]) for d in out
            if d["rule"] == "config"] == [("flowsop.yaml", 2, 3, "config")]


def test_config_names_another_file(tmp_path, capsys):
    write(tmp_path, {"strict.yaml": "rules:\n  missing-metadata: error\n",
                     "lib/a.flow": "start: A starts.\nend: Done.\n"})
    assert main(["check", str(tmp_path / "lib"), "--today", TODAY_ARG]) == 0  # a warning
    assert main(["check", str(tmp_path / "lib"), "--today", TODAY_ARG,
                 "--config", str(tmp_path / "strict.yaml")]) == 1
    assert main(["check", str(tmp_path / "lib"), "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such configuration file" in capsys.readouterr().err


# ------------------------------------------------------------------ what the settings change

def test_rules_off_and_regraded(tmp_path):
    write(tmp_path, {"a.flow": "start: A starts.\nstep: Do it.\nend: Done.\n"})
    assert rules_of(tmp_path) == [("missing-metadata", "warning", 1)]
    (tmp_path / "flowsop.yaml").write_text("rules: {missing-metadata: error}\n", encoding="utf-8")
    assert rules_of(tmp_path) == [("missing-metadata", "error", 1)]
    (tmp_path / "flowsop.yaml").write_text("rules: {missing-metadata: off}\n", encoding="utf-8")
    assert rules_of(tmp_path) == []


def test_the_library_rules_follow_the_configuration_too(tmp_path):
    write(tmp_path, {"flowsop.yaml": "rules:\n  undefined-procedure: warning\n",
                     "a.flow": "start: A starts.\ncall: nowhere\nend: Done.\n"})
    assert rules_of(tmp_path, rules=["undefined-procedure"]) == [
        ("undefined-procedure", "warning", 2)]


def test_the_sentence_length_setting(tmp_path):
    words = " ".join(["word"] * 23)
    write(tmp_path, {"a.flow": f"start: A starts.\nstep: Check {words}.\nend: Done.\n"})
    assert rules_of(tmp_path, rules=["long-sentence"]) == [("long-sentence", "warning", 2)]
    (tmp_path / "flowsop.yaml").write_text("max-sentence-words: 30\n", encoding="utf-8")
    assert rules_of(tmp_path, rules=["long-sentence"]) == []


def test_defaults_count_as_written_unless_the_procedure_says_otherwise(tmp_path):
    page = ("---\ntitle: T\nversion: 1.0.0\ncreated: 2026-01-10\nmodified: 2026-01-10\n"
            "purpose: P.\nscope:\n  begins: B.\n  ends: E.\n---\n")
    write(tmp_path, {"a.flow": page + "start: Open the PSA.\nend: Done.\n"})
    rules = ["missing-metadata", "review-overdue", "undefined-term"]
    assert sorted(r for r, _, _ in rules_of(tmp_path, rules=rules)) == [
        "missing-metadata", "undefined-term"]
    (tmp_path / "flowsop.yaml").write_text(
        "defaults:\n  owner: Desk Lead\n  review_every: 90 days\n"
        "  glossary:\n    PSA: Professional services automation tool.\n", encoding="utf-8")
    # The inherited review period makes the procedure overdue on TODAY.
    assert rules_of(tmp_path, rules=rules) == [("review-overdue", "warning", 5)]


def test_inherit_fills_in_what_a_procedure_leaves_out():
    procedure, _ = parse_text("---\ntitle: T\nglossary:\n  PSA: Our PSA.\n---\nstart: A.\n")
    config = Config(owner="Desk Lead", review_every="1 year",
                    glossary=(("PSA", "The tool."), ("RMM", "Remote monitoring.")))
    meta = config.inherit(procedure).meta
    assert (meta.owner, meta.review_every, meta.glossary) == (
        "Desk Lead", "1 year", (("PSA", "Our PSA."), ("RMM", "Remote monitoring.")))
