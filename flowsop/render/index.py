"""Render stage: the library index (``index.md`` and ``index.html``).

Reads plain rows prepared by the build (title, owner, version, next review,
problems, calls) — never the source files.
"""

from __future__ import annotations

import datetime as _dt

from .templating import render_template


def render_index_md(rows: list[dict], today: _dt.date) -> str:
    return render_template("index.md.j2", rows=rows, today=today, summary=_summary(rows))


def render_index_html(rows: list[dict], today: _dt.date) -> str:
    titles = {r["id"]: r["title"] for r in rows}
    pages = {r["id"]: r["page"] for r in rows}
    return render_template("index.html.j2", rows=rows, today=today, summary=_summary(rows),
                           titles=titles, pages=pages)


def _summary(rows: list[dict]) -> dict:
    return {"procedures": len(rows),
            "with_errors": sum(1 for r in rows if r["errors"]),
            "overdue": sum(1 for r in rows if r["overdue"])}
