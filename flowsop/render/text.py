"""Render stage: the text back ends in one registry, for the CLI and the API.

Each renderer reads the numbered procedure and a ``RenderContext`` and
returns text; the caller writes it to ``OUT/<id><FORMATS[name]>`` with
``fileio.write_atomic``. The HTML page inlines ``ctx.svg`` (lay the chart out
first); the Markdown page refers to ``<id>.svg`` beside it.
"""

from __future__ import annotations

from typing import Callable

from ..procedure import NumberedProcedure
from . import RenderContext
from .checklist import render_checklist
from .csvout import render_csv
from .html import render_html
from .markdown import render_markdown

TextRenderer = Callable[[NumberedProcedure, RenderContext], str]

#: format name (as in ``render.FORMATS``) → renderer
TEXT_RENDERERS: dict[str, TextRenderer] = {
    "md": render_markdown,
    "html": render_html,
    "checklist": render_checklist,
    "csv": render_csv,
}

__all__ = ["TEXT_RENDERERS", "render_markdown", "render_html", "render_checklist", "render_csv"]
