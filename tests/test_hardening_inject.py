"""Injection: author text reaches every output only as text.

A procedure with hostile text in every place an author can write
(tests/fixtures/hostile/lib/everything.flow) is built into every format;
each output is read back with a real parser and checked:

- DOT: tokenised; only allowlisted attributes; author text only inside quoted
  or HTML strings; HTML labels are well-formed XML using the label tags only;
- SVG: XML; no script, foreignObject, image or event attribute; links safe;
- HTML (page, fragment, index): a strict ``html.parser`` reading (every
  element closed in order); no script, iframe, event attribute, unsafe link;
- Markdown (page, checklist, index): rendered by markdown-it (CommonMark) and
  by Python-Markdown (MkDocs), then read as HTML as above;
- Mermaid: author text only inside labels, as entity codes;
- CSV: no cell a spreadsheet would run.
And in each: every author string whose marker (``zqNN``) shows up shows up
whole and literal, and each output shows the strings it is meant to show.

The suite shows that these checks can fail: ``test_the_checks_fail_with_*``
switch one escaping layer off at a time (monkeypatching the one function or
value that does it; production code has no switch) and assert that the
checks then find the injection.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import TODAY_ARG
from flowsop.api import load_file
from flowsop.render.dot import ALLOWED_ATTRIBUTES, FORBIDDEN_ATTRIBUTES, TOOLTIP_BACKSLASH
from test_hardening_common import HOSTILE, load_bench_module

FUZZ = load_bench_module("fuzz_long")  # its strict HTML reader and link oracle
FORMATS = "svg,html,md,checklist,csv,dot,mermaid,fragment"
#: The Markdown extensions MkDocs turns on by default.
MKDOCS = ["toc", "tables", "fenced_code"]
MARKER = re.compile(r"zq\d\d")
SVG_NS = "{http://www.w3.org/2000/svg}"


# ------------------------------------------------------------------ building

def build(lib: Path, out: Path, capsys) -> dict[str, str]:
    """``flowsop build`` in this process (so that tests can switch a layer
    off), every format; the outputs by file name."""
    from flowsop.cli import main
    code = main(["build", str(lib), "-o", str(out), "--format", FORMATS, "--today", TODAY_ARG])
    err = capsys.readouterr().err
    assert code in (0, 1), err
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def author_strings(path: Path) -> dict[str, list[str]]:
    """Every piece of author text of a procedure, by where it goes, read from
    the parsed model (so the test follows the fixture, not a copy of it)."""
    p = load_file(path).procedure
    m = p.meta
    nodes = [n for n in p.nodes if n.kind != "call"]
    attrs = [(a.key, a.value) for n in p.nodes for a in n.attributes]
    out = {
        "title": [m.title], "page_meta": [m.version, m.owner, m.purpose, m.scope_begins,
                                          m.scope_ends, *m.equipment, *m.tags],
        "glossary": [x for term, meaning in m.glossary for x in (term, meaning)],
        "changes": [x for c in m.changes for x in (c.by, c.note) if x],
        "lanes": [lane.name for lane in p.lanes], "texts": [n.text for n in nodes],
        "labels": [b.label for n in p.nodes for b in n.branches],
        "notes": [v for k, v in attrs if k == "note"],
        "warnings": [v for k, v in attrs if k == "warning"],
        "durations": [v for k, v in attrs if k == "duration"],
        "links": [v for k, v in attrs if k == "link"],
    }
    return {k: [x for x in v if x] for k, v in out.items()}


# ------------------------------------------------------------------ reading outputs back

def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def literal_problems(kind: str, shown: str, strings: list[str], required: list[str],
                     no_space: bool = False) -> list[str]:
    """Each author string whose marker is in ``shown`` must be there whole
    (whitespace collapsed, or removed with ``no_space``: charts wrap lines);
    each string in ``required`` must be there."""
    norm = (lambda s: re.sub(r"\s+", "", s)) if no_space else squeeze
    text = norm(shown)
    problems = []
    for s in strings:
        markers = MARKER.findall(s)
        if any(mk in text for mk in markers) or s in required:
            if norm(s) not in text:
                problems.append(f"{kind}: not shown literally: {s!r}")
    return problems


class TextOf(FUZZ.StrictHTML):
    """The strict HTML reading, keeping the text a reader sees."""

    def __init__(self, where, images=()):
        super().__init__(where, images)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def html_problems(kind: str, page: str, images=()) -> tuple[list[str], str]:
    reader = TextOf(kind, images)
    try:
        reader.feed(page)
        reader.finish()
    except FUZZ.Failure as e:
        return [str(e)], "".join(reader.parts)
    return [], "".join(reader.parts)


def markdown_problems(kind: str, md: str, chart: str) -> tuple[list[str], list[str]]:
    """(problems, the text each Markdown renderer shows)."""
    import markdown
    from markdown_it import MarkdownIt
    problems, texts = [], []
    for name, rendered in (("markdown-it", MarkdownIt("commonmark").render(md)),
                           ("python-markdown", markdown.markdown(md, extensions=MKDOCS))):
        found, text = html_problems(f"{kind} ({name})", rendered, images=(chart,))
        problems += found
        texts.append(text)
    return problems, texts


def svg_problems(svg: str) -> tuple[list[str], str, str]:
    """(problems, the chart's text, its tooltips)."""
    try:
        root = ET.fromstring(svg.encode("utf-8"))
    except ET.ParseError as e:
        return [f"svg: not XML: {e}"], "", ""
    problems, tips = [], []
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in FUZZ.FORBIDDEN:
            problems.append(f"svg: <{tag}>")
        try:
            FUZZ.check_attributes("svg", tag, el.attrib.items())
        except FUZZ.Failure as e:
            problems.append(str(e))
        tips += [v for k, v in el.attrib.items() if k.endswith("}title")]
    text = "".join(t for el in root.iter() if el.tag in (SVG_NS + "text", SVG_NS + "title",
                                                         SVG_NS + "desc")
                   for t in [el.text or ""])
    return problems, text, "\n".join(tips)


DOT_TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|(?P<string>"(?:[^"\\]|\\.)*")|(?P<html><)'
                       r'|(?P<punct>->|--|[\[\]{}=;,:])|(?P<id>[A-Za-z_0-9.\x80-\U0010ffff#-]+)',
                       re.S)
