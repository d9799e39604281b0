"""Every rule against its fixtures, and every rule's fixtures and docs required.

``tests/fixtures/rules/<rule>/`` holds ``fail*.flow`` and ``pass*.flow`` files
(or ``fail*/`` and ``pass*/`` folders of several files, for rules that read a
whole library). A failing fixture declares what it must produce in comment
lines at the top of its body::

    # expect: dead-end 12:1

The (rule, line, column) of every diagnostic of the folder's rule, and of any
other rule the fixture names in an ``expect`` line, must equal the declared
list exactly. A passing fixture gives no diagnostic of the folder's rule.
An optional ``# today: YYYY-MM-DD`` line sets the date (default: conftest.TODAY).

A ``.flow`` fixture goes through ``flowsop.api.load_text`` (the parse and
procedure rules). A folder fixture goes through ``flowsop check FOLDER --format
json``, the way a library is checked; its expectations may be in any of its
files and name that file (library rules need folder fixtures).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, TODAY, load
from flowsop.checks import DOC_SECTIONS, RULES
from flowsop.checks.docs import doc_sections, render_docs

RULE_FIXTURES = FIXTURES / "rules"
EXPECT = re.compile(r"^[ \t]*#[ \t]*expect:[ \t]*(?P<rule>\S+)[ \t]+(?P<line>\d+):(?P<col>\d+)[ \t]*$",
                    re.M)
TODAY_LINE = re.compile(r"^[ \t]*#[ \t]*today:[ \t]*(\d{4}-\d\d-\d\d)[ \t]*$", re.M)
CHECKS_MD = REPO / "docs" / "checks.md"


def fixture_entries():
    for rule_dir in sorted(p for p in RULE_FIXTURES.iterdir() if p.is_dir()):
        for entry in sorted(rule_dir.iterdir()):
            if entry.name.startswith(("fail", "pass")) and (entry.is_dir() or entry.suffix == ".flow"):
                yield pytest.param(rule_dir.name, entry, id=f"{rule_dir.name}/{entry.name}")


def expectations(text: str, where: str = "") -> list[tuple]:
    return [(*((where,) if where else ()), m["rule"], int(m["line"]), int(m["col"]))
            for m in EXPECT.finditer(text)]


def fixture_today(text: str) -> _dt.date:
    m = TODAY_LINE.search(text)
    return _dt.date.fromisoformat(m.group(1)) if m else TODAY


def run_file(path: Path):
    text = path.read_text(encoding="utf-8")
    loaded = load(text, path.name, default_id=path.stem, today=fixture_today(text))
    expected = expectations(text)
    produced = [(d.rule, d.line, d.column) for d in loaded.diagnostics]
    return expected, produced, {d.rule: d for d in loaded.diagnostics}


RENDER_OPTION = re.compile(r"^[ \t]*#[ \t]*(formats|engine-mode):[ \t]*(\S+)[ \t]*$", re.M)
FAKE_ENGINE = FIXTURES / "render" / "fake_engine.py"


def run_render(path: Path, tmp_path: Path, monkeypatch):
    """A render-stage fixture: the procedure goes through the build, which lays
    out and exports it. ``# formats: svg,mermaid`` picks the formats (default
    svg); ``# engine-mode: crash`` plays a failing engine with the stand-in."""
    import stat
    import sys

    from flowsop.project.build import BuildOptions, Entry, build

    text = path.read_text(encoding="utf-8")
    options = dict(m.groups() for m in RENDER_OPTION.finditer(text))
    if "engine-mode" in options:
        script = tmp_path / "engine"
        script.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_ENGINE} \"$@\"\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("FLOWSOP_ENGINE_PATH", str(script))
        monkeypatch.setenv("FAKE_ENGINE_MODE", options["engine-mode"])
    loaded = load(text, path.name, default_id=path.stem, today=fixture_today(text))
    result = build([Entry(path.name, path, loaded)],
                   BuildOptions(out=tmp_path / "out", formats=tuple(options.get(
                       "formats", "svg").split(",")), today=fixture_today(text), index=False))
    produced = [(d.rule, d.line, d.column) for d in result.diagnostics]
    return expectations(text), produced


