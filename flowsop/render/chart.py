"""Render stage, the chart: DOT text (``dot``) laid out by the engine
(``engine``) and finished (``svg``) into the SVG, PNG and PDF files.

The one module that chains those three, so that none of them imports another
in a circle.
"""

from __future__ import annotations

from . import RenderContext, engine
from .dot import chart_description, choose_engine, dot_source, svg_titles
from .svg import finish_svg, postprocess
from ..procedure import NumberedProcedure


def chart_dot(numbered: NumberedProcedure, ctx: RenderContext | None = None) -> str:
    """The DOT text the chart is laid out from: ``dot.dot_source``, with the
    draft's marks (``draft.mark_dot``) when ``ctx.draft``."""
    ctx = ctx or RenderContext()
    source = dot_source(numbered, ctx)
    if ctx.draft:
        from .draft import mark_dot
        source = mark_dot(source, numbered, ctx)
    return source


def render_svg(numbered: NumberedProcedure, ctx: RenderContext | None = None,
               timeout: float = 60) -> str:
    """The finished SVG chart: laid out, ids prefixed, title and desc added."""
    ctx = ctx or RenderContext()
    raw = engine.layout(chart_dot(numbered, ctx), "svg", choose_engine(numbered, ctx.engine),
                        timeout=timeout)
    return finish_chart(raw.decode("utf-8"), numbered, ctx)


def finish_chart(svg: str, numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """``svg.finish_svg``; for a draft, the ``<desc>`` says first that the chart
    has errors (the SVG is an image to assistive tools: they read the title
    and the description, not the note drawn on the chart)."""
    if not ctx.draft:
        return finish_svg(svg, numbered)
    from .draft import note_lines
    head, say, *_ = note_lines(ctx)
    return postprocess(svg, prefix=numbered.id, title=numbered.title,
                       desc=f"{head} {say} {chart_description(numbered)}",
                       titles=svg_titles(numbered))


def render_chart(numbered: NumberedProcedure, ctx: RenderContext | None = None,
                 fmt: str = "svg", timeout: float = 60) -> bytes:
    """The chart as file content: ``dot`` (the source), ``svg``, ``png`` or ``pdf``."""
    ctx = ctx or RenderContext()
    if fmt == "dot":
        return chart_dot(numbered, ctx).encode("utf-8")
    if fmt == "svg":
        return render_svg(numbered, ctx, timeout).encode("utf-8")
    return engine.layout(chart_dot(numbered, ctx), fmt, choose_engine(numbered, ctx.engine),
                         timeout=timeout)


# Back ends of the format registry (render.formats).

def chart_svg(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """The ``svg`` format: the chart laid out before rendering (``ctx.svg``)."""
    return ctx.svg


def render_png(numbered: NumberedProcedure, ctx: RenderContext) -> bytes:
    return render_chart(numbered, ctx, "png")


def render_pdf(numbered: NumberedProcedure, ctx: RenderContext) -> bytes:
    return render_chart(numbered, ctx, "pdf")
