"""Render stage, flowchart back end: NumberedProcedure → DOT text.

Reads only the renderer-neutral ``NumberedProcedure`` (so the chart shows the
same numbers as the written SOP) and a ``RenderContext``; ``chart`` has
the engine lay the DOT out into SVG/PNG/PDF and ``svg`` finish the SVG.

Shapes: a kind's shape is a row of ``KIND_STYLES``; a parallel and a join
(``Kind.streams``/``Kind.joins``) are drawn as fork/join bars, a thick flat
bar with the step beside it, whose streams leave side by side from ports of
their own; a wait has a double rounded border and the word WAIT, and its
timeout (``edge_roles`` "timeout") is a dashed edge labelled "after …".

Safety: DOT node, cluster and port names are generated (``n3``,
``cluster_lane_1``, ``s0``), never taken from author text; author text only
ever reaches the DOT inside HTML-like labels (XML-escaped, backslashes
doubled so ``\\N`` stays literal) or through ``graphviz.escape``; only
attributes in ``ALLOWED_ATTRIBUTES`` are emitted; only links that pass
``is_safe_link`` become clickable.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import graphviz

from ..core.urls import is_safe_link
from ..procedure import Item, NumberedProcedure
from . import RenderContext
from .links import page_href, rewrite_link, url_quote
from .textmetrics import (Line, TextWarning, check_text_support, choose_engine, engine_width,
                          text_width, wrap)

__all__ = ["dot_source", "too_large", "check_text_support",
           "choose_engine", "TextWarning", "node_link", "svg_titles", "chart_description",
           "ALLOWED_ATTRIBUTES", "MAX_NODES"]

#: Past this many nodes the layout takes minutes: warn and refuse without --force.
MAX_NODES = 2000
WRAP = 30           # characters per line in a node (East Asian wide count twice)
DIAMOND_WRAP = 24   # narrower in a diamond, which grows with the square of its text
EDGE_WRAP = 18      # characters per line of a branch label
LANE_WRAP = 40      # characters per line of a lane's title
#: Shown for "\\" in tooltips (see _node_attrs): REVERSE SOLIDUS OPERATOR.
TOOLTIP_BACKSLASH = "\u29f5"
FONT = "Helvetica"  # sized by graphviz-pure with Helvetica's metrics, drawn with Arimo
FONT_SIZE = 12
SMALL_SIZE = 10

#: The only Graphviz attributes this module ever writes (a test checks the DOT).
#: Never ``image``, ``shapefile``, ``stylesheet``, ``fontpath`` or ``imagepath``:
#: they make the engine read files.
ALLOWED_ATTRIBUTES = frozenset({
    # graph and clusters
    "rankdir", "bgcolor", "pad", "nodesep", "ranksep", "newrank", "outputorder",
    "fontname", "fontsize", "fontcolor", "label", "labeljust", "labelloc",
    "style", "color", "fillcolor", "pencolor", "penwidth", "margin",
    # nodes
    "shape", "peripheries", "URL", "target", "tooltip",
    # stream heads of a parallel on one rank
    "rank",
    # edges
    "arrowsize", "weight", "dir", "headlabel", "labeldistance", "labelangle",
    "tailport", "headport",
})
FORBIDDEN_ATTRIBUTES = frozenset({"image", "shapefile", "stylesheet", "fontpath", "imagepath"})

# A calm palette: dark strokes and text on light fills, so every label keeps
# its contrast whatever the page behind the (transparent) chart; the only ink
# drawn straight on the page is the edges, in a mid slate that reads on white
# and on dark themes alike.
INK = "#1e293b"
MUTED = "#475569"
EDGE = "#64748b"
LANE_FILL = "#f1f5f9"
LANE_LINE = "#94a3b8"
WARN_LINE = "#b45309"
WARN_INK = "#92400e"
LINK_INK = "#1d4ed8"


@dataclass(frozen=True)
class KindStyle:
    shape: str
    style: str
    fill: str
    line: str
    peripheries: int = 1


KIND_STYLES: dict[str, KindStyle] = {
    "start": KindStyle("box", "rounded,filled", "#dcfce7", "#15803d"),
    "step": KindStyle("box", "filled", "#ffffff", "#334155"),
    "decide": KindStyle("diamond", "filled", "#e0f2fe", "#0369a1"),
    "call": KindStyle("box", "filled", "#ffffff", "#334155", peripheries=2),
    "end": KindStyle("box", "rounded,filled", "#ede9fe", "#6d28d9"),
    # A wait: the double ring of an intermediate event, as a box that holds text.
    "wait": KindStyle("box", "rounded,filled", "#ccfbf1", "#0f766e", peripheries=2),
    # A parallel and a join are bars (see _bar_label): the shape holds no outline.
    "parallel": KindStyle("plain", "", INK, INK),
    "join": KindStyle("plain", "", INK, INK),
}

#: A word above the text, for kinds whose shape not every reader knows.
TERMINAL_WORDS = {"start": "START", "end": "END", "wait": "WAIT"}
BAR_WIDTH = 150     # points: the fork/join bar, split into one cell per stream
BAR_HEIGHT = 5

GRAPH_ATTRS = {
    "rankdir": "TB", "bgcolor": "transparent", "pad": "0.2", "nodesep": "0.35",
    "ranksep": "0.45", "newrank": "true", "outputorder": "edgesfirst",
    "fontname": FONT, "fontsize": str(FONT_SIZE), "fontcolor": INK,
}
NODE_ATTRS = {"fontname": FONT, "fontsize": str(FONT_SIZE), "fontcolor": INK,
              "penwidth": "1.4", "margin": "0.14,0.07"}
EDGE_ATTRS = {"fontname": FONT, "fontsize": str(SMALL_SIZE), "fontcolor": INK,
              "color": EDGE, "penwidth": "1.3", "arrowsize": "0.8"}


def dot_source(numbered: NumberedProcedure, ctx: RenderContext | None = None) -> str:
    """The flowchart of ``numbered`` as DOT text (deterministic)."""
    ctx = ctx or RenderContext()
    g = graphviz.Digraph("flowsop")
    g.attr("graph", **_checked(GRAPH_ATTRS))
    g.attr("node", **_checked(NODE_ATTRS))
    g.attr("edge", **_checked(EDGE_ATTRS))
    names = node_names(numbered)

    def streams(item: Item) -> int:
        return len(_stream_targets(numbered, item.id)) if item.info.streams else 0

    by_lane: dict[str | None, list[Item]] = {}
    for item in numbered.items:
        by_lane.setdefault(item.lane, []).append(item)
    for item in by_lane.get(None, []):
        g.node(names[item.id], **_node_attrs(item, ctx, streams(item)))
    for index, lane in enumerate(numbered.lanes):
        with g.subgraph(name=cluster_name(index)) as sub:
            sub.attr("graph", **_checked({
                "label": _html_label([Line(((text, True),), FONT_SIZE + 1)
                                      for text in wrap(_plain(lane), LANE_WRAP)]),
                "labeljust": "l", "labelloc": "t", "style": "rounded,filled",
                "fillcolor": LANE_FILL, "color": LANE_LINE, "penwidth": "1.2",
                "margin": "12"}))
            for item in by_lane.get(lane, []):
                sub.node(names[item.id], **_node_attrs(item, ctx, streams(item)))
    for heads in _stream_heads(numbered):
        # The streams begin side by side: their first nodes on one rank.
        with g.subgraph() as same:
            same.attr("graph", **_checked({"rank": "same"}))
            for node_id in heads:
                same.node(names[node_id])
    ports = bar_ports(numbered)
    for tail, head, source, target, label in dot_edges(numbered):
        g.edge(tail, head, **_edge_attrs(numbered, source, target, label,
                                         reverse=tail != names[source], ports=ports))
    return g.source


def dot_edges(numbered: NumberedProcedure):
    """(tail, head, source id, target id, label) for each edge, as written to
    the DOT. An edge back to an earlier node (a loop: "go to step 4") is
    written reversed and drawn with its arrow at the tail, so that Graphviz
    ranks the nodes in file order and the chart reads top-down in step order."""
    names = node_names(numbered)
    order = {item.id: i for i, item in enumerate(numbered.items)}
    for source, target, label in numbered.edges:
        if source not in names or target not in names:
            continue
        if order[target] < order[source]:
            yield names[target], names[source], source, target, label
        else:
            yield names[source], names[target], source, target, label


def bar_ports(numbered: NumberedProcedure) -> dict[tuple[str, str], str]:
    """(source id, target id) → the port of a parallel's bar its stream leaves
    from (``s0``, ``s1``… left to right in file order). The names are
    generated; every other edge meets a bar at its whole port, ``bar``."""
    out: dict[tuple[str, str], str] = {}
    for item in numbered.items:
        if item.info.streams:
            for index, target in enumerate(_stream_targets(numbered, item.id)):
                out[(item.id, target)] = f"s{index}"
    return out


def node_names(numbered: NumberedProcedure) -> dict[str, str]:
    """Node ID → DOT node name: generated from file order, never author text."""
    return {item.id: f"n{index}" for index, item in enumerate(numbered.items)}


def cluster_name(lane_index: int) -> str:
    return f"cluster_lane_{lane_index}"


def svg_titles(numbered: NumberedProcedure) -> dict[str, str]:
    """DOT name → readable text, for the SVG's per-element ``<title>`` (which
    browsers show on hover): the node's label, "4 → 5" for an edge, the role
    for a lane, the procedure's title for the graph."""
    names = node_names(numbered)
    out = {"flowsop": numbered.title}
    for item in numbered.items:
        out[names[item.id]] = _plain(item.label)
    for index, lane in enumerate(numbered.lanes):
        out[cluster_name(index)] = _plain(lane)
    for tail, head, source, target, label in dot_edges(numbered):
        text = f"{_short(numbered.item(source))} → {_short(numbered.item(target))}"
        text += f" ({_plain(label)})" if label else ""
        key = f"{tail}->{head}"
        # A loop back to the node just before a decision gives two edges
        # between one pair of DOT nodes, and the engine names both alike.
        out[key] = f"{out[key]}; {text}" if key in out else text
    return out


