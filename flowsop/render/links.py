"""Render stage helpers shared by the text back ends (Markdown, HTML,
checklist, CSV): where a ``link:`` points from the output folder, whether it
may be emitted as a link at all, and how author text is escaped for Markdown.

Author text is untrusted: nothing here lets it become markup.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, urlsplit

from ..core.urls import is_safe_link, link_scheme


def rewrite_link(url: str, link_base: str = "") -> str | None:
    """Where ``url`` points when read from the output folder, or None when it
    must not be emitted as a link (an unsafe scheme, or empty).

    ``http``/``https``/``mailto`` links are kept as written. A relative path is
    joined to ``link_base`` (the source folder as seen from the output folder)
    and normalised, so ``runbooks/x.md`` next to the .flow file becomes
    ``../diagrams/runbooks/x.md`` from ``output/``. Fragments (``#x``) and
    absolute paths (``/kb/x``, site-relative) are kept as written.
    """
    url = url.strip()
    if not url or not is_safe_link(url):
        return None
    if link_scheme(url) is not None or url.startswith(("#", "/")):
        return url
    parts = urlsplit(url)
    if not parts.path:
        return url  # "?q=1" or similar: nothing to rebase
    joined = posixpath.normpath(posixpath.join(link_base, parts.path)) if link_base \
        else posixpath.normpath(parts.path)
    if parts.path.endswith("/") and not joined.endswith("/"):
        joined += "/"
    if parts.query:
        joined += "?" + parts.query
    if parts.fragment:
        joined += "#" + parts.fragment
    return joined


def page_href(proc_id: str, page_suffix: str) -> str:
    """The page of another procedure of the library, beside this one."""
    return quote(proc_id, safe="") + page_suffix


# ------------------------------------------------------------------ Markdown

# Backslash escapes work in CommonMark (GitHub, GitLab) and in Python-Markdown
# (MkDocs) alike for these characters.
_MD_BACKSLASH = re.compile(r"([\\`*_\[\]>#|])")
# "~" is escaped as an entity: Python-Markdown does not know "\~" and would
# print the backslash. "<" and "&" become entities so that "<script>" and
# "&lt;" stay literal text in every flavour. Braces become entities so that
# sites that run Markdown through a template language first (Jekyll's Liquid
# on GitHub Pages, mkdocs-macros' Jinja) never see "{{ x }}" or "{% x %}".
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", "~": "&#126;", "{": "&#123;", "}": "&#125;"}
# At the start of a block, these would open a list, a heading or a rule.
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def md_escape(text: object) -> str:
    """Author text → inline Markdown that renders as exactly that text."""
    # A line break in author text would let the rest start a new block.
    s = _MD_BACKSLASH.sub(r"\\\1", re.sub(r"[\r\n]+", " ", str(text)))
    # After the backslashes: the entities' own "#" must not be escaped.
    return "".join(_MD_ENTITIES.get(ch, ch) for ch in s)


def md_block(text: object) -> str:
    """Like ``md_escape``, for text that starts a block (a paragraph, a list
    item's content): "1. x", "- x" or "+ x" there would open a list."""
    return _MD_LINE_START.sub(_escape_line_start, md_escape(text), count=1)


def _escape_line_start(m: re.Match) -> str:
    lead, sign, digits, dot = m.groups()
    if sign:
        return f"{lead}\\{sign}" if sign != "=" else f"{lead}&#61;"
    return f"{lead}{digits}\\{dot}"


def url_quote(url: str) -> str:
    """A URL fit for an ``href`` or a Markdown ``[text](url)`` destination:
    spaces, brackets, quotes and the like are percent-encoded; existing
    escapes are kept."""
    return quote(url, safe="/:?#[]@!$&'*+,;=%~-._")


def md_url(url: str) -> str:
    """A URL as a Markdown link destination: ``url_quote``d, and "&" written as
    "&amp;". CommonMark decodes character references in a destination, and
    Python-Markdown passes "&#..." on for the browser to decode, so a link's own
    "&" must not start one (after "&#0000106a" Python-Markdown even garbles the
    rest of the list it stands in)."""
    return url_quote(url).replace("&", "&amp;")


def slug(text: str) -> str:
    """An anchor fragment from author text: lower-case words joined by "-"."""
    s = re.sub(r"[^\w]+", "-", text.lower()).strip("-")
    return s or "x"
