"""The library stage: which files make a library, the outline reader used for
the siblings of a file checked alone, the library rules beyond their fixtures
(tests/fixtures/rules/<rule>/fail-*/ and pass-*/), ignore comments, and
``flowsop check --overdue``."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import DIAGRAMS, TODAY, TODAY_ARG
from flowsop.api import check_paths
from flowsop.checks.rules.overlap import MAX_PARTNERS, _at_least
from flowsop.cli import main
from flowsop.project.library import find_root, plan
from flowsop.parse import parse_text
from flowsop.parse.outline import outline_text

LIBRARY_RULES = ("overlapping-scope", "shared-steps", "undefined-procedure", "call-cycle",
                 "duplicate-procedure", "path-escape")


def page(begins: str, title: str = "A procedure", extra: str = "") -> str:
    """A title page whose scope.begins is on line 5, column 3."""
    return (f"---\ntitle: {title}\nowner: Test Lead\nscope:\n  begins: {begins}\n"
            f"  ends: The work is done.\n{extra}---\n")


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def library_found(paths, rules=LIBRARY_RULES, **kwargs):
    """(path, rule, line, column, message) of the library rules' diagnostics."""
    rules = list(rules) if rules is not None else None
    result = check_paths([str(p) for p in paths], today=TODAY, rules=rules, **kwargs)
    return [(d.path, d.rule, d.line, d.column, d.message) for d in result.diagnostics]


def simple(start: str, *steps: str, calls: tuple[str, ...] = ()) -> str:
    body = [f"start: {start}"] + [f"step: {s}" for s in steps] + [f"call: {c}" for c in calls]
    return "\n".join(body + ["end: Done."]) + "\n"


# ------------------------------------------------------------------ the library's files

def test_a_folder_is_its_own_library_with_its_subfolders(tmp_path):
    write(tmp_path, {"lib/a.flow": simple("A starts.", calls=("b",)),
                     "lib/sub/b.flow": simple("B starts.", "Do b."),
                     "other/c.flow": simple("C starts.", "Do c.")})
    (p,) = plan([str(tmp_path / "lib")])
    assert p.whole and p.root == tmp_path / "lib"
    assert sorted(Path(f).name for f in p.asked) == ["a.flow", "b.flow"]
    assert library_found([tmp_path / "lib"]) == []


def test_a_single_file_belongs_to_the_nearest_configured_folder(tmp_path):
    write(tmp_path, {"repo/.git/HEAD": "", "repo/sops/flowsop.yaml": "terms: [RMM]\n",
                     "repo/sops/team/a.flow": simple("A starts."),
                     "repo/loose/b.flow": simple("B starts.")})
    assert find_root(tmp_path / "repo/sops/team/a.flow") == tmp_path / "repo/sops"
    # No configuration up to the repository's top folder: the file's own folder.
    assert find_root(tmp_path / "repo/loose/b.flow") == tmp_path / "repo/loose"


def test_pyproject_without_a_flowsop_table_is_not_a_library_root(tmp_path):
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": "[project]\nname = 'x'\n",
                     "sops/pyproject.toml": "[tool.flowsop]\nterms = ['RMM']\n",
                     "sops/deep/a.flow": simple("A starts."), "b.flow": simple("B starts.")})
    assert find_root(tmp_path / "sops/deep/a.flow") == tmp_path / "sops"
    assert find_root(tmp_path / "b.flow") == tmp_path


