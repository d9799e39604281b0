"""The long fuzz run: hostile and broken .flow files through parse, check
and rendering, looking for tracebacks, hangs, diagnostics outside the file
and outputs that do not parse or carry active content. Prints figures, and
exits 1 if any case failed (each failing input is saved to replay it).

    .venv/bin/python bench/fuzz_long.py                   # 100,000 + 2,000 cases
    .venv/bin/python bench/fuzz_long.py --check 2000 --render 100   # a short run
    .venv/bin/python bench/fuzz_long.py --replay check:4711          # one case again

Cases are numbered; case ``kind:i`` of seed S is made by ``random.Random``
seeded with "S:kind:i", so any case can be replayed alone. The cases:

- check: a third programs generated from the grammar (front matter, lanes,
  statements with IDs, branches, gotos, attributes, comments, blank lines,
  misspelt keywords, YAML oddities, hostile text), a third valid-looking
  procedures, a third mutations of the examples in ``diagrams/`` and of
  generated programs (byte flips, inserted bytes, deleted ranges, line swaps,
  deletions, duplications, truncation), as bytes, so invalid UTF-8, NUL
  bytes, BOMs and CR line endings occur. Each goes through ``decode_source``
  (a ``SourceError`` is a correct answer), ``load_text`` (parse, graph, every
  procedure rule) and the outline reader the library stage uses.
- render: valid procedures full of hostile text that check without errors,
  laid out by the real engine (DOT → SVG), then the HTML page, Markdown,
  checklist, CSV and Mermaid.

What counts as a failure: any exception; no answer within the deadline
(``signal.alarm`` in the worker, generous: it only catches hangs; the parent
also gives up on a worker that stops answering); a diagnostic whose line or
column lies outside the file, or whose rule is not registered; an SVG that is
not XML, or an HTML page that does not parse strictly (``html.parser`` with
every non-void element closed in order and no duplicate attribute); script,
``foreignObject``, ``iframe``, ``object``, ``embed``, ``base`` or an injected
element, an ``on*`` attribute or an unsafe link in SVG, HTML or the HTML that
markdown-it makes of the Markdown; a CSV cell a spreadsheet would run; a
Mermaid line where author text left its quotes; an engine that refused the
DOT flowsop wrote.

``tests/test_fuzz.py`` runs the same generators and oracles under hypothesis
with a small budget in CI; figures of a full run are in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import multiprocessing
import os
import random
import re
import signal
import sys
import time
import traceback
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DIAGRAMS = REPO / "diagrams"
TODAY = _dt.date(2026, 11, 26)

# ------------------------------------------------------------------ ingredients

WORDS = ("Open", "the", "ticket", "Check", "backup", "job", "client", "Call", "technician",
         "Record", "result", "in", "PSA", "SLA", "device", "Restart", "server", "Is", "it",
         "working?", "Send", "email", "to", "user", "Verify", "licence", "team", "lead")
#: Text an attacker or a careless author writes: markup, DOT, template and
#: spreadsheet syntax, escapes, odd Unicode. "zzinject"/"zzattr" are names no
#: renderer ever emits, so finding them as an element or attribute is proof of
#: injection.
HOSTILE = ('<script>alert(1)</script>', '<zzinject zzattr="1">x</zzinject>', '<b>x</b>',
           '<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '</svg>', '</td></tr>',
           '<![CDATA[x]]>', ']]>', '<!--', '-->', '<?xml x?>', '"', "'", '`', '\\', '\\N',
           '\\G', '\\l', '\\n', '{}', '{', '}', '{{ x }}', '{% raw %}', '${x}', '%s', '&',
           '&amp;', '&#x6A;', '&lt;script&gt;', '|', '*', '_', '~', '#', '[x](javascript:x)',
           '![x](x)', '=SUM(A1)', '+1', '-1', '@cmd', '=cmd|" /C calc"!A0', 'digraph G {',
           'node [image="/etc/passwd"]', 'URL="javascript:x"', ']; n0 -> n1 [', 'subgraph',
           'javascript:alert(1)', 'data:text/html,x', 'é', 'Müller & Söhne öffnet das Café',
           '日本語', 'العربية', '\u202e', '\u200b', '\x85', '\u2028', '\u2029', '\ufeff',
           '\x0b', '\x0c', '\x1b[31m', '\x7f', '\t', 'x' * 300, '1.', '- ', '+ ', '> ', '---',
           'classDef', 'click n0 call alert(1)', '%%{init: {}}%%', 'end', 'graph', ';')
SAFE_LINKS = ("https://kb.example.com/x", "http://intranet/kb?id=1&x=<y>", "mailto:a@b.c",
              "runbooks/backup.md", "../shared/x.md#step-2", "kb/a b/\"q\".md", "#anchor",
              "?q=1", "https://kb.example.com/\"onmouseover=\"alert(1)", "x.md?a=1#b",
              "https://example.com/%3Cscript%3E", "/kb/site-relative")
UNSAFE_LINKS = ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                " javascript:alert(1)", "data:text/html,<script>x</script>", "file:///etc/passwd",
                "vbscript:msgbox", "//evil.example.com/x", "\\\\evil\\share", "&#x6A;avascript:x",
                "javascript&colon;alert(1)", "&#0000106avascript:x", "jav&#x09;ascript:x",
                "&Tab;javascript:x", "data&colon;text/html,x", "&amp;#x6A;avascript:x")
DURATIONS = ("5 min", "1.5 h", "2 days", "00:15", "soon", "5", "-3 min", "99999999 h", "")
KEYWORDS = ("start", "step", "decide", "call", "end")
ATTRS = ("link", "note", "duration", "warning")
MISSPELT = ("stpe", "Step", "STEP", "decision", "goto", "lane:", "notes", "links", "ende", "x")
FRONT_KEYS = ("title", "id", "version", "owner", "created", "modified", "reviewed",
              "review_every", "purpose", "scope", "glossary", "equipment", "tags", "changes")
YAML_ODDITIES = ("&a x", "*a", "!!python/object:os.system x", "!tag x", "[1, [2, [3]]]",
                 "{a: b}", "|\n  block", ">\n  folded", "'unclosed", '"unclosed', "- a\n- b",
                 "yes", "no", "~", "null", "1.10", "2026-13-45", "0x1F", ".inf", "? x",
                 "x: y: z", "\t", "%YAML 1.1", "---", "...", "a #comment", "@x", "`x")


def words(rng: random.Random, hostile: float = 0.3, newlines: bool = False) -> str:
    """A few words of author text, some hostile."""
    out = []
    for _ in range(rng.randint(1, 7)):
        if rng.random() < hostile:
            out.append(rng.choice(HOSTILE))
        else:
            out.append(rng.choice(WORDS))
    text = " ".join(out)
    if not newlines:
        text = text.replace("\r", " ").replace("\n", " ")
    return text.strip() or "x"


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


# ------------------------------------------------------------------ programs

def front_matter(rng: random.Random, valid: bool) -> list[str]:
    lines = ["---"]
    if valid:
        lines += [f"title: {yaml_string(words(rng))}", f"version: 1.{rng.randint(0, 20)}.0",
                  f"owner: {yaml_string(words(rng, 0.2))}", "created: 2025-01-10",
                  "modified: 2026-10-02", "review_every: 90 days",
                  f"purpose: {yaml_string(words(rng))}",
                  "scope:", f"  begins: {yaml_string(words(rng))}",
                  f"  ends: {yaml_string(words(rng))}"]
        if rng.random() < 0.5:
            lines.append("glossary:")
            for n in range(rng.randint(1, 3)):
                lines.append(f"  T{n}{rng.choice(('', 'X', '_a'))}: {yaml_string(words(rng))}")
        if rng.random() < 0.5:
            lines.append("equipment:")
            lines += [f"  - {yaml_string(words(rng))}" for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            lines += ["tags:", f"  - {yaml_string(words(rng, 0.5))}"]
        if rng.random() < 0.4:
            lines += ["changes:", "  - version: 1.0.0", "    date: 2026-01-02",
                      f"    by: {yaml_string(words(rng))}", f"    note: {yaml_string(words(rng))}"]
        lines.append("---")
        return lines
    for _ in range(rng.randint(0, 8)):
        key = rng.choice(FRONT_KEYS + ("unknown", "titel", "scope.begins", " title", "- x"))
        value = rng.choice(YAML_ODDITIES) if rng.random() < 0.4 else words(rng, 0.5)
        lines.append(f"{key}: {value}")
        if rng.random() < 0.2:
            lines.append(f"  {rng.choice(('begins', 'ends', 'x', '- y'))}: {words(rng)}")
    if rng.random() < 0.9:
        lines.append(rng.choice(("---", "--- ", "---\t", "----", "...")))
    return lines


def program(rng: random.Random, valid: bool = False, size: int | None = None,
            unsafe_links: float = 0.1) -> str:
    """A .flow file built from the grammar's line shapes. With ``valid``, a
    procedure that checks without errors (warnings allowed): a chain of nodes
    from a start to an end, decisions branching forward (and sometimes back
    into the chain, which the forward branch leaves again), hostile text
    everywhere text may go; otherwise any line anywhere, misspelt, repeated,
    out of place. ``unsafe_links``: the share of a valid procedure's links that
    are unsafe (so a link the checks miss is rendered and caught)."""
    size = size if size is not None else rng.randint(1, 40)
    lines: list[str] = []
    if rng.random() < (0.8 if valid else 0.5):
        lines += front_matter(rng, valid)
    body = _valid_body(rng, size, unsafe_links) if valid else _any_body(rng, size)
    lines += body
    sep = rng.choice(("\n",) * 6 + ("\r\n", "\r")) if rng.random() < 0.3 else "\n"
    text = sep.join(lines)
    if rng.random() < 0.8:
        text += sep
    if rng.random() < 0.05:
        text = "\ufeff" + text
    return text


def _attrs(rng: random.Random, valid: bool, unsafe_links: float = 0.1) -> list[str]:
    out, used = [], set()
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
        key = rng.choice(ATTRS)
        if valid and key in used and key in ("duration", "warning"):
            continue  # at most one of each: a second is a syntax error
        used.add(key)
        if key == "link":
            # Unsafe links in valid procedures too: one the checks miss is rendered,
            # and the output oracles catch it.
            pool = SAFE_LINKS if rng.random() < (1 - unsafe_links if valid else 0.6) else UNSAFE_LINKS
            value = rng.choice(pool)
            if rng.random() < 0.3:
                value += words(rng, 0.5).replace(" ", "")
        elif key == "duration":
            value = rng.choice(DURATIONS) or "5 min"
        else:
            value = words(rng)
        out.append(f"{rng.choice(('  ', '    ', chr(9), ''))}{key}: {value}")
    return out


def _label(rng: random.Random) -> str:
    """A branch label: a usual one, or hostile words that cannot change the
    line's shape (no ':' that would make it a statement, no '->')."""
    if rng.random() < 0.6:
        return rng.choice(("yes", "no", "maybe", '"over 4 hours"', "retry", "'quoted label'"))
    text = words(rng, 0.5).replace("->", "=>").replace(":", ";")
    return f"if {text}"


