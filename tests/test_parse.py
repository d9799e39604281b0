"""The precise reading of the .flow language (issue 2), one behaviour per test.

Texts are written inline so that each test shows the lines it is about.
"""

from __future__ import annotations

import re

import pytest

from conftest import DIAGRAMS, FIXTURES, FRONT, found, load, rules_found

# The example of issue 2, verbatim: it must parse and check clean.
DISPATCH = """\
---
title: Dispatch an on-site technician
id: dispatch-onsite
version: 1.4.0
owner: Dispatch Lead
created: 2025-02-01
modified: 2026-11-02
review_every: 90 days
purpose: Get the right technician to the client's site, with the right parts, inside the SLA.
scope:
  begins: A triaged ticket needs on-site work.
  ends: The technician is on site, or the ticket is back in the dispatch queue.
glossary:
  PSA: Professional services automation tool, where tickets live.
  SLA: Service level agreement with the client.
  ETA: Estimated time of arrival.
equipment:
  - PSA account with the dispatcher role
  - Shared technician calendar
changes:
  - version: 1.4.0
    date: 2026-11-02
    by: Dispatch Lead
    note: Added the parts check.
---

# Who does what is set by the lane lines.
lane Dispatcher
start: The ticket is flagged "needs on-site".
step read_sla: Open the ticket in the PSA and read the SLA deadline.
decide urgent: Is the deadline less than 4 hours away?
  yes -> nearest
  no -> book
step nearest: Call the nearest free technician.
  link: https://kb.example.com/dispatch/nearest-technician
  -> parts
step book: Book the next free slot in the shared technician calendar.
step parts: Check that the parts on the ticket are in stock.
  note: Use the stock sheet in the PSA.
decide in_stock: Are all parts in stock?
  yes -> brief
  no -> order
call order: order-parts
  -> book
step brief: Send the technician the ticket, the address and the parts list.

lane Technician
step confirm: Confirm the visit and reply with an ETA.
  duration: 5 min
decide reached: Did you reach the site before the SLA deadline?
  yes -> arrived
  no -> requeue
end arrived: The technician is on site.
step requeue: Put the ticket back in the dispatch queue with a note.
end requeued: The ticket is back in the dispatch queue.
"""


def nodes(text: str):
    return {n.id: n for n in load(text).procedure.nodes}


# ------------------------------------------------------------------ the issue's example

def test_dispatch_example_checks_clean():
    loaded = load(DISPATCH, "dispatch-onsite.flow")
    assert loaded.diagnostics == []


def test_dispatch_example_numbering():
    procedure = load(DISPATCH).procedure
    numbered = [(n.id, n.number) for n in procedure.nodes if n.number is not None]
    assert numbered == [("read_sla", 1), ("urgent", 2), ("nearest", 3), ("book", 4),
                        ("parts", 5), ("in_stock", 6), ("order", 7), ("brief", 8),
                        ("confirm", 9), ("reached", 10), ("requeue", 11)]
    assert all(n.number is None for n in procedure.nodes if n.kind in ("start", "end"))


def test_dispatch_example_model():
    loaded = load(DISPATCH)
    p = loaded.procedure
    assert p.id == "dispatch-onsite"
    assert [lane.name for lane in p.lanes] == ["Dispatcher", "Technician"]
    by = p.by_id
    assert by["read_sla"].lane == "Dispatcher" and by["confirm"].lane == "Technician"
    assert by["order"].kind == "call" and by["order"].text == "order-parts"
    assert by["order"].goto.target == "book"
    assert by["nearest"].attrs("link") == ["https://kb.example.com/dispatch/nearest-technician"]
    assert by["parts"].attr("note") == "Use the stock sheet in the PSA."
    assert by["confirm"].attr("duration") == "5 min"
    assert [(b.label, b.target) for b in by["urgent"].branches] == [("yes", "nearest"),
                                                                   ("no", "book")]
    # Spans are 1-based and count characters: "decide urgent:" is on line 31.
    assert (by["urgent"].span.line, by["urgent"].span.column) == (31, 1)
    assert (by["urgent"].id_span.line, by["urgent"].id_span.column) == (31, 8)
    assert (by["urgent"].branches[1].span.line, by["urgent"].branches[1].span.column) == (33, 3)
    assert p.comments[0].text == "Who does what is set by the lane lines."


