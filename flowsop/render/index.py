"""Render stage: the library index (``index.md`` and ``index.html``).

Reads plain rows prepared by the build (title, owner, version, next review,
calls, diagnostics as JSON objects; kept in the build's manifest) — never the
source files.
"""

from __future__ import annotations

import datetime as _dt

from .templating import render_template


def index_files(rows: list[dict], today: _dt.date) -> dict[str, bytes]:
    """``index.md`` and ``index.html``. Each row carries its ``diagnostics``
    (as JSON objects); links between procedures that call each other are
    worked out here, across the rows."""
    called_by: dict[str, set[str]] = {}
    for r in rows:
        for c in r["calls"]:
            called_by.setdefault(c, set()).add(r["id"])
    day = today.isoformat()
    shown = []
    for r in sorted(rows, key=lambda r: (r["title"].casefold(), r["id"], r["source"])):
        ds = sorted(r.get("diagnostics", []),
                    key=lambda d: (d["severity"] != "error", d["line"], d["column"], d["rule"]))
        shown.append(dict(
            r, page=f'{r["id"]}.html' if r["ok"] else None,
            overdue=bool(r["next_review"] and r["next_review"] < day),
            called_by=sorted(called_by.get(r["id"], ())),
            errors=sum(d["severity"] == "error" for d in ds),
            warnings=sum(d["severity"] == "warning" for d in ds),
            problems=[f'{d["line"]}:{d["column"]} {d["severity"]}[{d["rule"]}] {d["message"]}'
                      for d in ds]))
    return {"index.md": render_index_md(shown, today).encode(),
            "index.html": render_index_html(shown, today).encode()}


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