def _valid_body(rng: random.Random, size: int, unsafe_links: float) -> list[str]:
    n = max(1, size)
    kinds = [rng.choice(("step", "step", "step", "decide", "call")) for _ in range(n)]
    ids = [f"{rng.choice(('s', 'step_', 'n-', 'Node', '_x'))}{i}" for i in range(n)]
    end_ids = [f"end{k}" for k in range(rng.randint(1, 3))]
    lines = []
    if rng.random() < 0.7:
        lines.append(f"lane {words(rng)}")
    if rng.random() < 0.3:
        lines.append(f"# {words(rng, 0.5, newlines=False)}")
    lines.append(f"start{rng.choice(('', ' begin'))}: {words(rng)}")
    lines += _attrs(rng, True, unsafe_links)
    targeted = set()
    for i, kind in enumerate(kinds):
        if rng.random() < 0.1:
            lines.append(f"lane {words(rng)}")
        if rng.random() < 0.1:
            lines.append(rng.choice(("", "# " + words(rng), "   ")))
        text = ("other-proc" if rng.random() < 0.5 else f"proc_{i}") if kind == "call" else words(rng)
        lines.append(f"{kind} {ids[i]}: {text}")
        lines += _attrs(rng, True, unsafe_links)
        nxt = ids[i + 1] if i + 1 < n else end_ids[0]
        if kind == "decide":
            forward = ids[i + 1:] + end_ids
            drawn = [_label(rng) for _ in range(rng.randint(2, 4))]
            # Labels compare without their quotes and case: keep distinct ones.
            labels = list({lb.strip("\"'").strip().lower(): lb for lb in drawn}.values())
            if len(labels) < 2:
                labels.append("otherwise")
            targets = [nxt] + [rng.choice(forward) for _ in labels[1:]]
            if len(labels) > 2 and i > 0 and rng.random() < 0.5:
                targets[-1] = rng.choice(ids[:i + 1])  # a loop back; "yes" still leaves it
            for label, target in zip(labels, targets):
                targeted.add(target)
                lines.append(f"  {label} -> {target}")
        elif rng.random() < 0.2:
            lines.append(f"  -> {nxt}")
            targeted.add(nxt)
        else:
            targeted.add(nxt)
    for k, end_id in enumerate(end_ids):
        if k and end_id not in targeted:
            continue  # an outcome nothing leads to would be unreachable
        lines.append(f"end {end_id}: {words(rng)}")
        lines += _attrs(rng, True, unsafe_links)
    return lines


