"""A cheap outline of a ``.flow`` file: its id, title, scope and nodes, without
Lark and (mostly) without YAML.

Part of the parse stage, used by the library stage for the siblings of a file
checked alone: ``flowsop check one.flow`` must know every procedure of its
library (to resolve calls and find overlapping scopes) but reports only on the
one file, so the others are read about 20 times faster than a full parse. The
result is a ``Procedure`` whose nodes carry kind, ID, text, number, spans and
arrows (no attributes or lanes) and whose title page carries only
``title``, ``id`` and ``scope``; no diagnostics. Line shapes are classified
with the grammar's own terminals (read from ``grammar/flowsop.lark``, in the
grammar's priority order), so an outline's nodes are the full parse's nodes;
``tests/test_library.py`` holds them equal on the examples and generated files.
A title page that is not plain ``key: value`` YAML is read with the full YAML
reader.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..model import ATTRIBUTE_KEYS, KINDS, NODE_KINDS, NUMBERED_KINDS, Arrow, Meta, Node, Procedure
from ..diagnostics import Span
from .body import _free_id, _takes_branches, decode_source, normalise
from ..core.ids import ID_RE, id_problem
from .ids import procedure_id
from .frontmatter import MAX_BYTES, read_front_matter
from .grammar import grammar_path

#: The terminals that start a line, highest priority first (see the grammar).
_LINE_STARTS = ("COMMENT", "LANE", "ARROW", "HEAD", "LABEL")
_WANTED = ("title", "id", "scope")
#: Characters after which a title page is left to the YAML reader: anchors,
#: aliases, tags, flow collections, tabs.
_UNUSUAL = re.compile(r"[&*!\t{}\[\]]|^\.\.\.", re.M)
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?\Z")
_SINGLE = re.compile(r"'((?:[^']|'')*)'[ ]*(?:#.*)?\Z")
_DOUBLE = re.compile(r'"([^"\\]*)"[ ]*(?:#.*)?\Z')


class _Unsure(Exception):
    """The quick title-page reader met YAML it does not read itself."""


def outline_file(path: str | Path, display: str | None = None) -> Procedure:
    """Outline one file. Raises ``SourceError`` if it is not UTF-8 text."""
    data = Path(path).read_bytes()
    return outline_text(decode_source(data, str(path)), display or str(path),
                        default_id=Path(path).stem)


def outline_text(text: str, path: str = "<stdin>", default_id: str | None = None) -> Procedure:
    text = normalise(text)
    t = _terminals()
    meta, first_line, body = Meta(), 1, text
    front = t["FRONT_MATTER"].match(text)
    if front is not None:
        block = front.group(0)
        meta = _meta(block.split("\n")[1:-1], 2)
        first_line = block.count("\n") + 1
        body = text[front.end():]
    elif text.split("\n", 1)[0].strip() == "---":
        # An unclosed title page: the parser finds no body either.
        return Procedure(path=path, id=procedure_id(meta, default_id)[0], meta=meta, nodes=(),
                         line_count=text.count("\n") + 1, body_found=False)
    nodes = _nodes(body, first_line, t)
    return Procedure(path=path, id=procedure_id(meta, default_id)[0], meta=meta, nodes=nodes,
                     line_count=text.count("\n") + 1)


def _nodes(body: str, first_line: int, t: dict) -> tuple[Node, ...]:
    drafts = []
    body = "\n" + body
    line, at = first_line - 1, 0
    # Only lines whose head is a node keyword start a node; one scan finds
    # them all. The lines between two of them are read only when they hold
    # an arrow.
    matches = list(_node_lines().finditer(body))
    for k, m in enumerate(matches):
        line += body.count("\n", at, m.start() + 1)
        at = m.start() + 1
        indent, head, text = m.group(1), m.group(2), m.group(3)
        word, *rest = head.rstrip(" \t:").split()
        if not text.strip() and not KINDS[word].empty_text:
            continue  # a syntax error: the parser makes no node of it
        col = len(indent) + 1
        node_id = rest[0] if rest else None
        id_span = None
        if node_id is not None:
            i = col + head.index(node_id, len(word))
            id_span = Span(line, i, line, i + len(node_id))
        text_col = col + len(head)
        below = body[m.end():matches[k + 1].start() if k + 1 < len(matches) else len(body)]
        goto, branches, timeout = _arrows(below, line, word, t) if "->" in below \
            else (None, (), None)
        text_span = Span(line, text_col, line, text_col + len(text)) if text.strip() else None
        drafts.append((Span(line, col, line, col + len(word)), word, node_id, id_span,
                       text.strip(), text_span, goto, branches, timeout))
    # IDs and numbers exactly as the parser gives them (see body._Builder.nodes).
    taken = {d[2] for d in drafts if d[2] is not None}
    counters: dict[str, int] = {}
    out, count = [], 0
    for index, (span, kind, node_id, id_span, text, text_span, goto, branches,
                timeout) in enumerate(drafts):
        counters[kind] = counters.get(kind, 0) + 1
        auto = node_id is None
        if auto:
            node_id = _free_id(f"{kind}-{counters[kind]}", taken)
            taken.add(node_id)
        num = None
        if kind in NUMBERED_KINDS:
            count += 1
            num = count
        out.append(Node(span=span, kind=kind, id=node_id, text=text, lane=None, number=num,
                        index=index, auto_id=auto, id_span=id_span, text_span=text_span,
                        branches=branches, goto=goto, timeout=timeout))
    return tuple(out)


def _arrows(below: str, node_line: int, kind: str, t: dict):
    """The arrows under a node (its goto, branches and timeout), attached as
    the parser attaches them (``body._Builder.on_goto``, ``on_branch``,
    ``one_next`` and ``timeout``): a lane, an unknown keyword or an unreadable
    line ends the node; attributes and comments do not."""
    info = KINDS[kind]
    goto, branches, timeout, phase, timeout_seen = None, [], None, "attrs", False
    for offset, raw in enumerate(below.split("\n")[1:], 1):
        stripped = raw.lstrip(" \t")
        if not stripped or t["COMMENT"].match(stripped):
            continue
        if t["LANE"].match(stripped):
            break
        col = len(raw) - len(stripped) + 1
        number = node_line + offset
        arrow = t["ARROW"].match(stripped)
        if arrow is not None:
            if info.branches:
                continue
            if info.streams:
                stream = _arrow(stripped, number, col, "", arrow.end(), None, "stream")
                if stream is not None:
                    branches.append(stream)
                phase = "branches"
                continue
            if goto is not None or branches or phase == "done":
                continue
            goto = _arrow(stripped, number, col, "", arrow.end(), None)
            phase = "done"
            continue
        head = t["HEAD"].match(stripped)
        if head is not None:
            key, *has_id = head.group(0).rstrip(" \t:").split()
            if key not in ATTRIBUTE_KEYS:
                break  # an unknown keyword ends the node
            if key == "timeout" and not has_id and phase == "attrs" and info.waits \
                    and not timeout_seen:
                value = stripped[head.end():].rstrip()
                if value.strip():
                    timeout_seen = True
                    timeout = _timeout(value, number, col, col + head.end())
            continue
        label = t["LABEL"].match(stripped)
        if label is None:
            break  # a line the parser cannot read ends the node
        text = label.group(0).strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1].strip()
        if not text:
            continue
        after = t["ARROW"].match(stripped, label.end())
        outcome = info.calls and ID_RE.match(text) and goto is None
        if not (_takes_branches(kind) or outcome):
            if goto is not None or branches or phase == "done":
                continue
            goto = _arrow(stripped, number, col, label.group(0), after.end(), text)
            phase = "done"
            continue
        if phase == "done":
            continue
        role = "stream" if info.streams else "outcome" if outcome else "branch"
        branch = _arrow(stripped, number, col, label.group(0), after.end(), text, role)
        if branch is not None:
            branches.append(branch)
        phase = "branches"
    return (goto if goto else None), tuple(branches), timeout


def _timeout(value: str, line: int, col: int, value_col: int) -> Arrow | None:
    """``timeout: DURATION -> TARGET`` as ``body._Builder.timeout`` reads it."""
    duration, arrow, target = value.partition("->")
    if not arrow or not duration.strip() or not target.strip():
        return None
    at = value_col + value.index("->") + 2
    at += len(value[at - value_col:]) - len(value[at - value_col:].lstrip())
    target = target.strip()
    if not ID_RE.match(target):
        return None
    return Arrow(Span(line, col, line, value_col), target, Span(line, at, line, at + len(target)),
                 f"after {duration.strip()}", role="timeout")


def _arrow(stripped: str, line: int, col: int, label_raw: str, target_at: int,
           label: str | None, role: str | None = None) -> Arrow | None:
    target = stripped[target_at:].strip()
    if not target or not ID_RE.match(target):
        return None  # a syntax error: no arrow
    first = len(label_raw) if label is not None else target_at
    at = col + target_at
    return Arrow(Span(line, col, line, col + first), target, Span(line, at, line, at + len(target)),
                 label, role)


# ------------------------------------------------------------------ title page

def _meta(lines: list[str], first_line: int) -> Meta:
    block = "\n".join(lines) + "\n"
    try:
        if len(block.encode("utf-8", "surrogatepass")) > MAX_BYTES or _UNUSUAL.search(block):
            raise _Unsure
        values, spans = _quick(lines, first_line)
    except _Unsure:
        meta, _ = read_front_matter(block, first_line)
        values = {"title": meta.title, "id": meta.id, "has_scope": meta.has_scope,
                  "scope_begins": meta.scope_begins, "scope_ends": meta.scope_ends}
        spans = {k: v for k, v in meta.spans.items() if k in ("title", "id", "scope",
                                                              "scope.begins", "scope.ends")}
    if values.get("id") is not None and id_problem(values["id"]) is not None:
        values["id"] = None  # the parser reports it and falls back to the file stem
    return Meta(**values, spans=spans)


def _quick(lines: list[str], first_line: int) -> tuple[dict, dict]:
    """``key: value`` lines at the top and under ``scope:``; anything else
    under a key it does not need is skipped; anything it cannot be sure of
    raises ``_Unsure``."""
    values: dict = {}
    spans: dict = {}
    top = None  # the top-level key the indented lines belong to
    for number, line in enumerate(lines, first_line):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent == 0:
            m = _KEY.match(line)
            if m is None:
                raise _Unsure
            top, value = m.group(1), m.group(2)
            if top in _WANTED and top not in spans:
                spans[top] = Span(number, 1)
                if top == "scope":
                    if _scalar(value) is not None:
                        raise _Unsure
                    values["has_scope"] = True
                else:
                    values[top] = _scalar(value)
            elif top in _WANTED:
                top = "(duplicate)"  # the first one counts, as in the parser
            continue
        if top == "scope":
            m = _KEY.match(stripped)
            if m is None or m.group(1) not in ("begins", "ends"):
                raise _Unsure
            key = f"scope.{m.group(1)}"
            if key not in spans:
                spans[key] = Span(number, indent + 1)
                values[f"scope_{m.group(1)}"] = _scalar(m.group(2))
        elif top in ("title", "id"):
            raise _Unsure  # a value continued on the next line
    return values, spans


def _scalar(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or value.startswith("#"):
        return None
    if value[0] == "'":
        m = _SINGLE.match(value)
        if m is None:
            raise _Unsure
        return m.group(1).replace("''", "'").strip() or None
    if value[0] == '"':
        m = _DOUBLE.match(value)
        if m is None:
            raise _Unsure
        return m.group(1).strip() or None
    if value[0] in "|>@`%,?:-":
        raise _Unsure
    cut = value.find(" #")
    if cut >= 0:
        value = value[:cut]
    if ": " in value or value.endswith(":"):
        raise _Unsure
    return value.strip() or None


@lru_cache(maxsize=None)
def _node_lines() -> re.Pattern:
    t = _terminals()
    # A statement line (HEAD, then TEXT) whose keyword is a node kind. COMMENT,
    # LANE and ARROW outrank HEAD but cannot begin with a node keyword.
    kinds = "|".join(NODE_KINDS)
    # Anchored on a literal line break: the regex engine then skips to each
    # "\n" with a fast scan instead of trying every position.
    return re.compile(rf"\n([ \t]*)(?=(?:{kinds})(?![A-Za-z0-9_-]))({t['HEAD'].pattern})([^\n]*)")


@lru_cache(maxsize=None)
def _terminals() -> dict:
    """The grammar's terminal regexes by name (Lark writes them as Python regexes)."""
    text = grammar_path().read_text(encoding="utf-8")
    found = dict(re.findall(r"^([A-Z_]+)(?:\.\d+)?:\s*/(.*)/\s*$", text, re.M))
    return {name: re.compile(found[name]) for name in _LINE_STARTS + ("FRONT_MATTER",)}
