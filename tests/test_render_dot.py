"""The flowchart back end: NumberedProcedure → DOT (render/dot.py) → SVG
(render/engine.py with the real graphviz-pure, render/svg.py).

Golden files ``tests/golden/<id>.dot`` and ``.svg`` are accepted with
``FLOWSOP_UPDATE_GOLDEN=1``; a mismatch writes ``<id>.got.<ext>`` beside the
golden (git-ignored). The DOT is read back with a small tokenizer (below) and
the SVG with an XML parser, so the tests look at what a reader gets.
"""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DIAGRAMS, FIXTURES, FRONT, load, check_golden
from flowsop.procedure import number_procedure
from flowsop.render import RenderContext, chart, dot, svg as svgmod
from flowsop.render.textmetrics import wrap

HERE = FIXTURES / "render"
TITLES = {"order-parts": "Order parts", "dispatch-onsite": "Dispatch an on-site technician",
          "order-laptop": "Order a laptop"}
#: Onboarding with a parallel, a join, a wait with a timeout, a labelled arrow
#: under a step and a call with two outcomes.
PARALLEL = HERE / "parallel-wait.flow"
NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

needs_engine = pytest.mark.skipif(
    shutil.which("graphviz-pure") is None
    and not (Path(os.sys.executable).parent / "graphviz-pure").exists(),
    reason="graphviz-pure (a dependency) is not installed")


def numbered_file(path: Path, titles=TITLES):
    loaded = load(path.read_text(encoding="utf-8"), path.name, default_id=path.stem)
    return number_procedure(loaded.procedure, loaded.graph, titles=titles)


def numbered_text(text: str, proc_id: str = "t"):
    loaded = load(text, f"{proc_id}.flow", default_id=proc_id)
    return number_procedure(loaded.procedure, loaded.graph, titles=TITLES)


def ctx(**kwargs) -> RenderContext:
    kwargs.setdefault("link_base", "../diagrams")
    return RenderContext(**kwargs)


# ------------------------------------------------------------ reading DOT back

_TOKEN = re.compile(r'(?P<nl>\s*\n\s*)|\s+|//[^\n]*|/\*.*?\*/|(?P<q>"(?:\\.|[^"\\])*")|(?P<h><)'
                    r'|(?P<id>[A-Za-z_\x80-\uffff][\w\x80-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))'
                    r'|(?P<p>->|--|[{}\[\]=;,:])', re.S)