def _any_body(rng: random.Random, size: int) -> list[str]:
    ids = [f"{rng.choice(('a', 'b', 'step_', 'end', 'x-'))}{rng.randint(0, 6)}"
           for _ in range(8)]
    lines = []
    for _ in range(size):
        r = rng.random()
        indent = rng.choice(("", "", "  ", "\t", "    "))
        if r < 0.35:
            kw = rng.choice(KEYWORDS + MISSPELT[:2]) if rng.random() < 0.95 else rng.choice(MISSPELT)
            node_id = f" {rng.choice(ids)}" if rng.random() < 0.6 else ""
            text = words(rng, 0.4) if rng.random() < 0.95 else ""
            lines.append(f"{indent}{kw}{node_id}:{rng.choice((' ', '', '  '))}{text}")
        elif r < 0.5:
            label = rng.choice(("yes", "no", "'quoted'", '"x"', "", words(rng, 0.3)))
            lines.append(f"{indent}{label} -> {rng.choice(ids + ['', 'not an id', '9x'])}")
        elif r < 0.6:
            lines.append(f"{indent}-> {rng.choice(ids + [''])}")
        elif r < 0.75:
            key = rng.choice(ATTRS)
            value = (rng.choice(SAFE_LINKS + UNSAFE_LINKS) if key == "link"
                     else rng.choice(DURATIONS) if key == "duration" else words(rng))
            lines.append(f"{indent or '  '}{key}: {value}")
        elif r < 0.8:
            lines.append(f"lane{rng.choice((' ', '', ':'))}{words(rng, 0.3) if rng.random() < 0.9 else ''}")
        elif r < 0.87:
            lines.append(f"{indent}# {words(rng, 0.5)}")
        elif r < 0.93:
            lines.append(indent)
        else:
            lines.append(indent + words(rng, 0.6, newlines=rng.random() < 0.2))
    return lines