def chart_description(numbered: NumberedProcedure) -> str:
    """The SVG's ``<desc>``: the purpose, else a sentence about the chart."""
    purpose = (numbered.meta.purpose or "").strip()
    if purpose:
        return purpose
    return f"Flowchart of the procedure {numbered.title}, {len(numbered.steps)} steps."


def too_large(numbered: NumberedProcedure) -> bool:
    """More nodes than the layout handles in reasonable time (it grows roughly
    with the square of the size): the CLI warns and refuses without --force."""
    return len(numbered.items) > MAX_NODES


def node_link(item: Item, ctx: RenderContext) -> str | None:
    """Where a click on the node leads: the called procedure's page for a
    call, else its first safe ``link``, rewritten to work from the output
    folder exactly as the written SOP does (``render.links``). Unsafe links
    are never emitted."""
    if item.info.calls and item.call_id:
        return page_href(item.call_id, ctx.page_suffix)
    for link in item.links:
        href = rewrite_link(_plain(link).replace("\n", ""), ctx.link_base)
        if href is not None and is_safe_link(href):
            # graphviz-pure copies a URL into the SVG without escaping "&"
            # (dot escapes it): written as an entity, both engines give valid XML.
            return url_quote(href).replace("&", "&amp;")
    return None


# ---------------------------------------------------------------- helpers

