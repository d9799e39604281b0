"""The public Python API: ``flowsop.load`` and ``Loaded.render``, and the
examples of docs/api.md, run as written with their printed output compared
to the ```text block after each.
"""

from __future__ import annotations

import contextlib
import io
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import flowsop
from conftest import DIAGRAMS, REPO, TODAY
from flowsop.render.formats import FORMATS

DOC = REPO / "docs" / "api.md"


def doc_examples() -> list[tuple[str, str | None]]:
    """(python code, expected output or None) for each ```python block."""
    blocks = re.findall(r"```(\w*)\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    out = []
    for n, (lang, body) in enumerate(blocks):
        if lang == "python":
            following = blocks[n + 1] if n + 1 < len(blocks) else ("", "")
            out.append((body, following[1] if following[0] == "text" else None))
    return out


def test_docs_api_examples_run_as_written():
    examples = doc_examples()
    assert len(examples) >= 4
    namespace: dict = {}
    for code, expected in examples:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
        if expected is not None:
            assert printed.getvalue() == expected, code


def test_import_is_cheap():
    done = subprocess.run([sys.executable, "-c",
                           "import sys, flowsop; print(sorted(m for m in ('lark', 'networkx', "
                           "'jinja2', 'flowsop.api') if m in sys.modules))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_public_function_shadows_a_subpackage():
    modules = {m.name for m in pkgutil.iter_modules(flowsop.__path__)}
    assert {"render", "api", "checks"} <= modules
    public = {name for name, value in vars(flowsop).items()
              if callable(value) and not name.startswith("_")}
    assert public & modules == set(), public & modules
    assert "load" in public


def test_load_a_path_or_text():
    from_path = flowsop.load(DIAGRAMS / "dispatch-onsite.flow", today=TODAY)
    from_str_path = flowsop.load(str(DIAGRAMS / "dispatch-onsite.flow"), today=TODAY)
    text = (DIAGRAMS / "dispatch-onsite.flow").read_text(encoding="utf-8")
    from_text = flowsop.load(text, path="x/dispatch.flow", today=TODAY)
    assert from_path.procedure.id == from_str_path.procedure.id == from_text.procedure.id \
        == "dispatch-onsite"  # the front matter's id
    assert from_path.ok and from_text.ok
    anonymous = flowsop.load("start: Go.\nstep: Do.\nend: Done.\n")
    assert anonymous.diagnostics[0].path == "<text>"
    named = flowsop.load("start: Go.\nstep: Do.\nend: Done.\n", path="docs/reset.flow")
    assert named.procedure.id == "reset"


def test_library_gives_calls_their_titles():
    alone = flowsop.load(DIAGRAMS / "dispatch-onsite.flow", today=TODAY)
    with_library = flowsop.load(DIAGRAMS / "dispatch-onsite.flow", today=TODAY,
                                library=DIAGRAMS)
    assert with_library.titles["order-parts"] == "Order parts that are out of stock"
    assert '[["7. order-parts"]]' in alone.render("mermaid")
    assert '[["7. Order parts that are out of stock"]]' in with_library.render("mermaid")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_render_every_format(fmt):
    loaded = flowsop.load(DIAGRAMS / "order-parts.flow", today=TODAY)
    out = loaded.render(fmt, today=TODAY)
    assert isinstance(out, bytes if FORMATS[fmt].binary else str)
    assert out


def test_render_is_the_build_output(tmp_path):
    """The API and `flowsop render` give the same bytes."""
    from flowsop.cli import main

    assert main(["render", str(DIAGRAMS / "order-parts.flow"), "--format", "md,mermaid,csv",
                 "-o", str(tmp_path), "--today", TODAY.isoformat()]) == 0
    loaded = flowsop.load(DIAGRAMS / "order-parts.flow", today=TODAY)
    for fmt, suffix in (("mermaid", ".mmd"), ("csv", ".csv")):
        assert loaded.render(fmt, today=TODAY) == \
            (tmp_path / f"order-parts{suffix}").read_text(encoding="utf-8")


def test_render_refuses_errors_and_unknown_formats():
    broken = flowsop.load("start: Go.\nstpe: Do it.\nend: Done.\n", path="b.flow")
    with pytest.raises(ValueError, match=r"b\.flow:2:1: unknown keyword"):
        broken.render("svg")
    ok = flowsop.load(DIAGRAMS / "order-parts.flow", today=TODAY)
    with pytest.raises(ValueError, match="unknown format 'jpeg'"):
        ok.render("jpeg")


def test_fragment_options():
    loaded = flowsop.load(DIAGRAMS / "dispatch-onsite.flow", today=TODAY)
    chart = loaded.render("fragment", show="chart", alt="Dispatch, drawn", caption="Figure 1",
                          today=TODAY)
    assert '<title id="dispatch-onsite-title">Dispatch, drawn</title>' in chart
    assert "Figure 1</figcaption>" in chart and "<ol" not in chart
    with pytest.raises(ValueError, match="show must be one of"):
        loaded.render("fragment", show="everything")