def test_dispatch_example_graph():
    g = load(DISPATCH).graph
    assert g.nodes["urgent"]["kind"] == "decide"
    assert g.nodes["urgent"]["order"] == 2
    assert g.nodes["confirm"]["lane"] == "Technician"
    assert g.nodes["requeued"]["order"] is None
    assert g.nodes["read_sla"]["node"].span.line == 30
    assert g.edges["urgent", "nearest"]["label"] == "yes"
    assert g.edges["read_sla", "urgent"]["label"] is None      # next node in file order
    assert g.has_edge("nearest", "parts") and not g.has_edge("nearest", "book")
    assert g.has_edge("brief", "confirm")                      # across the lane line
    assert g.has_edge("order", "book")
    assert not list(g.successors("arrived"))                   # an end has no next node
    assert g.edges["reached", "requeue"]["spans"][0].line == 52


def test_meta_of_the_example():
    meta = load(DISPATCH).procedure.meta
    assert meta.title == "Dispatch an on-site technician"
    assert meta.version == "1.4.0" and meta.review_every == "90 days"
    assert meta.scope_begins == "A triaged ticket needs on-site work."
    assert dict(meta.glossary)["ETA"] == "Estimated time of arrival."
    assert meta.equipment == ("PSA account with the dispatcher role", "Shared technician calendar")
    assert [(c.version, c.date, c.by) for c in meta.changes] == [("1.4.0", "2026-11-02",
                                                                 "Dispatch Lead")]
    assert meta.span_of("review_every").line == 8


# ------------------------------------------------------------------ line kinds

def test_line_kinds_in_order():
    text = FRONT + """\
lane Service desk team
start: A user cannot save a file.
step: Click File -> Save
decide again: Did it work?
  call back later -> later
  end of shift -> ending
step later: Call back.
step end_check: Check the quota.
  -> ending
end ending: Done.
"""
    loaded = load(text)
    assert loaded.diagnostics == []
    p = loaded.procedure
    assert p.lanes[0].name == "Service desk team"
    kinds = [(n.kind, n.text) for n in p.nodes]
    assert kinds[1] == ("step", "Click File -> Save")       # one step, not a branch
    assert len(p.nodes) == 6
    assert [(b.label, b.target) for b in p.by_id["again"].branches] == [
        ("call back later", "later"), ("end of shift", "ending")]
    assert p.by_id["end_check"].kind == "step"               # an ID may look like a keyword
    assert p.by_id["end_check"].goto.target == "ending"
    assert all(n.lane == "Service desk team" for n in p.nodes)


def test_everything_after_the_colon_is_text():
    n = nodes("start: s\nstep: Open ticket #123: check the note -> then reply\nend: e\n")
    assert n["step-1"].text == "Open ticket #123: check the note -> then reply"


def test_quoted_labels_lose_their_quotes():
    p = load('start: s\ndecide d: q?\n  "over 4 hours" -> e\n  \'under 4 hours\' -> e\n'
             'end e: e\n').procedure
    assert [b.label for b in p.by_id["d"].branches] == ["over 4 hours", "under 4 hours"]


def test_labels_compare_case_insensitively():
    text = 'start: s\ndecide d: q?\n  yes -> e\n  "YES" -> e\nend e: e\n'
    assert ("duplicate-branch", 4, 3) in found(text)


def test_keywords_are_lower_case():
    diags = load("start: s\nStep: a\nend: e\n").diagnostics
    [d] = [d for d in diags if d.rule == "syntax"]
    assert (d.line, d.column) == (2, 1) and "'step'" in d.hint


def test_unknown_keyword_has_did_you_mean():
    [d] = [d for d in load("start: s\nstpe: a\nend: e\n").diagnostics if d.rule == "syntax"]
    assert "stpe" in d.message and d.hint == "did you mean 'step'?"