def _checked(attrs: dict[str, str]) -> dict[str, str]:
    bad = set(attrs) - ALLOWED_ATTRIBUTES
    if bad:  # a programming error, not an author's: fail loudly in tests
        raise ValueError(f"Graphviz attribute(s) not in the allowlist: {sorted(bad)}")
    return attrs


def _is_bar(item: Item) -> bool:
    return item.info.streams or item.info.joins


def _stream_targets(numbered: NumberedProcedure, node_id: str) -> list[str]:
    return [t for s, t, _ in numbered.edges
            if s == node_id and numbered.edge_roles.get((s, t)) == "stream"]


def _stream_heads(numbered: NumberedProcedure) -> list[list[str]]:
    """For each parallel, the first nodes of its streams, when there are two
    or more and all lie below it in the file (a stream back up is a loop,
    drawn reversed, and cannot share a rank with the others)."""
    order = {item.id: i for i, item in enumerate(numbered.items)}
    out = []
    for item in numbered.items:
        if item.info.streams:
            heads = [t for t in _stream_targets(numbered, item.id) if t in order]
            if len(heads) >= 2 and all(order[t] > order[item.id] for t in heads):
                out.append(heads)
    return out


def _bar_label(lines: list[Line], streams: int, color: str) -> str:
    """A fork/join bar with the step beside it, as one HTML-like table: the
    bar (port ``bar``, split into one cell per stream, ports ``s0``…) sits
    in the middle row of the left column, so arrows meet the bar itself;
    the text spans the rows on its right."""
    cells = max(1, streams)
    width = BAR_WIDTH // cells
    bar = "".join(f'<td port="s{i}" width="{width}" height="{BAR_HEIGHT}" bgcolor="{color}"></td>'
                  for i in range(cells))
    text = _html_label(lines)[1:-1]
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
            f'<tr><td></td><td rowspan="3" cellpadding="5" align="left" bgcolor="#ffffff">{text}</td></tr>'
            '<tr><td port="bar"><table border="0" cellborder="0" cellspacing="0" '
            f'cellpadding="0"><tr>{bar}</tr></table></td></tr>'
            '<tr><td></td></tr></table>>')


