"""The HTML fragment (``--format fragment``) and what every embedding shares:
one self-contained <div> with no script and no external CSS, escaped author
text, ids that never collide when several charts share a page, and a chart
that reads on a dark page (transparent background, colours that keep their
contrast), checked on the SVG's colours and on a headless Chromium
screenshot of a dark page.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

import flowsop
from conftest import DIAGRAMS, FIXTURES, TODAY, TODAY_ARG, check_golden
from flowsop.cli import main
from flowsop.procedure import number_procedure
from flowsop.render import RenderContext
from flowsop.render.fragment import render_fragment

HOSTILE = FIXTURES / "embed" / "mermaid-hostile.flow"
FAKE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" '
            'viewBox="0 0 10 10"><title id="x-title">Fake</title><desc>For tests</desc></svg>')
SVG_NS = "{http://www.w3.org/2000/svg}"


def fragment(path: Path, **options) -> str:
    return flowsop.load(path, today=TODAY, library=DIAGRAMS).render("fragment", today=TODAY,
                                                                      **options)


class Outline(HTMLParser):
    """Top-level elements, every tag and attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.top, self.tags, self.attrs = 0, [], [], []
        self.text_outside = ""

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.top.append(tag)
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in ("br", "path", "polygon", "ellipse", "polyline", "rect"):
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if self.depth == 0:
            self.top.append(tag)

    def handle_endtag(self, tag):
        if tag not in ("br", "path", "polygon", "ellipse", "polyline", "rect"):
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0:
            self.text_outside += data.strip()


def outline(html: str) -> Outline:
    o = Outline()
    o.feed(html)
    o.close()
    return o


# ------------------------------------------------------------------ the fragment

def test_cli_writes_one_self_contained_div(tmp_path):
    assert main(["render", str(DIAGRAMS / "dispatch-onsite.flow"), "--format", "fragment",
                 "-o", str(tmp_path), "--today", TODAY_ARG]) == 0
    html = (tmp_path / "dispatch-onsite.fragment.html").read_text(encoding="utf-8")
    o = outline(html)
    assert o.top == ["div"] and o.text_outside == "" and o.depth == 0
    assert html.startswith('<div class="flowsop flowsop-sop" id="dispatch-onsite"')
    # No script, no stylesheet to lose or to fetch, no event handlers.
    assert not {"script", "style", "link", "iframe", "object", "img"} & set(o.tags)
    assert not [name for name, _ in o.attrs if name.startswith("on")]
    assert not [v for name, v in o.attrs if name in ("src", "srcset")]
    # The chart is inlined, with its title and description.
    assert "<svg" in html and '<title id="dispatch-onsite-title">' in html
    assert ">Procedure</h3>" in html and ">Glossary</h3>" in html


def test_golden_fragment_without_the_chart():
    loaded = flowsop.load(DIAGRAMS / "dispatch-onsite.flow", today=TODAY, library=DIAGRAMS)
    numbered = number_procedure(loaded.procedure, loaded.graph, titles=loaded.titles)
    got = render_fragment(numbered, RenderContext(today=TODAY, svg=FAKE_SVG))
    check_golden("dispatch-onsite.fragment.html", got)


def test_decision_sentences_link_to_their_steps():
    html = fragment(DIAGRAMS / "dispatch-onsite.flow", show="steps")
    assert ('Is the deadline less than 4 hours away?<br>If yes, continue with '
            '<a href="#dispatch-onsite-step-nearest">step 3</a>. If no, go to '
            '<a href="#dispatch-onsite-step-book">step 4</a>.') in html
    assert '<li id="dispatch-onsite-step-book" value="4"' in html


def test_hostile_text_stays_text():
    html = fragment(HOSTILE, show="sop")
    o = outline(html)
    assert not {"script", "b", "i", "style"} & set(o.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Careful &lt;b&gt;now&lt;/b&gt;" in html


def test_two_charts_on_one_page_have_disjoint_ids():
    a = fragment(DIAGRAMS / "dispatch-onsite.flow", show="both")
    b = fragment(DIAGRAMS / "order-parts.flow", show="both")
    ids_a = re.findall(r'\sid="([^"]+)"', a)
    ids_b = re.findall(r'\sid="([^"]+)"', b)
    assert len(ids_a) == len(set(ids_a)) and len(ids_b) == len(set(ids_b))
    assert not set(ids_a) & set(ids_b)
    # Every internal reference points inside its own fragment.
    for html, ids in ((a, set(ids_a)), (b, set(ids_b))):
        refs = re.findall(r'href="#([^"]+)"', html) + re.findall(r"url\(#([^)]+)\)", html)
        refs += [r for v in re.findall(r'aria-labelledby="([^"]+)"', html) for r in v.split()]
        assert refs and set(refs) <= ids


# ------------------------------------------------------------------ dark pages

def luminance(colour: str) -> float:
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour, colour)
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