def test_one_file_is_checked_with_its_siblings_and_reports_only_its_own_problems(tmp_path):
    write(tmp_path, {"flowsop.yaml": "terms: [PSA]\n",
                     "a/dispatch.flow": simple("A ticket needs on-site work.", calls=("order-parts",)),
                     "b/order-parts.flow": simple("Parts are missing.", calls=("nowhere",)),
                     "b/other.flow": page("Parts are missing.") + simple("X starts.")})
    result = check_paths([str(tmp_path / "a/dispatch.flow")], today=TODAY, rules=list(LIBRARY_RULES))
    assert [r.procedure.id for r in result.loaded] == ["dispatch"]
    # The call to the sibling resolves; the siblings' own problems (an
    # undefined call, an overlap between the two) are theirs, not reported here.
    assert result.diagnostics == []
    whole = library_found([tmp_path])
    assert sorted((Path(p).name, r) for p, r, *_ in whole) == [
        ("order-parts.flow", "overlapping-scope"), ("order-parts.flow", "undefined-procedure"),
        ("other.flow", "overlapping-scope")]
    # The siblings were read as outlines, not parsed in full.
    (lib,) = result.libraries
    assert sorted((m.display.split(os.sep)[-1], m.loaded is None) for m in lib.members) == [
        ("dispatch.flow", False), ("order-parts.flow", True), ("other.flow", True)]


def test_stdin_outside_a_library_does_not_guess_about_calls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".git/HEAD": ""})
    result = check_paths(["-"], stdin=simple("A starts.", calls=("somewhere",)), today=TODAY,
                         rules=list(LIBRARY_RULES))
    assert result.diagnostics == []


def test_stdin_inside_a_configured_library_resolves_against_it(tmp_path, monkeypatch):
    write(tmp_path, {".git/HEAD": "", "flowsop.yaml": "terms: [PSA]\n",
                     "known.flow": simple("Known starts.")})
    monkeypatch.chdir(tmp_path)
    text = simple("A starts.", calls=("known", "unknown"))
    found = library_found(["-"], stdin=text)
    assert [(p, r, line, col) for p, r, line, col, _ in found] == [
        ("<stdin>", "undefined-procedure", 3, 7)]
    # An editor piping a library file's own text: not a duplicate of itself.
    text = (tmp_path / "known.flow").read_text(encoding="utf-8")
    assert library_found(["-"], stdin="---\nid: known\n---\n" + text) == []


def test_the_examples_are_clean_as_a_library_and_one_by_one():
    assert library_found([DIAGRAMS], rules=None) == []
    for path in sorted(DIAGRAMS.glob("*.flow")):
        assert library_found([path], rules=None) == [], path.name


# ------------------------------------------------------------------ one file = the whole folder

def problem_library(folder: Path) -> Path:
    """Six procedures with every library problem, in two subfolders."""
    return write(folder, {
        "flowsop.yaml": "terms: [RMM]\n",  # one library, also for a file checked alone
        "a/intake.flow": page("A ticket is created.") + simple(
            "A ticket is created.", "Open the ticket.", "Read the symptoms.", "Set the priority.",
            calls=("triage", "intak")),
        "a/triage.flow": page("A new ticket is created.") + simple(
            "A new ticket is created.", "Open the ticket.", "read the symptoms",
            "Set the priority!", calls=("escalate",)),
        "b/escalate.flow": page("A ticket needs a senior.") + simple(
            "A ticket needs a senior.", "Call the senior.", calls=("triage",)),
        "b/copy.flow": "---\nid: escalate\n---\n" + simple("Copy starts.", "Do it."),
        "b/links.flow": simple("Links start.", "Read it.").replace(
            "step: Read it.", "step: Read it.\n  link: ../../outside.md"),
        "b/quiet.flow": page("The RMM raises an alert.") + simple("The RMM raises an alert."),
    })


def test_checking_one_file_gives_what_checking_the_folder_gives_for_it(tmp_path):
    folder = problem_library(tmp_path / "lib")
    whole = library_found([folder])
    assert {r for _, r, *_ in whole} == set(LIBRARY_RULES)
    for path in sorted(folder.rglob("*.flow")):
        alone = library_found([path])
        shown = str(path)
        expected = [(shown,) + d[1:4] for d in whole if Path(d[0]) == path]
        assert [(shown,) + d[1:4] for d in alone] == expected, path.name


