"""The one registry of output formats: name, file suffix, binary or text,
whether it reads the laid-out chart, and the back end that renders it.

Adding a format is one row here plus its back end module. Back ends are
named as ``module:function`` inside ``flowsop.render`` and imported only
when used, so that ``flowsop check`` never loads Jinja2 or the layout engine.
Every back end has one signature: ``(numbered, ctx, **options) -> str | bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import import_module
from typing import Callable

from ..procedure import NumberedProcedure
from . import RenderContext


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str                  # OUT/<id><suffix>
    backend: str                 # "module:function" in flowsop.render
    binary: bool = False
    #: Reads the laid-out SVG chart (``ctx.svg``): the chart is laid out first,
    #: and the format is not written when that failed (an engine diagnostic says why).
    chart: bool = False
    #: The layout engine draws it itself (PNG, PDF from the DOT source).
    engine: bool = False
    #: Links to sibling pages with this suffix, and refers to the chart by its
    #: file name instead of inlining it.
    pages: str | None = None
    #: Options only this format takes (``Loaded.render(fmt, **options)``).
    options: tuple[str, ...] = ()

    @property
    def needs_layout(self) -> bool:
        """Building it runs the layout engine (and its size and script checks)."""
        return self.chart or self.engine

    def renderer(self) -> Callable[..., str | bytes]:
        module, function = self.backend.split(":")
        return getattr(import_module(f"{__package__}.{module}"), function)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("dot", ".dot", "dot:dot_source"),
    Format("svg", ".svg", "chart:chart_svg", chart=True),
    Format("png", ".png", "chart:render_png", binary=True, engine=True),
    Format("pdf", ".pdf", "chart:render_pdf", binary=True, engine=True),
    Format("md", ".md", "markdown:render_markdown", chart=True, pages=".md"),
    Format("html", ".html", "html:render_html", chart=True),
    Format("checklist", ".checklist.md", "checklist:render_checklist", pages=".md"),
    Format("csv", ".csv", "csvout:render_csv"),
    Format("mermaid", ".mmd", "mermaid:render_mermaid"),   # Mermaid lays out its own chart
    Format("fragment", ".fragment.html", "fragment:render_fragment", chart=True,
           options=("show", "alt", "caption")),
)}
DEFAULT_FORMATS = ("svg", "md", "html", "checklist", "csv")


def render_format(numbered: NumberedProcedure, name: str, ctx: RenderContext,
                  **options) -> bytes | None:
    """One format's file content; None for a chart format whose chart could
    not be laid out (``ctx.svg`` is None)."""
    spec = FORMATS[name]
    if spec.chart and ctx.svg is None:
        return None
    if spec.pages is not None:
        ctx = replace(ctx, page_suffix=spec.pages, svg=None)
    out = spec.renderer()(numbered, ctx, **options)
    return out if isinstance(out, bytes) else out.encode("utf-8")
