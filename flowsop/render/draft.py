"""Render stage, draft charts: a procedure with errors, drawn anyway and marked.

``flowsop render`` (and ``flowsop build --draft``) draw a procedure that
parses even when its checks found errors, so that the author can see what is
wrong. This module says where each error is (``locate``: the node whose lines
hold it) and marks the chart (``mark_dot``): it does not change how
``dot.py`` draws a node, it adds to the DOT text that ``dot.py`` wrote.
Graphviz merges the attributes of a node declared again later in the graph,
so a line ``n3 [color=… penwidth=…]`` before the final ``}`` outlines node
``n3`` in red; a graph ``label`` at the top says that the chart has errors and
lists the first few.

Safety, as in ``dot.py``: DOT node names come from ``dot.node_names`` (never
from author text); the messages, which quote the author's IDs and text, reach
the DOT only inside an HTML-like label built by ``dot._html_label`` (XML
escaped, backslashes doubled) or a tooltip through ``graphviz.escape``; every
attribute written is in ``dot.ALLOWED_ATTRIBUTES``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterable

import graphviz

from ..diagnostics import FILE_START, Diagnostic
from ..model import Procedure
from ..procedure import NumberedProcedure
from . import RenderContext
from .dot import ALLOWED_ATTRIBUTES, FONT_SIZE, SMALL_SIZE, TOOLTIP_BACKSLASH, node_names
from .dot import _html_label, _plain  # the label escaping dot.py uses, shared on purpose
from .textmetrics import Line, wrap

#: The outline of a node with errors: a red that no kind of node is drawn in,
#: wider than a warning's amber outline (2.4).
DEFECT_LINE = "#b91c1c"
DEFECT_FILL = "#fef2f2"
DEFECT_INK = "#991b1b"
DEFECT_WIDTH = "3"
#: Shapes that draw no outline (a parallel's or a join's bar is a table in a
#: ``plain`` node): a node with errors gets a box around it to carry the red.
UNOUTLINED = frozenset({"plain", "plaintext", "none"})
#: How many messages the chart's note lists; the rest are counted.
NOTE_LIMIT = 5
NOTE_WRAP = 64


def locate(procedure: Procedure, diagnostics: Iterable[Diagnostic]
           ) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The errors among ``diagnostics``: (node ID → its messages, every message).

    A node's lines are its keyword's line and the lines under it (attributes,
    arrows, comments) up to the next node or lane line. An error on the title
    page, on a lane line, at the very start of the file (1:1, where rules
    report what concerns the whole file: no start, no end) or in a file whose
    body could not be found belongs to no node: it is in the note only.
    Messages read "line 15 (step 4): …", in the order of the diagnostics."""
    marks = sorted([(n.span.line, n) for n in procedure.nodes]
                   + [(lane.span.line, None) for lane in procedure.lanes],
                   key=lambda m: m[0])
    lines = [line for line, _ in marks]
    defects: dict[str, list[str]] = {}
    problems = []
    for d in diagnostics:
        if d.severity.value != "error":
            continue
        node = None
        if procedure.body_found and (d.line, d.column) != (FILE_START.line, FILE_START.column):
            at = bisect_right(lines, d.line) - 1
            node = marks[at][1] if at >= 0 else None
        where = f"line {d.line}" + (f" ({_node_name(node)})" if node is not None else "")
        message = f"{where}: {d.message}"
        problems.append(message)
        if node is not None:  # a duplicate ID's errors go to the one node drawn for it
            defects.setdefault(node.id, []).append(message)
    return {k: tuple(v) for k, v in defects.items()}, tuple(problems)


def _node_name(node) -> str:
    if node.number is not None:
        return f"step {node.number}"
    return "the start" if node.info.entry else "an end" if node.info.terminal else node.kind