def test_library_messages_name_the_other_file_and_what_is_shared(tmp_path):
    folder = problem_library(tmp_path / "lib")
    found = {(Path(p).name, r): m for p, r, _, _, m in library_found([folder])}
    assert "a/triage.flow" in found["intake.flow", "shared-steps"].replace(os.sep, "/")
    assert found["intake.flow", "shared-steps"].startswith("steps 1-3 are the same as steps 1-3")
    assert found["escalate.flow", "call-cycle"] == \
        "this call closes a cycle of calls: escalate → triage → escalate"
    assert found["intake.flow", "undefined-procedure"] == \
        "no procedure in the library has the id 'intak'"
    assert "copy.flow" in found["escalate.flow", "duplicate-procedure"]


# ------------------------------------------------------------------ overlapping-scope wording

SAME_EVENT = [
    ("A ticket is created.", "A new ticket is created."),
    ("A caller phones the service desk for help.", "A caller phones the service desk."),
    ("A client calls the service desk.", "A customer phones the service desk."),
    ("A client manager asks for an account for a new starter.",
     "A client manager requests an account for a new starter."),
    ("The nightly backup job fails.", "The nightly backup job failed."),
    ("The service desk gets a phone call from a caller.", "A caller phones the service desk."),
    ("A backup check for a client's system is due.", "A backup check for a client system is due."),
]
DIFFERENT_EVENTS = [
    ("A ticket is created.", "A ticket is closed."),
    ("A ticket is created.", "An invoice is created."),
    ("The backup job fails for a client server.", "The backup job succeeds for a client server."),
    ("The backup job fails.", "The backup job does not fail."),
    ("A user is leaving a client company.", "A user is joining a client company."),
    ("A new workstation for a client arrives at the workshop.",
     "A new server for a client arrives at the workshop."),
    ("A caller phones the service desk for help.", "A caller emails the service desk for help."),
    ("Dispatch finds that parts for a ticket are out of stock.",
     "Dispatch finds that parts for a ticket are in stock."),
    ("The server is switched off.", "The server is switched on."),
    ("A user moves to the finance team.", "A user moves from the finance team."),
    ("A ticket is created.", "A ticket for a new laptop order is created by a client."),
]


def two_triggers(folder: Path, first: str, second: str) -> Path:
    return write(folder, {"one.flow": page(first) + simple("One starts.", "Do one."),
                          "two.flow": page(second) + simple("Two starts.", "Do two.")})


@pytest.mark.parametrize("first, second", SAME_EVENT)
def test_near_identical_triggers_overlap(tmp_path, first, second):
    found = library_found([two_triggers(tmp_path, first, second)], rules=["overlapping-scope"])
    assert [(Path(p).name, line, col) for p, _, line, col, _ in found] == [
        ("one.flow", 5, 3), ("two.flow", 5, 3)]
    assert "two.flow" in found[0][4] and "one.flow" in found[1][4]


@pytest.mark.parametrize("first, second", DIFFERENT_EVENTS)
def test_different_events_do_not_overlap(tmp_path, first, second):
    assert library_found([two_triggers(tmp_path, first, second)], rules=["overlapping-scope"]) == []


def test_the_threshold_decides_how_much_may_be_added(tmp_path):
    folder = two_triggers(tmp_path, "A ticket is created.", "A new ticket is created.")
    assert library_found([folder], rules=["overlapping-scope"])  # 2 of 3 words: 0.67
    (folder / "flowsop.yaml").write_text("similarity-threshold: 0.7\n", encoding="utf-8")
    assert library_found([folder], rules=["overlapping-scope"]) == []


def test_a_crowd_on_one_trigger_is_named_in_a_bounded_list(tmp_path):
    files = {f"p{i:02d}.flow": page("A ticket is created.") + simple(f"P{i} starts.", f"Do {i}.")
             for i in range(MAX_PARTNERS + 4)}
    found = library_found([write(tmp_path, files)], rules=["overlapping-scope"])
    per_file = [m for p, *_, m in found if Path(p).name == "p00.flow"]
    assert len(per_file) == MAX_PARTNERS + 1
    assert "and 3 more procedures overlap with this one" in per_file
    assert sum("p0" in m for m in per_file) == MAX_PARTNERS


