"""Render stage: the numbered procedure → text and images.

One module per back end. Every renderer reads the renderer-neutral
``NumberedProcedure`` (flowsop.procedure) and a ``RenderContext``; none parses
text or reads the graph directly. ``formats.FORMATS`` is the one registry of
output formats; ``formats.render_format`` dispatches.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

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
    #: Draft mode: the procedure has errors and is drawn anyway, its chart
    #: marked (``render.draft``): defective nodes outlined, a note on top.
    draft: bool = False
    #: Node ID → the error messages about that node ("line 15 (step 4): …").
    defects: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Every error of the procedure, in order, as the chart's note lists them
    #: (those on the title page too, which belong to no node).
    problems: tuple[str, ...] = ()