LIGHT_PAGE, DARK_PAGE = "#ffffff", "#0d1117"


@pytest.mark.parametrize("name", ["dispatch-onsite", "user-onboarding"])
def test_chart_reads_on_light_and_dark_pages(name):
    svg = flowsop.load(DIAGRAMS / f"{name}.flow", today=TODAY).render("svg")
    root = ET.fromstring(svg[svg.index("<svg"):])
    graph = root.find(f"{SVG_NS}g")
    # Transparent: nothing is painted behind the whole chart.
    first = [el for el in graph if el.tag != f"{SVG_NS}title"][0]
    assert not (first.tag == f"{SVG_NS}polygon" and first.get("fill") not in
                (None, "none", "transparent")), "the chart paints its own background"
    # Text is drawn on a shape of its own node, lane or label chip (the
    # nearest filled shape drawn before it, looking up through its groups),
    # never straight on the page, with at least 4.5:1 contrast.
    parent = {child: el for el in graph.iter() for child in el}
    shape_tags = (f"{SVG_NS}polygon", f"{SVG_NS}path", f"{SVG_NS}ellipse")
    checked = 0
    for text in graph.iter(f"{SVG_NS}text"):
        fill, el = None, text
        while fill is None and el is not graph:
            up = parent[el]
            before = list(up)[:list(up).index(el)]
            fills = [s.get("fill") for s in before if s.tag in shape_tags
                     and s.get("fill") not in (None, "none", "transparent")]
            fill = fills[-1] if fills else None
            el = up
        assert fill, f"text {text.text!r} is drawn on the page itself"
        ink = text.get("fill") or "#000000"
        assert contrast(ink, fill) >= 4.5, (text.text, ink, fill)
        checked += 1
    assert checked > 10
    # Lines drawn on the page itself (edges, arrowheads) keep 3:1 on both.
    strokes = {el.get("stroke") for g in graph.iter(f"{SVG_NS}g") if g.get("class") == "edge"
               for el in g if el.tag == f"{SVG_NS}path"}
    assert strokes
    for stroke in strokes:
        assert contrast(stroke, LIGHT_PAGE) >= 3 and contrast(stroke, DARK_PAGE) >= 3, stroke


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    bpp = 4 if colour == 6 else 3
    raw, stride, rows, prev = zlib.decompress(b"".join(chunks)), width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


CHROMIUM = os.environ.get("FLOWSOP_CHROMIUM") or shutil.which("chromium")


def screenshot(html: str, out: Path, size: str = "1200,2000") -> Path:
    page = out.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={out}",
                        f"--window-size={size}", page.as_uri()],
                       capture_output=True, timeout=120, check=True)
    return out


@pytest.mark.skipif(not CHROMIUM, reason="needs chromium (apt-get install chromium)")
def test_dark_page_screenshot(tmp_path):
    """Two charts on a dark page: the page shows through around and between
    the shapes, and the light node fills stand out."""
    a = fragment(DIAGRAMS / "dispatch-onsite.flow", show="chart")
    b = fragment(DIAGRAMS / "order-parts.flow", show="chart")
    page = (f'<!DOCTYPE html><html><body style="margin:0;background:{DARK_PAGE};'
            f'color:#e6edf3;font-family:sans-serif"><div style="display:flex;gap:20px">'
            f'<div style="width:560px">{a}</div><div style="width:600px">{b}</div>'
            "</div></body></html>")
    width, height, pixels = read_png(screenshot(page, tmp_path / "dark.png", "1200,900"))
    dark = bytes.fromhex(DARK_PAGE[1:])

    def at(x, y):
        return pixels[y * width + x]

    # Inside the charts' boxes (their 0.2 in padding, between the two), the page shows.
    for x, y in ((8, 30), (570, 300), (1190, 30)):
        assert at(x, y) == dark, (x, y, at(x, y))
    light = sum(1 for p in pixels if min(p) > 200)
    darkish = sum(1 for p in pixels if p == dark)
    assert light > 0.05 * len(pixels) and darkish > 0.3 * len(pixels)
    if os.environ.get("FLOWSOP_KEEP_SCREENSHOTS"):
        shutil.copy(tmp_path / "dark.png", os.environ["FLOWSOP_KEEP_SCREENSHOTS"])