# ------------------------------------------------------------------ mutations

def mutate(rng: random.Random, data: bytes) -> bytes:
    """1 to 5 edits of the bytes or the lines of ``data``."""
    for _ in range(rng.randint(1, 5)):
        op = rng.choice(("flip", "flip", "insert", "delete", "swap", "drop", "dup", "truncate",
                         "splice"))
        if op in ("swap", "drop", "dup"):
            lines = data.split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "drop" and len(lines) > 1:
                del lines[i]
            else:
                lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif not data:
            data = bytes([rng.randrange(256)])
        elif op == "flip":
            at = rng.randrange(len(data))
            value = data[at] ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else rng.randrange(256)
            data = data[:at] + bytes([value]) + data[at + 1:]
        elif op == "insert":
            at = rng.randint(0, len(data))
            extra = rng.choice((rng.choice(HOSTILE).encode("utf-8"), b"\r", b"\r\n", b"\x00",
                                b"\xff", b"\xc3", b"\xef\xbb\xbf", b"->", b":", b"---\n"))
            data = data[:at] + extra + data[at:]
        elif op == "delete":
            at = rng.randrange(len(data))
            data = data[:at] + data[at + rng.randint(1, 40):]
        elif op == "truncate":
            data = data[:rng.randint(0, len(data))]
        else:  # splice: a line of one place pasted in another
            lines = data.split(b"\n")
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
            data = b"\n".join(lines)
    return data