def _node_attrs(item: Item, ctx: RenderContext, streams: int = 0) -> dict[str, str]:
    style = KIND_STYLES.get(item.kind, KIND_STYLES["step"])
    lines = _main_lines(item)
    if item.kind in TERMINAL_WORDS:  # say it in words too: not every reader knows the shapes
        lines.insert(0, Line(((TERMINAL_WORDS[item.kind], True),), SMALL_SIZE, style.line))
    for warning in item.warnings:
        lines += _wrapped(f"Caution: {warning}", WRAP, FONT_SIZE - 1, WARN_INK, bold_prefix=1)
    url = node_link(item, ctx)
    caption = _caption(item, url)
    if caption:
        lines.append(Line(((caption, False),), SMALL_SIZE, LINK_INK if url else MUTED))
    if _is_bar(item):
        # No outline to dash or colour: the bar itself pales when unreachable,
        # and a caution is the coloured text beside it.
        attrs = {"label": _bar_label(lines, streams, INK if item.reachable else LANE_LINE),
                 "shape": style.shape}
    else:
        attrs = {"label": _html_label(lines), "shape": style.shape, "fillcolor": style.fill,
                 "color": style.line,
                 "style": style.style + ("" if item.reachable else ",dashed")}
        if style.peripheries != 1:
            attrs["peripheries"] = str(style.peripheries)
        if item.warnings:
            attrs.update(color=WARN_LINE, penwidth="2.4", fillcolor="#fffbeb")
    tips = [*item.notes] + ([url] if url else [])
    if url or item.notes:
        # A tooltip is a quoted string, not an HTML label, and graphviz-pure
        # expands "\\G", "\\N", "\\L" there even when escaped (the graph's
        # name, the node's, its label's source): a look-alike keeps it text.
        tip = _plain("\n".join([item.label, *tips])).replace("\\", TOOLTIP_BACKSLASH)
        attrs["tooltip"] = graphviz.escape(tip)
    if url:
        attrs["URL"] = graphviz.escape(url)
        attrs["target"] = "_top"
    return _checked(attrs)


def _main_lines(item: Item) -> list[Line]:
    text = (item.call_title or item.call_id or "") if item.info.calls else item.text
    width = DIAMOND_WRAP if item.kind == "decide" else WRAP
    if item.number is None:
        return _wrapped(text, width, FONT_SIZE)
    return _wrapped(f"{item.number}. {text}", width, FONT_SIZE, bold_prefix=1)


def _caption(item: Item, url: str | None) -> str | None:
    """A small line under the text: the called procedure, the link's host,
    the duration."""
    parts = []
    if item.info.calls and item.call_id:
        parts.append(f"procedure {item.call_id}")
    elif url:
        parts.append(_link_hint(url))
    if item.duration and item.minutes is not None:
        parts.append(item.duration.strip())
    return _plain(" · ".join(parts)) if parts else None


def _link_hint(url: str) -> str:
    """A short, readable name for where a link goes: its host or file name."""
    parts = urlsplit(unquote(url))
    if parts.scheme == "mailto":
        return "» " + parts.path[:28]
    if parts.netloc:
        return "» " + parts.netloc[:28]
    name = posixpath.basename(parts.path.rstrip("/")) or parts.path
    return "» " + name[:28]


def _wrapped(text: str, width: int, size: int, color: str | None = None,
             bold_prefix: int = 0) -> list[Line]:
    """Wrap ``text``; the first ``bold_prefix`` words of its first line are bold."""
    out = []
    for n, line in enumerate(wrap(_plain(text), width)):
        if n == 0 and bold_prefix:
            words = line.split(" ")
            head, tail = " ".join(words[:bold_prefix]), " ".join(words[bold_prefix:])
            runs = ((head, True),) + (((" " + tail, False),) if tail else ())
        else:
            runs = ((line, False),)
        out.append(Line(runs, size, color))
    return out