@given(st.lists(st.integers(0, 255), min_size=1, max_size=12), st.integers(1, 13))
def test_bit_planes_count_like_a_loop(masks, need):
    expected = 0
    for bit in range(8):
        if sum(m >> bit & 1 for m in masks) >= need:
            expected |= 1 << bit
    assert _at_least(masks, need) == expected


# ------------------------------------------------------------------ path-escape on disk

@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symbolic_links_that_lead_out_of_the_library(tmp_path):
    write(tmp_path, {"secret/notes.md": "x", "secret/far.flow": simple("Far starts.", "Do far."),
                     "lib/runbooks/backup.md": "x"})
    lib = tmp_path / "lib"
    os.symlink(tmp_path / "secret/notes.md", lib / "notes.md")
    os.symlink(tmp_path / "secret/far.flow", lib / "far.flow")
    os.symlink(tmp_path / "secret", lib / "linked")  # a linked folder is not searched
    write(lib, {"a.flow": "start: A starts.\nstep: Read.\n  link: notes.md\n"
                          "  link: runbooks/backup.md\ncall: far\nend: Done.\n"})
    found = library_found([lib / "a.flow"], rules=["path-escape"])
    assert [(line, col) for _, _, line, col, _ in found] == [(3, 3), (5, 7)]
    assert "'far' is a link to a file outside" in found[1][4]


def test_a_sibling_folder_with_the_roots_name_as_prefix_is_outside(tmp_path):
    write(tmp_path, {"sops-old/x.md": "x", "sops/x.md": "x",
                     "sops/a.flow": "start: A.\nstep: Read.\n  link: ../sops-old/x.md\n"
                                    "  link: ../sops/x.md\nend: Done.\n"})
    found = library_found([tmp_path / "sops"], rules=["path-escape"])
    assert [(line, col) for _, _, line, col, _ in found] == [(3, 3)]


# ------------------------------------------------------------------ ignore comments

def test_an_ignore_comment_silences_one_rule_for_one_node(tmp_path):
    write(tmp_path, {"a.flow": "start: A starts.\n"
                               "# flowsop: ignore[undefined-procedure, call-cycle]\n"
                               "# (the vendor's procedure is not in this library)\n"
                               "call: vendor-runbook\n"
                               "call: other-vendor\n"
                               "end: Done.\n"})
    found = library_found([tmp_path])
    assert [(r, line) for _, r, line, _, _ in found] == [("undefined-procedure", 5)]


def test_an_ignore_comment_does_not_silence_syntax_or_other_nodes(tmp_path):
    write(tmp_path, {"a.flow": "start: A starts.\n"
                               "# flowsop: ignore[syntax, undefined-procedure]\n"
                               "call: missing\n"
                               "  stpe: x\n"
                               "call: missing-too\n"
                               "end: Done.\n"})
    result = check_paths([str(tmp_path)], today=TODAY, rules=["syntax", "undefined-procedure",
                                                             "config"])
    assert [(d.rule, d.line) for d in result.diagnostics] == [
        ("syntax", 4), ("undefined-procedure", 5)]


# ------------------------------------------------------------------ the outline reader

