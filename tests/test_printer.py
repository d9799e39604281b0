"""The printer (flowsop.emit): model → .flow text → model gives the same model.

Compared in a normalised form without spans: the title page's values, the
lanes, each node's kind, id, text, lane, attributes, branches, goto and
auto_id, and each comment's text with the node it precedes and the node it
stands directly above (which is what an ignore comment applies to).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsop.diagnostics import Span
from flowsop.emit import UnprintableError, new_procedure, print_meta, print_procedure
from flowsop.model import Arrow, Attribute, Change, Comment, Lane, Meta, Node, Procedure
from flowsop.parse import parse_text

REPO = Path(__file__).resolve().parents[1]
PARSE_ERRORS = ("syntax", "front-matter")


# ------------------------------------------------------------------ helpers

def parse(text: str, stem: str = "probe") -> Procedure:
    procedure, diagnostics = parse_text(text, f"{stem}.flow", stem)
    problems = [d for d in diagnostics if d.rule in PARSE_ERRORS]
    assert not problems, (problems, text)
    return procedure


def normal(p: Procedure) -> dict:
    m = p.meta
    lines = [n.span.line for n in p.nodes]
    comment_lines = {c.span.line for c in p.comments}

    def precedes(c: Comment):
        return next((i for i, line in enumerate(lines) if line > c.span.line), None)

    def above(c: Comment):
        # For an ignore comment, the node it applies to: the one whose line
        # follows this comment's block of comment lines. (A plain comment may
        # move next to the node below it; an ignore comment may not.)
        if not re.match(r"flowsop:\s*ignore\b", c.text, re.IGNORECASE):
            return None
        line = c.span.line + 1
        while line in comment_lines:
            line += 1
        return next((i for i, at in enumerate(lines) if at == line), None)

    return {
        "id": p.id,
        "meta": (m.title, m.id, m.version, m.owner, m.created, m.modified, m.reviewed,
                 m.review_every, m.purpose, m.has_scope, m.scope_begins, m.scope_ends,
                 m.glossary, m.equipment, m.tags,
                 tuple((c.version, c.date, c.by, c.note) for c in m.changes)),
        "lanes": tuple(lane.name for lane in p.lanes),
        "nodes": tuple((n.kind, n.id, n.text, n.lane, n.auto_id,
                        tuple((a.key, a.value) for a in n.attributes),
                        tuple((b.label, b.target, b.role or "branch") for b in n.branches),
                        (n.goto.label, n.goto.target) if n.goto else None,
                        (n.timeout.label, n.timeout.target) if n.timeout else None)
                  for n in p.nodes),
        "comments": tuple((c.text, precedes(c), above(c)) for c in p.comments),
    }


def flow_files():
    for folder in (REPO / "diagrams", REPO / "tests" / "fixtures"):
        yield from sorted(folder.rglob("*.flow"))


def readable(path: Path) -> tuple[str, Procedure] | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    procedure, diagnostics = parse_text(text, str(path), path.stem)
    if any(d.rule in PARSE_ERRORS for d in diagnostics):
        return None
    return text, procedure


FILES = [p for p in flow_files() if readable(p) is not None]


def test_there_are_files_to_round_trip():
    assert len(FILES) > 50


# ------------------------------------------------------------------ (1), (2): the library

@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_files_round_trip(path: Path):
    _, procedure = readable(path)
    printed = print_procedure(procedure)
    again = parse(printed, path.stem)
    assert normal(again) == normal(procedure)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_files_print_idempotent(path: Path):
    _, procedure = readable(path)
    once = print_procedure(procedure)
    assert print_procedure(parse(once, path.stem)) == once


def test_examples_are_already_canonical():
    # The hand-written examples are the canonical layout: printing changes nothing.
    for name in ("dispatch-onsite", "support-call", "order-parts"):
        text = (REPO / "diagrams" / f"{name}.flow").read_text(encoding="utf-8")
        assert print_procedure(parse(text, name)) == text


# ------------------------------------------------------------------ (3): random procedures

_PIECES = ["->", " -> ", ":", ": ", "#", " #", "# ", "'", '"', "-", "- ", "[", "]", "{", "}",
           "&", "*", "!", "|", ">", "%", "@", "`", ",", "?", "? ", "~", "yes", "no", "null",
           "lane ", "lane", "step x:", "note:", "1.10", "2026-01-01", "---", "...",
           " ", "  ", "\t", "é", "ß", "日本", "😀", "\u00a0", "\u2028", "\x85", "\u200b",
           "\ufeff", "\\", "\\n", "%20", "a", "Book", "the", "PSA"]
_TEXT = st.lists(st.one_of(st.sampled_from(_PIECES),
                           st.text(st.characters(blacklist_categories=("Cs",),
                                                 blacklist_characters="\n\r\x00"),
                                   max_size=4)),
                 min_size=1, max_size=8).map("".join)
LINE_TEXT = _TEXT.map(str.strip).filter(bool)
LABEL = LINE_TEXT.filter(lambda s: "->" not in s)
LANE_NAME = _TEXT.map(lambda s: " ".join(s.split())).filter(bool)
COMMENT_TEXT = st.one_of(_TEXT.map(str.strip), st.just(""),
                         st.sampled_from(["flowsop: ignore[passive-voice]",
                                          "flowsop: ignore[long-sentence, undefined-term]"]))
IDS = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True),
                st.sampled_from(["step-1", "step-2", "end-1", "start-1", "decide-1", "step-1-2"]))
#: YAML's hard cases: line breaks of every kind, indicators, quotes, comments.
_YAML_PIECES = _PIECES + ["\n", "\n\n", " \n", "\r", "\r\n", "\x07", "\x1b", "\ufffe", "|-",
                          "> ", "key: value", "- item", "&a", "*a", "!!str", "%YAML"]
META_TEXT = st.lists(st.one_of(st.sampled_from(_YAML_PIECES),
                               st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)),
                     min_size=0, max_size=8).map("".join)
OPT_META = st.one_of(st.none(), META_TEXT)


@st.composite
def metas(draw) -> Meta:
    terms = draw(st.lists(META_TEXT, max_size=4, unique=True))
    return Meta(
        title=draw(OPT_META), id=draw(st.one_of(st.none(), IDS.filter(lambda s: s != "index"))),
        version=draw(OPT_META), owner=draw(OPT_META), created=draw(OPT_META),
        modified=draw(OPT_META), reviewed=draw(OPT_META), review_every=draw(OPT_META),
        purpose=draw(OPT_META), has_scope=draw(st.booleans()),
        scope_begins=draw(OPT_META), scope_ends=draw(OPT_META),
        glossary=tuple((t, draw(META_TEXT)) for t in terms),
        equipment=tuple(draw(st.lists(META_TEXT, max_size=3))),
        tags=tuple(draw(st.lists(META_TEXT, max_size=3))),
        changes=tuple(Change(Span(), *(draw(OPT_META) for _ in range(4)))
                      for _ in range(draw(st.integers(0, 2)))))


def expected_meta(meta: Meta) -> Meta:
    """The title page as the parser reads it back: values stripped, empty ones absent."""
    def t(v):
        return None if v is None else (v.strip() or None)
    begins, ends = t(meta.scope_begins), t(meta.scope_ends)
    return replace(
        meta, **{k: t(getattr(meta, k)) for k in ("title", "id", "version", "owner", "created",
                                                  "modified", "reviewed", "review_every",
                                                  "purpose")},
        scope_begins=begins, scope_ends=ends,
        has_scope=meta.has_scope or begins is not None or ends is not None,
        glossary=tuple((term, meaning.strip()) for term, meaning in meta.glossary),
        equipment=tuple(i.strip() for i in meta.equipment if i.strip()),
        tags=tuple(i.strip() for i in meta.tags if i.strip()),
        changes=tuple(Change(c.span, t(c.version), t(c.date), t(c.by), t(c.note))
                      for c in meta.changes))


@st.composite
def node_drafts(draw) -> dict:
    kind = draw(st.sampled_from(["start", "step", "step", "decide", "call", "end"]))
    attrs = [("link", v) for v in draw(st.lists(LINE_TEXT, max_size=2))]
    attrs += [("note", v) for v in draw(st.lists(LINE_TEXT, max_size=2))]
    attrs += [(k, draw(LINE_TEXT)) for k in ("duration", "warning") if draw(st.booleans())]
    attrs = draw(st.permutations(attrs)) if attrs else []
    branches = []
    if kind in ("decide", "end") and (kind == "decide" or draw(st.booleans())):
        labels = draw(st.lists(LABEL, max_size=3))
        branches = [(label, draw(IDS)) for label in labels]
    # One way on: a decide has branches only; any other node either branches
    # (an end's arrows, reported by end-has-next) or has one next arrow.
    goto = draw(st.one_of(st.none(), IDS)) if kind != "decide" and not branches else None
    return {"kind": kind, "id": draw(st.one_of(st.none(), IDS)),
            "text": draw(IDS if kind == "call" else LINE_TEXT),
            "attrs": attrs, "branches": branches, "goto": goto,
            # comments among the node's own lines: (before sub-line k, text)
            "inner": draw(st.lists(st.tuples(st.integers(0, 6), COMMENT_TEXT), max_size=2))}


ITEMS = st.lists(st.one_of(
    st.tuples(st.just("lane"), LANE_NAME),
    st.tuples(st.just("comment"), COMMENT_TEXT),
    st.tuples(st.just("gap"), st.just(None)),     # a blank line in the source
    st.tuples(st.just("node"), node_drafts()),
    st.tuples(st.just("node"), node_drafts()),
), max_size=14)


def build(items, meta: Meta) -> Procedure:
    """A model as the parser would make it from the items written one per line."""
    line = 1
    lanes, comments, drafts = [], [], []
    lane = None

    def next_line():
        nonlocal line
        line += 1
        return line

    for kind, value in items:
        if kind == "gap":
            next_line()
        elif kind == "lane":
            lane = value
            lanes.append(Lane(Span(next_line()), value))
        elif kind == "comment":
            comments.append(Comment(Span(next_line()), value))
        else:
            d = value
            at = Span(next_line())
            subs = [("attr", a) for a in d["attrs"]] + [("branch", b) for b in d["branches"]]
            if d["goto"]:
                subs.append(("goto", d["goto"]))
            inner = sorted(d["inner"])
            attrs, branches, goto = [], [], None
            for k, (what, sub) in enumerate(subs + [(None, None)]):
                while inner and inner[0][0] <= k and what is not None:
                    comments.append(Comment(Span(next_line()), inner.pop(0)[1]))
                if what == "attr":
                    attrs.append(Attribute(Span(next_line()), *sub))
                elif what == "branch":
                    branches.append(Arrow(Span(next_line()), sub[1], Span(), sub[0]))
                elif what == "goto":
                    goto = Arrow(Span(next_line()), sub, Span())
            drafts.append(dict(span=at, kind=d["kind"], id=d["id"], text=d["text"], lane=lane,
                               attributes=tuple(attrs), branches=tuple(branches), goto=goto))
    # IDs and numbers as the parser gives them.
    taken = {d["id"] for d in drafts if d["id"] is not None}
    counters: dict[str, int] = {}
    nodes, number = [], 0
    for index, d in enumerate(drafts):
        counters[d["kind"]] = counters.get(d["kind"], 0) + 1
        node_id, auto = d.pop("id"), False
        if node_id is None:
            base = node_id = f"{d['kind']}-{counters[d['kind']]}"
            n = 2
            while node_id in taken:
                node_id, n = f"{base}-{n}", n + 1
            taken.add(node_id)
            auto = True
        num = None
        if d["kind"] in ("step", "decide", "call"):
            number += 1
            num = number
        nodes.append(Node(id=node_id, number=num, index=index, auto_id=auto, **d))
    return Procedure(path="probe.flow", id=meta.id or "probe", meta=meta, nodes=tuple(nodes),
                     lanes=tuple(lanes), comments=tuple(comments), line_count=line)


RANDOM = settings(max_examples=300, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(ITEMS, metas())
def test_random_procedures_round_trip(items, meta):
    model = build(items, meta)
    printed = print_procedure(model)
    again = parse(printed)
    assert normal(again) == normal(replace(model, meta=expected_meta(meta))), printed
    assert print_procedure(again) == printed


@RANDOM
@given(ITEMS)
def test_random_procedures_without_source_lines(items):
    # An importer's model: no meaningful spans. Lane lines are derived from
    # node.lane; everything else reads back the same.
    model = build(items, Meta())
    flat = replace(model, comments=(), lanes=tuple(Lane(Span(), l.name) for l in model.lanes),
                   nodes=tuple(replace(n, span=Span()) for n in model.nodes))
    again = parse(print_procedure(flat))
    got, want = normal(again), normal(model)
    assert got["nodes"] == want["nodes"]
    # A lane line that no node follows may move down past the nodes of the
    # lane above, but every lane line is still there, in order.
    assert got["lanes"] == want["lanes"]


@RANDOM
@given(metas())
def test_random_title_pages_round_trip(meta):
    text = print_meta(meta)
    again = parse(text + "start: a\nend: b\n").meta if text else Meta()
    want = expected_meta(meta)
    assert normal(replace(_EMPTY, meta=again))["meta"] == normal(replace(_EMPTY, meta=want))["meta"]
    if text:
        # Block style throughout; flow style only for an empty mapping, which has no block form.
        root = yaml.compose(text.split("\n", 1)[1].rsplit("---", 1)[0], Loader=yaml.BaseLoader)
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                assert not node.flow_style or not node.value
                stack.extend(v for pair in node.value for v in pair)
            elif isinstance(node, yaml.SequenceNode):
                assert not node.flow_style
                stack.extend(node.value)


_EMPTY = Procedure(path="probe.flow", id="probe", meta=Meta(), nodes=())


# ------------------------------------------------------------------ (4): exact text

def line(n: int) -> Span:
    return Span(n, 1)


def test_exact_text_of_a_small_procedure():
    meta = Meta(title="Restore test: one file", id="restore-test", version="1.10",
                owner="no", created="2026-03-02", purpose="Check #1 # of 3, then stop.",
                scope_begins="- a dash first", scope_ends="It's done.", has_scope=True,
                glossary=(("PSA", "Professional services automation tool."), ("RMM", "")),
                tags=("backup", "[restore]"),
                changes=(Change(Span(), version="1.10", date="2026-03-02", note="First."),))
    lane = "Service desk"
    nodes = (
        Node(line(2), "start", "start-1", "A backup job failed.", lane, None, 0, auto_id=True),
        Node(line(4), "step", "retry", "Click File -> Save: #1", lane, 1, 1,
             attributes=(Attribute(line(5), "note", "  see ticket #123  "),
                         Attribute(line(7), "duration", "5 min"))),
        Node(line(8), "decide", "ok", "Did the job succeed?", lane, 2, 2,
             branches=(Arrow(line(9), "done", Span(), "yes"),
                       Arrow(line(10), "retry", Span(), "Option A: again"),
                       Arrow(line(11), "done", Span(), '"quoted"'),
                       Arrow(line(12), "done", Span(), "lane"),
                       Arrow(line(13), "done", Span(), "#2"),
                       Arrow(line(14), "done", Span(), "end of shift"))),
        Node(line(17), "end", "done", "The job runs again.", "Backup  team", None, 3),
    )
    comments = (Comment(line(1), "Who does what."), Comment(line(3), "flowsop: ignore[passive-voice]"),
                Comment(line(6), "in the block"), Comment(line(16), "second lane"),
                Comment(line(18), "the end"))
    procedure = Procedure("restore-test.flow", "restore-test", meta, nodes,
                          lanes=(Lane(line(1), lane), Lane(line(16), "Backup team")),
                          comments=comments)
    expected = """\