def _edge_attrs(numbered: NumberedProcedure, source: str, target: str,
                label: str | None, reverse: bool,
                ports: dict[tuple[str, str], str] | None = None) -> dict[str, str]:
    attrs: dict[str, str] = {}
    role = numbered.edge_roles.get((source, target))
    if label:
        lines = [Line(((text, False),), SMALL_SIZE) for text in wrap(_plain(label), EDGE_WRAP)]
        # The label sits on a white chip: readable over edges and on dark pages.
        html_label = _html_label(lines, chip=True, base_size=SMALL_SIZE)
        if reverse:
            # A loop's mid-edge label can land under a node it passes (seen
            # with graphviz-pure and newrank): put it where the branch leaves
            # the decision, which is the head of the reversed edge.
            attrs.update(headlabel=html_label, labeldistance="2", labelangle="30")
        else:
            attrs["label"] = html_label
    src, tgt = numbered.item(source), numbered.item(target)
    # An edge meets a bar at the bar (never at the text beside it): leaving
    # from below the DOT tail, arriving on top of the DOT head; a stream from
    # its own cell, so that the streams leave side by side.
    tail, head = (tgt, src) if reverse else (src, tgt)
    port = (ports or {}).get((source, target), "bar")
    if _is_bar(tail):
        attrs["tailport"] = f"{port if tail is src else 'bar'}:s"
    if _is_bar(head):
        attrs["headport"] = f"{port if head is src else 'bar'}:n"
    if role == "timeout":
        attrs["style"] = "dashed"  # the way out when the awaited event does not come
    if reverse:
        attrs["dir"] = "back"  # written reversed by dot_edges
    elif src.lane == tgt.lane and role is None and not src.info.fans_out:
        attrs["weight"] = "3"  # keep the plain flow inside a lane straight
    return _checked(attrs)


def _html_label(lines: list[Line], chip: bool = False, base_size: int = FONT_SIZE) -> str:
    """An HTML-like label from lines of text runs. Author text is escaped;
    where the engine would size a line too narrow (non-ASCII text), the
    label is wrapped in a table cell of our own estimated width."""
    body = "<br/>".join(_html_line(line, base_size) for line in lines)
    need = guess = 0.0
    if not all(line.text.isascii() for line in lines):  # the engine sizes ASCII right
        need = max(text_width(line) for line in lines)
        guess = max(engine_width(line) for line in lines)
    if chip:
        return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="2" '
                f'bgcolor="white"><tr><td{_width(need, guess)}>{body}</td></tr></table>>')
    if need > guess + 0.5:
        return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
                f'<tr><td{_width(need, guess)}>{body}</td></tr></table>>')
    return f"<{body}>"


def _width(need: float, guess: float) -> str:
    return f' width="{math.ceil(need) + 1}"' if need > guess + 0.5 else ""


def _html_line(line: Line, base_size: int) -> str:
    # Graphviz refuses an empty <b></b> or <font></font>: empty runs are left out.
    runs = "".join(f"<b>{_esc(t)}</b>" if bold else _esc(t) for t, bold in line.runs if t)
    if not runs:
        return ""
    attrs = ""
    if line.size != base_size:
        attrs += f' point-size="{line.size}"'
    if line.color:
        attrs += f' color="{line.color}"'
    return f"<font{attrs}>{runs}</font>" if attrs else runs


def _esc(text: str) -> str:
    """Author text inside an HTML-like label: XML-escaped, and backslashes
    doubled, since Graphviz expands ``\\N``, ``\\G``… even inside HTML labels.
    Brackets become character references: Graphviz 2.43's HTML-label parser
    fails on "<b>]</b>"."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;").replace("\\", "\\\\")
            .replace("[", "&#91;").replace("]", "&#93;"))


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _plain(text: str) -> str:
    """Text without the characters XML cannot carry (control characters)."""
    return _UNPRINTABLE.sub("", text.replace("\t", " "))


def _short(item: Item) -> str:
    if item.number is not None:
        return str(item.number)
    return "start" if item.info.entry else "end"