OUTLINE_CASES = {
    "arrows and attributes": "start: A.\nstep s: B.\n  note: n\n  -> e\ndecide d: C?\n"
                             "  'yes' -> s\n  no -> e\nend e: D.\n",
    "a lane or a bad line ends a node": "step a: A.\nlane X\n-> b\nstep b: B.\nbogus\n  -> a\n",
    "misplaced arrows": "step a: A.\n  yes -> b\n  -> b\n  -> a\nend b: B.\n  yes -> a\n",
    "decide with goto and attributes after branches": "decide d: Q?\n  -> x\n  yes -> x\n"
                                                       "  note: late\n  no -> y\n",
    "bad targets": "step a: A.\n  -> not an id\ndecide d: Q?\n  yes ->\n  no -> b c\n",
    "statements that are not nodes": "stpe: x\nstep:\nstep a b: c\nlane: x\nstep ok: fine\n",
    "comments between": "step a: A.\n# about the arrow\n  -> b\nstep b: B.\n",
    "an arrow in the text": "step a: Go -> there.\n",
    "tabs and CRLF": "\tstep a: A.\r\n\t  -> b\r\nend b: B.\r\n",
    "unclosed title page": "---\ntitle: x\nstart: A.\n",
    "indented dashes": "  ---\ntitle: x\n---\nstart: A.\n",
    "quoted and commented values": "---\ntitle: 'It''s done' # a comment\nid: \"q-1\"\nscope:\n"
                                   "  begins: A thing: happens\n  ends: x\n---\nstart: A.\n",
    "block scalars": "---\ntitle: >\n  Long\n  title\nscope:\n  begins: |\n    x\n---\nstart: A.\n",
    "an invalid id": "---\nid: 9 lives\n---\nstart: A.\n",
    "a duplicate key": "---\nid: first\nid: second\n---\nstart: A.\n",
    "invalid YAML": "---\ntitle: [unclosed\nid: x\n---\nstart: A.\n",
    "anchors": "---\nid: &a x\ntitle: *a\n---\nstart: A.\n",
    "generated ids": "step: A.\nstep step-1: B.\nstep: C.\ndecide: Q?\n  yes -> step-1-2\n",
    "parallel, join, wait, outcomes": "start:\nparallel p: P.\n  a -> x\n  -> y\nstep x: X.\n"
                                      "  when ready -> j\nstep y: Y.\njoin j: J.\n"
                                      "wait w: W.\n  note: n\n  timeout: 2 days -> c\n"
                                      "call c: other\n  ok -> e\n  failed -> x\nend e:\n",
}


def model(procedure):
    meta = procedure.meta
    spans = {k: v for k, v in meta.spans.items() if k in ("title", "id", "scope", "scope.begins",
                                                            "scope.ends")}
    return (procedure.id, meta.title, meta.scope_begins, meta.scope_ends, meta.has_scope, spans,
            procedure.body_found, procedure.line_count,
            [(n.kind, n.id, n.auto_id, n.text, n.number, n.index, n.span, n.id_span,
              n.text_span, n.goto, n.branches, n.timeout) for n in procedure.nodes])


@pytest.mark.parametrize("text", OUTLINE_CASES.values(), ids=OUTLINE_CASES.keys())
def test_the_outline_reads_what_the_parser_reads(text):
    assert model(outline_text(text, "t.flow", "t")) == model(parse_text(text, "t.flow", "t")[0])


def test_the_outline_reads_the_examples_as_the_parser_does():
    for path in sorted(DIAGRAMS.glob("*.flow")):
        text = path.read_text(encoding="utf-8")
        assert model(outline_text(text, path.name, path.stem)) == \
            model(parse_text(text, path.name, path.stem)[0]), path.name


LINES = ["start: A.", "step: B.", "step s: C.", "decide d: Q?", "call: other", "call c: x y",
         "end: E.", "end e: F.", "  yes -> s", "  no -> e", "  'a b' -> d", "  -> s", "-> e",
         "  -> not valid", "lane Desk", "lane", "# note", "# flowsop: ignore[x]", "  note: n",
         "  link: l", "  note d: x", "bogus", "stpe: x", "step:", "", "   ", "\tstep t: T.",
         "step a b: c", "x -> y -> z", "  duration: 5 min",
         # the constructs of 0.2: parallel work, waits, labelled arrows, call outcomes
         "parallel p: Work at once.", "join j: Both done.", "wait w: Wait for it.",
         "  timeout: 2 days -> s", "  timeout: soon", "  timeout x: 1 h -> s", "  timeout: 1 h -> 9",
         "  when it is done -> e", "  done -> s", "  -> j", "start:", "end:", "call k: other-proc"]
