"""Lark line records → the Procedure model (see the package docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

from lark import Token, Transformer
from lark.exceptions import UnexpectedInput

from ..diagnostics import Diagnostic, Severity, Span
from ..model import (ATTRIBUTE_KEYS, KINDS, NODE_KINDS, NUMBERED_KINDS, REPEATABLE_ATTRIBUTES,
                     Arrow, Attribute, Comment, Lane, Meta, Node, Procedure)
from .frontmatter import read_front_matter
from .grammar import lark_parser
from ..core.ids import ID_RE, id_problem, short as _short
from .ids import procedure_id

KEYWORDS = NODE_KINDS + ATTRIBUTE_KEYS


class SourceError(Exception):
    """The file cannot be read as text (missing, unreadable, not UTF-8, binary).
    An I/O problem (exit status 2), not a diagnostic about the procedure."""


def read_source(path: str | Path) -> str:
    """Read a ``.flow`` file as UTF-8 text, or raise SourceError with a clear reason."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not a .flow file") from None
    except OSError as e:
        raise SourceError(f"{path}: cannot read: {e.strerror or e}") from None
    return decode_source(data, str(path))


def decode_source(data: bytes, path: str) -> str:
    # NUL first: an image or an archive is "binary", not "a text in the wrong encoding".
    if b"\x00" in data:
        raise SourceError(f"{path}: binary file (contains NUL bytes), not a .flow text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not UTF-8 text (invalid byte at offset {e.start}); "
                          "save the file as UTF-8") from None