def dot_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens of DOT: q (quoted), h (HTML string), id, p."""
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        assert m, f"cannot read the DOT at {text[i:i + 40]!r}"
        if m.group("h"):  # an HTML string: balanced angle brackets
            depth, j = 0, i
            while True:
                depth += {"<": 1, ">": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append(("h", text[i + 1:j - 1]))
            i = j
            continue
        for kind in ("nl", "q", "id", "p"):
            if m.group(kind):
                out.append((kind, m.group(kind)))
        i = m.end()
    return out


def dot_statements(text: str) -> list[tuple[str, list[str], dict[str, tuple[str, str]]]]:
    """(kind, names, attrs) for every node, edge and attribute statement;
    attrs maps a name to (token kind, value)."""
    toks = dot_tokens(text)
    out, i = [], 0
    while i < len(toks):
        kind, value = toks[i]
        if (kind, value) == ("p", "["):
            head = []
            j = i - 1
            while j >= 0 and toks[j][0] != "nl" and toks[j][1] not in ("{", "}", ";", "]"):
                head.insert(0, toks[j][1])
                j -= 1
            attrs, i = {}, i + 1
            while toks[i] != ("p", "]"):
                if toks[i][0] == "nl":
                    i += 1
                    continue
                if toks[i + 1] == ("p", "="):
                    attrs[toks[i][1]] = toks[i + 2]
                    i += 3
                else:
                    i += 1
            stype = ("attr" if head and head[0] in ("graph", "node", "edge") and len(head) == 1
                     else "edge" if "->" in head else "node")
            out.append((stype, [h for h in head if h != "->"], attrs))
        i += 1
    return out


def attribute_names(text: str) -> set[str]:
    toks = [t for t in dot_tokens(text) if t[0] != "nl"]
    return {toks[i - 1][1] for i, t in enumerate(toks) if t == ("p", "=")}


def nodes(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    return {names[0]: attrs for kind, names, attrs in dot_statements(text) if kind == "node"}


# ------------------------------------------------------------ reading SVG back

def parse_svg(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def node_groups(root: ET.Element) -> dict[str, ET.Element]:
    """The node groups of the chart by their (readable) title."""
    return {g.find("svg:title", NS).text: g
            for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"}


def texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter("{http://www.w3.org/2000/svg}text")]


def box_width(group: ET.Element) -> float:
    shape = group.find(".//svg:polygon", NS)
    if shape is not None:
        xs = [float(p.split(",")[0]) for p in shape.get("points").split()]
    else:  # rounded boxes are paths
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", group.find(".//svg:path", NS).get("d"))]
        xs = nums[0::2]
    return max(xs) - min(xs)


# ------------------------------------------------------------------ golden files

@pytest.mark.parametrize("proc_id", ["dispatch-onsite", "backup-verification"])
def test_golden_dot(proc_id):
    check_golden(f"{proc_id}.dot", dot.dot_source(numbered_file(DIAGRAMS / f"{proc_id}.flow"),
                                                    ctx()))


@needs_engine
@pytest.mark.parametrize("proc_id", ["dispatch-onsite", "backup-verification"])
def test_golden_svg(proc_id):
    check_golden(f"{proc_id}.svg", chart.render_svg(numbered_file(DIAGRAMS / f"{proc_id}.flow"),
                                                   ctx()))


def test_golden_dot_parallel_wait():
    check_golden("parallel-wait.dot", dot.dot_source(numbered_file(PARALLEL), ctx()))


@needs_engine
def test_golden_svg_parallel_wait():
    check_golden("parallel-wait.svg", chart.render_svg(numbered_file(PARALLEL), ctx()))


# ------------------------------------------------------------------ what the chart shows

def test_kinds_have_their_shapes_and_colours():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    source = dot.dot_source(n, ctx())
    by_name = nodes(source)
    names = dot.node_names(n)
    attrs = {item.kind: by_name[names[item.id]] for item in n.items}
    assert attrs["decide"]["shape"][1] == "diamond"
    assert attrs["step"]["shape"][1] == "box" and "rounded" not in attrs["step"]["style"][1]
    assert "rounded" in attrs["start"]["style"][1] and "rounded" in attrs["end"]["style"][1]
    assert attrs["call"]["peripheries"][1] == "2"
    fills = {kind: a["fillcolor"][1] for kind, a in attrs.items()}
    assert len({fills["start"], fills["end"], fills["step"], fills["decide"]}) == 4


def test_every_numbered_node_shows_the_sop_number():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    groups = node_groups(parse_svg(chart.render_svg(n, ctx())))
    for item in n.items:
        lines = texts(groups[item.label])
        if item.number is None:
            assert not re.match(r"\d+\.", lines[0])
        else:
            assert lines[0] == f"{item.number}."  # drawn bold, as its own run
    # The hand-written expectation from the language issue.
    book = groups["4. Book the next free slot in the shared technician calendar."]
    assert " ".join(t.strip() for t in texts(book)) == \
        "4. Book the next free slot in the shared technician calendar."


def test_decision_branches_are_labelled_on_their_edges():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    root = parse_svg(chart.render_svg(n, ctx()))
    edges = {g.find("svg:title", NS).text: texts(g)
             for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"}
    assert edges["2 → 3 (yes)"] == ["yes"]
    assert edges["2 → 4 (no)"] == ["no"]
    assert edges["6 → 7 (no)"] == ["no"]
    assert edges["7 → 4"] == []  # the loop back from the call: plain flow


def test_loops_are_drawn_reversed_so_steps_read_top_down():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    names = dot.node_names(n)
    edges = {(names[s], names[t]) for s, t, _ in n.edges}
    drawn = [(k, h, a) for k, h, a in dot_statements(dot.dot_source(n, ctx())) if k == "edge"]
    # "call order ... -> book" goes back from 7 to 4: written 4 -> 7, arrow at the tail.
    back = [h for k, h, a in drawn if a.get("dir", ("", ""))[1] == "back"]
    assert back == [[names["book"], names["order"]]]
    for _, (tail, head), attrs in drawn:
        reverse = attrs.get("dir", ("", ""))[1] == "back"
        assert ((head, tail) if reverse else (tail, head)) in edges
    root = parse_svg(chart.render_svg(n, ctx()))
    y = {title: float(g.find(".//svg:text", NS).get("y")) for title, g in node_groups(root).items()}
    numbered_y = [y[i.label] for i in n.items if i.number in (1, 2, 4, 5, 6, 7)]
    assert numbered_y == sorted(numbered_y)  # SVG y grows downwards


def test_a_loop_to_the_step_just_before_keeps_both_edges():
    n = numbered_text(FRONT + "start: Go.\nstep a: Try it.\ndecide d: Did it work?\n"
                      "  yes -> e\n  no -> a\nend e: Done.\n")
    root = parse_svg(chart.render_svg(n, ctx()))
    edges = [(g.find("svg:title", NS).text, texts(g))
             for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    # Both edges join the same two DOT nodes (the loop is written reversed), so
    # each says which two ways it may be.
    assert sorted(edges) == [("1 → 2; 2 → 1 (no)", []), ("1 → 2; 2 → 1 (no)", ["no"]),
                             ("2 → end (yes)", ["yes"]), ("start → 1", [])]


# ------------------------------------------------------------------ parallel, join, wait

def _drawn(n):
    """(names, nodes by DOT name, {(source id, target id): attrs}) of the DOT."""
    source = dot.dot_source(n, ctx())
    names = dot.node_names(n)
    ids = {v: k for k, v in names.items()}
    edges = {}
    for kind, (tail, head), attrs in [s for s in dot_statements(source) if s[0] == "edge"]:
        reverse = attrs.get("dir", ("", ""))[1] == "back"
        edges[(ids[head], ids[tail]) if reverse else (ids[tail], ids[head])] = attrs
    return source, names, nodes(source), edges


def _value(attrs, key):
    kind, value = attrs.get(key, ("", ""))
    return value[1:-1] if kind == "q" else value


def test_parallel_and_join_are_bars_with_the_step_beside_them():
    n = numbered_file(PARALLEL)
    _, names, by_name, _ = _drawn(n)
    for node_id, cells in (("prepare", 2), ("ready", 1)):
        attrs = by_name[names[node_id]]
        assert _value(attrs, "shape") == "plain"  # no outline: the table draws the bar
        label = _value(attrs, "label")
        bar = re.findall(r'<td port="(s\d+)" width="(\d+)" height="(\d+)" bgcolor="([^"]+)"></td>',
                         label)
        # One thick, flat, dark cell per stream, side by side, as wide as the bar together.
        assert [p for p, *_ in bar] == [f"s{i}" for i in range(cells)]
        assert all(h == str(dot.BAR_HEIGHT) and c == dot.INK for _, _, h, c in bar)
        assert sum(int(w) for _, w, _, _ in bar) <= dot.BAR_WIDTH
        assert int(bar[0][1]) * 10 > int(bar[0][2]) * 20  # far wider than high
        assert '<td port="bar">' in label
        # The step's number and text are in the cell to the right of the bar.
        text = label.split('rowspan="3"', 1)[1]
        assert text.index("<b>4.</b>" if node_id == "prepare" else "<b>12.</b>") > 0
    assert "Prepare the accounts and" in _value(by_name[names["prepare"]], "label")


def test_streams_leave_the_fork_bar_side_by_side_and_begin_on_one_rank():
    n = numbered_file(PARALLEL)
    source, names, _, edges = _drawn(n)
    assert _value(edges[("prepare", "account")], "tailport") == "s0:s"
    assert _value(edges[("prepare", "order")], "tailport") == "s1:s"
    # Arrows into a bar meet its top, arrows out of a join its bottom.
    assert _value(edges[("complete", "prepare")], "headport") == "bar:n"
    assert _value(edges[("groups", "ready")], "headport") == "bar:n"
    assert _value(edges[("image", "ready")], "headport") == "bar:n"
    assert _value(edges[("ready", "handover")], "tailport") == "bar:s"
    # Streams are labelled when the author named them, and not pulled straight.
    assert "accounts" in _value(edges[("prepare", "account")], "label")
    assert "weight" not in edges[("prepare", "account")]
    # The first node of each stream on one rank, across the lanes (newrank).
    same = re.findall(r"\{\s*graph \[rank=same\]\s*((?:n\d+\s*)+)\}", source)
    assert [s.split() for s in same] == [[names["account"], names["order"]]]
    # Only edges that meet a bar have ports.
    bars = {"prepare", "ready"}
    for (source_id, target_id), attrs in edges.items():
        assert ("tailport" in attrs or "headport" in attrs) == bool({source_id, target_id} & bars)


@needs_engine
def test_the_drawn_streams_start_level_and_edges_keep_readable_titles():
    n = numbered_file(PARALLEL)
    root = parse_svg(chart.render_svg(n, ctx()))
    groups = node_groups(root)

    def middle(group):  # of the node's outline: nodes of one rank share it
        points = group.find(".//svg:polygon", NS).get("points").split()
        ys = [float(p.split(",")[1]) for p in points]
        return (min(ys) + max(ys)) / 2

    assert middle(groups[n.item("account").label]) == pytest.approx(
        middle(groups[n.item("order").label]))
    # The bar is a dark polygon in the node's group, beside its text.
    fork = groups[n.item("prepare").label]
    assert any(p.get("fill") == dot.INK for p in fork.iter("{http://www.w3.org/2000/svg}polygon"))
    assert [t.strip() for t in texts(fork)][:2] == ["4.", "Prepare the accounts and"]
    titles = [g.find("svg:title", NS).text
              for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    # Edges that meet a bar at a port are titled like every other edge.
    assert "4 → 5 (accounts)" in titles
    assert "4 → 7 (laptop)" in titles and "6 → 12" in titles and "12 → 13" in titles
    assert not [t for t in titles if re.search(r"n\d", t)]


def test_a_wait_has_its_own_shape_and_a_dashed_timeout():
    n = numbered_file(PARALLEL)
    _, names, by_name, edges = _drawn(n)
    wait = by_name[names["delivery"]]
    assert _value(wait, "shape") == "box"
    assert _value(wait, "style") == "rounded,filled" and _value(wait, "peripheries") == "2"
    assert _value(wait, "fillcolor") not in {
        _value(a, "fillcolor") for k, a in by_name.items() if k != names["delivery"]}
    assert _value(wait, "label").startswith('<font point-size="10" color="#0f766e"><b>WAIT</b>')
    timeout = edges[("delivery", "chase")]
    assert _value(timeout, "style") == "dashed"
    assert "after 3 days" in _value(timeout, "label")
    # Only the timeout is dashed; the wait's plain way on stays straight.
    assert [k for k, a in edges.items() if "style" in a] == [("delivery", "chase")]
    assert _value(edges[("delivery", "image")], "weight") == "3"


def test_labelled_arrows_and_call_outcomes_show_their_labels():
    n = numbered_file(PARALLEL)
    _, _, _, edges = _drawn(n)
    # "when the HR contact replies -> complete" goes back up: a loop, labelled at its head.
    back = edges[("ask", "complete")]
    assert _value(back, "dir") == "back" and "when the HR" in _value(back, "headlabel")
    assert "ordered" in _value(edges[("order", "delivery")], "label")
    assert "backordered" in _value(edges[("order", "loaner")], "label")
    forward = numbered_text(FRONT + "start: Go.\nstep a: Book the visit.\n"
                            "  when the client confirms the date -> b\nstep x: Other.\n"
                            "step b: Visit.\nend e: Done.\n")
    _, _, _, edges = _drawn(forward)
    assert "when the client" in _value(edges[("a", "b")], "label")
    assert _value(edges[("a", "b")], "weight") == "3"


def test_an_unreachable_bar_pales():
    loaded = load(FRONT + "start: Go.\nstep a: Do it.\n  -> e\nparallel p: Split the work.\n"
                  "  -> x\n  -> y\nstep x: X.\n  -> j\nstep y: Y.\njoin j: Both done.\n"
                  "end e: Done.\n", "t.flow", default_id="t")
    n = number_procedure(loaded.procedure, loaded.graph, titles=TITLES,
                         reachable={"start-1", "a", "e"})
    _, names, by_name, _ = _drawn(n)
    for node_id in ("p", "j"):
        bar = _value(by_name[names[node_id]], "label").split("rowspan")[1]
        assert f'bgcolor="{dot.LANE_LINE}"' in bar and dot.INK not in bar
    reachable = number_procedure(loaded.procedure, loaded.graph, titles=TITLES)
    _, names, by_name, _ = _drawn(reachable)
    assert f'bgcolor="{dot.INK}"' in _value(by_name[names["p"]], "label")


def test_lanes_are_clusters_titled_with_the_role():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    source = dot.dot_source(n, ctx())
    assert re.findall(r"subgraph (\S+) \{", source) == ["cluster_lane_0", "cluster_lane_1"]
    root = parse_svg(chart.render_svg(n, ctx()))
    clusters = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cluster"]
    assert [texts(c) for c in clusters] == [["Dispatcher"], ["Technician"]]
    # Each node sits inside its lane's box.
    boxes = {}
    for c in clusters:
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", c.find("svg:path", NS).get("d"))]
        boxes[texts(c)[0]] = (min(nums[0::2]), max(nums[0::2]), min(nums[1::2]), max(nums[1::2]))
    for item in n.items:
        g = node_groups(root)[item.label]
        t = g.find(".//svg:text", NS)
        x, y = float(t.get("x")), float(t.get("y"))
        x0, x1, y0, y1 = boxes[item.lane]
        assert x0 < x < x1 and y0 < y < y1, item.id


def test_long_text_wraps_on_word_boundaries():
    assert wrap("Book the next free slot in the shared technician calendar.", 30) == \
        ["Book the next free slot in the", "shared technician calendar."]
    assert wrap("a" * 70, 30) == ["a" * 30, "a" * 30, "a" * 10]
    assert wrap("  spaced   out  ", 30) == ["spaced out"]
    assert wrap("漢字" * 10, 10) == ["漢字漢字漢", "字漢字漢字", "漢字漢字漢", "字漢字漢字"]
    n = numbered_file(DIAGRAMS / "backup-verification.flow")
    for group in node_groups(parse_svg(chart.render_svg(n, ctx()))).values():
        for line in texts(group):
            assert len(line.strip()) <= dot.WRAP


def test_calls_link_to_the_called_procedure_page():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    root = parse_svg(chart.render_svg(n, ctx(page_suffix=".md")))
    call = node_groups(root)["7. Order parts"]
    a = call.find(".//svg:a", NS)
    assert a.get(XLINK_HREF) == "order-parts.md" and a.get("target") == "_top"


def test_links_are_clickable_and_only_safe_ones_are_emitted():
    n = numbered_text(FRONT + """\