def test_unknown_attribute_key_has_did_you_mean():
    [d] = [d for d in load("start: s\nstep: a\n  lnk: x\nend: e\n").diagnostics
           if d.rule == "syntax"]
    assert (d.line, d.column) == (3, 3) and "link" in d.hint


def test_lane_line_without_a_colon():
    [d] = [d for d in load("lane: Dispatcher\nstart: s\nend: e\n").diagnostics
           if d.rule == "syntax"]
    assert (d.line, d.column) == (1, 1) and "no colon" in d.hint


def test_a_line_of_no_known_shape_is_syntax():
    assert ("syntax", 2, 3) in found("start: s\n  just some words\nend: e\n")


def test_lane_applies_until_the_next_lane_line():
    p = load("start: s\nlane A\nstep: a\nlane B C\nstep: b\nend: e\n").procedure
    assert [n.lane for n in p.nodes] == [None, "A", "B C", "B C"]


# ------------------------------------------------------------------ comments

def test_comments_are_whole_lines_only():
    text = "# top\nstart: s\n   # indented\n\t# tabbed\nstep: see ticket #123\n  note: # not a comment\nend: e\n"
    loaded = load(text)
    assert [d.rule for d in loaded.diagnostics if d.rule == "syntax"] == []
    assert [c.text for c in loaded.procedure.comments] == ["top", "indented", "tabbed"]
    step = loaded.procedure.nodes[1]
    assert step.text == "see ticket #123" and step.attr("note") == "# not a comment"


def test_comments_and_blank_lines_between_a_decide_and_its_branches():
    text = "start: s\ndecide d: q?\n\n  # the happy path\n  yes -> e\n\n  no -> e\nend e: e\n"
    loaded = load(text)
    assert [b.label for b in loaded.procedure.by_id["d"].branches] == ["yes", "no"]
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"]


# ------------------------------------------------------------------ attributes and arrows

def test_link_and_note_repeat_the_others_do_not():
    text = ("start: s\nstep a: x\n  link: a\n  link: b\n  note: n1\n  note: n2\n"
            "  duration: 1 min\n  duration: 2 min\n  warning: w1\n  warning: w2\nend: e\n")
    loaded = load(text)
    assert [(d.rule, d.line, d.column) for d in loaded.diagnostics if d.rule == "syntax"] == [
        ("syntax", 8, 3), ("syntax", 10, 3)]
    a = loaded.procedure.by_id["a"]
    assert a.attrs("link") == ["a", "b"] and a.attrs("note") == ["n1", "n2"]
    assert a.attrs("duration") == ["1 min"] and a.attrs("warning") == ["w1"]


@pytest.mark.parametrize("kind", ["start", "step", "decide", "call", "end"])
def test_attributes_are_allowed_on_every_kind(kind):
    text = {"start": "start s: s\n  note: n\nend: e\n",
            "step": "start: s\nstep s: x\n  note: n\nend: e\n",
            "decide": "start: s\ndecide s: q\n  note: n\n  yes -> e\n  no -> e\nend e: e\n",
            "call": "start: s\ncall s: other\n  note: n\nend: e\n",
            "end": "start: s\nend s: e\n  note: n\n"}[kind]
    loaded = load(text)
    assert loaded.procedure.by_id["s"].attr("note") == "n"
    assert [d for d in loaded.diagnostics if d.severity.value == "error"] == []


def test_an_attribute_after_a_branch_or_arrow_is_syntax():
    text = ("start: s\ndecide d: q\n  yes -> a\n  note: late\n  no -> a\n"
            "step a: x\n  -> e\n  link: late\nend e: e\n")
    assert [f for f in found(text) if f[0] == "syntax"] == [("syntax", 4, 3), ("syntax", 8, 3)]


def test_a_second_arrow_is_syntax():
    text = "start: s\nstep: a\n  -> e\n  -> e\nend e: e\n"
    assert [f for f in found(text) if f[0] == "syntax"] == [("syntax", 4, 3)]


