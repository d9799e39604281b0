"""Link safety: which ``link:`` values a reader's browser may follow.

Below every stage: the ``unsafe-link`` rule reports what this refuses, and the
renderers (DOT, SVG, HTML, Markdown) drop what it refuses, whatever the
checks were told to ignore.
"""

from __future__ import annotations

import html
import re

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# Browsers ignore ASCII whitespace and control characters inside a scheme
# ("java\tscript:"), so they are removed before looking at it.
_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def link_scheme(url: str) -> str | None:
    """The scheme a browser would see, lower-case; None for a relative path."""
    m = _SCHEME.match(_as_read(url))
    return m.group(1).lower() if m else None


def is_safe_link(url: str) -> bool:
    cleaned = _as_read(url)
    if cleaned.startswith(("//", "\\\\", "/\\", "\\/")):
        return False  # protocol-relative: a host chosen by the author, scheme by the page
    scheme = link_scheme(url)
    return scheme is None or scheme in SAFE_SCHEMES


def _as_read(url: str) -> str:
    """The link as the reader's browser ends up reading it. Character
    references are decoded first: a Markdown renderer (CommonMark decodes them
    in link destinations) or the browser (in an attribute) turns
    "&#x6A;avascript:" and "javascript&colon;" into "javascript:". Decoded
    until nothing changes, for a text that is decoded at each of two steps."""
    for _ in range(4):
        decoded = html.unescape(url)
        if decoded == url:
            break
        url = decoded
    return _IGNORED.sub("", url)