def example_texts() -> list[bytes]:
    return [p.read_bytes() for p in sorted(DIAGRAMS.glob("*.flow"))]


def check_input(rng: random.Random, examples: list[bytes]) -> tuple[str, bytes]:
    """One parse/check case: (how it was made, the file's bytes)."""
    r = rng.random()
    if r < 1 / 3:
        return "generated", program(rng).encode("utf-8")
    if r < 2 / 3:
        return "valid", program(rng, valid=True).encode("utf-8")
    base = rng.choice(examples) if rng.random() < 0.7 else program(rng, rng.random() < 0.5).encode()
    return "mutated", mutate(rng, base)


# ------------------------------------------------------------------ oracles

class Failure(Exception):
    """An oracle found a bug."""


def file_lines(text: str) -> list[str]:
    """The lines as flowsop counts them (LF, CRLF, lone CR; a BOM is no character)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def check_diagnostics(text: str, diagnostics) -> None:
    from flowsop.checks import RULES
    lines = file_lines(text)
    for d in diagnostics:
        if not 1 <= d.line <= len(lines):
            raise Failure(f"line outside the file: {d} ({len(lines)} lines)")
        if not 1 <= d.column <= len(lines[d.line - 1]) + 1:
            raise Failure(f"column outside the line: {d} (line has {len(lines[d.line - 1])})")
        if d.rule not in RULES or not d.message:
            raise Failure(f"unregistered rule or empty message: {d}")


def run_check_case(data: bytes, text_forms: bool = True) -> dict:
    """decode → load_text → outline, and for a clean procedure (when
    ``text_forms``) the forms that need no engine. Figures about the case."""
    from flowsop.api import load_text
    from flowsop.parse import SourceError
    from flowsop.parse.body import decode_source
    from flowsop.parse.outline import outline_text

    try:
        text = decode_source(data, "fuzz.flow")
    except SourceError:
        return {"source_error": 1}
    loaded = load_text(text, "fuzz.flow", default_id="fuzz", today=TODAY)
    check_diagnostics(text, loaded.diagnostics)
    outline_text(text, "fuzz.flow", default_id="fuzz")
    rendered = bool(loaded.ok and text_forms)
    if rendered:
        render_text_forms(loaded)
    return {"diagnostics": len(loaded.diagnostics), "clean": int(loaded.ok),
            "text_forms_checked": int(rendered)}


def render_text_forms(loaded, svg: str | None = None) -> None:
    """Every form that needs no layout engine (the HTML page without its
    chart when ``svg`` is None), each checked."""
    from flowsop.procedure import number_procedure
    from flowsop.render import RenderContext
    from flowsop.render.dot import dot_source
    from flowsop.render.mermaid import render_mermaid
    from flowsop.render.formats import FORMATS

    n = number_procedure(loaded.procedure, loaded.graph)
    ctx = RenderContext(today=TODAY, link_base="../lib", svg=svg)
    dot_source(n, ctx)
    check_html(FORMATS["html"].renderer()(n, ctx))
    check_markdown(FORMATS["md"].renderer()(n, ctx), f"{n.id}.svg")
    check_markdown(FORMATS["checklist"].renderer()(n, ctx), f"{n.id}.svg")
    check_csv(FORMATS["csv"].renderer()(n, ctx))
    check_mermaid(render_mermaid(n, ctx))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
#: Elements no output of flowsop may contain (zzinject: an author's, see HOSTILE).
FORBIDDEN = {"script", "foreignobject", "iframe", "object", "embed", "base", "zzinject",
             "image", "img", "frame", "frameset", "form", "applet"}


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def browser_scheme_is_safe(value: str) -> bool:
    """The oracle's own reading of a link, as a browser reads an attribute
    value that an HTML parser has already decoded (flowsop's ``is_safe_link``
    is what is under test, so it is not used here)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", value)
    if cleaned.startswith(("//", "\\\\", "/\\", "\\/")):
        return False
    m = _SCHEME.match(cleaned)
    return m is None or m.group(1).lower() in ("http", "https", "mailto")


