"""A procedure's id: its front matter's, else the file's stem (checked by
``core.ids``), else a safe stand-in that keeps the procedure in its library."""

from __future__ import annotations

import re

from ..core.ids import ID_RE, MAX_PROCEDURE_ID, RESERVED_IDS, id_problem, short
from ..model import Meta


def procedure_id(meta: Meta, default_id: str | None) -> tuple[str, str | None]:
    """The procedure's id: its front matter's, else the file's stem; and why
    the stem cannot serve, if it cannot."""
    if meta.id:
        return meta.id, None
    proc_id = default_id or "procedure"
    problem = id_problem(proc_id)
    if problem is None:
        return proc_id, None
    return _fallback(proc_id), f"the file name gives the id '{short(proc_id)}', which {problem[0]}"


def _fallback(value: str) -> str:
    # Keeps a refused procedure in the library (for its other diagnostics).
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-")[:MAX_PROCEDURE_ID]
    if not cleaned or not re.match(r"[A-Za-z_]", cleaned):
        cleaned = "p-" + cleaned
    return cleaned if cleaned.lower() not in RESERVED_IDS else cleaned + "-procedure"