def normalise(text: str) -> str:
    """Drop a byte order mark and turn CRLF and lone CR into LF. Columns do not
    move: a BOM is not a character the author sees, and CR only ends lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# ------------------------------------------------------------------ Lark → lines

@dataclass
class _Line:
    kind: str                 # comment | lane | goto | statement | branch | bad | front
    first: Token              # the line's first token (its span starts the line)
    word: str | None = None   # a statement's keyword (or unknown word) ...
    id: str | None = None     # ... and its optional ID, with their spans
    word_span: Span | None = None
    id_span: Span | None = None
    text: Token | None = None # statement text, lane name, comment, bad line, front matter
    label: Token | None = None
    target: Token | None = None


def _tok(children, type_):
    return next((c for c in children if isinstance(c, Token) and c.type == type_), None)


class _Lines(Transformer):
    """Each callback turns one grammar line into a ``_Line`` record."""

    def start(self, c):
        return c

    def comment(self, c):
        return _Line("comment", c[0], text=c[0])

    def lane(self, c):
        return _Line("lane", c[0], text=_tok(c, "LANE_NAME"))

    def goto(self, c):
        return _Line("goto", c[0], target=_tok(c, "TARGET"))

    def statement(self, c):
        head = c[0]
        word, *rest = head.value.rstrip(" \t:").split()
        line, col = head.line, head.column
        node_id = rest[0] if rest else None
        id_span = None
        if node_id is not None:
            at = col + head.value.index(node_id, len(word))
            id_span = Span(line, at, line, at + len(node_id))
        return _Line("statement", head, word=word, id=node_id,
                     word_span=Span(line, col, line, col + len(word)), id_span=id_span,
                     text=c[1] if len(c) > 1 else None)

    def branch(self, c):
        return _Line("branch", c[0], label=c[0], target=_tok(c, "TARGET"))

    def bad_line(self, c):
        return _Line("bad", c[0], text=c[0])


def _lex_lines(text: str) -> tuple[list, list[tuple[Span, str]]]:
    """Run Lark. The grammar accepts every line shape, so errors are not expected;
    should one happen, it becomes a syntax diagnostic, never a traceback."""
    try:
        items = lark_parser(_Lines).parse(text)
    except UnexpectedInput as e:  # pragma: no cover - the grammar is total
        return [], [(Span(e.line, e.column), "this line cannot be read")]
    out = []
    for item in items:
        if isinstance(item, Token):  # the FRONT_MATTER terminal
            out.append(_Line("front", item, text=item))
        else:
            out.append(item)
    return out, []


# ------------------------------------------------------------------ lines → model

@dataclass
class _NodeDraft:
    span: Span
    kind: str
    id: str | None
    id_span: Span | None
    text: str
    text_span: Span | None
    lane: str | None
    index: int
    attributes: list = field(default_factory=list)
    branches: list = field(default_factory=list)
    goto: Arrow | None = None
    timeout: Arrow | None = None
    phase: str = "attrs"      # attrs → branches (decide, parallel, call outcomes) or done (after a goto)


def parse_text(text: str, path: str = "<stdin>", default_id: str | None = None
               ) -> tuple[Procedure, list[Diagnostic]]:
    """Parse a procedure's text. ``default_id`` is the file stem."""
    text = normalise(text)
    builder = _Builder(path)
    lines, lark_errors = _lex_lines(text)
    for span, message in lark_errors:
        builder.syntax(span, message)
    meta = builder.run(lines)
    proc_id, problem = procedure_id(meta, default_id)
    if problem is not None:
        builder.front_matter(Span(1, 1), problem, "give the procedure an id in its front "
                             "matter: 'id: my-procedure'")
    procedure = Procedure(path=path, id=proc_id, meta=meta, nodes=builder.nodes(),
                          lanes=tuple(builder.lanes), comments=tuple(builder.comments),
                          line_count=text.count("\n") + 1, body_found=builder.body_found,
                          repairs=tuple(builder.repairs))
    return procedure, builder.diagnostics


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.drafts: list[_NodeDraft] = []
        self.lanes: list[Lane] = []
        self.comments: list[Comment] = []
        self.lane: str | None = None
        self.current: _NodeDraft | None = None
        self.body_found = True
        self.repairs: list[tuple[Span, str | None]] = []

    # -- diagnostics
    def syntax(self, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(self.path, span, Severity.ERROR, "syntax", message, hint))

    def warn(self, span: Span, rule: str, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(self.path, span, Severity.WARNING, rule, message, hint))

    def front_matter(self, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(self.path, span, Severity.ERROR, "front-matter",
                                           message, hint))

    # -- the fold
    def run(self, lines: list[_Line]) -> Meta:
        meta = Meta()
        if lines and lines[0].kind == "front":
            meta = self.read_meta(lines[0].text)
            lines = lines[1:]
        elif lines and lines[0].kind == "bad" and lines[0].first.line == 1 \
                and lines[0].text.strip() == "---":
            self.front_matter(Span(1, 1), "the front matter opened on line 1 is not closed",
                              "end the title page with a line of three dashes: ---")
            self.body_found = False
            return meta
        handlers = {"comment": self.on_comment, "lane": self.on_lane, "goto": self.on_goto,
                    "statement": self.on_statement, "branch": self.on_branch, "bad": self.on_bad}
        for line in lines:
            handlers[line.kind](line)
        return meta

    def read_meta(self, token: Token) -> Meta:
        body = token.value.split("\n")[1:-1]
        meta, problems = read_front_matter("\n".join(body) + "\n", token.line + 1)
        for span, message, hint in problems:
            self.front_matter(span, message, hint)
        problem = id_problem(meta.id) if meta.id is not None else None
        if problem is not None:
            self.front_matter(meta.span_of("id"), f"the id '{_short(meta.id)}' {problem[0]}",
                              problem[1])
            meta = _replace(meta, id=None)
        return meta

    def on_comment(self, line: _Line) -> None:
        self.comments.append(Comment(Span.of_token(line.first), line.text.value[1:].strip()))

    def on_lane(self, line: _Line) -> None:
        self.current = None
        if line.text is None or not line.text.value.strip():
            self.syntax(Span.of_token(line.first), "expected the lane's name after 'lane'",
                        "name the role, such as 'lane Service desk'")
            return
        name = " ".join(line.text.value.split())
        self.lane = name
        self.lanes.append(Lane(Span.of_token(line.first), name))

    def on_statement(self, line: _Line) -> None:
        word = line.word
        span = line.word_span
        if word in NODE_KINDS:
            self.on_node(line, word, span)
        elif word in ATTRIBUTE_KEYS:
            self.on_attribute(line, word, span)
        else:
            self.current = None
            self.syntax(span, f"unknown keyword '{word}'", _keyword_hint(word))
            meant = _meant_keyword(word)
            if meant in NODE_KINDS:
                self.repairs.append((span, meant))

    def on_node(self, line: _Line, kind: str, span: Span) -> None:
        self.current = None
        text = line.text.value.strip() if line.text is not None else ""
        if not text and KINDS[kind].empty_text:
            # Kept, so that nothing cascades from it: a warning says what is missing.
            self.warn(span, "empty-text", f"the {kind} has no text",
                      "say what starts the procedure" if kind == "start"
                      else "say what outcome ends the procedure here")
        elif not text:
            what = "the called procedure's ID" if kind == "call" else f"the {kind}'s text"
            self.syntax(Span.of_token(line.first), f"expected {what} after '{kind}:'")
            self.repairs.append((Span.of_token(line.first), None))
            return
        if kind == "call" and not ID_RE.match(text):
            self.syntax(Span.of_token(line.text), f"'{text}' is not a procedure ID",
                        "write the called procedure's id, such as 'call: order-parts'")
        draft = _NodeDraft(span=span, kind=kind, id=line.id, id_span=line.id_span,
                           text=text, text_span=Span.of_token(line.text) if text else None,
                           lane=self.lane,
                           index=len(self.drafts))
        self.drafts.append(draft)
        self.current = draft

    def on_attribute(self, line: _Line, key: str, span: Span) -> None:
        node = self.current
        if line.id is not None:
            self.syntax(line.id_span, f"'{key}:' takes no ID",
                        f"write '{key}: {line.id} ...' if the word is part of the text")
            return
        if node is None or node.phase != "attrs":
            where = ("after its branches" if node is not None and node.phase == "branches"
                     else "after '->'" if node is not None else "without a node above it")
            self.syntax(span, f"'{key}:' is an attribute of the node above, but stands {where}",
                        "put attributes right under their node line, before its branches or '->'")
            return
        value = line.text.value.strip() if line.text is not None else ""
        if not value:
            self.syntax(span, f"expected a value after '{key}:'")
            return
        if key not in REPEATABLE_ATTRIBUTES and any(a.key == key for a in node.attributes):
            self.syntax(span, f"a second '{key}:' under one node",
                        f"a node has at most one '{key}:'; merge them")
            return
        if key == "timeout":
            if not KINDS[node.kind].waits:
                self.syntax(span, f"'timeout:' belongs to a wait, not to a {node.kind}",
                            "write 'wait ID: TEXT' with 'timeout: 2 days -> TARGET' under it")
                return
            node.timeout = self.timeout(line, value)
            if node.timeout is None:
                return
        node.attributes.append(Attribute(span, key, value))

    def timeout(self, line: _Line, value: str) -> Arrow | None:
        """``timeout: DURATION -> TARGET``: the arrow taken when the wait runs out."""
        start = Span.of_token(line.first)
        duration, arrow, target = value.partition("->")
        duration, target = duration.strip(), target.strip()
        if not arrow or not duration or not target:
            self.syntax(start, "expected 'timeout: DURATION -> TARGET'",
                        "such as 'timeout: 2 days -> escalate'")
            return None
        at = line.text.column + line.text.value.index("->") + 2
        at += len(line.text.value[at - line.text.column:]) - len(
            line.text.value[at - line.text.column:].lstrip())
        target_span = Span(line.text.line, at, line.text.line, at + len(target))
        if not ID_RE.match(target):
            self.syntax(target_span, f"'{target}' is not an ID",
                        "an ID is letters, digits, '-' and '_', starting with a letter")
            return None
        return Arrow(start, target, target_span, f"after {duration}", role="timeout")

    def arrow(self, line: _Line, label: str | None, role: str | None = None) -> Arrow | None:
        start = Span.of_token(line.first)
        if line.target is None or not line.target.value.strip():
            self.syntax(start, "expected a step ID after '->'",
                        "name the node to go to, such as '-> book'")
            return None
        target = line.target.value.strip()
        target_span = Span.of_token(line.target)
        target_span = Span(target_span.line, target_span.column, target_span.line,
                           target_span.column + len(target))
        if not ID_RE.match(target):
            self.syntax(target_span, f"'{target}' is not an ID",
                        "an ID is letters, digits, '-' and '_', starting with a letter")
            return None
        return Arrow(start, target, target_span, label, role)

    def on_goto(self, line: _Line) -> None:
        node = self.current
        span = Span.of_token(line.first)
        if node is None:
            self.syntax(span, "'->' must follow the start, step or call it leaves")
            return
        if KINDS[node.kind].branches:
            self.syntax(span, "a decide continues only along its branches",
                        "write a labelled branch: 'yes -> TARGET'")
            return
        if KINDS[node.kind].streams:
            arrow = self.arrow(line, None, "stream")
            if arrow is not None:
                node.branches.append(arrow)
            node.phase = "branches"
            return
        self.one_next(node, line, None, span)

    def one_next(self, node: _NodeDraft, line: _Line, label: str | None, span: Span) -> None:
        """The one arrow of a node that has one next node (labelled or not)."""
        first = node.goto or (node.branches[0] if node.branches else None)
        if first is not None or node.phase == "done":
            line_no = first.span.line if first is not None else span.line
            self.syntax(span, f"a second arrow under one {node.kind}",
                        f"the first is on line {line_no}; a {node.kind} has one next node: "
                        "use a 'decide' for a choice, or a 'parallel' for work done at the "
                        "same time")
            return
        arrow = self.arrow(line, label)
        if arrow is not None:
            node.goto = arrow
        node.phase = "done"

    def on_branch(self, line: _Line) -> None:
        node = self.current
        span = Span.of_token(line.first)
        label = line.label.value.strip()
        if len(label) >= 2 and label[0] == label[-1] and label[0] in "\"'":
            label = label[1:-1].strip()
        if node is None:
            self.syntax(span, f"an arrow '{label} -> ...' must follow the node it leaves",
                        "put it right under a node line and its attributes")
            return
        if not label:
            self.syntax(span, "a branch needs a label before '->'", "such as 'yes -> book'")
            return
        info = KINDS[node.kind]
        outcome = info.calls and ID_RE.match(label) and node.goto is None
        if not (_takes_branches(node.kind) or outcome):
            self.one_next(node, line, label, span)     # a labelled arrow: a condition
            return
        if node.phase == "done":
            self.syntax(span, f"a branch '{label} -> ...' after the node's '->'",
                        "write the branches right under the node line and its attributes")
            return
        role = "stream" if info.streams else "outcome" if outcome else "branch"
        arrow = self.arrow(line, label, role)
        if arrow is not None:
            node.branches.append(arrow)
        node.phase = "branches"

    def on_bad(self, line: _Line) -> None:
        self.current = None
        raw = line.text.value.rstrip()
        span = Span(line.first.line, line.first.column, line.first.line,
                    line.first.column + len(raw))
        first = raw.split()[0] if raw.split() else raw
        word = re.match(r"[A-Za-z_]+", first)
        if word and word.group(0).lower() in KEYWORDS:
            kw = word.group(0).lower()
            self.syntax(span, f"expected ':' after the '{kw}' statement's keyword and ID",
                        f"write '{kw} ID: TEXT' or '{kw}: TEXT'; an ID is letters, digits, "
                        "'-' and '_', starting with a letter")
        else:
            self.syntax(span, "expected a statement such as 'step: TEXT', a branch "
                        "'LABEL -> TARGET', '-> TARGET', 'lane NAME' or a '# comment'")

    # -- the result
    def nodes(self) -> tuple[Node, ...]:
        taken = {d.id for d in self.drafts if d.id is not None}
        counters: dict[str, int] = {}
        number = 0
        out = []
        for d in self.drafts:
            counters[d.kind] = counters.get(d.kind, 0) + 1
            node_id, auto = d.id, False
            if node_id is None:
                node_id, auto = _free_id(f"{d.kind}-{counters[d.kind]}", taken), True
                taken.add(node_id)
            num = None
            if d.kind in NUMBERED_KINDS:
                number += 1
                num = number
            out.append(Node(span=d.span, kind=d.kind, id=node_id, text=d.text, lane=d.lane,
                            number=num, index=d.index, auto_id=auto, id_span=d.id_span,
                            text_span=d.text_span, attributes=tuple(d.attributes),
                            branches=tuple(d.branches), goto=d.goto, timeout=d.timeout))
        return tuple(out)


