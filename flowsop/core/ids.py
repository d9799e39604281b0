"""Ids: what a node's or a procedure's ID may be. A procedure's id names its
output files (``OUT/<id>.html``), so it is checked once, here, below every
stage: by the parser, the outline reader, the library rules and ``new``."""

from __future__ import annotations

import re

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


def short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"