def test_an_arrow_under_a_decide_is_syntax():
    text = "start: s\ndecide d: q\n  yes -> e\n  no -> e\n  -> e\nend e: e\n"
    assert [f for f in found(text) if f[0] == "syntax"] == [("syntax", 5, 3)]


def test_a_labelled_arrow_under_a_step_is_its_next_arrow():
    loaded = load("start: s\nstep: a\n  when it is done -> e\nstep: b\nend e: e\n")
    step = loaded.procedure.by_id["step-1"]
    assert (step.goto.label, step.goto.target, step.branches) == ("when it is done", "e", ())
    assert not [d for d in loaded.diagnostics if d.rule == "syntax"]


def test_a_second_arrow_under_a_step_is_syntax_and_names_decide_and_parallel():
    loaded = load("start: s\nstep: a\n  yes -> e\n  -> e\nend e: e\n")
    errors = [d for d in loaded.diagnostics if d.rule == "syntax"]
    assert [(d.line, d.column) for d in errors] == [(4, 3)]
    assert "second arrow under one step" in errors[0].message
    assert "'decide'" in errors[0].hint and "'parallel'" in errors[0].hint


def test_a_branch_under_an_end_is_end_has_next():
    text = "start: s\nend e: e\n  yes -> e\n"
    assert found(text, rules=["syntax", "end-has-next"]) == [("end-has-next", 3, 3)]


def test_an_arrow_under_an_end_is_end_has_next_at_the_arrow():
    text = "start: s\nend e: e\n  note: n\n  -> e\n"
    assert found(text, rules=["syntax", "end-has-next"]) == [("end-has-next", 4, 3)]


def test_arrow_target_must_be_an_id():
    [d] = [d for d in load("start: s\nstep: a\n  -> not an id\nend: e\n").diagnostics
           if d.rule == "syntax"]
    assert (d.line, d.column) == (3, 6)


def test_a_call_names_a_procedure_id():
    assert ("syntax", 2, 7) in found("start: s\ncall: order parts\nend: e\n")


# ------------------------------------------------------------------ front matter

def meta_of(yaml_text: str):
    loaded = load(f"---\n{yaml_text}---\nstart: s\nend: e\n")
    return loaded.procedure.meta, [(d.line, d.column, d.message) for d in loaded.diagnostics
                                   if d.rule == "front-matter"]


def test_scalars_are_read_as_written():
    meta, problems = meta_of("version: 1.10\nowner: no\ntitle: yes\ncreated: 2026-01-10\n"
                             "tags: [on, 1.0]\n")
    assert problems == []
    assert meta.version == "1.10" and meta.owner == "no" and meta.title == "yes"
    assert meta.created == "2026-01-10" and meta.tags == ("on", "1.0")


def test_duplicate_keys_are_errors():
    _, problems = meta_of("title: a\nowner: b\ntitle: c\n")
    [(line, col, message)] = problems
    assert (line, col) == (4, 1) and "duplicate key 'title'" in message


def test_a_duplicate_key_at_a_nested_level():
    _, problems = meta_of("scope:\n  begins: a\n  begins: b\n  ends: c\n")
    assert [(p[0], p[1]) for p in problems] == [(4, 3)]


@pytest.mark.parametrize("yaml_text, where", [
    ("title: !!python/object/apply:os.system ['echo hi']\n", (2, 8)),
    ("!!python/object/apply:os.system\n- echo hi\n", (2, 1)),
    ("title: !!str x\n", (2, 8)),
    ("title: !custom x\n", (2, 8)),
])
def test_tags_are_refused(yaml_text, where):
    _, problems = meta_of(yaml_text)
    [(line, col, message)] = problems
    assert (line, col) == where and "tag" in message
    assert "tag:yaml.org" not in message          # said as the author wrote it


def test_front_matter_must_be_a_mapping():
    for yaml_text in ("- a\n- b\n", "just a sentence\n", "42\n"):
        _, problems = meta_of(yaml_text)
        assert [(p[0], p[1]) for p in problems] == [(2, 1)], yaml_text
        assert "mapping" in problems[0][2]


