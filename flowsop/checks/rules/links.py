"""Link rules: a `link:` is followed by readers of HTML pages and SVG charts."""

from __future__ import annotations

import html
import re

from ...diagnostics import Severity
from ..base import Context, Finding, Findings, rule

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


@rule("unsafe-link", Severity.ERROR)
def unsafe_link(ctx: Context) -> Findings:
    """A `link:` with a scheme that can run code or read local files.

    What it finds: a link whose scheme is not `http`, `https` or `mailto`
    (for example `javascript:`, `data:`, `file:`, `vbscript:`), or a
    protocol-relative link (`//host/path`). Relative paths are allowed. The
    scheme is read as a browser reads it: whatever the case (`JaVaScRiPt:`),
    with spaces and control characters inside it ignored (`java\\tscript:`)
    and character references decoded (`&#x6A;avascript:`, `javascript&colon;`).

    Why it matters: links become clickable in the HTML page and the SVG chart;
    a `javascript:` link in a procedure that anyone can edit would run in the
    reader's browser.

    Incorrect:
        step: Open the runbook.
          link: javascript:alert(1)

    Correct:
        step: Open the runbook.
          link: https://kb.example.com/runbooks/backup

    How to silence: link to an http(s) page or a relative path instead.
    """
    for node in ctx.procedure.nodes:
        for attr in node.attributes:
            if attr.key == "link" and not is_safe_link(attr.value):
                scheme = link_scheme(attr.value)
                what = f"'{scheme}:'" if scheme else "protocol-relative"
                yield Finding(attr.span, f"the link uses the {what} scheme, which is not allowed",
                              "links may use http, https or mailto, or be a relative path")