FRONTS = ["", "---\nid: pid\n---\n", "---\ntitle: T\nscope:\n  begins: B\n  ends: E\n---\n",
          "---\nid: 1bad\n---\n", "---\n", "---\ntitle: 'a: b'\n---\n"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FRONTS), st.lists(st.sampled_from(LINES), max_size=25),
       st.sampled_from(["\n", "\r\n"]))
def test_the_outline_matches_the_parser_on_any_mix_of_lines(front, lines, newline):
    text = (front + "\n".join(lines)).replace("\n", newline)
    assert model(outline_text(text, "t.flow", "t")) == model(parse_text(text, "t.flow", "t")[0])


# ------------------------------------------------------------------ --overdue

def test_overdue_lists_reviews_by_owner_with_the_default_owner(tmp_path, capsys):
    def dated(title, modified, owner=""):
        return (f"---\ntitle: {title}\n{owner}modified: {modified}\n---\n"
                + simple(f"{title} starts.", f"Do {title}."))
    write(tmp_path, {"flowsop.yaml": "defaults:\n  owner: Desk Lead\n  review_every: 90 days\n",
                     "late.flow": dated("Late", "2026-01-01"),
                     "soon.flow": dated("Soon", "2026-09-10", "owner: Backup Lead\n"),
                     "fresh.flow": dated("Fresh", "2026-11-20")})
    code = main(["check", "--overdue", str(tmp_path), "--today", TODAY_ARG])
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # something is overdue
    assert out[0] == "Backup Lead" and "due in 13 days" in out[1] and "Soon" in out[1]
    assert out[3] == "Desk Lead" and "overdue by 239 days" in out[4] and "Late" in out[4]
    assert not any("Fresh" in line for line in out)
    main(["check", "--overdue", str(tmp_path), "--today", TODAY_ARG, "--format", "json"])
    listed = json.loads(capsys.readouterr().out)
    assert [(d["id"], d["owner"], d["due"], d["days"]) for d in listed] == [
        ("soon", "Backup Lead", "2026-12-09", 13), ("late", "Desk Lead", "2026-04-01", -239)]


def test_overdue_exits_0_when_nothing_is_late(tmp_path, capsys):
    write(tmp_path, {"a.flow": "---\ntitle: A\nmodified: 2026-11-01\nreview_every: 1 year\n---\n"
                               + simple("A starts.")})
    assert main(["check", "--overdue", str(tmp_path), "--today", TODAY_ARG]) == 0


# ------------------------------------------------------------------ scale

def test_the_library_rules_do_not_compare_all_pairs(tmp_path):
    """A step text in every procedure must not make the rules quadratic in time
    or in output: 400 procedures sharing a common step give no finding."""
    rng = random.Random(3)
    files = {f"p{i:03d}.flow": page(f"Check {i} of system {rng.random():.6f} is due.") + simple(
        f"Check {i} starts.", "Open the ticket.", f"Inspect part {i}.", f"Record part {i}.",
        f"Test part {i}.", "Close the ticket.") for i in range(400)}
    assert library_found([write(tmp_path, files)]) == []


def test_boilerplate_steps_do_not_make_procedures_overlap(tmp_path):
    """Open, record and close the ticket are in every procedure of this library:
    they are not what any of them is for."""
    files = {f"p{i:02d}.flow": page(f"Request {i} arrives.") + simple(
        f"Request {i} arrives.", "Open the ticket in the PSA.", f"Handle request {i}.",
        "Record the result in the ticket.", "Close the ticket.") for i in range(12)}
    folder = write(tmp_path, files)
    assert library_found([folder], rules=["overlapping-scope"]) == []
    # In a library of three, the same three steps are most of each procedure.
    for i in range(3, 12):
        (folder / f"p{i:02d}.flow").unlink()
    assert len(library_found([folder], rules=["overlapping-scope"])) == 6