@pytest.mark.parametrize("yaml_text, where, suggestion", [
    ("titel: a\n", (2, 1), "title"),
    ("scope:\n  begin: a\n  ends: b\n", (3, 3), "begins"),
    ("changes:\n  - version: 1.0\n    dates: 2026-01-01\n", (4, 5), "date"),
])
def test_unknown_keys_at_any_level_with_did_you_mean(yaml_text, where, suggestion):
    meta = load(f"---\n{yaml_text}---\nstart: s\nend: e\n")
    [d] = [d for d in meta.diagnostics if d.rule == "front-matter"]
    assert (d.line, d.column) == where
    assert d.hint == f"did you mean '{suggestion}'?"


def test_unclosed_front_matter():
    loaded = load("---\ntitle: a\nstart: s\nend: e\n")
    assert found("---\ntitle: a\nstart: s\nend: e\n") == [("front-matter", 1, 1)]
    assert "not closed" in loaded.diagnostics[0].message


@pytest.mark.parametrize("text", ["---\n---\nstart: s\nend: e\n",
                                  "---\n\n\n---\nstart: s\nend: e\n",
                                  "---\n# only a comment\n---\nstart: s\nend: e\n"])
def test_empty_front_matter_is_fine(text):
    assert "front-matter" not in rules_found(text)


@pytest.mark.parametrize("yaml_text, word", [("title: &t a\npurpose: *t\n", "anchor"),
                                             ("purpose: *t\n", "alias")])
def test_anchors_and_aliases_are_refused(yaml_text, word):
    _, problems = meta_of(yaml_text)
    assert len(problems) == 1 and word in problems[0][2]


def test_invalid_yaml_points_into_the_front_matter():
    _, problems = meta_of("title: a\ntags: [x, y\n")
    [(line, col, message)] = problems
    assert 2 <= line <= 4 and "not valid YAML" in message


def test_wrong_types():
    _, problems = meta_of("title:\n  - a\nequipment: one thing\n")
    assert [(p[0], p[1]) for p in problems] == [(3, 3), (4, 12)]


def test_front_matter_id_defaults_to_the_file_stem():
    assert load("start: s\nend: e\n", default_id="verify-backup").procedure.id == "verify-backup"
    assert load("---\nid: other\n---\nstart: s\nend: e\n",
                default_id="verify-backup").procedure.id == "other"


def test_front_matter_id_must_be_an_id():
    assert found("---\nid: not an id\n---\nstart: s\nend: e\n",
                 rules=["front-matter"]) == [("front-matter", 2, 1)]


def test_front_matter_only_opens_on_line_1():
    # A title page further down is not one; its lines are reported, not read.
    loaded = load("\n---\ntitle: x\n---\nstart: s\nend: e\n")
    assert loaded.procedure.meta.title is None
    assert "syntax" in [d.rule for d in loaded.diagnostics]


# ------------------------------------------------------------------ generated IDs

def test_generated_ids_never_collide_with_an_authors():
    text = "start: s\nstep step-2: a\nstep: b\nstep step-3: c\nstep: d\nend: e\n"
    loaded = load(text)
    ids = [n.id for n in loaded.procedure.nodes]
    assert len(set(ids)) == len(ids)
    assert ids[:2] == ["start-1", "step-2"]
    auto = [n for n in loaded.procedure.nodes if n.auto_id]
    assert {n.id for n in auto}.isdisjoint({"step-2", "step-3"})
    assert "duplicate-id" not in [d.rule for d in loaded.diagnostics]


def test_generated_id_is_kind_and_ordinal():
    p = load("start: s\nstep: a\ndecide: q\n  yes -> step-4\n  no -> step-4\nstep: b\n"
             "step: c\nstep: d\nend: e\n").procedure
    assert [n.id for n in p.nodes] == ["start-1", "step-1", "decide-1", "step-2", "step-3",
                                       "step-4", "end-1"]
    assert p.by_id["step-4"].text == "d"


# ------------------------------------------------------------------ whitespace and encodings