---
title: 'Restore test: one file'
id: restore-test
version: 1.10
owner: no
created: 2026-03-02
purpose: 'Check #1 # of 3, then stop.'
scope:
  begins: '- a dash first'
  ends: It's done.
glossary:
  PSA: Professional services automation tool.
  RMM: ''
tags:
  - backup
  - '[restore]'
changes:
  - version: 1.10
    date: 2026-03-02
    note: First.
---

# Who does what.
lane Service desk
start: A backup job failed.
# flowsop: ignore[passive-voice]
step retry: Click File -> Save: #1
  note: see ticket #123
  # in the block
  duration: 5 min
decide ok: Did the job succeed?
  yes -> done
  "Option A: again" -> retry
  ""quoted"" -> done
  "lane" -> done
  "#2" -> done
  end of shift -> done

# second lane
lane Backup team
end done: The job runs again.
# the end
"""
    assert print_procedure(procedure) == expected
    again = parse(expected, "restore-test")
    assert [b.label for b in again.nodes[2].branches] == [
        "yes", "Option A: again", '"quoted"', "lane", "#2", "end of shift"]
    assert again.meta.version == "1.10" and again.meta.owner == "no"
    assert print_procedure(procedure, comments=False) == expected.replace(
        "# Who does what.\n", "").replace("# flowsop: ignore[passive-voice]\n", "").replace(
        "  # in the block\n", "").replace("# second lane\n", "").replace("# the end\n", "")


def test_exact_text_of_an_imported_procedure():
    # Built without source lines (as an importer would), with kinds and
    # attributes the parser does not know yet, and a generated ID that would
    # not come back (so it is written out).
    s = Span()
    nodes = (
        Node(s, "start", "start-1", "An order arrives.", "Sales", None, 0, auto_id=True),
        Node(s, "parallel", "split", "Do both at once.", "Sales", None, 1,
             branches=(Arrow(s, "pack", s, "warehouse"), Arrow(s, "bill", s, "billing"))),
        Node(s, "step", "pack", "Pack the parts.", "Warehouse", 1, 2,
             attributes=(Attribute(s, "timeout", "2 days -> escalate"),),
             goto=Arrow(s, "joined", s)),
        Node(s, "step", "step-7", "Send the invoice.", "Billing", 2, 3, auto_id=True),
        Node(s, "join", "joined", "Both are done.", "Billing", None, 4),
        Node(s, "wait", "wait-1", "The client pays.", "Billing", None, 5, auto_id=True,
             attributes=(Attribute(s, "timeout", "30 days -> escalate"),)),
        Node(s, "end", "end-1", "The order is closed.", "Billing", None, 6, auto_id=True),
    )
    procedure = Procedure("import.flow", "import", Meta(title="Imported"), nodes,
                          lanes=(Lane(s, "Sales"), Lane(s, "Warehouse"), Lane(s, "Billing")))
    assert print_procedure(procedure) == """\
