"""Drafts: a procedure with errors, rendered anyway and marked.

``flowsop render`` draws a procedure that parses even when its checks found
errors (exit 1), ``flowsop build --draft`` does the same for a library: the
nodes that hold an error are outlined in red, and a note on the chart says
that it has errors and lists the first few. Without draft, nothing changes:
a procedure with errors is not rendered.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FRONT, TODAY, TODAY_ARG, load
from flowsop.cli import main
from flowsop.diagnostics import Diagnostic, Severity, Span
from flowsop.render import RenderContext
from flowsop.render.dot import ALLOWED_ATTRIBUTES
from flowsop.render.draft import DEFECT_LINE, NOTE_LIMIT, locate, mark_dot

SVG = "{http://www.w3.org/2000/svg}"
HEAD = FRONT.count("\n")  # lines of the title page

#: An undefined target (line HEAD+10, under step 4) and a dead end (step 5).
BROKEN = FRONT + """\
start: A user asks for a password reset.
step check: Confirm the user's identity.
decide known: Is the identity confirmed?
  yes -> reset
  no -> lock
  twice failed -> escalate
step reset: Reset the password in the directory.
  -> notify
step lock: Lock the account.
  -> nowhere
end notify: The user has a new password.
step escalate: Tell the security team.
"""
CLEAN = (FRONT.replace("A test procedure", "Log a phone call")
         .replace("A test starts.", "A client phones the service desk.")
         .replace("The test ends.", "The call is logged.")
         + "start: A client phones the service desk.\nstep: Log the call in the ticket system.\n"
           "end: The call is logged.\n")
NOTE = "Nodes outlined in red have errors; this chart is a draft."


def broken():
    return load(BROKEN, "broken.flow")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--today", TODAY_ARG])
    out, err = capsys.readouterr()
    return code, out, err


def node_strokes(svg: str) -> dict[str, tuple[str, str | None]]:
    """Each node of the chart by its readable title: (outline colour, width)."""
    root = ET.fromstring(svg[svg.index("<svg"):])
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        title = g.find(f"{SVG}title").text
        shape = next(el for el in g.iter() if el.tag in (f"{SVG}polygon", f"{SVG}path",
                                                         f"{SVG}ellipse"))
        out[title] = (shape.get("stroke"), shape.get("stroke-width"))
    return out


def svg_text(svg: str) -> str:
    root = ET.fromstring(svg[svg.index("<svg"):])
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


# ------------------------------------------------------------------ where errors are

def test_each_error_belongs_to_the_node_whose_lines_hold_it():
    loaded = broken()
    errors = [(d.rule, d.line) for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert errors == [("undefined-target", HEAD + 10), ("dead-end", HEAD + 12)]
    defects, problems = locate(loaded.procedure, loaded.diagnostics)
    # The arrow's line (under "step lock") belongs to step 4; warnings are not defects.
    assert defects == {
        "lock": (f"line {HEAD + 10} (step 4): no node has the ID 'nowhere'",),
        "escalate": (f"line {HEAD + 12} (step 5): step 5 'escalate' has no next node",)}
    assert problems == defects["lock"] + defects["escalate"]


def test_title_page_lane_and_whole_file_errors_go_in_the_note_only():
    text = FRONT + ("start: A test starts.\nlane Service desk\n  # a comment\n"
                    "step a: Do it.\n  note: n\n  -> b\nend b: The test ends.\n")
    loaded = load(text)
    start = HEAD + 1

    def error(line: int, column: int = 1, message: str = "m") -> Diagnostic:
        return Diagnostic("t.flow", Span(line, column), Severity.ERROR, "x", message)
    found = [error(2, message="on the title page"), error(1, message="the whole file"),
             error(start + 1, message="on the lane line"), error(start + 2, 3, "under the lane"),
             error(start + 4, 3, "under a"), error(start + 5, 6, "arrow of a"),
             error(start + 6, message="the end"), error(start + 40, message="past the end"),
             Diagnostic("t.flow", Span(start, 1), Severity.WARNING, "x", "a warning")]
    defects, problems = locate(loaded.procedure, found)
    assert defects == {
        "a": (f"line {start + 4} (step 1): under a", f"line {start + 5} (step 1): arrow of a"),
        "b": (f"line {start + 6} (an end): the end", f"line {start + 40} (an end): past the end")}
    assert problems[:4] == ("line 2: on the title page", "line 1: the whole file",
                            f"line {start + 1}: on the lane line",
                            f"line {start + 2}: under the lane")
    assert len(problems) == 8


# ------------------------------------------------------------------ the chart

@pytest.fixture(scope="module")
def draft_svg() -> str:
    return broken().render("svg", today=TODAY, draft=True)


def test_a_draft_outlines_the_nodes_with_errors_in_red(draft_svg):
    strokes = node_strokes(draft_svg)
    red = {title for title, (stroke, _) in strokes.items() if stroke == DEFECT_LINE}
    assert red == {"4. Lock the account.", "5. Tell the security team."}
    assert strokes["4. Lock the account."][1] == "3"
    assert all(width != "3" for title, (_, width) in strokes.items() if title not in red)


def test_every_kind_of_node_can_be_outlined():
    # Errors under a parallel, a join, a wait, a call, a decide and an end
    # (bars have no outline of their own: they get a box to carry the red).
    text = FRONT + """\