start: Go.
step web: Read the page.
  link: https://kb.example.com/x?a=1&b=2
step rel: Read the runbook.
  link: runbooks/check list.md#step 2
step js: Do not click.
  link: javascript:alert(1)
step data: Do not click either.
  link: data:text/html,<script>alert(1)</script>
step second: The first link is unsafe, the second is fine.
  link: JaVa\tScRiPt:alert(1)
  link: mailto:desk@example.com
end done: Done.
""")
    root = parse_svg(chart.render_svg(n, ctx(link_base="../library")))
    hrefs = {title.split(".")[0]: g.find(".//svg:a", NS).get(XLINK_HREF)
             if g.find(".//svg:a", NS) is not None else None
             for title, g in node_groups(root).items() if title[0].isdigit()}
    assert hrefs == {"1": "https://kb.example.com/x?a=1&b=2",
                     "2": "../library/runbooks/check%20list.md#step%202",
                     "3": None, "4": None, "5": "mailto:desk@example.com"}


def test_warnings_are_visible_on_the_node():
    n = numbered_file(DIAGRAMS / "backup-verification.flow")
    groups = node_groups(parse_svg(chart.render_svg(n, ctx())))
    restore = groups["9. Restore the sample file to the empty test folder."]
    assert "Caution:" in texts(restore)
    assert "Never restore over the original file." in " ".join(t.strip() for t in texts(restore))
    assert restore.find("svg:polygon", NS).get("stroke") == dot.WARN_LINE
    plain = groups["8. Pick a sample file that changed since the last backup check."]
    assert plain.find("svg:polygon", NS).get("stroke") != dot.WARN_LINE


# ------------------------------------------------------------------ escaping and safety

HOSTILE_LITERALS = [
    '<script>alert(1)</script>', 'Say "hello" and \'bye\' with {braces}', '\\"escaped quote\\',
    'Backslash N \\N and L \\l and G \\G and H \\H and E \\E and T \\T and double \\\\ end',
    'Bold <b>x</b> and <i>y</i> and &amp; and &#92;N and <br/> tag',
    'node edge graph digraph subgraph strict -> -- ; [label=evil] { } node [shape=box]',
    'Watch "this" <b>carefully</b> \\N', 'onload="alert(1)" onclick=alert(2) <svg onload=alert(3)>',
    'Pick <one> or "two"?', '<yes> & "sure" \\N', 'no {way}', 'Done ]]> <![CDATA[ x ]]> --> <!-- end',
    'Lane "] ; evil [image="/etc/passwd" <b>x</b> \\N',
]


@pytest.fixture(scope="module")
def hostile():
    n = numbered_file(HERE / "hostile.flow")
    return n, dot.dot_source(n, ctx()), chart.render_svg(n, ctx())


def test_author_text_appears_literally_in_the_svg(hostile):
    _, _, svg = hostile
    root = parse_svg(svg)  # well-formed XML whatever the author wrote
    drawn = " ".join(t.strip() for t in texts(root))
    for literal in HOSTILE_LITERALS:
        assert literal in drawn, literal
    assert root[0].text == 'Hostile <script>alert("t")</script> & \\N title'
    assert root[1].text == 'Purpose with <b>bold</b> & "quotes" \\G'


def test_author_text_never_becomes_dot_syntax(hostile):
    n, source, _ = hostile
    statements = dot_statements(source)
    # Exactly the nodes and edges of the procedure, whatever the text says.
    assert sorted(names[0] for k, names, _ in statements if k == "node") == \
        sorted(dot.node_names(n).values())
    assert len([s for s in statements if s[0] == "edge"]) == len(n.edges)
    assert re.findall(r"subgraph (\S+) \{", source) == ["cluster_lane_0"]
    # Author text reaches the DOT only inside HTML strings or escaped quoted strings.
    bare = {"flowsop", "digraph", "subgraph", "graph", "node", "edge", "transparent", "true",
            "TB", "Helvetica", "box", "diamond", "filled", "_top", "back", "l", "t", "edgesfirst"}
    for kind, value in dot_tokens(source):
        if kind == "id":
            assert value in dot.ALLOWED_ATTRIBUTES | bare or re.fullmatch(
                r"n\d+|cluster_lane_\d+|-?[\d.]+", value), value


def test_only_allowlisted_attributes_are_emitted(hostile):
    sources = [hostile[1]] + [dot.dot_source(numbered_file(p), ctx())
                              for p in [*sorted(DIAGRAMS.glob("*.flow")), PARALLEL]]
    for source in sources:
        names = attribute_names(source)
        assert names <= dot.ALLOWED_ATTRIBUTES, names - dot.ALLOWED_ATTRIBUTES
    assert not dot.ALLOWED_ATTRIBUTES & dot.FORBIDDEN_ATTRIBUTES
    assert dot.FORBIDDEN_ATTRIBUTES == {"image", "shapefile", "stylesheet", "fontpath", "imagepath"}


HOSTILE_STREAMS = FRONT + """\
lane Desk "] ; rank=min [shape=box
start: Go.
parallel p: Fork <td port="x"> "] \\N & </table> ]]>
  <b>left</b> "a" -> a
  "s0:s" -> b