def check_attributes(where: str, tag: str, attrs) -> None:
    seen = set()
    for name, value in attrs:
        local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
        if name in seen:
            raise Failure(f"{where}: duplicate attribute {name!r} on <{tag}>")
        seen.add(name)
        if local.startswith("on") or local == "zzattr":
            raise Failure(f"{where}: attribute {name!r} on <{tag}>")
        if local in ("href", "src", "action", "formaction") and value is not None \
                and not browser_scheme_is_safe(value):
            raise Failure(f"{where}: unsafe {name}={value!r} on <{tag}>")
        if local == "http-equiv" and (value or "").lower() == "refresh":
            raise Failure(f"{where}: meta refresh")


class StrictHTML(HTMLParser):
    """``html.parser`` with a strict reading: every non-void element is closed
    in order, nothing is closed that was not opened, no duplicate attribute,
    no forbidden element or attribute (see ``FORBIDDEN``, ``check_attributes``)."""

    def __init__(self, where: str, images: tuple[str, ...] = ()):
        super().__init__(convert_charrefs=True)
        self.where, self.stack, self.images = where, [], images

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            raise Failure(f"{self.where}: </{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        self.stack.pop()

    def _check(self, tag, attrs):
        if tag == "img" and dict(attrs).get("src") in self.images:
            attrs = [(k, v) for k, v in attrs if k != "src"]
        elif tag in FORBIDDEN:
            raise Failure(f"{self.where}: forbidden element <{tag}>")
        check_attributes(self.where, tag, attrs)

    def finish(self):
        self.close()
        if self.stack:
            raise Failure(f"{self.where}: unclosed <{'> <'.join(self.stack)}>")


def check_html(html: str, where: str = "html", images: tuple[str, ...] = ()) -> None:
    """``images``: the only ``<img src>`` allowed (the chart beside a Markdown page)."""
    parser = StrictHTML(where, images)
    parser.feed(html)
    parser.finish()


def check_svg(svg: str) -> None:
    root = ET.fromstring(svg.encode("utf-8"))  # raises ParseError if not XML
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""
        if tag in FORBIDDEN:
            raise Failure(f"svg: forbidden element <{tag}>")
        check_attributes("svg", tag, el.attrib.items())


def check_csv(text: str) -> None:
    from flowsop.render.csvout import FORMULA_START
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(FORMULA_START):
                raise Failure(f"csv: a cell a spreadsheet would run: {cell[:40]!r}")


_MERMAID_LABEL = re.compile(r'"[^"]*"')


def check_mermaid(text: str) -> None:
    for line in text.splitlines():
        if line.count('"') not in (0, 2):
            raise Failure(f"mermaid: author text left its quotes: {line[:80]!r}")
        bare = _MERMAID_LABEL.sub('""', line).replace("-.->", "").replace("-->", "")
        if line.lstrip().startswith(("accTitle:", "accDescr:")):
            bare = bare.split(":", 1)[0]
        if re.search(r"[<>]", bare):
            raise Failure(f"mermaid: markup outside a label: {line[:80]!r}")
        for label in _MERMAID_LABEL.findall(line):
            if re.search(r'[<>&`\\]', label[1:-1]):
                raise Failure(f"mermaid: raw markup inside a label: {label[:80]!r}")


def check_markdown(md: str, chart: str) -> None:
    """Markdown → HTML with markdown-it (CommonMark, raw HTML allowed, as
    GitHub and GitLab allow much of it) and with Python-Markdown (MkDocs),
    then the HTML checks; the only image is the chart. (markdown-it refuses
    javascript: links itself; Python-Markdown writes them as they come.)"""
    import markdown
    from markdown_it import MarkdownIt
    check_html(MarkdownIt("commonmark").render(md), "markdown-it", images=(chart,))
    check_html(markdown.markdown(md, extensions=["toc", "tables", "fenced_code"]),
               "python-markdown", images=(chart,))  # MkDocs' default extensions


def run_render_case(text: str) -> dict:
    """A procedure that checks clean → every output, each checked."""
    from flowsop.api import load_text
    from flowsop.procedure import number_procedure
    from flowsop.render import RenderContext
    from flowsop.render.chart import render_svg
    from flowsop.render.engine import EngineError

    loaded = load_text(text, "fuzz.flow", default_id="fuzz", today=TODAY)
    check_diagnostics(text, loaded.diagnostics)
    if not loaded.ok:
        return {"not_renderable": 1}
    n = number_procedure(loaded.procedure, loaded.graph)
    try:
        svg = render_svg(n, RenderContext(today=TODAY, link_base="../lib"))
    except EngineError as e:
        raise Failure(f"the engine refused flowsop's DOT: {e}") from None
    check_svg(svg)
    render_text_forms(loaded, svg)
    return {"rendered": 1, "svg_bytes": len(svg), "nodes": len(n.items)}


def render_input(rng: random.Random) -> str:
    """A valid procedure with safe links only: every case is rendered."""
    return program(rng, valid=True, size=rng.randint(1, 25), unsafe_links=0.0)


# ------------------------------------------------------------------ the run

TEXT_FORMS_EVERY = 4


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("no answer within the deadline")


def make_case(seed: int, kind: str, index: int, examples: list[bytes]):
    rng = random.Random(f"{seed}:{kind}:{index}")
    if kind == "check":
        return check_input(rng, examples)
    return "valid", render_input(rng).encode("utf-8")


def run_batch(job: tuple) -> dict:
    """Worker: run cases ``start .. start+count`` of ``kind``."""
    seed, kind, start, count, deadline = job
    examples = example_texts()
    signal.signal(signal.SIGALRM, _alarm)
    stats: dict = {"cases": 0, "by_origin": {}, "failures": [], "slowest": 0.0, "time": 0.0}
    for index in range(start, start + count):
        origin, data = make_case(seed, kind, index, examples)
        stats["by_origin"][origin] = stats["by_origin"].get(origin, 0) + 1
        t = time.perf_counter()
        signal.alarm(deadline)
        try:
            # The text forms of one clean case in TEXT_FORMS_EVERY: they cost
            # more than parse and check together.
            figures = (run_check_case(data, index % TEXT_FORMS_EVERY == 0) if kind == "check"
                       else run_render_case(data.decode("utf-8")))
        except Hang:
            figures = {}
            stats["failures"].append((kind, index, "hang", f"no answer within {deadline} s", data))
        except Failure as e:
            figures = {}
            stats["failures"].append((kind, index, "oracle", str(e), data))
        except Exception:  # noqa: BLE001 - any exception is what we are looking for
            figures = {}
            stats["failures"].append((kind, index, "exception", traceback.format_exc(), data))
        finally:
            signal.alarm(0)
        elapsed = time.perf_counter() - t
        stats["time"] += elapsed
        stats["slowest"] = max(stats["slowest"], elapsed)
        stats["cases"] += 1
        for k, v in figures.items():
            stats[k] = stats.get(k, 0) + v
    return stats


def merge(total: dict, part: dict) -> None:
    for k, v in part.items():
        if k == "failures":
            total.setdefault(k, []).extend(v)
        elif k == "by_origin":
            counts = total.setdefault(k, {})
            for o, c in v.items():
                counts[o] = counts.get(o, 0) + c
        elif k == "slowest":
            total[k] = max(total.get(k, 0.0), v)
        else:
            total[k] = total.get(k, 0) + v


def run(kind: str, cases: int, seed: int, workers: int, batch: int, deadline: int,
        stall: float) -> dict:
    total: dict = {"cases": 0}
    jobs = [(seed, kind, s, min(batch, cases - s), deadline) for s in range(0, cases, batch)]
    with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=50) as pool:
        results = pool.imap(run_batch, jobs)
        for _ in jobs:
            try:
                part = results.next(timeout=stall)
            except multiprocessing.TimeoutError:
                # The alarm did not fire (a hang outside Python's reach).
                total.setdefault("failures", []).append((kind, -1, "hang",
                                                         f"a worker gave no answer in {stall} s", b""))
                pool.terminate()
                break
            merge(total, part)
            print(f"\r{kind}: {total['cases']:,}/{cases:,} cases, "
                  f"{len(total.get('failures', []))} failures", end="", file=sys.stderr)
    print(file=sys.stderr)
    return total