start: A new starter is hired.
  -> p
parallel p: Prepare everything at once.
  accounts -> acc
  laptop -> gone
step acc: Create the accounts.
  -> j
join j: Both are ready.
  -> missing-1
wait w: Wait for the start date.
  timeout: 2 days -> nowhere
call c: order-parts
  delivered -> d
  cancelled -> missing-2
decide d: Did it work?
  yes -> done
  yes -> done
end done: The test ends.
  -> acc
"""
    loaded = load(text)
    defects, _ = locate(loaded.procedure, loaded.diagnostics)
    assert set(defects) == {"p", "j", "w", "c", "d", "done"}
    strokes = node_strokes(loaded.render("svg", today=TODAY, draft=True))
    assert len(strokes) == 8
    assert {t for t, (s, _) in strokes.items() if s != DEFECT_LINE} == {
        "A new starter is hired.", "2. Create the accounts."}


def test_a_draft_says_it_has_errors_on_the_chart_and_in_its_description(draft_svg):
    text = svg_text(draft_svg)
    assert "Has errors: 2 problems." in text and NOTE in text
    assert f"• line {HEAD + 10} (step 4): no node has the ID 'nowhere'" in text
    assert f"• line {HEAD + 12} (step 5): step 5 'escalate' has no next node" in text
    # The chart is an image to assistive tools: its description says it first.
    desc = re.search(r"<desc id=\"[^\"]+\">([^<]*)</desc>", draft_svg).group(1)
    assert desc.startswith(f"Has errors: 2 problems. {NOTE} ")
    # The note is drawn above the flow (SVG y grows downwards).
    root = ET.fromstring(draft_svg[draft_svg.index("<svg"):])
    ys = {"".join(t.itertext()): float(t.get("y")) for t in root.iter(f"{SVG}text")}
    assert ys["Has errors: 2 problems."] < ys["START"]


def test_the_draft_png_and_dot_carry_the_marks():
    loaded = broken()
    assert loaded.render("png", today=TODAY, draft=True).startswith(b"\x89PNG\r\n\x1a\n")
    dot = loaded.render("dot", today=TODAY, draft=True)
    assert "Has errors: 2 problems." in dot
    assert re.search(rf'\tn4 \[color="{DEFECT_LINE}" fillcolor="[^"]+" penwidth=3 ', dot)


def test_without_draft_a_procedure_with_errors_is_not_rendered():
    with pytest.raises(ValueError, match=r"a procedure with errors is not rendered\)$"):
        broken().render("svg", today=TODAY)


def test_draft_changes_nothing_for_a_procedure_without_errors():
    loaded = load(CLEAN)
    assert loaded.ok
    for fmt in ("dot", "svg", "html", "md"):
        assert loaded.render(fmt, today=TODAY, draft=True) == loaded.render(fmt, today=TODAY)


def test_the_note_counts_what_it_does_not_list():
    body = "".join(f"  -> missing{i}\n" for i in range(1, 9))
    text = FRONT + "start: A test starts.\nparallel p: Do it all.\n" + body + "end: The test ends.\n"
    loaded = load(text)
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) > NOTE_LIMIT
    dot = loaded.render("dot", today=TODAY, draft=True)
    assert f"Has errors: {len(errors)} problems." in dot
    assert f"… and {len(errors) - NOTE_LIMIT} more: run flowsop check for the list." in dot
    assert dot.count("• line ") == NOTE_LIMIT


def test_author_text_in_the_note_is_escaped_as_dot_escapes_it():
    # An unknown title-page key is quoted in its message: author text, in the note only.
    hostile = '"<i>]\\\\N&x\'": 1\n'  # the key <i>]\N&x' in YAML
    text = FRONT.replace("version: 1.0.0\n", "version: 1.0.0\n" + hostile)
    text += "start: A test starts.\nstep: Log the call.\n  -> nowhere\nend: The test ends.\n"
    loaded = load(text)
    assert {d.rule for d in loaded.diagnostics if d.severity is Severity.ERROR} >= {
        "front-matter", "undefined-target"}
    dot = loaded.render("dot", today=TODAY, draft=True)
    note = dot[dot.rindex("\tgraph [label=<"):]
    assert "&lt;i&gt;&#93;\\\\N&amp;x&#39;" in note and "<i>" not in note
    # Every attribute the draft adds is one dot.py may write: the statements
    # after the last edge, with the note's HTML label taken out.
    added = dot[dot.rindex(" -> "):].split("\n")[1:]
    assert added[-3].startswith("\tgraph [label=<") and added[-2:] == ["}", ""]
    assert "\tn1" in {line.split(" ")[0] for line in added}
    assert all(re.match(r"\t(n\d+|graph) \[", line) for line in added[:-2])
    names = set()
    for line in added:
        line = re.sub(r"label=<.*>(?=[ \]])", "label=X", line)
        names |= set(re.findall(r'(\w+)=(?:"(?:[^"\\]|\\.)*"|[^\s\]]+)', line))
    assert names and names <= ALLOWED_ATTRIBUTES, names
    svg = loaded.render("svg", today=TODAY, draft=True)
    assert "unknown key '<i>]\\N&x''" in svg_text(svg)


def test_declared_attrs_reads_a_node_statement_as_the_graphviz_package_writes_it():
    from flowsop.render.draft import declared_attrs
    dot = ('digraph flowsop {\n\tn10 [shape=box]\n\t\tn1 [label=<<b>shape=plain ] x</b>> '
           'tooltip="a \\"]\\" shape=plain\nb" shape=plain style="rounded,filled"]\n'
           '\tn1 [shape=box]\n}\n')
    assert declared_attrs(dot, "n1") == {
        "label": "<<b>shape=plain ] x</b>>", "tooltip": '"a \\"]\\" shape=plain\nb"',
        "shape": "plain", "style": '"rounded,filled"'}
    assert declared_attrs(dot, "n2") == {}
    assert declared_attrs("\tn1 [label=<unfinished", "n1") == {}


def test_mark_dot_leaves_a_clean_context_and_odd_text_alone():
    loaded = load(CLEAN)
    numbered = loaded.number()
    ctx = RenderContext(draft=True, defects={"no-such-node": ("line 1: m",)}, problems=("m",))
    assert mark_dot("not a graph", numbered, ctx) == "not a graph"
    marked = mark_dot("digraph flowsop {\n}\n", numbered, ctx)
    assert "no-such-node" not in marked and "Has errors: 1 problem." in marked


@pytest.mark.parametrize("text, rule", [
    (FRONT + "start: A test starts.\nstpe: Log it.\nend: The test ends.\n", "syntax"),
    (FRONT + "start: A test starts.\nstep: Log it.\n  link: javascript:alert(1)\n"
             "end: The test ends.\n", "unsafe-link"),
    ("---\ntitle: Only a title page\n---\n", "missing-start"),
])
def test_some_procedures_are_not_drawn_even_as_drafts(text, rule):
    loaded = load(text)
    assert rule in {d.rule for d in loaded.diagnostics if d.severity is Severity.ERROR}
    assert not loaded.drawable
    with pytest.raises(ValueError, match="even as a draft"):
        loaded.render("svg", today=TODAY, draft=True)


# ------------------------------------------------------------------ the commands

def test_flowsop_render_draws_a_broken_procedure_and_exits_1(outside_cwd, capsys):
    write(outside_cwd, "broken.flow", BROKEN)
    code, _, err = run(capsys, "render", "broken.flow", "-o", "out", "--format", "svg,html,md")
    assert code == 1
    assert sorted(p.name for p in (outside_cwd / "out").iterdir()) == [
        "broken.html", "broken.md", "broken.svg"]
    svg = (outside_cwd / "out" / "broken.svg").read_text(encoding="utf-8")
    assert {t for t, (s, _) in node_strokes(svg).items() if s == DEFECT_LINE} == {
        "4. Lock the account.", "5. Tell the security team."}
    assert NOTE in (outside_cwd / "out" / "broken.html").read_text(encoding="utf-8")
    assert "error[undefined-target]" in err and "error[dead-end]" in err
    assert "1 procedure rendered as a draft, its errors marked" in err


def test_flowsop_render_to_standard_output_draws_the_draft_and_exits_1(outside_cwd, capsys):
    write(outside_cwd, "broken.flow", BROKEN)
    code, out, err = run(capsys, "render", "broken.flow", "-o", "-", "--format", "dot")
    assert code == 1
    assert "Has errors: 2 problems." in out and "error[dead-end]" in err


def test_flowsop_render_does_not_draw_what_does_not_parse(outside_cwd, capsys):
    write(outside_cwd, "bad.flow", FRONT + "start: A test starts.\nstpe: Log it.\nend: Done.\n")
    write(outside_cwd, "ok.flow", CLEAN)
    code, _, err = run(capsys, "render", "bad.flow", "ok.flow", "-o", "out", "--format", "svg")
    assert code == 1
    assert sorted(p.name for p in (outside_cwd / "out").iterdir()) == ["ok.svg"]
    assert "1 procedure not rendered because of errors" in err


def test_flowsop_build_draft_writes_pages_for_a_broken_procedure(outside_cwd, capsys):
    write(outside_cwd, "lib/broken.flow", BROKEN)
    write(outside_cwd, "lib/ok.flow", CLEAN)
    formats = ("--format", "svg,html,md")

    def made() -> set[str]:
        return {p.name for p in (outside_cwd / "out").iterdir() if not p.name.startswith(".")}

    # Without --draft the broken procedure is skipped, the rest is built.
    code, _, err = run(capsys, "build", "lib", "-o", "out", *formats)
    assert code == 1 and "1 procedure not rendered because of errors" in err
    assert made() == {"ok.svg", "ok.html", "ok.md", "index.html", "index.md"}
    plain = {n: (outside_cwd / "out" / n).read_bytes() for n in made()}

    code, _, err = run(capsys, "build", "lib", "-o", "out", *formats, "--draft")
    assert code == 1 and "1 procedure rendered as a draft, its errors marked" in err
    assert "error[undefined-target]" in err
    assert made() == {"ok.svg", "ok.html", "ok.md", "broken.svg", "broken.html", "broken.md",
                      "index.html", "index.md"}
    svg = (outside_cwd / "out" / "broken.svg").read_text(encoding="utf-8")
    assert "Has errors: 2 problems." in svg_text(svg)
    assert {t for t, (s, _) in node_strokes(svg).items() if s == DEFECT_LINE} == {
        "4. Lock the account.", "5. Tell the security team."}
    # A clean procedure's pages are the same in a draft build.
    assert all((outside_cwd / "out" / n).read_bytes() == plain[n] for n in plain
               if n.startswith("ok."))
    # Nothing changed: nothing to do, and the errors are still reported.
    code, _, err = run(capsys, "build", "lib", "-o", "out", *formats, "--draft")
    assert code == 1 and "0 written" in err and "error[dead-end]" in err

    # Built again without --draft: the draft pages are the build's own, removed.
    code, _, err = run(capsys, "build", "lib", "-o", "out", *formats)
    assert code == 1
    assert made() == {"ok.svg", "ok.html", "ok.md", "index.html", "index.md"}
    assert all((outside_cwd / "out" / n).read_bytes() == plain[n] for n in plain)
    manifest = json.loads((outside_cwd / "out" / ".flowsop-manifest.json").read_text())
    assert not any(name.startswith("broken.") for name in manifest["files"])


def test_build_draft_with_several_workers_marks_the_same_way(outside_cwd, capsys, monkeypatch):
    import flowsop.project.workers
    monkeypatch.setattr(flowsop.project.workers, "PARALLEL_FROM", 2)  # fork for 4 files
    import flowsop.project.build as build
    calls = []
    real = build._render_parallel
    monkeypatch.setattr(build, "_render_parallel", lambda *a: calls.append(a) or real(*a))
    for i in range(4):
        write(outside_cwd, f"lib/broken-{i}.flow", BROKEN.replace("password reset",
                                                                   f"password reset {i}"))
    code, _, err = run(capsys, "build", "lib", "-o", "out", "--format", "svg", "--draft",
                       "--jobs", "2")
    assert code == 1 and "4 procedures rendered as a draft" in err
    assert len(calls) == 1  # the workers' path
    for i in range(4):
        svg = (outside_cwd / "out" / f"broken-{i}.svg").read_text(encoding="utf-8")
        assert sum(s == DEFECT_LINE for s, _ in node_strokes(svg).values()) == 2


def test_a_hostile_procedure_with_errors_draws_its_text_as_text():
    # The hostile fixture (author text everywhere), broken under two nodes.
    from conftest import FIXTURES
    text = (FIXTURES / "hostile" / "lib" / "everything.flow").read_text(encoding="utf-8")
    text = text.replace("is text here, not a link.\n", "is text here, not a link.\n  -> nowhere\n")
    text = text.replace("  x|y]zq23 #35; -> done\n", "  x|y]zq23 #35; -> done\n  x|y]zq23 #35; -> fix\n")
    loaded = load(text, "everything.flow")
    assert {"undefined-target", "duplicate-branch"} <= {
        d.rule for d in loaded.diagnostics if d.severity is Severity.ERROR}
    assert loaded.drawable
    svg = loaded.render("svg", today=TODAY, draft=True)
    root = ET.fromstring(svg[svg.index("<svg"):])  # well-formed, whatever the author wrote
    assert not [el for el in root.iter() if el.tag.endswith(("script", "foreignObject"))]
    red = {t for t, (s, _) in node_strokes(svg).items() if s == DEFECT_LINE}
    assert len(red) == 2 and any("zq29" in t for t in red), red
    note = svg_text(svg)
    assert "• line 40 (step 2): the branch 'x|y]zq23 #35;' is already listed" in note
    assert "• line 48 (step 5): no node has the ID 'nowhere'" in note
    tips = [el.get("{http://www.w3.org/1999/xlink}title") for el in root.iter(f"{SVG}a")]
    assert any(t and t.startswith("Error: ") and "'nowhere'" in t for t in tips)
    html = loaded.render("html", today=TODAY, draft=True)
    assert "<script>" not in html.split("</style>", 1)[1] and NOTE in html


def test_errors_on_the_title_page_only_mark_no_node():
    text = CLEAN.replace("version: 1.0.0\n", "version: 1.0.0\ntitel: A typo\n")
    loaded = load(text)
    assert [d.rule for d in loaded.diagnostics if d.severity is Severity.ERROR] == ["front-matter"]
    svg = loaded.render("svg", today=TODAY, draft=True)
    assert not any(s == DEFECT_LINE for s, _ in node_strokes(svg).values())
    note = svg_text(svg)
    assert "Has errors: 1 problem." in note and NOTE not in note
    assert "The errors are on the title page or in the file as a whole" in note
    assert "• line 4: unknown key 'titel'" in note
