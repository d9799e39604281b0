"""Render stage, embedding back end: the numbered procedure → one
self-contained HTML ``<div>`` (the chart inlined and/or the written SOP).

Used as is by ``--format fragment`` (``<id>.fragment.html``, for wikis and
IT-documentation platforms that take an HTML body) and by the Markdown
fence, the MkDocs plugin and the Sphinx extension, which all embed the same
markup. It reads the SOP view of ``templating`` (so the fragment says what
the HTML page says) and the laid-out chart in ``ctx.svg``.

What a host page may do to it was decided for the platforms that keep the
least: styles are inline attributes (no ``<style>``, no class-based CSS to
lose), text colours are inherited (so a dark theme stays readable), there is
no script and no external asset, and every id is prefixed with the
procedure's id (the chart's ids already are), so several fragments can be
inlined in one page.
"""

from __future__ import annotations

import html
import re

from ..procedure import NumberedProcedure
from . import RenderContext
from .templating import build_view, inline_svg, render_template

#: What a fragment shows: the chart, the numbered steps, both, or the whole
#: written SOP (title page, purpose, scope, equipment, chart, steps,
#: glossary, revision history); "page" is "sop" without the title heading,
#: for a page whose own heading is the title.
SHOWS = ("chart", "steps", "both", "sop", "page")

#: Inline styles, kept here so the template stays readable. No colour for
#: text: it is the host page's; accents are translucent so they work on
#: light and dark themes alike.
STYLES = {
    "root": "margin:1em 0;line-height:1.5",
    "h2": "margin:0.6em 0 0.3em",
    "h3": "margin:1.2em 0 0.4em",
    "meta": "margin:0 0 0.8em;font-size:0.9em;opacity:0.85",
    "pair": "white-space:nowrap",
    "figure": "margin:0.8em 0;padding:0;max-width:100%;overflow-x:auto;text-align:center",
    "caption": "margin-top:0.4em;font-size:0.9em;opacity:0.85",
    "steps": "margin:0.4em 0;padding-left:2em",
    "step": "margin:0.5em 0",
    "other": "margin:0.5em 0;list-style:none;margin-left:-1.2em;"
             "padding:0.2em 0.6em;border-left:3px solid rgba(109,40,217,0.55)",
    "caution": "margin:0.35em 0;padding:0.3em 0.6em;border-left:4px solid #d97706;"
               "background:rgba(217,119,6,0.14)",
    "note": "margin:0.25em 0;font-size:0.95em",
    "muted": "opacity:0.8;font-size:0.9em",
    "dt": "font-weight:bold;margin-top:0.4em",
    "dd": "margin:0 0 0.2em 1.5em",
}
#: Makes the chart shrink to the column: it keeps its aspect from the viewBox.
SVG_STYLE = "max-width:100%;height:auto"


def render_fragment(numbered: NumberedProcedure, ctx: RenderContext, *, show: str = "sop",
                    alt: str | None = None, caption: str | None = None,
                    element_id: str | None = None) -> str:
    """The ``<div class="flowsop">`` for ``numbered``.

    ``alt`` replaces the chart's ``<title>`` (its accessible name; by default
    the procedure's title, with the purpose as its ``<desc>``); ``caption``
    adds a ``<figcaption>``; ``element_id`` replaces the div's id (the
    procedure's id for the whole SOP, ``<id>-chart``, ``<id>-steps`` or
    ``<id>-both`` for a part).
    """
    if show not in SHOWS:
        raise ValueError(f"show must be one of {', '.join(SHOWS)}, not {show!r}")
    view = build_view(numbered, ctx)
    svg = view.svg
    if svg:
        svg = responsive(svg)
        if alt:
            svg = with_title(svg, alt)
    pid = element_id_prefix(numbered.id)
    # The whole SOP is the procedure's id; a part of it gets the part's name,
    # so that the chart and the steps can both sit on one page.
    root_id = element_id or (pid if show in ("sop", "page") else f"{pid}-{show}")
    text = render_template("fragment.html.j2", v=view, S=STYLES, svg=svg, show=show,
                           caption=caption, pid=pid, root_id=root_id,
                           meanings={t: m for t, _, m in view.glossary})
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"


def element_id_prefix(procedure_id: str) -> str:
    """The prefix of every id in the fragment: the procedure's id, as the
    chart uses it (``svg.safe_prefix``)."""
    p = re.sub(r"[^A-Za-z0-9_.-]", "_", procedure_id) or "chart"
    return p if re.match(r"[A-Za-z_]", p) else "_" + p


def responsive(svg: str) -> str:
    """The inline ``<svg>`` sized to fit its column (Graphviz writes a fixed
    width in points), its links not underlined by the host page's CSS for
    ``a`` (an inline style wins over a stylesheet)."""
    svg = re.sub(r"<a\b", '<a style="text-decoration:none"', svg)
    return re.sub(r"<svg\b", f'<svg style="{SVG_STYLE}"', svg, count=1)


def with_title(svg: str, title: str) -> str:
    """The chart with ``title`` as its accessible name (the root ``<title>``)."""
    return re.sub(r"(<title\b[^>]*>)[^<]*(</title>)",
                  lambda m: m.group(1) + html.escape(title, quote=False) + m.group(2),
                  svg, count=1)


__all__ = ["render_fragment", "SHOWS", "inline_svg"]