def mark_dot(dot: str, numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """``dot`` (the DOT text of ``dot.dot_source(numbered, ctx)``) with the
    draft's marks: each node of ``ctx.defects`` outlined in red, and the note."""
    end = dot.rstrip().rfind("}")
    if end < 0:  # not a graph dot.py wrote: leave it alone
        return dot
    names = node_names(numbered)
    # Statements written by the graphviz package, which quotes the values
    # exactly as it does for dot.py: a throwaway graph, only its body is kept.
    g = graphviz.Digraph()
    starts = _declarations(dot)
    for item in numbered.items:
        messages = ctx.defects.get(item.id)
        if not messages or item.id not in names:
            continue
        tip = _plain("\n".join(["Error: " + m for m in messages])).replace("\\", TOOLTIP_BACKSLASH)
        attrs = {"color": DEFECT_LINE, "fillcolor": DEFECT_FILL, "penwidth": DEFECT_WIDTH,
                 "tooltip": graphviz.escape(tip)}
        shape = declared_attrs(dot, names[item.id], starts).get("shape", "").strip('"')
        if shape in UNOUTLINED:
            # Unfilled: the edges meet the bar inside the box, drawn before the nodes.
            attrs.update(shape="box", style="rounded")
        attrs = _checked(attrs)
        g.node(names[item.id], **attrs)
        del names[item.id]  # a duplicate ID is one DOT node, marked once
    g.attr("graph", **_checked({"label": note_label(ctx), "labelloc": "t", "labeljust": "l"}))
    return dot[:end] + "".join(g.body) + dot[end:]


_NODE_STATEMENT = re.compile(r"^\t+(n\d+) \[", re.M)


def _declarations(dot: str) -> dict[str, int]:
    """DOT node name → where the attributes of its first statement begin."""
    out: dict[str, int] = {}
    for m in _NODE_STATEMENT.finditer(dot):
        out.setdefault(m.group(1), m.end())
    return out


def declared_attrs(dot: str, name: str, starts: dict[str, int] | None = None
                   ) -> dict[str, str]:
    """The attributes of the first statement declaring node ``name`` in
    ``dot``, values as written (``<…>`` labels, quoted strings, words); {} if
    there is none. ``starts`` is ``_declarations(dot)``, when it is at hand.
    Reads the DOT the graphviz package writes: author text inside a label
    never holds a raw "<" or ">", nor inside quotes a raw '"'."""
    i = (starts if starts is not None else _declarations(dot)).get(name)
    if i is None:
        return {}
    out, n = {}, len(dot)
    try:
        while True:
            while dot[i] in " \t\n":
                i += 1
            key = re.match(r"[A-Za-z_]\w*", dot[i:i + 64])
            if dot[i] == "]" or not key or dot[i + len(key.group())] != "=":
                return out
            i += len(key.group()) + 1
            start = i
            if dot[i] == "<":
                depth = 0
                while True:
                    depth += {"<": 1, ">": -1}.get(dot[i], 0)
                    i += 1
                    if depth == 0:
                        break
            elif dot[i] == '"':
                i += 1
                while dot[i] != '"':
                    i += 2 if dot[i] == "\\" else 1
                i += 1
            else:
                while i < n and dot[i] not in " \t\n]":
                    i += 1
            out[key.group()] = dot[start:i]
    except IndexError:  # an unfinished statement: what was read
        return out


def note_lines(ctx: RenderContext) -> list[str]:
    """The note's text, line by line (unwrapped): what the chart says about its errors."""
    count = len(ctx.problems)
    head = f"Has errors: {count} problem{'s' * (count != 1)}."
    if ctx.defects:
        say = "Nodes outlined in red have errors; this chart is a draft."
    else:
        say = "The errors are on the title page or in the file as a whole; this chart is a draft."
    shown = [f"• {m}" for m in ctx.problems[:NOTE_LIMIT]]
    if count > NOTE_LIMIT:
        shown.append(f"… and {count - NOTE_LIMIT} more: run flowsop check for the list.")
    return [head, say, *shown]


def note_label(ctx: RenderContext) -> str:
    """The note as an HTML-like label: a pale red box with a red border."""
    head, say, *shown = note_lines(ctx)
    lines = [Line(((head, True),), FONT_SIZE + 1, DEFECT_INK)]
    lines += [Line(((text, False),), FONT_SIZE, DEFECT_INK) for text in wrap(_plain(say), NOTE_WRAP)]
    for entry in shown:
        for n, text in enumerate(wrap(_plain(entry), NOTE_WRAP)):
            lines.append(Line(((text if n == 0 else "   " + text, False),), SMALL_SIZE + 1))
    label = _html_label(lines)
    # dot._html_label gives "<BODY>" or "<<table …>…</table>>"; put it in a
    # bordered cell of our own (table markup only, no author text added).
    body = label[1:-1]
    return (f'<<table border="1" color="{DEFECT_LINE}" cellborder="0" cellspacing="0" '
            f'cellpadding="8" bgcolor="{DEFECT_FILL}"><tr><td align="left" '
            f'balign="left">{body}</td></tr></table>>')


def _checked(attrs: dict[str, str]) -> dict[str, str]:
    bad = set(attrs) - ALLOWED_ATTRIBUTES
    if bad:  # a programming error: fail loudly in tests
        raise ValueError(f"Graphviz attribute(s) not in the allowlist: {sorted(bad)}")
    return attrs


__all__ = ["locate", "mark_dot", "declared_attrs", "note_lines", "note_label", "DEFECT_LINE",
           "NOTE_LIMIT"]