step a: A <br/> \\G.
  -> j
step b: B ; n0 -> n1 [image="/etc/passwd"]
join j: Join ]] <tr> & \\L
wait w: Wait for <i>it</i> "now".
  timeout: 3 days -> esc
step c: Carry on.
  when "it" <arrives> \\N -> done
step esc: Escalate.
end done: Done.
"""


def test_author_text_in_bars_waits_and_labels_stays_text():
    n = numbered_text(HOSTILE_STREAMS)
    source = dot.dot_source(n, ctx())
    statements = dot_statements(source)
    assert sorted(names[0] for k, names, _ in statements if k == "node") == \
        sorted(dot.node_names(n).values())
    assert len([s for s in statements if s[0] == "edge"]) == len(n.edges)
    assert attribute_names(source) <= dot.ALLOWED_ATTRIBUTES
    bare = {"flowsop", "digraph", "subgraph", "graph", "node", "edge", "transparent", "true",
            "TB", "Helvetica", "box", "plain", "same", "dashed", "filled", "_top", "back", "l",
            "t", "edgesfirst"}
    for kind, value in dot_tokens(source):
        if kind == "id":
            assert value in dot.ALLOWED_ATTRIBUTES | bare or re.fullmatch(
                r"n\d+|cluster_lane_\d+|-?[\d.]+", value), value
    # Ports are generated: a label that looks like one is only a label.
    ports = {v for k, _, a in statements if k == "edge"
             for key, (_, v) in a.items() if key.endswith("port")}
    assert ports == {'"s0:s"', '"s1:s"', '"bar:n"', '"bar:s"'}
    root = parse_svg(chart.render_svg(n, ctx()))
    drawn = " ".join(t.strip() for t in texts(root))
    for literal in ['Fork <td port="x"> "] \\N & </table> ]]>', "<b>left</b> \"a\"", "s0:s",
                    "Join ]] <tr> & \\L", 'Wait for <i>it</i> "now".',
                    'when "it" <arrives> \\N', 'B ; n0 -> n1 [image="/etc/passwd"]']:
        assert literal in drawn, literal


def test_the_allowlist_is_enforced_when_building():
    with pytest.raises(ValueError, match="image"):
        dot._checked({"label": "x", "image": "/etc/passwd"})


def test_no_script_no_event_handlers_no_unsafe_links(hostile):
    _, _, svg = hostile
    root = parse_svg(svg)
    for el in root.iter():
        assert el.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            assert not local.lower().startswith("on"), (el.tag, name)
            if local == "href" and not value.startswith("#"):
                assert value.startswith(("https://", "../diagrams/")), value
    assert "<script" not in svg and "javascript:" not in svg


def test_sanitize_removes_what_an_engine_should_never_write():
    raw = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
           '<g id="a" ONCLICK=\'x()\' class="node"><title>t onclick="no"</title>'
           '<a xlink:href="javascript:alert(3)" xlink:title="onmouseover=&quot;x&quot;">'
           '<text>on="fine"</text></a><a href="https://ok.example">k</a></g>'
           '<foreignObject><div/></foreignObject></svg>')
    out = svgmod.sanitize(raw)
    assert "onload" not in out and "ONCLICK" not in out and "<script" not in out
    assert "javascript" not in out and "foreignObject" not in out
    # Text and tooltips that merely mention such words are kept as they are.
    assert '<title>t onclick="no"</title>' in out and '<text>on="fine"</text>' in out
    assert 'xlink:title="onmouseover=&quot;x&quot;"' in out
    assert 'href="https://ok.example"' in out



# Tags with attributes that make them interesting or not (in both cases, after
# the whitespace `\s` accepts beyond ASCII), between text and stray brackets,
# and a character whose lower case is longer.
_ATTRS = [' id="n1"', '\xa0ID="n2"', ' href="#n1"', ' xlink:href="javascript:x()"',
          ' fill="url(#l)"', ' ONload="y()"', '\x0bonclick="z"', ' grid="1"', ' title="on"',
          "\ton='q'", ' class="node"', " id=n3", " a"]
_TEXT = ["", "x", " on", "id=", "href=", "url(#", "<", ">", "İ", "\xa0", "\n"]
_SOUP = st.lists(st.one_of(
    st.sampled_from(_TEXT),
    st.builds(lambda name, attrs, close: name + "".join(attrs) + close,
              st.sampled_from(["<g", "<a", "<svg", "<"]), st.lists(st.sampled_from(_ATTRS), max_size=4),
              st.sampled_from([">", "/>", ""]))), max_size=12).map("".join)


@settings(max_examples=2000, deadline=None)
@given(_SOUP, st.sampled_from(["p", None]))
def test_fast_tag_finding_does_what_the_one_pattern_does(text, prefix):
    # svg._fix_tags finds the tags worth a look with str.find (6x faster on a
    # 1,000-node chart); _INTERESTING_TAG states what it must find.
    by_pattern = svgmod._INTERESTING_TAG.sub(lambda m: svgmod._fix_tag(m.group(0), prefix), text)
    assert svgmod._fix_tags(text, prefix) == by_pattern


# ------------------------------------------------------------------ the SVG as a document

def test_svg_has_title_and_desc_first():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    root = parse_svg(chart.render_svg(n, ctx()))
    assert [c.tag.rsplit("}", 1)[1] for c in root[:2]] == ["title", "desc"]
    assert root[0].text == "Dispatch an on-site technician"
    assert root[1].text == ("Get the right technician to the client's site, with the right "
                            "parts, inside the SLA.")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby").split() == [root[0].get("id"), root[1].get("id")]


def test_desc_falls_back_to_a_sentence_without_purpose():
    n = numbered_text("start: Go.\nstep a: Do it.\nend e: Done.\n", "bare")
    assert dot.chart_description(n) == "Flowchart of the procedure bare, 1 steps."


def test_every_id_is_prefixed_and_every_reference_resolves():
    charts = {}
    for proc_id in ("dispatch-onsite", "backup-verification"):
        root = parse_svg(chart.render_svg(numbered_file(DIAGRAMS / f"{proc_id}.flow"), ctx()))
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert ids and all(i.startswith(f"{proc_id}-") for i in ids)
        assert len(ids) == len(set(ids))
        for el in root.iter():
            for value in el.attrib.values():
                for ref in re.findall(r"url\(#([^)]*)\)", value):
                    assert ref in ids
            href = el.get(XLINK_HREF) or el.get("href") or ""
            if href.startswith("#"):
                assert href[1:] in ids
        charts[proc_id] = set(ids)
    assert not charts["dispatch-onsite"] & charts["backup-verification"]


def test_prefix_rewrites_references_consistently():
    raw = ('<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="l_0"/></defs>'
           '<g id="node1"><a xlink:href="#node1" xlink:title="url(#kept)">'
           '<path fill="url(#l_0)"/></a></g></svg>')
    out = svgmod.postprocess(raw, prefix="p 1/x", title="T", desc="D")
    assert 'id="p_1_x-l_0"' in out and 'fill="url(#p_1_x-l_0)"' in out
    assert 'xlink:href="#p_1_x-node1"' in out and 'xlink:title="url(#kept)"' in out
    assert svgmod.safe_prefix("1abc") == "_1abc"


def test_inline_strips_the_prolog():
    n = numbered_file(DIAGRAMS / "dispatch-onsite.flow")
    assert svgmod.inline(chart.render_svg(n, ctx())).startswith("<svg ")


def test_output_is_deterministic_and_free_of_paths(tmp_path):
    text = (DIAGRAMS / "dispatch-onsite.flow").read_text(encoding="utf-8")
    outputs = []
    for folder in ("a", "b/c"):
        path = tmp_path / folder / "dispatch-onsite.flow"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        loaded = load(text, str(path), default_id="dispatch-onsite")
        n = number_procedure(loaded.procedure, loaded.graph, titles=TITLES)
        outputs.append((dot.dot_source(n, ctx()), chart.render_svg(n, ctx())))
    assert outputs[0] == outputs[1]
    for out in outputs[0]:
        assert str(tmp_path) not in out and str(Path.cwd()) not in out


# ------------------------------------------------------------------ text beyond ASCII

# Helvetica's advance widths (Adobe AFM, 1/1000 em) for the letters used
# below; accented letters are as wide as their base letter.
AFM = {"M": 833, "u": 556, "l": 222, "e": 556, "r": 333, " ": 278, "&": 667, "S": 667,
       "o": 556, "h": 556, "n": 556, "f": 278, "t": 278, "d": 556, "a": 556, "s": 500,
       "C": 722, "O": 778, "U": 722, "A": 667, "E": 667, "R": 722, "I": 278, "H": 722,
       "B": 667, "G": 778, "N": 722, "T": 611, "1": 556, ".": 278}
ACCENTS = str.maketrans("üöéÖÜÄÉ", "uoeOUAE")


def afm_width(text: str, size: float) -> float:
    return sum(AFM[c] for c in text.translate(ACCENTS)) * size / 1000


GERMAN = FRONT + """\
lane Müller & Söhne
start: Müller & Söhne öffnet das Café
step caps: ÖSTERREICHISCHE ÄMTER ÜBERGEBEN
end done: Das Café ist geöffnet.
"""


def test_accented_text_renders_in_boxes_that_fit_it():
    n = numbered_text(GERMAN, "german")
    root = parse_svg(chart.render_svg(n, ctx()))
    groups = node_groups(root)
    start = groups["Müller & Söhne öffnet das Café"]
    assert texts(start) == ["START", "Müller & Söhne öffnet das Café"]
    assert box_width(start) >= afm_width("Müller & Söhne öffnet das Café", dot.FONT_SIZE)
    caps = groups["1. ÖSTERREICHISCHE ÄMTER ÜBERGEBEN"]
    lines = [t.strip() for t in texts(caps)]
    assert " ".join(lines) == "1. ÖSTERREICHISCHE ÄMTER ÜBERGEBEN"
    widest = max(afm_width(line, dot.FONT_SIZE) for line in lines)
    assert box_width(caps) >= widest
    assert check_text_support(n) == []


def test_the_engine_alone_would_draw_such_boxes_too_narrow():
    """Why dot.py widens labels: graphviz-pure counts a non-ASCII character's
    bytes as spaces. If the engine learns better, the widening can go."""
    from flowsop.render.engine import layout

    text = "ÖÖÖÖÖÖÖÖÖÖ ÜÜÜÜÜÜÜÜ"
    raw = layout(f'digraph {{ node [shape=box fontname=Helvetica fontsize=12 margin=0] '
                 f'a [label="{text}"] }}', "svg").decode()
    group = node_groups(parse_svg(raw))["a"]
    assert box_width(group) < afm_width(text, 12)


def check_text_support(n):
    return dot.check_text_support(n, "graphviz-pure")


def test_scripts_the_engine_cannot_draw_get_a_warning(monkeypatch):
    n = numbered_text(FRONT + "start: Go.\nstep a: 发票を確認する。\nstep b: ⚠ Careful.\n"
                      "end e: Done.\n", "cjk")
    monkeypatch.setattr("flowsop.render.engine.system_dot_available", lambda: False)
    [warning] = check_text_support(n)
    assert warning.line == n.item("a").line
    assert "cannot draw 9 characters" in warning.message and "empty boxes" in warning.message
    assert "(发票を確認する。⚠)" in warning.message
    assert "--engine dot" in warning.hint
    assert dot.choose_engine(n, "graphviz-pure") == "graphviz-pure"
    monkeypatch.setattr("flowsop.render.engine.system_dot_available", lambda: True)
    assert dot.choose_engine(n, "graphviz-pure") == "dot"
    assert "system Graphviz" in check_text_support(n)[0].hint
    assert dot.check_text_support(n, "dot") == []
    # Greek, Cyrillic and Hebrew are drawn by the bundled fonts.
    other = numbered_text(FRONT + "start: Go.\nstep a: Ωμέγα Привет שלום.\nend e: Done.\n")
    assert check_text_support(other) == []


def test_cjk_boxes_are_widened_to_fit():
    n = numbered_text(FRONT + "start: Go.\nstep a: 请检查发票\nend e: Done.\n", "cjk")
    group = node_groups(parse_svg(chart.render_svg(n, ctx())))["1. 请检查发票"]
    assert box_width(group) >= (2 * 556 + 278 + 5 * 1000) * dot.FONT_SIZE / 1000


# ------------------------------------------------------------------ size

def _steps(count: int) -> str:
    return "start: Go.\n" + "".join(f"step s{i}: Do thing {i}.\n" for i in range(count)) \
        + "end e: Done.\n"


def test_too_large_past_two_thousand_nodes():
    assert not dot.too_large(numbered_text(_steps(dot.MAX_NODES - 2)))
    assert dot.too_large(numbered_text(_steps(dot.MAX_NODES - 1)))


# ------------------------------------------------------------------ any text at all

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from flowsop.core.urls import is_safe_link  # noqa: E402
from flowsop.model import Meta  # noqa: E402
from flowsop.procedure import Item, Next, NumberedProcedure, Segment  # noqa: E402

TEXT = st.lists(st.characters(blacklist_categories=("Cs",)) | st.sampled_from(
    list('<>&"\'\\{}[];=-#%Nl: ') + ["\\N", "-->", "]]>", "<b>", "&amp;", "javascript:"]),
    min_size=1, max_size=25).map("".join)


def _procedure(texts: list[str], lane: str, label: str, link: str, title: str):
    """Built directly, not parsed: the renderer must cope with any string."""
    def item(node_id, kind, number, text, **kw):
        return Item(node_id, f"step-{node_id}", kind, number, text, (Segment(text),), lane, **kw)

    items = (item("s", "start", None, texts[0]),
             item("a", "step", 1, texts[1], links=(link,), warnings=(texts[4],)),
             item("d", "decide", 2, texts[2],
                  next=(Next(label, "a", 1, "step", "go to step 1"),)),
             item("c", "call", 3, texts[3], call_id=texts[3], call_title=title),
             item("e", "end", None, texts[4]))
    edges = (("s", "a", None), ("a", "d", None), ("d", "a", label), ("d", "c", "other"),
             ("c", "e", None))
    return NumberedProcedure(id=title, title=title, meta=Meta(purpose=texts[0]), path="x.flow",
                             items=items, lanes=(lane,), next_review=None, edges=edges)


def _printable(text: str) -> str:
    return "".join(c for c in text if c.isprintable() and not c.isspace())


def _in_order(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(TEXT, min_size=5, max_size=5), lane=TEXT, label=TEXT, link=TEXT,
       title=TEXT)
def test_any_text_renders_literally_and_safely(words, lane, label, link, title):
    n = _procedure(words, lane, label, link, title)
    source = dot.dot_source(n, ctx())
    assert attribute_names(source) <= dot.ALLOWED_ATTRIBUTES
    svg = chart.render_svg(n, ctx())
    root = parse_svg(svg)  # well-formed XML
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert len([g for g in groups if g.get("class") == "node"]) == 5
    assert len([g for g in groups if g.get("class") == "edge"]) == 5
    assert len([g for g in groups if g.get("class") == "cluster"]) == 1
    drawn = _printable(" ".join(texts(root)))
    for text in [lane, label, *words[:3], words[4]]:
        assert _in_order(_printable(text), drawn), text
    for el in root.iter():
        assert el.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject")
        for name, value in el.attrib.items():
            assert not name.rsplit("}", 1)[-1].lower().startswith("on")
            if name.endswith("href") and not value.startswith("#"):
                assert is_safe_link(value), value
