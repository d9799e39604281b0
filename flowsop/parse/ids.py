"""Ids: what a node's or a procedure's ID may be. A procedure's id names its
output files (``OUT/<id>.html``), so it is checked here, once, for the parser
and the outline reader alike: a valid ID, short, and not the index's name."""

from __future__ import annotations

import re

from ..model import Meta

ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
#: A procedure's id names its output files (``<id>.checklist.md``): keep the
#: name well inside the 255 bytes a file system allows.
MAX_PROCEDURE_ID = 100
#: Ids that would name the library's own files (index.html, index.md).
RESERVED_IDS = ("index",)


def id_problem(value: str) -> tuple[str, str] | None:
    """Why ``value`` cannot be a procedure's id, as (what is wrong, a hint);
    None when it can."""
    if not ID_RE.match(value):
        return ("is not a valid ID",
                "use letters, digits, '-' and '_', starting with a letter")
    if len(value) > MAX_PROCEDURE_ID:
        return (f"is {len(value)} characters long; at most {MAX_PROCEDURE_ID} are allowed",
                "a procedure's id names its files: keep it short")
    if value.lower() in RESERVED_IDS:
        return (f"is reserved for the library's {value.lower()}.html and {value.lower()}.md",
                "choose another id")
    return None


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


def short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _fallback(value: str) -> str:
    # Keeps a refused procedure in the library (for its other diagnostics).
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-")[:MAX_PROCEDURE_ID]
    if not cleaned or not re.match(r"[A-Za-z_]", cleaned):
        cleaned = "p-" + cleaned
    return cleaned if cleaned.lower() not in RESERVED_IDS else cleaned + "-procedure"
