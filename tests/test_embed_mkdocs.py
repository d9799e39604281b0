"""The MkDocs plugin and the ```flow fence, tested by building small real
sites with ``mkdocs build --strict`` (the default theme and Material for
MkDocs) and reading their HTML, and by a real ``mkdocs serve`` that must
rebuild when a .flow file changes.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DIAGRAMS, TODAY_ARG

pytest.importorskip("mkdocs", reason="the docs extra (mkdocs) is not installed")
pytest.importorskip("pymdownx", reason="the docs extra (pymdown-extensions) is not installed")

MKDOCS = [sys.executable, "-m", "mkdocs"]
INDEX = """\
# Service desk

How we dispatch:

![Dispatch chart](procedures/dispatch-onsite.flow "How a dispatch flows")

The steps of ordering parts:

![Ordering parts](procedures/order-parts.flow#steps)

```flow steps="1"
---
title: Inline procedure
---
start: It begins.
step: Do the <b>thing</b>.
end: It ends.
```

Code stays code: `![x](procedures/dispatch-onsite.flow)`
"""
BROKEN = """\
# Broken

Some text.

```flow
start: It begins.
stpe: A typo.
end: Done.
```
"""


def site(root: Path, index: str = INDEX, theme: str = "", extra: str = "") -> Path:
    (root / "docs" / "procedures").mkdir(parents=True)
    for name in ("dispatch-onsite.flow", "order-parts.flow"):
        shutil.copy(DIAGRAMS / name, root / "docs" / "procedures" / name)
    (root / "docs" / "index.md").write_text(index, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Service desk\n"
        f"{theme}"
        "markdown_extensions:\n  - pymdownx.superfences\n"
        f"plugins:\n  - flowsop:\n      today: '{TODAY_ARG}'\n{extra}", encoding="utf-8")
    return root


def build(root: Path, expect: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(MKDOCS + ["build", "--strict"], cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == expect, done.stderr[-4000:]
    return done


def main_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index('role="main"') if 'role="main"' in text else text.index("<article")
    return text[start:]


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = site(tmp_path_factory.mktemp("mkdocs"))
    build(root)
    return root / "site"


def test_image_becomes_the_chart(built):
    html = main_of(built / "index.html")
    charts = svgs(html)
    assert len(charts) == 2  # dispatch (chart) and the inline fence (steps="1")
    ns = "{http://www.w3.org/2000/svg}"
    title = charts[0].find(f"{ns}title")
    # The alt text names the chart; the purpose is its description.
    assert title.text == "Dispatch chart"
    assert charts[0].find(f"{ns}desc").text.startswith("Get the right technician")
    assert "<figcaption" in html and "How a dispatch flows</figcaption>" in html
    assert "<img" not in html.split("Code stays code")[0]
    # The numbers of the chart are the steps' numbers.
    texts = " ".join(t for t in charts[0].itertext())
    assert "2. Is the deadline" in texts and "11. Put the ticket back" in texts


def test_steps_fragment_and_fence(built):
    html = main_of(built / "index.html")
    assert 'class="flowsop flowsop-steps" id="order-parts-steps"' in html
    assert '<li id="order-parts-step-list" value="1"' in html
    # The fence: chart and steps, author text escaped.
    assert 'class="flowsop flowsop-both" id="index-flow-1-both"' in html
    assert "Do the &lt;b&gt;thing&lt;/b&gt;." in html
    # Inline code is left alone.
    assert "<code>![x](procedures/dispatch-onsite.flow)</code>" in html


def test_ids_on_one_page_never_collide(built):
    all_ids = ids(main_of(built / "index.html"))
    assert len(all_ids) == len(set(all_ids)), [i for i in all_ids if all_ids.count(i) > 1]


def test_flow_files_become_pages(built):
    page = built / "procedures" / "dispatch-onsite" / "index.html"
    html = main_of(page)
    assert '<h1 id="dispatch-an-on-site-technician">Dispatch an on-site technician</h1>' in html
    assert 'class="flowsop flowsop-page"' in html
    assert ">Purpose</h2>" in html and ">Revision history</h2>" in html
    # A call links to the called procedure's own page, named by its title.
    assert ('<a href="../order-parts/"><em>Order parts that are out of stock</em></a>'
            in html)
    assert (built / "procedures" / "order-parts" / "index.html").is_file()
    # The source is published beside the page.
    assert (built / "procedures" / "dispatch-onsite.flow").is_file()
    assert len(svgs(html)) == 1


def test_broken_block_shows_an_error_box_and_fails_strict(tmp_path):
    root = site(tmp_path, index=BROKEN)
    done = build(root, expect=1)
    # path:line:col in the page (the block starts on line 6 of index.md).
    assert "docs/index.md:7:1: error[syntax]: unknown keyword 'stpe'" in done.stderr
    html = main_of(root / "site" / "index.html") if (root / "site").exists() else ""
    # Without --strict the page is built, with the box in it.
    subprocess.run(MKDOCS + ["build"], cwd=root, capture_output=True, timeout=300, check=True)
    html = main_of(root / "site" / "index.html")
    assert 'class="flowsop flowsop-error" role="alert"' in html
    assert "docs/index.md:7:1: error[syntax]: unknown keyword &#x27;stpe&#x27;" in html


def test_image_of_a_broken_file_fails_strict(tmp_path):
    root = site(tmp_path, index="# X\n\n![Broken](procedures/broken.flow)\n")
    (root / "docs" / "procedures" / "broken.flow").write_text("start: a\nstpe: b\nend: c\n")
    done = build(root, expect=1)
    assert "docs/procedures/broken.flow:2:1: error[syntax]" in done.stderr


def test_material_theme(tmp_path):
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    root = site(tmp_path, theme="theme:\n  name: material\n  font: false\n")
    build(root)
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html  # font: false, no web fonts fetched
    assert len(svgs(html[html.index("<article"):])) == 2
    page = (root / "site" / "procedures" / "dispatch-onsite" / "index.html").read_text()
    assert 'class="flowsop flowsop-page"' in page


def test_on_serve_watches_the_library(tmp_path):
    from flowsop.integrations.mkdocs import FlowsopPlugin

    class Server:
        watched: list = []

        def watch(self, path):
            self.watched.append(path)

    plugin = FlowsopPlugin()
    plugin.load_config({"library": str(DIAGRAMS)})
    server = Server()
    assert plugin.on_serve(server, None, None) is server
    assert server.watched == [str(DIAGRAMS)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode("utf-8")
    except OSError:
        return ""


def test_serve_rebuilds_when_a_flow_file_changes(tmp_path):
    root = site(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/procedures/dispatch-onsite/"
    server = subprocess.Popen(MKDOCS + ["serve", "-a", f"127.0.0.1:{port}"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while "Call the nearest free technician" not in fetch(url):
            assert time.monotonic() < deadline, "mkdocs serve did not start"
            time.sleep(0.2)
        flow = root / "docs" / "procedures" / "dispatch-onsite.flow"
        flow.write_text(flow.read_text().replace("Call the nearest free technician",
                                                 "Phone the nearest free technician"))
        deadline = time.monotonic() + 30
        while "Phone the nearest free technician" not in fetch(url):
            assert time.monotonic() < deadline, "the page was not rebuilt"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