---
title: Imported
---

lane Sales
start: An order arrives.
parallel split: Do both at once.
  warehouse -> pack
  billing -> bill

lane Warehouse
step pack: Pack the parts.
  timeout: 2 days -> escalate
  -> joined

lane Billing
step step-7: Send the invoice.
join joined: Both are done.
wait: The client pays.
  timeout: 30 days -> escalate
end: The order is closed.
"""


def test_an_ignore_comment_keeps_its_node_and_its_distance():
    text = """\
start: A test starts.
# flowsop: ignore[passive-voice]
step: The ticket is closed by the technician.
# flowsop: ignore[long-sentence]

# a heading, directly above
step two: Close it.


# the end
end: The work is done.
"""
    printed = print_procedure(parse(text))
    # The first stays directly above its step; the second, which silenced
    # nothing (a blank line below it), does not come to stand above 'two'.
    assert printed == """\
start: A test starts.
# flowsop: ignore[passive-voice]
step: The ticket is closed by the technician.
# flowsop: ignore[long-sentence]

# a heading, directly above
step two: Close it.
# the end
end: The work is done.
"""
    assert normal(parse(printed)) == normal(parse(text))


# ------------------------------------------------------------------ what the text cannot hold

def test_white_space_the_parser_drops_is_dropped():
    s = Span()
    node = Node(s, "step", "a", "  padded text\t", "  Service   desk ", 1, 0,
                attributes=(Attribute(s, "note", " n "),),
                branches=())
    end = Node(s, "end", "b", "done", "  Service   desk ", None, 1,
               branches=(Arrow(s, "a", s, "  again  "),))
    meta = Meta(title="  Title  ", owner="   ", equipment=(" x ", "  "))
    text = print_procedure(Procedure("p.flow", "p", meta, (node, end)))
    assert text == ("---\ntitle: Title\nequipment:\n  - x\n---\n\nlane Service desk\n"
                    "step a: padded text\n  note: n\nend b: done\n  again -> a\n")


@pytest.mark.parametrize("change, message", [
    (dict(text="two\nlines"), "contains"),
    (dict(text="cr\rhere"), "contains"),
    (dict(text="   "), "empty"),
    (dict(id="not an id"), "not an ID"),
    (dict(kind="lane"), "keyword"),
    (dict(branches=(Arrow(Span(), "b", Span(), "a -> b"),)), "contains '->'"),
    (dict(branches=(Arrow(Span(), "not an id", Span(), "yes"),)), "not an ID"),
    (dict(goto=Arrow(Span(), "b c", Span())), "not an ID"),
    (dict(attributes=(Attribute(Span(), "note", ""),)), "empty"),
    (dict(lane=" "), "empty"),
])
def test_what_no_line_can_say_is_refused(change, message):
    node = replace(Node(Span(), "step", "a", "Text.", None, 1, 0), **change)
    with pytest.raises(UnprintableError, match=message):
        print_procedure(Procedure("p.flow", "p", Meta(), (node,)))


def test_a_node_without_a_lane_after_a_lane_is_refused():
    s = Span()
    nodes = (Node(s, "step", "a", "A.", "Desk", 1, 0), Node(s, "end", "b", "B.", None, None, 1))
    with pytest.raises(UnprintableError, match="no lane"):
        print_procedure(Procedure("p.flow", "p", Meta(), nodes))


def test_empty_meta_prints_nothing():
    assert print_meta(Meta()) == ""
    assert print_procedure(Procedure("p.flow", "p", Meta(), ())) == ""


def test_multi_line_values_read_back():
    meta = Meta(purpose="First line.\nSecond: line # here", title="a\u2028b\x85c",
                scope_begins="x", has_scope=True)
    text = print_meta(meta)
    assert "purpose: |-\n  First line.\n  Second: line # here\n" in text
    again = parse(text + "start: a\nend: b\n").meta
    assert again.purpose == meta.purpose and again.title == meta.title


# ------------------------------------------------------------------ (5): flowsop new

@pytest.mark.parametrize("proc_id", ["verify-backup", "new-machine", "a", "Reset_MFA-2",
                                     "x1-y_z", "offboard-user-on-last-day"])
@pytest.mark.parametrize("today", [_dt.date(2026, 11, 26), _dt.date(2000, 1, 1),
                                   _dt.date(1999, 12, 31)])
def test_new_procedure_is_the_template(proc_id, today):
    # The golden file is what 0.1's hand-written template wrote; every id and
    # date gives that text with its own id, title and dates.
    golden = (Path(__file__).parent / "golden" / "new-verify-backup.flow").read_text()
    title = proc_id.replace("-", " ").replace("_", " ").capitalize()
    expected = (golden.replace("2026-11-26", today.isoformat())
                .replace("id: verify-backup", f"id: {proc_id}")
                .replace("title: Verify backup", f"title: {title}"))
    assert new_procedure(proc_id, today) == expected


def test_new_procedure_parses_clean():
    text = new_procedure("verify-backup", _dt.date(2026, 11, 26))
    procedure = parse(text, "verify-backup")
    assert print_procedure(procedure) == text