LABEL_TAGS = {"b", "i", "font", "br", "table", "tr", "td"}


def dot_tokens(src: str) -> list[tuple[str, str]]:
    """A DOT lexer: (kind, text) for strings, HTML strings (nested <...>),
    punctuation and IDs; anything else is an "error" token."""
    out, i = [], 0
    while i < len(src):
        m = DOT_TOKEN.match(src, i)
        if m is None:
            out.append(("error", src[i]))
            i += 1
            continue
        if m.group("html"):
            depth, j = 0, i
            while j < len(src):
                depth += {"<": 1, ">": -1}.get(src[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append(("html", src[i + 1:j - 1]))
            i = j
            continue
        kind = m.lastgroup
        if kind:
            out.append((kind, m.group(0)))
        i = m.end()
    return out


def dot_problems(dot: str) -> list[str]:
    problems = []
    tokens = dot_tokens(dot)
    for n, (kind, text) in enumerate(tokens):
        if kind == "error":
            problems.append(f"dot: {text!r} is no DOT token")
        elif kind == "id" and MARKER.search(text):
            problems.append(f"dot: author text outside a string: {text!r}")
        elif kind == "id" and n + 1 < len(tokens) and tokens[n + 1] == ("punct", "=") \
                and text not in ALLOWED_ATTRIBUTES:
            problems.append(f"dot: attribute {text!r} is not allowlisted")
        if kind == "id" and text in FORBIDDEN_ATTRIBUTES:
            problems.append(f"dot: forbidden attribute {text!r}")
        if kind == "html":
            try:
                label = ET.fromstring(f"<label>{text}</label>")
            except ET.ParseError as e:
                problems.append(f"dot: an HTML label is not XML ({e}): {text[:80]!r}")
                continue
            for el in label.iter():
                if el.tag != "label" and (el.tag not in LABEL_TAGS or MARKER.search(
                        " ".join([el.tag, *el.attrib, *el.attrib.values()]))):
                    problems.append(f"dot: markup from author text in a label: <{el.tag}>")
    return problems


MERMAID_CODES = re.compile(r"#(\d+|quot|amp|lt|gt);")


def mermaid_problems(source: str) -> tuple[list[str], str]:
    problems = []
    try:
        FUZZ.check_mermaid(source)
    except FUZZ.Failure as e:
        problems.append(str(e))
    labels = re.findall(r'"([^"]*)"', source)
    labels += [line.split(":", 1)[1] for line in source.splitlines()
               if line.lstrip().startswith(("accTitle:", "accDescr:"))]
    named = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}
    text = "\n".join(MERMAID_CODES.sub(lambda m: named.get(m.group(1)) or chr(int(m.group(1))),
                                       label) for label in labels)
    return problems, text


def csv_problems(text: str) -> tuple[list[str], str]:
    problems = []
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                problems.append(f"csv: a spreadsheet would run {cell[:40]!r}")
    return problems, "\n".join(c for row in rows for c in row)


# ------------------------------------------------------------------ the report

def report(outputs: dict[str, str], strings: dict[str, list[str]], proc: str = "everything"
           ) -> dict[str, list[str]]:
    """Problems found in each output; an output that was not written is one."""
    everything = [s for v in strings.values() for s in v]
    # Links are shown as written in the pages; charts show a file name or a
    # host, and the sheet the path rewritten for the output folder.
    not_links = [s for k, v in strings.items() if k != "links" for s in v]
    chart = strings["texts"] + strings["lanes"] + strings["labels"] + strings["warnings"]
    page = [s for k, v in strings.items() if k != "links" for s in v]
    out: dict[str, list[str]] = {}

    def need(name: str, kind: str) -> str | None:
        if name not in outputs:
            out[kind] = [f"{kind} was not written"]
            return None
        return outputs[name]

    if (dot := need(f"{proc}.dot", "dot")) is not None:
        out["dot"] = dot_problems(dot)
    if (svg := need(f"{proc}.svg", "svg")) is not None:
        found, text, tips = svg_problems(svg)
        found += literal_problems("svg", text, not_links, chart + strings["title"], no_space=True)
        # Tooltips show a backslash as a look-alike (see render/dot.py).
        tips = tips.replace(TOOLTIP_BACKSLASH, "\\")
        found += literal_problems("svg tooltips", tips, strings["notes"], strings["notes"])
        out["svg"] = found
    for name, kind in ((f"{proc}.html", "html"), (f"{proc}.fragment.html", "fragment"),
                       ("index.html", "index.html")):
        if (page_html := need(name, kind)) is not None:
            found, text = html_problems(kind, page_html)
            required = page if kind == "html" else strings["title"]
            found += literal_problems(kind, text, everything, required)
            out[kind] = found
    for name, kind in ((f"{proc}.md", "md"), (f"{proc}.checklist.md", "checklist"),
                       ("index.md", "index.md")):
        if (md := need(name, kind)) is not None:
            found, texts = markdown_problems(kind, md, f"{proc}.svg")
            required = {"md": page, "checklist": strings["texts"]}.get(kind, strings["title"])
            for text in texts:
                found += literal_problems(kind, text, everything, required)
            out[kind] = found
    if (mmd := need(f"{proc}.mmd", "mermaid")) is not None:
        found, text = mermaid_problems(mmd)
        out["mermaid"] = found + literal_problems("mermaid", text, not_links, chart)
    if (sheet := need(f"{proc}.csv", "csv")) is not None:
        found, text = csv_problems(sheet)
        keep = [s for s in strings["texts"] + strings["lanes"] if not s.startswith(("=", "+", "-", "@"))]
        out["csv"] = found + literal_problems("csv", text, not_links, keep)
    return out


@pytest.fixture(scope="module")
def strings():
    return author_strings(HOSTILE / "lib" / "everything.flow")


@pytest.fixture
def hostile_build(tmp_path, capsys, strings):
    def run() -> dict[str, list[str]]:
        out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        return report(build(HOSTILE / "lib", out, capsys), strings)
    return run


def test_the_fixture_reaches_every_place_author_text_can_go(strings):
    # The report is only as good as the fixture: text everywhere, each marked.
    for where in ("title", "page_meta", "glossary", "changes", "lanes", "texts", "labels",
                  "notes", "warnings", "durations", "links"):
        assert strings[where], where
    marked = [s for v in strings.values() for s in v if MARKER.search(s)]
    assert len(marked) >= 25


def test_every_output_shows_author_text_only_as_text(hostile_build):
    found = hostile_build()
    assert set(found) == {"dot", "svg", "html", "fragment", "index.html", "md", "checklist",
                          "index.md", "mermaid", "csv"}
    assert {kind: problems for kind, problems in found.items() if problems} == {}


# ------------------------------------------------------------------ the checks can fail

def _switch_autoescape_off(monkeypatch):
    from flowsop.render import templating
    monkeypatch.setattr(templating, "select_autoescape", lambda *a, **k: (lambda name: False))


def _switch_markdown_escaping_off(monkeypatch):
    from flowsop.render import templating
    monkeypatch.setattr(templating, "md_escape", str)
    monkeypatch.setattr(templating, "md_block", str)


def _switch_dot_label_escaping_off(monkeypatch):
    from flowsop.render import dot
    monkeypatch.setattr(dot, "_esc", lambda text: text)


def _switch_tooltip_backslashes_on(monkeypatch):
    from flowsop.render import dot
    monkeypatch.setattr(dot, "TOOLTIP_BACKSLASH", "\\")


def _switch_mermaid_escaping_off(monkeypatch):
    from flowsop.render import mermaid
    monkeypatch.setattr(mermaid, "escape", lambda text: text or "")


def _switch_csv_neutralising_off(monkeypatch):
    from flowsop.render import csvout
    monkeypatch.setattr(csvout, "neutralise", lambda cell: cell)


SWITCHES = {
    # switch → the outputs whose checks must then fail
    "jinja-autoescape": (_switch_autoescape_off, {"html", "fragment", "index.html"}),
    "markdown-escaping": (_switch_markdown_escaping_off, {"md", "checklist"}),
    "dot-label-escaping": (_switch_dot_label_escaping_off, {"dot"}),
    "tooltip-backslashes": (_switch_tooltip_backslashes_on, {"svg"}),
    "mermaid-escaping": (_switch_mermaid_escaping_off, {"mermaid"}),
    "csv-neutralising": (_switch_csv_neutralising_off, {"csv"}),
}


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_the_checks_fail_with_one_escaping_layer_off(switch, hostile_build, monkeypatch):
    from flowsop.render import templating
    turn_off, expected = SWITCHES[switch]
    templating.environment.cache_clear()  # filters and autoescape are bound when it is made
    turn_off(monkeypatch)
    try:
        found = hostile_build()
    finally:
        monkeypatch.undo()
        templating.environment.cache_clear()
    failing = {kind for kind, problems in found.items() if problems}
    assert expected <= failing, (switch, {k: v[:3] for k, v in found.items()})


def test_the_checks_fail_with_the_link_check_off(tmp_path, capsys, monkeypatch):
    # Every module that asks whether a link is safe is told "yes".
    import flowsop.checks.rules.library
    import flowsop.checks.rules.links
    import flowsop.render.dot
    import flowsop.render.links
    import flowsop.render.svg
    import flowsop.render.templating
    lib = tmp_path / "lib"
    shutil.copytree(HOSTILE / "links", lib)
    strings = author_strings(lib / "unsafe.flow")
    assert report(build(lib, tmp_path / "on", capsys), strings, "unsafe")["html"] == [
        "html was not written"]  # refused by check: not rendered
    for module in (flowsop.checks.rules.links, flowsop.checks.rules.library, flowsop.render.links,
                   flowsop.render.dot, flowsop.render.svg, flowsop.render.templating):
        monkeypatch.setattr(module, "is_safe_link", lambda url: True)
    # "//host/x" would then be read as an absolute path, and path-escape would
    # still stop it: a second line of defence, switched off here too.
    from dataclasses import replace

    from flowsop.checks import RULES
    monkeypatch.setitem(RULES, "path-escape", replace(RULES["path-escape"],
                                                      check=lambda ctx: iter(())))
    found = report(build(lib, tmp_path / "off", capsys), strings, "unsafe")
    for kind in ("svg", "html", "md"):
        assert any("unsafe" in p for p in found[kind]), (kind, found[kind][:3])


# ------------------------------------------------------------------ links

LINKS = {
    # link as written → refused by check (unsafe-link)?
    "https://kb.example.com/x?a=1&b=2": False,
    "http://intranet/kb": False,
    "mailto:desk@example.com": False,
    "runbooks/backup.md#step-2": False,
    "%6Aavascript:alert(1)": False,        # '%' cannot be in a scheme: a relative path
    "x/javascript:alert(1)": False,        # a path whose folder is named oddly
    "javascript:alert(1)": True,
    "JaVaScRiPt:alert(1)": True,
    "java\tscript:alert(1)": True,
    "\x01javascript:alert(1)": True,
    "&#x6A;avascript:alert(1)": True,      # decoded by Markdown, and by browsers in attributes
    "&#106avascript:alert(1)": True,
    "javascript&colon;alert(1)": True,
    "jav&#x09;ascript:alert(1)": True,
    "&amp;#x6A;avascript:alert(1)": True,  # decoded twice on some paths
    "data:text/html,<script>x</script>": True,
    "file:///etc/passwd": True,
    "vbscript:msgbox(1)": True,
    "//evil.example.com/x": True,
    "\\\\evil\\share": True,
}


@pytest.mark.parametrize("link", list(LINKS))
def test_links_are_refused_or_reach_the_reader_safe(link, tmp_path, capsys):
    from flowsop.api import load_text
    text = f"start: s\nstep: Open the link.\n  link: {link}\nend: e\n"
    loaded = load_text(text, "l.flow", default_id="l")
    refused = [(d.line, d.column) for d in loaded.diagnostics if d.rule == "unsafe-link"]
    assert refused == ([(3, 3)] if LINKS[link] else [])
    if LINKS[link]:
        return
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "l.flow").write_text(text, encoding="utf-8")
    outputs = build(tmp_path / "lib", tmp_path / "out", capsys)
    # Where a reader can follow it (HTML, SVG, Markdown as two renderers make
    # it), every href is one a browser reads as http(s), mailto or a path.
    hrefs = re.findall(r'href="([^"]*)"', outputs["l.html"] + outputs["l.svg"])
    import markdown
    from markdown_it import MarkdownIt
    md = outputs["l.md"]
    hrefs += re.findall(r'href="([^"]*)"', MarkdownIt("commonmark").render(md)
                        + markdown.markdown(md, extensions=MKDOCS))
    followed = [html.unescape(h) for h in hrefs if not h.startswith("#")]
    assert followed and all(FUZZ.browser_scheme_is_safe(h) for h in followed), followed
