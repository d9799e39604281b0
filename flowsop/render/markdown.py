"""Render stage: the numbered procedure → the written SOP as Markdown.

For embedding in other documentation (GitHub, GitLab, MkDocs): every piece of
author text is escaped with ``links.md_escape``; the chart is referenced as
``<id>.svg`` beside the page (the HTML page inlines it instead).
"""

from __future__ import annotations

import re

from ..procedure import NumberedProcedure
from . import RenderContext
from .templating import build_view, render_template


def render_markdown(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    """The written SOP: title page, purpose, scope, equipment, chart, numbered
    steps, glossary and revision history."""
    return tidy_markdown(render_template("sop.md.j2", v=build_view(numbered, ctx)))


def tidy_markdown(text: str) -> str:
    """One blank line between blocks, no trailing spaces, one final newline:
    the templates stay readable and the output stays stable."""
    lines = [line.rstrip() for line in text.splitlines()]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return out + "\n"
