"""Render stage: the numbered procedure → the written SOP as one standalone
HTML page.

The chart's SVG text (``ctx.svg``, made by the DOT back end) is inlined; the
stylesheet is inlined with a print and a dark-mode variant; there is no
script and no external asset, and a Content-Security-Policy forbids both, so
the page is safe to open from a file share or publish as is. Author text is
escaped by Jinja's autoescaping.
"""

from __future__ import annotations

from ..procedure import NumberedProcedure
from . import RenderContext
from .templating import build_view, render_template


def render_html(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """The written SOP as a printable HTML page with the chart inlined."""
    text = render_template("sop.html.j2", v=build_view(numbered, ctx))
    # Template whitespace leaves blank lines; HTML does not need them.
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"