BASE = "start: s\nstep a: x\n\tyes -> zz\n  -> nowhere\nend e: e"
# (rule, line, column) of BASE's diagnostics: the tab counts one column.
BASE_FOUND = [("undefined-target", 3, 9), ("syntax", 4, 3)]


@pytest.mark.parametrize("variant", [
    pytest.param(lambda t: t, id="lf-no-final-newline"),
    pytest.param(lambda t: t + "\n", id="final-newline"),
    pytest.param(lambda t: t.replace("\n", "\r\n") + "\r\n", id="crlf"),
    pytest.param(lambda t: t.replace("\n", "\r"), id="lone-cr"),
    pytest.param(lambda t: "\ufeff" + t, id="bom"),
    pytest.param(lambda t: t.replace("\n", "  \t\n"), id="trailing-spaces"),
    pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n"), id="bom-crlf"),
])
def test_line_endings_and_whitespace_keep_columns(variant):
    text = variant(BASE)
    got = [(r, line, col) for r, line, col in found(text) if r in ("syntax", "undefined-target")]
    assert got == BASE_FOUND


def test_front_matter_with_crlf_and_bom():
    text = "\ufeff---\r\ntitle: x\r\ntitel: y\r\n---\r\nstart: s\r\nend: e\r\n"
    loaded = load(text)
    assert loaded.procedure.meta.title == "x"
    assert [(d.rule, d.line, d.column) for d in loaded.diagnostics
            if d.rule == "front-matter"] == [("front-matter", 3, 1)]


def test_tabs_as_indentation_and_separators():
    text = "start: s\n\tstep\ta:\tx\n\t\t->\tzz\nend e: e\n"
    loaded = load(text)
    assert loaded.procedure.by_id["a"].text == "x"
    assert ("undefined-target", 3, 6) in [(d.rule, d.line, d.column) for d in loaded.diagnostics]


def test_columns_count_characters_not_bytes():
    assert ("undefined-target", 3, 6) in found("start: s\nstep: é日本\n  -> zz\nend: e\n")
    assert ("undefined-target", 4, 12) in found(
        "start: s\ndecide d: q\n  ok -> e\n  日本の答え -> zz\nend e: e\n")


# ------------------------------------------------------------------ syntax errors

def test_two_syntax_errors_on_different_lines_are_both_reported():
    text = "start: s\n??? what\nstep: a\nstpe: b\nend: e\n"
    assert [f for f in found(text) if f[0] == "syntax"] == [("syntax", 2, 1), ("syntax", 4, 1)]


def lark_vocabulary() -> re.Pattern:
    """Words that only Lark would say: the grammar's terminal names (except the
    placeholders the language's own documentation uses, such as TEXT and ID)
    and the phrasing of Lark's exceptions."""
    from flowsop.parse.grammar import grammar_path

    grammar = grammar_path().read_text(encoding="utf-8")
    terminals = set(re.findall(r"^(_?[A-Z][A-Z_]*)(?:\.\d+)?\s*:", grammar, re.M))
    terminals -= {"TEXT", "ID", "LABEL", "TARGET", "NAME"}
    assert {"_NL", "BAD_LINE"} <= terminals, "the grammar's terminals were not found"
    words = "|".join(sorted(map(re.escape, terminals)))
    return re.compile(rf"(?<![A-Za-z_])({words})(?![A-Za-z_])|\$END|Token\(|Tree\(|"
                      r"Unexpected|Expected one of|expected one of")


LARK_WORDS = lark_vocabulary()

