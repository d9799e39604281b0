"""The Mermaid back end: the source it writes, the golden file, the limits
warning, the build and CLI wiring, and, with a real Mermaid
(@mermaid-js/mermaid-cli under .cache/mermaid, installed by .ci/run, drawing
with the system Chromium), that the SVG Mermaid draws has the procedure's
nodes, numbers, edges, labels and lanes, with hostile text drawn literally.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DIAGRAMS, FIXTURES, REPO, TODAY, TODAY_ARG, load, check_golden
from flowsop.project.build import BuildOptions, Entry, build
from flowsop.cli import main
from flowsop.procedure import number_procedure
from flowsop.render.formats import FORMATS
from flowsop.render.mermaid import MAX_EDGES, MAX_TEXT, escape, limits_warning, render_mermaid

HOSTILE = FIXTURES / "embed" / "mermaid-hostile.flow"
#: Onboarding with a parallel, a join, a wait with a timeout, a labelled arrow
#: under a step and a call with two outcomes.
PARALLEL = FIXTURES / "render" / "parallel-wait.flow"
EXAMPLES = sorted(DIAGRAMS.glob("*.flow"))
TITLES = {"order-parts": "Order parts that are out of stock", "order-laptop": "Order a laptop"}


def numbered(path: Path):
    loaded = load(path.read_text(encoding="utf-8"), path.name, default_id=path.stem)
    return number_procedure(loaded.procedure, loaded.graph, titles=TITLES)


# ------------------------------------------------------------------ the source

def test_golden_dispatch():
    got = render_mermaid(numbered(DIAGRAMS / "dispatch-onsite.flow"))
    check_golden("dispatch-onsite.mmd", got)


def test_golden_parallel_wait():
    check_golden("parallel-wait.mmd", render_mermaid(numbered(PARALLEL)))


def test_parallel_join_wait_excerpt_written_by_hand():
    """The fork and the join as trapezoids (wider where the streams are), the
    wait as a hexagon, its timeout dotted, every label on its arrow."""
    src = render_mermaid(numbered(PARALLEL))
    assert 'n4[/"4. Prepare the accounts and the laptop at the same time."\\]' in src
    assert 'n12[\\"12. The accounts and the laptop are both ready."/]' in src
    assert 'n8{{"8. Wait for the supplier to deliver the laptop to the office."}}' in src
    assert '  n8 -.->|"after 3 days"| n10\n' in src
    assert '  n8 --> n9\n' in src
    assert '  n4 -->|"accounts"| n5\n  n4 -->|"laptop"| n7\n' in src
    assert '  n3 -->|"when the HR contact replies"| n2\n' in src
    assert '  n7 -->|"ordered"| n8\n  n7 -->|"backordered"| n11\n' in src
    assert src.count("-.->") == 1
    assert "  class n4 fs_parallel\n  class n12 fs_join\n  class n8 fs_wait\n" in src
    assert "classDef fs_parallel fill:#1e293b,stroke:#1e293b,color:#ffffff" in src


def test_the_newer_kinds_are_declared_only_where_used():
    src = render_mermaid(numbered(DIAGRAMS / "dispatch-onsite.flow"))
    assert "classDef fs_step" in src and "classDef fs_unreachable" in src
    for kind in ("parallel", "join", "wait"):
        assert f"fs_{kind}" not in src


def test_newer_kinds_keep_hostile_text_in_its_quotes():
    n = numbered_text("start: Go.\nparallel p: Split \"] --> x[\"evil\"] \\] /]\n"
                      "  \"a |b| -.- c\" -> a\n  -> b\nstep a: A.\n  -> j\nstep b: B.\n"
                      "join j: Join /] \\] }}\nwait w: Wait {{x}} \"now\"\n"
                      "  timeout: 2 days -> e\nend e: Done.\n")
    src = render_mermaid(n)
    for line in src.splitlines():
        if re.match(r"\s*n\d+[\[{(]", line):
            assert line.count('"') == 2, line
    assert ('  n1[/"1. Split #quot;#93; --#gt; x#91;#quot;evil#quot;#93; #92;#93; /#93;"\\]\n'
            in src)
    assert '  n4[\\"4. Join /#93; #92;#93; #125;#125;"/]\n' in src
    assert '  n5{{"5. Wait #123;#123;x#125;#125; #quot;now#quot;"}}\n' in src
    assert '  n1 -->|"a #124;b#124; -.- c"| n2\n' in src
    assert '  n5 -.->|"after 2 days"| n6\n' in src


def test_dispatch_excerpt_written_by_hand():
    """The decision "2. Is the deadline less than 4 hours away?" with its two
    labelled branches to steps 3 and 4, in the Dispatcher lane."""
    src = render_mermaid(numbered(DIAGRAMS / "dispatch-onsite.flow"))
    assert 'n2{"2. Is the deadline less than 4 hours away?"}' in src
    assert 'n2 -->|"yes"| n3' in src
    assert 'n2 -->|"no"| n4' in src
    assert 'subgraph lane0["Dispatcher"]' in src
    assert 'n0(["The ticket is flagged #quot;needs on-site#quot;."])' in src
    assert 'n7[["7. Order parts that are out of stock"]]' in src
    assert 'n11("The technician is on site.")' in src


def test_ids_are_generated_never_the_authors():
    src = render_mermaid(numbered(HOSTILE))
    ids = re.findall(r"^\s*(n\d+)[\[({]", src, flags=re.M)
    assert ids == [f"n{i}" for i in range(len(ids))]
    # The author's ids ("end", "click", "sub") never appear as Mermaid ids.
    for line in src.splitlines():
        assert not re.match(r"\s*(end|click|sub|quote|marks|done)\s*[\[({-]", line)


def test_every_special_character_is_an_entity_code():
    text = 'a"b#c&d<e>f`g*h_i\\j%k;l|m[n]o{p}q(r)s~t=u^v'
    out = escape(text)
    assert re.fullmatch(r"[a-v]*(#\w+;[a-v])*", out), out
    assert escape("line\nbreak\rand\ttab") == "line break and tab"


def test_labels_cannot_leave_their_quotes():
    """Whatever the text, a label line holds exactly one quoted string."""
    src = render_mermaid(numbered(HOSTILE))
    for line in src.splitlines():
        if re.match(r"\s*n\d+", line) and "-->" not in line:
            assert line.count('"') == 2, line


def test_accessible_title_and_description():
    src = render_mermaid(numbered(DIAGRAMS / "dispatch-onsite.flow"))
    assert "  accTitle: Dispatch an on-site technician\n" in src
    assert "  accDescr: Get the right technician to the client#59;s site" not in src
    assert "accDescr: Get the right technician to the client's site, with the right parts" in src


def test_deterministic():
    path = DIAGRAMS / "user-onboarding.flow"
    assert render_mermaid(numbered(path)) == render_mermaid(numbered(path))


# ------------------------------------------------------------------ limits

def big_procedure(steps: int) -> str:
    body = "\n".join(f"step s{i}: Do thing number {i} of the long list." for i in range(steps))
    return f"start: It begins.\n{body}\nend: It ends.\n"


def test_limits_warning_past_500_edges():
    n = numbered_text(big_procedure(MAX_EDGES + 10))
    src = render_mermaid(n)
    message = limits_warning(n, src)
    assert message is not None and f"{MAX_EDGES + 11:,} arrows" in message


def test_limits_warning_past_50000_characters():
    n = numbered_text(big_procedure(10))
    assert limits_warning(n, render_mermaid(n)) is None
    assert "characters" in limits_warning(n, "x" * (MAX_TEXT + 1))


def test_build_reports_mermaid_limits_as_a_warning(tmp_path):
    loaded = load(big_procedure(MAX_EDGES + 10), "big.flow", default_id="big")
    result = build([Entry("big.flow", None, loaded)],
                   BuildOptions(out=tmp_path, formats=("mermaid",), today=TODAY, index=False,
                                manifest=False))
    found = [d for d in result.diagnostics if d.rule == "mermaid-limits"]
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert (tmp_path / "big.mmd").is_file()


def numbered_text(text: str):
    loaded = load(text, "t.flow", default_id="t")
    return number_procedure(loaded.procedure, loaded.graph)


# ------------------------------------------------------------------ wiring

def test_format_registered():
    assert FORMATS["mermaid"].suffix == ".mmd"


def test_cli_render_mermaid(tmp_path):
    code = main(["render", str(DIAGRAMS / "dispatch-onsite.flow"), "--format", "mermaid",
                 "-o", str(tmp_path), "--today", TODAY_ARG])
    assert code == 0
    written = (tmp_path / "dispatch-onsite.mmd").read_text(encoding="utf-8")
    assert written.startswith("%% dispatch-onsite: generated by flowsop")
    assert "flowchart TD" in written


# ------------------------------------------------------------------ a real Mermaid

def mermaid_cli() -> tuple[str, str] | None:
    """(mmdc, chromium) when both are installed, else None."""
    mmdc = os.environ.get("FLOWSOP_MMDC") or str(REPO / ".cache/mermaid/node_modules/.bin/mmdc")
    if not Path(mmdc).is_file():
        mmdc = shutil.which("mmdc") or ""
    browser = os.environ.get("FLOWSOP_CHROMIUM") or shutil.which("chromium") or ""
    if not mmdc or not browser or not shutil.which("node"):
        return None
    return mmdc, browser


MERMAID = mermaid_cli()
needs_mermaid = pytest.mark.skipif(
    MERMAID is None, reason="needs node, @mermaid-js/mermaid-cli in .cache/mermaid (see .ci/run) "
                            "and chromium")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Draw every example and the hostile fixture with one mmdc run (one
    browser): {path: parsed SVG root}."""
    mmdc, browser = MERMAID
    folder = tmp_path_factory.mktemp("mermaid")
    config = folder / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": browser, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]}))
    paths = EXAMPLES + [HOSTILE, PARALLEL]
    doc = "".join(f"```mermaid\n{render_mermaid(numbered(p))}```\n\n" for p in paths)
    (folder / "all.md").write_text(doc, encoding="utf-8")
    run = subprocess.run([mmdc, "-q", "--no-font-embed", "-j", "2", "-p", str(config),
                          "-i", "all.md", "-o", "out.md"],
                         cwd=folder, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = {}
    for index, path in enumerate(paths, start=1):
        out[path] = ET.fromstring((folder / f"out-{index}.svg").read_text(encoding="utf-8"))
    return out


def local(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def classes(el) -> list[str]:
    return el.get("class", "").split()


def text_of(el) -> str:
    return "".join(el.itertext()).strip()


def drawn_parts(root):
    nodes, clusters, labels, edges = [], [], [], 0
    for el in root.iter():
        tag, cls = local(el), classes(el)
        if tag == "g" and "node" in cls:
            nodes.append(text_of(el))
        elif tag == "g" and "cluster" in cls:
            clusters.append(text_of(el))
        elif tag == "span" and "edgeLabel" in cls and text_of(el):
            labels.append(text_of(el))
        elif tag == "path" and el.get("data-edge") == "true":
            edges += 1
    title = next((text_of(el) for el in root.iter() if local(el) == "title"), None)
    desc = next((text_of(el) for el in root.iter() if local(el) == "desc"), None)
    return nodes, clusters, labels, edges, title, desc


def expected_node_text(item) -> str:
    return item.label + "".join(f" ⚠ Caution: {w}" for w in item.warnings)


@needs_mermaid
@pytest.mark.parametrize("path", EXAMPLES + [HOSTILE, PARALLEL], ids=lambda p: p.stem)
def test_real_mermaid_draws_the_procedure(drawn, path):
    n = numbered(path)
    nodes, clusters, labels, edges, title, desc = drawn_parts(drawn[path])
    # Same nodes, with the same text and numbers "1." … "N.".
    assert sorted(nodes) == sorted(expected_node_text(i) for i in n.items)
    numbers = sorted(int(m.group(1)) for t in nodes if (m := re.match(r"(\d+)\. ", t)))
    assert numbers == list(range(1, len(n.steps) + 1))
    # Same edges, same branch labels, one cluster per lane.
    assert edges == len(n.edges)
    assert sorted(labels) == sorted(label for _, _, label in n.edges if label)
    assert sorted(clusters) == sorted(n.lanes)
    assert title == n.title
    assert desc == (n.meta.purpose or "").strip()


@needs_mermaid
def test_real_mermaid_draws_hostile_text_literally(drawn):
    nodes, clusters, labels, _, title, desc = drawn_parts(drawn[HOSTILE])
    quote = next(t for t in nodes if t.startswith("1. "))
    assert quote == ('1. Quote " backslash \\N \\n #35; &amp; <script>alert(1)</script> '
                     '{x} [y] (z) |p| ; %% c ⚠ Caution: Careful <b>now</b> #lt; "x" <br> end')
    assert "2. `code` *em* _u_ ~s~ = ^ :::cls --> x ==> y -.- z" in nodes
    assert 'Role "A" <i>b</i> end' in clusters
    assert 'yes | "q"' in labels and "no <b> ;" in labels
    assert title == 'Hostile "title" <b>x</b> #35; & %% ; end'
    assert desc == 'Purpose <script>alert(1)</script>, #quot; `code` ; %% c'
    # The text stays text: no element or attribute came from it.
    for el in drawn[HOSTILE].iter():
        assert local(el).lower() not in ("script", "b", "i", "a", "iframe"), local(el)
        for name, value in el.attrib.items():
            assert not name.rsplit("}", 1)[-1].lower().startswith("on"), name
            assert "javascript:" not in value, (name, value)


@needs_mermaid
def test_real_mermaid_draws_bars_waits_and_a_dotted_timeout(drawn):
    root = drawn[PARALLEL]
    kinds = {}
    for el in root.iter():
        if local(el) == "g" and "node" in classes(el):
            kind = next(c for c in classes(el) if c.startswith("fs_"))
            kinds.setdefault(kind, []).append(text_of(el))
            if kind in ("fs_parallel", "fs_join", "fs_wait"):
                # Drawn as a polygon (trapezoid, hexagon), not a rectangle.
                assert any(local(c) == "polygon" or (local(c) == "path" and c.get("d"))
                           for c in el.iter()), kind
    assert kinds["fs_parallel"] == ["4. Prepare the accounts and the laptop at the same time."]
    assert kinds["fs_join"] == ["12. The accounts and the laptop are both ready."]
    assert kinds["fs_wait"] == ["8. Wait for the supplier to deliver the laptop to the office."]
    dotted = [el.get("data-id") for el in root.iter()
              if local(el) == "path" and el.get("data-edge") == "true"
              and "edge-pattern-dotted" in classes(el)]
    assert dotted == ["L_n8_n10_0"]  # the timeout, and only it
