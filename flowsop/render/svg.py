"""Render stage, last step of the flowchart: the engine's SVG → the SVG we ship.

``engine.layout`` returns what Graphviz wrote; this module makes it fit to be
inlined in a page next to other charts, and to be read by assistive tools:

- a ``<title>`` and ``<desc>`` (procedure title and purpose) as the root's
  first children, referenced by ``aria-labelledby`` with ``role="img"``;
- every ``id`` (``graph0``, ``node1``, ``a_node1``, ``clust1``, ``edge1``…)
  and every reference to one (``href="#…"``, ``url(#…)``) prefixed with the
  procedure's id, so two charts on one page never collide;
- the engine's per-element titles (generated DOT names such as ``n3``, shown
  by browsers on hover) replaced by readable text;
- defence in depth: no ``<script>``, no ``<foreignObject>``, no ``on*=``
  attribute and no unsafe link survives, whatever the engine wrote.

It works on the text with regular expressions over tags (the engine's output
is regular and XML-escaped), so the engine's formatting is kept byte for byte.
"""

from __future__ import annotations

import html
import re

from ..core.urls import is_safe_link

_TAG = re.compile(r"<[^<>]*>")
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_TITLE = re.compile(r"<title>([^<]*)</title>")
#: An edge's title names the ports it meets (a fork/join bar's ``n4:s0:s``),
#: spelled differently by each engine: the node names alone find its text.
_PORTS = re.compile(r"(?::\w+)+$")
_URL_REF = re.compile(r"url\(#([^)]*)\)")
# A tag that may hold an id, a link, an event attribute or a reference: the
# only ones worth a look (most tags are paths and text).
_INTERESTING_TAG = re.compile(r"<[^<>]*?(?:\sid=|href=|\son|url\(#)[^<>]*>", re.I)
_TAG_PARTS = re.compile(r"(<[A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|"
                        r"[^\s\"'>]+))?)*)(\s*/?>)")
_ATTR = re.compile(r"(\s+)([^\s=/>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_DANGEROUS = re.compile(r"<(script|foreignObject)\b[^>]*/>|<(script|foreignObject)\b.*?</\2\s*>"
                        r"|</?(?:script|foreignObject)\b[^>]*>", re.S | re.I)
_PROLOG = re.compile(r"\A(?:\s*(?:<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->))*\s*", re.S)


def finish_svg(svg: str, numbered) -> str:
    """``postprocess`` with everything taken from the numbered procedure: the
    engine's SVG for ``dot.dot_source(numbered)`` → the SVG we ship."""
    from .dot import chart_description, svg_titles

    return postprocess(svg, prefix=numbered.id, title=numbered.title,
                       desc=chart_description(numbered), titles=svg_titles(numbered))


def postprocess(svg: str, *, prefix: str, title: str, desc: str,
                titles: dict[str, str] | None = None) -> str:
    """The finished chart (see the module docstring)."""
    p = safe_prefix(prefix)
    svg = _fix_tags(_DANGEROUS.sub("", svg), p)
    titles = titles or {}

    def retitle(m: re.Match) -> str:
        name = m.group(1)
        name = html.unescape(name) if "&" in name else name
        if name not in titles and ":" in name:
            name = "->".join(_PORTS.sub("", part) for part in name.split("->"))
        return f"<title>{_xml(titles.get(name, name))}</title>"

    svg = _TITLE.sub(retitle, svg)
    m = _SVG_OPEN.search(svg)
    if not m:
        return svg
    opening = m.group(0)
    opening = (opening[:-1] + f' role="img" aria-labelledby="{p}-title {p}-desc">')
    head = (f'\n<title id="{p}-title">{_xml(title)}</title>'
            f'\n<desc id="{p}-desc">{_xml(desc)}</desc>')
    return svg[:m.start()] + opening + head + svg[m.end():]


def safe_prefix(procedure_id: str) -> str:
    """The procedure's id as an XML name: other characters become "_"."""
    p = re.sub(r"[^A-Za-z0-9_.-]", "_", procedure_id) or "chart"
    return p if re.match(r"[A-Za-z_]", p) else "_" + p


def sanitize(svg: str) -> str:
    """Remove scripts, foreign objects, event attributes and unsafe links."""
    return _fix_tags(_DANGEROUS.sub("", svg), None)


def inline(svg: str) -> str:
    """The SVG without its XML declaration, doctype and leading comments, for
    inlining in an HTML page."""
    return _PROLOG.sub("", svg, count=1)


# What makes a tag interesting, found with str.find on a lowered copy:
# one regular expression with these alternatives and re.I tries them at every
# character of a 1.4 MB chart (44 ms at 1,000 nodes; the whole finishing went
# from 80 to 30 ms this way).
# (keyword, whether whitespace must come before it, as ``\s`` in the pattern)
_KEYWORDS = (("href=", False), ("url(#", False), ("id=", True), ("on", True))


def _fix_tags(svg: str, p: str | None) -> str:
    """``_fix_tag`` applied to every interesting tag (``_INTERESTING_TAG``)."""
    low = svg.lower()
    if len(low) != len(svg):  # a character whose lower case is longer ("İ")
        return _INTERESTING_TAG.sub(lambda m: _fix_tag(m.group(0), p), svg)
    find, rfind = low.find, low.rfind
    starts = set()
    for keyword, after_space in _KEYWORDS:
        at = find(keyword)
        while at >= 0:
            if not after_space or (at and low[at - 1].isspace()):
                start = rfind("<", 0, at)
                # Inside a tag: a "<" before it with no ">" in between.
                if start >= 0 and rfind(">", start, at) < 0:
                    starts.add(start)
            at = find(keyword, at + 1)
    out, done = [], 0
    for start in sorted(starts):
        end = find(">", start)
        if end < 0 or find("<", start + 1, end) >= 0:
            continue  # not a whole tag ("<" inside): _INTERESTING_TAG skips it too
        out.append(svg[done:start])
        out.append(_fix_tag(svg[start:end + 1], p))
        done = end + 1
    out.append(svg[done:])
    return "".join(out)


def _fix_tag(tag: str, p: str | None) -> str:
    """One tag: event attributes and unsafe links dropped; with a prefix
    ``p``, ids and references to them prefixed."""
    m = _TAG_PARTS.fullmatch(tag)
    if not m:
        return tag  # a comment, declaration or closing tag: no attributes
    out = [m.group(1)]
    for a in _ATTR.finditer(m.group(2)):
        name, raw = a.group(2), a.group(3)
        low = name.lower()
        value = html.unescape(raw[1:-1] if raw and raw[0] in "\"'" else raw or "")
        if low.startswith("on"):
            continue
        if low in ("href", "xlink:href") and not value.startswith("#") \
                and not is_safe_link(value):
            continue
        if p is None or raw is None or not raw.startswith('"'):
            out.append(a.group(0))
            continue
        text = raw[1:-1]
        if name == "id":
            text = f"{p}-{text}"
        elif low in ("href", "xlink:href") and text.startswith("#"):
            text = f"#{p}-{text[1:]}"
        elif low not in ("xlink:title", "title"):  # tooltips are text, not references
            text = _URL_REF.sub(lambda u: f"url(#{p}-{u.group(1)})", text)
        out.append(f'{a.group(1)}{name}="{text}"')
    out.append(m.group(3))
    return "".join(out)


def _xml(text: str) -> str:
    """Text for XML content or attributes; characters XML cannot carry are dropped."""
    return html.escape(_NOT_XML.sub("", text), quote=True)


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