def run_folder(path: Path, capsys):
    """A library fixture: every .flow file in the folder, checked together by the
    command line (the public way to check a library), read back as JSON."""
    from flowsop.cli import main

    # Expectations may sit in any file of the folder (a configuration file too).
    files = sorted(f for f in path.rglob("*") if f.is_file())
    texts = {f.relative_to(path).as_posix(): f.read_text(encoding="utf-8") for f in files}
    today = max((fixture_today(t) for t in texts.values()), default=TODAY)
    capsys.readouterr()
    main(["check", str(path), "--format", "json", "--today", today.isoformat()])
    out = json.loads(capsys.readouterr().out)
    expected = [e for rel, t in texts.items() for e in expectations(t, rel)]
    prefix = str(path) + "/"
    produced = [(d["path"].removeprefix(prefix), d["rule"], d["line"], d["column"]) for d in out]
    return expected, produced


@pytest.mark.parametrize("rule_name, fixture", list(fixture_entries()))
def test_fixture(rule_name, fixture: Path, capsys, tmp_path, monkeypatch):
    assert rule_name in RULES, f"fixtures for an unknown rule: {fixture.parent}"
    if RULES[rule_name].stage == "library":
        assert fixture.is_dir(), (f"{fixture}: a library rule reads several procedures; make the "
                                  "fixture a folder (fail-NAME/ with its .flow files)")
    if fixture.is_dir():
        expected, produced = run_folder(fixture, capsys)
        rule_at = 1
    elif RULES[rule_name].stage == "render":
        expected, produced = run_render(fixture, tmp_path, monkeypatch)
        rule_at = 0
    else:
        expected, produced, _ = run_file(fixture)
        rule_at = 0
    named = {e[rule_at] for e in expected}
    unknown = named - set(RULES)
    assert not unknown, f"{fixture}: expect lines name unknown rules {unknown}"
    compared = named | {rule_name}
    got = Counter(p for p in produced if p[rule_at] in compared)
    if fixture.name.startswith("fail"):
        assert rule_name in named, f"{fixture}: a failing fixture declares '# expect: {rule_name} L:C'"
        assert got == Counter(expected), (
            f"{fixture}\n  declared: {sorted(expected)}\n  produced: {sorted(got.elements())}")
    else:
        assert not [p for p in produced if p[rule_at] == rule_name], \
            f"{fixture}: a passing fixture gave {rule_name}: {produced}"
        assert got == Counter(expected)


# ------------------------------------------------------------------ the registry

@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_has_fail_and_pass_fixtures(name):
    folder = RULE_FIXTURES / name
    assert folder.is_dir(), f"add fixtures for rule '{name}' in {folder.relative_to(REPO)}/"
    entries = [p.name for p in folder.iterdir() if p.is_dir() or p.suffix == ".flow"]
    assert any(e.startswith("fail") for e in entries), f"{name}: add a fail*.flow fixture"
    assert any(e.startswith("pass") for e in entries), f"{name}: add a pass*.flow fixture"


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_is_documented(name):
    rule = RULES[name]
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), f"rule names are kebab-case: {name}"
    assert rule.severity.value in ("error", "warning")
    sections = doc_sections(rule.doc)
    assert sections.get("summary"), f"{name}: the docstring starts with a one-line summary"
    assert "\n" not in rule.summary
    missing = [s for s in DOC_SECTIONS if not sections.get(s)]
    assert not missing, f"{name}: its docstring lacks the sections {missing}"
    found_order = [s for s in sections if s in DOC_SECTIONS]
    assert found_order == list(DOC_SECTIONS), f"{name}: sections out of order: {found_order}"
    assert re.search(rf"^## {re.escape(name)}$", CHECKS_MD.read_text(encoding="utf-8"), re.M), \
        f"{name}: no entry in docs/checks.md; run: python -m flowsop.checks.docs > docs/checks.md"


def test_checks_md_is_up_to_date():
    assert CHECKS_MD.read_text(encoding="utf-8") == render_docs(), \
        "docs/checks.md is out of date; run: python -m flowsop.checks.docs > docs/checks.md"


def test_fixture_folders_name_registered_rules():
    stale = [p.name for p in RULE_FIXTURES.iterdir() if p.is_dir() and p.name not in RULES]
    assert not stale, f"fixture folders for rules that do not exist: {stale}"


def test_doc_sections_reads_examples_as_code():
    doc = """One line.

    What it finds: a thing
    on two lines.

    Why it matters: reasons.

    Incorrect:
        step: a
          -> b

    Correct:
        step: a

    How to silence: do it.
    """
    import inspect
    sections = doc_sections(inspect.cleandoc(doc))
    assert sections["summary"] == "One line."
    assert sections["What it finds"] == "a thing on two lines."
    assert sections["Incorrect"] == "step: a\n  -> b"
    assert sections["How to silence"] == "do it."
