"""Render stage: the numbered procedure → a checklist (Markdown task list).

One ``- [ ]`` per step with its number and role, a decision's options under
it, and the outcomes at the end: for procedures that are followed line by
line, such as onboarding an endpoint. Same numbers and sentences as the SOP.
"""

from __future__ import annotations

from ..procedure import NumberedProcedure
from . import RenderContext
from .markdown import tidy_markdown
from .templating import build_view, render_template


def render_checklist(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    return tidy_markdown(render_template("checklist.md.j2", v=build_view(numbered, ctx)))
