"""Render stage: the numbered procedure → a spreadsheet form (CSV).

Columns: number, role, kind, text, next steps, link, duration; one row per
node in file order (triggers and outcomes have no number). Written with the
stdlib ``csv`` module. A spreadsheet runs a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, so such cells get a leading ``'``.
(Named ``csvout`` so that it does not shadow the stdlib ``csv`` module.)
"""

from __future__ import annotations

import csv
import io

from ..procedure import Item, NumberedProcedure
from . import RenderContext
from .links import rewrite_link

COLUMNS = ("number", "role", "kind", "text", "next steps", "link", "duration")
#: What a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_csv(numbered: NumberedProcedure, ctx: RenderContext) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in numbered.items:
        writer.writerow([neutralise(cell) for cell in _row(item, ctx)])
    return out.getvalue()


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula, made inert."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _row(item: Item, ctx: RenderContext) -> list[str]:
    if item.info.calls:
        text = f"Follow the procedure {item.call_title or item.call_id}."
    else:
        text = item.text
    links = []
    for url in item.links:
        href = rewrite_link(url, ctx.link_base)
        # A refused link is kept visible but can never be mistaken for one.
        links.append(href if href is not None else f"(refused link) {url}")
    return [str(item.number) if item.number is not None else "", item.lane or "", item.kind,
            text, " ".join(_next_sentences(item)), "\n".join(links), item.duration or ""]


def _next_sentences(item: Item) -> list[str]:
    """Every way forward, implicit ones included: a spreadsheet row is read on
    its own, so "the next line" means nothing there (``Item.ways``)."""
    return [w.text for w in item.ways]