BAD_INPUTS = [
    "stpe: x", "Step: x", "step read sla: x", "step:", "lane", "-> ", "->", "yes ->",
    " -> x y", "step: a\n  yes -> b", "decide: q\n  -> x", "end: e\n  -> x\n  -> y",
    "note: orphan", "step: a\n  note x: y", "step: a\n  -> b\n  note: late", ":", "::",
    "step a b c: x", "call: not an id", "\"\" -> x", "' ' -> x", "---", "---\ntitle: [",
    "---\n- a\n---", "---\n!!python/object:os.system x\n---", "lane:", "Lane X",
    "step : x", "step\t:x", "-", ">", "->->->", "x -> -> y", "# ok\n\t\t\n  ???",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_messages_never_name_lark_tokens(text):
    diags = load(text).diagnostics
    assert diags, text
    for d in diags:
        assert not LARK_WORDS.search(d.message), d.message
        assert not d.hint or not LARK_WORDS.search(d.hint), d.hint


# ------------------------------------------------------------------ the language guide

def test_the_language_guide_examples_read_without_syntax_errors():
    from conftest import REPO

    guide = (REPO / "docs" / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```\n(.*?)^```", guide, re.S | re.M)
    assert len(blocks) >= 5
    for block in blocks:
        rules = {d.rule for d in load(block).diagnostics}
        assert not rules & {"syntax", "front-matter"}, block
    # The first example is the issue's, complete: it checks clean.
    assert blocks[0] == DISPATCH
    assert load(blocks[0]).diagnostics == []


# ------------------------------------------------------------------ prebuilt LALR tables

def test_the_prebuilt_lalr_tables_are_up_to_date():
    # Byte for byte: the tables are renumbered canonically, so making them
    # again in any process (any hash seed, any addresses) gives the same file.
    from flowsop.parse.grammar import TABLES_FILE, tables_source
    assert TABLES_FILE.read_text(encoding="utf-8") == tables_source(), \
        "grammar or Lark changed: run python -m flowsop.parse.make_tables"


def test_the_prebuilt_tables_parse_exactly_as_tables_built_from_the_grammar(monkeypatch):
    import lark

    from flowsop.parse import body, grammar, lalr_tables
    files = sorted(DIAGRAMS.glob("*.flow")) + sorted(FIXTURES.rglob("*.flow"))
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    texts += ["", "---\n", "start s\nstep: \x00\n\tdecide x?:\n  yes -> \n  -> y\n"]

    def parse_all():
        grammar.lark_parser.cache_clear()
        parser = grammar.lark_parser(body._Lines)
        out = []
        for text in texts:
            try:
                out.append(repr(parser.parse(text)))
            except lark.exceptions.LarkError as e:
                out.append(type(e).__name__)
        return parser, out

    try:
        prebuilt, from_tables = parse_all()
        monkeypatch.setattr(lalr_tables, "GRAMMAR", "stale")   # forces a build from the grammar
        built, from_grammar = parse_all()
    finally:
        grammar.lark_parser.cache_clear()
    assert len(texts) > 100 and from_tables == from_grammar
    # The two parsers really came from different places.
    assert prebuilt is not built and lalr_tables.LARK_VERSION == lark.__version__


# ------------------------------------------------------------------ one typo, one error first

def test_what_follows_from_a_dropped_node_is_marked_and_listed_after_it():
    text = ("start: A user calls.\nstpe check: Check the account.\n  -> done\n"
            "decide ok: Is it unlocked?\n  yes -> done\n  no -> check\nend done: Done.\n")
    found = [(d.rule, d.line, d.column, d.consequence_of and d.consequence_of[:2])
             for d in load(text).diagnostics if d.rule != "missing-metadata"]
    assert found == [("syntax", 2, 1, None), ("syntax", 3, 3, (2, 1)),
                     ("undefined-target", 6, 9, (2, 1))]
    as_json = [d.to_json() for d in load(text).diagnostics if d.rule == "undefined-target"]
    assert as_json[0]["consequence_of"] == {"line": 2, "column": 1}


def test_an_independent_error_is_not_a_consequence():
    text = ("start: A user calls.\nstpe check: Check the account.\n"
            "step: Look it up.\n  -> nowhere\nend done: Done.\n")
    found = {d.rule: d.consequence_of for d in load(text).diagnostics}
    assert found["undefined-target"] is None


def test_a_start_without_text_is_kept_and_nothing_cascades():
    loaded = load("start:\nstep: Open the ticket.\nend: Done.\n")
    assert [(d.rule, d.line) for d in loaded.diagnostics if d.rule != "missing-metadata"] == \
        [("empty-text", 1)]
    assert loaded.procedure.nodes[0].kind == "start"