def _takes_branches(kind: str) -> bool:
    """Whether labelled branches may stand under a node of ``kind``. An end's
    branches are read too, so that they are reported as arrows leaving an end."""
    return KINDS[kind].fans_out or KINDS[kind].terminal


def _free_id(candidate: str, taken: set[str]) -> str:
    # A generated ID never collides with an author's: add a suffix until free.
    if candidate not in taken:
        return candidate
    n = 2
    while f"{candidate}-{n}" in taken:
        n += 1
    return f"{candidate}-{n}"


def _meant_keyword(word: str) -> str | None:
    """The keyword a misspelt one most likely is (as the hint suggests it)."""
    if word.lower() in KEYWORDS:
        return word.lower()
    close = get_close_matches(word.lower(), KEYWORDS, n=1, cutoff=0.6)
    return close[0] if close else None


def _keyword_hint(word: str) -> str:
    if word.lower() in KEYWORDS:
        return f"keywords are lower-case: '{word.lower()}'"
    if word.lower() == "lane":
        return "a lane line has no colon: 'lane NAME'"
    close = get_close_matches(word.lower(), KEYWORDS, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "statements are " + ", ".join(NODE_KINDS) + "; attributes are " + \
        ", ".join(ATTRIBUTE_KEYS)


def _replace(meta: Meta, **changes) -> Meta:
    from dataclasses import replace
    return replace(meta, **changes)
