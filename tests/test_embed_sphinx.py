"""The Sphinx extension, tested with real ``sphinx-build -W`` runs on a small
project: HTML (inline SVG, steps, figure with caption and name, inline
procedure text, several charts on one page), LaTeX (an image file the .tex
includes), a parallel build, and a procedure with errors failing -W at its
line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DIAGRAMS, TODAY_ARG

pytest.importorskip("sphinx", reason="the docs extra (sphinx) is not installed")

SPHINX = [sys.executable, "-m", "sphinx"]
INDEX = """\
Service desk
============

See :numref:`fig-dispatch`.

.. flowsop:: procedures/dispatch-onsite.flow
   :caption: Dispatching an on-site technician
   :name: fig-dispatch
   :show: both

.. flowsop:: procedures/order-parts.flow
   :alt: Ordering parts

.. flowsop::
   :show: both

   ---
   title: Inline procedure
   ---
   start: It begins.
   step: Do the <b>thing</b>.
   end: It ends.
"""
BROKEN = """\
Broken
======

.. flowsop::

   start: It begins.
   stpe: A typo.
   end: Done.
"""


def project(root: Path, index: str = INDEX) -> Path:
    (root / "procedures").mkdir(parents=True)
    for name in ("dispatch-onsite.flow", "order-parts.flow"):
        shutil.copy(DIAGRAMS / name, root / "procedures" / name)
    (root / "conf.py").write_text(
        'project = "Service desk"\nextensions = ["flowsop.integrations.sphinx"]\n'
        f'flowsop_today = "{TODAY_ARG}"\nnumfig = True\n')
    (root / "index.rst").write_text(index, encoding="utf-8")
    return root


def sphinx(root: Path, builder: str, *extra: str, expect: int = 0):
    done = subprocess.run(SPHINX + ["-q", "-W", "-b", builder, *extra, ".", f"_build/{builder}"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == expect, done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> str:
    root = project(tmp_path_factory.mktemp("sphinx"))
    sphinx(root, "html")
    return (root / "_build" / "html" / "index.html").read_text(encoding="utf-8")


def svgs(text: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", text, flags=re.S)]


def test_html_gets_the_inline_charts(html):
    charts = svgs(html)
    assert len(charts) == 3
    ns = "{http://www.w3.org/2000/svg}"
    titles = [c.find(f"{ns}title").text for c in charts]
    # Default alt: the procedure's title (with the purpose as <desc>); :alt: replaces it.
    assert titles == ["Dispatch an on-site technician", "Ordering parts", "Inline procedure"]
    assert charts[0].find(f"{ns}desc").text.startswith("Get the right technician")


def test_caption_and_name_make_a_numbered_figure(html):
    assert '<figure class="align-default" id="fig-dispatch">' in html
    assert "Dispatching an on-site technician" in html
    assert '<a class="reference internal" href="#fig-dispatch"><span class="std std-numref">' \
           'Fig. 1</span></a>' in html


def test_steps_and_inline_text(html):
    assert '<li id="dispatch-onsite-step-urgent" value="2"' in html
    assert "If yes, continue with" in html
    # Inline procedure text, escaped; a call keeps its name without a dead link.
    assert "Do the &lt;b&gt;thing&lt;/b&gt;." in html
    assert "<em>order-parts</em>" in html or "<em>Order parts" in html
    assert 'href="order-parts.html"' not in html


def test_charts_on_one_page_never_collide(html):
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    chart_ids = [set(re.findall(r'\sid="([^"]+)"', ET.tostring(c, encoding="unicode")))
                 for c in svgs(html)]
    for a in range(len(chart_ids)):
        for b in range(a + 1, len(chart_ids)):
            assert not chart_ids[a] & chart_ids[b]


def test_latex_includes_an_image_it_can_use(tmp_path):
    root = project(tmp_path)
    sphinx(root, "latex")
    out = root / "_build" / "latex"
    tex = (out / "servicedesk.tex").read_text(encoding="utf-8")
    images = re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{([^}]+)\}", tex)
    assert len(images) == 3
    magic = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n"}
    expected = "pdf" if shutil.which("dot") else "png"
    for name in images:
        assert name.endswith("." + expected)
        assert (out / name).read_bytes().startswith(magic[expected])
    assert "\\caption{Dispatching an on\\sphinxhyphen{}site technician}" in tex
    # A long procedure is fitted to the page, not only to the line.
    assert ("\\sphinxincludegraphics[width=\\linewidth,height=0.8\\textheight,"
            "keepaspectratio]{flowsop-dispatch-onsite-") in tex
    # The steps are text in the PDF too.
    assert "Is the deadline less than 4 hours away? If yes, continue with step 3." in tex


def test_parallel_build(tmp_path):
    root = project(tmp_path)
    for n in range(3):
        (root / f"page{n}.rst").write_text(f"Page {n}\n=======\n\n.. flowsop:: "
                                           "procedures/order-parts.flow\n   :show: both\n")
    (root / "index.rst").write_text(INDEX + "\n.. toctree::\n\n   page0\n   page1\n   page2\n")
    sphinx(root, "html", "-j", "2")
    for n in range(3):
        assert len(svgs((root / "_build" / "html" / f"page{n}.html").read_text())) == 1


def test_errors_fail_w_at_their_line(tmp_path):
    root = project(tmp_path, BROKEN)
    done = sphinx(root, "html", expect=1)
    # Line 7 of index.rst is "stpe: A typo."
    assert "index.rst:7" in done.stderr and "error[syntax]" in done.stderr
    subprocess.run(SPHINX + ["-q", "-b", "html", ".", "_build/html"], cwd=root,
                   capture_output=True, timeout=300, check=True)
    page = (root / "_build" / "html" / "index.html").read_text()
    assert 'class="admonition error"' in page and "unknown keyword" in page


def test_setup_declares_parallel_safety():
    from flowsop.integrations.sphinx import setup

    class App:
        def __getattr__(self, name):
            return lambda *a, **k: None

    meta = setup(App())
    assert meta["parallel_read_safe"] is True and meta["parallel_write_safe"] is True


def test_a_changed_flow_file_rebuilds_the_page(tmp_path):
    root = project(tmp_path)
    sphinx(root, "html")
    flow = root / "procedures" / "order-parts.flow"
    flow.write_text(flow.read_text().replace("List each missing part", "Write down each part"))
    sphinx(root, "html")  # no -E: Sphinx must see the dependency itself
    html = (root / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert "Write down each part" in html and "List each missing part" not in html


@pytest.mark.skipif(not shutil.which("latexmk") or not shutil.which("pdflatex"),
                    reason="needs latexmk and a TeX installation for make latexpdf")
def test_latexpdf_shows_the_charts(tmp_path):
    root = project(tmp_path)
    done = subprocess.run(SPHINX + ["-M", "latexpdf", ".", "_build", "-q", "-W"], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pdf = (root / "_build" / "latex" / "servicedesk.pdf").read_bytes()
    # The three charts are pictures in the PDF (PNG-drawn charts are images;
    # PDF-drawn ones are embedded forms).
    assert len(re.findall(rb"/Subtype\s*/(?:Image|Form)", pdf)) >= 3