def report(kind: str, stats: dict, wall: float) -> None:
    cases = stats.get("cases", 0)
    print(f"{kind}: {cases:,} cases in {wall:.0f} s wall "
          f"({cases / wall if wall else 0:,.0f}/s; mean {1000 * stats.get('time', 0) / max(cases, 1):.1f} ms, "
          f"slowest {1000 * stats.get('slowest', 0):.0f} ms)")
    print(f"  made as: {json.dumps(stats.get('by_origin', {}), sort_keys=True)}")
    for key in ("source_error", "clean", "diagnostics", "text_forms_checked", "not_renderable",
                "rendered", "nodes", "svg_bytes"):
        if key in stats:
            print(f"  {key}: {stats[key]:,}")
    print(f"  failures: {len(stats.get('failures', []))}")


def save_failures(stats: dict, folder: Path, seed: int) -> None:
    failures = stats.get("failures", [])
    if not failures:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for kind, index, what, detail, data in failures[:200]:
        stem = folder / f"{kind}-{index}"
        stem.with_suffix(".flow").write_bytes(data)
        stem.with_suffix(".txt").write_text(f"seed {seed}, replay: --replay {kind}:{index}\n"
                                            f"{what}: {detail}\n", encoding="utf-8")
    print(f"  saved to {folder}; first: {failures[0][2]}: {failures[0][3][-600:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", type=int, default=100_000, help="parse/check cases")
    ap.add_argument("--render", type=int, default=2_000, help="rendering cases")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1,
                    help="worker processes (default 1: leave the other cores to others)")
    ap.add_argument("--deadline", type=int, default=20, help="seconds per parse/check case")
    ap.add_argument("--render-deadline", type=int, default=180,
                    help="seconds per rendering case (the engine's own limit is 60 s)")
    ap.add_argument("--save", default="fuzz-failures", help="folder for failing inputs")
    ap.add_argument("--replay", metavar="KIND:INDEX", help="run one case and show its input")
    args = ap.parse_args(argv)
    if args.replay:
        kind, index = args.replay.split(":")
        origin, data = make_case(args.seed, kind, int(index), example_texts())
        print(f"{kind}:{index} ({origin}): {data!r}")
        stats = run_batch((args.seed, kind, int(index), 1, args.deadline))
        for f in stats["failures"]:
            print(f[2], f[3])
        return 1 if stats["failures"] else 0
    print(f"flowsop long fuzz: seed {args.seed}, {args.workers} worker(s), "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    failed = 0
    for kind, cases, deadline, batch in (("check", args.check, args.deadline, 500),
                                         ("render", args.render, args.render_deadline, 20)):
        if not cases:
            continue
        t = time.perf_counter()
        stats = run(kind, cases, args.seed, args.workers, batch, deadline,
                    stall=max(600.0, deadline * 3.0))
        report(kind, stats, time.perf_counter() - t)
        save_failures(stats, Path(args.save), args.seed)
        failed += len(stats.get("failures", []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
