"""Render stage: the numbered procedure → text and images.

One module per back end. Every renderer reads the renderer-neutral
``NumberedProcedure`` (flowsop.procedure) and a ``RenderContext``; none parses
text or reads the graph directly. ``FORMATS`` maps a format name to its file
suffix; ``render`` dispatches.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

#: format name → output file suffix (``OUT/<id><suffix>``)
FORMATS: dict[str, str] = {
    "dot": ".dot",
    "svg": ".svg",
    "png": ".png",
    "pdf": ".pdf",
    "md": ".md",
    "html": ".html",
    "checklist": ".checklist.md",
    "csv": ".csv",
    "mermaid": ".mmd",
    "fragment": ".fragment.html",
}
DEFAULT_FORMATS = ("svg", "md", "html", "checklist", "csv")
BINARY_FORMATS = ("png", "pdf")


@dataclass
class RenderContext:
    """What a renderer may know beyond the procedure itself."""

    today: _dt.date = field(default_factory=_dt.date.today)
    #: The laid-out chart (SVG text), for formats that inline or reference it.
    svg: str | None = None
    #: Relative path from the output folder to the source file's folder, used to
    #: rewrite relative ``link:`` paths so they still work from the output folder.
    link_base: str = ""
    #: Suffix used when linking to another procedure's page (".html" or ".md").
    page_suffix: str = ".html"
    #: Layout engine: "graphviz-pure" (default, from PyPI) or "dot" (system Graphviz).
    engine: str = "graphviz-pure"
