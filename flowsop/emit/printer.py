"""The model → ``.flow`` text: the one canonical layout an author would write.

Used by ``flowsop new`` (and later by ``flowsop fmt`` and the importers). The
contract: every line printed reads back, through the parser, as the same line
record, so ``parse(print(model))`` equals ``model`` up to spans, for every
model the parser can hold.

The layout:

- the title page between two ``---`` lines, keys in the schema's order, every
  value written as the YAML that reads back (with PyYAML's BaseLoader, as the
  parser reads it) to the same string: plain where plain is safe, quoted only
  when needed, a ``|-`` block for text with line breaks; then one blank line;
- the body: ``lane NAME`` lines, with a blank line before every lane that does
  not open the body; a node as ``KIND ID: TEXT`` (``KIND: TEXT`` for a
  generated ID), then, indented two spaces, its attributes in the order
  written, its branches ``LABEL -> TARGET`` and its ``-> TARGET``. Kinds and
  attribute keys are printed as they are, so new kinds need no case here;
- comments where they stand in the source, by line: before the lane or node
  that follows them, or inside a node's block (indented) when they stood among
  its attributes and branches, or at the end. A comment block directly above a
  node stays directly above it, which is what ``# flowsop: ignore[RULE]``
  needs; an ignore comment that was *not* directly above its node (a blank
  line between) keeps that blank line, so printing never widens what it
  silences.

What the text cannot hold, the printer either normalises the way the parser
would read it anyway (leading and trailing white space of texts, labels and
values is dropped; runs of white space in a lane name become one space; an
empty title-page value is omitted) or refuses with ``UnprintableError`` (a line
break in a body text, a branch label containing ``->``, an empty node text, an
ID or a target that is not an ID, a node without a lane after a lane line).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from bisect import bisect_left
from typing import Iterable

import yaml

from ..diagnostics import Span
from ..model import KINDS, Arrow, Attribute, Change, Comment, Lane, Meta, Node, Procedure

__all__ = ["print_procedure", "print_meta", "new_procedure", "UnprintableError"]


class UnprintableError(ValueError):
    """The model holds something no ``.flow`` line can say."""


# ------------------------------------------------------------------ lexical rules
# Copied from grammar/flowsop.lark and flowsop/parse (the printer depends only
# on the model): what decides how a body line is read.

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_WORD = _ID
#: A statement's head at the start of a line: "step read_sla:", "note:".
_HEAD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:[ \t]+[A-Za-z_][A-Za-z0-9_-]*)?[ \t]*:")
_LANE = re.compile(r"lane(?=[ \t]|\Z)")
#: A ``# flowsop: ignore[...]`` comment (as the ignore runner matches it).
_IGNORE = re.compile(r"flowsop:\s*ignore\b", re.IGNORECASE)
#: Characters a body line cannot hold: they end the line (CR is read as a line
#: break) or make the file binary.
_UNWRITABLE = ("\n", "\r", "\x00")
INDENT = "  "


def _line_text(value: str, what: str, *, empty_ok: bool = False) -> str:
    """A body text as the parser will read it back: stripped, one line."""
    for ch in _UNWRITABLE:
        if ch in value:
            raise UnprintableError(f"{what} {value!r} contains {ch!r}, which cannot stand "
                                   "inside one line of a .flow file")
    text = value.strip()
    if not text and not empty_ok:
        raise UnprintableError(f"{what} is empty")
    return text


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise UnprintableError(f"{what} {value!r} is not an ID (letters, digits, '-' and '_', "
                               "starting with a letter or '_')")
    return value


def _label(value: str) -> str:
    """A branch label, quoted only when the bare label would be read otherwise."""
    label = _line_text(value, "a branch label")
    if "->" in label:
        raise UnprintableError(f"the branch label {label!r} contains '->': a label ends at "
                               "the first '->', even inside quotes")
    needs_quotes = (
        label.startswith("#")                       # a comment
        or _LANE.match(label) is not None           # a lane line
        or _HEAD.match(label) is not None           # a statement: "Option A: yes"
        or (len(label) >= 2 and label[0] == label[-1] and label[0] in "\"'")  # loses its quotes
    )
    return f'"{label}"' if needs_quotes else label


# ------------------------------------------------------------------ front matter

class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key (``  - item``) as authors write."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


_WIDTH = 2 ** 30          # never fold a long value over several lines
_BREAKS = "\n\x85\u2028\u2029\r"
_ANALYSER = _Dumper(io.StringIO(), allow_unicode=True)


def _scalar_event(value: str) -> yaml.ScalarEvent:
    # implicit=(True, True): every scalar is text to the BaseLoader, so plain is
    # allowed whenever YAML's own analysis says it reads back unchanged; the
    # emitter then falls back to single, then double quotes.
    style = None
    if not value:
        style = "'"       # an empty value, written so that it is seen: ''
    elif any(ch in value for ch in _BREAKS):
        analysis = _ANALYSER.analyze_scalar(value)
        # A literal block reads "\n" back exactly; the other breaks (NEL, LS,
        # PS, CR) would be folded or normalised there, so they get escapes.
        only_lf = not any(ch in value for ch in _BREAKS[1:])
        style = "|" if only_lf and analysis.allow_block else '"'
    return yaml.ScalarEvent(None, None, (True, True), value, style=style)


def _events(meta: Meta) -> Iterable[yaml.Event]:
    def text(key: str, value: str | None):
        value = _meta_text(value)
        if value is not None:
            yield _scalar_event(key)
            yield _scalar_event(value)

    def mapping(pairs):
        yield yaml.MappingStartEvent(None, None, True, flow_style=False)
        for key, value in pairs:
            yield _scalar_event(key)
            yield _scalar_event(value)
        yield yaml.MappingEndEvent()

    def sequence(key: str, items: Iterable[str]):
        items = [i for i in (_meta_text(i) for i in items) if i is not None]
        if items:
            yield _scalar_event(key)
            yield yaml.SequenceStartEvent(None, None, True, flow_style=False)
            for item in items:
                yield _scalar_event(item)
            yield yaml.SequenceEndEvent()

    for key in ("title", "id", "version", "owner", "created", "modified", "reviewed",
                "review_every", "purpose"):
        yield from text(key, getattr(meta, key))
    begins, ends = _meta_text(meta.scope_begins), _meta_text(meta.scope_ends)
    if meta.has_scope or begins is not None or ends is not None:
        # "scope: {}" when the author wrote an empty scope: no block form exists.
        yield _scalar_event("scope")
        yield from mapping([(k, v) for k, v in (("begins", begins), ("ends", ends))
                            if v is not None])
    if meta.glossary:
        yield _scalar_event("glossary")
        # A term is kept as written; a meaning as read (stripped, "" when empty).
        yield from mapping([(term, _meta_text(meaning) or "") for term, meaning in meta.glossary])
    yield from sequence("equipment", meta.equipment)
    yield from sequence("tags", meta.tags)
    if meta.changes:
        yield _scalar_event("changes")
        yield yaml.SequenceStartEvent(None, None, True, flow_style=False)
        for change in meta.changes:
            yield from mapping([(k, v) for k, v in ((k, _meta_text(getattr(change, k)))
                                                    for k in ("version", "date", "by", "note"))
                                if v is not None])
        yield yaml.SequenceEndEvent()


def _meta_text(value: str | None) -> str | None:
    # The parser strips every title-page value and reads an empty one as absent.
    if value is None:
        return None
    return value.strip() or None


def print_meta(meta: Meta) -> str:
    """The title page, ``---`` lines included, or "" when it says nothing."""
    body = list(_events(meta))
    if not body:
        return ""
    events = [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False),
              yaml.MappingStartEvent(None, None, True, flow_style=False), *body,
              yaml.MappingEndEvent(), yaml.DocumentEndEvent(explicit=False),
              yaml.StreamEndEvent()]
    text = yaml.emit(events, Dumper=_Dumper, allow_unicode=True, width=_WIDTH, indent=2,
                     line_break="\n")
    return f"---\n{text}---\n"


# ------------------------------------------------------------------ body

class _Entry:
    """One printed body line (not a comment) and the source line it came from."""

    __slots__ = ("kind", "text", "line")

    def __init__(self, kind: str, text: str, line: int | None):
        self.kind = kind      # lane | node | sub (an attribute or arrow line)
        self.text = text
        self.line = line      # None: no usable source line (a lane placed by node.lane)


def _lane_name(name: str) -> str:
    # The parser reads a lane's name with runs of white space as one space.
    return " ".join(_line_text(name, "a lane name").split())


def _top_level(procedure: Procedure) -> list[tuple[str, object]]:
    """Lanes and nodes in print order: as in the source when the lines say so
    consistently (each node under the lane line above it), else derived from
    ``node.lane``."""
    nodes, lanes = procedure.nodes, procedure.lanes
    merged: list[tuple[str, object]] = []
    i = j = 0
    while i < len(nodes) or j < len(lanes):
        if j < len(lanes) and (i == len(nodes) or lanes[j].span.line <= nodes[i].span.line):
            merged.append(("lane", (_lane_name(lanes[j].name), lanes[j].span.line)))
            j += 1
        else:
            merged.append(("node", nodes[i]))
            i += 1
    current = None
    for kind, item in merged:
        if kind == "lane":
            current = item[0]
        elif (None if item.lane is None else _lane_name(item.lane)) != current:
            break
    else:
        return merged
    # Derived: a lane line before each node whose lane differs from the one above,
    # taking the procedure's lanes in order (so empty lanes keep their place).
    pending = [_lane_name(lane.name) for lane in lanes]
    out: list[tuple[str, object]] = []
    current = None
    for node in nodes:
        lane = None if node.lane is None else _lane_name(node.lane)
        if lane != current:
            if lane is None:
                raise UnprintableError(f"the node {node.id!r} has no lane but follows a node "
                                       f"in lane {current!r}: a lane lasts to the next lane line")
            if lane in pending:
                k = pending.index(lane)
                out.extend(("lane", (name, None)) for name in pending[:k + 1])
                del pending[:k + 1]
            else:
                out.append(("lane", (lane, None)))
            current = lane
        out.append(("node", node))
    out.extend(("lane", (name, None)) for name in pending)
    return out


def _written_ids(nodes: tuple[Node, ...]) -> set[int]:
    """Which nodes get their ID written: all but the generated ones that the
    parser will generate again. A generated ID that would not come back (a
    model built by hand or an importer) is written out, so no arrow loses its
    target. Same rule as the parser: KIND-ORDINAL, suffixed until free."""
    write = {i for i, n in enumerate(nodes) if not n.auto_id}
    while True:
        taken = {nodes[i].id for i in write}
        counters: dict[str, int] = {}
        missing = set()
        for i, node in enumerate(nodes):
            counters[node.kind] = counters.get(node.kind, 0) + 1
            if i in write:
                continue
            candidate = f"{node.kind}-{counters[node.kind]}"
            generated, n = candidate, 2
            while generated in taken:
                generated, n = f"{candidate}-{n}", n + 1
            taken.add(generated)
            if generated != node.id:
                missing.add(i)
        if not missing:
            return write
        write |= missing


def _node_entries(node: Node, write_id: bool) -> list[_Entry]:
    kind = node.kind
    if not _WORD.match(kind) or kind == "lane":
        raise UnprintableError(f"{kind!r} cannot be a node's keyword")
    head = f"{kind} {_check_id(node.id, 'the node ID')}" if write_id else kind
    # A start or an end may be written without text (an empty-text warning).
    text = _line_text(node.text, f"the text of {kind} {node.id!r}",
                      empty_ok=kind in KINDS and KINDS[kind].empty_text)
    out = [_Entry("node", f"{head}: {text}".rstrip(), node.span.line)]
    for attr in node.attributes:
        if not _WORD.match(attr.key):
            raise UnprintableError(f"{attr.key!r} cannot be an attribute's key")
        value = _line_text(attr.value, f"the value of '{attr.key}:' under {node.id!r}")
        out.append(_Entry("sub", f"{INDENT}{attr.key}: {value}", attr.span.line))
    # Branches, streams and outcomes, then the one next arrow; an unlabelled
    # stream of a parallel and an unlabelled next arrow are '-> TARGET'. (A
    # timeout is printed with the attributes it was read from.)
    for arrow in (*node.branches, *((node.goto,) if node.goto is not None else ())):
        target = _check_id(arrow.target, "the branch target" if arrow is not node.goto
                           else "the '->' target")
        unlabelled = arrow.label is None and (arrow is node.goto or arrow.role == "stream")
        head = "" if unlabelled else _label(arrow.label if arrow.label is not None else "") + " "
        out.append(_Entry("sub", f"{INDENT}{head}-> {target}", arrow.span.line))
    return out


def _comment_text(comment: Comment) -> str:
    text = _line_text(comment.text, "a comment", empty_ok=True)
    return f"# {text}" if text else "#"


def _place_comments(entries: list[_Entry], comments: list[Comment]) -> list[list[Comment]]:
    """``slots[k]``: the comments printed before ``entries[k]`` (k == len: at
    the end). A comment goes before the first line that stood below it."""
    slots: list[list[Comment]] = [[] for _ in range(len(entries) + 1)]
    known = [(k, e.line) for k, e in enumerate(entries) if e.line is not None]
    lines = [line for _, line in known]
    monotone = all(a < b for a, b in zip(lines, lines[1:]))
    for comment in sorted(comments, key=lambda c: c.span.line):
        at = comment.span.line
        if monotone:
            p = bisect_left(lines, at)
        else:
            p = next((p for p, line in enumerate(lines) if line >= at), len(lines))
        slots[known[p][0] if p < len(known) else len(entries)].append(comment)
    return slots


def _body(procedure: Procedure, comments: bool) -> list[str]:
    written = _written_ids(procedure.nodes)
    position = {id(node): i for i, node in enumerate(procedure.nodes)}
    entries: list[_Entry] = []
    for kind, item in _top_level(procedure):
        if kind == "lane":
            name, line = item
            entries.append(_Entry("lane", f"lane {name}", line))
        else:
            entries.extend(_node_entries(item, position[id(item)] in written))
    slots = _place_comments(entries, list(procedure.comments) if comments else [])
    out: list[str] = []
    for k, entry in enumerate(entries + [None]):
        block = slots[k]
        if entry is not None and entry.kind == "lane" and out:
            out.append("")
        if entry is not None and entry.kind == "sub":
            out.extend(INDENT + _comment_text(c) for c in block)
        else:
            out.extend(_comment_text(c) for c in block)
            if entry is not None and entry.kind == "node" and _detached_ignore(block, entry):
                out.insert(len(out) - _attached_count(block, entry), "")
        if entry is not None:
            out.append(entry.text)
    return out


def _attached_count(block: list[Comment], entry: _Entry) -> int:
    """How many comments at the end of ``block`` stood on the lines directly
    above the node (the ones an ignore comment applies from)."""
    n, below = 0, entry.line
    for comment in reversed(block):
        if below is not None and comment.span.line < below - 1:
            break
        n, below = n + 1, comment.span.line
    return n


def _detached_ignore(block: list[Comment], entry: _Entry) -> bool:
    if not block:
        return False
    detached = block[:len(block) - _attached_count(block, entry)]
    return any(_IGNORE.match(c.text.strip()) for c in detached)


# ------------------------------------------------------------------ the whole file

def print_procedure(procedure: Procedure, *, comments: bool = True) -> str:
    """The procedure as ``.flow`` text. ``comments=False`` leaves every comment
    out (ignore comments too)."""
    front = print_meta(procedure.meta)
    body = _body(procedure, comments)
    if not body:
        return front
    return (front + "\n" if front else "") + "\n".join(body) + "\n"


# ------------------------------------------------------------------ flowsop new

def new_procedure(proc_id: str, today: _dt.date) -> str:
    """What ``flowsop new`` writes: a procedure that passes check."""
    d = today.isoformat()
    title = proc_id.replace("-", " ").replace("_", " ").capitalize()
    owner = "Service Desk Lead"
    meta = Meta(title=title, id=proc_id, version="0.1.0", owner=owner, created=d, modified=d,
                review_every="6 months",
                purpose="Say in one sentence what this procedure achieves.",
                scope_begins="Name the event that starts this procedure.",
                scope_ends="Name the outcome that ends it.", has_scope=True,
                glossary=(("PSA", "Professional services automation tool, where tickets live."),),
                equipment=("PSA account",),
                changes=(Change(Span(), version="0.1.0", date=d, by=owner, note="First draft."),))
    lane = "Service desk"
    line = iter(range(1, 1000))
    comment = Comment(Span(next(line)), "One statement per line. See 'flowsop rules' for what "
                                        "check looks for.")
    lanes = (Lane(Span(next(line)), lane),)

    def node(kind: str, node_id: str, text: str, *, auto: bool = False,
             branches: tuple[tuple[str, str], ...] = ()) -> Node:
        at = Span(next(line))
        arrows = tuple(Arrow(Span(next(line)), target, Span(), label)
                       for label, target in branches)
        return Node(at, kind, node_id, text, lane, None, 0, auto_id=auto, branches=arrows)

    nodes = [
        node("start", "start-1", "A client asks for this work.", auto=True),
        node("step", "step-1", "Open the ticket in the PSA.", auto=True),
        node("decide", "done", "Is the work complete?",
             branches=(("yes", "finished"), ("no", "escalate"))),
        node("step", "escalate", "Assign the ticket to the team lead."),
        node("end", "end-1", "The team lead owns the ticket.", auto=True),
        node("end", "finished", "The client confirms that the work is complete."),
    ]
    nodes = tuple(_renumber(nodes))
    procedure = Procedure(path=f"{proc_id}.flow", id=proc_id, meta=meta, nodes=nodes,
                          lanes=lanes, comments=(comment,))
    return print_procedure(procedure)


def _renumber(nodes: list[Node]) -> Iterable[Node]:
    from dataclasses import replace
    number = 0
    for index, node in enumerate(nodes):
        num = None
        if node.kind in ("step", "decide", "call"):
            number += 1
            num = number
        yield replace(node, index=index, number=num)
