"""Render stage, the chart: DOT text (``dot``) laid out by the engine
(``engine``) and finished (``svg``) into the SVG, PNG and PDF files.

The one module that chains those three, so that none of them imports another
in a circle.
"""

from __future__ import annotations

from . import RenderContext, engine
from .dot import choose_engine, dot_source
from .svg import finish_svg
from ..procedure import NumberedProcedure


def render_svg(numbered: NumberedProcedure, ctx: RenderContext | None = None,
               timeout: float = 60) -> str:
    """The finished SVG chart: laid out, ids prefixed, title and desc added."""
    ctx = ctx or RenderContext()
    raw = engine.layout(dot_source(numbered, ctx), "svg", choose_engine(numbered, ctx.engine),
                        timeout=timeout)
    return finish_svg(raw.decode("utf-8"), numbered)


def render_chart(numbered: NumberedProcedure, ctx: RenderContext | None = None,
                 fmt: str = "svg", timeout: float = 60) -> bytes:
    """The chart as file content: ``dot`` (the source), ``svg``, ``png`` or ``pdf``."""
    ctx = ctx or RenderContext()
    if fmt == "dot":
        return dot_source(numbered, ctx).encode("utf-8")
    if fmt == "svg":
        return render_svg(numbered, ctx, timeout).encode("utf-8")
    return engine.layout(dot_source(numbered, ctx), fmt, choose_engine(numbered, ctx.engine),
                         timeout=timeout)


# Back ends of the format registry (render.formats).

def chart_svg(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """The ``svg`` format: the chart laid out before rendering (``ctx.svg``)."""
    return ctx.svg


def render_png(numbered: NumberedProcedure, ctx: RenderContext) -> bytes:
    return render_chart(numbered, ctx, "png")


def render_pdf(numbered: NumberedProcedure, ctx: RenderContext) -> bytes:
    return render_chart(numbered, ctx, "pdf")
